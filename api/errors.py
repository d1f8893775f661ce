"""Domain errors -> RFC 9457 problem details. Unknown errors give a bare 500 that echoes nothing."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from factors_db.errors import FactorDbError, FactorNotFound, ImportFailed, InvalidFactor, ReleaseNotFound
from footprint.errors import FootprintError

log = logging.getLogger("pcf.api")
STATUS: dict[type[Exception], int] = {
    FactorNotFound: 404, ReleaseNotFound: 404, ImportFailed: 409, InvalidFactor: 422, FootprintError: 422,
    FactorDbError: 422,
}


def problem(status: int, title: str, detail: str, code: str, **extra: object) -> Response[dict[str, object]]:
    body: dict[str, object] = {"type": f"https://pcf-registry.example/problems/{code}", "title": title,
                               "status": status, "detail": detail, "code": code, **extra}
    return Response(body, status_code=status, media_type="application/problem+json")


def domain_error(_: Request, exc: Exception) -> Response[dict[str, object]]:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 422)
    extra = {"path": exc.path} if isinstance(exc, FootprintError) and exc.path else {}
    detail = exc.message if isinstance(exc, FootprintError | FactorDbError) else str(exc)
    return problem(status, type(exc).__name__, detail, getattr(exc, "code", "error"), **extra)


def http_error(_: Request, exc: HTTPException) -> Response[dict[str, object]]:
    extra = {"errors": exc.extra} if isinstance(exc, ValidationException) and exc.extra else {}
    return problem(exc.status_code, type(exc).__name__, exc.detail, "http-error", **extra)


def internal_error(_: Request, exc: Exception) -> Response[dict[str, object]]:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "Internal Server Error", "an internal error occurred", "internal-error")
