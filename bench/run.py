"""Speed report (``make bench``): every speed target of issues 3, 7, 8, 9, 10 and 12, measured in one run.

Writes ``bench/results.json`` (a list of figures ``{name, value, unit, target, baseline, ratio, ok, note}``) and
``bench/machine.json`` (CPU, cores, load, Python and library versions), prints the same as a table, and exits 1
when a figure misses its target or could not be measured. ``docs/performance.md`` explains each figure.

It prints the load average before and after, and refuses (exit 3, nothing written) a run whose 1-minute load
average is above 1.5 at its start, unless ``--ignore-load`` is given (the report then says so). Figures with a
``ratio_target`` are judged by their ratio to a baseline measured in the same run on the same machine; their
absolute ``target`` stays as information (``absolute_ok``).

Steps (each prints its progress; about 5 minutes in all on 2 cores):

0. command line (:mod:`bench.cli_bench`): ``pcf --help`` and ``pcf footprint`` beside ``python -c pass``;
1. engine (:mod:`bench.engine_bench`): PV footprint beside ordinary Brightway and a fresh bw2calc.LCA, batch
   variants, Monte Carlo, factor search;
2. the supply-chain space of a PV module (``bench.variants_space.supply_chain_space``, which measures its peak
   memory in fresh interpreters of its own);
3. registry (:mod:`bench.registry_bench`): offline payload checks, inclusion proofs at 1,000,000 leaves (own
   interpreter: it holds about 1 GB);
4. a seeded registry (:mod:`bench.site`): ``pcf db load``, the log grown to 1,000,000 leaves, ``pcf demo seed``,
   then 11,000 labels issued through the service (the issuance figures);
5. HTTP on loopback (:mod:`bench.http_bench`): uvicorn with 2 workers, wrk for the look-up and footprint
   endpoints, one sequential client for the pages' server time.

Run in its own environment (``.venv-bench``, with bw2data): importing bw2calc imports bw2data when it is
installed, and bw2data keeps its projects under ``BRIGHTWAY2_DIR``, set here before any import.
"""

from __future__ import annotations

import os
import tempfile

if "BRIGHTWAY2_DIR" not in os.environ:  # (setdefault would make a temporary folder even when it is set)
    os.environ["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="pcf-bench-bw-")
os.makedirs(os.environ["BRIGHTWAY2_DIR"], exist_ok=True)

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from importlib.metadata import PackageNotFoundError, version  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench.http_bench import missing  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
MACHINE = ROOT / "bench" / "machine.json"
LIBRARIES = ("bw2calc", "bw2data", "bw_processing", "numpy", "scipy", "pandas", "litestar", "uvicorn", "h11",
             "httptools", "uvloop", "sqlalchemy", "sqlmodel", "pydantic", "cryptography", "rfc8785", "cbor2")
LOG_SIZE = 1_000_000
SINGLE_LABELS, BATCHED_LABELS, BATCH = 1_000, 10_000, 100


def machine() -> dict[str, Any]:
    """CPU model and cores, memory, load, Python, SQLite, wrk and library versions, the commit measured."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    libs: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = None
    wrk = None
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        wrk = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "wrk"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "cpu": model, "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1), "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "wrk": wrk, "libraries": libs,
        "commit": (commit.stdout.strip() or None), "uncommitted_changes": bool(dirty.stdout.strip()),
    }


def in_child(target: str, out_name: str, timeout: float, **kwargs: Any) -> list[dict[str, Any]]:
    """Run ``module:function(**kwargs)`` in a fresh interpreter (:mod:`bench.child`); its figure(s)."""
    with tempfile.TemporaryDirectory(prefix="pcf-bench-") as folder:
        out = Path(folder) / f"{out_name}.json"
        # TMPDIR inside the folder: the temporary databases the function makes go when the folder goes
        subprocess.run([sys.executable, "-m", "bench.child", target, str(out), json.dumps(kwargs)], check=True,
                       cwd=ROOT, timeout=timeout, env=os.environ | {"TMPDIR": folder})
        got = json.loads(out.read_text(encoding="utf-8"))
    return got if isinstance(got, list) else [got]


def supply_chain_figures() -> list[dict[str, Any]]:
    """The whole supply-chain space of a PV module (810,000 variants) from ``bench/variants_space.py``: its time
    figure, and its peak memory as a figure of its own (measured by that module in fresh interpreters)."""
    name = "PV supply-chain space, 810,000 variants (lowest variants and each step's effect)"
    if importlib.util.find_spec("bench.variants_space") is None:
        return [missing(name, "s", 1, "bench/variants_space.py does not exist yet"),
                missing(f"{name}: peak memory", "MB", 500, "bench/variants_space.py does not exist yet")]
    from bench import variants_space

    got = variants_space.supply_chain_space(progress=lambda step: print(f"  {step}", flush=True))
    standard = ("name", "value", "unit", "target", "baseline", "ratio", "ok")
    if not all(k in got for k in standard):
        return [missing(name, "s", 1, f"unexpected result {str(got)[:200]}")]
    said = [f"{got[k]:,} variants" if k == "variants" else f"{k.replace('_', ' ')} {got[k]}"
            for k in ("variants", "runs", "baseline_runs", "same_as_baseline") if k in got]
    if "lowest_kg_co2e" in got:
        said.append(f"lowest {got['lowest_kg_co2e']:.2f} kg CO2e ({', '.join(map(str, got.get('lowest', {}).values()))})")
    time_fig = {k: got[k] for k in standard} | {
        "note": "; ".join([*said, "baseline: the general path (every variant solved in full), same run"])}
    figures = [time_fig]
    if "memory_mb" in got:
        memory, target = got["memory_mb"], got.get("memory_target_mb", 500)
        base = got.get("baseline_memory_mb")
        figures.append({"name": "PV supply-chain space, peak memory (fresh interpreter)", "value": memory, "unit": "MB",
                        "target": target, "baseline": base, "ratio": round(base / memory, 2) if base else None,
                        "ok": memory <= target, "note": "VmHWM of a fresh interpreter computing the space once "
                        "(includes ~140 MB of interpreter, numpy, scipy, bw2calc, factors); baseline: the general path"})
    return figures


def registry_figures() -> list[dict[str, Any]]:
    """Offline verification (median of 3 runs after a warm-up) and inclusion proofs at 1,000,000 leaves."""
    from bench.registry_bench import offline_verification

    offline_verification(2_000)  # warm-up
    runs = [offline_verification(20_000) for _ in range(3)]
    offline = sorted(runs, key=lambda f: f["value"])[1]
    rates = ", ".join(str(round(r["value"])) for r in runs)
    offline["note"] = (f"median of 3 runs of 20,000 checks after a warm-up ({rates}/s); COSE decode, Ed25519 verify, "
                       "trust-list window; baseline: a bare Ed25519 verify of the same signature over the same bytes "
                       "(cryptography, key loaded), measured in the same run")
    print(f"  offline verification: {offline['value']:,.0f} checks/s ({offline['ratio']}x a bare Ed25519 verify, "
          f"{offline['baseline']:,.0f}/s)", flush=True)
    proofs = in_child("bench.registry_bench:inclusion_proofs", "proofs", timeout=300, leaves=LOG_SIZE, samples=2_000)
    for p in proofs:
        p["note"] = ("median of 2,000 proofs for random leaves (after building the log in SQLite), each verified "
                     "against the root")
    print(f"  inclusion proof: {proofs[0]['value']} ms", flush=True)
    return [offline, *proofs]


def site_figures() -> list[dict[str, Any]]:
    """Issuance on a seeded registry, then the HTTP figures against a server over it."""
    from bench import http_bench, site

    folder = Path(tempfile.mkdtemp(prefix="pcf-bench-site-"))
    try:
        seeded = site.build(folder, log_size=LOG_SIZE)
        out = site.issue_labels(seeded, single=SINGLE_LABELS, batched=BATCHED_LABELS, batch=BATCH)
        labels = SINGLE_LABELS + BATCHED_LABELS + 20 + len(seeded.demo_labels)
        with http_bench.Server(seeded.env, workers=2) as server:
            active = seeded.demo_labels["active"]
            out += http_bench.page_figures(server, active, LOG_SIZE, labels, "module")
            out += http_bench.lookup_figures(server, active)
            out.append(http_bench.footprint_figure(server))
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _direction(fig: dict[str, Any]) -> str:
    return ">=" if str(fig.get("unit", "")).endswith("/s") else "<="


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and x != x:
        return "nan"
    if isinstance(x, int | float):
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.3g}" if abs(x) < 10 else f"{x:,.1f}"
    return str(x)


def table(results: list[dict[str, Any]], info: dict[str, Any]) -> str:
    """The figures as a plain-text table, the machine above it and the notes below it."""
    libs = ", ".join(f"{k} {v}" for k, v in info["libraries"].items() if v)
    lines = [f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB, Linux {info['kernel']}; "
             f"load average at start {info['load_average_at_start']}, at end {info.get('load_average_at_end')}",
             f"Python {info['python']}, SQLite {info['sqlite']}, {info['wrk'] or 'wrk not installed'}",
             f"libraries: {libs}", f"date {info['date']}, commit {info['commit']}"
             f"{' + uncommitted changes' if info['uncommitted_changes'] else ''}", f"load guard: {info['load_guard']}", ""]
    header = ("#", "figure", "value", "unit", "target", "baseline", "ratio", "ratio target", "ok")
    rows = [(str(i + 1), f["name"][:88], _num(f["value"]), f["unit"],
             "-" if f["target"] is None else f"{'(' if 'ratio_target' in f else ''}{_direction(f)} "
             f"{_num(f['target'])}{')' if 'ratio_target' in f else ''}", _num(f.get("baseline")),
             _num(f.get("ratio")), "-" if f.get("ratio_target") is None else f">= {f['ratio_target']}",
             {True: "ok", False: "MISS", None: "-"}[f["ok"]]) for i, f in enumerate(results)]
    widths = [max(len(r[c]) for r in (header, *rows)) for c in range(len(header))]
    for r in (header, *rows):
        cells = [r[c].ljust(widths[c]) if c in (1, 3, 8) else r[c].rjust(widths[c]) for c in range(len(header))]
        lines.append("  ".join(cells))
    lines.append("(a target in brackets is information: that figure is judged by its ratio to the baseline)")
    lines.append("")
    lines += [f"{i + 1:>2}. {f['note']}" for i, f in enumerate(results) if f.get("note")]
    return "\n".join(lines)


#: The highest 1-minute load average at the start of a run the bench reports (2 cores: under one busy core besides).
MAX_START_LOAD = 1.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--ignore-load", action="store_true", help=f"report the run even when the 1-minute load "
                        f"average is above {MAX_START_LOAD} at its start (the report says so)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    info = machine()
    load = info["load_average_at_start"]
    print(f"pcf-registry bench on {info['cpu']} ({info['cores']} cores); load average at start (1, 5, 15 min): "
          f"{load}", flush=True)
    if load[0] > MAX_START_LOAD and not args.ignore_load:
        print(f"refused: the 1-minute load average is {load[0]} at the start, above {MAX_START_LOAD}: other work "
              "shares this machine and would make the figures say nothing about this code. Run again on a quiet "
              "machine, or pass --ignore-load (make bench BENCH_ARGS=--ignore-load) to report anyway; the report "
              "then says the guard was ignored.", file=sys.stderr, flush=True)
        return 3
    info["load_guard"] = (f"passed (1-minute load {load[0]} <= {MAX_START_LOAD} at the start)"
                          if load[0] <= MAX_START_LOAD else
                          f"IGNORED (--ignore-load): 1-minute load {load[0]} > {MAX_START_LOAD} at the start")
    results: list[dict[str, Any]] = []
    steps: list[tuple[str, Callable[[], list[dict[str, Any]]], list[tuple[str, str, float]]]] = [
        ("command line start: pcf --help and a footprint, beside python -c pass", _cli,
         [("command line start", "s", 0)]),
        ("engine: footprint, variants, Monte Carlo, search", _engine,
         [("engine figures", "ms", 0)]),
        ("supply-chain space of a PV module", supply_chain_figures,
         [("PV supply-chain space, 810,000 variants", "s", 1)]),
        ("registry: offline verification, inclusion proofs at 1,000,000 leaves", registry_figures,
         [("offline payload verification", "checks/s", 5000), ("inclusion proof, 1,000,000-leaf log", "ms", 5)]),
        ("seeded registry (1,000,000-leaf log, 11,000 labels), issuance, HTTP on loopback", site_figures,
         [("label issuance", "labels/s", 300), ("HTTP figures", "-", 0)]),
    ]
    for number, (title, step, on_failure) in enumerate(steps, 1):
        t = time.perf_counter()
        print(f"[{number}/{len(steps)}] {title}", flush=True)
        try:
            results.extend(step())
        except Exception as exc:  # a broken step is reported as missing figures; the other steps still run
            traceback.print_exc()
            results.extend(missing(name, unit, target or None, f"{type(exc).__name__}: {exc}"[:300])
                           for name, unit, target in on_failure)
        print(f"[{number}/{len(steps)}] done in {time.perf_counter() - t:.0f} s "
              f"(total {time.perf_counter() - started:.0f} s)", flush=True)
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at end (1, 5, 15 min): {info['load_average_at_end']}", flush=True)
    info["seconds"] = round(time.perf_counter() - started)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    MACHINE.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print()
    print(table(results, info))
    missed = [f["name"] for f in results if f["ok"] is False]
    print(f"\nwritten {RESULTS.relative_to(ROOT)} and {MACHINE.relative_to(ROOT)} in {info['seconds']} s; "
          f"{len(results) - len(missed)} of {len(results)} figures meet their targets or have none")
    return 1 if missed else 0


def _cli() -> list[dict[str, Any]]:
    from bench.cli_bench import cli_figures

    return cli_figures()


def _engine() -> list[dict[str, Any]]:
    from bench.engine_bench import run_all

    return run_all()


if __name__ == "__main__":
    sys.exit(main())
