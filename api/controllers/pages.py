"""The public pages: a label's verification page and the GS1 Digital Link resolver (HTML for people, JSON for machines).

``GET /l/{label_id}``: the verification page (:mod:`api.pages.verification`); an unknown label answers a clear
UNKNOWN page with status 404. ``GET /l/{label_id}/eu-declaration``: a battery label's EU carbon-footprint
declaration, printable (:mod:`api.pages.battery`); a label without one answers 409 with the reason.
``GET|HEAD|OPTIONS /01/{gtin}[/{qualifiers}]``: the product's current label page, its linkset, or a 307 to one of
its links (:mod:`api.pages.gs1`). ``/.well-known/gs1resolver`` describes the
resolver. The handlers are thin: domain lookups live in :mod:`api.pages`, texts in the catalogues.

:func:`route_handlers` and :func:`api.pages.templating.template_config` are what ``create_app`` registers.
"""

from __future__ import annotations

from typing import Any, Final

from anyio import to_thread
from litestar import Controller, Request, Response, get, head, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from api.errors import problem
from api.pages import battery, gs1, i18n, verification
from api.pages.templating import STATIC_DIR, STATIC_PATH, base_url, page
from registry.errors import Conflict, NotFound
from registry.services import Registry

CORS: Final = {
    "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Location, Content-Language, Content-Type",
}
RESOLVER_PATHS: Final = ["/01/{gtin:str}", "/01/{gtin:str}/{qualifiers:path}"]


def _accepts(request: Request, media_type: str) -> bool:
    return media_type in request.headers.get("accept", "").lower()


def wants_linkset(request: Request) -> bool:
    """Whether a resolver request asks for the linkset (``?linkType=linkset`` or an ``Accept`` header)."""
    if request.query_params.get("linkType") in gs1.LINKSET_REQUESTS:
        return True
    return _accepts(request, gs1.LINKSET_MEDIA_TYPE) or (_accepts(request, "application/json")
                                                         and not _accepts(request, "text/html"))


def wants_json(request: Request) -> bool:
    """Whether an error should be problem JSON rather than a page (a machine asked)."""
    return "json" in request.headers.get("accept", "").lower() and not _accepts(request, "text/html")


def unknown_label(request: Request, label_id: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return page(request, "unknown.html", {"label_id": verification.shown_id(label_id), "gtin": None},
                status_code=404, headers=headers)


def bad_request(request: Request, reason: str) -> Response[Any]:
    if wants_json(request) or wants_linkset(request):
        return problem(400, "MalformedLink", reason, gs1.MalformedLink.code, CORS)
    return page(request, "bad_request.html", {"reason": reason}, status_code=400, headers=CORS)


def resolve_digital_link(request: Request, registry: Registry, gtin: str, qualifiers: str) -> Response[Any]:
    """The resolver's answer for ``/01/{gtin}{qualifiers}`` (see :mod:`api.pages.gs1`)."""
    raw = request.scope.get("raw_path", b"").decode("latin-1")
    segments = gs1.raw_segments(raw) or (gtin, qualifiers)  # raw segments keep an encoded "/" inside a value
    try:
        link = gs1.parse_digital_link(*segments)
    except gs1.MalformedLink as e:
        return bad_request(request, str(e))
    base = base_url(request)
    anchor = base + f"/01/{link.gtin}"
    headers = {**CORS, "Link": gs1.link_header(anchor), "Vary": "Accept, Accept-Language, Cookie"}
    try:
        current = verification.current_label_of_gtin(registry, link.gtin)
    except NotFound:
        if wants_json(request) or wants_linkset(request):
            return problem(404, "NotFound", "no certified product has this GTIN", "not-found", headers)
        return page(request, "unknown.html", {"label_id": None, "gtin": link.gtin}, status_code=404, headers=headers)
    lang = i18n.request_language(request)
    doc = gs1.linkset(verification.resolver_targets(base, anchor, current), verification.link_titles(lang))
    if wants_linkset(request):
        plain_json = _accepts(request, "application/json") and not _accepts(request, gs1.LINKSET_MEDIA_TYPE)
        return Response(doc, media_type="application/json" if plain_json else gs1.LINKSET_MEDIA_TYPE, headers=headers)
    link_type = request.query_params.get("linkType")
    if link_type:
        return Redirect(path=gs1.target_for(doc, link_type), status_code=307, headers=headers)
    data = verification.label_page(registry, current.label.label_id, lang)
    return page(request, "label.html", {"page": data}, headers=headers)


EU_DECLARATION: Final = "/eu-declaration"


def eu_declaration(request: Request, registry: Registry, label_id: str) -> Response[Any]:
    """A battery label's EU carbon-footprint declaration (Regulation (EU) 2023/1542 Annex II), printable; a label
    without one answers 409 with the reason, an unknown one the UNKNOWN page."""
    context: dict[str, Any] = {"label_id": label_id, "texts": battery.texts(), "problem": None}
    try:
        context["decl"] = battery.eu_declaration_page(registry, label_id, base_url(request))
    except NotFound:
        return unknown_label(request, label_id)
    except Conflict as e:  # not a battery, damaged, no lifetime energy: the page says which
        context["problem"] = {"code": e.code, "field": e.field or ""}
        return page(request, "eu_declaration.html", context, status_code=409)
    return page(request, "eu_declaration.html", context)


class PagesController(Controller):
    """Verification pages, readable without JavaScript and without signing in."""

    include_in_schema = False

    @get("/l/{label_id:path}", sync_to_thread=True)
    def label(self, request: Request, registry: NamedDependency[Registry], label_id: FromPath[str]) -> Response[Any]:
        """A label's verification page: its verdict, its data, its supply chain and its log evidence; with
        ``/eu-declaration`` after the id, a battery label's EU declaration (:func:`eu_declaration`)."""
        label_id = label_id.removeprefix("/")  # a path parameter, so that an id with "/" gets the UNKNOWN page too
        if len(label_id) > 64 + len(EU_DECLARATION):
            return unknown_label(request, label_id)
        if label_id.endswith(EU_DECLARATION):  # one path route: "/l/{id}/eu-declaration" is routed here
            return eu_declaration(request, registry, label_id.removesuffix(EU_DECLARATION))
        if len(label_id) > 64:
            return unknown_label(request, label_id)
        try:
            data = verification.label_page(registry, label_id, i18n.request_language(request))
        except NotFound:
            return unknown_label(request, label_id)
        return page(request, "label.html", {"page": data})


class ResolverController(Controller):
    """GS1 Digital Link resolution for the registry's own products (GS1-Conformant Resolver 1.2)."""

    include_in_schema = False

    # Async handlers that run the lookup in a worker thread: Litestar 2.25 wraps a sync_to_thread handler twice
    # when several handlers share a multi-path route (GET, HEAD and OPTIONS here), and the answer is a 500.
    @get(RESOLVER_PATHS)
    async def resolve(self, request: Request, registry: NamedDependency[Registry], gtin: FromPath[str],
                      qualifiers: FromPath[str | None] = None) -> Response[Any]:
        """The current label page (people), the linkset (machines) or a 307 to one link (``?linkType=``)."""
        return await to_thread.run_sync(resolve_digital_link, request, registry, gtin, qualifiers or "")

    @head(RESOLVER_PATHS)
    async def resolve_head(self, request: Request, registry: NamedDependency[Registry], gtin: FromPath[str],
                           qualifiers: FromPath[str | None] = None) -> Response[None]:
        """The headers a GET would answer (status, ``Link``, ``Location``), without the body."""
        full = await to_thread.run_sync(resolve_digital_link, request, registry, gtin, qualifiers or "")
        headers = dict(full.headers)
        if isinstance(full, Redirect):
            headers["Location"] = full.url
        return Response(None, status_code=full.status_code, headers=headers, media_type=full.media_type)

    @route(RESOLVER_PATHS, http_method=[HttpMethod.OPTIONS])
    async def options(self, request: Request, gtin: FromPath[str],
                      qualifiers: FromPath[str | None] = None) -> Response[None]:
        """What a client may do here, and where the linkset is (without looking the product up)."""
        raw = request.scope.get("raw_path", b"").decode("latin-1")
        try:
            link = gs1.parse_digital_link(*(gs1.raw_segments(raw) or (gtin, qualifiers or "")))
        except gs1.MalformedLink as e:
            return problem(400, "MalformedLink", str(e), gs1.MalformedLink.code, CORS)  # type: ignore[return-value]
        anchor = base_url(request) + f"/01/{link.gtin}"
        return Response(None, status_code=204, headers={**CORS, "Allow": "GET, HEAD, OPTIONS",
                                                        "Link": gs1.link_header(anchor)})

    @get("/.well-known/gs1resolver", sync_to_thread=False)
    def description(self, request: Request) -> Response[dict[str, Any]]:
        """The resolver description file (GS1-Conformant Resolver 1.2, section 3.8)."""
        doc = gs1.resolver_description(base_url(request), "pcf-registry")
        return Response(doc, media_type="application/json", headers=CORS)


def route_handlers() -> list[ControllerRouterHandler | BaseRouteHandler]:
    """Everything the pages add to the app: the controllers and the static files under ``/static``."""
    static = create_static_files_router(path=STATIC_PATH, directories=[STATIC_DIR], include_in_schema=False,
                                        name="static")
    return [PagesController, ResolverController, static]
