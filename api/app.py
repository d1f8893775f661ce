"""The Litestar application: the versioned JSON API (``/api/v1``), and the public pages.

``create_app(settings)`` opens the database (registry schema migrated, bundled factor releases loaded) and the
registry with its master key; a missing or corrupt key file stops it with a one-line reason.
"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig

from api.controllers import pages
from api.controllers.factors import FactorsController
from api.controllers.labels import LabelsController
from api.controllers.registry import RegistryController
from api.errors import domain_error, http_error, internal_error
from api.pages.templating import template_config
from api.runtime import open_database, open_registry
from api.settings import Settings
from factors_db.errors import FactorDbError
from footprint.errors import FootprintError
from registry.errors import RegistryError


@get("/health", tags=["service"])
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application; the database engine and the registry live in the app state."""
    settings = settings or Settings()
    engine = open_database(settings)
    registry = open_registry(settings, engine)
    return Litestar(
        route_handlers=[health, FactorsController, RegistryController, LabelsController, *pages.route_handlers()],
        template_config=template_config(),
        state=State({"engine": engine, "settings": settings, "registry": registry}),
        exception_handlers={
            FactorDbError: domain_error, FootprintError: domain_error, RegistryError: domain_error,
            HTTPException: http_error, 500: internal_error,
        },
        cors_config=CORSConfig(allow_origins=["*"], allow_methods=["GET", "OPTIONS"], allow_credentials=False),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="pcf-registry", version="1.0.0"),
    )
