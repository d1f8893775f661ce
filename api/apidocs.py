"""The API documentation page at ``/schema``, served from local files so that it works with no internet access.

Swagger UI comes from the ``swagger-ui-bundle`` package (Apache-2.0, maintained by the connexion project), which
ships the files of a Swagger UI release; they are served under ``/schema/assets``. The page names no CDN, no web
font and no favicon from elsewhere: Litestar's render plugins default to jsDelivr, unpkg and Google Fonts.
"""

from __future__ import annotations

from pathlib import Path

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

ASSETS_PATH = "/schema/assets"
ASSETS_DIR = Path(swagger_ui_path)


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI document at ``/schema/openapi.json`` and Swagger UI at ``/schema`` (and ``/schema/swagger``)."""
    swagger = SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        path=["/", "/swagger"],
    )
    return OpenAPIConfig(title="pcf-registry", version="1.0.0", render_plugins=[swagger], use_handler_docstrings=True,
                         description=DESCRIPTION)


def assets_router() -> Router:
    """Swagger UI's script, style sheet and icons, from the installed package."""
    return create_static_files_router(path=ASSETS_PATH, directories=[ASSETS_DIR], include_in_schema=False,
                                      name="apidocs-assets")


DESCRIPTION = """\
Product carbon footprints (GB/T 24067-2024 / ISO 14067), the factor database behind them, and the registry of
certified carbon labels with their transparency log.

* **Anyone** may compute a footprint (`POST /api/v1/footprints`), search factors, look up and verify labels.
* **Manufacturers** (bearer token) register products and submit declarations for certification.
* **Certifiers** (bearer token) review declarations and issue labels.

Errors are RFC 9457 problem details with a stable `code` and, where one field is at fault, its `field`.
"""
