"""Sign-in (``/login``, ``/logout``) and the manufacturer's console (``/console``).

A manufacturer sees its products, its declarations with their status and reviewer comments, its certified labels
(SVG/PNG/PDF downloads) and the labels to renew because a cited supplier label changed; it creates products and
declarations (the calculator's fields, an uploaded or a pasted product file), sees the rule checklist, and submits.
Certifiers and administrators are sent on to ``/console/review`` and ``/console/admin``
(:mod:`api.console.review`, :mod:`api.console.admin`). Every page works without
JavaScript; every POST checks the session's CSRF token first (:mod:`api.console.common`).
"""

from __future__ import annotations

import hmac
from functools import partial
from typing import Any, Final
from urllib.parse import urlencode

from anyio import to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.console import common as cc
from api.console.forms import (
    DAYS_RANGE,
    ELECTRONICS,
    SIGN_IN_FAILED,
    TOO_MANY,
    document_text,
    electronics_document,
    parse_document,
)
from api.label_files import MEDIA_TYPES
from api.pages.forms import REQUIRED, Form
from api.pages.submit import attempt
from api.pages.templating import base_url
from api.settings import Settings
from footprint.errors import FootprintError
from footprint.products.electronics import FORM_FACTORS
from registry import rules
from registry.accounts.people import SignInFailed, TooManyAttempts, WebIdentity
from registry.errors import RegistryError
from registry.services import Registry

SOURCES: Final = ("form", "file", "text")
HOME_OF_ROLE: Final = {"manufacturer": "/console", "certifier": "/console/review", "admin": "/console/admin"}


class ConsoleController(Controller):
    """Sign-in and the manufacturer's pages."""

    include_in_schema = False
    exception_handlers = cc.EXCEPTION_HANDLERS  # type: ignore[assignment]

    # ----------------------------------------------------------------------------------------- sign-in
    @get("/login", sync_to_thread=True)
    def login_form(self, request: Request, registry: NamedDependency[Registry],
                   settings: NamedDependency[Settings]) -> Response[Any]:
        """The sign-in form (a signed-in person goes straight to their console)."""
        who = cc.current_identity(request, registry)
        if who is not None:
            return cc.see_other(cc.safe_next(request.query_params.get("next")))
        return self._login_page(request, settings, {}, {})

    def _login_page(self, request: Request, settings: Settings, values: dict[str, str], errors: dict[str, str],
                    status_code: int = 200, headers: dict[str, str] | None = None) -> Response[Any]:
        token = cc.new_token()
        response = cc.render(request, "console/login.html",
                             {"form": Form(values, errors), "login_token": token,
                              "request_signed_out": request.query_params.get("signed_out") == "1",
                              "next": cc.safe_next(values.get("next") or request.query_params.get("next"))},
                             status_code=status_code, cookies=[cc.login_csrf_cookie(request, settings, token)])
        response.headers.update(headers or {})
        return response

    @post("/login", status_code=200)
    async def login(self, request: Request, registry: NamedDependency[Registry],
                    settings: NamedDependency[Settings]) -> Response[Any]:
        """Check the e-mail and password; on success a new session and a redirect to the console."""
        fields, _ = await cc.read_form(request)
        cookie = request.cookies.get(cc.LOGIN_CSRF_COOKIE, "")
        sent = fields.get(cc.CSRF_FIELD, "")
        if not cc.same_origin(request) or not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
            raise cc.CsrfRejected()
        values = {"email": fields.get("email", "")[:254], "next": fields.get("next", "")}
        errors = {name: REQUIRED for name in ("email", "password") if not fields.get(name, "").strip()}
        if errors:
            return self._login_page(request, settings, values, errors, 422)
        accounts = registry.accounts
        address = request.client.host if request.client else ""
        try:
            new = await to_thread.run_sync(partial(accounts.sign_in, fields["email"], fields["password"],
                                                   address=address))
        except TooManyAttempts as exc:
            return self._login_page(request, settings, values, {"email": TOO_MANY}, 429,
                                    {"Retry-After": str(exc.retry_after)})
        except SignInFailed:
            return self._login_page(request, settings, values, {"email": SIGN_IN_FAILED}, 401)
        max_age = int(accounts.session_hours * 3600)
        target = cc.safe_next(values["next"])
        if target == "/console":
            target = HOME_OF_ROLE.get(new.identity.organisation.role, "/console")
        response = cc.see_other(target)
        response.cookies.append(cc.session_cookie(request, settings, new.secret, max_age))
        response.cookies.append(cc.login_csrf_cookie(request, settings, ""))
        return response

    @post("/logout", status_code=303)
    async def logout(self, request: Request, registry: NamedDependency[Registry],
                     settings: NamedDependency[Settings]) -> Response[Any]:
        """Sign out: the session is revoked on the server and the cookie cleared."""
        await cc.signed_in_post(request, registry)
        secret = cc.session_secret(request)
        if secret:
            await to_thread.run_sync(registry.accounts.sign_out, secret)
        response = cc.see_other("/login?" + urlencode({"signed_out": "1"}))
        response.cookies.append(cc.session_cookie(request, settings, "", 0))
        return response

    # ------------------------------------------------------------------------------------ manufacturer
    @get("/console", sync_to_thread=True)
    def home(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """The manufacturer's console (certifiers and administrators go to theirs)."""
        who = cc.require_identity(request, registry)
        if who.organisation.role != "manufacturer":
            return cc.see_other(HOME_OF_ROLE[who.organisation.role])
        return cc.render(request, "console/home.html", registry.console.manufacturer_home(who.actor), identity=who)

    @get("/console/new-product", sync_to_thread=True)
    def product_form(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        who = cc.require_identity(request, registry, "manufacturer")
        return self._product_page(request, who, Form())

    def _product_page(self, request: Request, who: WebIdentity, form: Form, status_code: int = 200) -> Response[Any]:
        return cc.render(request, "console/product_new.html", {"form": form, "categories": rules.categories()},
                         identity=who, status_code=status_code)

    @post("/console/new-product", status_code=303)
    async def create_product(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """Create a product; errors beside the fields, nothing stored."""
        who, fields, _ = await cc.signed_in_post(request, registry, "manufacturer")
        form = Form({k: fields.get(k, "") for k in ("name", "model", "category", "gtin")})
        name = form.text("name", required=True, strict=True)
        model = form.text("model", strict=True)
        category = form.choice("category", rules.categories(), required=True) or ""
        gtin = form.text("gtin", 14, strict=True) or None
        product = await attempt(form, registry.products.create_product, who.actor, name=name, model=model,
                                category=category, gtin=gtin, fallback="name",
                                rerender=lambda f: self._product_page(request, who, f, 422))
        return cc.see_other(f"/console/new-declaration?{urlencode({'product_id': product.id})}")

    @get("/console/new-declaration", sync_to_thread=True)
    def declaration_form(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """The new-declaration form: the calculator's fields, a product file to upload, or one to paste
        (``?document=`` prefills it, e.g. from the public calculator)."""
        who = cc.require_identity(request, registry, "manufacturer")
        q = request.query_params
        form = Form({"product_id": q.get("product_id", ""), "source": "form", "lifetime_years": "6",
                          "assembly_region": "CN-SC", "use_region": "CN-SC", "panel": "LCD"})
        if q.get("document"):
            form.values.update(source="text", document=q["document"][:200_000])
        return self._declaration_page(request, registry, who, form)

    def _declaration_page(self, request: Request, registry: Registry, who: WebIdentity, form: Form,
                          status_code: int = 200, computed: dict[str, Any] | None = None) -> Response[Any]:
        products = registry.products.products(who.actor)
        return cc.render(request, "console/declaration_new.html",
                         {"form": form, "products": products, "computed": computed, "form_factors": FORM_FACTORS,
                          "electronics": ELECTRONICS}, identity=who, status_code=status_code)

    @post("/console/new-declaration", status_code=303)
    async def create_declaration(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """Compute (``action=compute``: the result and checklist, nothing stored) or save a draft declaration."""
        who, fields, files = await cc.signed_in_post(request, registry, "manufacturer")
        form = Form({k: v[:200_000] for k, v in fields.items() if k != cc.CSRF_FIELD})
        products = {p.id: p for p in await to_thread.run_sync(registry.products.products, who.actor)}
        product_id = form.choice("product_id", list(products), required=True) or ""
        source = form.choice("source", SOURCES, required=True) or ""
        document: dict[str, Any] | None = None
        if source == "file":
            upload = files.get("file")
            if upload is None:
                form.errors["file"] = REQUIRED
            else:
                raw = await upload.read()
                document = parse_document(raw.decode("utf-8", "replace"), form, "file")
                if document is not None:
                    form.values.update(source="text", document=document_text(document))  # shown back as text
        elif source == "text":
            text = form.values.get("document", "")
            if not text.strip():
                form.errors["document"] = REQUIRED
            else:
                document = parse_document(text, form, "document")
        elif source == "form" and product_id in products:
            document = electronics_document(form, products[product_id].category)
        if document is None and not form.errors:
            form.errors["document"] = REQUIRED
        again = partial(self._declaration_page, request, registry, who, status_code=422)
        if form.values.get("action") == "compute":
            category = products[product_id].category
            computed = await attempt(form, registry.console.preview, category, document, fallback="document", rerender=again)
            return await to_thread.run_sync(partial(self._declaration_page, request, registry, who, form,
                                                    computed=computed))
        dec = await attempt(form, registry.declarations.create_declaration, who.actor, product_id=product_id,
                            spec=document, fallback="document", rerender=again)
        return cc.see_other(f"/console/declarations/{dec.id}")

    @get("/console/declarations/{declaration_id:str}", sync_to_thread=True)
    def declaration(self, request: Request, registry: NamedDependency[Registry],
                    declaration_id: FromPath[str]) -> Response[Any]:
        """A declaration: status, result, rule checklist, reviewer comments, its label; submit when allowed."""
        who = cc.require_identity(request, registry, "manufacturer")
        return cc.render(request, "console/declaration.html",
                         _with_text(registry.console.declaration_page(who.actor, declaration_id)), identity=who)

    @post("/console/declarations/{declaration_id:str}/submit", status_code=303)
    async def submit(self, request: Request, registry: NamedDependency[Registry],
                     declaration_id: FromPath[str]) -> Response[Any]:
        """Submit for review (the server recomputes and checks the rule; a failed mandatory rule blocks it)."""
        who, _, _ = await cc.signed_in_post(request, registry, "manufacturer")
        try:
            await to_thread.run_sync(registry.declarations.submit, who.actor, declaration_id)
        except (RegistryError, FootprintError) as exc:
            if isinstance(exc, RegistryError) and exc.code in ("not-found", "forbidden"):
                raise
            ctx = _with_text(await to_thread.run_sync(registry.console.declaration_page, who.actor, declaration_id))
            return cc.render(request, "console/declaration.html", {**ctx, "submit_error": exc.message},
                             identity=who, status_code=422)
        return cc.see_other(f"/console/declarations/{declaration_id}?submitted=1")

    @get("/console/labels/{label_id:str}/{filename:str}", sync_to_thread=True)
    def label_file(self, request: Request, registry: NamedDependency[Registry], label_id: FromPath[str],
                   filename: FromPath[str]) -> Response[Any]:
        """A certified label of the organisation as SVG, PNG or PDF (a download)."""
        from api.label_files import render as render_label
        from registry.errors import NotFound

        who = cc.require_identity(request, registry)
        stem, _, fmt = filename.partition(".")
        view = registry.public.label_view(label_id)
        if stem != "label" or fmt not in MEDIA_TYPES:
            raise NotFound(f"no file {filename}", "filename")
        if who.organisation.role == "manufacturer" and view.label.manufacturer_id != who.organisation.id:
            raise NotFound(f"no label {label_id}", "label_id")
        body = render_label(registry, label_id, fmt, base_url(request))
        return Response(body, media_type=MEDIA_TYPES[fmt], headers={
            **cc.PRIVATE_HEADERS, "Content-Disposition": f'attachment; filename="{label_id}.{fmt}"'})

    # ------------------------------------------------------------------------------------------ tokens
    @get("/console/tokens", sync_to_thread=True)
    def tokens(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """The organisation's API tokens; create one (its secret is shown once) or revoke one."""
        who = cc.require_identity(request, registry)
        return self._tokens_page(request, registry, who, Form({"days": "90"}))

    def _tokens_page(self, request: Request, registry: Registry, who: WebIdentity, form: Form,
                     status_code: int = 200, secret: str | None = None) -> Response[Any]:
        tokens = registry.accounts.tokens(who.actor)
        mine = [t for t in tokens if t.org_id == who.organisation.id]
        return cc.render(request, "console/tokens.html", {"form": form, "tokens": mine, "secret": secret},
                         identity=who, status_code=status_code)

    @post("/console/tokens", status_code=201)
    async def create_token(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """A new token for the organisation: the page shows its secret once (only its hash is stored)."""
        who, fields, _ = await cc.signed_in_post(request, registry)
        form = Form({"name": fields.get("name", ""), "days": fields.get("days", "")})
        name = form.text("name", 100, required=True, strict=True)
        days = form.number("days", positive=True, required=True)
        if days is not None and (not days.is_integer() or not 1 <= days <= 3650):
            form.errors["days"] = DAYS_RANGE
        _, secret = await attempt(form, registry.organisations.create_token, who.actor, who.organisation.id,
                                  name=name, days=int(days or 90), fallback="name",
                                  rerender=lambda f: self._tokens_page(request, registry, who, f, 422))
        return await to_thread.run_sync(partial(self._tokens_page, request, registry, who, Form({"days": "90"}),
                                                201, secret))

    @post("/console/tokens/{token_id:str}/revoke", status_code=303)
    async def revoke_token(self, request: Request, registry: NamedDependency[Registry],
                           token_id: FromPath[str]) -> Response[Any]:
        """Revoke a token of the organisation (administrators: any token)."""
        who, fields, _ = await cc.signed_in_post(request, registry)
        await to_thread.run_sync(registry.organisations.revoke_token, who.actor, token_id)
        back = "/console/admin" if fields.get("back") == "admin" and who.organisation.role == "admin" else "/console/tokens"
        return cc.see_other(back)


def _with_text(page: dict[str, Any]) -> dict[str, Any]:
    """The declaration page with its product file as the YAML text the form shows."""
    return {**page, "document": document_text(page["document"])}
