"""Throwaway system services for the tests: a PostgreSQL cluster of Debian's postgresql package.

``scripts/setup-system.sh`` (run by ``make test``) installs the package; here each test session (each xdist
worker) starts its own cluster in a temporary folder on a free loopback port and stops it at the end. When the
package is missing or the server does not start, :func:`start_postgres` raises with the reason, and the tests
that need PostgreSQL fail loudly: they are never skipped silently.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]


class ServiceUnavailable(RuntimeError):
    """A system service the tests need could not be started."""


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise ServiceUnavailable(f"PostgreSQL's {name} is not installed: run scripts/setup-system.sh as root "
                                 "(Debian package postgresql)")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Postgres:
    """A running throwaway cluster."""

    folder: Path
    port: int
    user: str
    as_user: list[str]

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        subprocess.run([*self.as_user, _bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                        name], check=True, capture_output=True, timeout=30)
        return self.url(name)

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.as_user, _bin("pg_ctl"), "-D", str(self.folder / "data"), "-w", *args], check=True,
                       capture_output=True, timeout=timeout)

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode)

    def start(self) -> None:
        self.pg_ctl("start", "-l", str(self.folder / "log"), "-o",
                    f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=on")

    def close(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> Postgres:
    """Initialise and start a cluster (as the ``postgres`` system user when running as root).

    Raises:
        ServiceUnavailable: with the reason.
    """
    initdb = _bin("initdb")
    folder = Path(tempfile.mkdtemp(prefix="pcf-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    user = "postgres" if as_user else os.environ.get("USER", "postgres")
    pg = Postgres(folder, free_port(), user, as_user)
    try:
        subprocess.run([*as_user, initdb, "-D", str(folder / "data"), "-U", user, "--auth=trust", "-E", "UTF8",
                        "--no-instructions"], check=True, capture_output=True, timeout=120)
        pg.start()
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(folder, ignore_errors=True)
        raise ServiceUnavailable(f"PostgreSQL did not start: {exc} {detail.decode(errors='replace')[-400:]}") from exc
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", pg.port)) == 0:
                return pg
        time.sleep(0.1)
    pg.close()
    raise ServiceUnavailable("PostgreSQL did not accept connections within 30 s")


def app_settings(folder: Path, **kw: object):  # type: ignore[no-untyped-def]
    """Settings for an app over an embedded database in ``folder``, with its master key file created."""
    from api.settings import Settings
    from registry.keys.custody import write_key_file

    settings = Settings(data_dir=folder, **kw)  # type: ignore[arg-type]
    write_key_file(settings.key_path)
    return settings


# ----------------------------------------------------------------------------------------------- browser tests
CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium (scripts/setup-system.sh)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT_DIR / "tests" / "artifacts"


@contextlib.contextmanager
def serve_in_thread(app: object) -> Iterator[str]:
    """uvicorn serving ``app`` on a free loopback port in a thread; yields the base URL."""
    import threading

    import pytest
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=srv.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 20 s", pytrace=False)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def chromium_browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; fails loudly (never skips) when either is missing."""
    import pytest

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/setup-system.sh)",
                    pytrace=False)
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright for Python is missing: {exc}", pytrace=False)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        except Error as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        yield chromium
        chromium.close()


class Clock:
    """A settable clock for the registry, one second further at every reading (tests never read the wall clock)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now
