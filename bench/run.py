"""Speed report (``make bench``): warm footprint vs a fresh bw2calc LCA, variants, Monte Carlo, search."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from factors_db.importers import read_cpcd
from factors_db.release import factor_set
from factors_db.store import SearchQuery, import_report, load_bundled, make_engine, search
from footprint.calculate import Engine, calculate, fresh_solve
from footprint.loader import read_document, to_spec
from footprint.matrices import build_system

ROOT = Path(__file__).resolve().parents[1]


def median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    fs = factor_set()
    spec = to_spec(read_document(ROOT / "examples" / "pv_perc_sichuan.yaml"), fs)
    engine = Engine()
    calculate(spec, fs, engine=engine)
    warm = median_ms(lambda: calculate(spec, fs, engine=engine), 200)
    system = build_system(spec, fs)
    fresh = median_ms(lambda: fresh_solve(system, fs), 50)
    print(f"PV footprint, warm (cached bw2calc set-up): {warm:.3f} ms median")
    print(f"PV footprint, fresh bw2calc.LCA on in-memory datapackages: {fresh:.3f} ms median "
          f"({fresh / warm:.1f}x the warm path)")
    print("bw2data-database baseline: not measured yet")
    t = time.perf_counter()
    calculate(spec, fs, iterations=1000, seed=1, engine=engine)
    print(f"Monte Carlo 1,000 iterations of the PV model: {(time.perf_counter() - t) * 1000:.1f} ms")
    db = make_engine("sqlite://")
    load_bundled(db)
    import_report(db, read_cpcd(Path(ROOT.parent / "shared" / "reference" / "cpcd_factors_copy.csv")))
    s = median_ms(lambda: search(db, SearchQuery("四川", year=2023)), 50)
    s2 = median_ms(lambda: search(db, SearchQuery("aluminium")), 50)
    print(f"search over release + CPCD import: {s:.2f} ms / {s2:.2f} ms median")


if __name__ == "__main__":
    main()
