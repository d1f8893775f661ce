"""The Litestar application: the versioned JSON API (``/api/v1``), and the public pages.

``create_app(settings)`` opens the database (registry schema migrated, bundled factor releases loaded) and the
registry with its master key; a missing or corrupt key file stops it with a one-line reason.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.exc import InterfaceError, OperationalError

from api.access_log import access_log
from api.apidocs import assets_router, openapi_config
from api.console import routes as console
from api.controllers import pages, public
from api.controllers.factors import FactorsController
from api.controllers.labels import LabelsController
from api.controllers.pact import PactController
from api.controllers.registry import RegistryController
from api.errors import database_error, domain_error, http_error, internal_error, too_deep
from api.openapi import complete as complete_openapi
from api.pages.submit import Rejected, rejected
from api.pages.templating import template_config
from api.runtime import open_database, open_registry
from api.settings import Settings
from factors_db.errors import FactorDbError
from footprint.errors import FootprintError
from registry.errors import RegistryError
from registry.services import Registry


@get("/health", tags=["service"])
async def health() -> dict[str, str]:
    return {"status": "ok"}


def allow_header(app: ASGIApp) -> ASGIApp:
    """Litestar's automatic OPTIONS answer lists only the methods of the first handler of a path (the route is
    merged later): list every method of the path."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "OPTIONS":
            await app(scope, receive, send)
            return

        async def fixed(message: Message) -> None:
            if message["type"] == "http.response.start":
                template = scope.get("path_template")
                methods = {m for r in scope["litestar_app"].routes  # a template names no parameter types
                           if isinstance(r, HTTPRoute) and template in (r.path, r.path_format) for m in r.methods}
                if methods:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message["headers"] = [*headers, (b"allow", ", ".join(sorted(methods)).encode())]
            await send(message)

        await app(scope, receive, fixed)

    return middleware


def services(registry: Registry, settings: Settings) -> dict[str, Provide]:
    """The typed dependencies every handler may ask for by name: ``registry`` (the services, see
    :class:`registry.services.Registry`) and ``settings``."""

    def provide_registry() -> Registry:
        return registry

    def provide_settings() -> Settings:
        return settings

    return {"registry": Provide(provide_registry, use_cache=True, sync_to_thread=False),
            "settings": Provide(provide_settings, use_cache=True, sync_to_thread=False)}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application: handlers get the registry's services and the settings as typed dependencies
    (:func:`services`); the app state keeps them too, for tests and tools."""
    settings = settings or Settings()
    engine = open_database(settings)
    registry = open_registry(settings, engine)
    middleware: list[Any] = [allow_header, access_log]
    if settings.public_rate_limit:
        # per client address, every endpoint (pages and reads are the public ones; writes need a token anyway)
        middleware.append(RateLimitConfig(rate_limit=("minute", settings.public_rate_limit),
                                          exclude=["/health", "/static", "/schema/assets"]).middleware)
    app = Litestar(
        route_handlers=[health, FactorsController, RegistryController, LabelsController, PactController,
                        *pages.route_handlers(), *console.route_handlers(),
                        *public.route_handlers(), assets_router()],
        template_config=template_config(),
        dependencies=services(registry, settings),
        state=State({"engine": engine, "settings": settings, "registry": registry}),
        exception_handlers={
            FactorDbError: domain_error, FootprintError: domain_error, RegistryError: domain_error,
            HTTPException: http_error, OperationalError: database_error, InterfaceError: database_error,
            Rejected: rejected, RecursionError: too_deep, 500: internal_error,
        },
        cors_config=CORSConfig(allow_origins=["*"], allow_methods=["GET", "OPTIONS"], allow_credentials=False),
        request_max_body_size=settings.max_body_bytes,
        middleware=middleware,
        logging_config=LoggingConfig(loggers={"pcf.access": {"level": "INFO", "handlers": ["queue_listener"],
                                                              "propagate": False}},
                                     log_exceptions="never"),
        openapi_config=openapi_config(),
    )
    complete_openapi(app)
    return app
