"""Variants: every crossed variant must equal its own one-by-one calculation."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.cli.variants import parse_vary
from api.documents import read_document
from footprint.calculate import calculate
from footprint.errors import VariantError
from footprint.model import STAGES
from footprint.products import to_spec
from footprint.variants import additive as additive_module
from footprint.variants.axes import axes_from, provinces_with_grid_factor, set_field
from footprint.variants.run import run_variants
from tests.services import app_settings

ROOT = Path(__file__).resolve().parents[1]
PV = read_document(ROOT / "examples" / "pv_perc_sichuan.yaml")


def one_by_one(doc, vary, factors):
    """The variants the slow way, in the same order (last axis fastest)."""
    out = []
    for combo in itertools.product(*vary.values()):
        d = doc
        for path, value in zip(vary, combo, strict=True):
            d = set_field(d, path, value)
        out.append(calculate(to_spec(d, factors), factors))
    return out


@pytest.mark.parametrize("vary", [
    {"regions.polysilicon": ["CN-SC", "CN-XJ", "CN-NM"], "regions.wafer": ["CN-SC", "CN-YN"],
     "materials_g_per_m2.glass": [8000, 9805], "yield_kwh_per_kwp_year": [1000, 1400]},
    # area and glass mass both set the glass input (merged); rated power sets per-kWp and lifetime energy only
    {"area_m2": [1.9, 2.0], "materials_g_per_m2.glass": [8000, 9000], "rated_power_wp": [400, 420]},
])
def test_every_variant_equals_its_own_calculation(release_factors, vary):
    result = run_variants(PV, axes_from(vary), release_factors, checks=0)
    assert result.checked == []  # checks=0: no one-by-one recomputation (the loop below is the check)
    if "area_m2" in vary:
        assert sorted(map(sorted, result.merged)) == [["area_m2", "materials_g_per_m2.glass"]]
    else:
        assert result.merged == []
    expected = one_by_one(PV, vary, release_factors)
    assert len(result) == len(expected)
    for i, r in enumerate(expected):
        assert result.totals[i] == pytest.approx(r.total_kg_co2e, rel=1e-9)
        for k, stage in enumerate(STAGES):
            assert result.stages[i, k] == pytest.approx(r.stages[stage], rel=1e-9, abs=1e-12)
        assert result.per_kwp is not None and result.per_kwh_g is not None
        assert result.per_kwp[i] == pytest.approx(r.extra["per_kwp_kg_co2e"], rel=1e-9)
        assert result.per_kwh_g[i] == pytest.approx(r.extra["per_kwh_g_co2e"], rel=1e-9)


def test_polysilicon_region_changes_the_total_by_its_kwh_times_the_factor_difference(release_factors):
    result = run_variants(PV, axes_from({"regions.polysilicon": ["CN-SC", "CN-XJ"]}), release_factors)
    base = calculate(to_spec(PV, release_factors), release_factors)
    kwh = sum(r["kwh"] for r in base.electricity.by_process if r["process"] == "polysilicon")
    f = release_factors.factors
    diff = kwh * (f["cn.grid.co2_average.CN-XJ.2023"].value_kg_co2e - f["cn.grid.co2_average.CN-SC.2023"].value_kg_co2e)
    # hand figure (release 2026.3): 0.375 kg/m2 x 1.95 m2 / 0.6698 = 1.0918 kg polysilicon x (70 kWh/kg + 1.136 kg
    # MG-Si x 13.1 kWh/kg = 84.88 kWh/kg) = 92.67 kWh
    assert kwh == pytest.approx(0.375 * 1.95 / 0.6698 * (70 + 1.136 * 13.1), rel=1e-6)
    assert result.totals[1] - result.totals[0] == pytest.approx(diff, rel=1e-9)
    assert result.checked == [0, 1]
    effects = {e["value"]: e["mean_kg_co2e"] for e in result.effects()}
    assert effects["CN-XJ"] > effects["CN-SC"]


def test_scenario_axis_sets_several_fields(release_factors):
    scenario = [{"regions.polysilicon": "CN-XJ", "regions.wafer": "CN-XJ"}, {"regions.polysilicon": "CN-SC"}]
    result = run_variants(PV, axes_from({"supply chain": scenario}), release_factors)
    assert result.assignment(0) == {"supply chain": "regions.polysilicon=CN-XJ, regions.wafer=CN-XJ"}
    coal = calculate(to_spec(set_field(set_field(PV, "regions.polysilicon", "CN-XJ"), "regions.wafer", "CN-XJ"),
                             release_factors), release_factors)
    assert result.totals[0] == pytest.approx(coal.total_kg_co2e, rel=1e-9)


def test_field_paths(release_factors):
    doc: dict[str, Any] = {"processes": [{"id": "a", "inputs": [{"amount": 1}]}, {"id": "b", "inputs": []}]}
    assert set_field(doc, "processes[id=a].inputs[0].amount", 2)["processes"][0]["inputs"][0]["amount"] == 2
    assert set_field(doc, "processes[1].location", "CN-SC")["processes"][1]["location"] == "CN-SC"
    assert doc["processes"][0]["inputs"][0]["amount"] == 1  # the original is not touched
    assert set_field({}, "regions.cell", "CN-SC") == {"regions": {"cell": "CN-SC"}}
    for bad in ("processes[5].location", "processes[id=zz].location", "processes..x", "processes[x].y"):
        with pytest.raises(VariantError):
            set_field(doc, bad, 1)
    assert parse_vary(["area_m2=1.9, 2", "regions.cell=CN-SC"]) == {"area_m2": [1.9, 2], "regions.cell": ["CN-SC"]}
    with pytest.raises(VariantError, match="FIELD=V1"):
        parse_vary(["area_m2"])


@pytest.mark.parametrize(("vary", "path", "message"), [
    ({"boundary": ["cradle-to-grave"]}, "vary.boundary[0]", "changes the structure"),
    ({"regions.cell": ["CN-SC", "CN-ZZ"]}, "vary.regions.cell[1]", "no 'co2_average' grid factor for CN-ZZ"),
    ({"area_m2": [-1]}, "vary.area_m2[0]", "area_m2"),
    ({"regions.cell": []}, "vary.regions.cell", "non-empty list"),
    ({"regions.cell": ["CN-SC"] * 1001, "regions.wafer": ["CN-SC"] * 1001}, "vary", "at most"),
])
def test_bad_variants_are_clear_errors(release_factors, vary, path, message):
    with pytest.raises(VariantError, match=message) as err:
        run_variants(PV, axes_from(vary), release_factors)
    assert err.value.path == path


def test_cli_and_api(tmp_path, monkeypatch):
    monkeypatch.setenv("PCF_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    file = str(ROOT / "examples" / "pv_perc_sichuan.yaml")
    out = runner.invoke(cli, ["variants", file, "--vary", "regions.polysilicon=CN-SC,CN-XJ", "--vary",
                              "regions.wafer=CN-SC,CN-NM", "--json", "--csv", str(tmp_path / "v.csv")])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["count"] == 4 and len(data["rows"]) == 4 and data["lowest"]["values"] == {
        "regions.polysilicon": "CN-SC", "regions.wafer": "CN-SC"}
    assert data["lowest"]["total_kg_co2e"] == pytest.approx(data["base_total_kg_co2e"], rel=1e-12)
    lines = (tmp_path / "v.csv").read_text().splitlines()
    assert len(lines) == 5 and lines[0].startswith("variant,regions.polysilicon,regions.wafer,total_kg_co2e")
    out = runner.invoke(cli, ["variants", file, "--vary", "boundary=cradle-to-grave"])
    assert out.exit_code == 2 and out.output.startswith("error [invalid-variants]: vary.boundary[0]:")
    assert out.output.count("\n") == 1

    with TestClient(create_app(app_settings(tmp_path))) as client:
        r = client.post("/api/v1/variants", json={"product": PV, "vary": {"regions.cell": ["CN-SC", "CN-XJ"]},
                                               "rows": 1})
        assert r.status_code == 200, r.text
        assert r.json()["count"] == 2 and len(r.json()["rows"]) == 1
        r = client.post("/api/v1/variants", json={"product": PV, "vary": {"regions.cell": ["CN-ZZ"]}})
        assert r.status_code == 422 and r.json()["code"] == "invalid-variants"
        assert r.headers["content-type"].startswith("application/problem+json")
        r = client.post("/api/v1/variants", json={"product": PV, "vary": {"a": list(range(400)), "b": list(range(400))}})
        assert r.status_code == 422 and "at most" in r.json()["detail"]
        r = client.post("/api/v1/variants", json={"product": PV})
        assert r.status_code == 400


POOL: dict[str, list[Any]] = {
    "regions.polysilicon": ["CN-SC", "CN-XJ", "CN-YN", "CN-NM"],
    "regions.module": ["CN-JS", "CN-SC"],
    "area_m2": [1.8, 1.95, 2.2],
    "rated_power_wp": [380, 410, 450],
    "materials_g_per_m2.glass": [7000, 9805],
    "silicon_mfg_efficiency": [0.6, 0.6698],
    "degradation_pct_per_year": [0.4, 0.7],
}


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_random_crossings_equal_one_by_one(data):
    from factors_db.release import factor_set

    factors = factor_set()
    names = data.draw(st.lists(st.sampled_from(sorted(POOL)), min_size=1, max_size=3, unique=True))
    vary = {n: data.draw(st.lists(st.sampled_from(POOL[n]), min_size=1, max_size=3, unique=True)) for n in names}
    result = run_variants(PV, axes_from(vary), factors, checks=0)
    for i, r in enumerate(one_by_one(PV, vary, factors)):
        assert result.totals[i] == pytest.approx(r.total_kg_co2e, rel=1e-9)
        assert result.per_kwh_g is not None and result.per_kwh_g[i] == pytest.approx(r.extra["per_kwh_g_co2e"], rel=1e-9)


# ------------------------------------------------------------------------------- fast path (sums of effects)
ADDITIVE_POOL: dict[str, list[Any]] = {
    "regions.polysilicon": ["CN-SC", "CN-XJ", "CN-YN", "CN-NM"],
    "regions.wafer": ["CN-SC", "CN-JS", "CN-QH"],
    "regions.cell": ["CN-SC", "CN-XJ", "CN-GD"],
    "regions.module": ["CN-JS", "CN-SC"],
    "materials_g_per_m2.glass": [7000, 9805],
    "materials_g_per_m2.aluminium_frame": [900, 1229],
    "rated_power_wp": [380, 410, 450],
    "yield_kwh_per_kwp_year": [1000, 1400],
}


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_fast_path_equals_each_variant_calculated_alone(data):
    """Axes whose inputs never multiply each other take the fast path, and it equals bw2calc variant by variant."""
    from factors_db.release import factor_set

    factors = factor_set()
    names = data.draw(st.lists(st.sampled_from(sorted(ADDITIVE_POOL)), min_size=1, max_size=4, unique=True))
    vary = {n: data.draw(st.lists(st.sampled_from(ADDITIVE_POOL[n]), min_size=1, max_size=3, unique=True))
            for n in names}
    result = run_variants(PV, axes_from(vary), factors, checks=0)
    assert result.additive is not None and result.notes == []
    for i, r in enumerate(one_by_one(PV, vary, factors)):
        assert result.totals[i] == pytest.approx(r.total_kg_co2e, rel=1e-9)
        for k, stage in enumerate(STAGES):
            assert result.stages[i, k] == pytest.approx(r.stages[stage], rel=1e-9, abs=1e-9)
        assert result.per_kwp is not None and result.per_kwp[i] == pytest.approx(r.extra["per_kwp_kg_co2e"], rel=1e-9)
        assert result.per_kwh_g is not None
        assert result.per_kwh_g[i] == pytest.approx(r.extra["per_kwh_g_co2e"], rel=1e-9)
    # the effects from the sums equal those read off every variant's total
    general = run_variants(PV, axes_from(vary), factors, checks=0, additive=False)
    assert general.additive is None
    for fast, slow in zip(result.effects(), general.effects(), strict=True):
        assert (fast["axis"], fast["value"]) == (slow["axis"], slow["value"])
        for key in ("mean_kg_co2e", "min_kg_co2e", "max_kg_co2e"):
            assert fast[key] == pytest.approx(slow[key], rel=1e-12)
    shown = result.to_json(rows=5)["rows"]
    assert [r["total_kg_co2e"] for r in shown] == pytest.approx(sorted(general.totals)[:5], rel=1e-12)


def test_a_group_of_axes_that_set_the_same_inputs_adds_up_with_the_others(release_factors):
    """Area sets the glass and the frame inputs, so the three axes form one group (its axes out of order: frame,
    glass, area); rated power changes only the per-kWp figure. Each variant is the group's effect plus none."""
    vary: dict[str, list[Any]] = {"rated_power_wp": [400, 420], "materials_g_per_m2.glass": [8000, 9000],
                                  "area_m2": [1.9, 2.0], "materials_g_per_m2.aluminium_frame": [900, 1229]}
    result = run_variants(PV, axes_from(vary), release_factors)
    assert result.additive is not None and result.additive.groups == [[0], [3, 1, 2]]
    for i, r in enumerate(one_by_one(PV, vary, release_factors)):
        assert result.totals[i] == pytest.approx(r.total_kg_co2e, rel=1e-9)
        assert result.per_kwp is not None and result.per_kwp[i] == pytest.approx(r.extra["per_kwp_kg_co2e"], rel=1e-9)
    general = run_variants(PV, axes_from(vary), release_factors, additive=False)
    for fast, slow in zip(result.effects(), general.effects(), strict=True):
        assert (fast["axis"], fast["value"]) == (slow["axis"], slow["value"])
        assert [fast[k] for k in ("mean_kg_co2e", "min_kg_co2e", "max_kg_co2e")] == pytest.approx(
            [slow[k] for k in ("mean_kg_co2e", "min_kg_co2e", "max_kg_co2e")], rel=1e-12)


CHAIN: dict[str, Any] = {  # a custom product: the module needs 2 cells, a cell 3 kWh at its location (CN-SC 0.1564 kg/kWh)
    "kind": "custom", "identity": {"name": "two-step chain"}, "declared_unit": "1 module",
    "reference_process": "module", "boundary": "cradle-to-gate",
    "electricity": {"series": "co2_average", "year": 2023},
    "processes": [
        {"id": "module", "stage": "production", "location": "CN-SC",
         "inputs": [{"process": "cell", "amount": 2, "unit": "piece"},
                    {"factor": "cpcd.37117X0032014A", "amount": 8.0, "unit": "kg"}]},
        {"id": "cell", "stage": "production", "location": "CN-SC",
         "inputs": [{"electricity": True, "amount": 3, "unit": "kWh"}]},
    ],
}


@pytest.mark.parametrize(("doc", "vary", "changes"), [
    # polysilicon per module (1 / efficiency) x the polysilicon grid factor
    (PV, {"regions.polysilicon": ["CN-SC", "CN-XJ"], "silicon_mfg_efficiency": [0.6, 0.6698]},
     "silicon_mfg_efficiency and regions.polysilicon do not add up"),
    # area scales every input, the region sets the factor of the wafer's electricity
    (PV, {"regions.wafer": ["CN-SC", "CN-XJ"], "area_m2": [1.9, 2.0]}, "area_m2 and regions.wafer do not add up"),
    # cells per module x kWh per cell: 2 x 3 = 6, 3 x 3 = 9, 2 x 4 = 8, 3 x 4 = 12 kWh, not 6 + 3 + 2
    (CHAIN, {"processes[id=module].inputs[0].amount": [2, 3], "processes[id=cell].inputs[0].amount": [3, 4]},
     "inputs[0].amount changes how much cell the product needs, and processes[id=cell].inputs[0].amount sets"),
    # cells per module x the cell's grid factor
    (CHAIN, {"processes[id=module].inputs[0].amount": [2, 3], "processes[id=cell].location": ["CN-SC", "CN-XJ"]},
     "changes how much electricity CN-SC of cell the product needs, and processes[id=cell].location sets"),
])
def test_axes_that_multiply_fall_back_to_full_solves(release_factors, doc, vary, changes):
    result = run_variants(doc, axes_from(vary), release_factors)
    assert result.additive is None
    assert len(result.notes) == 1 and changes in result.notes[0] and result.notes[0].endswith("every variant solved in full")
    assert "solved as a stack of dense systems" in result.to_json()["method"]
    for i, r in enumerate(one_by_one(doc, vary, release_factors)):
        assert result.totals[i] == pytest.approx(r.total_kg_co2e, rel=1e-9)
    if doc is CHAIN and "location" not in str(vary):
        kwh = [2 * 3, 2 * 4, 3 * 3, 3 * 4]  # last axis fastest
        glass = result.totals[0] - kwh[0] * 0.1564
        assert result.totals - glass == pytest.approx([k * 0.1564 for k in kwh], rel=1e-9)


def test_independent_branches_of_a_custom_product_add_up(release_factors):
    vary: dict[str, list[Any]] = {"processes[id=module].inputs[1].amount": [6.0, 8.0],
                                  "processes[id=cell].inputs[0].amount": [3, 4]}
    result = run_variants(CHAIN, axes_from(vary), release_factors)
    assert result.additive is not None and result.notes == []
    for i, r in enumerate(one_by_one(CHAIN, vary, release_factors)):
        assert result.totals[i] == pytest.approx(r.total_kg_co2e, rel=1e-9)


def test_the_sum_check_catches_what_the_structure_check_would_miss(release_factors, monkeypatch):
    monkeypatch.setattr(additive_module, "interaction", lambda *args: None)  # a structure check that sees nothing
    vary: dict[str, list[Any]] = {"regions.polysilicon": ["CN-SC", "CN-XJ", "CN-YN"],
                                  "silicon_mfg_efficiency": [0.6, 0.6698]}
    result = run_variants(PV, axes_from(vary), release_factors)
    assert result.additive is None
    assert result.notes[0].startswith("the axes' effects do not add up (variant ")
    for i, r in enumerate(one_by_one(PV, vary, release_factors)):
        assert result.totals[i] == pytest.approx(r.total_kg_co2e, rel=1e-9)


def test_whole_supply_chain_space_of_a_pv_module(release_factors):
    """Every crossing of the 30 provinces with a 2023 grid factor for the 4 steps: 30^4 = 810,000 variants."""
    provinces = provinces_with_grid_factor(release_factors, "co2_average", 2023)
    assert len(provinces) == 30 and "CN-YN" in provinces and not any("GRID" in p for p in provinces)
    steps = ("polysilicon", "wafer", "cell", "module")
    vary = {f"regions.{step}": provinces for step in steps}
    started = time.perf_counter()
    result = run_variants(PV, axes_from(vary), release_factors)
    summary = result.to_json(rows=5)
    seconds = time.perf_counter() - started
    assert seconds < 10  # the bench measures the target (1 s); this only keeps the suite honest
    assert summary["count"] == len(result) == 810_000 and result.additive is not None and result.notes == []

    factor = {p: release_factors.factors[f"cn.grid.co2_average.{p}.2023"].value_kg_co2e for p in provinces}
    cleanest = min(provinces, key=factor.__getitem__)
    assert cleanest == "CN-YN"  # Yunnan 0.1333 kg/kWh, then Sichuan 0.1564, Qinghai 0.1796
    assert summary["lowest"]["values"] == {f"regions.{step}": cleanest for step in steps}
    # by hand: the file is all Sichuan; kWh per module by step (release 2026.3, 1.95 m2, 1.0918 kg polysilicon):
    # polysilicon 1.0918 x (70 + 1.136 x 13.1) = 92.67, wafer 1.0918 x (38.4 + 4.71) = 47.07, cell 11.865 x 1.95 =
    # 23.14, module 3.45 x 1.95 = 6.73 plus the module materials' own 6.79 (encapsulant, backsheet): 176.38 kWh
    base = calculate(to_spec(PV, release_factors), release_factors)
    step_of = {"polysilicon": "polysilicon", "ingot_wafer": "wafer", "cell": "cell", "cell_materials": "cell",
               "module": "module", "module_materials": "module"}
    kwh = dict.fromkeys(steps, 0.0)
    for r in base.electricity.by_process:
        kwh[step_of[r["process"]]] += r["kwh"]
    assert kwh["polysilicon"] == pytest.approx(1.95 * 0.375 / 0.6698 * (70 + 1.136 * 13.1), rel=1e-9)
    assert sum(kwh.values()) == pytest.approx(176.38, abs=0.01)
    assert summary["lowest"]["total_kg_co2e"] == pytest.approx(
        base.total_kg_co2e + sum(kwh.values()) * (factor[cleanest] - factor["CN-SC"]), rel=1e-9)
    totals = [r["total_kg_co2e"] for r in summary["rows"]]
    assert totals == sorted(totals) and totals[0] == summary["min_kg_co2e"]
    # second lowest: the step with the fewest kWh (module, 13.5 kWh) moves to the next cleanest grid (Sichuan)
    assert summary["rows"][1]["values"]["regions.module"] == "CN-SC"
    assert set(result.checked) >= {0, 809_999, summary["lowest"]["variant"]}  # rechecked with bw2calc
    # each step's effect: moving a step from Sichuan to Xinjiang moves every variant by its kWh x 0.4549 kg/kWh
    effects = {(e["axis"], e["value"]): e for e in summary["effects"]}
    for step in steps:
        shift = kwh[step] * (factor["CN-XJ"] - factor["CN-SC"])
        for key in ("mean_kg_co2e", "min_kg_co2e", "max_kg_co2e"):
            got = effects[(f"regions.{step}", "CN-XJ")][key] - effects[(f"regions.{step}", "CN-SC")][key]
            assert got == pytest.approx(shift, rel=1e-9)
