"""The administrator's console (``/console/admin``): organisations, people, tokens, certifier keys, log health.

People are created here (with a role through their organisation); organisations too (a certifier gets its first
signing key). Keys are rotated (the current key retires and keeps verifying what it signed) or revoked
(compromised: what it signed stops verifying). Log health shows the latest signed checkpoint and the last full
verification, and runs one on request (recorded in the audit trail).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Final

from anyio import to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.console import common as cc
from api.pages.forms import Form
from api.pages.submit import attempt
from registry.accounts.organisations import ROLES
from registry.accounts.people import WebIdentity
from registry.errors import RegistryError
from registry.services import Registry

PERSON_FIELDS: Final = ("org_id", "email", "name", "password")
ORG_FIELDS: Final = ("role", "name_zh", "name_en", "org_id", "uscc", "accreditation_no")


class AdminController(Controller):
    """Administrators only; every POST checks the CSRF token first."""

    path = "/console/admin"
    include_in_schema = False
    exception_handlers = cc.EXCEPTION_HANDLERS  # type: ignore[assignment]

    @get("/", sync_to_thread=True)
    def overview(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        who = cc.require_identity(request, registry, "admin")
        return self._page(request, registry, who)

    def _page(self, request: Request, registry: Registry, who: WebIdentity, *, person: Form | None = None,
              org: Form | None = None, status_code: int = 200, report: dict[str, Any] | None = None,
              created: str | None = None) -> Response[Any]:
        ctx = registry.console.admin_overview(who.actor)
        return cc.render(request, "console/admin.html",
                         {**ctx, "person_form": person or Form(),
                          "org_form": org or Form({"role": "manufacturer"}), "report": report, "created": created},
                         identity=who, status_code=status_code)

    @post("/people", status_code=303)
    async def add_person(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """A person of an organisation (the role is the organisation's); errors beside the fields."""
        who, fields, _ = await cc.signed_in_post(request, registry, "admin")
        form = Form({k: fields.get(k, "") for k in PERSON_FIELDS})
        accounts = registry.accounts
        values = {k: form.values[k] for k in PERSON_FIELDS}
        errors = await to_thread.run_sync(partial(accounts.person_errors, **values))
        if not errors:
            try:
                await to_thread.run_sync(partial(accounts.add_person, who.actor, **values))
            except RegistryError as exc:
                errors = {exc.field or "email": exc.message}
        if errors:
            form.values["password"] = ""  # a password is never sent back
            form.errors.update(errors)
            return await to_thread.run_sync(partial(self._page, request, registry, who, person=form, status_code=422))
        return cc.see_other("/console/admin?person_added=1#people")

    @post("/organisations", status_code=303)
    async def add_organisation(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """A new organisation (a certifier needs its accreditation number and gets its first key)."""
        who, fields, _ = await cc.signed_in_post(request, registry, "admin")
        form = Form({k: fields.get(k, "") for k in ORG_FIELDS})
        role = form.choice("role", ROLES, required=True) or ""
        name_zh, name_en = form.text("name_zh", strict=True), form.text("name_en", strict=True)
        org_id = form.text("org_id", 40, strict=True) or None
        uscc = form.text("uscc", 18, strict=True) or None
        accreditation = form.text("accreditation_no", 60, strict=True) or None
        await attempt(form, registry.organisations.create_organisation, who.actor, role=role, name_zh=name_zh,
                      name_en=name_en, org_id=org_id, uscc_code=uscc, accreditation_no=accreditation,
                      fallback="name_zh", rerender=lambda f: self._page(request, registry, who, org=f, status_code=422))
        return cc.see_other("/console/admin?organisation_added=1#organisations")

    @post("/organisations/{org_id:str}/rotate-key", status_code=303)
    async def rotate_key(self, request: Request, registry: NamedDependency[Registry],
                         org_id: FromPath[str]) -> Response[Any]:
        """Retire the certifier's current key and make a new one (both logged)."""
        who, _, _ = await cc.signed_in_post(request, registry, "admin")
        await to_thread.run_sync(registry.keys.rotate_key, who.actor, org_id)
        return cc.see_other("/console/admin?key_rotated=1#keys")

    @post("/keys/{key_id:str}/revoke", status_code=303)
    async def revoke_key(self, request: Request, registry: NamedDependency[Registry],
                         key_id: FromPath[str]) -> Response[Any]:
        """Revoke a compromised key (logged): what it signed stops verifying offline."""
        who, _, _ = await cc.signed_in_post(request, registry, "admin")
        await to_thread.run_sync(registry.keys.revoke_key, who.actor, key_id)
        return cc.see_other("/console/admin?key_revoked=1#keys")

    @post("/verify-log", status_code=200)
    async def verify_log(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """Verify the whole log now and show the report (recorded as the last full verification)."""
        who, _, _ = await cc.signed_in_post(request, registry, "admin")
        report = await to_thread.run_sync(registry.accounts.verify_log_now, who.actor)
        return await to_thread.run_sync(partial(self._page, request, registry, who, report=report))
