"""The certifier's console (``/console/review``): the review queue, one declaration's review, issued labels.

For a submitted declaration the page shows the total stored with it beside the server's recomputation now (same
pinned factor release), the rule checklist, the cited supplier labels with their status today, the claimed
green-certificate serials, and the difference from the product's previous label; the certifier approves (a signed
label is issued) or rejects with a reason. Issued labels are suspended, reinstated or revoked with a reason.
"""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Any, Final

from anyio import to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlmodel import Session, select

from api.console import common as cc
from api.pages.forms import REQUIRED, Form
from footprint.errors import FootprintError
from footprint.model import Result
from registry import rules
from registry.accounts.people import WebIdentity
from registry.certification.declarations import RESULT_RTOL
from registry.certification.status import effective_status
from registry.errors import NotFound, RegistryError
from registry.services import Registry
from registry.store.tables import Citation, GreenClaim, Label

LABEL_ACTIONS: Final = {"suspend": ("active",), "reinstate": ("suspended",),
                        "revoke": ("active", "suspended", "expired", "superseded")}


def review_queue(registry: Registry, who: WebIdentity) -> dict[str, Any]:
    """Submitted declarations (oldest first) and the labels this certifier issued (newest first)."""
    actor = who.actor
    queue = sorted(registry.declarations.declarations(actor, "submitted"), key=lambda d: d.submitted_at or d.created_at)
    products = {p.id: p for p in registry.products.products(actor)}
    issued, _ = registry.public.search_labels(certifier=who.organisation.id, include_inactive=True, sort="newest",
                                       limit=200)
    return {"queue": queue, "product_of": products, "issued": issued}


def review_page(registry: Registry, who: WebIdentity, declaration_id: str) -> dict[str, Any]:
    """Everything a certifier weighs for one declaration (read only)."""
    actor = who.actor
    dec = registry.declarations.get_declaration(actor, declaration_id)
    product = registry.products.get_product(actor, dec.product_id)
    declared = float(dec.total_kg_co2e)
    recomputed: float | None = None
    recompute_error = ""
    today = registry.clock().date()
    with Session(registry.engine) as s:
        try:
            computed = registry.declarations.compute(s, json.loads(dec.document), dec.factor_release,
                                                     category=product.category)
            recomputed = float(computed.result.total_kg_co2e)
        except (RegistryError, FootprintError) as exc:
            recompute_error = exc.message
        citations = []
        for c in s.exec(select(Citation).where(Citation.declaration_id == dec.id)):
            cited = s.get(Label, c.label_id)
            citations.append({"row": c, "status": effective_status(cited, today) if cited else "unknown",
                              "current_version": cited.version if cited else None})
        claims = list(s.exec(select(GreenClaim).where(GreenClaim.declaration_id == dec.id)))
    result = Result.model_validate_json(dec.result)
    rule_id, _, version = dec.category_rule.partition("@")
    try:
        value = rules.label_value(rules.load_rule(rule_id, version or None), result)
    except RegistryError:
        value = None
    previous = next((v for v in registry.public.labels_of_product(product.id) if v.label.declaration_id != dec.id), None)
    change = None
    if previous is not None and value is not None and previous.label.unit == value.unit:
        old = float(previous.label.value)
        change = {"old": old, "new": float(value.value), "diff": float(value.value) - old,
                  "pct": (float(value.value) - old) / old if old else None}
    agrees = recomputed is not None and math.isclose(recomputed, declared, rel_tol=RESULT_RTOL, abs_tol=1e-9)
    return {"dec": dec, "product": product, "declared": declared, "recomputed": recomputed, "agrees": agrees,
            "recompute_error": recompute_error, "result": json.loads(dec.result),
            "checklist": json.loads(dec.checklist), "citations": citations, "claims": claims, "value": value,
            "previous": previous, "change": change}


class ReviewController(Controller):
    """Certifiers only; every POST checks the CSRF token first."""

    path = "/console/review"
    include_in_schema = False
    exception_handlers = cc.EXCEPTION_HANDLERS  # type: ignore[assignment]

    @get("/", sync_to_thread=True)
    def queue(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """The queue of submitted declarations and the labels issued."""
        who = cc.require_identity(request, registry, "certifier")
        return cc.render(request, "console/review.html", review_queue(registry, who), identity=who)

    @get("/{declaration_id:str}", sync_to_thread=True)
    def declaration(self, request: Request, registry: NamedDependency[Registry],
                    declaration_id: FromPath[str]) -> Response[Any]:
        who = cc.require_identity(request, registry, "certifier")
        return self._review(request, registry, who, declaration_id, Form())

    def _review(self, request: Request, registry: Registry, who: WebIdentity, declaration_id: str, form: Form,
                status_code: int = 200) -> Response[Any]:
        ctx = review_page(registry, who, declaration_id)
        return cc.render(request, "console/review_declaration.html", {**ctx, "form": form}, identity=who,
                         status_code=status_code)

    @post("/{declaration_id:str}/approve", status_code=303)
    async def approve(self, request: Request, registry: NamedDependency[Registry],
                      declaration_id: FromPath[str]) -> Response[Any]:
        """Certify: a signed label is issued and logged."""
        who, fields, _ = await cc.signed_in_post(request, registry, "certifier")
        form = Form({"comment": fields.get("comment", "")})
        comment = form.text("comment", 2000, strict=True)
        if form.errors:
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 422))
        try:
            label = await to_thread.run_sync(registry.review.approve, who.actor, declaration_id, comment)
        except RegistryError as exc:
            if exc.code in ("not-found", "forbidden"):
                raise
            form.errors["approve"] = exc.message
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 409))
        return cc.see_other(f"/console/review/labels/{label.label_id}?issued=1")

    @post("/{declaration_id:str}/reject", status_code=303)
    async def reject(self, request: Request, registry: NamedDependency[Registry],
                     declaration_id: FromPath[str]) -> Response[Any]:
        """Send back with a reason (required)."""
        who, fields, _ = await cc.signed_in_post(request, registry, "certifier")
        form = Form({"reason": fields.get("reason", "")})
        reason = form.text("reason", 2000, required=True, strict=True)
        if form.errors:
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 422))
        try:
            await to_thread.run_sync(registry.review.reject, who.actor, declaration_id, reason)
        except RegistryError as exc:
            if exc.code in ("not-found", "forbidden"):
                raise
            form.errors["reason"] = exc.message
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 409))
        return cc.see_other("/console/review?rejected=1")

    # ------------------------------------------------------------------------------------ issued labels
    @get("/labels/{label_id:str}", sync_to_thread=True)
    def label(self, request: Request, registry: NamedDependency[Registry], label_id: FromPath[str]) -> Response[Any]:
        """An issued label with its status actions."""
        who = cc.require_identity(request, registry, "certifier")
        return self._label(request, registry, who, label_id, Form())

    def _label(self, request: Request, registry: Registry, who: WebIdentity, label_id: str, form: Form,
               status_code: int = 200) -> Response[Any]:
        view = registry.public.label_view(label_id)
        if view.label.certifier_id != who.organisation.id:
            raise NotFound(f"no label {label_id} of yours", "label_id")
        actions = [a for a, allowed in LABEL_ACTIONS.items() if view.status in allowed]
        return cc.render(request, "console/review_label.html", {"view": view, "actions": actions, "form": form},
                         identity=who, status_code=status_code)

    @post("/labels/{label_id:str}/{action:str}", status_code=303)
    async def change_label(self, request: Request, registry: NamedDependency[Registry], label_id: FromPath[str],
                           action: FromPath[str]) -> Response[Any]:
        """Suspend, reinstate or revoke with a reason (logged in the transparency log)."""
        who, fields, _ = await cc.signed_in_post(request, registry, "certifier")
        if action not in LABEL_ACTIONS:
            raise NotFound(f"no action {action}", "action")
        form = Form({"reason": fields.get("reason", ""), "action": action})
        reason = form.text("reason", 2000, strict=True)
        if not reason:
            form.errors["reason"] = REQUIRED
            return await to_thread.run_sync(partial(self._label, request, registry, who, label_id, form, 422))
        try:
            await to_thread.run_sync(getattr(registry.status, action), who.actor, label_id, reason)
        except RegistryError as exc:
            if exc.code in ("not-found", "forbidden"):
                raise
            form.errors["reason"] = exc.message
            return await to_thread.run_sync(partial(self._label, request, registry, who, label_id, form, 409))
        return cc.see_other(f"/console/review/labels/{label_id}?done={action}")
