"""Settings, read from ``PCF_*`` environment variables; built by the CLI or ``create_app`` and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PrivateAttr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from factors_db.published import DEFAULT_RELEASE


class Settings(BaseSettings):
    """Runtime settings. Defaults: an embedded SQLite file under ``.data`` and the bundled release."""

    model_config = SettingsConfigDict(env_prefix="PCF_")
    data_dir: Path = Path(".data")
    database_url: str | None = None
    release: str = DEFAULT_RELEASE
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, le=64)
    #: The one public base URL of the registry: every absolute URL (label QR codes, GS1 Digital Link anchors,
    #: redirects, feeds, CSV, PACT discovery and pagination) is built on it; the request's Host header never is.
    #: Default: ``http://<host>:<port>`` of the server (``make run`` serves there).
    base_url: str = ""
    _base_url_given: bool = PrivateAttr(default=False)
    #: The transparency log's origin line (C2SP checkpoints); defaults to the base URL's host + "/log".
    log_origin: str | None = None
    #: The master key file (seals private keys at rest); created by ``pcf db load``.
    key_file: Path | None = None
    #: Largest request body accepted, bytes.
    max_body_bytes: int = 1_000_000
    #: Addresses of the reverse proxies whose ``X-Forwarded-For`` is believed (comma-separated; uvicorn's
    #: ``forwarded_allow_ips``). Empty (the default): the header is ignored, from anyone, loopback included.
    trusted_proxies: str = ""
    #: Requests per minute per client address on public endpoints.
    public_rate_limit: int = 6000

    @model_validator(mode="after")
    def _base_url(self) -> Settings:
        self._base_url_given = bool(self.base_url)
        self.base_url = (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")
        return self

    @property
    def loopback(self) -> bool:
        """Whether the base URL names this machine only (labels printed with it cannot be scanned elsewhere)."""
        host = self.base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        return host in ("localhost", "::1") or host.startswith("127.")

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
        """The log's origin line: ``PCF_LOG_ORIGIN``, else the host of a configured ``PCF_BASE_URL`` + ``/log``.
        A base URL taken from the serving port is not used (the origin names the log for good, whatever port a
        server runs on): the origin is then ``127.0.0.1:8000/log``, as before there was a derived base URL."""
        if self.log_origin:
            return self.log_origin
        base = self.base_url if self._base_url_given else "http://127.0.0.1:8000"
        host = base.split("://", 1)[-1].rstrip("/")
        return f"{host}/log"
