"""A label's status: the one rule for its effective status, its SQL twin, and the certifier's status changes.

Stored statuses are ``active``, ``suspended``, ``revoked`` and ``superseded``; ``expired`` is never stored: an
``active`` label whose ``valid_until`` has passed *is* expired (no scheduler). Python code asks
:func:`effective_status`, queries use :func:`status_sql` and :func:`in_force_sql`, so both answer the same.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import and_, case
from sqlmodel import col

from registry.accounts.actors import Actor
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.store.tables import LABEL_STATUSES, Label
from registry.work import RegistryContext, record_sha256

__all__ = ["LABEL_STATUSES", "StatusChanges", "effective", "effective_status", "in_force_sql", "reason_text",
           "status_sql", "status_where"]

#: Statuses a certifier may move a label from, per target status.
TRANSITIONS = {"suspended": ("active",), "active": ("suspended",),
               "revoked": ("active", "suspended", "expired", "superseded")}


def effective(status: str, valid_until: date, today: date) -> str:
    """The effective status of a stored status and validity end on ``today``."""
    return "expired" if status == "active" and valid_until < today else status


def effective_status(label: Label, today: date) -> str:
    """A label's effective status on ``today``."""
    return effective(label.status, label.valid_until, today)


def status_sql(today: date) -> Any:
    """The SQL twin of :func:`effective_status` (a CASE over ``label.status`` and ``label.valid_until``)."""
    return case((and_(col(Label.status) == "active", col(Label.valid_until) < today), "expired"),
                else_=col(Label.status))


def in_force_sql(today: date) -> Any:
    """SQL: the label is active and not expired on ``today``."""
    return and_(col(Label.status) == "active", col(Label.valid_until) >= today)


def status_where(status: str, today: date) -> Any:
    """SQL: the label's effective status is ``status`` on ``today``."""
    if status == "expired":
        return and_(col(Label.status) == "active", col(Label.valid_until) < today)
    if status == "active":
        return in_force_sql(today)
    return col(Label.status) == status


def reason_text(reason: str) -> str:
    """A status change's reason: required, at most 2,000 characters; control characters (other than line breaks
    and tabs, which become spaces) are refused, since the reason is shown in pages, feeds (XML) and exports."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a reason is required", "reason")
    if len(reason) > 2000:
        raise InvalidInput("a reason has at most 2000 characters", "reason")
    reason = " ".join(reason.replace("\t", " ").split())
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in reason):
        raise InvalidInput("a reason cannot contain control characters", "reason")
    return reason


class StatusChanges:
    """The issuing certifier suspends, reinstates and revokes its labels (each audited and logged)."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def _change(self, actor: Actor, label_id: str, reason: str, new: str) -> Label:
        actor.require("certifier")
        reason = reason_text(reason)
        with self.ctx.work(actor) as w:
            w.lock_log()
            label = w.session.get(Label, label_id)
            if label is None:
                raise NotFound(f"no label {label_id!r}", "label_id")
            if label.certifier_id != actor.org_id:
                raise Forbidden(f"label {label_id} was issued by another certifier")
            current = effective_status(label, w.now.date())
            if current not in TRANSITIONS[new]:
                raise Conflict(f"label {label_id} is {current}; cannot make it {new}", "status")
            before = record_sha256(label)
            label.status, label.status_reason = new, reason
            w.session.add(label)
            w.log({"label_id": label_id, "status": new, "reason": reason, "by": actor.org_id,
                   "at": w.now.isoformat()}, "label.status", label_id)
            w.audit(f"label.{new}", label, label_id, before, reason=reason)
            return label

    def suspend(self, actor: Actor, label_id: str, reason: str) -> Label:
        """Suspend an active label (the certifier that issued it)."""
        return self._change(actor, label_id, reason, "suspended")

    def reinstate(self, actor: Actor, label_id: str, reason: str) -> Label:
        """Make a suspended label active again."""
        return self._change(actor, label_id, reason, "active")

    def revoke(self, actor: Actor, label_id: str, reason: str) -> Label:
        """Revoke a label for good (active, suspended, expired or superseded)."""
        return self._change(actor, label_id, reason, "revoked")
