"""Every state change writes its audit event (issue 15).

Two halves that only hold together:

- the list :data:`USE_CASES` runs each mutating use case of the registry's services once, in the order of a
  label's life, and checks the audit events it wrote (by action name) and that it wrote at least one;
- :func:`test_every_unit_of_work_is_listed` reads the registry's source and finds every method that opens a unit
  of work (``ctx.work(...)``): each must be one of the listed use cases (or reached only through one), so a new
  use case without a row here fails the test instead of going unaudited.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from argon2 import PasswordHasher
from sqlmodel import Session, col, select

from api.demo import record_demo_verification
from registry.accounts.actors import SYSTEM, Actor
from registry.interop.pact import terms as pact_terms
from registry.services import Registry
from registry.store.db import make_engine
from registry.store.tables import AuditEvent
from tests.services import Clock

ROOT = Path(__file__).resolve().parents[1]

#: Private methods that open a unit of work, and the listed use case that reaches each.
REACHED_THROUGH = {"_rehash": "sign_in", "_open_session": "sign_in", "_change": "suspend"}




class Life:
    """A registry and what the use cases hand each other (ids, secrets)."""

    def __init__(self, tmp: Path) -> None:
        # a cheap Argon2 (the test is about audit events, not hashing cost)
        self.reg = Registry(make_engine(f"sqlite:///{tmp / 'audit.db'}"), b"k" * 32, clock=Clock(),
                            hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        self.found: dict[str, Any] = {}
        self.mk = Actor("org_mk", "manufacturer", "t")
        self.cert = Actor("org_cert", "certifier", "t")

    def spec(self) -> dict[str, Any]:
        return yaml.safe_load((ROOT / "examples" / "pv_perc_sichuan.yaml").read_text(encoding="utf-8"))

    def declaration(self) -> str:
        dec = self.reg.declarations.create_declaration(self.mk, product_id=self.found["product"], spec=self.spec())
        self.reg.declarations.submit(self.mk, dec.id)
        record_demo_verification(self.reg, self.cert, dec.id)  # a certifier verifies before approving (issue 17)
        return dec.id


def _pact_request(life: Life) -> None:
    partner = "https://partner.example"
    body = {"type": pact_terms.EVENT_TYPES["3"]["request_created"], "specversion": "1.0", "id": str(uuid.uuid4()),
            "source": partner, "time": "2026-11-22T08:00:00Z",
            "data": {"productId": ["urn:gtin:06901234567892"]}}
    life.found["received"] = life.reg.pact.receive_event("3", body, "buyer-system")


def _pact_answer(life: Life) -> None:
    # the partner is down: the answer is still recorded (and audited) as undelivered
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        outcome = life.reg.pact_delivery.answer_request(life.found["received"], "https://registry.example",
                                                        client=client, attempts=1, backoff_s=0)
    assert outcome.startswith("failed")


def _add_witness(life: Life) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registry.trust.tlog import cosign

    life.found["witness_key"] = key = Ed25519PrivateKey.generate()
    life.reg.witnesses.add_witness(SYSTEM, cosign.witness_vkey("w.example/1", cosign.raw_public(key.public_key())))


def _cosign(life: Life) -> None:
    from registry.log.witnesses import checkpoint_body
    from registry.trust.tlog import cosign

    cp = life.reg.log.checkpoint()
    line = cosign.cosign(checkpoint_body(cp["note"]), "w.example/1", life.found["witness_key"], 1_796_000_000)
    assert life.reg.witnesses.accept("w.example/1", cp["tree_size"], line)["accepted"] == "new"


#: (use case, what it does, audit actions it must write). Run in this order, each on what the earlier ones made.
USE_CASES: list[tuple[str, Callable[[Life], Any], tuple[str, ...]]] = [
    ("init", lambda life: life.reg.init(), ("registry.init",)),
    ("create_organisation", lambda life: [life.reg.organisations.create_organisation(
        SYSTEM, role=role, name_zh=f"{role}中文", name_en=role, org_id=org, accreditation_no=acc)
        for role, org, acc in (("manufacturer", "org_mk", None), ("certifier", "org_cert", "CNCA-R-2026-001"))],
     ("organisation.create",)),
    ("create_token", lambda life: life.found.setdefault("token", life.reg.organisations.create_token(
        SYSTEM, "org_mk", name="ci")[0].id), ("token.create",)),
    ("revoke_token", lambda life: life.reg.organisations.revoke_token(SYSTEM, life.found["token"]), ("token.revoke",)),
    ("add_person", lambda life: life.reg.accounts.add_person(SYSTEM, org_id="org_mk", email="a@example.com",
                                                           password="correct horse battery"), ("person.create",)),
    ("sign_in", lambda life: life.found.setdefault("session", life.reg.accounts.sign_in(
        "a@example.com", "correct horse battery").secret), ("session.create",)),
    ("sign_out", lambda life: life.reg.accounts.sign_out(life.found["session"]), ("session.revoke",)),
    ("verify_log_now", lambda life: life.reg.accounts.verify_log_now(SYSTEM), ("log.verify",)),
    ("create_product", lambda life: life.found.setdefault("product", life.reg.products.create_product(
        life.mk, name="Module", model="M-1", category="pv_module", gtin="6901234567892").id), ("product.create",)),
    ("create_declaration", lambda life: life.found.setdefault("draft", life.reg.declarations.create_declaration(
        life.mk, product_id=life.found["product"], spec=life.spec()).id), ("declaration.create",)),
    ("submit", lambda life: life.reg.declarations.submit(life.mk, life.found["draft"]), ("declaration.submit",)),
    ("reject", lambda life: life.reg.review.reject(life.cert, life.found["draft"], "the meter reading is missing"),
     ("declaration.reject",)),
    ("record_verification", lambda life: life.declaration(), ("declaration.verification",)),
    ("approve", lambda life: life.found.setdefault("label", life.reg.review.approve(
        life.cert, life.declaration()).label_id), ("declaration.approve", "label.issue")),
    ("approve_many", lambda life: life.found.update(label=life.reg.review.approve_many(
        life.cert, [life.declaration()])[0].label_id),
     ("declaration.approve", "label.issue", "label.supersede")),
    ("record", lambda life: life.reg.surveillance.record(life.cert, life.found["label"], audited_on=
     life.reg.clock().date(), outcome="passed", notes="site visit"), ("certificate.surveillance",)),
    ("suspend", lambda life: life.reg.status.suspend(life.cert, life.found["label"], "survey due"),
     ("label.suspended",)),
    ("reinstate", lambda life: life.reg.status.reinstate(life.cert, life.found["label"], "survey passed"),
     ("label.active",)),
    ("revoke", lambda life: life.reg.status.revoke(life.cert, life.found["label"], "withdrawn"), ("label.revoked",)),
    ("rotate_key", lambda life: life.found.setdefault("key", life.reg.keys.rotate_key(SYSTEM, "org_cert").key_id),
     ("key.rotate",)),
    ("revoke_key", lambda life: life.reg.keys.revoke_key(SYSTEM, life.found["key"]), ("key.revoke",)),
    ("prepare", lambda life: (life.reg.keys.rotate_key(SYSTEM, "org_cert", public_key=bytes(32)),
                              life.reg.review.prepare(life.cert, life.declaration())), ("declaration.prepare",)),
    ("create_client", lambda life: life.reg.pact_clients.create_client(SYSTEM, "buyer-system", "A buyer"),
     ("pact.client.create",)),
    ("add_partner", lambda life: life.reg.pact_clients.add_partner(SYSTEM, "https://partner.example", "us", "s3cret",
                                                                       for_client="buyer-system"),
     ("pact.partner.add",)),
    ("receive_event", _pact_request, ("pact.event.receive",)),
    ("answer_request", _pact_answer, ("pact.event.answer",)),
    ("revoke_client", lambda life: life.reg.pact_clients.revoke_client(SYSTEM, "buyer-system"),
     ("pact.client.revoke",)),
    ("add_witness", _add_witness, ("witness.add",)),
    ("accept", _cosign, ("witness.cosign",)),
]


def audit_actions(reg: Registry, after: int) -> list[str]:
    with Session(reg.engine) as s:
        return list(s.exec(select(AuditEvent.action).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id))))


def last_audit_id(reg: Registry) -> int:
    with Session(reg.engine) as s:
        return s.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first() or 0


def test_every_listed_use_case_writes_its_audit_events(tmp_path):
    life = Life(tmp_path)
    missing = []
    for name, run, expected in USE_CASES:
        before = last_audit_id(life.reg)
        run(life)
        actions = audit_actions(life.reg, before)
        if not actions or not set(expected) <= set(actions):
            missing.append(f"{name}: expected {expected}, wrote {actions}")
    assert not missing, "; ".join(missing)


def units_of_work() -> set[tuple[str, str]]:
    """``(file, method)`` of every function in registry/ that opens ``ctx.work(...)``."""
    found = set()
    for path in sorted((ROOT / "registry").rglob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "work"
                    and isinstance(c.func.value, ast.Attribute) and c.func.value.attr == "ctx"
                    for node in ast.walk(fn) if isinstance(node, ast.With)
                    for c in (item.context_expr for item in node.items)):
                found.add((str(path.relative_to(ROOT)), fn.name))
    return found


def test_every_unit_of_work_is_listed():
    listed = {name for name, _, _ in USE_CASES}
    found = units_of_work()
    assert len(found) >= 20  # the reader sees the services (a broken reader would find nothing and pass)
    unlisted = sorted(f"{file}:{name}" for file, name in found if REACHED_THROUGH.get(name, name) not in listed)
    assert not unlisted, "a use case opens a unit of work but is not in USE_CASES: " + ", ".join(unlisted)


@pytest.mark.parametrize("name", sorted(REACHED_THROUGH))
def test_private_units_of_work_are_real(name):
    assert name in {n for _, n in units_of_work()}
