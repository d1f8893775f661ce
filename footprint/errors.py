"""Errors of the footprint engine.

FootprintError (code: footprint-error)
 ├── SpecificationError      invalid-specification   a field of the product specification is wrong
 │    ├── UnknownFactor      unknown-factor          a factor id is not in the factor set
 │    ├── UnitMismatch       unit-mismatch           a quantity has the wrong dimension
 │    └── ImplausibleValue   implausible-value       a magnitude outside physical bounds
 ├── SingularSystem          singular-system         the technosphere matrix cannot be solved
 ├── GridFactorMissing       grid-factor-missing     no electricity factor for region/year/series
 └── VariantError            invalid-variants        a variant axis is wrong, or its variants cannot be computed

Every error carries ``code``, ``message`` and ``field``: the dotted path of the offending field
(``processes[2].inputs[0].unit``, or None) so that the command line and the API can point at it; ``path`` is
the same path as a string ("" for none), its older name. The shape (``code``, ``message``, ``field``) is the
same in every package's errors (``factors_db``, ``registry``, ``label``).
"""

from __future__ import annotations


class FootprintError(Exception):
    """Base class of every error raised by :mod:`footprint`."""

    code = "footprint-error"

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    @property
    def field(self) -> str | None:
        """The offending field's dotted path, or None (the one error shape across packages)."""
        return self.path or None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SpecificationError(FootprintError):
    """A field of the product specification is invalid."""

    code = "invalid-specification"


class UnknownFactor(SpecificationError):
    """A factor id is not in the factor set; the message lists the closest ids."""

    code = "unknown-factor"


class UnitMismatch(SpecificationError):
    """A quantity's unit cannot be converted into the unit it must have."""

    code = "unit-mismatch"


class ImplausibleValue(SpecificationError):
    """A magnitude is outside what the product can physically be."""

    code = "implausible-value"


class SingularSystem(FootprintError):
    """The technosphere matrix is singular (a process loop that produces nothing net)."""

    code = "singular-system"


class GridFactorMissing(FootprintError):
    """No electricity factor exists for the region, year and series asked for."""

    code = "grid-factor-missing"


class VariantError(FootprintError):
    """A variant axis is wrong, or its variants cannot be computed together."""

    code = "invalid-variants"
