"""The whole supply-chain space of a PV module, one figure of ``make bench`` (issue 12).

Every crossing of the provinces that have a 2023 ``co2_average`` grid factor (30 in release 2026.2) for the four
manufacturing steps of ``examples/pv_perc_sichuan.yaml``: 30^4 = 810,000 variants. Timed: ``run_variants`` (the
fast path: each variant is the base plus one effect per axis value, checked structurally, on a sample of full
solves and with bw2calc on the lowest variants) and ``to_json(rows=100)`` (the lowest 100 variants and each
value's effect), the median of several runs after a warm-up. The baseline is the general path on the same space
(every variant solved in full as a stack of dense systems), timed in the same run. Peak memory is the largest
resident set (``VmHWM``) of a fresh interpreter that imports the engine, loads the release and computes the
space once, so it includes about 140 MB of interpreter, numpy, scipy, bw2calc and factors.

Run alone with ``python -m bench.variants_space`` (prints the figure as JSON); runs in the project's ``.venv``
(bw2data is not needed).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PV_FILE = ROOT / "examples" / "pv_perc_sichuan.yaml"
STEPS = ("polysilicon", "wafer", "cell", "module")
TARGET_S = 1.0
TARGET_MB = 500.0
ROWS = 100


def _space() -> tuple[dict[str, Any], dict[str, list[str]], Any]:
    """The product file, the axes (every province for each step) and the factor set."""
    from api.documents import read_document
    from factors_db.release import factor_set
    from footprint.variants.axes import provinces_with_grid_factor

    factors = factor_set()
    doc = read_document(PV_FILE)
    settings = doc["electricity"]
    provinces = provinces_with_grid_factor(factors, settings["series"], int(settings["year"]))
    return doc, {f"regions.{step}": provinces for step in STEPS}, factors


def _once(doc: dict[str, Any], vary: dict[str, list[str]], factors: Any, *, additive: bool) -> tuple[float, Any]:
    from footprint.variants.axes import axes_from
    from footprint.variants.run import run_variants

    started = time.perf_counter()
    summary = run_variants(doc, axes_from(vary), factors, additive=additive).to_json(rows=ROWS)
    return time.perf_counter() - started, summary


def _peak_mb(additive: bool) -> float:
    """Largest resident set (MB) of a fresh interpreter computing the space once."""
    env = dict(os.environ)
    if "BRIGHTWAY2_DIR" not in env:  # (setdefault would make a folder every call)
        env["BRIGHTWAY2_DIR"] = tempfile.mkdtemp(prefix="pcf-bench-bw-")
    out = subprocess.run(
        [sys.executable, "-m", "bench.variants_space", "--peak", "fast" if additive else "general"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=600,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["peak_mb"])


def supply_chain_space(
    runs: int = 5, baseline_runs: int = 3, progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The figure ``{name, value, unit, target, baseline, ratio, ok, memory_mb, variants, ...}``.

    ``progress`` is told each step (the baseline takes about 6 s a run on 2 cores, the whole figure about 40 s).
    """
    say = progress or (lambda _: None)
    say("supply-chain space: warm-up and fast runs")
    doc, vary, factors = _space()
    count = 1
    for values in vary.values():
        count *= len(values)
    _once(doc, vary, factors, additive=True)  # warm-up: imports, factor look-ups, bw2calc set-up
    fast, summaries = [], []
    for _ in range(runs):
        seconds, summary = _once(doc, vary, factors, additive=True)
        fast.append(seconds)
        summaries.append(summary)
    general = []
    for i in range(baseline_runs):
        say(f"supply-chain space: general path {i + 1}/{baseline_runs}")
        seconds, reference = _once(doc, vary, factors, additive=False)
        general.append(seconds)
    summary = summaries[-1]
    if "each variant is the base plus one effect" not in summary["method"]:
        raise RuntimeError(f"the fast path was not taken: {summary['notes']}")
    agree = [r["variant"] for r in summary["rows"]] == [r["variant"] for r in reference["rows"]] and all(
        abs(a["mean_kg_co2e"] - b["mean_kg_co2e"]) <= 1e-9 * abs(b["mean_kg_co2e"])
        for a, b in zip(summary["effects"], reference["effects"], strict=True))
    value, baseline = statistics.median(fast), statistics.median(general)
    say("supply-chain space: peak memory of each path in a fresh interpreter")
    memory, baseline_memory = _peak_mb(True), _peak_mb(False)
    return {
        "name": f"PV supply-chain space: {len(vary[f'regions.{STEPS[0]}'])} provinces x 4 steps, lowest variants "
                "and each value's effect",
        "value": round(value, 4), "unit": "s", "target": TARGET_S, "baseline": round(baseline, 4),
        "ratio": round(baseline / value, 1), "ok": value <= TARGET_S and memory <= TARGET_MB and agree,
        "memory_mb": round(memory, 1), "memory_target_mb": TARGET_MB, "baseline_memory_mb": round(baseline_memory, 1),
        "variants": count, "runs": runs, "baseline_runs": baseline_runs,
        "same_as_baseline": agree, "checked_with_bw2calc": summary["checked_with_bw2calc"],
        "lowest": summary["lowest"]["values"], "lowest_kg_co2e": summary["lowest"]["total_kg_co2e"],
    }


def _own_peak_mb() -> float:
    """This process's peak resident set. ``VmHWM`` belongs to the new address space: ``ru_maxrss`` would carry
    over the parent's peak through fork and exec (Linux keeps it), so it is only the fallback."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str) -> None:
    doc, vary, factors = _space()
    _once(doc, vary, factors, additive=mode == "fast")
    print(json.dumps({"peak_mb": _own_peak_mb()}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--peak":
        _child(sys.argv[2])
    else:
        figure = supply_chain_space(progress=lambda step: print(step, file=sys.stderr, flush=True))
        print(json.dumps(figure, indent=2))
        sys.exit(0 if figure["ok"] else 1)
