"""Verification records (issue 17 item 4), over HTTP as a certifier, a manufacturer and a buyer use them: a
certifiable monitor cannot be approved before its verification is recorded; each bad field is refused (422 naming
it, nothing stored); the statement's hash and the report's SHA-256 enter the signed claim; the public page shows
the statement; the report goes only to the parties; a changed statement row shows the label as damaged."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar.testing import TestClient
from sqlmodel import Session, select

from api.app import create_app
from api.demo import demo_report, demo_verification_json
from registry.accounts.actors import SYSTEM, Actor
from registry.store.tables import Certificate, Verification
from tests.services import app_settings

ROOT = Path(__file__).resolve().parents[1]
MONITOR = yaml.safe_load((ROOT / "examples/registry/monitor_certifiable.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = create_app(app_settings(tmp_path_factory.mktemp("verification")))
    reg = app.state.registry
    tokens = {}
    for org_id, role in (("m1", "manufacturer"), ("m2", "manufacturer"), ("c1", "certifier"), ("c2", "certifier"),
                         ("a1", "admin")):
        reg.organisations.create_organisation(SYSTEM, role=role, name_zh=org_id, name_en=org_id, org_id=org_id,
                                              accreditation_no="CNCA-T-1" if role == "certifier" else None)
        tokens[org_id] = {"Authorization": f"Bearer {reg.organisations.create_token(SYSTEM, org_id)[1]}"}
    with TestClient(app) as client:
        client.tokens = tokens  # type: ignore[attr-defined]
        client.registry = reg  # type: ignore[attr-defined]
        yield client


def submitted(api: Any) -> str:
    r = api.post("/api/v1/products", json={"name": "Monitor 27", "model": "M-27", "category": "monitor"},
                 headers=api.tokens["m1"])
    r = api.post("/api/v1/declarations", json={"product_id": r.json()["id"], "spec": MONITOR}, headers=api.tokens["m1"])
    assert r.status_code == 201, r.text
    dec_id = r.json()["id"]
    assert api.post(f"/api/v1/declarations/{dec_id}/submit", headers=api.tokens["m1"]).status_code == 200
    return str(dec_id)


def body(**changes: Any) -> dict[str, Any]:
    return {**demo_verification_json(date.today()), **changes}


def test_a_verified_monitor_carries_its_statement_in_the_signed_claim(api: Any) -> None:
    dec_id = submitted(api)
    r = api.post(f"/api/v1/declarations/{dec_id}/approve", headers=api.tokens["c1"])
    assert r.status_code == 409 and r.json()["field"] == "verification"
    r = api.post(f"/api/v1/declarations/{dec_id}/verification", json=body(), headers=api.tokens["c1"])
    assert r.status_code == 200, r.text
    record = r.json()
    assert record["report_sha256"] == hashlib.sha256(demo_report()).hexdigest()
    assert record["opinion"] == "unmodified" and record["criteria"] == "monitor@2026.2"
    label = api.post(f"/api/v1/declarations/{dec_id}/approve", headers=api.tokens["c1"]).json()
    claim = label["claim"]
    assert claim["verification_sha256"] == record["statement_sha256"]
    assert claim["verification_report_sha256"] == record["report_sha256"]
    assert claim["certificate_number"] == f"C-{label['label_id']}" == label["certificate"]["number"]
    # the statement the public sees hashes to the signed value (RFC 8785 JSON of the statement's fields)
    public = api.get(f"/api/v1/labels/{label['label_id']}").json()
    statement = {k: v for k, v in public["verification"].items() if k != "statement_sha256"}
    import rfc8785
    assert hashlib.sha256(rfc8785.dumps(statement)).hexdigest() == claim["verification_sha256"]
    assert public["integrity"]["ok"] and public["status"] == "active"
    # the data basis is signed too: the share of the footprint on primary data (the metered assembly electricity
    # of a monitor whose use stage dominates: small), three decimals of the certified result's share
    declared = api.get(f"/api/v1/declarations/{dec_id}", headers=api.tokens["m1"]).json()["result"]
    assert public["primary_data_share"] == claim["primary_data_share"] == f"{declared['primary_data_share']:.3f}"
    assert 0 < declared["primary_data_share"] < 0.05
    page = api.get(f"/l/{label['label_id']}?lang=en").text
    assert "Verification statement" in page and record["report_sha256"] in page and "ISO 14064-3:2019" in page
    # the report: to the manufacturer, certifiers and administrators, never to others or the public
    for who in ("m1", "c1", "c2", "a1"):
        r = api.get(f"/api/v1/declarations/{dec_id}/verification/report", headers=api.tokens[who])
        assert r.status_code == 200 and r.content == demo_report(), who
        assert r.headers["content-type"] == "application/pdf" and "no-store" in r.headers["cache-control"]
    assert api.get(f"/api/v1/declarations/{dec_id}/verification/report", headers=api.tokens["m2"]).status_code == 404
    assert api.get(f"/api/v1/declarations/{dec_id}/verification/report").status_code == 401
    assert "report_base64" not in json.dumps(public) and "JVBER" not in json.dumps(public)  # no report in public JSON


PDF = base64.b64encode(b"%PDF-1.4 a report").decode()


@pytest.mark.parametrize(("changes", "field"), [
    ({"opinion": "glowing"}, "opinion"),
    ({"assurance_level": "total"}, "assurance_level"),
    ({"materiality_percent": "0"}, "materiality_percent"),
    ({"materiality_percent": "150"}, "materiality_percent"),
    ({"materiality_percent": "5%"}, "materiality_percent"),
    ({"site_visit_date": (date.today() + timedelta(days=1)).isoformat()}, "site_visit_date"),
    ({"site_visit_date": (date.today() - timedelta(days=400)).isoformat()}, "site_visit_date"),
    ({"verifiers": []}, "verifiers"),
    ({"verifiers": ["x" * 121]}, "verifiers.0"),
    ({"objectives": ""}, "objectives"),
    ({"site": "plant\x07"}, "site"),
    ({"report_base64": "not base64!"}, "report_base64"),
    ({"report_base64": base64.b64encode(b"MZ\x90\x00 an executable").decode()}, "report"),
    ({"report_base64": PDF, "report_media_type": "text/html"}, "report_media_type"),
    ({"report_base64": PDF, "report_filename": "../../etc/passwd"}, "report_filename"),
    ({"report_base64": base64.b64encode(b"%PDF-" + b"0" * (10 * 1024 * 1024)).decode()}, "report"),
])
def test_each_bad_field_is_refused_by_name_and_nothing_is_stored(api: Any, changes: dict[str, Any],
                                                                 field: str) -> None:
    dec_id = submitted(api)
    r = api.post(f"/api/v1/declarations/{dec_id}/verification", json=body(**changes), headers=api.tokens["c1"])
    assert r.status_code in (400, 422), r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in (problem.get("field") or "") or field in json.dumps(problem.get("errors", problem)), problem
    assert api.get(f"/api/v1/declarations/{dec_id}/verification", headers=api.tokens["c1"]).status_code == 404


def test_an_adverse_opinion_allows_no_label_and_the_verifying_certifier_is_the_one_that_approves(api: Any) -> None:
    dec_id = submitted(api)
    assert api.post(f"/api/v1/declarations/{dec_id}/verification", json=body(opinion="adverse"),
                    headers=api.tokens["c1"]).status_code == 200
    r = api.post(f"/api/v1/declarations/{dec_id}/approve", headers=api.tokens["c1"])
    assert r.status_code == 409 and r.json()["field"] == "verification.opinion"
    # another certifier can neither overwrite the record nor approve on it
    r = api.post(f"/api/v1/declarations/{dec_id}/verification", json=body(), headers=api.tokens["c2"])
    assert r.status_code == 409 and r.json()["field"] == "verification"
    assert api.post(f"/api/v1/declarations/{dec_id}/verification", json=body(),
                    headers=api.tokens["c1"]).status_code == 200  # recorded again by its certifier
    r = api.post(f"/api/v1/declarations/{dec_id}/approve", headers=api.tokens["c2"])
    assert r.status_code == 409 and r.json()["field"] == "verification"
    assert api.post(f"/api/v1/declarations/{dec_id}/approve", headers=api.tokens["c1"]).status_code == 200
    # a certified declaration's record is final
    r = api.post(f"/api/v1/declarations/{dec_id}/verification", json=body(), headers=api.tokens["c1"])
    assert r.status_code == 409 and r.json()["field"] == "status"
    # a manufacturer or an administrator does not record verifications
    for who in ("m1", "a1"):
        assert api.post(f"/api/v1/declarations/{submitted(api)}/verification", json=body(),
                        headers=api.tokens[who]).status_code == 403


@pytest.mark.parametrize(("table", "reason"), [
    ("verification", "the verification record differs from the signed claim"),
    ("certificate", "the certificate differs from the signed claim"),
])
def test_a_changed_statement_or_certificate_row_shows_the_label_as_damaged(api: Any, table: str, reason: str) -> None:
    dec_id = submitted(api)
    api.post(f"/api/v1/declarations/{dec_id}/verification", json=body(), headers=api.tokens["c1"])
    reg = api.registry
    # approved through the service: the HTTP answer would put the label in the public cache before the change
    label_id = reg.review.approve(Actor("c1", "certifier", "t"), dec_id).label_id
    with Session(reg.engine) as s:
        if table == "verification":  # a reasonable-assurance statement rewritten to say more than was stated
            row: Any = s.exec(select(Verification).where(Verification.declaration_id == dec_id)).one()
            row.statement = json.dumps({**json.loads(row.statement),
                                        "opinion_text": "fairly stated in all material respects"})
        else:
            row = s.exec(select(Certificate).where(Certificate.label_id == label_id)).one()
            row.number = "C-FORGED"
        s.add(row)
        s.commit()
    public = api.get(f"/api/v1/labels/{label_id}").json()
    assert public["status"] == "damaged" and public["integrity"]["reason"] == reason
    report = reg.log.verify_log()
    assert any(label_id in p and reason in p for p in report["problems"]), report


def test_each_item_the_data_could_not_decide_needs_a_note_of_what_was_checked(api: Any) -> None:
    """Issue 17 item 6: the PV module's cut-off cannot be decided from its data; the verification says what the
    verifier checked, the note is signed with the statement and shown to buyers."""
    pv = yaml.safe_load((ROOT / "examples/registry/pv_module_certifiable.yaml").read_text(encoding="utf-8"))
    r = api.post("/api/v1/products", json={"name": "Module", "category": "pv_module"}, headers=api.tokens["m1"])
    dec = api.post("/api/v1/declarations", json={"product_id": r.json()["id"], "spec": pv},
                   headers=api.tokens["m1"]).json()
    assert [i["rule"] for i in dec["checklist"]["items"] if i["status"] == "unverified"] == ["cut-off"]
    api.post(f"/api/v1/declarations/{dec['id']}/submit", headers=api.tokens["m1"])
    url = f"/api/v1/declarations/{dec['id']}/verification"
    for checks, field in (({}, "checks.cut-off"), ({"cut-off": " "}, "checks.cut-off"),
                          ({"cut-off": "ok", "boundary": "ok"}, "checks.boundary")):
        r = api.post(url, json=body(checks=checks), headers=api.tokens["c1"])
        assert r.status_code == 422 and r.json()["field"] == field, (checks, r.text)
    note = "excluded inputs (labels, glue) weighed against the bill of materials: 0.4 % of the module mass"
    r = api.post(url, json=body(checks={"cut-off": note}), headers=api.tokens["c1"])
    assert r.status_code == 200 and r.json()["checks"] == {"cut-off": note}
    label = api.post(f"/api/v1/declarations/{dec['id']}/approve", headers=api.tokens["c1"]).json()
    public = api.get(f"/api/v1/labels/{label['label_id']}").json()
    assert public["verification"]["checks"] == {"cut-off": note} and public["integrity"]["ok"]
    assert note in api.get(f"/l/{label['label_id']}?lang=en").text
