"""The registry over HTTP: the whole story end to end, the role matrix, and bad input that stores nothing."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
import yaml
from litestar.testing import TestClient

from api.app import create_app
from api.demo import demo_verification_json
from registry.accounts.actors import SYSTEM
from registry.certification.verification import unverified
from registry.trust import payload, tlog
from tests.services import app_settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PV = yaml.safe_load((EXAMPLES / "pv_perc_sichuan.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """An app over a fresh SQLite file, with a manufacturer, another one, a certifier and an admin."""
    app = create_app(app_settings(tmp_path_factory.mktemp("api")))
    reg = app.state.registry
    tokens = {}
    for org_id, role, extra in (("m1", "manufacturer", {}), ("m2", "manufacturer", {}),
                                ("c1", "certifier", {"accreditation_no": "CNCA-T-1"}), ("a1", "admin", {})):
        reg.organisations.create_organisation(SYSTEM, role=role, name_zh=org_id, name_en=org_id, org_id=org_id, **extra)
        tokens[role if org_id != "m2" else "other"] = reg.organisations.create_token(SYSTEM, org_id)[1]
    with TestClient(app) as client:
        client.tokens = tokens  # type: ignore[attr-defined]
        yield client


def auth(client, who: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.tokens[who]}"} if who else {}


def is_problem(r) -> bool:
    return r.headers["content-type"].startswith("application/problem+json") and {"status", "title", "code"} <= set(r.json())


def new_declaration(client, gtin: str | None = None) -> str:
    r = client.post("/api/v1/products", json={"name": "Module", "model": "M-1", "category": "pv_module",
                                               **({"gtin": gtin} if gtin else {})}, headers=auth(client, "manufacturer"))
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/declarations", json={"product_id": r.json()["id"], "spec": PV},
                    headers=auth(client, "manufacturer"))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def verify(client, dec_id: str) -> None:
    """The certifier records its verification (required before approval under rules 2026.2, issue 17)."""
    checklist = client.get(f"/api/v1/declarations/{dec_id}", headers=auth(client, "certifier")).json()["checklist"]
    r = client.post(f"/api/v1/declarations/{dec_id}/verification", headers=auth(client, "certifier"),
                    json=demo_verification_json(date.today(), unverified(checklist)))
    assert r.status_code == 200, r.text


def test_submit_approve_verify_suspend_reinstate_revoke(api):
    dec_id = new_declaration(api, gtin="4006381333931")
    assert api.post(f"/api/v1/declarations/{dec_id}/submit", headers=auth(api, "manufacturer")).json()["status"] == \
        "submitted"
    r = api.post(f"/api/v1/declarations/{dec_id}/approve", headers=auth(api, "certifier"))
    assert r.status_code == 409 and r.json()["field"] == "verification", r.text  # verify first
    verify(api, dec_id)
    r = api.post(f"/api/v1/declarations/{dec_id}/approve", headers=auth(api, "certifier"))
    assert r.status_code == 200, r.text
    label = r.json()
    label_id, text = label["label_id"], label["payload"]
    assert label["status"] == "active" and label["gtin"] == "04006381333931" and label["log"]["included"]
    trust = payload.TrustList.from_json(api.get("/api/v1/trust-list").json())
    checked = payload.verify_payload(text, trust)
    assert checked.valid and checked.claim is not None and checked.claim["label_id"] == label_id
    sizes = [api.get("/api/v1/log/checkpoint").json()["tree_size"]]
    for action, status in (("suspend", "suspended"), ("reinstate", "active"), ("revoke", "revoked")):
        r = api.post(f"/api/v1/labels/{label_id}/{action}", json={"reason": f"test {action}"},
                     headers=auth(api, "certifier"))
        assert r.status_code == 200 and r.json()["status"] == status, r.text
        assert api.get(f"/api/v1/labels/{label_id}").json()["status"] == status
        sizes.append(api.get("/api/v1/log/checkpoint").json()["tree_size"])
    assert sizes == list(range(sizes[0], sizes[0] + 4))  # each step is one leaf
    # consistency between every pair of checkpoints, checked with the log's public key only
    reg = api.app.state.registry
    vkey = reg.log.registry_vkey()
    roots = {}
    from sqlmodel import Session

    from registry.log import store as tlog_store

    with Session(reg.engine) as s:
        for size in range(1, sizes[-1] + 1):
            cp = tlog_store.checkpoint_at(s, size)
            assert cp is not None
            opened = tlog.open_checkpoint(cp.note, vkey)
            assert opened.valid and opened.checkpoint is not None
            roots[size] = opened.checkpoint.root
    for a in roots:
        for b in roots:
            if a <= b:
                proof = api.get("/api/v1/log/consistency", params={"first": a, "second": b}).json()["proof"]
                assert tlog.verify_consistency(a, b, roots[a], roots[b], [base64.b64decode(h) for h in proof])
    r = api.get("/api/v1/log/inclusion", params={"index": label["log"]["log_index"], "tree_size": sizes[-1]})
    assert tlog.verify_inclusion(base64.b64decode(r.json()["leaf_hash"]), label["log"]["log_index"], sizes[-1],
                                 [base64.b64decode(h) for h in r.json()["proof"]], roots[sizes[-1]])
    found = api.get("/api/v1/labels", params={"include_inactive": True}).json()["items"]
    assert any(i["label_id"] == label_id and i["gtin"] == "04006381333931" for i in found)


# endpoint, method, body maker, and the expected status for each caller
ROLE_MATRIX = [
    # (name, method, path, body, {caller: status})
    ("create product", "post", "/api/v1/products", {"name": "x", "category": "monitor"},
     {None: 401, "manufacturer": 201, "other": 201, "certifier": 403, "admin": 403}),
    ("submit", "post", "/api/v1/declarations/{dec}/submit", None,
     {None: 401, "manufacturer": 200, "other": 404, "certifier": 403, "admin": 403}),
    ("record verification", "post", "/api/v1/declarations/{submitted}/verification", "verification",
     {None: 401, "manufacturer": 403, "other": 403, "certifier": 200, "admin": 403}),
    ("read verification", "get", "/api/v1/declarations/{verified}/verification", None,
     {None: 401, "manufacturer": 200, "other": 404, "certifier": 200, "admin": 200}),
    ("read verification report", "get", "/api/v1/declarations/{verified}/verification/report", None,
     {None: 401, "manufacturer": 200, "other": 404, "certifier": 200, "admin": 200}),
    ("approve", "post", "/api/v1/declarations/{verified}/approve", None,
     {None: 401, "manufacturer": 403, "other": 403, "certifier": 200, "admin": 403}),
    ("reject", "post", "/api/v1/declarations/{submitted}/reject", {"reason": "no"},
     {None: 401, "manufacturer": 403, "other": 403, "certifier": 200, "admin": 403}),
    ("suspend", "post", "/api/v1/labels/{label}/suspend", {"reason": "r"},
     {None: 401, "manufacturer": 403, "other": 403, "certifier": 200, "admin": 403}),
    ("read declaration", "get", "/api/v1/declarations/{dec}", None,
     {None: 401, "manufacturer": 200, "other": 404, "certifier": 404, "admin": 200}),
    ("read label", "get", "/api/v1/labels/{label}", None,
     {None: 200, "manufacturer": 200, "other": 200, "certifier": 200, "admin": 200}),
    ("search labels", "get", "/api/v1/labels", None,
     {None: 200, "manufacturer": 200, "other": 200, "certifier": 200, "admin": 200}),
    ("trust list", "get", "/api/v1/trust-list", None,
     {None: 200, "manufacturer": 200, "other": 200, "certifier": 200, "admin": 200}),
]


@pytest.mark.parametrize("caller", [None, "manufacturer", "other", "certifier", "admin"])
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), ROLE_MATRIX, ids=[r[0] for r in ROLE_MATRIX])
def test_role_matrix(api, caller, name, method, path, body, expected):
    # fresh objects for each case, so that one case's state change does not decide another's
    dec = new_declaration(api)
    submitted = new_declaration(api)
    api.post(f"/api/v1/declarations/{submitted}/submit", headers=auth(api, "manufacturer"))
    verified = new_declaration(api)
    api.post(f"/api/v1/declarations/{verified}/submit", headers=auth(api, "manufacturer"))
    verify(api, verified)
    issued = new_declaration(api)
    api.post(f"/api/v1/declarations/{issued}/submit", headers=auth(api, "manufacturer"))
    verify(api, issued)
    label = api.post(f"/api/v1/declarations/{issued}/approve", headers=auth(api, "certifier")).json()["label_id"]
    url = path.format(dec=dec, submitted=submitted, verified=verified, label=label)
    if body == "verification":
        checklist = api.get(f"/api/v1/declarations/{submitted}", headers=auth(api, "certifier")).json()["checklist"]
        body = demo_verification_json(date.today(), unverified(checklist))
    before = api.get("/api/v1/log/checkpoint").json()["tree_size"]
    r = getattr(api, method)(url, headers=auth(api, caller), **({"json": body} if body is not None else {}))
    assert r.status_code == expected[caller], (name, caller, r.text)
    if r.status_code >= 400:
        assert is_problem(r)
        assert api.get("/api/v1/log/checkpoint").json()["tree_size"] == before  # nothing written


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer ", "bearer pcf_tok_x_y"])
def test_bad_tokens_are_401(api, header):
    r = api.post("/api/v1/products", json={"name": "x", "category": "monitor"}, headers={"Authorization": header})
    assert r.status_code == 401 and is_problem(r) and "Bearer" in r.headers["www-authenticate"]


@pytest.mark.parametrize("body", [
    b"{", b"[]", b'{"name": 5, "category": "monitor"}', b'{"name": "x", "category": "toaster"}',
    b'{"name": "x", "category": "monitor", "gtin": "4006381333932"}',  # wrong check digit
    b'{"name": "x", "category": "monitor", "extra": 1}', b'{"name": "' + b"x" * 300 + b'", "category": "monitor"}',
])
def test_bad_product_bodies_are_4xx_problems_and_store_nothing(api, body):
    reg = api.app.state.registry
    from registry.accounts.actors import Actor

    count = len(reg.products.products(Actor("a1", "admin")))
    r = api.post("/api/v1/products", content=body, headers={**auth(api, "manufacturer"),
                                                             "content-type": "application/json"})
    assert 400 <= r.status_code < 500 and is_problem(r), r.text
    assert len(reg.products.products(Actor("a1", "admin"))) == count


def test_bad_declarations_name_the_field(api):
    r = api.post("/api/v1/products", json={"name": "m", "category": "pv_module"}, headers=auth(api, "manufacturer"))
    pid = r.json()["id"]
    r = api.post("/api/v1/declarations", json={"product_id": pid, "spec": {**PV, "area_m2": -2}},
                 headers=auth(api, "manufacturer"))
    assert r.status_code == 422 and r.json()["field"] == "area_m2"
    r = api.post("/api/v1/declarations", json={"product_id": pid, "spec": PV, "result": {"total_kg_co2e": 1}},
                 headers=auth(api, "manufacturer"))
    assert r.status_code == 422 and r.json()["code"] == "result-mismatch"
    assert r.json()["field"] == "result.total_kg_co2e"
    r = api.get("/api/v1/labels/CD-PCF-2026-999999")
    assert r.status_code == 404 and is_problem(r)
    r = api.get("/api/v1/log/inclusion", params={"index": 10**6, "tree_size": 10**7})
    assert r.status_code == 422 and is_problem(r)
    r = api.get("/api/v1/factors", params={"year": "51296537096861508578574336"})  # found by schemathesis
    assert r.status_code == 400 and is_problem(r)


def test_access_log_has_no_secrets(api, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="pcf.access"):
        api.get("/api/v1/products", headers=auth(api, "manufacturer"))
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "pcf.access")
    assert "/api/v1/products" in logged
    assert api.tokens["manufacturer"] not in logged and "Bearer" not in logged


def test_rate_limit_answers_429_problem(tmp_path):
    app = create_app(app_settings(tmp_path, public_rate_limit=3))
    with TestClient(app) as client:
        codes = [client.get("/api/v1/releases").status_code for _ in range(4)]
        r = client.get("/api/v1/releases")
    assert codes[:3] == [200, 200, 200] and r.status_code == 429 and is_problem(r)
