"""Variants: every crossed variant must equal its own one-by-one calculation."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from footprint.calculate import calculate
from footprint.loader import read_document, to_spec
from footprint.model import STAGES
from footprint.variants import VariantError, axes_from, parse_vary, run_variants, set_field
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
    # hand figure: 0.375 kg/m2 x 1.95 m2 / 0.6698 = 1.0918 kg polysilicon x 79.6 kWh/kg = 86.9 kWh
    assert kwh == pytest.approx(0.375 * 1.95 / 0.6698 * (66.5 + 13.1), rel=1e-6)
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
    doc = {"processes": [{"id": "a", "inputs": [{"amount": 1}]}, {"id": "b", "inputs": []}]}
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


POOL = {
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
