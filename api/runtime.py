"""Open the database and the registry for a settings object: shared by the app and the command line."""

from __future__ import annotations

from sqlalchemy import Engine

from api.settings import Settings
from registry.services import Registry


def open_database(settings: Settings) -> Engine:
    """The engine with the registry schema migrated and the bundled factor releases loaded."""
    from factors_db.store import create_tables, load_bundled
    from registry.store.db import make_engine

    engine = make_engine(settings.db_url)
    create_tables(engine)
    load_bundled(engine)
    return engine


def open_registry(settings: Settings, engine: Engine | None = None, *, create_key: bool = False) -> Registry:
    """The registry over the settings' database, with its master key.

    Raises:
        KeyFileError: the key file is missing (and ``create_key`` is false) or corrupt.
    """
    from registry.keys.custody import read_key_file, write_key_file

    if create_key:
        write_key_file(settings.key_path)
    secret = read_key_file(settings.key_path)
    registry = Registry(engine or open_database(settings), secret, origin=settings.origin, release=settings.release)
    registry.init()
    return registry
