"""Alembic environment: migrations run on the engine the registry hands over (see registry.db.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import registry.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from registry.store.tables import REGISTRY_TABLES

OWN = {t.name for t in REGISTRY_TABLES}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # The factor tables are a cache of the immutable bundled releases (factors_db.store creates them);
    # only the registry's own records are under migration.
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or getattr(table, "name", name) in OWN


def run() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=SQLModel.metadata, include_object=include_object,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
