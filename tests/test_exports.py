"""Exports of certified labels (issue 22): ILCD+EPD v1.3 XML and openEPD JSON, through the API, the command line
and the pure mapping, over the demo registry (SQLite).

Each export is checked against what was signed (the claim's value), against the certified engine result (stage
sums), against the official ILCD+EPD schemas (vendored, validated with ``xmlschema``) and against the ``openepd``
package's models.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.demo import seed_demo
from registry.interop.certified import CertifiedLabel, ExportUnmappable
from registry.interop.ilcd import process_errors, process_xml
from registry.interop.openepd import epd_document
from tests.services import app_settings

BASE = "https://pcf.example.cn"
NS = {"p": "http://lca.jrc.it/ILCD/Process", "common": "http://lca.jrc.it/ILCD/Common",
      "epd": "http://www.iai.kit.edu/EPD/2013", "epd2": "http://www.indata.network/EPD/2019",
      "epd24": "http://www.indata.network/EPD/2024"}
GWP_TOTAL_EF31 = "a7ea142a-9749-11ed-a8fc-0242ac120002"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    app = create_app(app_settings(folder, base_url=BASE))
    labels = seed_demo(app.state.registry)["labels"]
    env = {"PCF_DATA_DIR": str(folder), "PCF_BASE_URL": BASE}
    with TestClient(app) as client:
        yield {"client": client, "reg": app.state.registry, "labels": labels, "env": env, "folder": folder}


def claim_of(demo: dict[str, Any], which: str) -> dict[str, Any]:
    r = demo["client"].get(f"/api/v1/labels/{demo['labels'][which]}")
    assert r.status_code == 200, r.text
    return dict(r.json()["claim"])


def certified(demo: dict[str, Any], which: str) -> CertifiedLabel:
    return demo["reg"].exports.certified_label(demo["labels"][which], BASE)


def gwp_total(root: ET.Element) -> tuple[Decimal, dict[str, float]]:
    """meanAmount and module amounts of the GWP-total LCIA result of an ILCD process data set."""
    (result,) = [r for r in root.iterfind("p:LCIAResults/p:LCIAResult", NS)
                 if r.find("p:referenceToLCIAMethodDataSet", NS).get("refObjectId") == GWP_TOTAL_EF31]  # type: ignore[union-attr]
    mean = Decimal(result.findtext("p:meanAmount", namespaces=NS) or "nan")
    modules = {a.get(f"{{{NS['epd']}}}module", ""): float(a.text or "nan")
               for a in result.iterfind("common:other/epd:amount", NS)}
    return mean, modules


# ------------------------------------------------------------------------------------------------ ILCD+EPD
# Hand checks. PV module: 110.762 (raw materials) + 12.032 (production) = 122.794 kg CO2e per 410 Wp module;
# per 1 kWp x 1000 / 410 = 299.50 -> "299" (3 significant figures), all of it in A1-A3 (cradle-to-gate).
# Monitor (examples/registry/monitor_certifiable.yaml with 40 kWh a year): 211.5436 (components) + 7.6966
# (assembly) = 219.2402 -> A1-A3, 1.92726 (distribution) -> A4, 106.056 (use) -> B6, 4.7891 (end of life) -> C4;
# 219.2402 + 1.92726 + 106.056 + 4.7891 = 332.01 -> "332".
CASES = [("active", "299", "1 kWp", {"A1-A3": 299.50}),
         ("active_monitor", "332", "1 monitor over 6 years of use",
          {"A1-A3": 219.2402, "A4": 1.92726, "B6": 106.056, "C4": 4.7891})]


@pytest.mark.parametrize(("which", "value", "declared_unit", "modules"), CASES, ids=[c[0] for c in CASES])
def test_ilcd_export_states_the_signed_value_and_the_stages_by_module(demo, which, value, declared_unit, modules):
    claim = claim_of(demo, which)
    assert (claim["value"], claim["declared_unit"]) == (value, declared_unit)
    r = demo["client"].get(f"/api/v1/labels/{demo['labels'][which]}/ilcd.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert process_errors(r.content) == []
    root = ET.fromstring(r.content)
    mean, amounts = gwp_total(root)
    assert mean == Decimal(claim["value"])  # the signed value, not a recomputation
    assert amounts == pytest.approx(modules, rel=1e-4)
    assert abs(sum(amounts.values()) - float(mean)) <= 0.005 * float(mean)
    assert root.findtext("p:processInformation/p:quantitativeReference/p:functionalUnitOrOther", namespaces=NS) \
        == declared_unit
    admin = "p:administrativeInformation/p:publicationAndOwnership/"
    assert root.findtext(admin + "common:permanentDataSetURI", namespaces=NS) == f"{BASE}/l/{demo['labels'][which]}"
    assert root.findtext(admin + "common:registrationNumber", namespaces=NS) == demo["labels"][which]
    assert root.get(f"{{{NS['epd2']}}}epd-version") == "1.3"
    assert root.findtext("p:processInformation/p:time/common:other/epd24:expirationDateOfEPD",
                         namespaces=NS) == claim["valid_until"]
    review = root.find("p:modellingAndValidation/p:validation/p:review", NS)
    assert review is not None and review.get("type") == "Accredited third party review"
    assert "CNCA-R-DEMO-001" in (review.findtext("common:reviewDetails", namespaces=NS) or "")
    gtin = root.findtext("p:processInformation/p:dataSetInformation/common:other/epd24:productIds/epd24:productId",
                         namespaces=NS)
    assert gtin == claim["gtin"]
    # undivided CO2e factors in both results: no GWP-fossil or GWP-biogenic is claimed
    assert len(root.findall("p:LCIAResults/p:LCIAResult", NS)) == 1


def test_the_schema_check_catches_a_broken_data_set(demo):
    good = process_xml(certified(demo, "active"))
    assert process_errors(good) == []
    assert process_errors(good.replace(b"<typeOfDataSet>EPD<", b"<typeOfDataSet>LCI result<"))  # fixed "EPD"
    assert process_errors(good.replace(b"<common:dataSetVersion>01.00.000<", b"<common:dataSetVersion>1<"))


def test_a_label_not_in_force_is_exported_saying_so(demo):
    label_id = demo["labels"]["revoked"]
    r = demo["client"].get(f"/api/v1/labels/{label_id}/ilcd.xml")
    assert r.status_code == 200 and process_errors(r.content) == []
    root = ET.fromstring(r.content)
    comment = root.findtext("p:processInformation/p:dataSetInformation/common:generalComment", namespaces=NS) or ""
    advice = root.findtext("p:modellingAndValidation/p:dataSourcesTreatmentAndRepresentativeness/"
                           "p:useAdviceForDataSet", namespaces=NS) or ""
    for text in (comment, advice):
        assert f"Label {label_id} is REVOKED: it is not in force" in text and "declared data found wrong" in text
    # its distribution was not counted (a data gap): A4 is not declared rather than declared as 0
    assert set(gwp_total(root)[1]) == {"A1-A3", "A4", "B6", "C4"}  # the 24-inch file declares its transport
    doc = demo["client"].get(f"/api/v1/labels/{label_id}/openepd.json").json()
    assert doc["ext"]["pcf-registry"]["status"] == "revoked" and doc["ext"]["pcf-registry"]["in_force"] is False
    assert doc["lca_discussion"].startswith(f"Label {label_id} is REVOKED")
    active = demo["client"].get(f"/api/v1/labels/{demo['labels']['active']}/openepd.json").json()
    assert active["ext"]["pcf-registry"]["status"] == "active" and active["ext"]["pcf-registry"]["in_force"] is True


@pytest.mark.parametrize("fmt", ["ilcd.xml", "openepd.json"])
def test_an_unknown_label_is_a_404_problem(demo, fmt):
    r = demo["client"].get(f"/api/v1/labels/CD-PCF-2026-999999/{fmt}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not-found" and r.json()["field"] == "label_id"


def test_a_damaged_label_is_refused_with_a_409_problem(demo):
    from sqlalchemy import text
    from sqlmodel import Session

    label_id = demo["labels"]["active_coal_grid"]  # no other test of this module reads it
    with Session(demo["reg"].engine) as s, s.begin():
        s.execute(text("UPDATE label SET value = '1', value_num = 1 WHERE label_id = :id"), {"id": label_id})
    for fmt in ("ilcd.xml", "openepd.json"):
        r = demo["client"].get(f"/api/v1/labels/{label_id}/{fmt}")
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["code"] == "label-damaged" and body["field"] == "status" and "stored value" in body["detail"]
    out = CliRunner().invoke(cli, ["export", "ilcd", label_id, "-o", str(demo["folder"] / "x.xml")], env=demo["env"])
    assert out.exit_code == 2 and out.output.startswith("error [label-damaged]: ") and out.output.count("\n") == 1
    assert not (demo["folder"] / "x.xml").exists()


# ------------------------------------------------------------------------------------------------ openEPD
@pytest.mark.parametrize(("which", "value", "declared_unit", "modules"), CASES, ids=[c[0] for c in CASES])
def test_openepd_export_loads_in_the_openepd_models_with_the_same_content(demo, which, value, declared_unit, modules):
    from openepd.model.epd import Epd

    claim = claim_of(demo, which)
    r = demo["client"].get(f"/api/v1/labels/{demo['labels'][which]}/openepd.json")
    assert r.status_code == 200, r.text
    doc = r.json()
    epd = Epd.model_validate(doc)  # raises on any invalid field
    assert epd.to_serializable() == doc  # nothing was dropped as unknown
    assert doc["ext"]["pcf-registry"]["value"] == claim["value"] == value
    assert doc["ext"]["pcf-registry"]["declared_unit"] == declared_unit
    gwp = {k: v["mean"] for k, v in doc["impacts"]["IPCC AR6"]["gwp"].items()}
    assert {k.replace("A1A2A3", "A1-A3"): v for k, v in gwp.items()} == pytest.approx(modules, rel=1e-4)
    assert abs(sum(gwp.values()) - float(value)) <= 0.005 * float(value)
    assert all(v["unit"] == "kgCO2e" for v in doc["impacts"]["IPCC AR6"]["gwp"].values())
    assert doc["declared_unit"] == ({"qty": 1.0, "unit": "kW"} if which == "active" else {"qty": 1.0, "unit": "item"})
    assert doc["valid_until"].startswith(claim["valid_until"]) and doc["version"] == claim["version"]
    assert doc["declaration_url"] == doc["third_party_verification_url"] == f"{BASE}/l/{demo['labels'][which]}"
    assert doc["program_operator"]["name"] == "PCF label registry"
    assert doc["program_operator_doc_id"] == demo["labels"][which]
    assert doc["third_party_verifier"]["name"] == "Example Certification Centre"
    assert doc["third_party_verifier"]["alt_ids"] == {"accreditation": "CNCA-R-DEMO-001"}
    assert "gwp-fossil" not in doc["impacts"]["IPCC AR6"]  # undivided CO2e factors: no split is claimed


def test_pv_mass_per_declared_unit_is_scaled_like_the_stages(demo):
    cl = certified(demo, "active")
    wp = cl.result.extra["rated_power_wp"]
    assert cl.scale == pytest.approx(1000 / wp)  # 1 kWp = 1000 / 410 modules
    doc = epd_document(cl)
    assert doc["kg_per_declared_unit"] == {"qty": pytest.approx(cl.result.extra["module_mass_kg"] * 1000 / wp),
                                           "unit": "kg"}


# ------------------------------------------------------------------------------------------------ pure mapping
def test_fossil_and_biogenic_are_written_only_when_the_result_splits_them(demo):
    cl = certified(demo, "active")
    assert cl.gwp_split_kg() is None  # 80.6 of its 122.8 kg come from factors given as undivided CO2e
    gases = {k: v for k, v in cl.result.gases.items() if k != "CO2e-unsplit"}
    split = CertifiedLabel(cl.label, cl.rule, cl.result.model_copy(update={"gases": gases}), cl.label_url,
                           cl.registry, cl.scale)
    xml = process_xml(split)
    assert process_errors(xml) == []
    results = ET.fromstring(xml).findall("p:LCIAResults/p:LCIAResult", NS)
    assert len(results) == 3  # GWP-total, GWP-fossil, GWP-biogenic
    fossil = results[1].find("common:other/epd:amount", NS)
    assert fossil is not None and fossil.get(f"{{{NS['epd']}}}module") == "A1-A3"
    # the result has no biogenic CO2: fossil = total = 122.794 kg x 1000 / 410 = 299.50 kg per kWp
    assert float(fossil.text or "nan") == pytest.approx(cl.result.total_kg_co2e * cl.scale)
    doc = epd_document(split)
    assert doc["impacts"]["IPCC AR6"]["gwp-fossil"]["A1A2A3"]["mean"] == pytest.approx(299.497, rel=1e-5)


def test_a_method_without_an_ipcc_report_is_unmappable(demo):
    cl = certified(demo, "active")
    odd = CertifiedLabel({**cl.label, "method": "ISO 14067:2018"}, cl.rule, cl.result, cl.label_url, cl.registry,
                         cl.scale)
    for export in (process_xml, epd_document):
        with pytest.raises(ExportUnmappable) as exc:
            export(odd)
        assert exc.value.field == "method"


# ------------------------------------------------------------------------------------------------ command line
def test_the_cli_writes_the_same_files_as_the_api(demo, tmp_path):
    label_id = demo["labels"]["active_monitor"]
    out = CliRunner().invoke(cli, ["export", "ilcd", label_id, "-o", str(tmp_path / "m.xml")], env=demo["env"])
    assert out.exit_code == 0, out.output
    api_xml = demo["client"].get(f"/api/v1/labels/{label_id}/ilcd.xml").content
    assert (tmp_path / "m.xml").read_bytes() == api_xml
    out = CliRunner().invoke(cli, ["export", "openepd", label_id, "-o", str(tmp_path / "m.json")], env=demo["env"])
    assert out.exit_code == 0, out.output
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8")) == \
        demo["client"].get(f"/api/v1/labels/{label_id}/openepd.json").json()
    out = CliRunner().invoke(cli, ["export", "openepd", demo["labels"]["revoked"], "-o", str(tmp_path / "r.json")],
                             env=demo["env"])
    assert out.exit_code == 0 and "label revoked: the file says so" in out.output
    out = CliRunner().invoke(cli, ["export", "openepd", "CD-PCF-2026-999999", "-o", str(tmp_path / "x.json")],
                             env=demo["env"])
    assert out.exit_code == 2 and out.output.startswith("error [not-found]: ") and out.output.count("\n") == 1
