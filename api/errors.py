"""Domain errors -> RFC 9457 problem details. Unknown errors give a bare 500 that echoes nothing.

Every problem body has ``type``, ``title``, ``status``, ``detail``, ``code`` (the error class's stable code) and,
when the error names one, ``field`` (and ``path``, its older name for product-file errors).
"""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from factors_db.errors import FactorDbError, FactorNotFound, ImportFailed, InvalidFactor, ReleaseNotFound
from footprint.errors import FootprintError
from registry.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    KeyUnavailable,
    NotFound,
    RegistryError,
    RuleFailed,
    Unauthenticated,
)
from registry.trust.tlog import TlogError

log = logging.getLogger("pcf.api")
PROBLEM_BASE = "https://pcf-registry.example/problems/"
STATUS: dict[type[Exception], int] = {
    TlogError: 500,  # the log's own data is damaged or inconsistent: never the client's fault
    FactorNotFound: 404, ReleaseNotFound: 404, ImportFailed: 409, InvalidFactor: 422, FootprintError: 422,
    FactorDbError: 422, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409, KeyUnavailable: 409,
    InvalidInput: 422, RegistryError: 422,
}


def problem(status: int, title: str, detail: str, code: str, headers: dict[str, str] | None = None,
            **extra: object) -> Response[dict[str, object]]:
    body: dict[str, object] = {"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail,
                               "code": code, **extra}
    return Response(body, status_code=status, media_type="application/problem+json", headers=headers)


def status_of(exc: Exception) -> int:
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 422)


def domain_error(request: Request, exc: Exception) -> Response[dict[str, object]]:
    status = status_of(exc)
    if status >= 500:
        return internal_error(request, exc)
    field = getattr(exc, "field", None)  # every package's errors carry code, message and field
    extra: dict[str, object] = {"field": field, "path": field} if field else {}
    if isinstance(exc, RuleFailed) and exc.checklist is not None:
        extra["checklist"] = exc.checklist
    detail = getattr(exc, "message", None) or str(exc)
    headers = {"WWW-Authenticate": 'Bearer realm="pcf-registry"'} if status == 401 else None
    return problem(status, type(exc).__name__, detail, getattr(exc, "code", "error"), headers, **extra)


def http_error(_: Request, exc: HTTPException) -> Response[dict[str, object]]:
    extra: dict[str, object] = {}
    if isinstance(exc, ValidationException) and exc.extra:
        extra["errors"] = exc.extra
        first = exc.extra[0] if isinstance(exc.extra, list) and exc.extra else None
        if isinstance(first, dict) and first.get("key"):
            extra["field"] = extra["path"] = str(first["key"])
    headers = dict(exc.headers or {})
    return problem(exc.status_code, type(exc).__name__, exc.detail, "http-error", headers or None, **extra)


def too_deep(_: Request, exc: RecursionError) -> Response[dict[str, object]]:
    """A request body nested too deeply to decode (JSON of thousands of levels): the decoder stops at Python's
    recursion limit, in microseconds; the answer names the body, and nothing is stored."""
    return problem(400, "Bad Request", "the request body is nested too deeply (the product document allows 64 "
                   "levels)", "too-deep", field="body", path="body")


def internal_error(_: Request, exc: Exception) -> Response[dict[str, object]]:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "Internal Server Error", "an internal error occurred", "internal-error")


#: Seconds a client should wait before retrying while the database is unavailable.
RETRY_AFTER_S = 5


def database_error(_: Request, exc: Exception) -> Response[dict[str, object]]:
    """The database cannot be reached or cannot write: 503 with Retry-After (507 when the disk is full). The body
    says which, never the driver's message; the transaction was rolled back, so nothing half-written remains."""
    text = str(getattr(exc, "orig", exc)).lower()
    log.error("database error: %s", type(exc).__name__, exc_info=exc)
    if "full" in text or "no space" in text:
        return problem(507, "Insufficient Storage", "the registry's storage is full; nothing was written",
                       "storage-full")
    if "readonly" in text or "read-only" in text or "read only" in text:
        return problem(503, "Service Unavailable", "the registry's storage is read-only; nothing was written",
                       "storage-read-only", {"Retry-After": str(RETRY_AFTER_S * 12)})
    return problem(503, "Service Unavailable", "the database is unavailable; nothing was written, try again",
                   "database-unavailable", {"Retry-After": str(RETRY_AFTER_S)})
