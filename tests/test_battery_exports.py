"""Battery declarations of certified battery labels (issue 18 item 5): the EU Annex II carbon-footprint declaration
(JSON and printable page) and the battery passport's carbon-footprint part (Battery Pass ``CarbonFootprintForBatteries``
1.2.0), through the API, the pages and the command line, over a registry seeded with the demo and three battery
labels from ``examples/``.

Every number is checked against the signed claim and the certified result by hand: the per-kWh figures divide the
result's total and stages by the lifetime energy of the product file (usable energy x cycles per year x years).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from litestar.testing import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.demo import record_demo_verification, seed_demo
from api.documents import read_document
from registry.accounts.actors import Actor
from registry.interop.batterypass import stage_problems
from registry.interop.batterypass.passport import SCHEMA_FILE, schema
from registry.rules.values import round_significant
from tests.services import app_settings

BASE = "https://pcf.example.cn"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EV_FILE = EXAMPLES / "battery_nmc811_ev_pack_coal_grid.yaml"
CELL_FILE = EXAMPLES / "battery_lfp_storage_cell_sichuan.yaml"
# Lifetime energy of the examples, by hand: usable energy x cycles per year x years.
EV_LIFETIME = 70 * 100 * 8  # 56 000 kWh (usable 70 of 75 kWh)
CELL_LIFETIME = 280 * 3.2 / 1000 * 330 * 15  # usable = rated 0.896 kWh: 4 435.2 kWh
RAW, MAIN, DIST, EOL = ("raw_material_acquisition_and_pre_processing", "main_product_production", "distribution",
                        "end_of_life_and_recycling")
PASS_STAGES = {"RawMaterialExtraction": RAW, "MainProduction": MAIN, "Distribution": DIST, "Recycling": EOL}


#: Bills of materials (kg per battery) that make the screening examples certifiable (issue 17): test products,
#: not factors; the factors are the release's.
BOMS = {
    "ev": [{"item": "cathode", "kg": 105}, {"item": "anode_graphite", "kg": 75}, {"item": "copper_foil", "kg": 40},
           {"item": "aluminium_foil", "kg": 20}, {"item": "electrolyte", "kg": 55}, {"item": "separator", "kg": 8},
           {"item": "casing_aluminium", "kg": 60}],
    "cell": [{"item": "cathode", "kg": 2.0}, {"item": "anode_graphite", "kg": 0.9}, {"item": "copper_foil", "kg": 0.5},
             {"item": "aluminium_foil", "kg": 0.25}, {"item": "electrolyte", "kg": 0.9},
             {"item": "separator", "kg": 0.1}, {"item": "casing_aluminium", "kg": 0.6}],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("battery-exports")
    app = create_app(app_settings(folder, base_url=BASE))
    reg = app.state.registry
    labels = dict(seed_demo(reg)["labels"])
    mk, cert = Actor("demo_manufacturer", "manufacturer", "t"), Actor("demo_certifier", "certifier", "t")
    results = {}
    for key, category, name, model, file in [
        ("ev", "battery_ev", "Example 75 kWh NMC811 EV pack", "EVP-75", EV_FILE),
        ("cell", "battery_storage", "Example 280 Ah LFP storage cell", "LFP-280", CELL_FILE),
        ("consumer", "battery_consumer", "Example 56 Wh laptop pack", None, EXAMPLES / "battery_consumer_pack.yaml"),
    ]:
        product = reg.products.create_product(mk, name=name, model=model, category=category)
        spec = read_document(file)
        if key in BOMS:  # certifiable: the product's own bill of materials, not the chemistry's average pack
            spec["bill_of_materials"] = BOMS[key]
        dec = reg.declarations.create_declaration(mk, product_id=product.id, spec=spec)
        reg.declarations.submit(mk, dec.id)
        record_demo_verification(reg, cert, dec.id)
        labels[key] = reg.review.approve(cert, dec.id).label_id
        results[key] = json.loads(dec.result)
    env = {"PCF_DATA_DIR": str(folder), "PCF_BASE_URL": BASE}
    with TestClient(app) as client:
        yield {"client": client, "labels": labels, "results": results, "env": env}


def get_json(world: Any, label_id: str, name: str) -> dict[str, Any]:
    r = world["client"].get(f"/api/v1/labels/{label_id}/{name}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def claim_of(world: Any, key: str) -> dict[str, Any]:
    return dict(world["client"].get(f"/api/v1/labels/{world['labels'][key]}").json()["claim"])


CASES = [("ev", EV_LIFETIME, 75.0, "CN-NM"), ("cell", CELL_LIFETIME, 0.896, "CN-SC")]


@pytest.mark.parametrize(("key", "lifetime", "capacity", "region"), CASES, ids=[c[0] for c in CASES])
def test_battery_pass_states_the_certified_result_per_kwh_of_lifetime_energy(world, key, lifetime, capacity, region):
    result, claim = world["results"][key], claim_of(world, key)
    doc = get_json(world, world["labels"][key], "battery-pass.json")
    total_kg = result["total_kg_co2e"]  # kg CO2e per battery
    # headline = total / lifetime energy; the signed value is per kWh of capacity: value x capacity / lifetime
    assert doc["batteryCarbonFootprint"] == pytest.approx(total_kg / lifetime, rel=1e-9)
    assert doc["batteryCarbonFootprint"] == pytest.approx(float(claim["value"]) * capacity / lifetime, rel=5e-3)
    assert doc["absoluteCarbonFootprint"] == pytest.approx(total_kg, rel=1e-9)
    stages = {e["lifecycleStage"]: e["carbonFootprint"] for e in doc["carbonFootprintPerLifecycleStage"]}
    assert len(doc["carbonFootprintPerLifecycleStage"]) == 4 and set(stages) == set(PASS_STAGES)
    for name, annex in PASS_STAGES.items():
        assert stages[name] == pytest.approx(result["extra"]["declaration_stages_kg_co2e"][annex] / lifetime, rel=1e-9)
    # cradle-to-gate: raw materials + production carry everything; distribution and end of life are the result's 0
    assert stages["Distribution"] == 0.0 and stages["Recycling"] == 0.0
    assert sum(stages.values()) == pytest.approx(doc["batteryCarbonFootprint"], rel=5e-3)
    assert doc["carbonFootprintStudy"] == f"{BASE}/l/{world['labels'][key]}"
    assert doc["carbonFootprintPerformanceClass"] == ""  # no class: none adopted, none invented
    ext = doc["x-pcf-registry"]
    assert ext["certified"] is True and ext["label_id"] == world["labels"][key] and ext["status"] == "active"
    assert ext["lifetime_energy_kwh"] == pytest.approx(lifetime)


@pytest.mark.parametrize("key", ["ev", "cell"])
def test_battery_pass_validates_against_the_vendored_official_schema(world, key):
    doc = get_json(world, world["labels"][key], "battery-pass.json")
    assert SCHEMA_FILE.read_bytes()[:2] == b"\xff\xfe"  # vendored as published: UTF-16 LE with a byte-order mark
    assert schema()["x-samm-aspect-model-urn"].endswith(":1.2.0#CarbonFootprintForBatteries")
    errors = [e.message for e in Draft4Validator(schema()).iter_errors(doc)]
    assert errors == []
    assert stage_problems(doc) == []


def _broken(doc: dict[str, Any], how: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    entries = doc["carbonFootprintPerLifecycleStage"]
    if how == "doubled":
        entries.append(dict(entries[0]))
    elif how == "missing":
        del entries[1]
    elif how == "sum":
        doc["batteryCarbonFootprint"] *= 1.01  # stages now 1 % short of the total
    return doc


@pytest.mark.parametrize(("how", "problem"), [("doubled", "RawMaterialExtraction appears 2 times"),
                                              ("missing", "MainProduction appears 0 times"),
                                              ("sum", "the stages sum to")])
def test_the_schema_lets_stage_errors_through_and_the_registry_catches_them(world, how, problem):
    doc = _broken(get_json(world, world["labels"]["ev"], "battery-pass.json"), how)
    assert list(Draft4Validator(schema()).iter_errors(doc)) == []  # the schema's own gap
    assert any(problem in p for p in stage_problems(doc)), stage_problems(doc)


@pytest.mark.parametrize(("key", "lifetime", "capacity", "region"), CASES, ids=[c[0] for c in CASES])
def test_eu_declaration_json_by_hand(world, key, lifetime, capacity, region):
    result, claim = world["results"][key], claim_of(world, key)
    doc = get_json(world, world["labels"][key], "eu-declaration.json")
    per_kwh = result["total_kg_co2e"] / lifetime
    assert doc["certified"] is True
    assert doc["carbon_footprint"]["unrounded"] == pytest.approx(per_kwh, rel=1e-9)
    assert doc["carbon_footprint"]["kg_co2e_per_kwh"] == round_significant(per_kwh, 3)
    assert [s["stage"] for s in doc["stages"]] == [RAW, MAIN, DIST, EOL]
    stages = {s["stage"]: s for s in doc["stages"]}
    for name, s in stages.items():
        assert s["unrounded"] == pytest.approx(result["extra"]["declaration_stages_kg_co2e"][name] / lifetime)
    assert sum(s["unrounded"] for s in doc["stages"]) == pytest.approx(per_kwh, rel=5e-3)
    assert sum(float(s["kg_co2e_per_kwh"]) for s in doc["stages"]) == pytest.approx(
        float(doc["carbon_footprint"]["kg_co2e_per_kwh"]), rel=5e-3)
    assert [s["modelled"] for s in doc["stages"]] == [True, True, False, False]
    assert doc["lifetime_energy_kwh"] == pytest.approx(lifetime)
    assert doc["manufacturing_plant"]["region"] == region
    assert doc["manufacturer"]["id"] == "demo_manufacturer"
    assert doc["battery"]["capacity_kwh"] == pytest.approx(capacity)
    assert doc["public_study"] == f"{BASE}/l/{world['labels'][key]}"
    assert doc["label"]["value"] == claim["value"] and doc["label"]["declared_unit"] == "1 kWh"
    # what the registry does not hold stays out, and is named
    assert "manufacturer_address" in doc["not_held"] and "address" not in doc["manufacturer"]
    codes = [c["code"] for c in doc["not_checked"]]
    assert codes[0] == "electricity-rule" and "label_scheme" in doc["not_checked"][0]["text"]
    assert {"boundary", "lifetime", "method", "verification", "scope"} <= set(codes)


def test_a_non_battery_label_is_refused_with_one_line(world):
    pv = world["labels"]["active"]
    for name in ("battery-pass.json", "eu-declaration.json"):
        r = world["client"].get(f"/api/v1/labels/{pv}/{name}")
        assert r.status_code == 409
        body = r.json()
        assert (body["code"], body["field"]) == ("not-a-battery", "category")
        assert "\n" not in body["detail"] and "pv_module" in body["detail"]
    page = world["client"].get(f"/l/{pv}/eu-declaration?lang=en")
    assert page.status_code == 409 and "is not of a battery" in page.text


def test_a_battery_without_lifetime_energy_has_no_declaration(world):
    r = world["client"].get(f"/api/v1/labels/{world['labels']['consumer']}/battery-pass.json")
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["field"]) == ("export-unmappable", "battery.lifetime_energy_kwh")


def test_unknown_label_is_404(world):
    assert world["client"].get("/api/v1/labels/CD-PCF-2026-999999/battery-pass.json").status_code == 404
    assert world["client"].get("/l/CD-PCF-2026-999999/eu-declaration").status_code == 404


def test_the_cli_writes_the_same_as_the_api(world, tmp_path):
    label_id = world["labels"]["ev"]
    for command, name in (("battery-pass", "battery-pass.json"), ("eu-declaration", "eu-declaration.json")):
        out = CliRunner().invoke(cli, ["export", command, label_id, "-o", str(tmp_path / name)], env=world["env"])
        assert out.exit_code == 0, out.output
        assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == get_json(world, label_id, name)
    out = CliRunner().invoke(cli, ["export", "battery-pass", world["labels"]["active"], "-o", str(tmp_path / "x.json")],
                             env=world["env"])
    assert out.exit_code == 2 and out.output.strip().splitlines()[-1].startswith("error [not-a-battery]: category:")


def test_the_cli_computes_a_product_file_and_marks_it_not_certified(world, tmp_path):
    certifiable = tmp_path / "ev.json"  # the file the label was certified from
    certifiable.write_text(json.dumps({**read_document(EV_FILE), "bill_of_materials": BOMS["ev"]}), encoding="utf-8")
    out = CliRunner().invoke(cli, ["export", "battery-pass", str(certifiable), "-o", str(tmp_path / "f.json")],
                             env=world["env"])
    assert out.exit_code == 0, out.output
    assert "NOT CERTIFIED" in out.output
    doc = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    certified = get_json(world, world["labels"]["ev"], "battery-pass.json")
    assert doc["x-pcf-registry"]["certified"] is False
    assert "carbonFootprintStudy" not in doc  # no public study: left out, so not a valid passport part
    assert [e.message for e in Draft4Validator(schema()).iter_errors(doc)] == ["'carbonFootprintStudy' is a "
                                                                             "required property"]
    # same file, same release: the same figures as the certified label
    assert doc["batteryCarbonFootprint"] == pytest.approx(certified["batteryCarbonFootprint"], rel=1e-9)
    out = CliRunner().invoke(cli, ["export", "eu-declaration", str(CELL_FILE), "-o", str(tmp_path / "e.json")],
                             env=world["env"])
    assert out.exit_code == 0, out.output
    decl = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert decl["certified"] is False and "public_study" not in decl and "label" not in decl


@pytest.mark.parametrize(("lang", "words"), [("en", ["EU carbon-footprint declaration of a battery",
                                                      "Raw material acquisition and pre-processing", "CN-NM"]),
                                             ("zh", ["电池碳足迹声明", "原材料获取和预处理", "CN-NM"])])
def test_the_printable_page_in_both_languages(world, lang, words):
    label_id, result = world["labels"]["ev"], world["results"]["ev"]
    r = world["client"].get(f"/l/{label_id}/eu-declaration?lang={lang}")
    assert r.status_code == 200, r.text
    for word in words:
        assert word in r.text
    assert round_significant(result["total_kg_co2e"] / EV_LIFETIME, 3) in r.text
    assert f'href="{BASE}/l/{label_id}"' in r.text
