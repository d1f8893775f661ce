"""Product models, one module per kind, and :func:`to_spec`: a parsed product document -> :class:`ProductSpec`.

A product document is the mapping a product file (YAML or JSON) holds; reading the file is the caller's
(``api.documents``). ``kind`` picks the model: ``pv_module`` (:mod:`footprint.products.pv_module`), ``battery``
(:mod:`footprint.products.battery`), ``display_panel`` (:mod:`footprint.products.display`), the
electronics kinds (:mod:`footprint.products.electronics`), or ``custom`` (a :class:`ProductSpec` as written).
The result's ``input_sha256`` is the SHA-256 of the document in RFC 8785 canonical JSON, so anyone can check
it from the file alone: ``sha256(jcs(yaml.safe_load(file)))``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from footprint.errors import SpecificationError
from footprint.model import FactorSet, ProductSpec
from footprint.products import battery, display, electronics, pv, pv_module


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


def to_spec(data: dict[str, Any], factors: FactorSet) -> ProductSpec:
    """Build a :class:`ProductSpec` from a parsed document of any ``kind``."""
    kind = data.get("kind", "custom")
    try:
        if kind == "pv_module":
            spec = pv.build(pv_module.PVModule.model_validate(data), factors)
        elif kind == "battery":
            spec = battery.build(battery.Battery.model_validate(data), factors)
        elif kind == "display_panel":
            spec = display.build(display.DisplayPanel.model_validate(data), factors)
        elif kind in electronics.KINDS:
            spec = electronics.build(electronics.Device.model_validate(data), factors)
        elif kind == "custom":
            # ``category`` names the registry's category rule; the engine does not need it.
            spec = ProductSpec.model_validate({k: v for k, v in data.items() if k not in ("kind", "category")})
        else:
            raise SpecificationError(
                f"unknown kind {kind!r}; use custom, pv_module, battery, display_panel, "
                f"{', '.join(electronics.KINDS)}", "kind"
            )
    except ValidationError as exc:
        raise validation_error(exc) from None
    return spec.from_document(data)
