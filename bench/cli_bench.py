"""Command-line start figures of ``make bench`` (issue 23): ``pcf --help`` and ``pcf footprint`` of an example,
each beside a bare ``python -c pass`` of the same environment, all in the same run.

The commands run in the runtime environment (``.venv``, what ``make run`` installs and a user has) when it
exists, else in the bench's own (``.venv-bench``, which also holds bw2data: importing bw2calc then imports it, so
a footprint is slower there); the note says which. Each figure is the median wall time of fresh processes after
one warm-up run (the operating system's file cache warm, as for a user's second command).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.registry_bench import figure

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/pv_perc_sichuan.yaml"


def environment() -> tuple[Path, str]:
    """The ``bin`` folder to measure in and what it is."""
    runtime = ROOT / ".venv" / "bin"
    if (runtime / "pcf").exists():
        return runtime, "the runtime environment .venv"
    return Path(sys.executable).parent, f"the bench environment {Path(sys.executable).parent.parent.name} (with bw2data)"


def wall_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs of ``command`` after one warm-up; the command must succeed."""
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cli_figures(runs: int = 9) -> list[dict[str, Any]]:
    """``pcf --help`` (target under 0.5 s) and ``pcf footprint`` of the PV example (target under 1.5 s)."""
    bin_dir, which = environment()
    python, pcf = str(bin_dir / "python"), str(bin_dir / "pcf")
    bare = wall_seconds([python, "-c", "pass"], runs)
    out = []
    for name, command, target in (("pcf --help", [pcf, "--help"], 0.5),
                                  (f"pcf footprint {EXAMPLE}", [pcf, "footprint", EXAMPLE], 1.5)):
        seconds = wall_seconds(command, runs)
        fig = figure(f"command line start: {name}", seconds, "s", target, higher_is_better=False,
                     baseline=round(bare, 4))
        fig["note"] = (f"median wall time of {runs} fresh processes after a warm-up, in {which}; baseline: "
                       f"python -c pass there ({bare * 1000:.0f} ms), so the command's own cost is "
                       f"{(seconds - bare) * 1000:.0f} ms")
        print(f"  {name}: {seconds:.3f} s (python -c pass {bare:.3f} s)", flush=True)
        out.append(fig)
    return out


if __name__ == "__main__":  # pragma: no cover
    for row in cli_figures():
        print(row)
