"""Completing the OpenAPI document that Litestar generates, so that a client can be generated from it.

* The product document is a union discriminated by ``kind`` (``pv_module``, ``monitor``/``display``/``laptop``/
  ``desktop``, ``custom``): its JSON Schema comes from the engine's own pydantic models. The handlers still
  receive the raw mapping, because the input hash is the hash of the document exactly as sent and the engine
  reports errors with their field paths (422 problem details).
* Every error an operation can answer is documented as RFC 9457 problem details.
* Operations that need a bearer token say so (``security``).
* The document states what the code checks where Litestar does not say it: the categories ``/api/v1/compare``
  accepts, lower bounds of 0 (Litestar drops ``ge=0`` of query parameters), ``vary`` as a mapping, the public
  key's base64 form. Summaries, descriptions and examples come from :mod:`api.operations`.

Applied once, at start-up, to the document Litestar caches and serves at ``/schema/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Litestar
from pydantic import ConfigDict, Field, TypeAdapter

from api.operations import describe
from footprint.model import ProductSpec
from footprint.products.electronics import Device
from footprint.products.pv_module import PVModule


class CustomDocument(ProductSpec):
    """A product as a process tree (``kind: custom``); ``category`` names its category rule in the registry."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="CustomDocument")
    kind: Literal["custom"]
    category: Literal["pv_module", "monitor", "display", "laptop", "desktop", "component"] | None = None


ProductDocument = Annotated[PVModule | Device | CustomDocument, Field(discriminator="kind")]

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "code": {"type": "string"},
        "field": {"type": "string", "description": "the request field at fault"},
        "path": {"type": "string", "description": "the same as field (older name, product-file errors)"},
    },
    "additionalProperties": True,
}
ERRORS = {
    400: "Malformed request (syntax, types, out-of-range numbers)",
    401: "Missing, unknown, expired or revoked bearer token",
    403: "The token's role may not do this",
    404: "No such object (or another organisation's unpublished one)",
    409: "The object's state does not allow this, or it conflicts with another",
    413: "Request body too large",
    422: "A field is invalid (problem details name it)",
    429: "Too many requests from this client",
    500: "Internal error (the body says nothing about it)",
    503: "The database is unavailable or read-only (Retry-After says when to try again); nothing was written",
    507: "Storage full; nothing was written",
}
PUBLIC_ERRORS = (400, 404, 413, 422, 429, 500, 503, 507)
AUTH_ERRORS = (401, 403, 409)
#: Operations that take a product document, and where in their body it sits.
DOCUMENT_BODIES = {("/api/v1/footprints", "post"): None, ("/api/v1/variants", "post"): "product",
                   ("/api/v1/declarations", "post"): "spec"}


def product_document_schemas() -> dict[str, Any]:
    """Component schemas of the product document union (``ProductDocument`` and the models it refers to)."""
    schema = TypeAdapter(ProductDocument).json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["ProductDocument"] = schema
    return components


def complete(app: Litestar) -> None:
    """Add the product document union, problem responses and bearer security to the app's OpenAPI document."""
    from litestar._openapi.plugin import OpenAPIPlugin

    # Litestar caches the document (a dict) on first use and serves that same object: complete it in place.
    doc = app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(product_document_schemas())
    schemas["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    from api.controllers.pact import PACT_SECURITY_SCHEME, is_pact_path

    components["securitySchemes"]["pact"] = PACT_SECURITY_SCHEME
    for name in _closed_models():
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    _exact_inputs(doc, schemas)
    describe(doc)
    ref = {"$ref": "#/components/schemas/ProductDocument"}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete", "head"):
                continue
            if is_pact_path(path):  # PACT answers the specification's own error bodies, documented by its handlers
                op.setdefault("responses", {})["429"] = {"description": ERRORS[429], "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                continue
            authed = bool(op.pop("x-pcf-auth", False)) or _needs_auth(path, method)
            if authed:
                op["security"] = [{"bearer": []}]
            responses = op.setdefault("responses", {})
            # a public operation that declares a 409 itself (an export of a damaged label) gets it as a problem
            conflict = (409,) if "409" in responses and not authed else ()
            for status in PUBLIC_ERRORS + (AUTH_ERRORS if authed else ()) + conflict:
                responses[str(status)] = ({
                    "description": ERRORS[status],
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
            where = DOCUMENT_BODIES.get((path, method), ...)
            if where is not ...:
                _document_body(op, schemas, where, ref)


#: Query parameters declared ``ge=0`` (Litestar omits a minimum of 0 from the document).
NON_NEGATIVE = {("/api/v1/footprints", "post"): ("mc", "seed"), ("/api/v1/log/inclusion", "get"): ("index",)}
#: 32 bytes in base64 or base64url (43 characters, padding optional; ASCII whitespace is ignored), as
#: ``registry.trust.external_signing.decode_b64`` reads it.
PUBLIC_KEY_PATTERN = r"^\s*(?:[A-Za-z0-9+/_-]\s*){43}(?:=\s*)?$"


def _exact_inputs(doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """State in the document what the code checks (see the module docstring)."""
    from registry.rules import categories

    paths = doc.get("paths", {})
    compare = paths.get("/api/v1/compare", {}).get("get", {})
    for param in compare.get("parameters", []):
        if param["name"] == "category":
            param["schema"]["enum"] = categories()
        elif param["name"] == "quantity" or param["name"].startswith(("min_", "max_")):
            param["schema"]["minimum"] = 0
    for (path, method), names in NON_NEGATIVE.items():
        for param in paths.get(path, {}).get(method, {}).get("parameters", []):
            if param["name"] in names:
                param["schema"]["minimum"] = 0
    if "VariantsRequest" in schemas:
        schemas["VariantsRequest"]["properties"]["vary"] = {
            "type": "object", "minProperties": 1,
            "additionalProperties": {"type": "array", "minItems": 1, "items": {}},
            "description": "field path -> the values it takes (`{\"regions.cell\": [\"CN-SC\", \"CN-XJ\"]}`); "
                           "a list of mappings sets several fields at once and the key is just a name"}
    if "KeyIn" in schemas:
        key = schemas["KeyIn"]["properties"]["public_key"]
        key["oneOf"] = [{"type": "string", "pattern": PUBLIC_KEY_PATTERN, "maxLength": key.pop("maxLength", 200)},
                        {"type": "null"}]


def _closed_models() -> list[str]:
    """Request bodies that refuse unknown fields (pydantic ``extra="forbid"``; Litestar does not say so)."""
    from api.controllers.factors import VariantsRequest
    from api.schemas import _In

    models: list[type] = [*_In.__subclasses__(), VariantsRequest]
    return [m.__name__ for m in models]


def _needs_auth(path: str, method: str) -> bool:
    if not path.startswith("/api/v1/"):
        return False
    if path.startswith(("/api/v1/products", "/api/v1/declarations", "/api/v1/renewals")):
        return True
    return method == "post" and path.startswith("/api/v1/labels/")


def _document_body(op: dict[str, Any], schemas: dict[str, Any], where: str | None, ref: dict[str, Any]) -> None:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return
    if where is None:
        content["schema"] = ref
        return
    target = content.get("schema", {})
    name = target.get("$ref", "").rsplit("/", 1)[-1]
    body = schemas.get(name, target)
    if where in body.get("properties", {}):
        body["properties"][where] = ref
