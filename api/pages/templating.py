"""The Jinja2 environment of the pages and :func:`page`, which renders a template for a request.

Every page extends ``base.html`` (language switch, skip link, header and footer) and gets this context:
``lang`` (``zh`` or ``en``), ``html_lang``, ``languages`` (each with its switch URL), ``base_url`` (the
request's own scheme and host, never a configured one) and ``request``. Texts go through the gettext
callables installed here: ``_("...")``/``gettext``, ``ngettext`` and ``{% trans %}``; they look up the
catalogue of the context's ``lang``, so one environment serves both languages. Filters: ``qty`` (a number
with its unit), ``num``, ``pct``, ``day``, ``moment`` (see :mod:`api.pages.formatting`).

A valid ``lang`` query parameter also sets the ``pcf_lang`` cookie, so the choice holds on the next page.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.datastructures import Cookie
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from api.pages import formatting, i18n

TEMPLATE_DIR: Final = Path(__file__).resolve().parents[1] / "templates"
STATIC_DIR: Final = Path(__file__).resolve().parents[1] / "static"
STATIC_PATH: Final = "/static"
COOKIE_MAX_AGE: Final = 365 * 24 * 3600
LANGUAGE_NAMES: Final = {"zh": "中文", "en": "English"}
CSRF_FIELD: Final = "csrf_token"  # the form field of the synchroniser token (console POSTs)


def _lang(ctx: Context) -> str:
    lang = ctx.get("lang")
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return i18n.translations(_lang(ctx)).gettext(message)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(_lang(ctx)).ngettext(singular, plural, n)


@pass_context
def _qty(ctx: Context, value: Any, unit: str = "", digits: int = 3) -> str:
    return formatting.quantity(value, unit, _lang(ctx), digits)


@pass_context
def _num(ctx: Context, value: Any, digits: int = 3) -> str:
    return formatting.number(value, _lang(ctx), digits)


@pass_context
def _pct(ctx: Context, value: float | None) -> str:
    return formatting.share(value, _lang(ctx))


@pass_context
def _day(ctx: Context, value: Any) -> str:
    return formatting.day(value, _lang(ctx))


@pass_context
def _moment(ctx: Context, value: Any) -> str:
    return formatting.moment(value, _lang(ctx))


def with_params(path: str, params: Mapping[str, Any], **changes: Any) -> str:
    """``path`` with the query ``params`` updated by ``changes`` (a value of None drops the parameter)."""
    merged = {**{k: v for k, v in params.items() if v not in ("", None)}, **changes}
    query = urlencode([(k, v) for k, v in merged.items() if v not in ("", None)])
    return f"{path}?{query}" if query else path


def make_environment(extra_dirs: tuple[Path, ...] = ()) -> Environment:
    """The pages' Jinja2 environment: autoescaping, strict undefined names, gettext and the filters.

    Args:
        extra_dirs: further template folders searched before ``api/templates`` (for later page areas).
    """
    env = Environment(loader=FileSystemLoader([*extra_dirs, TEMPLATE_DIR]), autoescape=True,
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True,
                      lstrip_blocks=True)
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(qty=_qty, num=_num, pct=_pct, day=_day, moment=_moment,
                       pretty_unit=formatting.pretty_unit)
    env.globals.update(STATUS_NAMES=i18n.STATUS_NAMES, BOUNDARY_NAMES=i18n.BOUNDARY_NAMES,
                       STAGE_NAMES=i18n.STAGE_NAMES, STATIC=STATIC_PATH, LANGUAGE_NAMES=LANGUAGE_NAMES,
                       CATEGORY_NAMES=i18n.CATEGORY_NAMES, EVENT_NAMES=i18n.EVENT_NAMES,
                       SPEC_NAMES=i18n.SPEC_NAMES, GAS_NAMES=i18n.GAS_NAMES,
                       with_params=with_params, CSRF_FIELD=CSRF_FIELD)
    return env


@cache
def environment() -> Environment:
    """The one Jinja2 environment of every page, public and console."""
    return make_environment()


@cache
def _engine() -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(environment())


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """The ``template_config`` for ``Litestar(...)``."""
    return TemplateConfig(instance=_engine())


def base_url(request: Request) -> str:
    """The configured public base URL (``Settings.base_url``): never the request's Host header (issue 16)."""
    return str(request.app.state.settings.base_url).rstrip("/")


def switch_url(request: Request, lang: str) -> str:
    """The current path and query with ``lang`` set (other parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return f"{request.url.path}?{urlencode(params)}"


def page_context(request: Request, lang: str | None = None) -> dict[str, Any]:
    """The context every page shares (see the module docstring)."""
    lang = lang or i18n.request_language(request)
    return {
        "lang": lang, "html_lang": i18n.HTML_LANG[lang], "base_url": base_url(request),
        "nav_current": "/" + request.url.path.strip("/").split("/")[0],
        "languages": [{"code": code, "name": LANGUAGE_NAMES[code], "hreflang": i18n.HTML_LANG[code],
                       "url": switch_url(request, code), "current": code == lang} for code in i18n.LANGUAGES],
    }


def page(request: Request, template_name: str, context: Mapping[str, Any] | None = None, *, status_code: int = 200,
         headers: Mapping[str, str] | None = None) -> Template:
    """Render ``template_name`` with the shared context and ``context``, in the request's language.

    Sets the language cookie when the request chose a language with ``lang``; the answer varies with
    ``Accept-Language`` and ``Cookie``.
    """
    shared = page_context(request)
    cookies = []
    if request.query_params.get("lang") in i18n.LANGUAGES:
        cookies.append(Cookie(key=i18n.COOKIE, value=shared["lang"], max_age=COOKIE_MAX_AGE, path="/",
                              samesite="lax", httponly=True))
    all_headers = {"Vary": "Accept-Language, Cookie", "Content-Language": shared["html_lang"], **(headers or {})}
    return Template(template_name=template_name, context={**shared, **(context or {})}, status_code=status_code,
                    headers=all_headers, cookies=cookies, media_type="text/html")
