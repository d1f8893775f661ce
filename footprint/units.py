"""One pint registry for the project, with the units of product footprints.

Counted things (piece, wafer, cell, module, unit) share one dimension ``[item]``; peak power (Wp, kWp)
is a power. Conversion happens once, at the edge, into the reference unit of a factor.

Building the pint registry costs 0.3-0.5 s (it parses pint's whole definition file), more than the rest of a
footprint. Most uses need none of it: checking that a factor's unit is a unit (the 486 factors of a release use
13 unit strings) and "converting" an amount to the unit it is already in (every conversion of the PV example). The
unit strings in :data:`PLAIN_UNITS` are therefore accepted without pint, and a conversion between two equal strings
of that set is 1; anything else goes through pint. ``tests/test_units.py`` checks that pint parses every string of
the set and converts each to itself by exactly 1, so the fast path answers what pint would.
"""

from __future__ import annotations

import tokenize
from functools import lru_cache
from typing import TYPE_CHECKING

from footprint.errors import UnitMismatch

if TYPE_CHECKING:
    import pint

#: Unit strings that pint parses as they are written (checked by a test): accepted without building the registry.
PLAIN_UNITS = frozenset({
    "kg", "g", "t", "mg", "kWh", "MWh", "Wh", "MJ", "GJ", "kJ", "W", "kW", "Wp", "kWp", "m", "km", "cm", "mm",
    "m2", "cm2", "mm2", "m3", "L", "l", "piece", "pcs", "item", "GB", "t*km", "tkm", "person*km", "pkm",
})

_DEFINITIONS = """
piece = [item] = pcs = item
unit_item = piece
person = [person] = passenger
Wp = watt
peak_watt = watt
tkm = tonne * kilometer
pkm = person * kilometer
"""


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The shared unit registry (built once, on first use)."""
    import pint

    reg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for line in _DEFINITIONS.strip().splitlines():
        reg.define(line.strip())
    return reg


def parse_unit(text: str, path: str = "unit") -> pint.Unit:
    """Parse a unit string such as ``kWh``, ``t*km`` or ``m2``.

    Raises:
        UnitMismatch: when pint cannot parse the text.
    """
    import pint

    try:
        return _parse(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError,
            TypeError, ValueError, AssertionError, ArithmeticError, tokenize.TokenError) as exc:
        raise UnitMismatch(f"cannot parse unit {text!r}", path) from exc


def check_unit(text: str, path: str = "unit") -> None:
    """Check that ``text`` is a unit pint understands (the strings of :data:`PLAIN_UNITS` without pint).

    Raises:
        UnitMismatch: when pint cannot parse the text.
    """
    if text not in PLAIN_UNITS:
        parse_unit(text, path)


@lru_cache(maxsize=4096)
def _parse(text: str) -> pint.Unit:
    cleaned = text.strip().replace("·", "*").replace("m2", "m**2").replace("m3", "m**3")
    return registry().parse_units(cleaned)


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """The number by which an amount in ``from_unit`` is multiplied to be in ``to_unit``.

    Raises:
        UnitMismatch: when the units have different dimensions.
    """
    if from_unit == to_unit and from_unit in PLAIN_UNITS:  # what pint answers, without building it (see above)
        return 1.0
    import pint

    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    try:
        return float(registry().Quantity(1.0, src).to(dst).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitMismatch(
            f"{from_unit!r} ({registry().get_dimensionality(src)}) cannot be converted to "
            f"{to_unit!r} ({registry().get_dimensionality(dst)})"
        ) from exc


def convert(amount: float, from_unit: str, to_unit: str, path: str = "") -> float:
    """Convert ``amount`` from one unit to another, naming ``path`` in the error."""
    try:
        return amount * conversion_factor(from_unit, to_unit)
    except UnitMismatch as exc:
        raise UnitMismatch(exc.message, path) from exc
