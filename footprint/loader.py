"""Read a product file (YAML or JSON) into a :class:`ProductSpec`, dispatching on ``kind``.

The result's ``input_sha256`` is the SHA-256 of the file's content in RFC 8785 canonical JSON, so anyone can
check it from the file alone: ``sha256(jcs(yaml.safe_load(file)))``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from footprint.errors import SpecificationError
from footprint.model import FactorSet, ProductSpec


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_error(exc: ValidationError) -> SpecificationError:
    """The first pydantic error as a :class:`SpecificationError` with its field path."""
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    return SpecificationError(err["msg"].removeprefix("Value error, "), _path(loc))


def read_document(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON file into a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecificationError(f"{path.name} is not UTF-8 text", "") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise SpecificationError(f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise SpecificationError(f"{path.name} is not valid YAML: {problem}{where}") from None
    except (ValueError, RecursionError) as exc:  # YAML dates like 2026-02-30, 5,000-digit integers, deep nesting
        raise SpecificationError(f"{path.name} cannot be read: {type(exc).__name__}: {str(exc)[:120]}") from None
    if not isinstance(data, dict):
        raise SpecificationError(f"{path.name} must hold a mapping of fields", "")
    return data


def to_spec(data: dict[str, Any], factors: FactorSet) -> ProductSpec:
    """Build a :class:`ProductSpec` from a parsed document of any ``kind``."""
    from footprint.products import electronics, pv_module

    kind = data.get("kind", "custom")
    try:
        if kind == "pv_module":
            spec = pv_module.build(pv_module.PVModule.model_validate(data), factors)
        elif kind in electronics.KINDS:
            spec = electronics.build(electronics.Device.model_validate(data), factors)
        elif kind == "custom":
            # ``category`` names the registry's category rule; the engine does not need it.
            spec = ProductSpec.model_validate({k: v for k, v in data.items() if k not in ("kind", "category")})
        else:
            raise SpecificationError(
                f"unknown kind {kind!r}; use custom, pv_module, {', '.join(electronics.KINDS)}", "kind"
            )
    except ValidationError as exc:
        raise validation_error(exc) from None
    return spec.from_document(data)
