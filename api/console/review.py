"""The certifier's console (``/console/review``): the review queue, one declaration's review, issued labels.

For a submitted declaration the page shows the total stored with it beside the server's recomputation now (same
pinned factor release), the rule checklist, the cited supplier labels with their status today, the claimed
green-certificate serials, and the difference from the product's previous label; the certifier approves (a signed
label is issued) or rejects with a reason. Issued labels are suspended, reinstated or revoked with a reason.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any, Final

from anyio import to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.console import common as cc
from api.pages.forms import REQUIRED, Form
from api.pages.i18n import N_
from registry.accounts.people import WebIdentity
from registry.certification.verification import Statement, unverified
from registry.errors import NotFound, RegistryError
from registry.services import Registry

#: the verification form's fields (the report is a file)
VERIFICATION_FIELDS: Final = ("assurance_level", "standard", "objectives", "scope", "materiality_percent", "opinion",
                              "opinion_text", "site_visit_date", "site", "verifiers", "report", "verification")
#: a report of at most 10 MB and the form's text
VERIFICATION_FORM_BYTES: Final = 10 * 1024 * 1024 + 64 * 1024
LABEL_ACTIONS: Final = {"suspend": ("active",), "reinstate": ("suspended",),
                        "revoke": ("active", "suspended", "expired", "superseded")}


class ReviewController(Controller):
    """Certifiers only; every POST checks the CSRF token first."""

    path = "/console/review"
    include_in_schema = False
    exception_handlers = cc.EXCEPTION_HANDLERS  # type: ignore[assignment]

    @get("/", sync_to_thread=True)
    def queue(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """The queue of submitted declarations and the labels issued."""
        who = cc.require_identity(request, registry, "certifier")
        return cc.render(request, "console/review.html", registry.console.review_queue(who.actor, who.organisation.id),
                         identity=who)

    @get("/{declaration_id:str}", sync_to_thread=True)
    def declaration(self, request: Request, registry: NamedDependency[Registry],
                    declaration_id: FromPath[str]) -> Response[Any]:
        who = cc.require_identity(request, registry, "certifier")
        return self._review(request, registry, who, declaration_id, Form())

    def _review(self, request: Request, registry: Registry, who: WebIdentity, declaration_id: str, form: Form,
                status_code: int = 200) -> Response[Any]:
        ctx = registry.console.review_page(who.actor, declaration_id)
        return cc.render(request, "console/review_declaration.html", {**ctx, "form": form}, identity=who,
                         status_code=status_code)

    @post("/{declaration_id:str}/approve", status_code=303)
    async def approve(self, request: Request, registry: NamedDependency[Registry],
                      declaration_id: FromPath[str]) -> Response[Any]:
        """Certify: a signed label is issued and logged."""
        who, fields, _ = await cc.signed_in_post(request, registry, "certifier")
        dec = await to_thread.run_sync(registry.declarations.get_declaration, who.actor, declaration_id)
        # Under a rule with a certification block the verification record holds what was checked for each item
        # the data could not decide; under an older rule the approval asks for it here.
        certifiable = await to_thread.run_sync(registry.console.verification_required, dec)
        to_verify = () if certifiable else unverified(json.loads(dec.checklist))
        form = Form({"comment": fields.get("comment", ""), **{f"ack_{r}": fields.get(f"ack_{r}", "") for r in to_verify}})
        comment = form.text("comment", 2000, strict=True)
        # each item the data could not decide is acknowledged with what the certifier checked (issue 17)
        notes = [f"{r}: {form.text(f'ack_{r}', 500, required=True, strict=True)}" for r in to_verify]
        if form.errors:
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 422))
        comment = "\n".join([*([comment] if comment else []), *notes])[:2000]
        try:
            label = await to_thread.run_sync(registry.review.approve, who.actor, declaration_id, comment)
        except RegistryError as exc:
            if exc.code in ("not-found", "forbidden"):
                raise
            form.errors["approve"] = exc.message
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 409))
        return cc.see_other(f"/console/review/labels/{label.label_id}?issued=1")

    @post("/{declaration_id:str}/verification", status_code=303, request_max_body_size=VERIFICATION_FORM_BYTES)
    async def verification(self, request: Request, registry: NamedDependency[Registry],
                           declaration_id: FromPath[str]) -> Response[Any]:
        """Record the verification (ISO 14064-3 statement and the report file) before approval (issue 17)."""
        who, fields, files = await cc.signed_in_post(request, registry, "certifier")
        dec = await to_thread.run_sync(registry.declarations.get_declaration, who.actor, declaration_id)
        to_verify = unverified(json.loads(dec.checklist))
        form = Form({**{k: fields.get(k, "") for k in VERIFICATION_FIELDS},
                     **{f"check_{r}": fields.get(f"check_{r}", "") for r in to_verify}})
        # each checklist item the data could not decide gets a note of what was checked (issue 17 item 6)
        checks = tuple((r, form.text(f"check_{r}", 500, required=True, strict=True)) for r in to_verify)
        assurance = form.choice("assurance_level", ("reasonable", "limited"), required=True)
        opinion = form.choice("opinion", ("unmodified", "modified", "adverse", "disclaimer"), required=True)
        texts = {name: form.text(name, limit, required=True, strict=True) for name, limit in
                 (("standard", 200), ("objectives", 2000), ("scope", 2000), ("opinion_text", 4000), ("site", 300))}
        materiality = form.number("materiality_percent", positive=True, required=True)
        if materiality is not None and materiality > 100:
            form.fail("materiality_percent", N_("Enter a percentage between 0 and 100."))
        visited = form.day("site_visit_date")
        if visited is None:
            form.fail("site_visit_date", REQUIRED)
        verifiers = [v.strip() for v in form.text("verifiers", 1300, required=True, strict=True).splitlines()
                     if v.strip()]
        upload = files.get("report")
        if upload is None:
            form.fail("report", N_("Choose the verification report file (PDF, PNG or JPEG)."))
        if form.errors:
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 422))
        assert upload is not None and visited is not None and assurance and opinion
        content = await upload.read()
        statement = Statement(assurance_level=assurance, opinion=opinion, site_visit_date=visited,
                              materiality_percent=form.values["materiality_percent"].strip(),
                              verifiers=tuple(verifiers), checks=checks, **texts)
        try:
            await to_thread.run_sync(registry.verifications.record_verification, who.actor, declaration_id,
                                     statement, content, upload.filename, upload.content_type)
        except RegistryError as exc:
            if exc.code in ("not-found", "forbidden"):
                raise
            named = (exc.field or "").replace("checks.", "check_", 1)
            field = named if named in form.values else "report" if "report" in named else "verification"
            form.errors[field] = exc.message
            return await to_thread.run_sync(partial(self._review, request, registry, who, declaration_id, form, 422))
        return cc.see_other(f"/console/review/{declaration_id}?verified=1#verification-title")

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
        form = Form({"reason": fields.get("reason", ""), "action": action,
                     "confirm_revoke": fields.get("confirm_revoke", "")})
        reason = form.text("reason", 2000, strict=True)
        if not reason:
            form.errors["reason"] = REQUIRED
            return await to_thread.run_sync(partial(self._label, request, registry, who, label_id, form, 422))
        if action == "revoke" and fields.get("confirm_revoke") != "yes":  # revocation cannot be undone (issue 17)
            form.errors["confirm_revoke"] = N_("Confirm that the label is revoked for good: it cannot be reinstated.")
            return await to_thread.run_sync(partial(self._label, request, registry, who, label_id, form, 422))
        try:
            await to_thread.run_sync(getattr(registry.status, action), who.actor, label_id, reason)
        except RegistryError as exc:
            if exc.code in ("not-found", "forbidden"):
                raise
            form.errors["reason"] = exc.message
            return await to_thread.run_sync(partial(self._label, request, registry, who, label_id, form, 409))
        return cc.see_other(f"/console/review/labels/{label_id}?done={action}")
