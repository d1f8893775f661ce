"""PACT data exchange over HTTP: Technical Specifications v2.3 on ``/2``, v3.0 on ``/3``, the OAuth2 token
endpoint ``/auth/token`` and its discovery document ``/.well-known/openid-configuration``.

Errors here answer PACT's own bodies (``{"code", "message"}``, :func:`registry.pact_terms.error_body`) with the
spec's statuses, not problem details: the controller's exception handlers take precedence over the app's.
Token errors follow RFC 6749 section 5.2 (``{"error": "invalid_client", ...}``). Choices, with the conformance
test list of wbcsd/pact-conformance-service in mind:

* A missing, malformed or forged access token answers 400 ``BadRequest`` (conformance cases 6, 7, 16 want
  400 or 401 and expect ``BadRequest``); an expired one 401 ``TokenExpired``; a revoked client's 403
  ``AccessDenied``.
* A malformed footprint id answers 400 ``BadRequest``; an unknown one 404 ``NoSuchFootprint`` (/2) or
  ``NotFound`` (/3). Unknown filter values simply match nothing (``status=Bogus`` gives ``{"data": []}``).
* A RequestCreated event from a source without recorded partner credentials answers 400 ``BadRequest`` at once
  (v3: "If the data owner can immediately determine that it will not be able to handle this request it MUST
  respond with an appropriate 4xx error"): a RequestRejected event could not be delivered either. An accepted
  request is answered after the 200, in a background task
(:meth:`registry.interop.pact.delivery.PactDelivery.answer_request`).
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter, RawBody

from api.documents import load_text
from api.pages.templating import base_url
from api.settings import Settings
from footprint.errors import SpecificationError
from registry.errors import Forbidden, InvalidInput, NotFound, RegistryError, Unauthenticated
from registry.interop.pact import terms as pact_terms
from registry.interop.pact.clients import is_loopback_host
from registry.interop.pact.errors import InvalidAccessToken, InvalidClient
from registry.interop.pact.exchange import Received
from registry.interop.pact.filters import Filters, parse_instant, v2_filter
from registry.services import Registry

log = logging.getLogger("pcf.api.pact")
JSON = "application/json"


@dataclass
class PactErrorBody:
    """A PACT error response: ``code`` is one of the spec's error codes."""

    code: str
    message: str


@dataclass
class TokenOut:
    """An OAuth2 access token (RFC 6749 section 5.1)."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str


@dataclass
class OAuthErrorBody:
    """An OAuth2 error (RFC 6749 section 5.2)."""

    error: str
    error_description: str


ERRORS = {status: ResponseSpec(PactErrorBody, description=description, media_type=JSON) for status, description in (
    (400, "BadRequest (also a missing or invalid access token) or NotImplemented"),
    (401, "TokenExpired"), (403, "AccessDenied"), (413, "BadRequest: request body too large"),
    (500, "InternalError"))}
#: The OpenAPI security scheme of the PACT operations (``components.securitySchemes.pact``), as in the spec.
PACT_SECURITY_SCHEME: dict[str, Any] = {
    "type": "oauth2", "description": "OAuth2 client credentials grant (RFC 6749 4.4), HTTP Basic client authentication",
    "flows": {"clientCredentials": {"tokenUrl": "/auth/token", "scopes": {
        "footprint:list": "List footprints", "footprint:read": "Read one footprint"}}}}
SECURITY: list[dict[str, list[str]]] = [{"pact": []}]


def is_pact_path(path: str) -> bool:
    """Whether an OpenAPI path is one of this module's (they document PACT error bodies, not problem details)."""
    return path.startswith(("/2/", "/3/", "/auth/token", "/.well-known/openid-configuration"))
NOT_FOUND = {404: ResponseSpec(PactErrorBody, description="NoSuchFootprint (/2) or NotFound (/3)", media_type=JSON)}
ONE_ERRORS = ERRORS | NOT_FOUND


def _version(request: Request[Any, Any, Any]) -> pact_terms.PactVersion:
    return "2" if request.url.path.startswith("/2/") else "3"


def _pact_code(exc: Exception, version: pact_terms.PactVersion) -> tuple[str, int, str]:
    """(PACT code, HTTP status, message) of an exception raised while answering a PACT request."""
    if isinstance(exc, pact_terms.PactError):
        return "BadRequest", 400, f"{exc.field}: {exc.message}" if exc.field else exc.message
    if isinstance(exc, RegistryError) and isinstance(getattr(exc, "pact_code", None), str):
        return exc.pact_code, pact_terms.ERROR_HTTP_STATUS[exc.pact_code], exc.message  # type: ignore[attr-defined]
    if isinstance(exc, Unauthenticated):
        return "BadRequest", 400, exc.message
    if isinstance(exc, Forbidden):
        return "AccessDenied", 403, exc.message
    if isinstance(exc, NotFound):
        return pact_terms.NOT_FOUND_CODE[version], 404, exc.message
    if isinstance(exc, InvalidInput):
        return "BadRequest", 400, f"{exc.field}: {exc.message}" if exc.field else exc.message
    if isinstance(exc, ValidationException):
        where = "; ".join(f"{e.get('key')}: {e.get('message')}" for e in exc.extra if isinstance(e, dict)) \
            if isinstance(exc.extra, list) else ""
        return "BadRequest", 400, where or "invalid request parameters"
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return "BadRequest", exc.status_code, str(exc.detail)
    log.error("PACT request failed", exc_info=exc)
    return "InternalError", 500, pact_terms.ERROR_EXAMPLE_MESSAGE["InternalError"]


def pact_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    """Any error of a PACT endpoint as the spec's error body (an unexpected one as a bare InternalError)."""
    code, status, message = _pact_code(exc, _version(request))
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'} if status == 401 \
        else None
    return Response({"code": code, "message": message}, status_code=status, media_type=JSON, headers=headers)


def pact_client(request: Request[Any, Any, Any], registry: NamedDependency[Registry]) -> str:
    """The client id of the request's PACT access token (``Authorization: Bearer <token>``)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidAccessToken("this needs a PACT access token: Authorization: Bearer <token> "
                                              "from POST /auth/token")
    return registry.pact_clients.check_token(token.strip())


def _domain(settings: Settings) -> str:
    """The issuer part of product and company URNs: the registry's public host name (not a loopback one)."""
    host = urlsplit(settings.base_url).hostname or ""
    return pact_terms.DEFAULT_DOMAIN if not host or is_loopback_host(host) else host


def _page(request: Request[Any, Any, Any], registry: Registry, settings: Settings, version: pact_terms.PactVersion,
          filters: Filters | tuple[Filters, ...], limit: int | None, cursor: str | None) -> Response[dict[str, Any]]:
    page, nxt = registry.pact.footprints(version, filters, limit, cursor, domain=_domain(settings))
    headers = None
    if nxt is not None:  # absolute, on the request's own host (v3 "Pagination")
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"] + [("cursor", nxt)]
        headers = {"Link": f'<{base_url(request)}{request.url.path}?{urlencode(query)}>; rel="next"'}
    return Response({"data": page}, media_type=JSON, headers=headers)


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = text.partition(":")
    # RFC 6749 section 2.3.1: both are form-urlencoded before Basic encoding
    return (unquote_plus(client_id), unquote_plus(secret)) if sep and client_id else None


def _oauth_error(status: int, error: str, description: str) -> Response[dict[str, str]]:
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="pcf-registry PACT", charset="UTF-8"'
    return Response({"error": error, "error_description": description}, status_code=status, media_type=JSON,
                    headers=headers)


def _answer_in_background(registry: Registry, settings: Settings, received: Received) -> None:
    try:
        registry.pact_delivery.answer_request(received, settings.base_url.rstrip("/"), domain=_domain(settings))
    except Exception:  # a background job has no caller to tell: log it, with the traceback, and carry on
        log.exception("answering PACT request %s failed", received.event.id)


def _event(request: Request[Any, Any, Any], registry: Registry, settings: Settings, version: pact_terms.PactVersion,
           body: RawBody,
           client_id: str) -> Response[bytes]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("", "application/cloudevents+json", "application/json"):
        raise pact_terms.PactError(f"the content type is application/cloudevents+json, not {media[:60]}", "Content-Type")
    if len(body) > pact_terms.MAX_EVENT_BYTES:
        raise pact_terms.PactError(f"an event has at most {pact_terms.MAX_EVENT_BYTES:,} bytes", "(body)")
    try:
        document = load_text(body, "the body", fmt="json", max_bytes=pact_terms.MAX_EVENT_BYTES)
    except SpecificationError as exc:
        raise pact_terms.PactError(exc.message, "(body)") from None
    received = registry.pact.receive_event(version, document, client_id)
    task = BackgroundTask(_answer_in_background, registry, settings, received) if received.answer_due else None
    return Response(b"", status_code=200, media_type=MediaType.TEXT, background=task)


AUTH = {"client_id": Provide(pact_client, sync_to_thread=True)}
ListLimit = Annotated[int | None, QueryParameter(name="limit", ge=1, required=False,
                                            description="Most footprints in one page (at most 1000)")]
Cursor = Annotated[str | None, QueryParameter(name="cursor", required=False, description="From the Link header")]


def _many(name: str) -> Any:
    return QueryParameter(name=name, required=False, description=f"One or more {name} values (OR)")


class PactController(Controller):
    """PACT host system: ListFootprints, GetFootprint and Events for data recipients with an access token."""

    tags = ("pact",)
    # every error of these routes as a PACT body: HTTPException and 500 override the app's problem details
    exception_handlers = {HTTPException: pact_error, RegistryError: pact_error, 500: pact_error,  # noqa: RUF012
                          Exception: pact_error}

    @post("/auth/token", sync_to_thread=True, status_code=200, security=[], responses={
        400: ResponseSpec(OAuthErrorBody, description="unsupported_grant_type, invalid_request", media_type=JSON),
        401: ResponseSpec(OAuthErrorBody, description="invalid_client", media_type=JSON), 500: ERRORS[500]})
    def token(self, request: Request[Any, Any, Any], registry: NamedDependency[Registry], body: RawBody) -> Response[Any]:
        """OAuth2 client credentials grant (RFC 6749 4.4): HTTP Basic client authentication, form body
        ``grant_type=client_credentials``."""
        credentials = _basic_credentials(request.headers.get("authorization", ""))
        if credentials is None:
            return _oauth_error(401, "invalid_client", "client authentication with HTTP Basic is required")
        try:
            token, expires_in = registry.pact_clients.token_for(*credentials)
        except InvalidClient:
            return _oauth_error(401, "invalid_client", "client authentication failed")
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        grant = form.get("grant_type", [""])[0]
        if not grant:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        if grant != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
        out = TokenOut(access_token=token, token_type="bearer", expires_in=expires_in,
                       scope="footprint:list footprint:read")
        return Response(out, media_type=JSON, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    @get("/.well-known/openid-configuration", security=[], sync_to_thread=False, responses={500: ERRORS[500]})
    def openid_configuration(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        """Discovery of the token endpoint (OpenID Connect Discovery 1.0 field names), on the request's base URL."""
        base = base_url(request)
        return {"issuer": base, "token_endpoint": f"{base}/auth/token",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "response_types_supported": ["token"], "scopes_supported": ["footprint:list", "footprint:read"]}

    @get("/2/footprints", sync_to_thread=True, dependencies=AUTH, responses=ERRORS, security=SECURITY)
    def list_v2(self, request: Request[Any, Any, Any], registry: NamedDependency[Registry],
                settings: NamedDependency[Settings],
                client_id: NamedDependency[str],
                limit: ListLimit = None, cursor: Cursor = None,
                filter_: Annotated[str | None, QueryParameter(name="$filter", required=False,
                                                         description="ODataV4 subset: created/updated comparisons, "
                                                         "productIds/any, companyIds/any, pcf/geography... eq")]
                = None) -> Response[dict[str, Any]]:
        """Action ListFootprints (v2.3)."""
        filters = v2_filter(filter_) if filter_ and filter_.strip() else ()
        return _page(request, registry, settings, "2", filters, limit, cursor)

    @get("/3/footprints", sync_to_thread=True, dependencies=AUTH, responses=ERRORS, security=SECURITY)
    def list_v3(self, request: Request[Any, Any, Any], registry: NamedDependency[Registry],
                settings: NamedDependency[Settings],
                client_id: NamedDependency[str],
                limit: ListLimit = None, cursor: Cursor = None,
                product_id: Annotated[list[str] | None, _many("productId")] = None,
                company_id: Annotated[list[str] | None, _many("companyId")] = None,
                geography: Annotated[list[str] | None, _many("geography")] = None,
                classification: Annotated[list[str] | None, _many("classification")] = None,
                valid_on: Annotated[str | None, QueryParameter(name="validOn", required=False)] = None,
                valid_after: Annotated[str | None, QueryParameter(name="validAfter", required=False)] = None,
                valid_before: Annotated[str | None, QueryParameter(name="validBefore", required=False)] = None,
                status: Annotated[list[str] | None, _many("status")] = None) -> Response[dict[str, Any]]:
        """Action ListFootprints (v3.0) with its filters: OR within one parameter, AND across parameters."""
        def when(text: str | None, name: str) -> Any:
            return parse_instant(text, name) if text is not None else None

        filters = Filters(product_ids=tuple(product_id or ()), company_ids=tuple(company_id or ()),
                          geography=tuple(geography or ()), classification=tuple(classification or ()),
                          status=tuple(status or ()), valid_on=when(valid_on, "validOn"),
                          valid_after=when(valid_after, "validAfter"), valid_before=when(valid_before, "validBefore"))
        return _page(request, registry, settings, "3", filters, limit, cursor)

    @get("/2/footprints/{pf_id:str}", sync_to_thread=True, dependencies=AUTH, responses=ONE_ERRORS, security=SECURITY)
    def get_v2(self, registry: NamedDependency[Registry], settings: NamedDependency[Settings],
               client_id: NamedDependency[str],
               pf_id: FromPath[str]) -> dict[str, Any]:
        """Action GetFootprint (v2.3); a Deprecated footprint too."""
        return {"data": registry.pact.footprint("2", pf_id, domain=_domain(settings))}

    @get("/3/footprints/{pf_id:str}", sync_to_thread=True, dependencies=AUTH, responses=ONE_ERRORS, security=SECURITY)
    def get_v3(self, registry: NamedDependency[Registry], settings: NamedDependency[Settings],
               client_id: NamedDependency[str],
               pf_id: FromPath[str]) -> dict[str, Any]:
        """Action GetFootprint (v3.0); a Deprecated footprint too."""
        return {"data": registry.pact.footprint("3", pf_id, domain=_domain(settings))}

    @post("/2/events", sync_to_thread=True, status_code=200, dependencies=AUTH, responses=ERRORS, security=SECURITY)
    def events_v2(self, request: Request[Any, Any, Any], registry: NamedDependency[Registry],
                  settings: NamedDependency[Settings],
                  client_id: NamedDependency[str],
                  body: RawBody) -> Response[bytes]:
        """Action Events (v2.3): CloudEvents in structured mode; the 200 answer has an empty body."""
        return _event(request, registry, settings, "2", body, client_id)

    @post("/3/events", sync_to_thread=True, status_code=200, dependencies=AUTH, responses=ERRORS, security=SECURITY)
    def events_v3(self, request: Request[Any, Any, Any], registry: NamedDependency[Registry],
                  settings: NamedDependency[Settings],
                  client_id: NamedDependency[str],
                  body: RawBody) -> Response[bytes]:
        """Action Events (v3.0): CloudEvents in structured mode; the 200 answer has an empty body."""
        return _event(request, registry, settings, "3", body, client_id)
