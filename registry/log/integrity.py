"""Whether a label's database row is what was signed and logged (issue 16).

A label row is a convenience copy: the truth is the signed claim (the certifier's Ed25519 signature over RFC 8785
JSON) and the transparency log (the issuance leaf, which fixes the claim's hash, the signature and the product
shown; then every status change). :func:`label_integrity` checks one row against both:

- the claim's signature verifies under the key the claim names, and that key belongs to the claim's certifier;
- every field the row repeats (label id, version, product id, GTIN, value, unit, declared unit, boundary, method,
  validity, certifier, key) equals the claim's;
- the issuance leaf at the row's ``log_index`` exists, its data matches its hash, and it names this label, this
  claim (SHA-256 of its text) and this signature, and (from format ``v: 1`` leaves that carry it) this product's
  name and model;
- the status the row holds is the one a replay of the label's status leaves gives;
- under a rule with a certification block (issue 17), the certificate row has the claim's certificate number and
  the verification record hashes to the claim's ``verification_sha256``.

A row that fails any check is shown to the public as damaged, never as valid, and ``pcf registry verify-log``
names it. The check reads a handful of rows (the key, the leaves of one label).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from sqlmodel import Session, col, select

from registry.store.tables import Certificate, Label, LogEntry, Product, SigningKey, Verification
from registry.trust import signing, tlog

#: Row fields that repeat a claim field (row attribute, claim field).
REPEATED = (("label_id", "label_id"), ("version", "version"), ("product_id", "product_id"), ("value", "value"),
            ("unit", "unit"), ("declared_unit", "declared_unit"), ("boundary", "boundary"), ("method", "method"),
            ("certifier_id", "certifier_id"), ("key_id", "key_id"))


@dataclass(frozen=True)
class Integrity:
    """The verdict on a label row: ``ok``, or the first reason it is damaged."""

    ok: bool
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.reason}


OK = Integrity(True)


def _damaged(reason: str) -> Integrity:
    return Integrity(False, reason)


def statement_json(v: Verification) -> dict[str, Any]:
    """The public statement of a verification record: what a signed claim's ``verification_sha256`` covers."""
    return {"declaration_id": v.declaration_id, "certifier_id": v.certifier_id, "criteria": v.criteria,
            **json.loads(v.statement), "report_sha256": v.report_sha256}


def statement_sha256(v: Verification) -> str:
    """SHA-256 of the statement's RFC 8785 JSON."""
    return hashlib.sha256(rfc8785.dumps(statement_json(v))).hexdigest()


def _evidence(s: Session, label: Label, claim: Mapping[str, Any]) -> Integrity:
    """The certificate and verification rows of a label whose claim names them."""
    if "certificate_number" in claim:
        cert = s.exec(select(Certificate).where(Certificate.label_id == label.label_id)).first()
        if cert is None or cert.number != claim["certificate_number"]:
            return _damaged("the certificate differs from the signed claim")
    if "verification_sha256" in claim:
        record = s.exec(select(Verification).where(Verification.declaration_id == label.declaration_id)).first()
        if (record is None or statement_sha256(record) != claim["verification_sha256"]
                or record.report_sha256 != claim.get("verification_report_sha256")):
            return _damaged("the verification record differs from the signed claim")
    return OK


def issuance_event(product: Product) -> dict[str, Any]:
    """What the issuance leaf records of the product, so that a renamed product row is caught."""
    return {"product": {"id": product.id, "name": product.name, "model": product.model or "",
                        "gtin": product.gtin}}


def replay_status(leaves: Iterable[LogEntry], label_id: str) -> str | None:
    """The status the log gives ``label_id``: None without an issuance leaf, else ``active`` changed by each of
    its ``label.status`` leaves in log order."""
    status: str | None = None
    for e in sorted(leaves, key=lambda e: e.index):
        event = _event(e)
        if event is None or event.get("label_id") != label_id:
            continue
        if e.kind == "label.issued":
            status = "active"
        elif e.kind == "label.status" and status is not None:
            status = str(event.get("status"))
    return status


def _event(e: LogEntry) -> dict[str, Any] | None:
    try:
        event = json.loads(e.leaf)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def label_integrity(s: Session, label: Label, product: Product | None = None,
                    leaves: list[LogEntry] | None = None) -> Integrity:
    """Check a label row against its signed claim and the log (see the module docstring). ``leaves``: the
    label's log leaves when the caller has them (a full replay), else they are read."""
    try:
        claim = json.loads(label.claim)
        signature = base64.b64decode(label.signature, validate=True)
    except ValueError:
        return _damaged("the stored claim or signature is not readable")
    if not isinstance(claim, dict):
        return _damaged("the stored claim is not a claim")
    key = s.get(SigningKey, str(claim.get("key_id")))
    if key is None:
        return _damaged(f"the key {claim.get('key_id')} that the claim names is unknown")
    if key.org_id != claim.get("certifier_id"):
        return _damaged("the claim's key belongs to another organisation than its certifier")
    if not signing.verify_claim(claim, signature, key.public_key):
        return _damaged("the signature does not match the stored claim")
    for attribute, name in REPEATED:
        if str(getattr(label, attribute)) != str(claim.get(name)):
            return _damaged(f"the stored {attribute} differs from the signed claim")
    if (label.valid_from.isoformat(), label.valid_until.isoformat()) != (claim.get("valid_from"),
                                                                         claim.get("valid_until")):
        return _damaged("the stored validity differs from the signed claim")
    product = product or s.get(Product, label.product_id)
    if product is None or product.gtin != claim.get("gtin"):
        return _damaged("the product's GTIN differs from the signed claim")
    if leaves is None:
        leaves = list(s.exec(select(LogEntry).where(LogEntry.subject == label.label_id)
                             .order_by(col(LogEntry.index))))
    by_index = {e.index: e for e in leaves}
    issued = by_index.get(label.log_index)
    if issued is None or issued.kind != "label.issued":
        return _damaged(f"the issuance leaf {label.log_index} is missing from the log")
    for e in leaves:
        if tlog.leaf_hash(e.leaf) != e.leaf_hash:
            return _damaged(f"log leaf {e.index} does not match its hash")
    event = _event(issued) or {}
    if (event.get("label_id"), event.get("claim_sha256"), event.get("signature")) != (
            label.label_id, hashlib.sha256(label.claim.encode()).hexdigest(), label.signature):
        return _damaged("the logged issuance names another claim or signature")
    logged_product = event.get("product")
    if isinstance(logged_product, Mapping) and logged_product != issuance_event(product)["product"]:
        return _damaged("the product's name or model differs from the one logged at issuance")
    replayed = replay_status(leaves, label.label_id)
    if replayed != label.status:
        return _damaged(f"the stored status {label.status} differs from the logged status {replayed}")
    return _evidence(s, label, claim)
