"""Settings, read from ``PCF_*`` environment variables; built by the CLI or ``create_app`` and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    workers: int = Field(default=1, ge=1, le=64)
    #: Public base URL of the registry: label QR codes and GS1 Digital Link anchors are built on it.
    base_url: str = "http://127.0.0.1:8000"
    #: The transparency log's origin line (C2SP checkpoints); defaults to the base URL's host + "/log".
    log_origin: str | None = None
    #: The master key file (seals private keys at rest); created by ``pcf db load``.
    key_file: Path | None = None
    #: Largest request body accepted, bytes.
    max_body_bytes: int = 1_000_000
    #: Requests per minute per client address on public endpoints.
    public_rate_limit: int = 6000

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'pcf.sqlite').resolve()}"

    @property
    def key_path(self) -> Path:
        return self.key_file or self.data_dir / "registry.key"

    @property
    def origin(self) -> str:
        if self.log_origin:
            return self.log_origin
        host = self.base_url.split("://", 1)[-1].rstrip("/")
        return f"{host}/log"
