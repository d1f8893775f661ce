"""Issuing a label: its claim, its number, and the rows and log leaves of issuance and supersession.

These are steps inside a reviewer's unit of work (:mod:`registry.certification.review`), not use cases of their
own. The claim is what is signed (RFC 8785 JSON with :func:`registry.trust.signing.sign_claim`, and as the COSE
payload of the QR code); the label row repeats its fields for queries, and every public read checks the row
against the signed claim.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime, timedelta
from typing import Any

import rfc8785
from sqlmodel import Session, col, func, select

from footprint.calculate import STANDARD
from footprint.model import Result
from registry import rules
from registry.accounts.actors import Actor
from registry.certification import verification
from registry.certification.status import effective_status
from registry.errors import CitationNotActive
from registry.ids import LABEL_PREFIX, label_uuid
from registry.log.integrity import issuance_event, statement_sha256
from registry.store.tables import Certificate, Citation, Declaration, Label, Product, SigningKey
from registry.work import Work, record_sha256

METHOD = f"{STANDARD}; IPCC AR6 GWP100"
#: A claim prepared for a certifier to sign stays current this long; after it, prepare answers a new claim (same
#: label number) and approve refuses the old one, so a label's signed issued_at is at most a day before its issue.
PENDING_CLAIM_TTL = timedelta(days=1)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months (the last day of a shorter month when the day does not exist)."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return d.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(f"no date {months} months after {d}")


def label_valid_until(rule: rules.CategoryRule, start: date) -> date:
    """A label's last day: the rule's validity, never beyond its certificate's (issue 17)."""
    end = add_years(start, rule.validity_years)
    if rule.certification is not None:
        end = min(end, add_years(start, rule.certification.certificate_years))
    return end


def current_label(s: Session, product_id: str) -> Label | None:
    """The product's newest label that no other supersedes."""
    return s.exec(select(Label).where(Label.product_id == product_id, Label.superseded_by.is_(None))  # type: ignore[union-attr]
                  .order_by(Label.issued_at.desc())).first()  # type: ignore[attr-defined]


def build_claim(s: Session, actor: Actor, dec: Declaration, key_row: SigningKey, label_id: str,
                now: datetime) -> tuple[dict[str, Any], Label | None]:
    """The claim of the label ``label_id`` for ``dec`` issued at ``now``, and the label it supersedes."""
    product = s.get(Product, dec.product_id)
    assert product is not None
    result = Result.model_validate_json(dec.result)
    rule_id, _, rule_version = dec.category_rule.partition("@")
    rule = rules.load_rule(rule_id, rule_version or None)
    previous = current_label(s, product.id)
    value = rules.label_value(rule, result)
    claim: dict[str, Any] = {
        "label_id": label_id, "version": (previous.version + 1) if previous else 1, "product_id": product.id,
        "gtin": product.gtin, "value": value.value, "unit": value.unit,
        "declared_unit": value.declared_unit, "boundary": result.boundary, "method": METHOD,
        "factor_release": dec.factor_release, "factor_release_sha256": dec.factor_release_sha256,
        "input_sha256": dec.input_sha256, "issued_at": int(now.timestamp()),
        "valid_from": now.date().isoformat(),
        "valid_until": label_valid_until(rule, now.date()).isoformat(),
        "certifier_id": actor.org_id, "key_id": key_row.key_id,
        # in the full claim only (the QR payload has no room: registry.trust.payload.claim.NOT_CARRIED)
        "primary_data_share": f"{result.primary_data_share:.3f}",
    }
    # The verification behind the label (issue 17 item 4): required under a rule with a certification block,
    # signed whenever one was recorded; and the certificate such a rule yields (item 3).
    if rule.certification is not None or verification.record_for(s, dec.id) is not None:
        record = verification.require_certifiable(s, dec, actor.org_id)
        claim["verification_sha256"] = statement_sha256(record)
        claim["verification_report_sha256"] = record.report_sha256
    if rule.certification is not None:
        claim["certificate_number"] = certificate_number(label_id)
    return claim, previous


def certificate_number(label_id: str) -> str:
    """The number of the certificate behind label ``label_id`` (one certificate per label)."""
    return f"C-{label_id}"


def next_label_id(s: Session, year: int) -> str:
    """The number after the highest issued or reserved (prepared) label number of ``year``; call it under the
    log-head lock."""
    prefix = f"{LABEL_PREFIX}-{year}-"
    numbered = s.info.setdefault("pcf_label_numbers", {})  # within one transaction (a batch), count on
    if year in numbered:
        numbered[year] += 1
        return f"{prefix}{numbered[year]:06d}"
    issued = s.exec(select(func.max(Label.label_id)).where(col(Label.label_id).like(prefix + "%"))).one()
    reserved = s.exec(select(func.max(Declaration.pending_label_id))
                      .where(col(Declaration.pending_label_id).like(prefix + "%"))).one()
    last = max((n for n in (issued, reserved) if n), default=None)
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    numbered[year] = seq
    return f"{prefix}{seq:06d}"


def check_citations(s: Session, dec: Declaration, today: date) -> None:
    """Refuse a declaration whose cited supplier labels stopped being active since its submission."""
    for c in s.exec(select(Citation).where(Citation.declaration_id == dec.id)):
        cited = s.get(Label, c.label_id)
        status = effective_status(cited, today) if cited else "unknown"
        if status != "active":
            raise CitationNotActive(f"cited label {c.label_id} is {status} since the submission: the "
                                    "manufacturer must renew the declaration", f"spec.{c.field}.supplier_label")


def issue(w: Work, dec: Declaration, claim: dict[str, Any], previous: Label | None, sig: bytes, text: str,
          comment: str) -> Label:
    """Store and log the label of a signed claim, supersede ``previous``, certify ``dec``."""
    s, actor, now = w.session, w.actor, w.now
    product = s.get(Product, dec.product_id)
    assert product is not None
    before = record_sha256(dec)
    label_id = claim["label_id"]
    label = Label(
        label_id=label_id, version=claim["version"], declaration_id=dec.id, product_id=product.id,
        manufacturer_id=product.org_id, certifier_id=actor.org_id, category=product.category,
        key_id=claim["key_id"], value=claim["value"], value_num=float(claim["value"]), unit=claim["unit"],
        declared_unit=claim["declared_unit"], boundary=claim["boundary"], method=claim["method"],
        valid_from=date.fromisoformat(claim["valid_from"]),
        valid_until=date.fromisoformat(claim["valid_until"]), status="active",
        supersedes=previous.label_id if previous else None, claim=rfc8785.dumps(claim).decode(),
        signature=base64.b64encode(sig).decode(), payload=text, issued_at=now, log_index=-1,
        pact_id=label_uuid(label_id))
    s.add(label)
    label.log_index = w.log({
        "label_id": label_id, "version": label.version, "certifier_id": actor.org_id, "key_id": label.key_id,
        "claim_sha256": hashlib.sha256(label.claim.encode()).hexdigest(), "signature": label.signature,
        "at": now.isoformat(), **issuance_event(product)}, "label.issued", label_id, checkpoint=False)
    s.add(label)
    if previous is not None:
        prev_before = record_sha256(previous)
        previous.superseded_by = label_id
        if previous.status in ("active", "suspended"):
            previous.status = "superseded"
            previous.status_reason = f"superseded by {label_id}"
        s.add(previous)
        w.log({"label_id": previous.label_id, "status": "superseded", "reason": previous.status_reason,
               "by": actor.org_id, "at": now.isoformat()}, "label.status", previous.label_id, checkpoint=False)
        w.audit("label.supersede", previous, previous.label_id, prev_before, by=label_id)
    rule_id, _, rule_version = dec.category_rule.partition("@")
    rule = rules.load_rule(rule_id, rule_version or None)
    if rule.certification is not None:  # the certificate behind the label (CNCA-CFP-00: certification decision)
        months = rule.certification.surveillance_months
        cert = Certificate(number=claim["certificate_number"], label_id=label_id, declaration_id=dec.id,
                           product_id=product.id, holder_id=product.org_id, certifier_id=actor.org_id,
                           rule=dec.category_rule,
                           issued=now.date(), valid_until=add_years(now.date(), rule.certification.certificate_years),
                           surveillance_months=months, next_surveillance_due=add_months(now.date(), months),
                           created_at=now)
        s.add(cert)
        s.flush()
        w.audit("certificate.issue", cert, cert.number, label_id=label_id)
    dec.status, dec.decided_at, dec.decided_by = "certified", now, actor.org_id
    dec.pending_label_id = dec.pending_claim = None  # the number now belongs to the label
    dec.comments = comment[:2000]
    s.add(dec)
    w.audit("declaration.approve", dec, dec.id, before)
    w.audit("label.issue", label, label_id, None)
    return label
