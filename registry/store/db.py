"""The registry's database: engine set-up for SQLite and PostgreSQL, and schema migrations with Alembic.

SQLite (the embedded default) runs in WAL mode with foreign keys on and ``synchronous=FULL``, so an
acknowledged commit survives a crash or power loss; every transaction starts with ``BEGIN IMMEDIATE`` so two
writers never deadlock upgrading a read lock. PostgreSQL is used through the same URL setting
(``postgresql+psycopg://...``); log appends lock the log head row there (see :mod:`registry.tlog_store`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

MIGRATIONS = Path(__file__).with_name("migrations")
#: Execution option of the sessions that only read (SQLite: a deferred transaction, no write lock).
READ_ONLY = "pcf_read_only"


def read_only(engine: Engine) -> Engine:
    """The same engine (and pool) for read-only sessions: on SQLite their transactions take no write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` URLs use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def private_file(path: Path) -> None:
    """Create ``path`` readable and writable by its owner only (0600), or make it so: the database holds
    password hashes, token hashes and sealed keys. SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # never open and close an existing database file: closing any descriptor of a file
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)  # drops this process's SQLite locks on it
        os.close(fd)
    os.chmod(path, 0o600)


def make_engine(url: str, *, migrate: bool = True) -> Engine:
    """An engine for ``url`` with the registry schema migrated to the newest revision."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            private_file(Path(url.split(":///", 1)[1].split("?", 1)[0]))
        engine = create_engine(url, **kwargs)
        _sqlite_pragmas(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if migrate:
        upgrade(engine)
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite opens transactions lazily and as DEFERRED; take control so that each transaction is
    # BEGIN IMMEDIATE (the SQLAlchemy documentation's recipe for serialisable SQLite transactions).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Reads marked read-only (see read_only) take no write lock, so public look-ups never queue behind each
        # other or behind a writer (WAL readers see the last commit); everything else takes the lock up front.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Any:
    """An Alembic configuration bound to ``engine``'s connection (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the registry schema to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
