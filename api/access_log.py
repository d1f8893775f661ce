"""One access line per request (logger ``pcf.access``), with secrets redacted.

``method path?query client status duration_ms``: written when the response starts. The query string's values of
parameters that may carry a secret (``token``, ``access_token``, ``secret``, ``password``, ``key``, ``session``...)
are replaced by ``[redacted]``; headers, cookies and bodies are never logged. The client is the socket's peer as
the server sees it (behind a configured proxy, uvicorn has already put the forwarded address there; any other
``X-Forwarded-For`` is ignored: ``Settings.trusted_proxies``).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl, urlencode

from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("pcf.access")
#: Query parameters whose values are never logged (compared lower-case, also as a suffix: ``client_secret``).
SECRET_PARAMS = ("token", "secret", "password", "passwd", "key", "session", "code", "signature", "auth")
#: Longest query string logged (after redaction).
MAX_QUERY = 500


def redact_query(query: str) -> str:
    """``query`` with the values of secret-bearing parameters replaced (and cut to :data:`MAX_QUERY`)."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    safe = [(k, "[redacted]" if any(k.lower().endswith(s) for s in SECRET_PARAMS) else v) for k, v in pairs]
    text = urlencode(safe, safe="[]/:,")
    return text if len(text) <= MAX_QUERY else text[:MAX_QUERY] + "…"


def access_log(app: ASGIApp) -> ASGIApp:
    """ASGI middleware writing one line per HTTP request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await app(scope, receive, logged)
        finally:
            query = redact_query(scope.get("query_string", b"").decode("latin-1"))
            client = scope.get("client")
            log.info("%s %s%s %s %s %.0fms", scope.get("method", ""), scope.get("path", ""),
                     f"?{query}" if query else "", client[0] if client else "-", status or 500,
                     (time.perf_counter() - start) * 1000)

    return middleware
