"""Read-only views over the registry for the public pages and open data (no writes, no HTTP).

What the use cases in :mod:`registry.services` do not already answer: counts for the home page, the comparison
set of a category with each product's specification (from its declaration's product file), lower-carbon
alternatives to a label, the label records for bulk download, label events for the Atom feed, and the log's
recent entries and roots. Every query is a few indexed statements whatever the number of labels: counts are one
``GROUP BY``; the comparison set reads only the label, product, certifier and product-file columns.

Effective status (the one the public sees) comes from :mod:`registry.certification.status` (its SQL twin in
queries).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.certification.status import effective, in_force_sql, status_sql
from registry.log import store as tlog_store
from registry.log.integrity import label_integrity
from registry.store.tables import Checkpoint, Declaration, Label, LogEntry, Organisation, Product

if TYPE_CHECKING:
    pass

T = TypeVar("T")

#: Numeric fields of a product file a buyer can set requirements on, per category (min/max), and the
#: choice fields (one value). The names are the product file's own (``footprint/products``).
NUMERIC_SPECS: dict[str, tuple[str, ...]] = {
    "pv_module": ("rated_power_wp", "area_m2"),
    "monitor": ("screen_diagonal_inch", "mass_kg", "annual_energy_kwh"),
    "display": ("screen_diagonal_inch", "mass_kg", "annual_energy_kwh"),
    "laptop": ("screen_diagonal_inch", "mass_kg", "annual_energy_kwh"),
    "desktop": ("mass_kg", "annual_energy_kwh"),
}
CHOICE_SPECS: dict[str, tuple[str, ...]] = {
    "pv_module": ("technology",),
    "monitor": ("panel",),
    "display": ("panel",),
    "laptop": ("panel",),
    "desktop": ("form_factor",),
}


# ------------------------------------------------------------------------------------------------ home
def certifiers(engine: Engine) -> list[Organisation]:
    """Every certifier, by id (the label search's filter)."""
    with Session(engine) as s:
        return list(s.exec(select(Organisation).where(Organisation.role == "certifier").order_by(Organisation.id)))  # type: ignore[arg-type]


@dataclass
class Counts:
    """Labels by category and effective status, and the number of certifiers."""

    labels: dict[str, dict[str, int]] = field(default_factory=dict)
    total: int = 0
    certifiers: int = 0

    def by_status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for per in self.labels.values():
            for status, n in per.items():
                out[status] = out.get(status, 0) + n
        return out


def counts(engine: Engine, today: date) -> Counts:
    """One ``GROUP BY`` over labels (expiry derived in SQL) and one count of certifiers."""
    status = status_sql(today)
    out = Counts()
    with Session(engine) as s:
        for category, st, n in s.exec(select(Label.category, status, func.count()).group_by(Label.category, status)):
            out.labels.setdefault(category, {})[st] = n
            out.total += n
        out.certifiers = s.exec(select(func.count()).select_from(Organisation)
                                .where(Organisation.role == "certifier")).one()
    return out


# --------------------------------------------------------------------------------------------- compare
@dataclass(frozen=True)
class Candidate:
    """A certified product in force, as a buyer compares it."""

    label_id: str
    product_name: str
    model: str
    category: str
    value: str  # certified decimal text
    value_num: float
    unit: str
    declared_unit: str
    certifier_zh: str
    certifier_en: str
    manufacturer_zh: str
    manufacturer_en: str
    valid_until: date
    spec: dict[str, Any]


def _candidate_columns(cert: Any, maker: Any) -> list[Any]:
    return [col(Label.label_id), col(Product.name), col(Product.model), col(Label.category), col(Label.value),
            col(Label.value_num), col(Label.unit), col(Label.declared_unit), cert.c.name_zh, cert.c.name_en,
            maker.c.name_zh, maker.c.name_en, col(Label.valid_until)]


def _candidate(row: Any, spec: dict[str, Any]) -> Candidate:
    return Candidate(label_id=row[0], product_name=row[1], model=row[2], category=row[3], value=row[4],
                     value_num=row[5], unit=row[6], declared_unit=row[7], certifier_zh=row[8], certifier_en=row[9],
                     manufacturer_zh=row[10], manufacturer_en=row[11], valid_until=row[12], spec=spec)


def comparison_set(engine: Engine, category: str, today: date) -> list[Candidate]:
    """Every label of ``category`` in force today, lowest footprint first, with its product file's fields.

    One statement; 6,700 labels of a category take about 0.1 s on SQLite (a third of it reading the product files),
    which is why :mod:`registry.procurement` keeps the answer until the log grows or the day changes.
    """
    cert = Organisation.__table__.alias("cert")  # type: ignore[attr-defined]
    maker = Organisation.__table__.alias("maker")  # type: ignore[attr-defined]
    stmt = (sa_select(*_candidate_columns(cert, maker), col(Declaration.document))
            .join(Product, col(Product.id) == Label.product_id)
            .join(Declaration, col(Declaration.id) == Label.declaration_id)
            .join(cert, cert.c.id == Label.certifier_id)
            .join(maker, maker.c.id == Label.manufacturer_id)
            .where(col(Label.category) == category, in_force_sql(today))
            .order_by(col(Label.value_num), col(Label.label_id)))
    out = []
    with Session(engine) as s:
        for row in s.execute(stmt):
            try:
                spec = json.loads(row[-1])
            except ValueError:
                spec = {}
            out.append(_candidate(row, spec if isinstance(spec, dict) else {}))
    return out


def categories_in_force(engine: Engine, today: date) -> dict[str, int]:
    """Categories with labels in force, with their number."""
    with Session(engine) as s:
        rows = s.exec(select(Label.category, func.count()).where(in_force_sql(today)).group_by(Label.category)
                      .order_by(Label.category))
        return dict(rows.all())  # type: ignore[arg-type]


def alternatives(engine: Engine, label: Label, today: date, limit: int = 5) -> list[Candidate]:
    """Labels in force of the same category and declared unit with a lower footprint, lowest first.

    Other labels of the same product are left out (a product is not its own alternative).
    """
    return _lower_than(engine, label, today, limit)


def _lower_than(engine: Engine, label: Label, today: date, limit: int) -> list[Candidate]:
    cert = Organisation.__table__.alias("cert")  # type: ignore[attr-defined]
    maker = Organisation.__table__.alias("maker")  # type: ignore[attr-defined]
    stmt = (sa_select(*_candidate_columns(cert, maker))
            .join(Product, col(Product.id) == Label.product_id)
            .join(cert, cert.c.id == Label.certifier_id)
            .join(maker, maker.c.id == Label.manufacturer_id)
            .where(col(Label.category) == label.category, col(Label.declared_unit) == label.declared_unit,
                   col(Label.value_num) < label.value_num, col(Label.product_id) != label.product_id,
                   in_force_sql(today))
            .order_by(col(Label.value_num), col(Label.label_id)).limit(limit))
    with Session(engine) as s:
        return [_candidate(row, {}) for row in s.execute(stmt)]


# ------------------------------------------------------------------------------------------- open data
#: The columns of ``/open-data/labels.csv`` (and the keys of each ``labels.jsonl`` line), in order.
OPEN_DATA_COLUMNS = ("label_id", "version", "product", "model", "gtin", "category", "value", "unit",
                     "declared_unit", "boundary", "manufacturer", "certifier", "certifier_id", "status",
                     "valid_from", "valid_until", "issued_at", "superseded_by", "page")


def label_records(engine: Engine, today: date, base_url: str) -> Iterator[dict[str, Any]]:
    """Every issued label (all are public), oldest first, as flat records (:data:`OPEN_DATA_COLUMNS`).

    As on the pages: value, unit, boundary and validity come from the signed claim, and a row that differs from
    its claim or from the log (:func:`registry.log.integrity.label_integrity`) has the status ``damaged``. The
    label leaves of the log are read in one query."""
    cert = Organisation.__table__.alias("cert")  # type: ignore[attr-defined]
    maker = Organisation.__table__.alias("maker")  # type: ignore[attr-defined]
    stmt = (sa_select(Label, Product, maker.c.name_en, cert.c.name_en)
            .join(Product, col(Product.id) == Label.product_id)
            .join(cert, cert.c.id == Label.certifier_id)
            .join(maker, maker.c.id == Label.manufacturer_id)
            .order_by(col(Label.issued_at), col(Label.label_id)))
    with Session(engine) as s:
        leaves: dict[str, list[LogEntry]] = {}
        for e in s.exec(select(LogEntry).where(col(LogEntry.kind).in_(("label.issued", "label.status")))):
            leaves.setdefault(e.subject, []).append(e)
        for lab, product, maker_name, cert_name in s.execute(stmt):
            claim = json.loads(lab.claim)
            sound = label_integrity(s, lab, product, leaves.get(lab.label_id, [])).ok
            valid_until = date.fromisoformat(claim.get("valid_until", lab.valid_until.isoformat()))
            yield {
                "label_id": lab.label_id, "version": lab.version, "product": product.name, "model": product.model,
                "gtin": product.gtin or "", "category": lab.category, "value": claim.get("value", lab.value),
                "unit": claim.get("unit", lab.unit), "declared_unit": claim.get("declared_unit", lab.declared_unit),
                "boundary": claim.get("boundary", lab.boundary), "manufacturer": maker_name, "certifier": cert_name,
                "certifier_id": lab.certifier_id,
                "status": effective(lab.status, valid_until, today) if sound else "damaged",
                "valid_from": claim.get("valid_from", lab.valid_from.isoformat()), "valid_until": valid_until.isoformat(),
                "issued_at": lab.issued_at.isoformat(), "superseded_by": lab.superseded_by or "",
                "page": f"{base_url}/l/{lab.label_id}",
            }


# ------------------------------------------------------------------------------------------------- log
@dataclass(frozen=True)
class LogEvent:
    """A leaf of the transparency log, decoded."""

    index: int
    kind: str
    subject: str
    created_at: datetime
    event: dict[str, Any]


def _event(row: LogEntry) -> LogEvent:
    try:
        data = json.loads(row.leaf)
    except ValueError:
        data = {}
    return LogEvent(row.index, row.kind, row.subject, row.created_at, data if isinstance(data, dict) else {})


def recent_entries(engine: Engine, limit: int = 20, *, labels_only: bool = False) -> list[LogEvent]:
    """The newest leaves of the log (label events only with ``labels_only``), newest first."""
    stmt = select(LogEntry)
    if labels_only:
        stmt = stmt.where(col(LogEntry.kind).startswith("label."))
    with Session(engine) as s:
        return [_event(r) for r in s.exec(stmt.order_by(col(LogEntry.index).desc()).limit(limit))]


def checkpoints(engine: Engine, limit: int = 1000) -> list[Checkpoint]:
    """Signed checkpoints, newest first."""
    with Session(engine) as s:
        return list(s.exec(select(Checkpoint).order_by(col(Checkpoint.size).desc()).limit(limit)))


def root_at(engine: Engine, size: int) -> bytes:
    """The root hash of the log at ``size`` leaves (raises :class:`registry.errors.LogRangeError` outside it)."""
    with Session(engine) as s:
        return tlog_store.root_at(s, size)


def leaf_hash(engine: Engine, index: int) -> bytes | None:
    with Session(engine) as s:
        row = tlog_store.entry(s, index)
        return row.leaf_hash if row else None


def factor_releases(engine: Engine, factor_id: str) -> list[str]:
    """The ids of the loaded releases that hold a factor with this id."""
    from factors_db.tables import FactorRow

    with Session(engine) as s:
        return sorted(s.exec(select(FactorRow.release_id).where(FactorRow.id == factor_id)).all())


def label_log_index(engine: Engine, label_id: str) -> int | None:
    with Session(engine) as s:
        lab = s.get(Label, label_id)
        return lab.log_index if lab else None


# ------------------------------------------------------------------------------------------ label search
