"""Electricity look-up: ``grid_factor(region, year, series)`` over a release."""

from __future__ import annotations

from dataclasses import dataclass

from factors_db.release import DEFAULT_RELEASE, factor_set
from footprint.model import FactorData


@dataclass(frozen=True)
class GridLookup:
    """The factor found, and the substitution made, if any (recorded, never silent)."""

    factor: FactorData
    fallback: str | None

    @property
    def value_kg_co2e(self) -> float:
        return self.factor.value_kg_co2e


def grid_factor(
    region: str,
    year: int,
    series: str = "co2_average",
    *,
    fallback_to_national: bool = False,
    release: str = DEFAULT_RELEASE,
) -> GridLookup:
    """The official grid factor of ``region`` (``CN``, ``CN-GRID-SOUTHWEST``, ``CN-SC``...).

    A missing year or series raises :class:`footprint.errors.GridFactorMissing` naming what exists; the
    national factor replaces a missing regional one only with ``fallback_to_national=True``.
    """
    found, note = factor_set(release).grid(region, year, series, fallback_to_national=fallback_to_national)
    return GridLookup(found, note)
