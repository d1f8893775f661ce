"""PACT over HTTP: the official conformance test cases that run over plain HTTP on one machine.

The numbers are those of wbcsd/pact-conformance-service (``docs/v2-...`` and ``docs/v3-test-cases-expected-
results.md``, ``packages/test/src/test-cases/v{2,3}-tests.ts``); the HTTPS cases 9, 10, 11 and 17 need a TLS
front end and are not run here. The app is the demo (labels in every status); the requester of the asynchronous
cases 12 to 14 is a real PACT host on 127.0.0.1 in a thread (:class:`FakePartner`), so the registry's callback
goes over the network: token at ``<source>/auth/token``, then ``POST <source>/{2|3}/events``. Every footprint
answered is checked with :func:`registry.pact_validation.validate`, every event with the spec's event schemas.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from api.app import create_app
from api.controllers.pact import PactController
from api.demo import seed_demo
from registry.accounts.actors import SYSTEM, Actor
from registry.errors import RegistryError
from registry.interop.pact import clients as pact_clients
from registry.interop.pact import errors as pact_errors
from registry.interop.pact import terms as pact_terms
from registry.interop.pact import validation as pact_validation
from registry.store.tables import PactEvent, PactPartner
from tests.services import app_settings

CLOUDEVENTS = "application/cloudevents+json; charset=UTF-8"
PARTNER_ID, PARTNER_SECRET = "registry-at-partner", "partner-secret-7f3a"
V2_TYPES, V3_TYPES = pact_terms.EVENT_TYPES["2"], pact_terms.EVENT_TYPES["3"]


# ------------------------------------------------------------------------------------------ fixtures
class FakePartner:
    """A data recipient's PACT host on 127.0.0.1: ``/auth/token`` and ``/{2,3}/events``, recording every call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.token = "partner-token-" + uuid.uuid4().hex
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                call = {"path": self.path, "headers": dict(self.headers), "body": body}
                status, answer = 404, b""
                if self.path == "/auth/token":
                    basic = base64.b64encode(f"{PARTNER_ID}:{PARTNER_SECRET}".encode()).decode()
                    form = parse_qs(body.decode())
                    if self.headers.get("Authorization") == f"Basic {basic}" and \
                            form.get("grant_type") == ["client_credentials"]:
                        status = 200
                        answer = json.dumps({"access_token": partner.token, "token_type": "bearer",
                                             "expires_in": 60}).encode()
                    else:
                        status, answer = 401, b'{"error": "invalid_client"}'
                elif self.path in ("/2/events", "/3/events"):
                    status = 200 if self.headers.get("Authorization") == f"Bearer {partner.token}" else 400
                    call["json"] = json.loads(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                with partner.changed:
                    partner.calls.append(call)
                    partner.changed.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def event_answering(self, request_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The call that delivered the answer to event ``request_id`` (waits for it)."""
        def found() -> dict[str, Any] | None:
            return next((c for c in self.calls if c.get("json", {}).get("data", {}).get("requestEventId")
                         == request_id), None)

        with self.changed:
            assert self.changed.wait_for(lambda: found() is not None, timeout), f"no answer to {request_id}"
            call = found()
        assert call is not None
        return call

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def with_pact(app: Litestar) -> Litestar:
    """The app with the PACT routes (mounted here until api/app.py mounts them itself)."""
    if not any(route.path == "/3/footprints" for route in app.routes):
        app.register(PactController)
    return app


@pytest.fixture(scope="module")
def partner() -> Iterator[FakePartner]:
    fake = FakePartner()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, partner: FakePartner) -> Iterator[Any]:
    """The demo over a fresh SQLite file, a PACT client ``recipient`` and the fake partner's credentials."""
    app = with_pact(create_app(app_settings(tmp_path_factory.mktemp("pact"), base_url="https://registry.example")))
    reg = app.state.registry
    seed_demo(reg)
    secret = reg.pact_clients.create_client(SYSTEM, "recipient", "conformance test")
    reg.pact_clients.add_partner(SYSTEM, partner.url, PARTNER_ID, PARTNER_SECRET, for_client="recipient")
    client: Any
    with TestClient(app) as client:
        client.secret = secret
        client.bearer = {"Authorization": f"Bearer {token(client)}"}
        yield client


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded"}


def token(client: Any) -> str:
    r = client.post("/auth/token", content="grant_type=client_credentials", headers=basic("recipient", client.secret))
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def listed(api: Any, version: str, query: str = "") -> list[dict[str, Any]]:
    r = api.get(f"/{version}/footprints{query}", headers=api.bearer)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"data"} and isinstance(r.json()["data"], list)
    for pf in r.json()["data"]:
        assert pact_validation.validate(pf, version) == [], pf["id"]  # type: ignore[arg-type]
    return list(r.json()["data"])


def event(version: str, kind: str, data: dict[str, Any], source: str, event_id: str | None = None) -> dict[str, Any]:
    return {"type": pact_terms.EVENT_TYPES[version][kind], "specversion": "1.0", "id": event_id or str(uuid.uuid4()),
            "source": source, "time": "2026-11-22T08:00:00Z", "data": data}


def stored_events(api: Any) -> int:
    with Session(api.app.state.registry.engine) as s:
        return int(s.exec(select(func.count()).select_from(PactEvent)).one())


def row_of(api: Any, event_id: str, direction: str = "in") -> PactEvent:
    with Session(api.app.state.registry.engine) as s:
        row = s.exec(select(PactEvent).where(PactEvent.event_id == event_id, PactEvent.direction == direction)).first()
    assert row is not None
    return row


# ------------------------------------------------------------------------------------------ 1, 2, 18, 19: tokens
def test_1_18_token_from_the_discovered_endpoint(api):
    config = api.get("/.well-known/openid-configuration").json()
    assert config["token_endpoint"] == "https://registry.example/auth/token"
    assert config["grant_types_supported"] == ["client_credentials"]
    r = api.post(urlsplit(config["token_endpoint"]).path, content="grant_type=client_credentials",
                 headers=basic("recipient", api.secret))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] == 3600 and body["access_token"]


@pytest.mark.parametrize(("headers", "form", "status", "error"), [
    (basic("recipient", "wrong-secret"), "grant_type=client_credentials", 401, "invalid_client"),
    (basic("nobody", "whatever"), "grant_type=client_credentials", 401, "invalid_client"),
    ({"Authorization": "Basic !!not-base64!!"}, "grant_type=client_credentials", 401, "invalid_client"),
    ({}, "grant_type=client_credentials", 401, "invalid_client"),
    (None, "grant_type=password", 400, "unsupported_grant_type"),
    (None, "", 400, "invalid_request"),
])
def test_2_19_wrong_credentials_or_grant(api, headers, form, status, error):
    r = api.post("/auth/token", content=form, headers=headers if headers is not None else basic("recipient", api.secret))
    assert (r.status_code, r.json()["error"]) == (status, error)
    assert "access_token" not in r.json()


# ------------------------------------------------------------------------------------------ 3, 4, 5, 8: reads
@pytest.mark.parametrize("version", ["2", "3"])
def test_4_list_maps_every_exportable_label(api, version):
    footprints = listed(api, version)
    # the demo's labels: 9, of which the two "component" labels (a supplier's glass, a laminate) have no CPC code
    # and no product mass, so registry.interop.pact cannot map them: 7 footprints, 3 Active and 4 Deprecated
    assert len(footprints) == 7
    assert sorted(pf["status"] for pf in footprints) == ["Active"] * 3 + ["Deprecated"] * 4
    assert {pf["specVersion"] for pf in footprints} == {pact_terms.SPEC_VERSION[version]}
    gtins = {p for pf in footprints for p in pf["productIds"] if p.startswith("urn:gtin:")}
    assert gtins == {"urn:gtin:06901234567892", "urn:gtin:06901234567908"}


@pytest.mark.parametrize("version", ["2", "3"])
def test_3_get_footprint_by_id(api, version):
    for pf in listed(api, version)[:3]:
        r = api.get(f"/{version}/footprints/{pf['id']}", headers=api.bearer)
        assert r.status_code == 200 and set(r.json()) == {"data"}
        assert r.json()["data"] == pf and pact_validation.validate(r.json()["data"], version) == []


@pytest.mark.parametrize("version", ["2", "3"])
def test_5_pagination_link(api, version):
    every = [pf["id"] for pf in listed(api, version)]
    seen, url, pages = [], f"/{version}/footprints?limit=3", 0
    while url:
        r = api.get(url, headers=api.bearer)
        assert r.status_code == 200 and len(r.json()["data"]) <= 3
        assert all(pact_validation.validate(pf, version) == [] for pf in r.json()["data"])
        seen += [pf["id"] for pf in r.json()["data"]]
        pages += 1
        link = r.headers.get("link")
        if link is None:
            break
        target, rel = link.split(";")
        assert rel.strip() == 'rel="next"' and target.startswith("<https://registry.example/")  # absolute, same host
        url = target.strip("<> ")
        assert f"/{version}/footprints?" in url and "limit=3" in url
    assert seen == every and pages == 3  # 7 footprints: 3 + 3 + 1


@pytest.mark.parametrize(("version", "code"), [("2", "NoSuchFootprint"), ("3", "NotFound")])
def test_8_unknown_and_malformed_ids(api, version, code):
    r = api.get(f"/{version}/footprints/00000000-0000-0000-0000-000000000000", headers=api.bearer)
    assert r.status_code == 404 and r.json()["code"] == code and r.json()["message"]
    r = api.get(f"/{version}/footprints/non-existent-id", headers=api.bearer)
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"


# ------------------------------------------------------------------------------------------ 6, 7, 16: tokens
def forged_token(api) -> str:
    real = token(api)
    return real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")


def expired_token(api) -> str:
    reg = api.app.state.registry
    clock = reg.clock
    reg.clock = lambda: clock() - timedelta(hours=2)  # issued 2 h ago, valid 1 h
    try:
        return reg.pact_clients.token_for("recipient", api.secret)[0]
    finally:
        reg.clock = clock


def requests_of(version: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    published = event(version, "published", {"pfIds": [str(uuid.uuid4())]}, "https://partner.example")
    return [("GET", f"/{version}/footprints", None),
            ("GET", f"/{version}/footprints/{pact_terms.footprint_id('CD-PCF-2026-000001')}", None),
            ("POST", f"/{version}/events", published)]


@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize("kind", ["bogus", "forged", "missing", "basic", "expired", "revoked"])
def test_6_7_16_invalid_tokens(api, version, kind):
    before = stored_events(api)
    headers = {"bogus": {"Authorization": "Bearer very-invalid-access-token-0123456789abcdef"},
               "forged": {"Authorization": f"Bearer {forged_token(api)}"}, "missing": {},
               "basic": basic("recipient", api.secret),
               "expired": {"Authorization": f"Bearer {expired_token(api)}"}}.get(kind)
    if kind == "revoked":
        reg = api.app.state.registry
        reg.pact_clients.create_client(SYSTEM, f"leaver-{version}")
        secret = reg.pact_clients.create_client(SYSTEM, f"leaver2-{version}")
        headers = {"Authorization": f"Bearer {reg.pact_clients.token_for(f'leaver2-{version}', secret)[0]}"}
        reg.pact_clients.revoke_client(SYSTEM, f"leaver2-{version}")
    expected = {"expired": (401, "TokenExpired"), "revoked": (403, "AccessDenied")}.get(kind, (400, "BadRequest"))
    for method, path, body in requests_of(version):
        r = api.request(method, path, headers={**(headers or {}), "Content-Type": CLOUDEVENTS},
                        content=json.dumps(body) if body else None)
        assert (r.status_code, r.json()["code"]) == expected, (method, path, r.text)
        assert r.json()["message"] and "data" not in r.json()
    assert stored_events(api) == before


# ------------------------------------------------------------------------------------------ 12, 13, 14: requests
def requested_ids(version: str, first: dict[str, Any]) -> dict[str, Any]:
    return {"pf": {"productIds": first["productIds"]}} if version == "2" else {"productId": first["productIds"]}


@pytest.mark.parametrize("version", ["2", "3"])
def test_12_13_request_fulfilled_by_callback(api, partner, version):
    first = listed(api, version)[0]
    body = event(version, "request_created", {**requested_ids(version, first), "comment": "PCF for this year"},
                 partner.url, f"conformance-run/13/v{version}")
    r = api.post(f"/{version}/events", content=json.dumps(body), headers={**api.bearer, "Content-Type": CLOUDEVENTS})
    assert r.status_code == 200 and r.content == b""
    call = partner.event_answering(body["id"])
    assert call["path"] == f"/{version}/events"
    assert call["headers"]["Authorization"] == f"Bearer {partner.token}"
    assert call["headers"]["Content-Type"].startswith("application/cloudevents+json")
    answer = call["json"]
    assert pact_validation.schema_errors(answer, version, "RequestFulfilledEvent") == []  # type: ignore[arg-type]
    assert answer["type"] == pact_terms.EVENT_TYPES[version]["request_fulfilled"] and answer["source"]
    assert answer["data"]["pfs"] and all(pact_validation.validate(pf, version) == [] for pf in answer["data"]["pfs"])
    for pf in answer["data"]["pfs"]:  # conformance 13: only footprints of the requested products
        assert set(pf["productIds"]) <= set(first["productIds"])
    assert first["id"] in {pf["id"] for pf in answer["data"]["pfs"]}
    assert [c["path"] for c in partner.calls].count("/auth/token") >= 1
    assert row_of(api, body["id"]).status == "answered: fulfilled"
    assert row_of(api, answer["id"], "out").status == "sent"


def test_13_request_by_gtin_answers_the_pv_module(api, partner):
    body = event("3", "request_created", {"productId": ["URN:GTIN:06901234567892"], "status": "Active"},
                 partner.url + "/3/events")  # a source naming its events endpoint is the same partner
    assert api.post("/3/events", json=body, headers=api.bearer).status_code == 200  # plain JSON is accepted too
    pfs = partner.event_answering(body["id"])["json"]["data"]["pfs"]
    assert [pf["id"] for pf in pfs] == [pact_terms.footprint_id("CD-PCF-2026-000001")]


@pytest.mark.parametrize("version", ["2", "3"])
def test_14_request_rejected_by_callback(api, partner, version):
    data = {"pf": {"productIds": ["urn:pact:null"]}} if version == "2" else {"productId": ["urn:pact:null"]}
    body = event(version, "request_created", data, partner.url, f"conformance-run/14.B/v{version}")
    r = api.post(f"/{version}/events", content=json.dumps(body), headers={**api.bearer, "Content-Type": CLOUDEVENTS})
    assert r.status_code == 200
    call = partner.event_answering(body["id"])
    answer = call["json"]
    assert call["path"] == f"/{version}/events"
    assert pact_validation.schema_errors(answer, version, "RequestRejectedEvent") == []  # type: ignore[arg-type]
    # the Error schema of both versions' events has "NotFound" (NoSuchFootprint is only an HTTP error code)
    assert answer["data"]["error"]["code"] == "NotFound" and answer["data"]["error"]["message"]
    assert row_of(api, body["id"]).status == "answered: rejected"


@pytest.mark.parametrize("source", ["https://unknown-partner.example", "http://partner.example.com"])
def test_request_from_a_source_without_credentials_is_refused_at_once(api, source):
    body = event("3", "request_created", {"productId": ["urn:gtin:06901234567892"]}, source)
    r = api.post("/3/events", json=body, headers={**api.bearer, "Content-Type": CLOUDEVENTS})
    assert r.status_code == 400 and r.json()["code"] == "BadRequest" and "source" in r.json()["message"]
    assert row_of(api, body["id"]).status.startswith("refused")


# ------------------------------------------------------------------------------------------ 15, 21/40: published
@pytest.mark.parametrize("version", ["2", "3"])
def test_15_published_event_accepted(api, version):
    body = event(version, "published", {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}, "https://webhook.example")
    r = api.post(f"/{version}/events", content=json.dumps(body), headers={**api.bearer, "Content-Type": CLOUDEVENTS})
    assert r.status_code == 200 and r.content == b""
    row = row_of(api, body["id"])
    assert row.status == "accepted" and json.loads(row.body) == body


@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize(("change", "field"), [
    ({"data": {"pfIds": ["urn:gtin:4712345060507"]}}, "pfIds[0]"),  # v2 case 21, v3 case 40
    ({"specversion": "0.3"}, "specversion"),
    ({"type": "org.example.Unknown"}, "type"),
    ({"time": "yesterday"}, "time"),
    ({"id": ""}, "id"),
    ({"id": "x" * 201}, "id"),
    ({"data": "pfIds"}, "data"),
])
def test_21_40_bad_events_answer_400_and_store_nothing(api, version, change, field):
    body = event(version, "published", {"pfIds": [str(uuid.uuid4())]}, "https://webhook.example") | change
    before = stored_events(api)
    r = api.post(f"/{version}/events", content=json.dumps(body), headers={**api.bearer, "Content-Type": CLOUDEVENTS})
    assert r.status_code == 400 and r.json()["code"] == "BadRequest" and field in r.json()["message"], r.text
    assert stored_events(api) == before


@pytest.mark.parametrize(("content", "content_type"), [
    (b"{not json", CLOUDEVENTS), (b"[]", CLOUDEVENTS), (b"", CLOUDEVENTS),
    (json.dumps(event("2", "published", {"pfIds": []}, "https://a.example")).encode(), CLOUDEVENTS),  # v2 type on /3
    (json.dumps(event("3", "published", {"pfIds": []}, "https://a.example")).encode(), "text/plain"),
])
def test_malformed_event_bodies(api, content, content_type):
    before = stored_events(api)
    r = api.post("/3/events", content=content, headers={**api.bearer, "Content-Type": content_type})
    assert r.status_code == 400 and r.json()["code"] == "BadRequest", r.text
    assert stored_events(api) == before


# ------------------------------------------------------------------------------------------ 20-39: v3 filters
def one_day(text: str, days: int) -> str:
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def geography(pf: dict[str, Any]) -> str:
    pcf = pf["pcf"]
    return str(pcf.get("geographyCountry") or pcf.get("geographyRegionOrSubregion") or pcf["geographyCountrySubdivision"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# (case, query built from the first footprint as the conformance service does, check on every answer)
POSITIVE = [
    (20, lambda f: [("productId", f["productIds"][0])], lambda pf, f: f["productIds"][0] in pf["productIds"]),
    (21, lambda f: [("companyId", f["companyIds"][0])], lambda pf, f: f["companyIds"][0] in pf["companyIds"]),
    (22, lambda f: [("geography", geography(f))], lambda pf, f: geography(f) == geography(pf)),
    (23, lambda f: [("classification", f["productClassifications"][0])],
     lambda pf, f: f["productClassifications"][0] in pf["productClassifications"]),
    (24, lambda f: [("validOn", f["validityPeriodStart"])],
     lambda pf, f: at(pf["validityPeriodStart"]) <= at(f["validityPeriodStart"]) <= at(pf["validityPeriodEnd"])),
    (25, lambda f: [("validAfter", one_day(f["validityPeriodStart"], -1))],
     lambda pf, f: at(pf["validityPeriodStart"]) > at(one_day(f["validityPeriodStart"], -1))),
    (26, lambda f: [("validBefore", one_day(f["validityPeriodEnd"], 1))],
     lambda pf, f: at(pf["validityPeriodEnd"]) < at(one_day(f["validityPeriodEnd"], 1))),
    (27, lambda f: [("status", f["status"])], lambda pf, f: pf["status"] == f["status"]),
    (28, lambda f: [("status", f["status"]), ("productId", f["productIds"][0])],
     lambda pf, f: pf["status"] == f["status"] and f["productIds"][0] in pf["productIds"]),
    (29, lambda f: [("companyId", f["companyIds"][0]), ("companyId", "x1y2z3w4"), ("companyId", "q9r8s7t6")],
     lambda pf, f: f["companyIds"][0] in pf["companyIds"]),
]


@pytest.mark.parametrize(("case", "query", "check"), POSITIVE, ids=[f"case-{c[0]}" for c in POSITIVE])
def test_20_29_v3_filters_match(api, case, query, check):
    first = listed(api, "3")[0]
    params = query(first)
    r = api.get("/3/footprints", params=params, headers=api.bearer)
    assert r.status_code == 200, r.text
    found = r.json()["data"]
    assert found and first["id"] in {pf["id"] for pf in found}
    assert all(check(pf, first) and pact_validation.validate(pf, "3") == [] for pf in found)


def test_v3_filters_combine_and_across_or_within(api):
    everything = listed(api, "3")
    active = listed(api, "3", "?status=active")  # values match case-insensitively
    assert {pf["status"] for pf in active} == {"Active"} and len(active) == 3
    monitors = listed(api, "3", "?productId=urn:gtin:06901234567908&productId=urn:gtin:06901234567892")
    assert len(monitors) == 3  # the PV module, and the monitor's superseded and current labels
    assert listed(api, "3", "?productId=urn:gtin:06901234567908&status=Deprecated") == \
        [pf for pf in monitors if pf["status"] == "Deprecated" and "urn:gtin:06901234567908" in pf["productIds"]]
    sichuan = listed(api, "3", "?geography=CN-SC")
    assert len(listed(api, "3", "?geography=cn")) == len(everything) > len(sichuan) > 0  # a country holds its regions


NEGATIVE = [
    (30, "productId=urn:bogus:product:nonexistent123"), (31, "companyId=urn:bogus:company:nonexistent456"),
    (32, "geography=XX"), (33, "classification=urn:bogus:classification:nonexistent789"),
    (34, "validOn=1900-01-01T00:00:00Z"), (35, "validAfter=2099-12-31T23:59:59Z"),
    (36, "validBefore=1900-01-01T00:00:00Z"), (37, "status=BogusStatusValue"),
    (38, "companyId=urn:bogus:company:5FIi8zS3&productId=urn:bogus:product:nonexistent123"),
    (39, "companyId=urn:bogus:company:a1&companyId=urn:bogus:company:a2&companyId=urn:bogus:company:a3"),
]


@pytest.mark.parametrize(("case", "query"), NEGATIVE, ids=[f"case-{c[0]}" for c in NEGATIVE])
def test_30_39_v3_filters_matching_nothing(api, case, query):
    r = api.get(f"/3/footprints?{query}", headers=api.bearer)
    assert r.status_code == 200 and r.json() == {"data": []} and "link" not in r.headers


@pytest.mark.parametrize("query", ["validOn=yesterday", "validAfter=2026-13-01T00:00:00Z", "limit=0", "limit=x",
                                   "cursor=not-a-cursor"])
def test_bad_list_parameters(api, query):
    r = api.get(f"/3/footprints?{query}", headers=api.bearer)
    assert r.status_code == 400 and r.json()["code"] == "BadRequest", r.text


# ------------------------------------------------------------------------------------------ v2 $filter (case 20)
def test_v2_20_filter_created_ge(api):
    everything = listed(api, "2")
    created = sorted(pf["created"] for pf in everything)[-2]
    found = listed(api, "2", f"?$filter=created ge '{created}'")
    assert found and all(pf["created"] >= created for pf in found)
    assert len(found) == sum(pf["created"] >= created for pf in everything)
    both = listed(api, "2", f"?$filter=created ge '{created}' and productIds/any(p:(p eq 'urn:gtin:06901234567908'))")
    assert {pf["id"] for pf in both} <= {pf["id"] for pf in found}
    r = api.get("/2/footprints?$filter=pcf/declaredUnit eq 'liter'", headers=api.bearer)
    assert r.status_code == 400 and r.json()["code"] == "NotImplemented"


# ------------------------------------------------------------------------------------------ generations
def test_a_reinstated_label_is_a_new_footprint(tmp_path):
    app = with_pact(create_app(app_settings(tmp_path)))
    reg = app.state.registry
    demo = seed_demo(reg)
    assert demo is not None
    labels = demo["labels"]
    reg.status.reinstate(Actor("demo_certifier", "certifier", "test"), labels["suspended"], "review closed")
    first, second = pact_terms.footprint_id(labels["suspended"]), pact_terms.footprint_id(labels["suspended"], 1)
    pfs = {pf["id"]: pf for pf in reg.pact.footprints("3")[0]}
    assert pfs[first]["status"] == "Deprecated" and pfs[second]["status"] == "Active"
    assert pfs[second]["precedingPfIds"] == [first]
    assert reg.pact.footprint("2", second)["status"] == "Active"
    assert reg.pact.footprint("2", first)["statusComment"].startswith("Label suspended")


# ------------------------------------------------------------------------------------------ partners, CLI
@pytest.mark.parametrize(("url", "base"), [
    ("https://Partner.Example/pact/", "https://partner.example/pact"),
    ("https://partner.example/3/events", "https://partner.example"),
    ("http://127.0.0.1:9000", "http://127.0.0.1:9000"), ("http://127.8.9.10/", "http://127.8.9.10"),
    ("http://localhost:8080/2/events", "http://localhost:8080"), ("http://[::1]:81", "http://[::1]:81"),
    ("http://partner.example", None), ("http://10.0.0.1", None), ("ftp://partner.example", None),
    ("https://user:pw@partner.example", None), ("https://partner.example/?q=1", None), ("//partner.example", None),
    ("not a url", None), ("http://[::1", None),
])
def test_partner_urls(url, base):
    if base is None:
        with pytest.raises(pact_errors.InvalidPartnerUrl):
            pact_clients.partner_base(url)
    else:
        assert pact_clients.partner_base(url) == base


def test_partner_secret_sealed_at_rest(api, partner):
    reg = api.app.state.registry
    with Session(reg.engine) as s:
        row = s.get(PactPartner, partner.url)
    assert row is not None and PARTNER_SECRET.encode() not in row.sealed_secret
    assert reg.pact_clients.open_partner_secret(partner.url, row.sealed_secret) == PARTNER_SECRET
    with pytest.raises(RegistryError):  # bound to its partner: another URL does not open it
        reg.pact_clients.open_partner_secret("https://other.example", row.sealed_secret)


def test_cli_client_and_partner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from api.cli.pact import pact_app
    from api.runtime import open_registry
    from api.settings import Settings

    monkeypatch.setenv("PCF_DATA_DIR", str(tmp_path))
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    app_settings(tmp_path)  # the master key file
    runner = CliRunner()
    r = runner.invoke(pact_app, ["client", "add", "buyer-1", "--name", "A buyer", "--json", "--db", db])
    assert r.exit_code == 0, r.output
    secret = json.loads(r.output)["client_secret"]
    r = runner.invoke(pact_app, ["partner", "add", "https://buyer.example/", "--client-id", "us", "--client-secret",
                                 "s3cret", "--for-client", "buyer-1", "--db", db])
    assert r.exit_code == 0 and "https://buyer.example/auth/token" in r.output, r.output
    reg = open_registry(Settings(data_dir=tmp_path, database_url=db))
    assert reg.pact_clients.check_token(reg.pact_clients.token_for("buyer-1", secret)[0]) == "buyer-1"
    with Session(reg.engine) as s:
        row = s.get(PactPartner, "https://buyer.example")
    assert row is not None and b"s3cret" not in row.sealed_secret
    r = runner.invoke(pact_app, ["partner", "add", "http://buyer.example", "--client-id", "us", "--client-secret",
                                 "x", "--for-client", "buyer-1", "--db", db])
    assert r.exit_code == 2 and "pact-invalid-url" in r.output
    r = runner.invoke(pact_app, ["client", "add", "buyer-1", "--db", db])
    assert r.exit_code == 2 and "exists already" in r.output
    r = runner.invoke(pact_app, ["events", "--json", "--db", db])
    assert r.exit_code == 0 and json.loads(r.output) == []


@pytest.mark.parametrize("command", [["client", "add"], ["client", "revoke"], ["partner", "add"], ["events"]])
def test_every_pact_command_has_help(command):
    from api.cli.pact import pact_app

    out = CliRunner().invoke(pact_app, [*command, "--help"])
    assert out.exit_code == 0 and "Usage" in out.output


# ------------------------------------------------------------------------------------------ delivery failures
@pytest.mark.parametrize(("token_status", "events_status", "outcome"), [
    (500, 200, "failed: token HTTP 500"), (200, 401, "failed: events HTTP 401"), (None, None, "failed: ConnectError")])
def test_undelivered_answers_are_recorded(api, partner, token_status, events_status, outcome):
    calls: list[str] = []

    def transport(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if token_status is None:
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == "/auth/token":
            return httpx.Response(token_status, json={"access_token": "t", "token_type": "bearer", "expires_in": 9})
        return httpx.Response(events_status)

    body = event("3", "request_created", {"productId": ["urn:gtin:06901234567892"]}, partner.url)
    received = api.app.state.registry.pact.receive_event("3", body, "recipient")
    with httpx.Client(transport=httpx.MockTransport(transport)) as client:
        assert api.app.state.registry.pact_delivery.answer_request(received, "https://registry.example",
                                           client=client, attempts=2, backoff_s=0) == outcome
    assert len(calls) == (2 if token_status != 200 else 4)  # each attempt: token, then (if one) the event
    assert row_of(api, body["id"]).status == "answer failed: fulfilled"
    with Session(api.app.state.registry.engine) as s:
        out = s.exec(select(PactEvent).where(PactEvent.direction == "out", PactEvent.source == partner.url)
                     .order_by(PactEvent.id.desc())).first()  # type: ignore[union-attr]
    assert out is not None and out.status == outcome and json.loads(out.body)["data"]["requestEventId"] == body["id"]


def test_a_repeated_request_is_answered_once(api, partner):
    body = event("3", "request_created", {"productId": ["urn:gtin:06901234567892"]}, partner.url)
    for _ in range(2):
        r = api.post("/3/events", json=body, headers=api.bearer)
        assert r.status_code == 200
    partner.event_answering(body["id"])
    with partner.changed:
        answers = [c for c in partner.calls if c.get("json", {}).get("data", {}).get("requestEventId") == body["id"]]
    assert len(answers) == 1


def test_v2_pagination_keeps_the_filter(api):
    created = min(pf["created"] for pf in listed(api, "2"))
    r = api.get("/2/footprints", params={"$filter": f"created ge '{created}'", "limit": "4"}, headers=api.bearer)
    link = r.headers["link"]
    assert "%24filter=" in link or "$filter=" in link
    r2 = api.get(link.split(";")[0].strip("<> "), headers=api.bearer)
    assert r2.status_code == 200 and len(r.json()["data"]) + len(r2.json()["data"]) == 7


def test_openapi_documents_pact_error_bodies():
    from api.app import services
    from api.controllers.pact import is_pact_path

    deps = services(None, None)  # type: ignore[arg-type]  # the schema needs the dependencies' names only
    doc = Litestar(route_handlers=[PactController], dependencies=deps).openapi_schema.to_schema()
    assert {p for p in doc["paths"] if is_pact_path(p)} == set(doc["paths"]) == {
        "/auth/token", "/.well-known/openid-configuration", "/2/footprints", "/3/footprints",
        "/2/footprints/{pf_id}", "/3/footprints/{pf_id}", "/2/events", "/3/events"}
    for path, item in doc["paths"].items():
        for op in item.values():
            errors = {k: v for k, v in op["responses"].items() if k.startswith(("4", "5"))}
            assert errors and all(list(v["content"]) == ["application/json"] for v in errors.values()), path
            if path.startswith(("/2/", "/3/")):
                assert op["security"] == [{"pact": []}] and "403" in errors
    v3 = {p["name"] for p in doc["paths"]["/3/footprints"]["get"]["parameters"]}
    assert v3 == {"limit", "cursor", "productId", "companyId", "geography", "classification", "validOn", "validAfter",
                  "validBefore", "status"}


# ------------------------------------------------------------------------------------------ issue 16: PACT abuse
def test_a_client_cannot_have_answers_sent_to_another_clients_partner(api, partner):
    reg = api.app.state.registry
    secret = reg.pact_clients.create_client(SYSTEM, "intruder", "another buyer")
    r = api.post("/auth/token", content="grant_type=client_credentials", headers=basic("intruder", secret))
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    before = len(partner.calls)
    body = event("3", "request_created", {"productId": ["urn:gtin:06901234567892"]}, partner.url)
    r = api.post("/3/events", json=body, headers=bearer)
    assert r.status_code == 400 and "not registered for this client" in r.json()["message"], r.text
    assert row_of(api, body["id"]).status.startswith("refused") and row_of(api, body["id"]).client_id == "intruder"
    assert len(partner.calls) == before  # nothing was sent to the partner


def test_an_oversized_event_is_refused_and_not_stored(api):
    stored = stored_events(api)
    body = event("3", "published", {"pfIds": [str(uuid.uuid4())]}, "https://unknown.example")
    body["data"]["padding"] = "x" * 900_000
    r = api.post("/3/events", json=body, headers=api.bearer)
    assert r.status_code in (400, 413) and stored_events(api) == stored, r.status_code


def test_the_sending_client_is_recorded(api):
    body = event("3", "published", {"pfIds": [str(uuid.uuid4())]}, "https://unknown.example")
    assert api.post("/3/events", json=body, headers=api.bearer).status_code == 200
    assert row_of(api, body["id"]).client_id == "recipient"
