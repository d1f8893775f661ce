"""Settings, read from ``PCF_*`` environment variables; built by the CLI or ``create_app`` and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from factors_db.release import DEFAULT_RELEASE


class Settings(BaseSettings):
    """Runtime settings. Defaults: an embedded SQLite file under ``.data`` and the bundled release."""

    model_config = SettingsConfigDict(env_prefix="PCF_")
    data_dir: Path = Path(".data")
    database_url: str | None = None
    release: str = DEFAULT_RELEASE
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'pcf.sqlite').resolve()}"
