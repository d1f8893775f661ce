"""Speed report (``make bench``): every figure of issue 3's speed section, measured in one run.

* one PV-module footprint, warm, against a fresh ``bw2calc.LCA`` on in-memory datapackages and against the
  ordinary Brightway way (the same model written as a bw2data database, then ``bw2calc.LCA``);
* 10,000 variants of the PV module (regions of three steps and the glass mass);
* Monte Carlo, 1,000 iterations, against bw2calc's own ``use_distributions`` loop;
* factor search over the release plus the CPCD import.

Run in its own environment (``.venv-bench``, with bw2data): importing bw2calc imports bw2data when it is
installed, and bw2data keeps its projects under ``BRIGHTWAY2_DIR``, set here before any import.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("BRIGHTWAY2_DIR", tempfile.mkdtemp(prefix="pcf-bench-bw-"))
os.makedirs(os.environ["BRIGHTWAY2_DIR"], exist_ok=True)

import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from factors_db.importers import read_cpcd  # noqa: E402
from factors_db.release import factor_set  # noqa: E402
from factors_db.store import SearchQuery, import_report, load_bundled, make_engine, search  # noqa: E402
from footprint.calculate import Engine, calculate  # noqa: E402
from footprint.loader import read_document, to_spec  # noqa: E402
from footprint.matrices import System, build_system, characterisation  # noqa: E402
from footprint.model import FactorSet  # noqa: E402
from footprint.uncertainty import bw2calc_monte_carlo  # noqa: E402
from footprint.variants import axes_from, run_variants  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PV_FILE = ROOT / "examples" / "pv_perc_sichuan.yaml"


def median_ms(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bw2data_baseline(system: System, factors: FactorSet, runs: int) -> tuple[float, float, float]:
    """The ordinary Brightway way on the same model: (write + LCA ms, LCA-only ms, score).

    The model becomes a bw2data database (one activity per node, the gases as a biosphere database, GWP100
    as a method); ``bw2calc.LCA({activity: 1}, method)`` then ``lci()``/``lcia()``. Writing is timed too:
    that is what computing a new or changed product costs the ordinary way.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bw2calc as bc
        import bw2data as bd

    bd.projects.set_current("pcf-bench")
    bd.Database("pcf-gases").write(
        {("pcf-gases", g): {"name": g, "unit": "kilogram", "type": "emission"} for g in system.gases}
    )
    method = ("pcf-bench", "IPCC AR6 GWP100")
    bd.Method(method).register()
    bd.Method(method).write(
        [(("pcf-gases", g), float(cf)) for g, cf in zip(system.gases, characterisation(system, factors), strict=True)]
    )
    data: dict[tuple[str, str], dict[str, Any]] = {
        ("pcf-pv", str(i)): {"name": n.label, "unit": "unit", "location": "GLO", "type": "process", "exchanges": []}
        for i, n in enumerate(system.nodes)
    }
    for r, c, amount, flip in zip(system.tech_rows, system.tech_cols, system.tech_data, system.tech_flip, strict=True):
        data[("pcf-pv", str(c))]["exchanges"].append(
            {"input": ("pcf-pv", str(r)), "amount": amount, "type": "technosphere" if flip else "production"}
        )
    for r, c, amount in zip(system.bio_rows, system.bio_cols, system.bio_data, strict=True):
        data[("pcf-pv", str(c))]["exchanges"].append(
            {"input": ("pcf-gases", system.gases[r]), "amount": amount, "type": "biosphere"}
        )
    score = 0.0

    def lca() -> None:
        nonlocal score
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            calc = bc.LCA({bd.get_node(database="pcf-pv", code=str(system.demand)): 1.0}, method)
            calc.lci()
            calc.lcia()
        score = float(calc.score)

    def write_and_lca() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bd.Database("pcf-pv").write(data)
        lca()

    write_and_lca()
    return median_ms(write_and_lca, runs), median_ms(lca, runs), score


def main() -> int:
    fs = factor_set()
    doc = read_document(PV_FILE)
    spec = to_spec(doc, fs)
    system = build_system(spec, fs)
    engine = Engine()
    calculate(spec, fs, engine=engine)
    report: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    checks: list[tuple[str, bool]] = []

    # One footprint -------------------------------------------------------------------------------------
    warm = median_ms(lambda: calculate(spec, fs, engine=engine), 500)
    warm_doc = median_ms(lambda: calculate(to_spec(doc, fs), fs, engine=engine), 500)
    fresh = median_ms(lambda: calculate(spec, fs, engine=Engine()), 100)
    bw_write, bw_lca, bw_score = bw2data_baseline(system, fs, 20)
    ours = calculate(spec, fs).total_kg_co2e
    report["footprint_ms"] = {"warm_spec": warm, "warm_from_file_fields": warm_doc, "fresh_bw2calc_lca": fresh,
                              "bw2data_write_and_lca": bw_write, "bw2data_lca_only": bw_lca}
    print(f"PV module footprint ({len(system.nodes)} matrix nodes), median of repeated runs:")
    print(f"  warm, specification -> result:          {warm:8.3f} ms")
    print(f"  warm, product-file fields -> result:    {warm_doc:8.3f} ms")
    print(f"  fresh bw2calc.LCA on in-memory datapackages: {fresh:8.3f} ms  ({fresh / warm:5.1f}x the warm path)")
    print(f"  bw2data: write the model + LCA:         {bw_write:8.3f} ms  ({bw_write / warm:5.1f}x the warm path; "
          f"{bw_write / warm_doc:.1f}x from the file's fields)")
    print(f"  bw2data: LCA on the written database:   {bw_lca:8.3f} ms  ({bw_lca / warm:5.1f}x the warm path; no "
          "product change: nothing rewritten)")
    print(f"  same score both ways: {bw_score:.6f} (bw2data) vs {ours:.6f} kg CO2e")
    checks += [("warm median <= 2 ms", warm <= 2.0), ("warm >= 2x faster than a fresh bw2calc.LCA", fresh / warm >= 2),
               ("warm >= 100x faster than the model written as a bw2data database + LCA", bw_write / warm >= 100),
               ("bw2data gives the same score", abs(bw_score - ours) <= 1e-4 * abs(ours))]

    # 10,000 variants -----------------------------------------------------------------------------------
    provinces = ["CN-SC", "CN-YN", "CN-QH", "CN-XJ", "CN-NM", "CN-NX", "CN-GS", "CN-JS", "CN-ZJ", "CN-GD"]
    vary = {"regions.polysilicon": provinces, "regions.wafer": provinces, "regions.cell": provinces,
            "materials_g_per_m2.glass": [7000 + 500 * i for i in range(10)]}
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        variants = run_variants(doc, axes_from(vary), fs)
        runs.append(time.perf_counter() - t)
    v_s = statistics.median(runs)
    report["variants"] = {"count": len(variants), "seconds": v_s, "checked_with_bw2calc": variants.checked}
    print(f"{len(variants):,} variants (3 regions x 10 provinces, glass mass x 10): {v_s:.3f} s "
          f"(median of 3; {len(variants.checked)} checked one by one with bw2calc); "
          f"{variants.totals.min():.1f}-{variants.totals.max():.1f} kg CO2e per module")
    checks.append(("10,000 variants < 3 s", len(variants) == 10_000 and v_s < 3.0))

    # Monte Carlo ---------------------------------------------------------------------------------------
    mc_runs = []
    for seed in range(5):
        t = time.perf_counter()
        calculate(spec, fs, iterations=1000, seed=seed, engine=engine)
        mc_runs.append(time.perf_counter() - t)
    mc = statistics.median(mc_runs)
    t = time.perf_counter()
    scores = bw2calc_monte_carlo(system, fs, iterations=1000, seed=1)
    bw_mc = time.perf_counter() - t
    r = calculate(spec, fs, iterations=1000, seed=1, engine=engine).uncertainty
    assert r is not None
    report["monte_carlo_s"] = {"ours_1000": mc, "bw2calc_use_distributions_1000": bw_mc}
    print(f"Monte Carlo 1,000 iterations: {mc * 1000:.2f} ms (whole footprint included); bw2calc "
          f"use_distributions loop: {bw_mc * 1000:.0f} ms ({bw_mc / mc:.0f}x)")
    print(f"  medians {r.median:.2f} vs {statistics.median(scores):.2f} kg CO2e (bw2calc draws each use of a "
          "factor independently; ours draws a factor once per iteration)")
    checks += [("Monte Carlo 1,000 < 0.3 s", mc < 0.3), ("Monte Carlo >= 5x faster than bw2calc", bw_mc / mc >= 5)]

    # Search --------------------------------------------------------------------------------------------
    db = make_engine("sqlite://")
    load_bundled(db)
    import_report(db, read_cpcd(ROOT.parent / "shared" / "reference" / "cpcd_factors_copy.csv"))
    s1 = median_ms(lambda: search(db, SearchQuery("四川", year=2023)), 50)
    s2 = median_ms(lambda: search(db, SearchQuery("aluminium")), 50)
    report["search_ms"] = {"sichuan_2023": s1, "aluminium": s2}
    print(f"factor search over release + CPCD import: {s1:.2f} ms / {s2:.2f} ms median")
    checks.append(("search median < 5 ms", max(s1, s2) < 5))

    print()
    for name, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    out = ROOT / ".data" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**report, "targets": dict(checks)}, indent=2))
    print(f"written {out.relative_to(ROOT)}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
