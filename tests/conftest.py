from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from factors_db.release import factor_set
from footprint.model import FactorData, FactorSet

# CI runs the same examples every time (a property that fails there fails the same way when re-run); developers'
# runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def release_factors() -> FactorSet:
    return factor_set()


@pytest.fixture
def toy_factors() -> FactorSet:
    """A hand-checkable factor set: a = 0.2 kg CO2e/kg, b = 0.5 kg CO2/kWh, one grid factor."""
    return FactorSet(
        release_id="toy", release_sha256="toy",
        factors={
            "a": FactorData("a", "kg", 0.2, pedigree=(1, 1, 1, 1, 1)),
            "b": FactorData("b", "kWh", 0.5, gases={"CO2": 0.5}),
            "ch4": FactorData("ch4", "kg", 27.9 * 0.01, gases={"CH4": 0.01}),
            "cn.grid.co2_average.CN-SC.2023": FactorData(
                "cn.grid.co2_average.CN-SC.2023", "kWh", 0.1564, category="electricity", geography="CN-SC",
                year=2023, series="co2_average", gases={"CO2": 0.1564}),
            "cn.grid.co2_average_excl_market_nonfossil.CN.2023": FactorData(
                "cn.grid.co2_average_excl_market_nonfossil.CN.2023", "kWh", 0.6096, category="electricity",
                geography="CN", year=2023, series="co2_average_excl_market_nonfossil", gases={"CO2": 0.6096}),
        },
        gwp100={"CO2": 1.0, "CH4": 27.9, "N2O": 273.0},
    )


# ------------------------------------------------------------------------------------------- registry
@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for this test session (this xdist worker). Fails loudly if it cannot start."""
    from tests.services import ServiceUnavailable, start_postgres

    try:
        pg = start_postgres()
    except ServiceUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed by the registry tests and is unavailable: {exc}", pytrace=False)
    yield pg
    pg.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh registry database URL: an SQLite file, or a new database in the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite'}"
    import uuid

    return request.getfixturevalue("postgres").create_database("t" + uuid.uuid4().hex[:12])
