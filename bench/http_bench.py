"""HTTP figures of ``make bench``: a real server on loopback, the load generator in another process.

The server is uvicorn with two worker processes serving :func:`bench.timing_app.create_app` (the app of
``pcf serve`` plus a ``Server-Timing`` header) over the bench's seeded data directory, with the public rate limit
off (``PCF_PUBLIC_RATE_LIMIT=0``). Throughput and p99 come from ``wrk -t2 -c64 -d10s --latency`` (Debian's
``wrk``, a separate process: ``scripts/setup-bench.sh`` installs it). Page "server time" is the median of the
``Server-Timing`` values read by one sequential keep-alive client (one request at a time), i.e. the time from
uvicorn handing the request to the app until the app starts its answer (routing, middleware, handler, database,
template rendering); the same client's round-trip latency is given in the note.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.registry_bench import figure

ROOT = Path(__file__).resolve().parents[1]
PV_FILE = ROOT / "examples" / "pv_perc_sichuan.yaml"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def missing(name: str, unit: str, target: float | None, reason: str) -> dict[str, Any]:
    """A figure that could not be measured: ``ok`` false, the reason in ``note``."""
    return {"name": name, "value": None, "unit": unit, "target": target, "baseline": None, "ratio": None,
            "ok": False, "note": f"missing: {reason}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn serving the timed app from ``env`` (a ``PCF_*`` environment) until :meth:`stop`."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "uvicorn", "bench.timing_app:create_app", "--factory", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop(), which the context manager calls)
        self.proc = subprocess.Popen(command, env=env | {"PCF_BASE_URL": self.base}, cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped (exit {self.proc.returncode}): {self.output()}")
            try:
                if self.get("/health")[0] == 200:
                    # every worker answers (each opens the database and loads the app)
                    for _ in range(4 * workers):
                        self.get("/health")
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer /health within 60 s")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def get(self, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, float | None, bytes]:
        """GET ``path``: (status, Server-Timing ms or None, body)."""
        own = conn is None
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            timing = r.getheader("server-timing") or ""
            found = re.search(r"dur=([0-9.]+)", timing)
            return r.status, float(found.group(1)) if found else None, body
        finally:
            if own:
                c.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the uvicorn supervisor and its workers (own session)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, *, seconds: int = 10, threads: int = 2, connections: int = 64,
        script: Path | None = None) -> dict[str, float]:
    """One ``wrk`` run: requests/s, p50 and p99 latency in ms, and the count of non-2xx/3xx answers and errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rate": rate, "p50": p50, "p99": p99, "bad": float(bad.group(1)) if bad else 0.0,
            "errors": float(sum(int(x) for x in errors.groups())) if errors else 0.0}


def _wrk_runs(url: str, runs: int, label: str, script: Path | None = None,
              connections: int = 64) -> list[dict[str, float]]:
    wrk(url, seconds=2, script=script, connections=connections)  # warm-up: connections, caches, first requests
    out = []
    for i in range(runs):
        out.append(wrk(url, script=script, connections=connections))
        print(f"  {label} run {i + 1}/{runs}: {out[-1]['rate']:,.0f} requests/s, p99 {out[-1]['p99']:.1f} ms",
              flush=True)
    return out


def _median_run(results: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median rate (its p99 goes with it)."""
    return sorted(results, key=lambda r: r["rate"])[len(results) // 2]


#: Connections of the look-up figures (see lookup_figures).
LOOKUP_CONNECTIONS = 8


def lookup_figures(server: Server, label_id: str, runs: int = 3) -> list[dict[str, Any]]:
    """Public label look-up: throughput (baseline: ``/health``, the framework's floor, in the same run) and p99."""
    if shutil.which("wrk") is None:
        return [missing("API label look-up throughput", "requests/s", 2000, "wrk is not installed "
                        "(scripts/setup-bench.sh)"), missing("API label look-up p99", "ms", 50, "wrk is not installed")]
    status = server.get(f"/api/v1/labels/{label_id}")[0]
    if status != 200:
        return [missing("API label look-up throughput", "requests/s", 2000, f"GET answered {status}"),
                missing("API label look-up p99", "ms", 50, f"GET answered {status}")]
    # The target is a rate *with* a p99 bound: it is measured at a load the server carries within that bound
    # (8 connections). At 64 connections the two workers and wrk saturate the two cores and the tail grows with
    # the queue (Little's law: 64 / 3,000 per s = 21 ms on average); that run is reported beside it.
    lookups = _wrk_runs(f"{server.base}/api/v1/labels/{label_id}", runs, "label look-up, 8 connections",
                        connections=LOOKUP_CONNECTIONS)
    saturated = _median_run(_wrk_runs(f"{server.base}/api/v1/labels/{label_id}", runs,
                                      "label look-up, 64 connections"))
    health = _wrk_runs(f"{server.base}/health", runs, "/health (baseline)", connections=LOOKUP_CONNECTIONS)
    run, floor = _median_run(lookups), _median_run(health)
    trouble = sum(r["bad"] + r["errors"] for r in lookups)
    note = (f"wrk -t2 -c{LOOKUP_CONNECTIONS} -d10s --latency, median of {runs} runs; uvicorn 2 workers and wrk share "
            f"the machine's {os.cpu_count()} cores; baseline = GET /health in the same server, same wrk command, measured "
            f"right after ({floor['rate']:,.0f}/s, p99 {floor['p99']:.1f} ms; target: at least 0.6x); "
            f"at 64 connections: {saturated['rate']:,.0f} requests/s, p99 {saturated['p99']:.1f} ms")
    rate_fig = figure("API label look-up throughput (GET /api/v1/labels/{id})", run["rate"], "requests/s", 2000,
                      higher_is_better=True, baseline=round(floor["rate"], 1), ratio_target=0.6)
    p99_fig = figure("API label look-up p99 latency", run["p99"], "ms", 50, higher_is_better=False)
    if trouble:
        rate_fig["ok"] = p99_fig["ok"] = False
        note += f"; {trouble:.0f} non-2xx answers or socket errors"
    return [rate_fig | {"note": note}, p99_fig | {"note": f"p50 {run['p50']:.1f} ms; {note}"}]


def footprint_figure(server: Server, runs: int = 3) -> dict[str, Any]:
    """``POST /api/v1/footprints`` with the PV example (as JSON), wrk with a Lua script."""
    import yaml

    name = "API footprint endpoint throughput (POST /api/v1/footprints, PV example)"
    if shutil.which("wrk") is None:
        return missing(name, "requests/s", 200, "wrk is not installed (scripts/setup-bench.sh)")
    body = json.dumps(yaml.safe_load(PV_FILE.read_text(encoding="utf-8")), ensure_ascii=False)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/api/v1/footprints", body=body.encode(), headers={"Content-Type": "application/json"})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    if answer.status != 200:
        return missing(name, "requests/s", 200, f"POST answered {answer.status}")
    with tempfile.TemporaryDirectory(prefix="pcf-bench-wrk-") as tmp:
        folder = Path(tmp)
        (folder / "body.json").write_text(body, encoding="utf-8")
        script = folder / "post.lua"
        script.write_text(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                          f'local f = io.open("{folder / "body.json"}", "rb")\nwrk.body = f:read("*a")\nf:close()\n')
        run = _median_run(_wrk_runs(f"{server.base}/api/v1/footprints", runs, "footprint endpoint", script))
    fig = figure(name, run["rate"], "requests/s", 200, higher_is_better=True)
    note = f"wrk -t2 -c64 -d10s with a Lua POST script, median of {runs} runs; p99 {run['p99']:.1f} ms"
    if run["bad"] + run["errors"]:
        fig["ok"] = False
        note += f"; {run['bad'] + run['errors']:.0f} non-2xx answers or socket errors"
    return fig | {"note": note}


def server_time(server: Server, path: str, samples: int = 40, warmup: int = 5) -> tuple[int, float, float]:
    """(status, median Server-Timing ms, median round trip ms) of ``samples`` sequential GETs on one connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for _ in range(warmup):
            status, _, _ = server.get(path, conn)
        app_ms, trip_ms = [], []
        for _ in range(samples):
            started = time.perf_counter()
            status, timing, _ = server.get(path, conn)
            trip_ms.append((time.perf_counter() - started) * 1000)
            if timing is not None:
                app_ms.append(timing)
        return status, statistics.median(app_ms) if app_ms else float("nan"), statistics.median(trip_ms)
    finally:
        conn.close()


def page_figure(server: Server, name: str, path: str, target: float, samples: int = 40) -> dict[str, Any]:
    """Median server time of one page; missing (ok false) when the page does not answer 200."""
    status, app_ms, trip_ms = server_time(server, path, samples)
    if status != 200:
        return missing(name, "ms", target, f"GET {path} answered {status} at bench time")
    print(f"  {path}: server {app_ms:.1f} ms, round trip {trip_ms:.1f} ms (median of {samples})", flush=True)
    return figure(name, app_ms, "ms", target, higher_is_better=False) | {
        "note": f"GET {path}; median Server-Timing of {samples} sequential requests after {5} warm-up; "
                f"round trip on loopback {trip_ms:.1f} ms"}


def page_figures(server: Server, label_id: str, log_size: int, labels: int, query: str) -> list[dict[str, Any]]:
    """Verification page (1,000,000-leaf log), home, search and compare pages (10,000 labels)."""
    q = urllib.parse.urlencode({"q": query})
    return [
        page_figure(server, f"verification page server time (GET /l/{{id}}, {log_size:,}-leaf log)", f"/l/{label_id}",
                    100),
        page_figure(server, f"home page server time (GET /, {labels:,} labels)", "/", 50),
        page_figure(server, f"label search page server time (GET /labels?{q}, {labels:,} labels)", f"/labels?{q}", 50),
        page_figure(server, f"compare page server time (GET /compare?category=pv_module, {labels:,} labels)",
                    "/compare?category=pv_module&min_rated_power_wp=400&quantity=1000", 50),
    ]
