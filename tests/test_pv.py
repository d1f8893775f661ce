"""PV modules from release 2026.3: masses by hand, silver by technology, published values, glass-glass, bad input."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pytest

from factors_db.build import pv as pv_family
from factors_db.build.pv_validation import (
    EXAMPLE_ROWS,
    PUBLISHED,
    PUBLISHED_GG_RANGE,
    example_interval,
    glass_glass_difference,
)
from factors_db.release import factor_set
from footprint.calculate import calculate
from footprint.errors import SpecificationError
from footprint.model import FactorSet
from footprint.products import to_spec
from footprint.products.pv_params import PARAMS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pv_factors() -> FactorSet:
    return factor_set("2026.3")


def module(**kw: Any) -> dict[str, Any]:
    return {"kind": "pv_module", "name": "m", "rated_power_wp": 580, "area_m2": 2.583, "length_mm": 2278,
            "width_mm": 1134, "electricity": {"series": "cfp_grid_average", "year": 2024}, **kw}


def test_frame_and_glass_masses_by_hand(pv_factors):
    # 2278 x 1134 mm: perimeter 2 x (2.278 + 1.134) = 6.824 m; frame 0.45 kg/m x 6.824 m = 3.0708 kg (1.19 kg/m2)
    # area 2.583 m2; front glass 3.2 mm x 2.5 kg/m2/mm x 2.583 = 20.664 kg; backsheet 388 g/m2 x 2.583 = 1.0022 kg
    gb = to_spec(module(area_m2=2.583), pv_factors).extra
    assert gb["perimeter_m"] == pytest.approx(6.824)
    assert gb["frame_kg"] == pytest.approx(0.45 * 6.824)
    assert gb["glass_kg"] == {"front": pytest.approx(3.2 * 2.5 * 2.583), "rear": 0.0}
    assert gb["backsheet_kg"] == pytest.approx(0.388 * 2.583)
    # glass-glass 2.0 + 2.0 mm: 2 x 2.0 x 2.5 x 2.583 = 25.83 kg, no backsheet, still framed
    gg = to_spec(module(module_type="glass_glass"), pv_factors).extra
    assert gg["glass_kg"]["front"] + gg["glass_kg"]["rear"] == pytest.approx(2 * 2.0 * 2.5 * 2.583)
    assert gg["backsheet_kg"] == 0 and gg["frame_kg"] == pytest.approx(3.0708)
    # declared: 2.5 + 1.6 mm; frame 0.5 kg/m -> 0.5 x 6.824 = 3.412 kg; frameless -> 0
    declared = to_spec(module(module_type="glass_glass", front_glass_mm=2.5, rear_glass_mm=1.6,
                              frame_kg_per_m=0.5), pv_factors).extra
    assert declared["glass_kg"] == {"front": pytest.approx(2.5 * 2.5 * 2.583), "rear": pytest.approx(1.6 * 2.5 * 2.583)}
    assert declared["frame_kg"] == pytest.approx(3.412)
    assert to_spec(module(module_type="glass_glass", frame="none"), pv_factors).extra["frame_kg"] == 0


def test_perimeter_from_area_uses_the_2278_by_1134_aspect_ratio(pv_factors):
    # 1.95 m2 at 2278/1134: length sqrt(1.95 x 2.00882) = 1.97917 m, width 1.95 / 1.97917 = 0.98526 m
    extra = to_spec({"kind": "pv_module", "name": "m", "rated_power_wp": 410, "area_m2": 1.95}, pv_factors).extra
    length = math.sqrt(1.95 * 2278 / 1134)
    assert extra["perimeter_m"] == pytest.approx(2 * (length + 1.95 / length)) == pytest.approx(5.9289, rel=1e-4)
    assert "aspect ratio" in extra["perimeter_from"]


@pytest.mark.parametrize(("technology", "mg_per_w"), [("PERC", 13.35), ("TOPCon", 13.5), ("HJT", 14.6)])
def test_silver_scales_with_declared_power(pv_factors, technology, mg_per_w):
    # silver = mg/W x rated power: 580 W x 13.5 mg/W = 7.83 g for TOPCon; doubling the power doubles it
    for watts in (290, 580):
        spec = to_spec(module(technology=technology, rated_power_wp=watts, area_m2=2.583), pv_factors)
        assert spec.extra["silver_mg_per_w"] == pytest.approx(mg_per_w)
        silver = next(i for p in spec.processes if p.id == "cell_materials" for i in p.inputs)
        assert silver.factor == f"pv.cell.metallisation.{technology.lower()}" and silver.amount == watts
        unit = pv_factors.factors[silver.factor].exchanges[0]
        assert unit.amount * watts == pytest.approx(mg_per_w * 1e-6 * watts)


def test_no_technology_silently_uses_another_inventory(pv_factors):
    from factors_db.release import load_release

    release = {f.id: f for f in load_release("2026.3").factors}
    cells = {t: release[f"pv.cell.processing.{t}"] for t in ("perc", "topcon", "hjt")}
    assert len({c.exchanges[0].amount for c in cells.values()}) == 1  # shared, and said so:
    for c in cells.values():
        assert "Shared inventory" in c.notes
    silver = {t: release[f"pv.cell.metallisation.{t}"].exchanges[0].amount for t in ("perc", "topcon", "hjt")}
    assert len(set(silver.values())) == 3  # silver differs, as sourced
    r = calculate(to_spec(module(technology="HJT", area_m2=2.583), pv_factors), pv_factors)
    assert any("same for PERC, TOPCon and HJT" in g for g in r.data_gaps)
    assert any("indium" in g for g in r.data_gaps)
    assert r.extra["shared_inventory"]


def test_parameter_uncertainty_widens_the_interval(pv_factors):
    # with its sourced ranges the 95 % interval of the TOPCon example is wider than the +/- 8 % of factors alone
    central, _, lo, hi = example_interval("pv_topcon_china_average.yaml", pv_factors)
    assert (hi - lo) / central > 0.2
    r = calculate(to_spec(module(technology="TOPCon"), pv_factors), pv_factors, iterations=500, seed=1)
    assert r.uncertainty is not None and r.uncertainty.parameters
    names = {p["parameter"] for p in r.uncertainty.parameters}
    assert {"pv.frame_kg_per_m", "pv.silicon_kg", "pv.polysilicon.siemens.v2.exchanges[1]"} <= names


@pytest.mark.parametrize("file", [f for f, keys in EXAMPLE_ROWS.items() if keys])
def test_example_interval_contains_published_values_of_its_description(pv_factors, file):
    """Rows of validation.csv of the same description (technology, China average grid, cradle-to-gate): the Monte
    Carlo 95 % interval (2,000 iterations) contains the value, reaches below an upper bound, or overlaps a range;
    no further tolerance."""
    _, _, lo, hi = example_interval(file, pv_factors)
    for key in EXAMPLE_ROWS[file]:
        p = PUBLISHED[key]
        if p.same_description:
            assert p.met_by(lo, hi), f"{file}: {p.label} outside {lo:.0f}-{hi:.0f}"


def test_coverage_of_the_validation_rows(pv_factors):
    rows = [(f, PUBLISHED[k]) for f, keys in EXAMPLE_ROWS.items() for k in keys]
    intervals = {f: example_interval(f, pv_factors)[2:] for f in {f for f, _ in rows}}
    met = [p.met_by(*intervals[f]) for f, p in rows]
    assert len(rows) == 10 and sum(met) / len(rows) == pytest.approx(0.5)  # the release notes report 5 of 10


def test_glass_glass_against_glass_backsheet(pv_factors):
    grid = {"series": "cfp_grid_average", "year": 2024}
    central = glass_glass_difference(pv_factors, grid)
    # framed glass-glass: +2 kg glass (x 1.475), -0.757 kg backsheet (x 7.5 + electricity): about zero
    assert abs(central["framed"]) < 0.02
    # frameless: the published per-kWp range (Müller et al. 2021: 7.4-12.5 %) is reached at the low ends of the frame's
    # sourced mass and carbon intensity, within a tolerance of 1 percentage point; the central value is larger
    low = glass_glass_difference(pv_factors, grid, "low")["frameless"]
    high = glass_glass_difference(pv_factors, grid, "high")["frameless"]
    assert high < central["frameless"] < low
    assert low >= PUBLISHED_GG_RANGE[0] - 0.01
    assert central["frameless"] > -0.26  # no longer the 26-27 % of release 2026.2


@pytest.mark.parametrize(("change", "field"), [
    ({"area_m2": 3.2, "rated_power_wp": 700}, "area_m2"),
    ({"front_glass_mm": 4.0}, "front_glass_mm"),
    ({"frame_kg_per_m": 0.9}, "frame_kg_per_m"),
    ({"rated_power_wp": 650, "area_m2": 2.583}, "efficiency"),
])
def test_out_of_range_value_is_computed_flagged_and_widened(pv_factors, change, field):
    doc = module(**change)
    if "area_m2" in change:
        doc.pop("length_mm"), doc.pop("width_mm")
    base = calculate(to_spec(module(), pv_factors), pv_factors, iterations=1000, seed=3)
    r = calculate(to_spec(doc, pv_factors), pv_factors, iterations=1000, seed=3)
    assert any(e.startswith(field) for e in r.extra["extrapolations"])
    assert any(g.startswith("Extrapolation: " + field) for g in r.data_gaps)
    assert r.uncertainty is not None and base.uncertainty is not None
    spread = (r.uncertainty.p97_5 - r.uncertainty.p2_5) / r.uncertainty.median
    assert spread > (base.uncertainty.p97_5 - base.uncertainty.p2_5) / base.uncertainty.median


@pytest.mark.parametrize(("change", "field"), [
    ({"area_m2": -2}, "area_m2"), ({"front_glass_mm": -3}, "front_glass_mm"), ({"front_glass_mm": 40}, "front_glass_mm"),
    ({"frame_kg_per_m": 0}, "frame_kg_per_m"), ({"frame_kg_per_m": 50}, "frame_kg_per_m"),
    ({"rear_glass_mm": 2.0}, "rear_glass_mm"), ({"length_mm": 10}, "length_mm"), ({"area_m2": 2.0}, "area_m2"),
    ({"rated_power_wp": 1400}, "rated_power_wp"),
    ({"materials_g_per_m2": {"glass": -5}}, "materials_g_per_m2.glass"),
])
def test_negative_or_absurd_value_is_an_error_naming_the_field(pv_factors, change, field):
    with pytest.raises(SpecificationError) as err:
        to_spec(module(**change), pv_factors)
    assert err.value.path == field


def test_new_fields_with_an_old_release_are_an_error(release_2026_2):
    with pytest.raises(SpecificationError) as err:
        to_spec({"kind": "pv_module", "name": "m", "rated_power_wp": 410, "area_m2": 1.95,
                 "module_type": "glass_glass"}, release_2026_2)
    assert err.value.path == "module_type"


@pytest.fixture(scope="module")
def release_2026_2() -> FactorSet:
    return factor_set("2026.2")


@pytest.mark.parametrize("release", ["2026.1", "2026.2"])
@pytest.mark.parametrize("file", ["pv_perc_sichuan.yaml", "pv_perc_coal_grid.yaml"])
def test_earlier_releases_reproduce_their_old_results(release, file):
    # values computed with the code before release 2026.3 (commit 6535b00), per module, and Monte Carlo seed 1
    import yaml

    old = {("2026.1", "pv_perc_sichuan.yaml"): 123.9, ("2026.2", "pv_perc_sichuan.yaml"): 123.9,
           ("2026.1", "pv_perc_coal_grid.yaml"): 183.2, ("2026.2", "pv_perc_coal_grid.yaml"): 183.2}
    factors = factor_set(release)
    r = calculate(to_spec(yaml.safe_load((ROOT / "examples" / file).read_text()), factors), factors)
    assert round(r.total_kg_co2e, 1) == old[(release, file)]
    assert r.extra.get("inventory") is None  # the legacy inventory


def test_parameters_equal_their_source_rows():
    rows = pv_family.source_rows()
    for name, p in PARAMS.items():
        row = rows[name]
        assert (p.low, p.central, p.high, p.law) == (row.low, row.central, row.high, row.distribution), name


def test_every_source_row_names_its_source():
    with pv_family.SOURCE_ROWS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert row["source"] and row["table_or_page"] and row["confidence"], row["parameter"]
            assert float(row["low"]) <= float(row["central"]) <= float(row["high"]), row["parameter"]


def test_the_builder_rebuilds_the_released_pv_factors(pv_factors):
    built = {f.id: f.to_engine() for f in pv_family.factors()}
    for fid, f in built.items():
        assert pv_factors.factors[fid] == f, fid


@pytest.mark.parametrize(("change", "field"), [({"front_glass_mm": -3}, "front_glass_mm"),
                                               ({"rear_glass_mm": 2.0}, "rear_glass_mm"),
                                               ({"frame_kg_per_m": 80}, "frame_kg_per_m")])
def test_bad_pv_input_is_a_422_naming_the_field(change, field, tmp_path, monkeypatch):
    from litestar.testing import TestClient

    from api.app import create_app
    from tests.services import app_settings

    monkeypatch.setenv("PCF_DATA_DIR", str(tmp_path))
    with TestClient(create_app(app_settings(tmp_path))) as client:
        r = client.post("/api/v1/footprints", json=module(**change))
        assert r.status_code == 422 and r.json()["path"] == field and "Traceback" not in r.text
        ok = client.post("/api/v1/footprints", json=module(module_type="glass_glass"), params={"mc": 100, "seed": 1})
        assert ok.status_code == 200 and ok.json()["uncertainty"]["parameters"]
