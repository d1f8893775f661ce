"""Accounting modes named in every result (issue 20 item 5): the mode used, and the others beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.documents import read_document
from factors_db.release import factor_set
from footprint.calculate import calculate
from footprint.model import ELECTRICITY_MODES
from footprint.products import to_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def fs():
    return factor_set("2026.5")


def _run(fs, doc):
    return calculate(to_spec(doc, fs), fs)


def _doc(name: str, **electricity):
    doc = read_document(EXAMPLES / name)
    doc["electricity"] = {**doc.get("electricity", {}), **electricity}
    return doc


@pytest.mark.parametrize("name", ["pv_perc_sichuan.yaml", "battery_lfp_storage_cell_sichuan.yaml",
                                  "display_panel_oxide_lcd_sichuan.yaml", "laptop.yaml"])
def test_every_result_names_its_mode_and_shows_the_others(fs, name):
    e = _run(fs, read_document(EXAMPLES / name)).electricity
    assert e.mode == "label_scheme" and set(e.modes) == set(ELECTRICITY_MODES)
    assert [m for m, v in e.modes.items() if v["used"]] == ["label_scheme"]
    assert all(v["rule"] for v in e.modes.values())
    assert e.modes["label_scheme"]["electricity_kg_co2e"] == pytest.approx(e.location_based_kg_co2e)
    assert e.modes["market_based"]["total_kg_co2e"] == pytest.approx(e.total_market_based_kg_co2e)


def test_eu_national_mix_revalued_by_hand(fs):
    r = _run(fs, read_document(EXAMPLES / "pv_perc_sichuan.yaml"))
    e = r.electricity
    # every kWh in Sichuan (co2_average 2023: 0.1564) moved to the national factor (0.5306)
    assert {row["region"] for row in e.by_process} == {"CN-SC"}
    eu = e.modes["eu_national_mix"]
    assert eu["electricity_kg_co2e"] == pytest.approx(e.kwh * 0.5306, rel=1e-5)
    assert eu["total_kg_co2e"] == pytest.approx(r.total_kg_co2e - e.kwh * 0.1564 + e.kwh * 0.5306, rel=1e-5)
    assert eu["factors"] == ["cn.grid.co2_average.CN.2023"]


def test_revaluation_equals_recomputation(fs):
    # a file computed in eu_national_mix gives the figure the label-scheme run re-valued, and vice versa
    label = _run(fs, _doc("pv_perc_sichuan.yaml")).electricity
    eu_run = _run(fs, _doc("pv_perc_sichuan.yaml", mode="eu_national_mix"))
    assert eu_run.electricity.mode == "eu_national_mix"
    assert {row["region"] for row in eu_run.electricity.by_process} == {"CN"}
    assert eu_run.total_kg_co2e == pytest.approx(label.modes["eu_national_mix"]["total_kg_co2e"], rel=1e-5)
    assert eu_run.electricity.modes["label_scheme"]["total_kg_co2e"] == pytest.approx(
        label.modes["label_scheme"]["total_kg_co2e"], rel=1e-5)
    assert eu_run.electricity.modes["eu_national_mix"]["method"] == "computed"


def test_market_based_mode_claims_the_market_figure(fs):
    doc = _doc("pv_perc_sichuan.yaml", mode="market_based",
               contracts=[{"kind": "green_certificate", "kwh": 10, "factor_kg_per_kwh": 0}])
    r = _run(fs, doc)
    e = r.electricity
    assert e.mode == "market_based" and e.modes["market_based"]["used"]
    # 10 kWh at 0, the rest at the residual factor (co2_average_excl_market_nonfossil CN 2023: 0.6096)
    assert e.modes["market_based"]["electricity_kg_co2e"] == pytest.approx((e.kwh - 10) * 0.6096, rel=1e-5)
    assert e.mode_total_kg_co2e == pytest.approx(r.total_kg_co2e - e.location_based_kg_co2e
                                                 + (e.kwh - 10) * 0.6096, rel=1e-5)
    assert e.modes["market_based"]["factors"] == ["cn.grid.co2_average_excl_market_nonfossil.CN.2023"]


def test_battery_in_eu_mode_names_it_and_cannot_revalue_lost_regions(fs):
    doc = yaml.safe_load((EXAMPLES / "battery_lfp_storage_cell_sichuan.yaml").read_text(encoding="utf-8"))
    doc["electricity_mode"] = "eu_national_mix"
    e = _run(fs, doc).electricity
    assert e.mode == "eu_national_mix" and e.modes["eu_national_mix"]["method"] == "computed"
    assert e.modes["label_scheme"]["total_kg_co2e"] is None and e.modes["label_scheme"]["notes"]


def test_json_keeps_old_keys_and_adds_modes(fs):
    data = _run(fs, read_document(EXAMPLES / "pv_perc_sichuan.yaml")).to_json()
    for key in ("location_based_kg_co2e", "market_based_kg_co2e", "total_market_based_kg_co2e", "by_process"):
        assert key in data["electricity"]
    assert data["electricity"]["mode"] == "label_scheme"
    assert set(data["electricity"]["modes"]) == {"label_scheme", "eu_national_mix", "market_based"}


def test_the_rule_names_the_mode_it_asks_and_refuses_another(fs):
    from registry.rules import category_of, check, load_rule

    doc = _doc("pv_perc_sichuan.yaml")
    rule = load_rule(category_of(doc))
    assert rule.electricity.accounting_mode == "label_scheme"
    ok = {i.rule: i for i in check(rule, doc, to_spec(doc, fs), _run(fs, doc), factors=fs).items}["electricity-mode"]
    assert ok.status == "pass" and ok.values["asked"] == "label_scheme"
    eu = _doc("pv_perc_sichuan.yaml", mode="eu_national_mix")
    result = _run(fs, eu)
    item = {i.rule: i for i in check(rule, eu, to_spec(eu, fs), result, factors=fs).items}["electricity-mode"]
    assert item.status == "fail" and "asks label_scheme" in item.detail
    # the figure under the rule's mode is shown beside the claimed one
    assert item.values["totals_kg_co2e"]["label_scheme"] == pytest.approx(
        result.electricity.modes["label_scheme"]["total_kg_co2e"])
