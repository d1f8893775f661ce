"""The unit fast path of ``footprint.units`` answers what pint answers.

``PLAIN_UNITS`` are accepted and converted to themselves without building the pint registry (0.3-0.5 s); each
must parse in pint, and pint must convert each to itself by exactly 1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from footprint.errors import UnitMismatch
from footprint.units import PLAIN_UNITS, check_unit, conversion_factor, parse_unit, registry

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("unit", sorted(PLAIN_UNITS))
def test_plain_units_parse_in_pint_and_convert_to_themselves_by_one(unit: str) -> None:
    parsed = parse_unit(unit)
    assert float(registry().Quantity(1.0, parsed).to(parsed).magnitude) == 1.0
    assert conversion_factor(unit, unit) == 1.0


@pytest.mark.parametrize("text", ["blorg", "kg CO2e", "1/0"])
def test_other_strings_still_go_through_pint(text: str) -> None:
    with pytest.raises(UnitMismatch):
        check_unit(text)


def test_conversions_between_different_units_still_use_pint() -> None:
    assert conversion_factor("t", "kg") == pytest.approx(1000.0)  # 1 t = 1,000 kg
    assert conversion_factor("kWh", "MJ") == pytest.approx(3.6)  # 1 kWh = 3.6 MJ
    with pytest.raises(UnitMismatch):
        conversion_factor("kg", "kWh")


def test_a_footprint_of_the_pv_example_loads_neither_pint_nor_sqlmodel() -> None:
    """Loading the release (486 factors, 13 unit strings) and the PV footprint need no pint and no database
    library (what keeps ``pcf footprint`` quick)."""
    code = "\n".join([
        "import sys", "from pathlib import Path", "from api.documents import read_document",
        "from factors_db.release import factor_set", "from footprint.calculate import calculate",
        "from footprint.products import to_spec", "fs = factor_set()",
        "calculate(to_spec(read_document(Path('examples/pv_perc_sichuan.yaml')), fs), fs)",
        "print('pint' in sys.modules, 'sqlmodel' in sys.modules)",
    ])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]
