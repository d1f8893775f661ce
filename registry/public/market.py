"""Statistics for low-carbon procurement: percentiles of a category's footprints and emissions avoided (pure).

Takes plain numbers (footprints per declared unit, in kg CO2e) and returns plain numbers; the pages and the JSON
API (``/compare``, ``/api/v1/compare``) show the same figures.

Percentiles: linear interpolation between the closest ranks, numpy's default (``method="linear"``, Hyndman &
Fan type 7): for sorted values x[0..n-1], the p-th percentile sits at rank h = (n - 1) * p / 100 and is
x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]). For 100, 200, 300, 400, 500: the 20th percentile
is at h = 0.8, 100 + 0.8 * 100 = 180; the 80th at h = 3.2, 420.

Targets: Building Transparency's EC3 publishes, for each product category, an "achievable" target at the 20th
percentile of the category's declared footprints and a "conservative" target at the 80th percentile (EC3 category
baselines, "Achievable/Conservative" in the EC3 user guide); we publish the same two figures for the products that
meet the buyer's requirements, so that a procurement rule can say "at or below the achievable target".

A product's percentile rank: the share of the compared products with a lower footprint, counting ties as half
(scipy's ``percentileofscore(kind="mean")``): among 100, 200, 300, 400, 500 the value 200 ranks at
(1 + 0.5) / 5 = 30 %.

Emissions avoided by a purchase: quantity (in declared units) x (category median - product's footprint). A product
above the median gives a negative number: the purchase adds emissions against a median choice.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from registry.errors import InvalidInput

ACHIEVABLE_PERCENTILE = 20.0
CONSERVATIVE_PERCENTILE = 80.0


class MarketError(InvalidInput):
    """The numbers cannot be summarised (no values, a non-finite value, a percentile outside 0-100)."""

    code = "invalid-statistics-input"


def _checked(values: Sequence[float]) -> list[float]:
    if not values:
        raise MarketError("no values to compare")
    out = sorted(map(float, values))
    if not (math.isfinite(out[0]) and math.isfinite(out[-1])) or any(v != v for v in out):  # v != v: NaN
        raise MarketError("values must be finite numbers")
    return out


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` by linear interpolation (numpy's default; module docstring)."""
    return _percentile_sorted(_checked(values), p)


def _percentile_sorted(xs: list[float], p: float) -> float:
    if not 0 <= p <= 100:
        raise MarketError(f"percentile {p} is outside 0-100")
    h = (len(xs) - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def percentile_rank(values: Sequence[float], value: float) -> float:
    """The share (0-100) of ``values`` below ``value``, ties counted half (module docstring)."""
    xs = _checked(values)
    below = sum(1 for x in xs if x < value)
    equal = sum(1 for x in xs if x == value)
    return 100.0 * (below + 0.5 * equal) / len(xs)


def percentile_ranks(values: Sequence[float]) -> list[float]:
    """:func:`percentile_rank` of each of ``values`` within ``values``, in their order (n log n)."""
    xs = _checked(values)
    n = len(xs)
    out = []
    for v in values:
        lo, hi = bisect_left(xs, v), bisect_right(xs, v)
        out.append(100.0 * (lo + 0.5 * (hi - lo)) / n)
    return out


def avoided_kg(quantity: float, value: float, median: float) -> float:
    """kg CO2e avoided by buying ``quantity`` declared units at ``value`` instead of at the ``median``."""
    if not (math.isfinite(quantity) and quantity >= 0):
        raise MarketError("quantity must be a finite number of at least 0", "quantity")
    return quantity * (median - value)


@dataclass(frozen=True)
class Distribution:
    """A comparison set summarised: count, extremes, median and the EC3-style targets."""

    count: int
    minimum: float
    maximum: float
    median: float
    p20: float
    p80: float
    mean: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        xs = _checked(values)
        return cls(count=len(xs), minimum=xs[0], maximum=xs[-1], median=_percentile_sorted(xs, 50),
                   p20=_percentile_sorted(xs, ACHIEVABLE_PERCENTILE),
                   p80=_percentile_sorted(xs, CONSERVATIVE_PERCENTILE), mean=math.fsum(xs) / len(xs))


def histogram(values: Sequence[float], bins: int = 10) -> list[tuple[float, float, int]]:
    """Equal-width bins over [min, max]: (lower edge, upper edge, count); the last bin includes its upper edge."""
    xs = _checked(values)
    lo, hi = xs[0], xs[-1]
    if hi == lo:
        return [(lo, hi, len(xs))]
    width = (hi - lo) / bins
    counts = [0] * bins
    for x in xs:
        counts[min(int((x - lo) / width), bins - 1)] += 1
    return [(lo + i * width, lo + (i + 1) * width, c) for i, c in enumerate(counts)]
