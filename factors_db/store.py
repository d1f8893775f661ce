"""The factor database on SQLModel: load releases, import files in one transaction, search, look up.

SQLite by default (an embedded file), PostgreSQL through the same URL setting. Searching matches every
word of the query (Chinese or English) against ids, names, series and geography names, with filters.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, create_engine, select

from factors_db.errors import FactorNotFound, ImportFailed, ReleaseNotFound
from factors_db.importers import ImportReport
from factors_db.release import Release, bundled_releases, load_release, release_order
from factors_db.schema import Factor
from factors_db.tables import FactorRow, ReleaseRow

LOCAL_RELEASE = "local"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the tables created."""
    kwargs = {"connect_args": {"check_same_thread": False}} if url.startswith("sqlite") else {}
    engine = create_engine(url, **kwargs)  # type: ignore[arg-type]
    create_tables(engine)
    return engine


def create_tables(engine: Engine) -> None:
    """Create the factor tables (a cache of the immutable releases; the registry's own tables are migrated)."""
    SQLModel.metadata.create_all(engine, tables=[ReleaseRow.__table__, FactorRow.__table__])  # type: ignore[attr-defined]


def load_bundled(engine: Engine) -> list[str]:
    """Load every bundled release not yet in the database (idempotent). Returns the ids loaded now."""
    loaded = []
    for rid in bundled_releases():
        with Session(engine) as session:
            if session.get(ReleaseRow, rid) is not None:
                continue
        store_release(engine, load_release(rid))
        loaded.append(rid)
    return loaded


def store_release(engine: Engine, release: Release) -> None:
    """Write a whole release in one transaction."""
    with Session(engine) as session, session.begin():
        session.add(ReleaseRow(id=release.id, sha256=release.sha256, title=release.title,
                               published=release.published, factor_count=len(release.factors)))
        session.flush()
        session.add_all(FactorRow.from_factor(release.id, f) for f in release.factors)


def import_report(engine: Engine, report: ImportReport, *, release_id: str = LOCAL_RELEASE) -> int:
    """Write the accepted factors of a report in one transaction; nothing on any error.

    Raises:
        ImportFailed: an id already exists in the target release (the import is refused whole).
    """
    if release_id in bundled_releases():
        raise ImportFailed(f"release {release_id} is a bundled release and immutable; import into another")
    ids = [f.id for f in report.factors]
    with Session(engine) as session, session.begin():
        if session.get(ReleaseRow, release_id) is None:
            session.add(ReleaseRow(id=release_id, sha256="", title="local imports", published="",
                                   factor_count=0, bundled=False))
            session.flush()
        existing = set(session.exec(
            select(FactorRow.id).where(FactorRow.release_id == release_id, FactorRow.id.in_(ids))  # type: ignore[attr-defined]
        ).all())
        if existing:
            raise ImportFailed(f"{len(existing)} ids already imported, e.g. {sorted(existing)[0]}; nothing written")
        session.add_all(FactorRow.from_factor(release_id, f) for f in report.factors)
        row = session.get(ReleaseRow, release_id)
        assert row is not None
        row.factor_count += len(report.factors)
    return len(ids)


def releases(engine: Engine) -> list[ReleaseRow]:
    with Session(engine) as session:
        return list(session.exec(select(ReleaseRow).order_by(ReleaseRow.id)).all())


def latest_bundled(engine: Engine) -> str:
    ids = [r.id for r in releases(engine) if r.bundled]
    if not ids:
        raise ReleaseNotFound("no release loaded: run `pcf db load`")
    return max(ids, key=release_order)


@dataclass(frozen=True)
class SearchQuery:
    """A search: words and filters."""

    text: str = ""
    geography: str | None = None
    year: int | None = None
    category: str | None = None
    unit: str | None = None
    release: str | None = None
    limit: int = 50


def search(engine: Engine, query: SearchQuery) -> list[Factor]:
    """Factors whose id, names, series or geography match every word of ``query.text``."""
    release_ids = [query.release] if query.release else [latest_bundled(engine), LOCAL_RELEASE]
    stmt = select(FactorRow).where(FactorRow.release_id.in_(release_ids))  # type: ignore[attr-defined]
    for word in query.text.lower().split():
        stmt = stmt.where(FactorRow.search_text.contains(word, autoescape=True))  # type: ignore[attr-defined]
    if query.geography:
        stmt = stmt.where(FactorRow.geography == query.geography)
    if query.year:
        stmt = stmt.where(FactorRow.year == query.year)
    if query.category:
        stmt = stmt.where(FactorRow.category == query.category)
    if query.unit:
        stmt = stmt.where(FactorRow.unit == query.unit)
    # Short ids first: an official grid factor before a literature row that mentions the same words.
    stmt = stmt.order_by(func.length(FactorRow.id), FactorRow.id).limit(query.limit)
    with Session(engine) as session:
        return [row.to_factor() for row in session.exec(stmt).all()]


def get_factor(engine: Engine, factor_id: str, release: str | None = None) -> Factor:
    """One factor by id (latest bundled release, then local imports).

    Raises:
        FactorNotFound: with the closest ids.
    """
    release_ids: list[str] = [release] if release else [latest_bundled(engine), LOCAL_RELEASE]
    with Session(engine) as session:
        for rid in release_ids:
            row = session.get(FactorRow, (rid, factor_id))
            if row is not None:
                return row.to_factor()
        prefix = factor_id.rsplit(".", 1)[0]
        close = session.exec(
            select(FactorRow.id).distinct()
            .where(FactorRow.release_id.in_(release_ids), FactorRow.id.startswith(prefix))  # type: ignore[attr-defined]
            .order_by(FactorRow.id).limit(5)
        ).all()
    hint = f"; similar: {', '.join(close)}" if close else ""
    raise FactorNotFound(f"no factor {factor_id!r}{hint}")


def all_factors(engine: Engine, release: str) -> list[Factor]:
    with Session(engine) as session:
        rows = session.exec(select(FactorRow).where(FactorRow.release_id == release).order_by(FactorRow.id))
        return [r.to_factor() for r in rows.all()]
