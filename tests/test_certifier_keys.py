"""A certifier that keeps its own private key: it registers the public half, the registry prepares each claim
(label number reserved), the certifier signs the two byte strings, and approval checks both signatures; on
SQLite and on PostgreSQL, in the library, over HTTP and from the command line."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.demo import demo_verification_json, record_demo_verification
from registry.accounts.actors import SYSTEM, Actor
from registry.certification.issuance import PENDING_CLAIM_TTL
from registry.certification.verification import unverified
from registry.errors import Conflict, Forbidden, InvalidInput, KeyUnavailable
from registry.services import Registry
from registry.store.db import make_engine
from registry.store.tables import AuditEvent, Declaration, Label, LogEntry, SigningKey
from registry.trust import external_signing, payload, signing
from tests.services import Clock, app_settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PV = yaml.safe_load((EXAMPLES / "pv_perc_sichuan.yaml").read_text(encoding="utf-8"))




class World:
    def __init__(self, db_url: str) -> None:
        self.clock = Clock()
        self.reg = Registry(make_engine(db_url), b"k" * 32, origin="test.pcf-registry/log", clock=self.clock)
        self.reg.init()
        for org_id, role, extra in (("m1", "manufacturer", {}), ("c_own", "certifier", {"accreditation_no": "A-1"}),
                                    ("c_sealed", "certifier", {"accreditation_no": "A-2"})):
            self.reg.organisations.create_organisation(SYSTEM, role=role, name_zh=org_id, name_en=org_id, org_id=org_id,
                                                       **extra)
        self.mk = Actor("m1", "manufacturer", "t")
        self.own = Actor("c_own", "certifier", "t")  # keeps its private key (registered below)
        self.sealed = Actor("c_sealed", "certifier", "t")  # the registry keeps its key sealed
        self.key = signing.generate_key()
        self.key_row = self.reg.keys.rotate_key(self.own, "c_own", public_key=signing.public_raw(self.key))
        self.product = self.reg.products.create_product(self.mk, name="Module", model="M-1", category="pv_module",
                                               gtin="4006381333931").id

    def submitted(self, verifier: Actor | None = None) -> str:
        """A submitted declaration, verified by ``verifier`` (the certifier that keeps its key by default)."""
        dec = self.reg.declarations.create_declaration(self.mk, product_id=self.product, spec=PV)
        self.reg.declarations.submit(self.mk, dec.id)
        record_demo_verification(self.reg, verifier or self.own, dec.id)
        return dec.id

    def sign(self, prepared: external_signing.Prepared, key=None) -> dict[str, bytes]:
        key = key or self.key
        return {"signature": key.sign(prepared.to_sign), "payload_signature": key.sign(prepared.payload_to_sign)}

    def counts(self) -> dict[str, int]:
        with Session(self.reg.engine) as s:
            return {t.__tablename__: s.exec(select(func.count()).select_from(t)).one()
                    for t in (Label, LogEntry, AuditEvent)}

    def declaration(self, dec_id: str) -> Declaration:
        return self.reg.declarations.get_declaration(SYSTEM, dec_id)


@pytest.fixture
def world(db_url) -> World:
    return World(db_url)


def test_registered_public_key_is_current_and_the_old_key_retired(world):
    w = world
    raw = signing.public_raw(w.key)
    assert w.key_row.key_id == signing.key_id(raw) and w.key_row.sealed_private_key is None
    keys = {k["key_id"]: k for k in w.reg.keys.trust_list()["keys"] if k["certifier_id"] == "c_own"}
    assert keys[w.key_row.key_id]["status"] == "current" and keys[w.key_row.key_id]["not_after"] is None
    assert [k["status"] for k in keys.values()].count("retired") == 1  # the sealed key made with the organisation
    with Session(w.reg.engine) as s:
        kinds = [e.kind for e in s.exec(select(LogEntry).where(LogEntry.subject.in_(list(keys))))]  # type: ignore[attr-defined]
    assert sorted(kinds) == ["key.created", "key.created", "key.retired"]


def test_prepare_sign_approve_issues_a_label_that_verifies(world):
    w = world
    dec_id = w.submitted()
    prepared = w.reg.review.prepare(w.own, dec_id)
    claim = prepared.claim
    assert claim["key_id"] == w.key_row.key_id and claim["certifier_id"] == "c_own"
    assert claim["label_id"] == "CD-PCF-2026-000001" and claim["version"] == 1
    assert prepared.to_sign == signing.claim_bytes(claim)
    assert w.declaration(dec_id).pending_label_id == claim["label_id"]
    assert w.reg.review.prepare(w.own, dec_id) == prepared  # preparing again answers the same claim
    label = w.reg.review.approve(w.own, dec_id, "ok", **w.sign(prepared))
    stored = json.loads(label.claim)
    assert stored == claim and label.label_id == claim["label_id"] and label.key_id == w.key_row.key_id
    raw = signing.public_raw(w.key)
    assert signing.verify_claim(stored, base64.b64decode(label.signature), raw)
    checked = payload.verify_payload(label.payload, w.reg.keys.trust_list())
    assert checked.valid and checked.claim is not None, checked.detail
    assert checked.certifier_id == "c_own" and payload.matches_full_claim(checked.claim, stored)
    assert label.payload == payload.encode_payload(claim, w.key)  # Ed25519 is deterministic: the same text
    report = w.reg.log.verify_log()
    assert report["ok"], report["problems"]
    dec = w.declaration(dec_id)
    assert dec.status == "certified" and dec.pending_label_id is None and dec.pending_claim is None


def test_assembled_payload_is_what_encode_payload_makes():
    key = signing.generate_key()
    claim = {"label_id": "CD-PCF-2026-000042", "version": 2, "product_id": "prd_0123456789abcdef0123",
             "gtin": "04006381333931", "value": "412", "unit": "kg CO2e", "declared_unit": "1 kWp",
             "boundary": "cradle-to-gate", "method": payload.METHODS[1], "factor_release": "cn-2025.1",
             "factor_release_sha256": "ab" * 32, "input_sha256": "cd" * 32, "issued_at": 1_795_334_400,
             "valid_from": "2026-11-22", "valid_until": "2029-11-22", "certifier_id": "c1",
             "key_id": signing.key_id(signing.public_raw(key))}
    tbs = external_signing.to_be_signed(claim)
    text = external_signing.assemble_payload(claim, key.sign(tbs.payload))
    assert text == payload.encode_payload(claim, key)
    decoded = payload.decode_text(text)
    assert decoded.signed == tbs.payload and payload.matches_full_claim(decoded.claim, claim)
    assert external_signing.accept(claim, signing.public_raw(key), key.sign(tbs.statement),
                                   base64.b64encode(key.sign(tbs.payload)).decode()) == text


def _swap(prepared, signed, key):
    return {"signature": signed["payload_signature"], "payload_signature": signed["signature"]}


WRONG = [  # (name, make the approval's signatures, the field named)
    ("statement signed by another key", lambda p, s, k: {**s, "signature": k.sign(p.to_sign)}, "signature"),
    ("payload signed by another key", lambda p, s, k: {**s, "payload_signature": k.sign(p.payload_to_sign)},
     "payload_signature"),
    ("signatures swapped", _swap, "signature"),
    ("payload signature missing", lambda p, s, k: {"signature": s["signature"]}, "payload_signature"),
    ("statement signature missing", lambda p, s, k: {"payload_signature": s["payload_signature"]}, "signature"),
    ("truncated", lambda p, s, k: {**s, "signature": s["signature"][:63]}, "signature"),
    ("not base64", lambda p, s, k: {**s, "payload_signature": "not base64!"}, "payload_signature"),
    ("a signature bit flipped", lambda p, s, k: {**s, "signature": bytes([s["signature"][0] ^ 1]) + s["signature"][1:]},
     "signature"),
]


@pytest.mark.parametrize(("name", "make", "field"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_or_missing_signatures_are_refused_and_write_nothing(world, name, make, field):
    w = world
    dec_id = w.submitted()
    prepared = w.reg.review.prepare(w.own, dec_id)
    before = w.counts()
    with pytest.raises(InvalidInput) as err:
        w.reg.review.approve(w.own, dec_id, **make(prepared, w.sign(prepared), signing.generate_key()))
    assert err.value.field == field, (name, err.value)
    assert w.counts() == before
    dec = w.declaration(dec_id)
    assert dec.status == "submitted" and dec.pending_claim is not None
    label = w.reg.review.approve(w.own, dec_id, **w.sign(prepared))  # the right signatures still issue it
    assert label.label_id == prepared.claim["label_id"]


def test_one_step_approval_with_a_certifier_held_key_says_to_prepare_and_sign(world):
    w = world
    dec_id = w.submitted()
    before = w.counts()
    with pytest.raises(KeyUnavailable, match=r"prepare .* sign"):
        w.reg.review.approve(w.own, dec_id)
    with pytest.raises(KeyUnavailable):
        w.reg.review.approve_many(w.own, [dec_id])
    with pytest.raises(Conflict, match="no pending claim"):  # signatures without a prepared claim
        w.reg.review.approve(w.own, dec_id, signature=b"\0" * 64, payload_signature=b"\0" * 64)
    assert w.counts() == before and w.declaration(dec_id).status == "submitted"


def test_a_certifier_whose_key_the_registry_keeps_approves_in_one_step(world):
    w = world
    dec_id = w.submitted(w.sealed)
    with pytest.raises(Conflict, match="approve directly"):
        w.reg.review.prepare(w.sealed, dec_id)
    with pytest.raises(InvalidInput) as err:
        w.reg.review.approve(w.sealed, dec_id, signature=b"\0" * 64, payload_signature=b"\0" * 64)
    assert err.value.field == "signature"
    assert w.reg.review.approve(w.sealed, dec_id).label_id == "CD-PCF-2026-000001"
    with pytest.raises(Forbidden):
        w.reg.review.prepare(w.mk, w.submitted())


def test_prepared_numbers_are_reserved_and_never_reused(world):
    w = world
    a, b, c = w.submitted(), w.submitted(w.sealed), w.submitted()
    pa = w.reg.review.prepare(w.own, a)
    assert pa.claim["label_id"] == "CD-PCF-2026-000001"
    assert w.reg.review.approve(w.sealed, b).label_id == "CD-PCF-2026-000002"  # skips the reserved number
    pc = w.reg.review.prepare(w.own, c)
    assert pc.claim["label_id"] == "CD-PCF-2026-000003"
    w.reg.review.reject(w.own, c, "fix the transport distances")
    assert w.declaration(c).pending_claim is None and w.declaration(c).pending_label_id == "CD-PCF-2026-000003"
    d = w.submitted(w.sealed)
    assert w.reg.review.approve(w.sealed, d).label_id == "CD-PCF-2026-000004"  # the rejected one keeps its number
    w.reg.declarations.submit(w.mk, c)
    pc2 = w.reg.review.prepare(w.own, c)
    assert pc2.claim["label_id"] == "CD-PCF-2026-000003" and pc2.claim["issued_at"] > pc.claim["issued_at"]
    with pytest.raises(Conflict, match="out of date"):  # b and d were issued for the product since pa
        w.reg.review.approve(w.own, a, **w.sign(pa))
    pa2 = w.reg.review.prepare(w.own, a)
    assert pa2.claim["label_id"] == pa.claim["label_id"] and pa2.claim["version"] == 3
    labels = [w.reg.review.approve(w.own, a, **w.sign(pa2))]
    with pytest.raises(Conflict, match="out of date"):  # pc2 supersedes d, which a's label superseded since
        w.reg.review.approve(w.own, c, **w.sign(pc2))
    pc3 = w.reg.review.prepare(w.own, c)
    labels.append(w.reg.review.approve(w.own, c, **w.sign(pc3)))
    assert [(lab.label_id, lab.version, lab.supersedes) for lab in labels] == [
        ("CD-PCF-2026-000001", 3, "CD-PCF-2026-000004"), ("CD-PCF-2026-000003", 4, "CD-PCF-2026-000001")]
    report = w.reg.log.verify_log()
    assert report["ok"] and report["labels"] == 4, report["problems"]


def test_a_pending_claim_goes_stale_with_a_new_key_or_time(world):
    w = world
    dec_id = w.submitted()
    first = w.reg.review.prepare(w.own, dec_id)
    new_key = signing.generate_key()
    w.reg.keys.rotate_key(w.own, "c_own", public_key=base64.b64encode(signing.public_raw(new_key)).decode())
    with pytest.raises(Conflict, match="out of date"):
        w.reg.review.approve(w.own, dec_id, **w.sign(first))
    second = w.reg.review.prepare(w.own, dec_id)
    assert second.claim["label_id"] == first.claim["label_id"]
    assert second.claim["key_id"] == signing.key_id(signing.public_raw(new_key)) != first.claim["key_id"]
    w.clock.now += PENDING_CLAIM_TTL
    with pytest.raises(Conflict, match="out of date"):
        w.reg.review.approve(w.own, dec_id, **w.sign(second, new_key))
    third = w.reg.review.prepare(w.own, dec_id)
    assert third.claim["issued_at"] > second.claim["issued_at"] and third.claim["label_id"] == first.claim["label_id"]
    label = w.reg.review.approve(w.own, dec_id, **w.sign(third, new_key))
    assert payload.verify_payload(label.payload, w.reg.keys.trust_list()).valid
    assert w.reg.log.verify_log()["ok"]


@pytest.mark.parametrize(("given", "error", "field"), [
    (b"\1" * 31, InvalidInput, "public_key"), ("not base64!", InvalidInput, "public_key"),
    (base64.b64encode(b"\1" * 33).decode(), InvalidInput, "public_key"),
])
def test_bad_public_keys_are_refused(world, given, error, field):
    before = world.counts()
    with pytest.raises(error) as err:
        world.reg.keys.rotate_key(world.own, "c_own", public_key=given)
    assert err.value.field == field and world.counts() == before


def test_a_key_is_registered_once_and_never_for_the_log(world):
    w = world
    before = w.counts()
    with pytest.raises(Conflict):
        w.reg.keys.rotate_key(w.own, "c_own", public_key=signing.public_raw(w.key))
    with pytest.raises(InvalidInput):
        w.reg.keys.rotate_key(SYSTEM, "registry", public_key=signing.public_raw(signing.generate_key()))
    with pytest.raises(Forbidden):
        w.reg.keys.rotate_key(w.sealed, "c_own", public_key=signing.public_raw(signing.generate_key()))
    assert w.counts() == before
    with Session(w.reg.engine) as s:
        row = s.get(SigningKey, w.key_row.key_id)
        assert row is not None and row.status == "current"


# ------------------------------------------------------------------------------------------------ HTTP


@pytest.fixture
def api(db_url, tmp_path):
    app = create_app(app_settings(tmp_path, database_url=db_url))
    reg = app.state.registry
    tokens = {}
    for org_id, role, extra in (("m1", "manufacturer", {}), ("c1", "certifier", {"accreditation_no": "A-1"}),
                                ("a1", "admin", {})):
        reg.organisations.create_organisation(SYSTEM, role=role, name_zh=org_id, name_en=org_id, org_id=org_id, **extra)
        tokens[role] = {"Authorization": f"Bearer {reg.organisations.create_token(SYSTEM, org_id)[1]}"}
    with TestClient(app) as client:
        client.tokens = tokens  # type: ignore[attr-defined]
        yield client


def _submitted(api) -> str:
    r = api.post("/api/v1/products", json={"name": "Module", "category": "pv_module"}, headers=api.tokens["manufacturer"])
    r = api.post("/api/v1/declarations", json={"product_id": r.json()["id"], "spec": PV},
                 headers=api.tokens["manufacturer"])
    dec_id = r.json()["id"]
    assert api.post(f"/api/v1/declarations/{dec_id}/submit", headers=api.tokens["manufacturer"]).status_code == 200
    checklist = api.get(f"/api/v1/declarations/{dec_id}", headers=api.tokens["certifier"]).json()["checklist"]
    r = api.post(f"/api/v1/declarations/{dec_id}/verification", headers=api.tokens["certifier"],
                 json=demo_verification_json(date.today(), unverified(checklist)))
    assert r.status_code == 200, r.text
    return dec_id


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()


def test_over_http_register_prepare_sign_approve(api):
    key = signing.generate_key()
    public = base64.b64encode(signing.public_raw(key)).decode()
    _problem(api.post("/api/v1/keys", json={"public_key": public}, headers=api.tokens["manufacturer"]), 403)
    _problem(api.post("/api/v1/keys", json={"public_key": public}), 401)
    assert _problem(api.post("/api/v1/keys", json={"public_key": "AAAA"}, headers=api.tokens["certifier"]),
                    422)["field"] == "public_key"
    r = api.post("/api/v1/keys", json={"public_key": public}, headers=api.tokens["certifier"])
    assert r.status_code == 201, r.text
    assert r.json()["key_id"] == signing.key_id(signing.public_raw(key)) and r.json()["held_by"] == "certifier"
    _problem(api.post("/api/v1/keys", json={"public_key": public}, headers=api.tokens["certifier"]), 409)

    dec_id = _submitted(api)
    size = api.get("/api/v1/log/checkpoint").json()["tree_size"]
    body = _problem(api.post(f"/api/v1/declarations/{dec_id}/approve", headers=api.tokens["certifier"]), 409)
    assert body["code"] == "key-unavailable" and "prepare" in body["detail"] and body["field"] == "signature"
    _problem(api.post(f"/api/v1/declarations/{dec_id}/prepare", headers=api.tokens["manufacturer"]), 403)
    r = api.post(f"/api/v1/declarations/{dec_id}/prepare", headers=api.tokens["certifier"])
    assert r.status_code == 200, r.text
    prepared = r.json()
    assert api.post(f"/api/v1/declarations/{dec_id}/prepare", headers=api.tokens["certifier"]).json() == prepared
    assert api.get(f"/api/v1/declarations/{dec_id}", headers=api.tokens["manufacturer"]).json()[
        "pending_label_id"] == prepared["label_id"]
    signed = {"signature": base64.b64encode(key.sign(base64.b64decode(prepared["to_sign"]))).decode(),
              "payload_signature": base64.b64encode(key.sign(base64.b64decode(prepared["payload_to_sign"]))).decode()}
    wrong = {**signed, "payload_signature": signed["signature"]}
    body = _problem(api.post(f"/api/v1/declarations/{dec_id}/approve", json=wrong, headers=api.tokens["certifier"]),
                    422)
    assert body["field"] == "payload_signature"
    assert api.get("/api/v1/log/checkpoint").json()["tree_size"] == size  # nothing written
    r = api.post(f"/api/v1/declarations/{dec_id}/approve", json={**signed, "comment": "checked"},
                 headers=api.tokens["certifier"])
    assert r.status_code == 200, r.text
    label = r.json()
    assert label["label_id"] == prepared["label_id"] and label["claim"] == prepared["claim"]
    trust = payload.TrustList.from_json(api.get("/api/v1/trust-list").json())
    assert payload.verify_payload(label["payload"], trust).valid
    assert signing.verify_claim(label["claim"], base64.b64decode(label["signature"]), signing.public_raw(key))
    assert api.app.state.registry.log.verify_log()["ok"]
    # an administrator rotates the certifier back to a key the registry keeps: one-step approval again
    r = api.post("/api/v1/keys", json={"org_id": "c1"}, headers=api.tokens["admin"])
    assert r.status_code == 201 and r.json()["held_by"] == "registry"
    r = api.post(f"/api/v1/declarations/{_submitted(api)}/approve", headers=api.tokens["certifier"])
    assert r.status_code == 200, r.text


def test_openapi_documents_the_key_and_prepare_operations(api):
    doc = api.get("/schema/openapi.json").json()
    for path in ("/api/v1/keys", "/api/v1/declarations/{declaration_id}/prepare"):
        op = doc["paths"][path]["post"]
        assert op["security"] == [{"bearer": []}] and {"401", "403", "409", "422"} <= set(op["responses"])
        assert "x-pcf-auth" not in op


# ------------------------------------------------------------------------------------------------ CLI


def test_cli_rotate_key_registers_a_public_key_from_a_file(tmp_path):
    env = {"PCF_DATA_DIR": str(tmp_path)}

    def run(*args):
        out = CliRunner().invoke(cli, list(args), env=env)
        return out

    assert run("registry", "init").exit_code == 0
    assert run("registry", "org", "--role", "certifier", "--id", "c1", "--name-en", "C",
               "--accreditation", "A-1").exit_code == 0
    keys = [signing.generate_key() for _ in range(3)]
    files = {"raw": signing.public_raw(keys[0]), "b64": base64.b64encode(signing.public_raw(keys[1])) + b"\n",
             "pem": keys[2].public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)}
    for (name, data), key in zip(files.items(), keys, strict=True):
        path = tmp_path / f"{name}.key"
        path.write_bytes(data)
        out = run("registry", "rotate-key", "c1", "--public-key", str(path))
        kid = signing.key_id(signing.public_raw(key))
        assert out.exit_code == 0 and kid in out.output and "kept by the certifier" in out.output, out.output
    bad = tmp_path / "bad.key"
    bad.write_text("AAAA\n", encoding="ascii")
    out = run("registry", "rotate-key", "c1", "--public-key", str(bad))
    assert out.exit_code != 0 and out.output.count("\n") == 1 and "public_key" in out.output, out.output
    out = run("registry", "trust-list")
    current = [k for k in json.loads(out.output)["keys"] if k["certifier_id"] == "c1" and k["status"] == "current"]
    assert [k["key_id"] for k in current] == [signing.key_id(signing.public_raw(keys[2]))]
