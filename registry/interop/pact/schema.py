"""JSON Schemas (draft 2020-12) of PACT, built in memory from the unchanged official OpenAPI files.

``registry/interop/pact/spec/`` holds ``spec/v2/openapi.yaml`` and ``spec/v3/openapi.yaml`` of
``wbcsd/data-exchange-protocol`` byte for byte (third-party material under WBCSD's licence, see the README
there). They declare ``openapi: 3.1.0``, whose schema objects are already JSON Schema 2020-12 plus OpenAPI
keywords, so :func:`convert` only:

* moves ``components.schemas`` to ``$defs`` and ``components.parameters.<p>.schema`` to ``$defs.param_<p>``,
  rewriting every ``$ref`` to point there;
* drops prose and vendor keywords (``description``, ``examples``, ``x-*``, ``note``, ``comment``, ...), so the
  document holds constraints only;
* drops the v3 events' ``properties: {$ref: '#/components/schemas/BaseEvent/properties'}``: it is not a
  schema (a property named ``$ref`` whose value is a string) and the sibling ``$ref`` to ``BaseEvent``
  already applies the base properties;
* keeps ``format`` values as they are: ``registry.interop.pact`` asserts ``uuid``, ``date-time`` and ``decimal``.

The result lives only in memory (:func:`schema_document` caches it); it is never written to disk, so no
modified copy of the specification is part of this project. To move to a new PACT release, replace the files
in ``registry/interop/pact/spec/`` with unchanged copies of the new commit and update :data:`SOURCE_COMMIT` and that
folder's README.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Literal, cast

import yaml

PactVersion = Literal["2", "3"]

SPEC_PACKAGE = "registry.interop.pact"
SPEC_FOLDER = "spec"
SOURCE_REPOSITORY = "wbcsd/data-exchange-protocol"
SOURCE_COMMIT = "cf4ebedb18d42f3453bcc868e01159321297c09a"
#: version -> (file in registry/interop/pact/spec/, path in the source repository)
SPEC_FILES: dict[str, tuple[str, str]] = {
    "2": ("v2-openapi.yaml", "spec/v2/openapi.yaml"),
    "3": ("v3-openapi.yaml", "spec/v3/openapi.yaml"),
}

PROSE = {"description", "examples", "example", "title", "summary", "note", "comment", "deprecated"}


def _ref(target: str) -> str:
    if target.startswith("#/components/schemas/"):
        return "#/$defs/" + target.removeprefix("#/components/schemas/")
    if target.startswith("#/components/parameters/") and target.endswith("/schema"):
        name = target.removeprefix("#/components/parameters/").removesuffix("/schema")
        return f"#/$defs/param_{name}"
    raise ValueError(f"unsupported $ref {target!r}")


def _clean(node: Any, in_properties: bool = False) -> Any:
    if isinstance(node, list):
        return [_clean(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if in_properties:  # keys are property names, not keywords
            if key == "$ref" and isinstance(value, str):
                continue  # the broken BaseEvent/properties reference of the v3 events (see module docstring)
            out[key] = _clean(value)
        elif key.startswith("x-") or key in PROSE:
            continue
        elif key == "$ref":
            out[key] = _ref(value)
        else:
            out[key] = _clean(value, in_properties=key in ("properties", "patternProperties", "$defs"))
    return out


def convert(openapi: dict[str, Any], source: str) -> dict[str, Any]:
    """The 2020-12 schema document holding every component schema of ``openapi`` under ``$defs``."""
    components = openapi["components"]
    defs = {name: _clean(schema) for name, schema in components["schemas"].items()}
    for name, param in (components.get("parameters") or {}).items():
        defs[f"param_{name}"] = _clean(param["schema"])
    version = openapi["info"]["version"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:pcf-registry:pact-schema:{version}",
        "$comment": f"Built in memory from {source} (PACT Technical Specifications {version}, (c) WBCSD, "
                    "see registry/interop/pact/spec/README.md); prose removed, refs moved to $defs.",
        "$defs": defs,
    }


def source(version: PactVersion) -> str:
    """``repository@commit:path`` of the OpenAPI file of PACT ``version``."""
    return f"{SOURCE_REPOSITORY}@{SOURCE_COMMIT}:{SPEC_FILES[version][1]}"


def openapi_text(version: PactVersion) -> str:
    """The vendored, unchanged OpenAPI file of PACT ``version``."""
    name = SPEC_FILES[version][0]
    return resources.files(SPEC_PACKAGE).joinpath(SPEC_FOLDER, name).read_text(encoding="utf-8")


@lru_cache(maxsize=2)
def schema_document(version: PactVersion) -> dict[str, Any]:
    """The JSON Schema document (``$defs`` of every component) of PACT ``version``; built once, then cached."""
    if version not in SPEC_FILES:
        raise ValueError(f"unknown PACT version {version!r}: '2' or '3'")
    openapi = cast(dict[str, Any], yaml.safe_load(openapi_text(version)))
    return convert(openapi, source(version))
