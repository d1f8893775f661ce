"""Battery cell plants in the main producing countries (issue 18, items 2 and 6): the national life-cycle grid
factors of release 2026.6, their boundary, and published per-kWh footprints by production country."""

from __future__ import annotations

from pathlib import Path

import pytest

from factors_db.importers import read_table
from factors_db.published import DEFAULT_RELEASE
from factors_db.release import factor_set
from footprint.calculate import calculate
from footprint.products import to_spec

#: Ember life-cycle carbon intensity of generation 2023, g CO2e/kWh, as read in the sources cited in
#: factors_db/data/curated/battery.csv: CN, DE, HU from Our World in Data's grapher table (release 2026.4);
#: KR, JP, PL, SE, US from Our World in Data's energy dataset (owid-energy-data.csv @ e7897ae, release 2026.6).
EMBER_2023 = {"SE": 38.42, "HU": 204, "DE": 381, "US": 392.89, "KR": 427.29, "JP": 492.45, "CN": 582, "PL": 650.68}
NMC_CELL_KWH = 41.48  # kWh of electricity per kWh of cell (Degen & Schütte 2022), release unit process


RELEASE_CSV = Path(__file__).resolve().parents[1] / "factors_db" / "data" / "2026.6" / "factors.csv"


@pytest.fixture(scope="module")
def fs():
    return factor_set("2026.6")


@pytest.fixture(scope="module")
def full():
    """The release's factors with their source, licence and notes."""
    return {f.id: f for f in read_table(RELEASE_CSV).factors}


def per_kwh(fs, chemistry: str, cell: str, kwh: float = 80) -> float:
    data = {"kind": "battery", "name": "x", "application": "ev", "chemistry": chemistry, "capacity_kwh": kwh,
            "regions": {"cell": cell}, "electricity": {"series": "ember_lifecycle", "year": 2023}}
    return calculate(to_spec(data, fs), fs).extra["battery.kg_co2e_per_kwh_capacity"]


def test_release_2026_6_is_the_default_and_keeps_2026_5(fs):
    assert DEFAULT_RELEASE == "2026.6"
    old = factor_set("2026.5")
    assert set(old.factors) <= set(fs.factors)
    assert all(fs.factors[i].value_kg_co2e == f.value_kg_co2e for i, f in old.factors.items())


@pytest.mark.parametrize("country, g", sorted(EMBER_2023.items()))
def test_each_producing_country_has_its_life_cycle_grid_factor_with_its_boundary(full, country, g):
    f = full[f"cn.grid.ember_lifecycle.{country}.2023"]
    assert float(f.value_kg_co2e) == pytest.approx(g / 1000, rel=1e-6)
    assert (f.geography, f.year, f.series, f.unit) == (country, 2023, "ember_lifecycle", "kWh")
    # the boundary is written on the factor, never implied: generation, life cycle, no T&D losses, no imports
    assert f.notes.startswith("Boundary: life-cycle carbon intensity of domestic electricity generation")
    assert "excludes T&D losses and imports" in f.notes
    assert "CC BY 4.0" in f.source and "Ember" in f.source


def test_the_later_ember_vintage_agrees_with_the_earlier_for_china():
    # OWID energy dataset (vintage of the KR..US rows): China 2023 583.04 g; grapher table (CN row): 582 g
    assert abs(583.04 - 582) / 582 < 0.002


def test_moving_an_nmc_cell_plant_between_countries_moves_the_result_by_the_grid_difference(fs):
    results = {c: per_kwh(fs, "NMC811", c) for c in EMBER_2023}
    # ordering of the grids carries to the batteries: SE < HU < DE < US < KR < JP < CN < PL
    assert sorted(results, key=results.__getitem__) == sorted(EMBER_2023, key=EMBER_2023.__getitem__)
    for c, g in EMBER_2023.items():
        # by hand: CPCD NCM pack 87.78 on China's grid of the series, plus 41.48 kWh x (g_c - g_CN) per kWh
        assert results[c] == pytest.approx(87.78 + NMC_CELL_KWH * (g - 582) / 1000, rel=1e-4), c


@pytest.mark.parametrize("country", sorted(EMBER_2023))
def test_nmc_packs_lie_in_the_ivl_2019_range_whatever_the_cell_country(fs, country):
    # Emilsson & Dahllöf (2019), IVL report C 444, "Lithium-Ion Vehicle Battery Production - Status 2019":
    # 61-106 kg CO2e per kWh of battery capacity for NMC, cradle-to-gate production (as summarised by
    # electrive.com, 2019-12-03). Tolerance: the published range itself (it spans the studies reviewed).
    assert 61 <= per_kwh(fs, "NMC811", country) <= 106


def test_production_country_ordering_matches_clemente_et_al_2025(fs):
    # Clemente, Maharjan, Salazar, Hofman (2025), "Meta-analysis of Life Cycle Assessments for Li-Ion Batteries
    # Production Emissions", arXiv:2506.05531, abstract: NMC811 cradle-to-gate 17.33 (China) > 16.85 (South Korea)
    # > 16.47 (Sweden) kg CO2e per kg of battery. The ordering is reproduced; the size of the spread is not: the
    # study finds Sweden 5.0 % below China, this model 25.8 % (41.48 kWh/kWh of cell electricity, Degen & Schütte
    # 2022, against a cell process the study does not state in its abstract); recorded in the release notes.
    cn, kr, se = (per_kwh(fs, "NMC811", c) for c in ("CN", "KR", "SE"))
    assert cn > kr > se
    spread_study = 1 - 16.47 / 17.33
    assert spread_study == pytest.approx(0.0496, abs=1e-3)
    assert 1 - se / cn == pytest.approx(NMC_CELL_KWH * (0.582 - 0.03842) / 87.78, rel=1e-4)  # 25.7 %
