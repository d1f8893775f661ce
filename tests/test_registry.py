"""The registry's workflow, on SQLite and on PostgreSQL: declarations, review, labels, supply chain, green
electricity, signatures, the log, and what bad input and wrong roles leave behind (nothing)."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from api.demo import record_demo_verification
from registry.accounts.actors import SYSTEM, Actor
from registry.errors import (
    CitationNotActive,
    Conflict,
    Forbidden,
    InvalidCitation,
    InvalidInput,
    NotFound,
    ResultMismatch,
    SerialClaimed,
    Unauthenticated,
)
from registry.services import Registry
from registry.store.db import make_engine
from registry.store.tables import AuditEvent, Declaration, GreenClaim, Label, LogEntry
from registry.trust import payload, tlog
from tests.services import Clock

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def doc(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))




@pytest.fixture
def world(db_url):
    clock = Clock()
    reg = Registry(make_engine(db_url), b"k" * 32, origin="test.pcf-registry/log", clock=clock)
    reg.init()
    mk = reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="示例光伏", name_en="Example PV",
                                 org_id="org_pv")
    other = reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="另一家", name_en="Other Co",
                                                  org_id="org_other")
    cert = reg.organisations.create_organisation(SYSTEM, role="certifier", name_zh="示例认证", name_en="Example Cert",
                                   org_id="org_cert", accreditation_no="CNCA-R-2026-001")
    cert2 = reg.organisations.create_organisation(SYSTEM, role="certifier", name_zh="第二认证", name_en="Second Cert",
                                    org_id="org_cert2", accreditation_no="CNCA-R-2026-002")

    return SimpleNamespace(reg=reg, clock=clock, mk=Actor(mk.id, "manufacturer", "t"),
                           other=Actor(other.id, "manufacturer", "t"), cert=Actor(cert.id, "certifier", "t"),
                           cert2=Actor(cert2.id, "certifier", "t"))


def counts(reg: Registry) -> dict[str, int]:
    with Session(reg.engine) as s:
        return {t.__tablename__: s.exec(select(func.count()).select_from(t)).one()
                for t in (Declaration, Label, LogEntry, AuditEvent, GreenClaim)}


def certify(w, product_id: str, spec: dict) -> Label:
    dec = w.reg.declarations.create_declaration(w.mk, product_id=product_id, spec=spec)
    w.reg.declarations.submit(w.mk, dec.id)
    record_demo_verification(w.reg, w.cert, dec.id)
    return w.reg.review.approve(w.cert, dec.id)


def test_uscc_check_character_is_verified():
    from registry.ids import uscc

    # published codes (business licences of Huawei Technologies and Tencent Computer Systems, Shenzhen)
    assert uscc("914403001922038216") == "914403001922038216"
    assert uscc("91440300708461136t") == "91440300708461136T"
    with pytest.raises(InvalidInput, match="expected 6"):
        uscc("914403001922038215")


def test_the_whole_life_of_a_label(world):
    w = world
    reg = w.reg
    product = reg.products.create_product(w.mk, name="Example 410 Wp module", model="EX-410", category="pv_module",
                                 gtin="6901234567892")
    assert product.gtin == "06901234567892"
    spec = doc("pv_perc_sichuan.yaml")
    dec = reg.declarations.create_declaration(w.mk, product_id=product.id, spec=spec)
    assert dec.status == "draft" and dec.input_sha256 == json.loads(dec.result)["input_sha256"]
    assert json.loads(dec.checklist)["passed"] is True
    # nobody else sees the draft
    with pytest.raises(NotFound):
        reg.declarations.get_declaration(w.other, dec.id)
    with pytest.raises(NotFound):
        reg.declarations.get_declaration(w.cert, dec.id)
    reg.declarations.submit(w.mk, dec.id)
    assert reg.declarations.get_declaration(w.cert, dec.id).status == "submitted"
    with pytest.raises(Forbidden):
        reg.review.approve(w.mk, dec.id)
    record_demo_verification(reg, w.cert, dec.id)
    label = reg.review.approve(w.cert, dec.id)
    assert label.label_id == "CD-PCF-2026-000001" and label.version == 1 and label.status == "active"
    # the label states the PV rule's value: kg CO2e per kWp, rounded to the rule's significant figures
    result = json.loads(dec.result)
    assert label.unit == "kg CO2e" and label.declared_unit == "1 kWp"
    assert float(label.value) == pytest.approx(result["per_kwp_kg_co2e"], rel=5e-3)
    assert (label.valid_until - label.valid_from).days in (730, 731)  # the certificate's 2 years (the rule says 3)

    # offline: the payload verifies against the published trust list, with no database
    trust = payload.TrustList.from_json(reg.keys.trust_list())
    checked = payload.verify_payload(label.payload, trust)
    assert checked.valid and checked.claim is not None, checked.reason
    assert payload.matches_full_claim(checked.claim, json.loads(label.claim))

    for action, expected in ((reg.status.suspend, "suspended"), (reg.status.reinstate, "active"), (reg.status.revoke,
                                                                                                   "revoked")):
        action(w.cert, label.label_id, f"test: {expected}")
        assert reg.public.label_view(label.label_id).status == expected
    with pytest.raises(Conflict):
        reg.status.reinstate(w.cert, label.label_id, "cannot come back")

    # every step is in the log: key events, issuance, three status changes
    with Session(reg.engine) as s:
        kinds = [e.kind for e in s.exec(select(LogEntry).order_by(col(LogEntry.index)))]
    assert kinds[-4:] == ["label.issued", "label.status", "label.status", "label.status"]
    checkpoints = []
    for size in range(1, len(kinds) + 1):
        with Session(reg.engine) as s:
            from registry.log import store as tlog_store

            cp = tlog_store.checkpoint_at(s, size)
            assert cp is not None
            checkpoints.append(cp)
    vkey = reg.log.registry_vkey()
    for cp in checkpoints:
        assert tlog.open_checkpoint(cp.note, vkey).valid
    for a in checkpoints:  # consistency between every pair of checkpoints
        for b in checkpoints:
            if a.size <= b.size:
                proof = [base64.b64decode(h) for h in reg.log.consistency(a.size, b.size)["proof"]]
                assert tlog.verify_consistency(a.size, b.size, a.root, b.root, proof)
    bundle = reg.log.proof_bundle(label.label_id)
    from registry.trust.proofs import verify_label_bundle

    assert verify_label_bundle(bundle, vkey, trust).valid
    forged = {**bundle, "claim": bundle["claim"].replace(label.value, "1")}
    assert "claim hash" in verify_label_bundle(forged, vkey, trust).reason
    report = reg.log.verify_log()
    assert report["ok"], report["problems"]
    # the audit trail has before/after hashes of each change
    trail = reg.public.audit_trail(label.label_id)
    assert [e.action for e in trail] == ["label.issue", "label.suspended", "label.active", "label.revoked"]
    assert all(e.after_sha256 for e in trail) and all(e.before_sha256 for e in trail[1:])


def test_roles_and_visibility(world):
    w = world
    reg = w.reg
    with pytest.raises(Forbidden):
        reg.products.create_product(w.cert, name="x", category="monitor")
    product = reg.products.create_product(w.mk, name="Monitor", category="monitor")
    with pytest.raises(NotFound):  # another manufacturer's product
        reg.declarations.create_declaration(w.other, product_id=product.id, spec=doc("registry/monitor_certifiable.yaml"))
    dec = reg.declarations.create_declaration(w.mk, product_id=product.id, spec=doc("registry/monitor_certifiable.yaml"))
    with pytest.raises(NotFound):
        reg.declarations.submit(w.other, dec.id)
    reg.declarations.submit(w.mk, dec.id)
    with pytest.raises(Forbidden):
        reg.review.reject(w.mk, dec.id, "no")
    with pytest.raises(InvalidInput):
        reg.review.reject(w.cert, dec.id, "  ")
    reg.review.reject(w.cert, dec.id, "stage split missing")
    assert reg.declarations.get_declaration(w.mk, dec.id).comments == "stage split missing"
    reg.declarations.submit(w.mk, dec.id)  # a rejected declaration can be fixed and submitted again
    record_demo_verification(reg, w.cert, dec.id)
    label = reg.review.approve(w.cert, dec.id)
    with pytest.raises(Forbidden):  # only the issuing certifier changes a label's status
        reg.status.suspend(w.cert2, label.label_id, "not mine")
    with pytest.raises(Forbidden):
        reg.status.revoke(w.mk, label.label_id, "manufacturers cannot")


def test_tokens_hashed_expiring_revocable(world):
    w = world
    reg = w.reg
    row, secret = reg.organisations.create_token(SYSTEM, "org_pv", name="ci", days=30)
    assert secret not in json.dumps(row.model_dump(mode="json"))  # only the hash is stored
    assert reg.organisations.authenticate(secret) == Actor("org_pv", "manufacturer", row.id)
    with pytest.raises(Unauthenticated, match="unknown"):
        reg.organisations.authenticate(secret + "x")
    w.clock.now += timedelta(days=31)
    with pytest.raises(Unauthenticated, match="expired"):
        reg.organisations.authenticate(secret)
    row2, secret2 = reg.organisations.create_token(w.mk, "org_pv", days=30)
    with pytest.raises(Forbidden):
        reg.organisations.create_token(w.mk, "org_other")
    reg.organisations.revoke_token(w.mk, row2.id)
    with pytest.raises(Unauthenticated, match="revoked"):
        reg.organisations.authenticate(secret2)


def test_a_result_that_differs_is_refused_and_nothing_is_stored(world):
    w = world
    reg = w.reg
    product = reg.products.create_product(w.mk, name="Module", category="pv_module")
    spec = doc("pv_perc_sichuan.yaml")
    dec = reg.declarations.create_declaration(w.mk, product_id=product.id, spec=spec)
    good = json.loads(dec.result)["total_kg_co2e"]
    before = counts(reg)
    with pytest.raises(ResultMismatch) as err:
        reg.declarations.create_declaration(w.mk, product_id=product.id, spec=spec, result={"total_kg_co2e": good * 1.01})
    assert err.value.field == "result.total_kg_co2e"
    from footprint.errors import SpecificationError

    with pytest.raises(SpecificationError) as err2:  # a bad product file names the field
        bad = copy.deepcopy(spec)
        bad["area_m2"] = -1
        reg.declarations.create_declaration(w.mk, product_id=product.id, spec=bad)
    assert err2.value.path == "area_m2"
    assert counts(reg) == before
    # the manufacturer's own, equal result is accepted
    reg.declarations.create_declaration(w.mk, product_id=product.id, spec=spec, result={"total_kg_co2e": good})
    del err2


def test_supply_chain_citation_and_its_revocation(world):
    w = world
    reg = w.reg
    glass = reg.products.create_product(w.other, name="Solar glass", category="component")
    glass_label = certify_for(w, w.other, glass.id, doc("supplier_glass_sichuan.yaml"))
    laminate = doc("registry/glass_glass_laminate_cites_supplier.yaml")
    laminate["processes"][0]["inputs"][0]["supplier_label"] = glass_label.label_id
    product = reg.products.create_product(w.mk, name="Laminate", category="component")
    dec = reg.declarations.create_declaration(w.mk, product_id=product.id, spec=laminate)
    # the cited label counts as its certified value per m2: 4 m2 x glass value, plus EVA and electricity
    result = json.loads(dec.result)
    glass_kg = float(glass_label.value)
    contributions = {c["process"]: c["kg_co2e"] for c in result["contributions"]}
    assert result["total_kg_co2e"] > 4 * glass_kg
    assert contributions["laminate"] == pytest.approx(result["total_kg_co2e"])
    reg.declarations.submit(w.mk, dec.id)
    record_demo_verification(reg, w.cert, dec.id)
    label = reg.review.approve(w.cert, dec.id)
    view = reg.public.label_view(label.label_id)
    assert view.citations[0]["label_id"] == glass_label.label_id and view.citations[0]["status"] == "active"
    assert not view.supplier_data_changed
    reg.status.revoke(w.cert, glass_label.label_id, "supplier data falsified")
    view = reg.public.label_view(label.label_id)
    assert view.supplier_data_changed and view.citations[0]["status"] == "revoked"
    assert view.to_json()["supplier_data_changed"] is True
    assert [r["label_id"] for r in reg.public.declarations_to_renew(w.mk)] == [label.label_id]
    # a new declaration cannot cite the revoked label; unknown labels are refused too; nothing is stored
    before = counts(reg)
    with pytest.raises(CitationNotActive) as err:
        reg.declarations.create_declaration(w.mk, product_id=product.id, spec=laminate)
    assert err.value.field == "spec.processes[0].inputs[0].supplier_label"
    laminate["processes"][0]["inputs"][0]["supplier_label"] = "CD-PCF-2026-999999"
    with pytest.raises(InvalidCitation):
        reg.declarations.create_declaration(w.mk, product_id=product.id, spec=laminate)
    assert counts(reg) == before


def certify_for(w, actor: Actor, product_id: str, spec: dict) -> Label:
    dec = w.reg.declarations.create_declaration(actor, product_id=product_id, spec=spec)
    w.reg.declarations.submit(actor, dec.id)
    record_demo_verification(w.reg, w.cert, dec.id)
    return w.reg.review.approve(w.cert, dec.id)


def monitor_with_serials(serials: list[str]) -> dict:
    spec = doc("registry/monitor_certifiable.yaml")
    spec["electricity"] = {"series": "co2_average", "year": 2023, "contracts": [
        {"kind": "green_certificate", "kwh": 100, "factor_kg_per_kwh": 0, "serials": serials}]}
    return spec


def test_green_certificates_are_not_counted_twice(world):
    w = world
    reg = w.reg
    a = reg.products.create_product(w.mk, name="Monitor A", category="monitor")
    b = reg.products.create_product(w.other, name="Monitor B", category="monitor")
    label = certify(w, a.id, monitor_with_serials(["GEC2025SC000100..GEC2025SC000199"]))
    view = reg.public.label_view(label.label_id)
    assert view.green_share is not None and 0 < view.green_share <= 1
    before = counts(reg)
    overlapping = monitor_with_serials(["GEC2025SC000150"])
    dec_b = reg.declarations.create_declaration(w.other, product_id=b.id, spec=monitor_with_serials(["GEC2025SC000300"]))
    with pytest.raises(SerialClaimed) as err:
        reg.declarations.create_declaration(w.other, product_id=b.id, spec=overlapping)
    assert err.value.field == "spec.electricity.contracts[0].serials[0]"
    assert counts(reg)["declaration"] == before["declaration"] + 1
    # the same product's renewal may keep its certificates; once the label is revoked they are free again
    certify(w, a.id, monitor_with_serials(["GEC2025SC000100..GEC2025SC000199"]))
    del dec_b
    with pytest.raises(InvalidInput):  # a malformed range names its field
        reg.declarations.create_declaration(w.other, product_id=b.id, spec=monitor_with_serials(["GEC9..GEC1"]))


def test_a_new_certified_declaration_supersedes_the_old_label(world):
    w = world
    reg = w.reg
    product = reg.products.create_product(w.mk, name="Monitor", category="monitor")
    first = certify(w, product.id, doc("registry/monitor_certifiable.yaml"))
    second = certify(w, product.id, doc("registry/monitor_24_certifiable.yaml"))
    old = reg.public.label_view(first.label_id)
    assert old.status == "superseded" and old.label.superseded_by == second.label_id
    new = reg.public.label_view(second.label_id)
    assert new.label.supersedes == first.label_id and new.label.version == 2 and new.status == "active"
    assert reg.log.verify_log()["ok"]


def test_expiry_follows_from_the_dates(world):
    w = world
    product = w.reg.products.create_product(w.mk, name="Monitor", category="monitor")
    label = certify(w, product.id, doc("registry/monitor_certifiable.yaml"))
    w.clock.now = datetime.combine(label.valid_until, datetime.min.time(), UTC) + timedelta(days=1)
    assert w.reg.public.label_view(label.label_id).status == "expired"
    assert w.reg.public.search_labels()[0] == []  # hidden by default
    assert [v.label.label_id for v in w.reg.public.search_labels(include_inactive=True)[0]] == [label.label_id]


def test_a_label_changed_in_the_database_is_detected(world):
    w = world
    product = w.reg.products.create_product(w.mk, name="Monitor", category="monitor")
    label = certify(w, product.id, doc("registry/monitor_certifiable.yaml"))
    with Session(w.reg.engine) as s, s.begin():
        s.execute(text("UPDATE label SET value = '1', claim = replace(claim, :v, '\"value\":\"1\"') "
                    "WHERE label_id = :id").bindparams(v=f'"value":"{label.value}"', id=label.label_id))
    report = w.reg.log.verify_log()
    assert not report["ok"]
    assert any("signature does not match" in p for p in report["problems"])


def test_search_sorts_lowest_first_and_pages_with_a_cursor(world):
    w = world
    reg = w.reg
    values = []
    for name in ("registry/monitor_24_certifiable.yaml", "registry/monitor_certifiable.yaml", "pv_perc_sichuan.yaml"):
        d = doc(name)
        product = reg.products.create_product(w.mk, name=d["name"], category=d["kind"])
        values.append(float(certify(w, product.id, d).value))
    page1, cursor = reg.public.search_labels(limit=2)
    page2, end = reg.public.search_labels(limit=2, after=cursor)
    got = [float(v.label.value) for v in page1 + page2]
    assert got == sorted(values) and end is None
    monitors, _ = reg.public.search_labels(category="monitor")
    assert {v.label.category for v in monitors} == {"monitor"}
    found, _ = reg.public.search_labels(text="27-inch")
    assert len(found) == 1
    assert reg.public.search_labels(text="%")[0] == []  # LIKE wildcards match literally


def test_a_battery_label_goes_through_the_registry(world):
    w = world
    product = w.reg.products.create_product(w.mk, name="Example 75 kWh NMC811 pack", category="battery_ev")
    # the chemistry's industry-average pack (no bill of materials, no measured cell energy) is a screening
    # estimate: it can be computed and saved as a draft, not submitted for certification (issue 17)
    screening = doc("battery_nmc811_ev_pack_coal_grid.yaml")
    draft = w.reg.declarations.create_declaration(w.mk, product_id=product.id, spec=screening)
    with pytest.raises(InvalidInput) as refused:
        w.reg.declarations.submit(w.mk, draft.id)
    assert refused.value.field == "spec.bill_of_materials" and "screening estimate" in refused.value.message
    # the same pack described by its own bill of materials (kg per pack; a test product, not a factor)
    spec = {**screening, "bill_of_materials": [
        {"item": "cathode", "kg": 105}, {"item": "anode_graphite", "kg": 75}, {"item": "copper_foil", "kg": 40},
        {"item": "aluminium_foil", "kg": 20}, {"item": "electrolyte", "kg": 55}, {"item": "separator", "kg": 8},
        {"item": "casing_aluminium", "kg": 60}]}
    dec = w.reg.declarations.create_declaration(w.mk, product_id=product.id, spec=spec)
    checklist = json.loads(dec.checklist)
    assert checklist["passed"] is True, checklist
    result = json.loads(dec.result)
    label = certify(w, product.id, spec)
    # the battery rule's value: kg CO2e per kWh of rated capacity, 3 significant figures
    assert label.unit == "kg CO2e" and label.declared_unit == "1 kWh"
    assert float(label.value) == pytest.approx(result["battery.kg_co2e_per_kwh_capacity"], rel=5e-3)
    assert result["battery.kg_co2e_per_kwh_lifetime"] == pytest.approx(
        result["total_kg_co2e"] / (70 * 100 * 8), rel=1e-9)
    trust = payload.TrustList.from_json(w.reg.keys.trust_list())
    checked = payload.verify_payload(label.payload, trust)
    assert checked.valid, checked.reason


def test_a_display_panel_label_goes_through_the_registry(world):
    w = world
    product = w.reg.products.create_product(w.mk, name="Example 27-inch oxide LCD panel", category="display_panel")
    spec = doc("display_panel_oxide_lcd_sichuan.yaml")
    dec = w.reg.declarations.create_declaration(w.mk, product_id=product.id, spec=spec)
    checklist = json.loads(dec.checklist)
    assert checklist["passed"] is True, checklist
    cut_off = next(i for i in checklist["items"] if i["rule"] == "cut-off")
    assert cut_off["status"] == "unverified"  # polarisers, liquid crystal, driver ICs, backlight: not modelled
    result = json.loads(dec.result)
    label = certify(w, product.id, spec)
    # the display-panel rule's value: kg CO2e per m2 of panel, 3 significant figures
    assert label.unit == "kg CO2e" and label.declared_unit == "1 m2"
    assert float(label.value) == pytest.approx(result["display.kg_co2e_per_m2"], rel=5e-3)
    assert result["display.kg_co2e_per_m2"] == pytest.approx(result["total_kg_co2e"] / 0.2016, rel=1e-9)
    trust = payload.TrustList.from_json(w.reg.keys.trust_list())
    checked = payload.verify_payload(label.payload, trust)
    assert checked.valid, checked.reason
