"""The bench's own server wrapper: the real app with a ``Server-Timing`` header on every answer.

``uvicorn bench.timing_app:create_app --factory`` serves :func:`api.app.create_app` (settings from the
``PCF_*`` environment, as ``pcf serve``) wrapped in one ASGI layer. That layer starts a clock when uvicorn hands
it the request and stops it when the app sends ``http.response.start``; the elapsed time goes out as
``Server-Timing: app;dur=<ms>``. Litestar renders a page (or serialises a JSON body) completely before it sends
the start message, so the figure is the whole in-process handling: routing, middleware, the handler, the
database, template rendering. It leaves out the HTTP parsing in uvicorn, the socket and the client.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send


def with_server_timing(app: ASGIApp) -> ASGIApp:
    """``app`` with ``Server-Timing: app;dur=<ms>`` added to each HTTP answer."""

    async def timed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                message["headers"] = [*message.get("headers", []), (b"server-timing", f"app;dur={ms:.3f}".encode())]
            await send(message)

        await app(scope, receive, send_timed)

    return timed


def create_app() -> Any:
    """The application of ``pcf serve``, timed (uvicorn factory)."""
    from api.app import create_app as real_app

    return with_server_timing(real_app())
