"""PACT exchange: labels as v2.3 / v3.0 ProductFootprints, schema validation, events, errors, import.

Results come from the engine on the repository's examples (a 410 Wp PERC module made in Sichuan, a 27-inch
monitor); the label dicts around them are written out as ``LabelView.to_json()`` gives them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.documents import read_document
from footprint.calculate import calculate
from footprint.model import FactorSet
from footprint.products import to_spec
from registry.errors import InvalidInput
from registry.interop.pact import events as pact_events
from registry.interop.pact import mapping as pact
from registry.interop.pact import schema as pact_schema
from registry.interop.pact import supplier as pact_supplier
from registry.interop.pact import terms as pact_terms
from registry.interop.pact import validation as pact_validation

ROOT = Path(__file__).resolve().parents[1]
SPEC_EXAMPLES = Path(__file__).parent / "pact_schemas"
SPEC_DIR = ROOT / "registry" / "interop" / "pact" / "spec"
DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")
COMMIT = "cf4ebedb18d42f3453bcc868e01159321297c09a"


@pytest.fixture(scope="module")
def results(release_factors: FactorSet) -> dict[str, dict[str, Any]]:
    out = {}
    for name, file in (("pv", "pv_perc_sichuan.yaml"), ("monitor", "registry/monitor_certifiable.yaml")):
        spec = to_spec(read_document(ROOT / "examples" / file), release_factors)
        out[name] = calculate(spec, release_factors).to_json()
    return out


def make_label(result: dict[str, Any], kind: str = "pv", **changes: Any) -> dict[str, Any]:
    """A label as LabelView.to_json() gives it, around an engine result."""
    base: dict[str, Any] = {
        "label_id": "CD-PCF-2026-000123", "version": 1, "status": "active", "status_reason": "",
        "value": "302", "unit": "kg CO2e", "declared_unit": "1 kWp", "boundary": "cradle-to-gate",
        "method": "GB/T 24067-2024 (ISO 14067:2018); IPCC AR6 GWP100", "category": "pv_module",
        "valid_from": "2026-11-22", "valid_until": "2029-11-22", "issued_at": "2026-11-22T08:00:01+00:00",
        "product": {"id": "prd_0a1b2c3d", "name": "410 Wp mono PERC module", "model": "EX-410M",
                    "gtin": "06901234567892"},
        "gtin": "06901234567892",
        "manufacturer": {"id": "org_maker", "name_zh": "示例光伏有限公司", "name_en": "Example Solar Co., Ltd."},
        "certifier": {"id": "org_cert", "name_zh": "示例认证中心", "name_en": "Example Certification Centre",
                      "accreditation_no": "CNAS C123-P"},
        "supersedes": None, "superseded_by": None,
        "claim": {"label_id": "CD-PCF-2026-000123", "input_sha256": result["input_sha256"], "factor_release": "2026.2"},
        "signature": "c2ln", "key_id": "k-2026-01", "payload": "PCF1.123", "log_index": 7,
        "supply_chain": [], "supplier_data_changed": False, "green_electricity_share": None,
        "stages_kg_co2e": result["stages"],
    }
    if kind == "monitor":
        base |= {"value": "472", "declared_unit": "1 monitor over 6 years of use", "boundary": "cradle-to-grave",
                 "category": "monitor", "gtin": None,
                 "product": {"id": "prd_mon27", "name": "27-inch LCD monitor", "model": "M27", "gtin": None}}
    return base | changes


def export(results: dict[str, dict[str, Any]], kind: str, version: str, **label_changes: Any) -> dict[str, Any]:
    result = results[kind]
    return pact.to_product_footprint(make_label(result, kind, **label_changes), result, version)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ mapping
@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize("kind", ["pv", "monitor"])
def test_labels_map_to_valid_footprints(results, kind, version):
    pf = export(results, kind, version)
    assert pact_validation.validate(pf, version) == []
    assert pf["specVersion"] == {"2": "2.3.0", "3": "3.0.0"}[version]
    assert pf["status"] == "Active"


def test_pv_module_is_one_piece_in_v3_and_its_kilograms_in_v2(results):
    pv = results["pv"]
    total, mass, wp = pv["total_kg_co2e"], pv["extra"]["module_mass_kg"], pv["extra"]["rated_power_wp"]
    v3 = export(results, "pv", "3")["pcf"]
    assert (v3["declaredUnitOfMeasurement"], v3["declaredUnitAmount"]) == ("piece", "1")
    assert float(v3["pcfExcludingBiogenicUptake"]) == pytest.approx(total, rel=1e-5)  # 122.79 kg per module
    # the label's 299 kg CO2e per kWp (rounded to 1 kg) times 0.41 kWp is the same module within 0.5 x 0.41 kg
    assert abs(299 * wp / 1000 - float(v3["pcfExcludingBiogenicUptake"])) <= 0.5 * wp / 1000
    assert float(v3["productMassPerDeclaredUnit"]) == pytest.approx(mass, rel=1e-5)
    v2 = export(results, "pv", "2")["pcf"]
    assert v2["declaredUnit"] == "kilogram" and float(v2["unitaryProductAmount"]) == pytest.approx(mass, rel=1e-5)
    # per kilogram: 122.79 kg CO2e / 21.29 kg = 5.77 kg CO2e/kg; times the amount gives the module back
    assert float(v2["pCfExcludingBiogenic"]) * float(v2["unitaryProductAmount"]) == pytest.approx(total, rel=1e-4)
    assert v3["geographyCountrySubdivision"] == "CN-SC"


def test_cradle_to_grave_label_exports_its_cradle_to_gate_part(results):
    mon = results["monitor"]
    upstream = mon["stages"]["raw_materials"] + mon["stages"]["production"]  # 0 + 327.5
    pcf = export(results, "monitor", "3")["pcf"]
    assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(upstream, rel=1e-5)
    assert float(pcf["pcfExcludingBiogenicUptake"]) < mon["total_kg_co2e"]  # 472.1 with use and end of life
    assert "use 137.9" in pcf["boundaryProcessesDescription"]
    v2 = export(results, "monitor", "2")["pcf"]
    assert float(v2["pCfExcludingBiogenic"]) == pytest.approx(upstream / mon["extra"]["mass_kg"], rel=1e-5)  # / 8.3 kg


@pytest.mark.parametrize(("status", "pact_status"), [
    ("active", "Active"), ("suspended", "Deprecated"), ("revoked", "Deprecated"), ("expired", "Deprecated"),
    ("superseded", "Deprecated"),
])
def test_status_mapping(results, status, pact_status):
    v2 = export(results, "pv", "2", status=status, status_reason="wrong wafer supplier")
    v3 = export(results, "pv", "3", status=status, status_reason="wrong wafer supplier")
    assert v2["status"] == v3["status"] == pact_status
    assert "statusComment" not in v3 and "version" not in v3  # both removed in v3
    if pact_status == "Active":
        assert "statusComment" not in v2 and v2["version"] == 0
    else:
        assert v2["statusComment"] == f"Label {status}: wrong wafer supplier" and v2["version"] == 1
    assert pact_validation.validate(v2, "2") == [] and pact_validation.validate(v3, "3") == []


def test_preceding_ids_name_the_superseded_label_and_the_previous_generation(results):
    pf = export(results, "pv", "3", supersedes="CD-PCF-2026-000100")
    assert pf["precedingPfIds"] == [pact_terms.footprint_id("CD-PCF-2026-000100")]
    assert "precedingPfIds" not in export(results, "pv", "3")
    reinstated = pact.to_product_footprint(make_label(results["pv"]), results["pv"], "3", generation=1)
    assert reinstated["id"] != export(results, "pv", "3")["id"]
    assert reinstated["precedingPfIds"] == [pact_terms.footprint_id("CD-PCF-2026-000123")]


def test_ids_are_deterministic_uuid5(results):
    a, b = export(results, "pv", "3"), export(results, "pv", "3")
    assert a == b
    assert uuid.UUID(a["id"]).version == 5
    assert a["id"] == str(uuid.uuid5(pact_terms.PACT_NAMESPACE, "CD-PCF-2026-000123"))
    assert a["id"] == export(results, "pv", "2")["id"]  # the same footprint on /2 and /3
    assert export(results, "pv", "3", label_id="CD-PCF-2026-000124")["id"] != a["id"]


V2_NUMBERS = {"exemptedEmissionsPercent", "primaryDataShare"}  # Number in v2.x, Decimal strings in v3.0


@pytest.mark.parametrize("version", ["2", "3"])
def test_decimals_are_strings(results, version):
    pcf = export(results, "pv", version)["pcf"]
    for name, value in pcf.items():
        if isinstance(value, bool | dict | list):
            continue
        if version == "2" and name in V2_NUMBERS:
            assert isinstance(value, float), name
        elif isinstance(value, int | float) or (isinstance(value, str) and DECIMAL.match(value)):
            assert isinstance(value, str) and DECIMAL.match(value), name
    if version == "3":
        assert all(isinstance(v, str) and DECIMAL.match(v) for v in pcf["dqi"].values())


def test_product_and_company_urns(results):
    pf = export(results, "pv", "3")
    assert pf["productIds"] == ["urn:gtin:06901234567892", "urn:pact:pcf-registry.example:product-id:prd_0a1b2c3d"]
    assert pf["companyIds"] == ["urn:pact:pcf-registry.example:company-id:org_maker"]
    assert pf["productClassifications"] == ["urn:cpc:47150"]
    assert "urn:gtin" not in json.dumps(export(results, "monitor", "3")["productIds"])


def test_validity_and_reference_period(results):
    pf = export(results, "pv", "3")
    assert (pf["pcf"]["referencePeriodStart"], pf["pcf"]["referencePeriodEnd"]) == (
        "2025-11-22T00:00:00Z", "2026-11-22T00:00:00Z")
    # label valid through 2029-11-22 inclusive = PACT end 2029-11-23 exclusive, capped at reference end + 3 years
    assert (pf["validityPeriodStart"], pf["validityPeriodEnd"]) == ("2026-11-22T00:00:00Z", "2029-11-22T00:00:00Z")


@pytest.mark.parametrize("pedigree,dqr", [(1, 1.0), (3, 2.0), (5, 3.0), (2.4, 1.7), (0.5, 1.0), (7, 3.0)])
def test_pedigree_to_pact_dqr(pedigree, dqr):
    assert pact_terms.pact_dqr(pedigree) == dqr  # (p + 1) / 2, kept within 1..3


def test_v2_dqi_from_the_result(results):
    dqi = export(results, "pv", "2")["pcf"]["dqi"]
    dq = results["pv"]["data_quality"]  # technological 2.51 -> 1.755 -> 1.75 (round half even on 2 places)
    assert dqi["technologicalDQR"] == pact_terms.pact_dqr(dq["technological"])
    assert dqi["reliabilityDQR"] == pact_terms.pact_dqr(dq["reliability"])  # 3.35 -> 2.17 (rounded)


@pytest.mark.parametrize(("x", "text"), [
    (123.85850096113825, "123.859"), (0.000123456789, "0.000123457"), (0.0, "0"), (-0.0, "0"), (1e-12, "0.000000000001"),
    (302, "302"), (5.0, "5"), ("12.50", "12.5"), (1234567.89, "1234570"),
])
def test_decimal_text(x, text):
    assert pact_terms.decimal_text(x) == text


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_decimal_text_is_a_pact_decimal_close_to_the_number(x):
    text = pact_terms.decimal_text(x)
    assert DECIMAL.match(text)
    assert float(text) == pytest.approx(x, rel=1e-5, abs=1e-300)


def test_unmappable_labels(results):
    pv = results["pv"]
    with pytest.raises(pact_terms.PactUnmappable) as info:
        pact.to_product_footprint(make_label(pv), None, "3")
    assert info.value.field == "result"
    with pytest.raises(pact_terms.PactUnmappable, match="input"):
        pact.to_product_footprint(make_label(pv), results["monitor"], "3")
    with pytest.raises(pact_terms.PactUnmappable) as info:
        pact.to_product_footprint(make_label(pv, category="component", declared_unit="1 piece"), pv, "2")
    assert info.value.field == "category"  # no CPC code: v2 needs one
    with pytest.raises(ValueError):
        pact.to_product_footprint(make_label(pv), pv, "4")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ validate
@pytest.mark.parametrize(("version", "path", "change"), [
    ("2", "pcf.fossilGhgEmissions", "delete"),
    ("3", "pcf.fossilGhgEmissions", "delete"),
    ("2", "pcf.productCategoryCpc", "move"),
    ("2", "companyIds", "delete"),
    ("3", "pcf.productMassPerDeclaredUnit", "delete"),
    ("3", "pcf.declaredUnitOfMeasurement", "kWp"),
    ("2", "pcf.pCfExcludingBiogenic", 5.05),
    ("3", "pcf.pcfExcludingBiogenicUptake", "123,86"),
    ("2", "pcf.dqi.reliabilityDQR", 4.0),
    ("3", "id", "CD-PCF-2026-000123"),
    ("3", "created", "22/11/2026"),
    ("2", "pcf.dqi", "delete"),
])
def test_validate_names_the_field(results, version, path, change):
    pf = copy.deepcopy(export(results, "pv", version))
    *parents, last = path.split(".")
    if last == "productCategoryCpc":  # it lives on the footprint, not in pcf
        parents, last = [], "productCategoryCpc"
    node = pf
    for p in parents:
        node = node[p]
    if change in ("delete", "move"):
        del node[last]
    else:
        node[last] = change
    errors = pact_validation.validate(pf, version)
    wanted = ".".join([*parents, last])
    assert any(e.startswith(wanted + ":") for e in errors), errors


def test_validity_window_is_checked(results):
    pf = export(results, "pv", "3")
    pf["validityPeriodEnd"] = "2030-01-01T00:00:00Z"  # reference end 2026-11-22 + 3 years = 2029-11-22
    assert pact_validation.validate(pf,
                                    "3") == ["validityPeriodEnd: must not be later than pcf.referencePeriodEnd + 3 years"]


def test_spec_examples_pass_the_derived_schemas():
    v2 = json.loads((SPEC_EXAMPLES / "spec-v2-get-footprint-response.json").read_text())["data"]
    v3 = json.loads((SPEC_EXAMPLES / "spec-v3-example-2.json").read_text())
    assert pact_validation.schema_errors(v2, "2") == [] and pact_validation.schema_errors(v3, "3") == []


def git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


#: file -> git blob id at COMMIT: the vendored third-party files must stay byte-for-byte unchanged copies
UNCHANGED_COPIES = {
    SPEC_DIR / "v2-openapi.yaml": "93a5dafe65fa2b0b342ffebada71073b1290443c",  # spec/v2/openapi.yaml
    SPEC_DIR / "v3-openapi.yaml": "49829070e7f8401e9041275e578ce7c9972ccc06",  # spec/v3/openapi.yaml
    SPEC_DIR / "LICENSE.md": "74ba83a111221365c362ca8593b93af01f1a087d",
    SPEC_EXAMPLES / "spec-v2-get-footprint-response.json": "5d376490983e5a181f0c9169c49e9b4ae24335c8",
    SPEC_EXAMPLES / "spec-v3-example-2.json": "866eed1af53a71e54bb97d87a0c0097a51aecb40",
    SPEC_EXAMPLES / "spec-v3-pf-response-event.json": "79aec79ccb858a8710f64f47e4f7f9af6d1f4c7e",
}


@pytest.mark.parametrize("path", list(UNCHANGED_COPIES), ids=lambda p: p.name)
def test_vendored_spec_files_are_unchanged_copies(path):
    assert git_blob_id(path) == UNCHANGED_COPIES[path]


def test_schemas_are_built_in_memory_and_name_their_source():
    for version, spec in (("2", "spec/v2/openapi.yaml"), ("3", "spec/v3/openapi.yaml")):
        document = pact_validation.schema_document(version)  # type: ignore[arg-type]
        assert f"{COMMIT}:{spec}" in document["$comment"]
        assert pact_validation.schema_document(version) is document  # type: ignore[arg-type]  # converted once, cached
        assert "ProductFootprint" in document["$defs"]
        assert "description" not in json.dumps(document["$defs"]["ProductFootprint"]["properties"]["id"])
    assert pact_schema.SOURCE_COMMIT == COMMIT
    assert sorted(p.name for p in SPEC_DIR.iterdir()) == ["LICENSE.md", "README.md", "v2-openapi.yaml",
                                                          "v3-openapi.yaml"]  # no derived file on disk
    assert not (ROOT / "registry" / "pact_schemas").exists()
    readme = (SPEC_DIR / "README.md").read_text()
    assert COMMIT in readme and "Disclaimer of Warranties" in readme and "Apache-2.0" in readme
    for path, blob in UNCHANGED_COPIES.items():
        assert blob in (readme if path.parent == SPEC_DIR else (SPEC_EXAMPLES / "README.md").read_text())
    assert "registry/pact_spec/LICENSE.md" in (SPEC_EXAMPLES / "README.md").read_text()


# ------------------------------------------------------------------------------------------ events
REQUEST_V3 = {  # the conformance service's TESTCASE#12 body
    "specversion": "1.0", "id": "run-1/12", "source": "https://webhook.example.com",
    "time": "2026-11-22T10:30:00Z", "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
    "data": {"productId": ["urn:gtin:06901234567892"], "comment": "Please send PCF data for this year."},
}
REQUEST_V2 = {
    "specversion": "1.0", "id": "run-1/12", "source": "https://webhook.example.com",
    "time": "2026-11-22T10:30:00Z", "type": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
    "data": {"pf": {"productIds": ["urn:gtin:06901234567892"]}, "comment": "Please send PCF data."},
}
PUBLISHED_V3 = {
    "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3", "specversion": "1.0", "id": "e-15",
    "source": "https://webhook.example.com", "time": "2026-11-22T10:30:00Z",
    "data": {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]},
}


@pytest.mark.parametrize(("body", "version", "kind"), [
    (REQUEST_V3, "3", "request_created"), (REQUEST_V2, "2", "request_created"), (PUBLISHED_V3, "3", "published"),
])
def test_events_parse(body, version, kind):
    event = pact_events.parse_event(body, version)
    assert (event.kind, event.id, event.time) == (kind, body["id"], datetime(2026, 11, 22, 10, 30, tzinfo=UTC))
    assert event.to_json() == body


def test_the_spec_fulfilled_event_example_parses():
    body = json.loads((SPEC_EXAMPLES / "spec-v3-pf-response-event.json").read_text())
    assert pact_events.parse_event(body, "3").kind == "request_fulfilled"


@pytest.mark.parametrize(("change", "version", "field"), [
    ({"specversion": "0.3"}, "3", "specversion"),
    ({"specversion": None}, "3", "specversion"),
    ({"id": ""}, "3", "id"),
    ({"source": None}, "3", "source"),
    ({"type": "com.example.Other"}, "3", "type"),
    ({"type": "org.wbcsd.pathfinder.ProductFootprint.Published.v1"}, "3", "type"),  # a v2 type on /3
    ({"time": "yesterday"}, "3", "time"),
    ({"time": "2026-11-22 10:30"}, "3", "time"),
    ({"data": ["x"]}, "3", "data"),
    ({"data": {"pfIds": ["urn:gtin:4712345060507"]}}, "3", "data.pfIds[0]"),  # TESTCASE#40
    ({"data": {"pfIds": "3a6c14a7-4deb-498a-b5ea-16ce2535b576"}}, "3", "data.pfIds"),
    ({"data": {"pfIds": ["urn:gtin:4712345060507"]}, "type": "org.wbcsd.pathfinder.ProductFootprint.Published.v1"},
     "2", "data.pfIds[0]"),  # v2 TESTCASE#21
])
def test_bad_events_raise_naming_the_field(change, version, field):
    with pytest.raises(pact_terms.PactError) as info:
        pact_events.parse_event(PUBLISHED_V3 | change, version)
    assert info.value.field == field
    assert isinstance(info.value, InvalidInput) and info.value.code == "pact-bad-request"


def test_a_v2_request_without_pf_is_rejected():
    with pytest.raises(pact_terms.PactError) as info:
        pact_events.parse_event(REQUEST_V2 | {"data": {"comment": "no pf"}}, "2")
    assert info.value.field == "data.pf"


@pytest.mark.parametrize(("request_body", "version"), [(REQUEST_V3, "3"), (REQUEST_V2, "2")])
def test_fulfilled_and_rejected_events(results, request_body, version):
    request = pact_events.parse_event(request_body, version)
    when = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    pf = export(results, "pv", version)
    fulfilled = pact_events.fulfilled_event(request, [pf], "https://registry.example/events", event_id="f-1", time=when)
    assert fulfilled["data"]["requestEventId"] == "run-1/12"
    assert pact_validation.schema_errors(fulfilled, version, "RequestFulfilledEvent") == []
    assert pact_events.parse_event(fulfilled, version).kind == "request_fulfilled"
    code = pact_terms.NOT_FOUND_CODE[version]
    rejected = pact_events.rejected_event(request, code, "no footprint for urn:pact:null", "https://registry.example/events",
                                   event_id="r-1", time=when)
    assert rejected["data"]["error"] == {"code": code, "message": "no footprint for urn:pact:null"}
    if version == "3":  # v2's Error enum has no NoSuchFootprint although its error table does: see NOT_FOUND_CODE
        assert pact_validation.schema_errors(rejected, version, "RequestRejectedEvent") == []
    with pytest.raises(ValueError):
        pact_events.fulfilled_event(request, [], "https://registry.example/events")
    published = pact_events.published_event([pf["id"]], version, "https://registry.example/events")
    assert pact_events.parse_event(published, version).kind == "published"


def test_error_bodies_and_statuses():
    assert pact_terms.error_body("AccessDenied", "Access denied") == {"code": "AccessDenied", "message": "Access denied"}
    assert pact_terms.error_body("TokenExpired")["message"] == "The specified access token has expired"
    assert {c: pact_terms.ERROR_HTTP_STATUS[c] for c in ("AccessDenied", "BadRequest", "NoSuchFootprint", "NotFound",
                                                    "NotImplemented", "TokenExpired", "InternalError")} == {
        "AccessDenied": 403, "BadRequest": 400, "NoSuchFootprint": 404, "NotFound": 404, "NotImplemented": 400,
        "TokenExpired": 401, "InternalError": 500}
    with pytest.raises(ValueError):
        pact_terms.error_body("Teapot", "short and stout")


# ------------------------------------------------------------------------------------------ import
def test_spec_v3_example_becomes_a_factor():
    pf = json.loads((SPEC_EXAMPLES / "spec-v3-example-2.json").read_text())
    factor = pact_supplier.from_product_footprint(pf)
    # 5.14 kg CO2e per declared unit of 12 liter = 0.42833 kg CO2e per liter
    assert (factor.factor_id, factor.unit) == (f"pact.{pf['id']}", "L")
    assert factor.kg_co2e_per_unit == pytest.approx(5.14 / 12)
    data = factor.to_factor_data()
    assert (data.id, data.unit, data.category, data.geography, data.year) == (factor.factor_id, "L", "component", "US", 2024)
    assert data.value_kg_co2e == pytest.approx(0.428333, rel=1e-5) and data.gases == {"CO2e-unsplit": data.value_kg_co2e}
    assert factor.provenance["company_name"] == "Company 2" and factor.provenance["spec_version"] == "3.0.0"


def test_spec_v2_example_becomes_a_factor():
    pf = json.loads((SPEC_EXAMPLES / "spec-v2-get-footprint-response.json").read_text())["data"]
    factor = pact_supplier.from_product_footprint(pf)
    assert (factor.unit, factor.kg_co2e_per_unit) == ("L", pytest.approx(1.63))  # v2: already per 1 liter


@pytest.mark.parametrize("version", ["2", "3"])
def test_own_export_round_trips(results, version):
    pv = results["pv"]
    factor = pact_supplier.from_product_footprint(export(results, "pv", version))
    if version == "3":
        assert (factor.unit, factor.kg_co2e_per_unit) == ("piece", pytest.approx(pv["total_kg_co2e"], rel=1e-5))
    else:  # per kilogram of module: 123.86 / 24.54
        per_kg = pv["total_kg_co2e"] / pv["extra"]["module_mass_kg"]
        assert (factor.unit, factor.kg_co2e_per_unit) == ("kg", pytest.approx(per_kg, rel=1e-5))
    assert factor.provenance["product_ids"][0] == "urn:gtin:06901234567892"
    assert factor.provenance["assurance"]["providerName"] == "Example Certification Centre"


def test_import_refuses_deprecated_and_invalid_footprints(results):
    with pytest.raises(pact_terms.PactError) as info:
        pact_supplier.from_product_footprint(export(results, "pv", "3", status="revoked"))
    assert info.value.field == "status"
    broken = export(results, "pv", "3")
    del broken["pcf"]["declaredUnitAmount"]
    with pytest.raises(pact_terms.PactError) as info:
        pact_supplier.from_product_footprint(broken)
    assert info.value.field == "pcf.declaredUnitAmount"
    with pytest.raises(pact_terms.PactError) as info:
        pact_supplier.from_product_footprint(export(results, "pv", "3") | {"specVersion": "1.0.0"})
    assert info.value.field == "specVersion"


def test_supplier_factor_checks_itself():
    with pytest.raises(ValueError):
        pact_supplier.SupplierFactor("pact.x", "kg", -1.0, "x", "CN", 2026)
    assert Decimal(pact_terms.decimal_text(0.1 + 0.2)) == Decimal("0.3")
