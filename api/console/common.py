"""What the console pages share: the session cookie, the signed-in person, CSRF checks, forms and rendering.

- The session cookie ``pcf_session`` (``__Host-pcf_session`` over HTTPS) is HttpOnly, SameSite=Strict, Path=/, and
  Secure whenever the configured base URL or the request is HTTPS. Over plain ``http://127.0.0.1`` (``make run``,
  the tests) it cannot be Secure: a browser would not send it back; that is the one exception, for local use only.
- CSRF: every form carries the session's synchroniser token (``csrf_token``); every POST checks it (and, when the
  browser sends one, that ``Origin`` is this site) before anything else, and answers 403 with nothing changed.
  The sign-in form, which has no session yet, uses a double-submit token in its own short-lived cookie.
- Texts and pages: one stack with the public pages. Templates call ``_("...")`` (``ngettext`` for plurals), Python
  marks texts with ``N_("...")``; all are in ``api/locale/zh/LC_MESSAGES/messages.po`` (``api/locale/babel.cfg``).
  Console pages render with the pages' one environment (:func:`api.pages.templating.environment`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie, UploadFile
from litestar.response import Redirect

from api.pages import i18n
from api.pages.templating import COOKIE_MAX_AGE, CSRF_FIELD, environment, page_context
from api.settings import Settings
from footprint.errors import FootprintError
from registry.accounts.people import Accounts, WebIdentity
from registry.errors import RegistryError
from registry.services import Registry

SESSION_COOKIE: Final = "pcf_session"
SECURE_SESSION_COOKIE: Final = "__Host-pcf_session"
LOGIN_CSRF_COOKIE: Final = "pcf_login_csrf"
#: Headers of every console answer: private, never cached, never framed.
PRIVATE_HEADERS: Final = {
    "Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin", "Vary": "Accept-Language, Cookie",
}


class NotSignedIn(Exception):
    """No valid session: the answer is a redirect to the sign-in page (with the page to come back to)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """A POST without the session's CSRF token, or from another site: 403, nothing changed."""


class WrongRole(Exception):
    """A signed-in person on a page of another role: 403."""


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           identity: WebIdentity | None = None, status_code: int = 200,
           cookies: list[Cookie] | None = None) -> Response[str]:
    """A console page in the request's language, with the signed-in person and the CSRF token in its context."""
    shared = page_context(request)
    all_cookies = list(cookies or [])
    if request.query_params.get("lang") in i18n.LANGUAGES:
        all_cookies.append(Cookie(key=i18n.COOKIE, value=shared["lang"], max_age=COOKIE_MAX_AGE, path="/",
                                  samesite="lax", httponly=True))
    body = environment().get_template(template).render(
        **shared, request=request, me=identity, csrf_token=identity.csrf_token if identity else "", path=request.url.path,
        **(context or {}))
    return Response(body, status_code=status_code, media_type="text/html; charset=utf-8", cookies=all_cookies,
                    headers={**PRIVATE_HEADERS, "Content-Language": shared["html_lang"]})


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path of this site only (never another host)."""
    if value and value.startswith("/console") and "//" not in value and "\\" not in value:
        return value
    return "/console"


def see_other(path: str) -> Response[Any]:
    """A 303 redirect after a POST, with the console's private headers."""
    return Redirect(path=path, status_code=303, headers=PRIVATE_HEADERS)


# ------------------------------------------------------------------------------------------- sessions
def secure_cookies(request: Request, settings: Settings) -> bool:
    """Whether cookies are Secure: the site is served over HTTPS (configured base URL or this request)."""
    base = settings.base_url or ""
    return base.startswith("https://") or request.url.scheme == "https"


def session_cookie_name(request: Request, settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if secure_cookies(request, settings) else SESSION_COOKIE


def session_secret(request: Request) -> str | None:
    return request.cookies.get(SECURE_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE)


def session_cookie(request: Request, settings: Settings, secret: str, max_age: int) -> Cookie:
    """The session cookie (an empty value with max_age 0 clears it)."""
    return Cookie(key=session_cookie_name(request, settings), value=secret, max_age=max_age, path="/",
                  secure=secure_cookies(request, settings), httponly=True, samesite="strict")


def login_csrf_cookie(request: Request, settings: Settings, token: str) -> Cookie:
    return Cookie(key=LOGIN_CSRF_COOKIE, value=token, max_age=3600, path="/login",
                  secure=secure_cookies(request, settings), httponly=True, samesite="strict")


def new_token() -> str:
    return secrets.token_hex(32)


def current_identity(request: Request, registry: Registry) -> WebIdentity | None:
    return registry.accounts.identity(session_secret(request))


def require_identity(request: Request, registry: Registry, *roles: str) -> WebIdentity:
    """The signed-in person (any role if none given).

    Raises:
        NotSignedIn: no valid session (a redirect to sign-in). WrongRole: another role's page.
    """
    who = current_identity(request, registry)
    if who is None:
        raise NotSignedIn(request.url.path)
    if roles and who.organisation.role not in roles:
        raise WrongRole()
    return who


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request) -> bool:
    """Whether the browser's ``Origin`` (when it sends one) is this site: the request's own origin, or the
    configured public base URL's (behind a proxy that ends TLS, the request itself may look like plain HTTP)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # older browsers and same-origin GET-like navigations; the token still decides
    settings = request.app.state.get("settings")
    allowed = {_origin_of(str(request.base_url)), _origin_of(getattr(settings, "base_url", "") or "")}
    return origin.strip().rstrip("/").lower() in allowed


def check_csrf(request: Request, identity: WebIdentity, form: Mapping[str, Any]) -> None:
    """Refuse a POST without the session's token or from another site.

    Raises:
        CsrfRejected: 403, before anything is changed.
    """
    token = form.get(CSRF_FIELD)
    if not same_origin(request) or not isinstance(token, str) or not Accounts.csrf_ok(identity, token):
        raise CsrfRejected()


async def read_form(request: Request) -> tuple[dict[str, str], dict[str, UploadFile]]:
    """The posted fields (the first value of each, as text) and uploaded files (non-empty ones)."""
    form = await request.form()
    fields: dict[str, str] = {}
    files: dict[str, UploadFile] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename and key not in files:
                files[key] = value
        elif key not in fields:
            fields[key] = str(value)
    return fields, files


async def signed_in_post(request: Request, registry: Registry, *roles: str) -> tuple[WebIdentity, dict[str, str],
                                                                                dict[str, UploadFile]]:
    """A POST from a signed-in person with the right CSRF token: the person, the fields and the files."""
    from anyio import to_thread

    who = await to_thread.run_sync(require_identity, request, registry, *roles)
    fields, files = await read_form(request)
    check_csrf(request, who, fields)
    return who, fields, files


# ------------------------------------------------------------------------------------------ error pages
def not_signed_in(request: Request, exc: NotSignedIn) -> Response[Any]:
    from urllib.parse import urlencode

    nxt = exc.next_path if exc.next_path.startswith("/console") else "/console"
    return Redirect(path=f"/login?{urlencode({'next': nxt})}", status_code=303, headers=PRIVATE_HEADERS)


def csrf_rejected(request: Request, _: CsrfRejected) -> Response[Any]:
    return render(request, "console/error.html", {"kind": "csrf"}, status_code=403)


def wrong_role(request: Request, _: WrongRole) -> Response[Any]:
    return render(request, "console/error.html", {"kind": "role"}, status_code=403)


def registry_error(request: Request, exc: RegistryError) -> Response[Any]:
    from api.errors import status_of

    status = status_of(exc)
    kind = {404: "not-found", 403: "role", 409: "conflict"}.get(status, "invalid")
    return render(request, "console/error.html", {"kind": kind, "detail": exc.message}, status_code=status)


def footprint_error(request: Request, exc: FootprintError) -> Response[Any]:
    return render(request, "console/error.html", {"kind": "invalid", "detail": str(exc)}, status_code=422)


EXCEPTION_HANDLERS: Final = {NotSignedIn: not_signed_in, CsrfRejected: csrf_rejected, WrongRole: wrong_role,
                             RegistryError: registry_error, FootprintError: footprint_error}
