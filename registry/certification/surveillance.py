"""Surveillance of certificates (issue 17 item 5): the certifier records its surveillance audits; a certificate
whose surveillance falls overdue has its label suspended with the reason "surveillance overdue", and a passed
audit reinstates it. Each is a state change like any other: audited, and logged where the label's status changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlmodel import col, select

from registry.accounts.actors import Actor
from registry.certification.issuance import add_months
from registry.certification.status import StatusChanges, effective_status, reason_text
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.store.tables import Certificate, Label
from registry.work import RegistryContext, record_sha256

OVERDUE = "surveillance overdue"
Outcome = Literal["passed", "failed"]


@dataclass(frozen=True)
class Audit:
    """What a surveillance audit found."""

    certificate: str
    audited_on: date
    outcome: Outcome
    next_surveillance_due: date
    label_status: str


class Surveillance:
    """Surveillance audits and the schedule that suspends overdue certificates' labels."""

    def __init__(self, ctx: RegistryContext, status: StatusChanges) -> None:
        self.ctx = ctx
        self.status = status

    def record(self, actor: Actor, label_id: str, *, audited_on: date, outcome: Outcome, notes: str) -> Audit:
        """Record a surveillance audit of the certificate behind ``label_id`` (its certifier only).

        A passed audit moves the next due date to ``audited_on`` plus the rule's interval and reinstates a label
        suspended as overdue; a failed one suspends the label.

        Raises:
            NotFound: no label, or no certificate behind it. Forbidden: another certifier's. InvalidInput: a date
                before the certificate or in the future, an unknown outcome, no notes. Conflict: the label is no
                longer active or suspended.
        """
        actor.require("certifier")
        if outcome not in ("passed", "failed"):
            raise InvalidInput("outcome is passed or failed", "outcome")
        notes = reason_text(notes)
        with self.ctx.work(actor) as w:
            s = w.session
            cert = s.exec(select(Certificate).where(Certificate.label_id == label_id)).first()
            label = s.get(Label, label_id)
            if cert is None or label is None:
                raise NotFound(f"no certificate behind label {label_id!r}", "label_id")
            if cert.certifier_id != actor.org_id:
                raise Forbidden(f"the certificate {cert.number} was issued by another certifier")
            if not cert.issued <= audited_on <= w.now.date():
                raise InvalidInput(f"the audit date is between {cert.issued} and today", "date")
            status = effective_status(label, w.now.date())
            if status not in ("active", "suspended"):
                raise Conflict(f"label {label_id} is {status}: nothing to survey", "label_id")
            before = record_sha256(cert)
            if outcome == "passed":
                cert.next_surveillance_due = add_months(audited_on, cert.surveillance_months)
            s.add(cert)
            w.audit("certificate.surveillance", cert, cert.number, before, outcome=outcome,
                    audited_on=audited_on.isoformat(), notes=notes)
            number, due, suspended_as_overdue = cert.number, cert.next_surveillance_due, label.status_reason == OVERDUE
        if outcome == "failed" and status == "active":
            status = self.status.suspend(actor, label_id, f"surveillance audit failed: {notes}"[:2000]).status
        elif outcome == "passed" and status == "suspended" and suspended_as_overdue:
            status = self.status.reinstate(actor, label_id, "surveillance audit passed").status
        return Audit(number, audited_on, outcome, due, status)

    def suspend_overdue(self) -> list[str]:
        """Suspend the active labels whose certificate's surveillance is overdue; returns their ids. Run by
        ``pcf registry surveillance`` (daily) and at every start of the registry."""
        today = self.ctx.clock().date()
        with self.ctx.read() as s:
            due = list(s.exec(select(Certificate.label_id, Certificate.certifier_id)
                              .join(Label, col(Label.label_id) == col(Certificate.label_id))
                              .where(col(Certificate.next_surveillance_due) < today, col(Label.status) == "active",
                                     col(Label.valid_until) >= today)))
        for label_id, certifier_id in due:
            self.status.suspend(Actor(certifier_id, "certifier", "surveillance schedule"), label_id, OVERDUE)
        return [label_id for label_id, _ in due]
