"""The public side of the registry: labels as anyone sees them (effective status, supply chain, log evidence),
search with keyset pagination, and a per-process cache of the public label JSON.

:class:`PublicReads` is the service; effective status comes from :mod:`registry.certification.status`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from footprint.model import Result
from registry.accounts.actors import Actor
from registry.certification.status import effective_status, status_where
from registry.errors import InvalidInput, NotFound
from registry.log import store as tlog_store
from registry.log.integrity import OK, Integrity, label_integrity, statement_json, statement_sha256
from registry.public.cache import SnapshotCache
from registry.store.tables import (
    AuditEvent,
    Certificate,
    Citation,
    Cosignature,
    Declaration,
    Label,
    Organisation,
    Product,
    Verification,
)
from registry.trust import tlog
from registry.work import RegistryContext

#: The public status of a label whose row differs from its signed claim or from the log (never valid).
DAMAGED = "damaged"
#: How far ahead the renewals list looks for surveillance audits and expiries (issue 17: the next 60 days).
DUE_WITHIN_DAYS = 60
#: Labels whose public JSON a process keeps (a few kB each).
PUBLIC_CACHE_SIZE = 20_000


@dataclass
class LabelView:
    """A label as the public sees it: its effective status, its supply chain and its log evidence."""

    label: Label
    status: str  # effective: active, suspended, revoked, expired, superseded; damaged (see integrity)
    product: Product
    certifier: Organisation
    manufacturer: Organisation
    citations: list[dict[str, Any]] = field(default_factory=list)
    supplier_data_changed: bool = False
    green_share: float | None = None
    stages: dict[str, float] = field(default_factory=dict)
    gtin: str | None = None
    integrity: Integrity = OK
    #: the certified result's data basis (share of the footprint per basis) and whether it was a screening estimate
    data_basis: dict[str, float] = field(default_factory=dict)
    screening_estimate: bool = False
    #: the certificate behind the label (rules with a certification block), as public JSON, or None
    certificate: dict[str, Any] | None = None
    #: the verification statement behind the label (ISO 14064-3), checked against the claim's hash, or None
    verification: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        lab = self.label
        claim = json.loads(lab.claim)
        signed = {k: claim.get(k, getattr(lab, k)) for k in ("value", "unit", "declared_unit", "boundary", "method",
                                                             "valid_from", "valid_until")}
        return {
            "label_id": lab.label_id, "version": lab.version, "status": self.status,
            "status_reason": lab.status_reason, **signed,
            "category": lab.category, "issued_at": lab.issued_at.isoformat(),
            "integrity": self.integrity.to_json(),
            "product": {"id": self.product.id, "name": self.product.name, "model": self.product.model,
                        "gtin": self.product.gtin},
            "gtin": self.product.gtin,
            "manufacturer": {"id": self.manufacturer.id, "name_zh": self.manufacturer.name_zh,
                             "name_en": self.manufacturer.name_en},
            "certifier": {"id": self.certifier.id, "name_zh": self.certifier.name_zh,
                          "name_en": self.certifier.name_en, "accreditation_no": self.certifier.accreditation_no},
            "supersedes": lab.supersedes, "superseded_by": lab.superseded_by,
            "claim": json.loads(lab.claim), "signature": lab.signature, "key_id": lab.key_id,
            "payload": lab.payload, "log_index": lab.log_index,
            "supply_chain": self.citations, "supplier_data_changed": self.supplier_data_changed,
            "green_electricity_share": self.green_share, "stages_kg_co2e": self.stages,
            "data_basis": self.data_basis, "screening_estimate": self.screening_estimate,
            "certificate": self.certificate, "verification": self.verification,
            "primary_data_share": claim.get("primary_data_share"),
        }


def certificate_json(cert: Certificate | None, label_status: str, today: date) -> dict[str, Any] | None:
    """A certificate as the public sees it; its status follows the label's and its own dates."""
    if cert is None:
        return None
    if label_status in ("revoked", "suspended", "superseded", "damaged"):
        status = {"revoked": "withdrawn"}.get(label_status, label_status)
    elif today > cert.valid_until:
        status = "expired"
    elif today > cert.next_surveillance_due:
        status = "surveillance overdue"
    else:
        status = "in force"
    return {"number": cert.number, "issued": cert.issued.isoformat(), "valid_until": cert.valid_until.isoformat(),
            "next_surveillance_due": cert.next_surveillance_due.isoformat(), "rule": cert.rule, "status": status}


class PublicReads:
    """Public reads of labels (no actor needed except for a manufacturer's renewals)."""

    def __init__(self, ctx: RegistryContext, cache_size: int = PUBLIC_CACHE_SIZE) -> None:
        self.ctx = ctx
        self._public = SnapshotCache(cache_size)
        #: answers of the public pages (counts, comparisons, feeds) that change only with the log and the day
        self.snapshots = SnapshotCache()

    def label_view(self, label_id: str) -> LabelView:
        """A label with its effective status and supply chain (public).

        Raises:
            NotFound: no such label.
        """
        with self.ctx.read() as s:
            label = s.get(Label, label_id)
            if label is None:
                raise NotFound(f"no label {label_id!r}", "label_id")
            return self.view_in(s, label)

    def view_in(self, s: Session, label: Label) -> LabelView:
        """A label's public view, read in the caller's session (effective status, supply chain, green share)."""
        today = self.ctx.clock().date()
        product = s.get(Product, label.product_id)
        certifier = s.get(Organisation, label.certifier_id)
        manufacturer = s.get(Organisation, label.manufacturer_id)
        assert product and certifier and manufacturer
        citations = []
        changed = False
        for c in s.exec(select(Citation).where(Citation.declaration_id == label.declaration_id)):
            cited = s.get(Label, c.label_id)
            status = effective_status(cited, today) if cited else "unknown"
            changed |= status != "active"
            citations.append({"field": c.field, "label_id": c.label_id, "version": c.label_version,
                              "value": c.value, "unit": c.unit, "declared_unit": c.declared_unit,
                              "amount": c.amount, "status": status,
                              "status_reason": cited.status_reason if cited else "",
                              "superseded_by": cited.superseded_by if cited else None})
        dec = s.get(Declaration, label.declaration_id)
        result = json.loads(dec.result) if dec else {}
        elec = result.get("electricity") or {}
        share = (elec.get("covered_kwh", 0) / elec["kwh"]) if elec.get("kwh") else None
        integrity = label_integrity(s, label, product)
        status = effective_status(label, today) if integrity.ok else DAMAGED
        cert = s.exec(select(Certificate).where(Certificate.label_id == label.label_id)).first()
        record = s.exec(select(Verification).where(Verification.declaration_id == label.declaration_id)).first()
        statement = ({**statement_json(record), "statement_sha256": statement_sha256(record)}
                     if record is not None and '"verification_sha256"' in label.claim else None)
        if changed and status == "active" and not label.status_reason:
            label.status_reason = "supplier data changed: a cited supplier label is no longer active"
        return LabelView(label, status, product, certifier, manufacturer, citations, changed, share,
                         result.get("stages", {}), product.gtin, integrity, result.get("data_basis") or {},
                         bool(result.get("screening_estimate")), certificate_json(cert, status, today), statement)

    def search_labels(self, *, text: str = "", category: str | None = None, certifier: str | None = None,
                      status: str | None = None, min_value: float | None = None, max_value: float | None = None,
                      include_inactive: bool = False, sort: str = "value", limit: int = 50,
                      after: str | None = None, valid_on: date | None = None) -> tuple[list[LabelView], str | None]:
        """Public search over issued labels, lowest footprint first by default; cursor pagination.

        Returns the page and the cursor of the next page (None at the end).
        """
        today = self.ctx.clock().date()
        with self.ctx.read() as s:
            q = select(Label).join(Product, col(Product.id) == col(Label.product_id))
            if text:
                like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                q = q.where(or_(Product.name.like(like, escape="\\"), Product.model.like(like, escape="\\"),  # type: ignore[attr-defined]
                                Label.label_id.like(like, escape="\\"), Product.gtin.like(like, escape="\\")))  # type: ignore[attr-defined, union-attr]
            if category:
                q = q.where(Label.category == category)
            if certifier:
                q = q.where(Label.certifier_id == certifier)
            if valid_on is not None:
                q = q.where(Label.valid_from <= valid_on, Label.valid_until >= valid_on)
            if min_value is not None:
                q = q.where(Label.value_num >= min_value)
            if max_value is not None:
                q = q.where(Label.value_num <= max_value)
            if status:
                q = q.where(status_where(status, today))
            elif not include_inactive:
                q = q.where(Label.status.in_(("active", "suspended")), Label.valid_until >= today)  # type: ignore[attr-defined]
            key = _SORTS.get(sort)
            if key is None:
                raise InvalidInput(f"sort is one of {', '.join(_SORTS)}", "sort")
            column, descending = key
            sort_col = getattr(Label, column)
            if after:
                last_value, last_id = _cursor_position(after)
                if descending:
                    q = q.where(or_(sort_col < last_value, (sort_col == last_value) & (Label.label_id > last_id)))
                else:
                    q = q.where(or_(sort_col > last_value, (sort_col == last_value) & (Label.label_id > last_id)))
            q = q.order_by(sort_col.desc() if descending else sort_col, Label.label_id)
            rows = list(s.exec(q.limit(limit + 1)))
            more = len(rows) > limit
            rows = rows[:limit]
            views = [self.view_in(s, lab) for lab in rows]
            cursor = _cursor(getattr(rows[-1], column), rows[-1].label_id) if more else None
        return views, cursor

    def certified_result(self, label: Label) -> tuple[str, Result] | None:
        """The category rule (``id@version``) and the engine result a label was certified from."""
        with self.ctx.read() as s:
            dec = s.get(Declaration, label.declaration_id)
        return (dec.category_rule, Result.model_validate_json(dec.result)) if dec is not None else None

    def labels_of_product(self, product_id: str) -> list[LabelView]:
        """A product's labels, newest first (its history)."""
        with self.ctx.read() as s:
            rows = s.exec(select(Label).where(Label.product_id == product_id)
                          .order_by(Label.issued_at.desc()))  # type: ignore[attr-defined]
            return [self.view_in(s, lab) for lab in rows]

    def declarations_to_renew(self, actor: Actor, within_days: int = DUE_WITHIN_DAYS) -> list[dict[str, Any]]:
        """What the acting manufacturer must renew or prepare for (issue 17), soonest first:

        - ``supplier data changed``: a certified declaration whose cited supplier labels are no longer active;
        - ``surveillance due``: a certificate whose next surveillance audit falls within ``within_days`` (or is
          overdue: then its label is suspended until an audit is recorded);
        - ``certificate expires`` / ``label expires``: a label in force whose certificate or own validity ends within
          ``within_days`` (a new declaration is needed to keep a label on the product).

        Each entry has ``label_id``, ``declaration_id``, ``reason``, ``due`` (ISO date or None), ``certificate``
        (number or None) and ``changed`` (the cited labels no longer active)."""
        actor.require("manufacturer", "admin")
        out: list[dict[str, Any]] = []
        today = self.ctx.clock().date()
        horizon = today + timedelta(days=within_days)
        with self.ctx.read() as s:
            q = select(Label).where(Label.status.in_(("active", "suspended")),  # type: ignore[attr-defined]
                                    Label.valid_until >= today, Label.superseded_by.is_(None))  # type: ignore[union-attr]
            if actor.role == "manufacturer":
                q = q.where(Label.manufacturer_id == actor.org_id)
            for lab in s.exec(q):
                view = self.view_in(s, lab)
                entry: dict[str, Any] = {"label_id": lab.label_id, "declaration_id": lab.declaration_id,
                                         "certificate": view.certificate["number"] if view.certificate else None,
                                         "changed": []}
                if view.supplier_data_changed:
                    out.append({**entry, "reason": "supplier data changed", "due": None,
                                "changed": [c for c in view.citations if c["status"] != "active"]})
                cert = view.certificate
                if cert is not None and date.fromisoformat(cert["next_surveillance_due"]) <= horizon:
                    out.append({**entry, "reason": "surveillance due", "due": cert["next_surveillance_due"]})
                if cert is not None and date.fromisoformat(cert["valid_until"]) <= horizon:
                    out.append({**entry, "reason": "certificate expires", "due": cert["valid_until"]})
                elif lab.valid_until <= horizon:
                    out.append({**entry, "reason": "label expires", "due": lab.valid_until.isoformat()})
        out.sort(key=lambda e: (e["due"] or "", e["label_id"]))
        return out

    def audit_trail(self, object_id: str) -> list[AuditEvent]:
        with self.ctx.read() as s:
            return list(s.exec(select(AuditEvent).where(AuditEvent.object_id == object_id).order_by(AuditEvent.id)))  # type: ignore[arg-type]

    def public_label(self, label_id: str) -> dict[str, Any]:
        """A label's public JSON (``LabelView.to_json()`` plus its log evidence), kept in the public-read cache
        (:class:`registry.public.cache.SnapshotCache`: an entry serves while the log size and the date are those it
        was built with; one small query, the log size, per hit)."""
        def build() -> dict[str, Any]:
            view = self.label_view(label_id)
            data = view.to_json()
            data["log"] = self.label_log_evidence(view.label)
            return data

        return self._public.get(self.ctx.read_engine, label_id, self.ctx.clock().date(), build)

    def label_log_evidence(self, label: Label) -> dict[str, Any]:
        """The issuance leaf's inclusion in the latest signed checkpoint, checked here on the server."""
        with self.ctx.read() as s:
            cp = tlog_store.latest_checkpoint(s)
            leaf = tlog_store.entry(s, label.log_index)
            if cp is None or leaf is None:
                return {"log_index": label.log_index, "included": False}
            proof = tlog_store.inclusion(s, label.log_index, cp.size)
        included = tlog.verify_inclusion(leaf.leaf_hash, label.log_index, cp.size, proof, cp.root)
        with self.ctx.read() as s:
            witnesses = int(s.exec(select(func.count(func.distinct(Cosignature.witness)))
                                   .where(Cosignature.size > label.log_index)).one())
        return {"log_index": label.log_index, "tree_size": cp.size, "checkpoint": cp.note, "included": included,
                "witnesses": witnesses,
                "leaf_hash": base64.b64encode(leaf.leaf_hash).decode(),
                "inclusion_proof": [base64.b64encode(h).decode() for h in proof]}


_SORTS = {"value": ("value_num", False), "-value": ("value_num", True), "newest": ("issued_at", True)}


def _cursor(value: Any, label_id: str) -> str:
    """An opaque keyset cursor: the sort value and label id of the last row of a page."""
    v = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([v, label_id]).encode()).decode().rstrip("=")


def _cursor_position(cursor: str) -> tuple[Any, str]:
    try:
        v, label_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(v, str):
            v = datetime.fromisoformat(v)
        elif not isinstance(v, int | float) or isinstance(v, bool):
            raise ValueError
        if not isinstance(label_id, str):
            raise ValueError
    except (ValueError, TypeError):
        raise InvalidInput("invalid cursor", "cursor") from None
    return v, label_id
