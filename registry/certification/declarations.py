"""Declarations: a manufacturer's product file, recomputed by the server with the pinned factor release and checked
against its category rule, then submitted for review.

The server computes every footprint itself (:func:`compute`): cited supplier labels are resolved to their
certified values, suppliers' PACT footprints become supplier-specific factors, and the category rule's checklist
is run. A submitted result that differs from the server's is refused.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from factors_db.errors import FactorDbError
from factors_db.release import factor_set
from footprint.calculate import calculate
from footprint.model import Result
from footprint.products import to_spec
from registry import rules
from registry.accounts.actors import Actor
from registry.certification import supply
from registry.certification.status import effective_status
from registry.errors import (
    CitationNotActive,
    Conflict,
    InvalidCitation,
    InvalidInput,
    NotFound,
    ResultMismatch,
    RuleFailed,
    SerialClaimed,
)
from registry.ids import new_id
from registry.store.tables import Citation, Declaration, GreenClaim, Label, Product
from registry.work import RegistryContext, Work, record_sha256

#: A submitted result may differ from the server's by this relative amount (float rounding only).
RESULT_RTOL = 1e-6


def round_sig(x: float, digits: int = 12) -> str:
    """A float as plain decimal text (its shortest repr; below 1e-6, ``digits`` significant figures): the stored
    total of a declaration. Labels round per their category rule instead."""
    if x == 0 or not math.isfinite(x):
        return "0"
    return format(Decimal(repr(x)).normalize(), "f") if abs(x) >= 1e-6 else f"{x:.{digits}g}"


@dataclass
class Computed:
    """The server's calculation of a product file."""

    result: Result
    result_json: dict[str, Any]
    rule: rules.CategoryRule
    checklist: rules.Checklist
    citations: list[tuple[supply.CitedInput, Label]]
    serials: list[supply.SerialRange]


def compute(s: Session, document: dict[str, Any], release: str, today: Any, *, category: str | None = None,
            readers: Sequence[supply.SupplierDocumentReader] = ()) -> Computed:
    """Recompute a product file: cited labels resolved, footprint, category rule checklist."""
    if not isinstance(document, dict):
        raise InvalidInput("the product file must be a mapping of fields", "spec")
    try:
        release_factors = factor_set(release)  # published releases by id only, checked against their pinned hash
    except FactorDbError as exc:
        raise InvalidInput(exc.message, "factor_release") from None
    cited = supply.cited_inputs(document)
    factors: dict[str, Any] = {}
    resolved = []
    for c in cited:
        lab = s.get(Label, c.label_id)
        if lab is None:
            raise InvalidCitation(f"no label {c.label_id} in the registry", f"spec.{c.field}.supplier_label")
        status = effective_status(lab, today)
        if status != "active":
            raise CitationNotActive(f"label {c.label_id} is {status}: cite an active label",
                                    f"spec.{c.field}.supplier_label")
        factors[supply.LABEL_FACTOR_PREFIX + lab.label_id] = supply.label_factor(
            lab.label_id, lab.value, lab.unit, lab.declared_unit)
        resolved.append((c, lab))
    supplied = supply.supplier_factors(document, readers)  # suppliers' documents (provenance stays in the file)
    factors.update({f.id: f for f in supplied.values()})
    serials = supply.green_serials(document)
    fset = supply.with_label_factors(release_factors, factors)
    spec = to_spec(supply.rewrite(document, factors, supplied), fset).from_document(document)
    result = calculate(spec, fset)
    rule = rules.load_rule(category or rules.category_of(document), field="spec.kind")
    checklist = rules.check(rule, document, spec, result, factors=fset)
    return Computed(result, result.to_json(), rule, checklist, resolved, serials)


def visible_declaration(s: Session, actor: Actor, declaration_id: str) -> Declaration:
    """A declaration the actor may see: its maker's, any but drafts for certifiers, all for admins."""
    dec = s.get(Declaration, declaration_id)
    visible = dec is not None and (
        actor.role == "admin" or dec.org_id == actor.org_id
        or (actor.role == "certifier" and dec.status != "draft"))
    if dec is None or not visible:
        raise NotFound(f"no declaration {declaration_id!r}", "id")
    return dec


class Declarations:
    """A manufacturer's declarations: create (computed by the server), read, submit for review."""

    def __init__(self, ctx: RegistryContext, readers: Sequence[supply.SupplierDocumentReader] = ()) -> None:
        self.ctx = ctx
        self.readers = tuple(readers)

    def compute(self, s: Session, document: dict[str, Any], release: str, *, category: str | None = None) -> Computed:
        """Recompute a product file in the caller's session (see :func:`compute`)."""
        return compute(s, document, release, self.ctx.clock().date(), category=category, readers=self.readers)

    def create_declaration(self, actor: Actor, *, product_id: str, spec: dict[str, Any],
                           result: dict[str, Any] | None = None, release: str | None = None) -> Declaration:
        """A draft declaration: the product file, the server's result for it, the checklist.

        Raises:
            ResultMismatch: ``result`` (the manufacturer's own calculation) differs from the server's.
        """
        actor.require("manufacturer")
        release = release or self.ctx.release
        with self.ctx.work(actor) as w:
            s = w.session
            product = s.get(Product, product_id)
            if product is None or product.org_id != actor.org_id:
                raise NotFound(f"no product {product_id!r}", "product_id")
            described = rules.category_of(spec, default=product.category)
            if described != product.category:
                raise InvalidInput(f"the product is a {product.category}; this file describes a {described}",
                                   "spec.kind")
            computed = self.compute(s, spec, release, category=product.category)
            compare_result(result, computed.result_json)
            self._check_serials(w, computed.serials, product.id, None)
            dec = Declaration(
                id=new_id("dec"), product_id=product.id, org_id=actor.org_id, status="draft",
                document=json.dumps(spec, ensure_ascii=False), result=json.dumps(computed.result_json),
                checklist=json.dumps(computed.checklist.to_json(), ensure_ascii=False),
                category_rule=f"{computed.rule.id}@{computed.rule.version}", factor_release=release,
                factor_release_sha256=computed.result.factor_release["sha256"],
                input_sha256=computed.result.input_sha256,
                total_kg_co2e=round_sig(computed.result.total_kg_co2e), created_at=w.now)
            s.add(dec)
            s.flush()
            _store_links(s, dec, computed)
            w.audit("declaration.create", dec, dec.id)
            return dec

    def _check_serials(self, w: Work, serials: list[supply.SerialRange], product_id: str,
                       declaration_id: str | None) -> None:
        """Refuse a serial that another active declaration of another product claims (double counting)."""
        today = w.now.date()
        for r in serials:
            q = (select(GreenClaim, Declaration).join(Declaration, col(GreenClaim.declaration_id) == col(Declaration.id))
                 .where(GreenClaim.prefix == r.prefix, GreenClaim.first <= r.last, GreenClaim.last >= r.first,
                        GreenClaim.product_id != product_id,
                        Declaration.status.in_(("submitted", "certified"))))  # type: ignore[attr-defined]
            for claim, dec in w.session.exec(q):
                if dec.id == declaration_id:
                    continue
                if dec.status == "certified":
                    lab = w.session.exec(select(Label).where(Label.declaration_id == dec.id)).first()
                    if lab is not None and effective_status(lab, today) not in ("active", "suspended"):
                        continue
                raise SerialClaimed(f"{r.text} overlaps {claim.text}, already claimed by another declaration",
                                    f"spec.{r.field}")

    def get_declaration(self, actor: Actor, declaration_id: str) -> Declaration:
        with self.ctx.read() as s:
            return visible_declaration(s, actor, declaration_id)

    def declarations(self, actor: Actor, status: str | None = None) -> list[Declaration]:
        """Declarations the actor may see: its own (manufacturer), the review queue and history (certifier)."""
        with self.ctx.read() as s:
            q = select(Declaration).order_by(Declaration.created_at)  # type: ignore[arg-type]
            if actor.role == "manufacturer":
                q = q.where(Declaration.org_id == actor.org_id)
            elif actor.role == "certifier":
                q = q.where(Declaration.status != "draft")
            if status:
                q = q.where(Declaration.status == status)
            return list(s.exec(q))

    def submit(self, actor: Actor, declaration_id: str) -> Declaration:
        """Submit a draft (or a rejected declaration) for review, after recomputing it and checking the rule.

        Raises:
            RuleFailed: a mandatory rule fails (the checklist is in the error).
        """
        actor.require("manufacturer")
        with self.ctx.work(actor) as w:
            s = w.session
            dec = visible_declaration(s, actor, declaration_id)
            if dec.org_id != actor.org_id:
                raise NotFound(f"no declaration {declaration_id!r}", "id")
            if dec.status not in ("draft", "rejected"):
                raise Conflict(f"declaration {dec.id} is {dec.status}; only a draft or rejected one is submitted",
                               "status")
            before = record_sha256(dec)
            product = s.get(Product, dec.product_id)
            assert product is not None
            computed = self.compute(s, json.loads(dec.document), dec.factor_release, category=product.category)
            if computed.result.factor_release["sha256"] != dec.factor_release_sha256:
                raise ResultMismatch(f"factor release {dec.factor_release} changed since the draft", "factor_release")
            compare_result(json.loads(dec.result), computed.result_json)
            if not computed.checklist.passed:
                failed = [i for i in computed.checklist.items if i.mandatory and i.status == "fail"]
                first = failed[0]
                field = str(first.values.get("field") or "checklist")
                raise RuleFailed(f"category rule {computed.rule.id} fails: {first.detail}"
                                 + (f" (and {', '.join(i.rule for i in failed[1:])})" if failed[1:] else ""),
                                 field, checklist=computed.checklist.to_json())
            self._check_serials(w, computed.serials, dec.product_id, dec.id)
            _store_links(s, dec, computed)
            dec.status, dec.submitted_at = "submitted", w.now
            dec.checklist = json.dumps(computed.checklist.to_json(), ensure_ascii=False)
            s.add(dec)
            w.audit("declaration.submit", dec, dec.id, before)
            return dec


def _store_links(s: Session, dec: Declaration, computed: Computed) -> None:
    for old in s.exec(select(Citation).where(Citation.declaration_id == dec.id)):
        s.delete(old)
    for old_claim in s.exec(select(GreenClaim).where(GreenClaim.declaration_id == dec.id)):
        s.delete(old_claim)
    for c, lab in computed.citations:
        s.add(Citation(declaration_id=dec.id, field=c.field, label_id=lab.label_id, label_version=lab.version,
                       value=lab.value, unit=lab.unit, declared_unit=lab.declared_unit, amount=c.amount))
    for r in computed.serials:
        s.add(GreenClaim(declaration_id=dec.id, product_id=dec.product_id, kind=r.kind, text=r.text,
                         prefix=r.prefix, first=r.first, last=r.last, kwh=r.kwh, field=r.field))


def compare_result(submitted: dict[str, Any] | None, server: dict[str, Any]) -> None:
    """Refuse a submitted result that differs from the server's recomputation."""
    if not submitted:
        return
    if not isinstance(submitted, dict):
        raise InvalidInput("result must be an object with total_kg_co2e", "result")
    total = submitted.get("total_kg_co2e")
    if total is not None:
        try:
            value = float(total)
        except (TypeError, ValueError):
            raise InvalidInput("total_kg_co2e must be a number", "result.total_kg_co2e") from None
        ours = server["total_kg_co2e"]
        if not math.isclose(value, ours, rel_tol=RESULT_RTOL, abs_tol=1e-9):
            raise ResultMismatch(f"submitted total {value!r} kg CO2e differs from the recomputed {ours!r}",
                                 "result.total_kg_co2e")
    for key in ("input_sha256",):
        if submitted.get(key) is not None and submitted[key] != server[key]:
            raise ResultMismatch(f"submitted {key} differs from the product file's", f"result.{key}")
    release = submitted.get("factor_release")
    if isinstance(release, dict) and release.get("sha256") and release["sha256"] != server["factor_release"]["sha256"]:
        raise ResultMismatch("the result was computed with another factor release", "result.factor_release")
