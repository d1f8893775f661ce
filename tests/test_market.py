"""The procurement statistics (registry/market.py), with the arithmetic written out, and numpy as a second opinion."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.public import market

FIVE = [300.0, 100.0, 500.0, 200.0, 400.0]  # sorted: 100 200 300 400 500


@pytest.mark.parametrize(("p", "expected"), [
    (0, 100.0), (100, 500.0), (50, 300.0),
    (20, 180.0),  # rank h = (5 - 1) * 0.2 = 0.8: 100 + 0.8 * (200 - 100)
    (80, 420.0),  # h = 3.2: 400 + 0.2 * (500 - 400)
    (25, 200.0),  # h = 1.0 exactly
])
def test_percentile_by_linear_interpolation(p: float, expected: float) -> None:
    assert market.percentile(FIVE, p) == pytest.approx(expected)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert market.percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)  # h = 1.5


def test_percentile_rank_counts_ties_half() -> None:
    assert market.percentile_rank(FIVE, 100) == pytest.approx(10.0)  # (0 + 0.5) / 5
    assert market.percentile_rank(FIVE, 200) == pytest.approx(30.0)  # (1 + 0.5) / 5
    assert market.percentile_rank([1, 2, 2, 3], 2) == pytest.approx(50.0)  # (1 + 0.5 * 2) / 4
    assert market.percentile_rank(FIVE, 50) == 0.0 and market.percentile_rank(FIVE, 900) == 100.0
    assert market.percentile_ranks([2, 1, 2, 3]) == pytest.approx([50.0, 12.5, 50.0, 87.5])


def test_avoided_emissions_against_the_median() -> None:
    # 1,000 kWp at 281 kg CO2e/kWp instead of the median 374: 1000 x (374 - 281) = 93,000 kg CO2e avoided
    assert market.avoided_kg(1000, 281, 374) == pytest.approx(93_000)
    assert market.avoided_kg(10, 400, 374) == pytest.approx(-260)  # above the median: more emissions
    assert market.avoided_kg(0, 400, 374) == 0
    with pytest.raises(market.MarketError):
        market.avoided_kg(-1, 1, 2)
    with pytest.raises(market.MarketError):
        market.avoided_kg(math.inf, 1, 2)


def test_distribution_and_histogram() -> None:
    d = market.Distribution.of(FIVE)
    assert (d.count, d.minimum, d.maximum, d.median, d.p20, d.p80, d.mean) == (5, 100, 500, 300, 180, 420, 300)
    bins = market.histogram(FIVE, bins=4)  # width (500 - 100) / 4 = 100; 500 falls in the last bin
    assert [c for *_, c in bins] == [1, 1, 1, 2]
    assert bins[0][:2] == (100, 200) and bins[-1][1] == 500
    assert market.histogram([7, 7, 7]) == [(7, 7, 3)]


@pytest.mark.parametrize("bad", [[], [1.0, math.nan], [math.inf]])
def test_bad_values_are_refused(bad: list[float]) -> None:
    with pytest.raises(market.MarketError):
        market.percentile(bad, 50)
    with pytest.raises(market.MarketError):
        market.percentile([1.0], 101)


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, min_size=1, max_size=60), st.floats(min_value=0, max_value=100))
def test_percentile_agrees_with_numpy_default(values: list[float], p: float) -> None:
    assert market.percentile(values, p) == pytest.approx(float(np.percentile(values, p)), rel=1e-9, abs=1e-6)


@given(st.lists(finite, min_size=1, max_size=60))
def test_ranks_lie_between_0_and_100_and_follow_the_values(values: list[float]) -> None:
    ranks = market.percentile_ranks(values)
    assert all(0 < r < 100 or len(values) == 1 for r in ranks)
    order = sorted(range(len(values)), key=values.__getitem__)
    assert [ranks[i] for i in order] == sorted(ranks)
    hist = market.histogram(values)
    assert sum(c for *_, c in hist) == len(values)
