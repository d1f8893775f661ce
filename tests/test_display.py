"""Display panels (kind: display_panel): hand-checked results from the curated rows, the F-gas abatement effect,
the grid effect of moving a fab, per-m2 and per-panel figures, extrapolation and bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from factors_db.release import DEFAULT_RELEASE, factor_set
from footprint.calculate import calculate
from footprint.errors import SpecificationError
from footprint.products import to_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CURATED = ROOT / "factors_db" / "data" / "curated" / "display.csv"
ROWS = {r["parameter"]: r for r in csv.DictReader(CURATED.open(encoding="utf-8"))}
# AR6 GWP100 (release gwp100.csv): NF3 17400, SF6 25200, CF4 7380, HFC-23 (CHF3) 14600
GWP = {"NF3": 17400, "SF6": 25200, "CF4": 7380, "HFC-23": 14600}
SC_2023 = 0.1564  # Sichuan co2_average 2023, kg CO2/kWh
CN_CFP_2024 = 0.5777  # national life-cycle (cfp_grid_average) 2024, kg CO2e/kWh
NM_2023 = 0.6479  # Inner Mongolia co2_average 2023


def row(name: str) -> float:
    return float(ROWS[name]["central"])


def doc(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fs():
    return factor_set("2026.5")


def run(data: dict, fs, **kw):
    return calculate(to_spec(data, fs), fs, **kw)


def panel(**changes) -> dict:
    base = {"kind": "display_panel", "name": "x", "technology": "a-si_lcd", "area_m2": 1.0, "fab_region": "CN-SC",
            "fab": {"electricity_kwh_per_m2": 100}, "electricity": {"series": "co2_average", "year": 2023}}
    return {**base, **changes}


def test_oxide_lcd_in_sichuan_by_hand(fs):
    r = run(doc("display_panel_oxide_lcd_sichuan.yaml"), fs)
    a = 0.2016
    glass_kg_m2 = row("glass_sheets_lcd") * row("glass_thickness") * row("glass_density")  # 2 x 0.5 x 2.38 = 2.38
    glass = glass_kg_m2 * a * row("glass_factor_cpcd")  # x 10.76 kg CO2e/kg = 5.163 kg
    electricity = 80 * a * SC_2023  # 2.522 kg
    gas = 20 * a * fs.factors["fuel.natural_gas.combustion.ipcc2006"].value_kg_co2e
    keep = 1 - 0.9
    fgas = (0.02 * row("fgas_remote_clean_nf3") * GWP["NF3"] + 0.005 * row("fgas_etch_sf6") * GWP["SF6"]
            + 0.002 * row("fgas_etch_cf4") * GWP["CF4"]) * a * keep  # 0.210 + 0.762 + 0.179 kg
    assert r.stages["raw_materials"] == pytest.approx(glass, rel=1e-5)
    assert r.stages["production"] == pytest.approx(electricity + gas + fgas, rel=1e-5)
    assert r.total_kg_co2e == pytest.approx(glass + electricity + gas + fgas, rel=1e-5)
    assert r.extra["display.kg_co2e_per_m2"] == pytest.approx(r.total_kg_co2e / a, rel=1e-9)
    assert r.extra["display.kg_co2e_per_panel"] == pytest.approx(r.total_kg_co2e, rel=1e-9)
    # gas flows, not pre-multiplied CO2e: kg of each gas after 90 % abatement
    assert r.gases["NF3"].kg == pytest.approx(0.02 * 0.03 * a * keep, rel=1e-5)
    assert r.gases["SF6"].kg == pytest.approx(0.005 * 0.3 * a * keep, rel=1e-5)
    out = r.to_json()
    assert out["display.kg_co2e_per_m2"] == pytest.approx(44.95, rel=1e-3)
    assert any("polariser" in g and "not modelled" in g for g in r.data_gaps)


def test_oled_example_by_hand(fs):
    r = run(doc("display_panel_oled_national_grid.yaml"), fs)
    a, per = 0.0103, 0.0103 / 0.8  # utilisation 0.8: the fab processes 1.25 m2 of glass per m2 of panel
    glass = 1 * row("glass_thickness") * row("glass_density") * per * row("glass_factor_cpcd")  # one sheet
    electricity = 250 * per * CN_CFP_2024
    fgas = (0.05 * row("fgas_cvd_clean_nf3") * GWP["NF3"] + 0.001 * GWP["SF6"]) * per * (1 - 0.95)
    assert r.total_kg_co2e == pytest.approx(glass + electricity + fgas, rel=1e-5)
    assert r.extra["display.kg_co2e_per_m2"] == pytest.approx((glass + electricity + fgas) / a, rel=1e-5)
    assert any("encapsulation" in g for g in r.data_gaps)


@pytest.mark.parametrize("abatement", [0.0, 0.5, 0.9, 0.99])
def test_abatement_cuts_the_fgas_part_by_its_fraction(fs, abatement):
    gases = [{"gas": "NF3", "process": "cvd_clean", "consumed_kg_per_m2": 0.03},
             {"gas": "c-C4F8", "process": "etch", "consumed_kg_per_m2": 0.01},
             {"gas": "CHF3", "process": "etch", "consumed_kg_per_m2": 0.01},
             {"gas": "SF6", "process": "etch", "emitted_kg_per_m2": 0.002}]
    none = run(panel(process_gases=gases), fs)
    abated = run(panel(process_gases=[{**g, "abatement": abatement} for g in gases]), fs)
    base = run(panel(), fs).total_kg_co2e
    fgas_none, fgas_abated = none.total_kg_co2e - base, abated.total_kg_co2e - base
    # by hand, per m2: NF3 0.03 x 0.3; c-C4F8 0.01 x (0.1 c-C4F8 + 0.009 CF4 + 0.02 CHF3); CHF3 0.01 x (0.2 CHF3 +
    # 0.07 CF4 by-product); SF6 0.002 emitted
    by_hand = (0.03 * 0.3 * GWP["NF3"] + 0.01 * (0.1 * 10200 + 0.009 * GWP["CF4"] + 0.02 * GWP["HFC-23"])
               + 0.01 * (0.2 * GWP["HFC-23"] + 0.07 * GWP["CF4"]) + 0.002 * GWP["SF6"])
    assert fgas_none == pytest.approx(by_hand, rel=1e-5)
    # 90 % abatement cuts the F-gas part (primary gases and by-products) by exactly 90 %
    assert fgas_abated == pytest.approx(fgas_none * (1 - abatement), rel=1e-5, abs=1e-9)


def test_moving_the_fab_changes_only_its_electricity(fs):
    sichuan = panel(area_m2=0.5)
    inner_mongolia = panel(area_m2=0.5, fab_region="CN-NM")
    a, b = run(sichuan, fs), run(inner_mongolia, fs)
    # 100 kWh/m2 x 0.5 m2 x (0.6479 - 0.1564) kg CO2/kWh = 24.575 kg
    assert b.total_kg_co2e - a.total_kg_co2e == pytest.approx(100 * 0.5 * (NM_2023 - SC_2023), rel=1e-5)
    assert b.stages["raw_materials"] == pytest.approx(a.stages["raw_materials"], rel=1e-9)


def test_per_m2_does_not_depend_on_area_inside_the_data(fs):
    small, large = run(panel(area_m2=0.1), fs), run(panel(area_m2=2.0), fs)
    assert small.extra["display.kg_co2e_per_m2"] == pytest.approx(large.extra["display.kg_co2e_per_m2"], rel=1e-6)
    assert large.total_kg_co2e == pytest.approx(20 * small.total_kg_co2e, rel=1e-6)
    assert not large.extra["display.extrapolation"]


def test_an_area_beyond_the_largest_mother_glass_is_computed_and_flagged(fs):
    limit = row("mother_glass_gen86_m2")  # Gen 8.6: 2.25 m x 2.6 m = 5.85 m2
    r = run(panel(area_m2=8.0), fs, iterations=200, seed=3)
    assert r.extra["display.extrapolation"] is True
    assert any(g.startswith("Extrapolation: area_m2 = 8") for g in r.data_gaps)
    inside = run(panel(area_m2=limit), fs, iterations=200, seed=3)
    assert not inside.extra["display.extrapolation"]
    # widened by (8 - 5.85) / 5.85 = 37 %: the extrapolated interval is relatively wider
    assert r.uncertainty is not None and inside.uncertainty is not None
    rel = (r.uncertainty.p97_5 - r.uncertainty.p2_5) / r.total_kg_co2e
    rel_inside = (inside.uncertainty.p97_5 - inside.uncertainty.p2_5) / inside.total_kg_co2e
    assert rel > rel_inside


def test_declared_glass_and_materials_replace_the_defaults(fs):
    data = panel(substrate={"glass_kg_per_m2": 1.5},
                 materials=[{"item": "driver_ic", "amount": 0.5, "unit": "cm2", "factor": "comp.cpu.die.boavizta"}])
    r = run(data, fs)
    die = fs.factors["comp.cpu.die.boavizta"].value_kg_co2e
    assert r.stages["raw_materials"] == pytest.approx(1.5 * 10.76 + 0.5 * die, rel=1e-5)
    assert not any(g.startswith("driver ic") for g in r.data_gaps)


@pytest.mark.parametrize("change, field", [
    ({"area_m2": -1}, "area_m2"),
    ({"area_m2": 0}, "area_m2"),
    ({"area_m2": 5000}, "area_m2"),
    ({"fab": {}}, "fab.electricity_kwh_per_m2"),
    ({"fab": {"electricity_kwh_per_m2": -3}}, "fab.electricity_kwh_per_m2"),
    ({"technology": "plasma"}, "technology"),
    ({"process_gases": [{"gas": "NF3", "process": "etch", "consumed_kg_per_m2": 0.1}]},
     "process_gases[0].consumed_kg_per_m2"),
    ({"process_gases": [{"gas": "SF6"}]}, "process_gases[0].consumed_kg_per_m2"),
    ({"process_gases": [{"gas": "SF6", "emitted_kg_per_m2": 0.1, "abatement": 1.5}]}, "process_gases[0].abatement"),
    ({"materials": [{"item": "polariser", "amount": 1, "unit": "kg", "factor": "no.such.factor"}]},
     "materials[0].factor"),
])
def test_bad_panel_files_name_the_field(fs, change, field):
    with pytest.raises(SpecificationError) as exc:
        to_spec(panel(**change), fs)
    assert exc.value.field == field


def test_every_curated_display_row_names_a_source():
    assert ROWS and all(r["source"] and r["table_or_page"] and r["confidence"]
                        and float(r["low"]) <= float(r["central"]) <= float(r["high"]) for r in ROWS.values())


def test_release_2026_5_holds_the_display_factors_and_keeps_2026_4(fs):
    assert DEFAULT_RELEASE >= "2026.5"  # the newest release is the default (2026.6 adds battery grid factors)
    old = factor_set("2026.4")
    assert "display.fgas.etch.sf6" in fs.factors and "display.fgas.etch.sf6" not in old.factors
    assert set(old.factors) <= set(fs.factors)
    sf6 = fs.factors["display.fgas.cvd_clean.sf6"]
    assert sf6.gases == {"SF6": 0.9} and sf6.value_kg_co2e == pytest.approx(0.9 * 25200)
    ex = fs.factors["display.substrate_glass.lcd"].exchanges[0]
    # 2 sheets x 2.38 g/cm3 x 0.5 mm (0.4-0.7) = 2.38 kg/m2 (1.904-3.332)
    assert (ex.amount, ex.law.minimum, ex.law.maximum) == (2.38, 1.904, 3.332)  # type: ignore[union-attr]
