"""Crash safety: the server is killed (SIGKILL) while 200 issuance and status-change requests are in flight.

After a restart every acknowledged label exists in the acknowledged state, the log verifies from its first leaf
with consistency to the last checkpoint, and no leaf index is missing or repeated. On PostgreSQL the same runs
with two server processes writing at once, which must keep log appends ordered and gap-free.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml
from sqlmodel import Session, col, select

from api.demo import record_demo_verification
from api.runtime import open_registry
from registry.accounts.actors import SYSTEM, Actor
from registry.store.tables import Label, LogEntry
from tests.services import app_settings, free_port

ROOT = Path(__file__).resolve().parents[1]
PV = yaml.safe_load((ROOT / "examples" / "pv_perc_sichuan.yaml").read_text(encoding="utf-8"))
REQUESTS = 200
PRE_ISSUED = 60


def start_server(settings, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PCF_DATA_DIR": str(settings.data_dir), "PCF_DATABASE_URL": settings.db_url,
           "PCF_PORT": str(port), "PCF_WORKERS": str(workers)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"], cwd=ROOT, env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("server did not start within 60 s")


@pytest.mark.parametrize(("backend", "workers"), [("sqlite", 1), ("postgresql", 1), ("postgresql", 2)])
def test_kill_during_concurrent_writes(request, tmp_path, backend, workers):
    if backend == "sqlite":
        db_url = f"sqlite:///{tmp_path / 'crash.sqlite'}"
    else:
        import uuid

        db_url = request.getfixturevalue("postgres").create_database("crash" + uuid.uuid4().hex[:10])
    settings = app_settings(tmp_path, database_url=db_url)
    reg = open_registry(settings)
    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="m", name_en="m", org_id="m")
    reg.organisations.create_organisation(SYSTEM, role="certifier", name_zh="c", name_en="c", org_id="c",
                                          accreditation_no="X-1")
    m, c = Actor("m", "manufacturer"), Actor("c", "certifier")
    cert_token = reg.organisations.create_token(SYSTEM, "c")[1]
    submitted = []
    for i in range(REQUESTS):  # one product each: a second label of a product would supersede the first
        product = reg.products.create_product(m, name=f"module {i}", category="pv_module")
        dec = reg.declarations.create_declaration(m, product_id=product.id, spec=PV)
        reg.declarations.submit(m, dec.id)
        record_demo_verification(reg, c, dec.id)  # the certifier verifies before approving (issue 17)
        submitted.append(dec.id)
    issued = [reg.review.approve(c, d).label_id for d in submitted[:PRE_ISSUED]]
    reg.engine.dispose()

    proc, base = start_server(settings, workers)
    headers = {"Authorization": f"Bearer {cert_token}"}
    acknowledged: dict[str, str] = {}  # label id -> status the server confirmed
    lock = threading.Lock()
    done = threading.Event()

    def send(i: int) -> None:
        try:
            if i < REQUESTS - PRE_ISSUED:
                r = httpx.post(f"{base}/api/v1/declarations/{submitted[PRE_ISSUED + i]}/approve", headers=headers,
                               timeout=30)
                if r.status_code == 200:
                    with lock:
                        acknowledged[r.json()["label_id"]] = "active"
            else:
                label_id = issued[i - (REQUESTS - PRE_ISSUED)]
                r = httpx.post(f"{base}/api/v1/labels/{label_id}/suspend", json={"reason": "crash test"},
                               headers=headers, timeout=30)
                if r.status_code == 200:
                    with lock:
                        acknowledged[label_id] = "suspended"
        except httpx.HTTPError:
            pass  # in flight when the server died: not acknowledged

    def killer() -> None:
        deadline = time.monotonic() + 120  # never hang the suite: kill anyway (the test then fails below)
        while len(acknowledged) < 40 and not done.is_set() and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)

    k = threading.Thread(target=killer)
    k.start()
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(send, range(REQUESTS)))
    done.set()
    k.join()
    proc.wait(timeout=30)
    assert 40 <= len(acknowledged) < REQUESTS, f"the kill should land mid-load ({len(acknowledged)} acknowledged)"

    # restart: the server comes back and serves every acknowledged label in its acknowledged state
    proc2, base2 = start_server(settings, 1)
    try:
        for label_id, status in acknowledged.items():
            r = httpx.get(f"{base2}/api/v1/labels/{label_id}", timeout=10)
            assert r.status_code == 200 and r.json()["status"] == status, (label_id, r.text)
    finally:
        os.killpg(proc2.pid, signal.SIGKILL)
        proc2.wait(timeout=30)
    reg2 = open_registry(settings)
    report = reg2.log.verify_log()
    assert report["ok"], report["problems"]
    with Session(reg2.engine) as s:
        indexes = [e.index for e in s.exec(select(LogEntry).order_by(col(LogEntry.index)))]
        labels = list(s.exec(select(Label)))
    assert indexes == list(range(len(indexes)))  # gap-free, no repeats
    assert len({lab.log_index for lab in labels}) == len(labels)
    numbers = sorted(int(lab.label_id.rsplit("-", 1)[1]) for lab in labels)
    assert numbers == list(range(1, len(labels) + 1))  # label numbers gap-free too
    reg2.engine.dispose()
