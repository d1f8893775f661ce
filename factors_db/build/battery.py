"""Battery source family: cell-production unit processes and a life-cycle grid series for producing countries,
rebuilt from ``data/curated/battery.csv``.

Every number comes from a row of that file (low, central, high, law, unit, source, table, confidence, note):

* ``battery.cell.production.lfp`` and ``.nmc``: factory energy of cell production per kWh of cell capacity
  (electrode making, drying, dry room, assembly, formation), booked as electricity at the cell plant's grid, with
  the sourced range (triangular) that Monte Carlo draws;
* ``cn.grid.ember_lifecycle.<country>.2023``: the life-cycle carbon intensity of generation of the main
  battery-producing countries in Ember's public series (via Our World in Data: CN, DE, HU from the grapher
  table, KR, JP, PL, SE, US from the energy dataset), so that a declaration can place a cell plant abroad and compare
  countries on one basis. Boundary, on every factor's notes: life-cycle emissions of domestic generation, per kWh
  generated, without transmission and distribution losses or imports. The ``cn.grid`` prefix is the engine's id
  scheme for grid factors (:func:`footprint.model.grid_factor_id`), not a claim that the factor is Chinese.

The CPCD pack factors the battery model starts from (``cpcd.46420X0172021C`` LFP 73.51, ``cpcd.46420X0182021C`` NCM
87.78 kg CO2e/kWh) are CPCD core rows already in the release; their rows here only document them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from factors_db.build.pv import Row, source_rows
from factors_db.schema import Factor, Pedigree

SOURCE_ROWS = Path(__file__).resolve().parents[1] / "data" / "curated" / "battery.csv"
LICENCE = "cited publications (facts); Ember data CC BY 4.0 via Our World in Data"
GRID_SERIES = "ember_lifecycle"
GRID_YEAR = 2023
#: The boundary of every ``ember_lifecycle`` factor, written on each factor (never mixed silently with the Chinese
#: cfp_grid_average series, which is a national consumption mix with its own boundary).
GRID_BOUNDARY = ("Boundary: life-cycle carbon intensity of domestic electricity generation (all gases, GWP100, upstream "
                 "fuel chains and plant construction), per kWh generated; excludes T&D losses and imports.")

#: The release whose notes list this family's CHANGES (2026.4's battery lines are frozen in its RELEASE_NOTES.md).
SINCE = "2026.6"
CHANGES = [
    "Grid factors of the other main battery-producing countries added to the life-cycle series `ember_lifecycle` "
    "2023 (Ember via Our World in Data's energy dataset, CC BY 4.0): South Korea 0.4273, Japan 0.4925, Poland 0.6507, "
    "Sweden 0.0384 and the United States 0.3929 kg CO2e/kWh, beside China 0.582, Germany 0.381 and Hungary 0.204 "
    "(release 2026.4). Boundary of all eight: life-cycle emissions of domestic generation, no T&D losses, no imports; "
    "the five new rows come from a later Ember vintage (its China 2023 value 583.04 g against 582).",
]
DATA_GAPS = [
    "Battery cathode active material by chemistry (NMC111/532/622/811, NCA, LCO) and precursor (pCAM): the GREET "
    "(Dai et al. 2019, Batteries 5(2):48) per-kg inventories were not read in a public copy; CPCD literature rows are "
    "used where a bill of materials is declared (LFP cathode 11.41 kg CO2e/kg 2017; NCM 17.4 kg CO2e/kg 2021, nickel "
    "content not stated); NCA and LCO have no row and use the NCM row as a proxy.",
    "Battery default bill of materials per kWh (cathode, anode, foils, electrolyte, separator, casing, BMS, cooling): "
    "no public table confirmed; without a declared bill of materials the model uses the CPCD pack factor by "
    "chemistry, less its cell-production electricity at the national grid.",
    "Graphite: natural and synthetic anode graphite only as CPCD literature rows (Li-ion anode graphite 4.7 kg "
    "CO2e/kg, 2015; artificial graphite 3.1, 2015); no province-specific graphitisation electricity.",
    "Electrolyte (LiPF6 salt) and separator: no public factor; a declared electrolyte uses dimethyl carbonate "
    "(CPCD 1.3 kg CO2e/kg, solvent only) and a separator polyethylene (CPCD) as proxies.",
    "Copper foil rolling and aluminium foil: CPCD copper and copper alloys, and aluminium cans and foil (9.12 kg "
    "CO2e/kg); no foil-specific electricity.",
    "Battery management system, cooling plates, busbars: no public factor; a declared item names its own factor id.",
    "National grid factors of producing countries exist only on one life-cycle basis (Ember, generation, no T&D "
    "losses): the official national series (US EPA eGRID national output rate, EEA CO2 intensity for Poland and "
    "Sweden, Korea's and Japan's ministry factors) were not read for this release; a label under the Chinese scheme "
    "still needs the national cfp_grid_average series for plants in China.",
    "Battery recycling and end of life (EU Annex II stage 4): no sourced recycling factor; not modelled.",
    "The CPCD pack rows do not state which electricity they assume: the model takes the national grid of the "
    "declaration's series and year when it removes the default cell electricity.",
    "Battery lifetime defaults per application (cycles per year, depth of discharge, service years): none found in "
    "a public text read. MIIT's notice 工信厅通装函〔2025〕551号 was read only through its press release and the "
    "ministry's Q&A (Xinhua and MIIT via law-lib.com, 2025-12-31): packs above 2 kWh sold in China, the four stages' "
    "emissions divided by the total energy the pack provides over its life, trial to 2026-12-31; its annex (the "
    "declaration fields and the lifetime-energy method) was not found, so no MIIT field list is exported. The EU "
    "draft delegated act and the PEFCR for rechargeable batteries were not read. The product file declares "
    "`lifetime` (usable energy, cycles per year, years).",
]
#: CPCD rows the battery bill of materials uses (brought into the release by build_release.CPCD_SELECTED).
CPCD_ROWS: dict[str, str] = {
    "46430X0012017A": "lithium iron phosphate (LFP) cathode material",
    "46410X0022021A": "lithium nickel cobalt manganese oxide (NCM)",
    "46950X0022015A": "graphite for lithium-ion battery anodes",
    "37950X0022015A": "artificial (synthetic) graphite",
    "41535X0012021A": "aluminium cans and aluminium foil",
    "35499X0692016C": "dimethyl carbonate",
}


def _cell(key: str, zh: str, en: str, row: Row) -> Factor:
    return Factor(
        id=f"battery.cell.production.{key}", name_zh=zh, name_en=en, category="intermediate", unit="kWh",
        value_kg_co2e=Decimal("0"), boundary="gate-to-gate", geography="GLO", year=2023,
        source=row.cite(), licence=LICENCE, pedigree=Pedigree.parse("3;3;2;3;3"),
        exchanges=(row.exchange(unit="kWh"),), notes=row.note)


def _grid(country: str, row: Row) -> Factor:
    value = Decimal(f"{row.central / 1000:.6g}")
    from factors_db.schema import GEOGRAPHIES

    zh, en = GEOGRAPHIES[country]
    return Factor(
        id=f"cn.grid.{GRID_SERIES}.{country}.{GRID_YEAR}", name_zh=f"{zh}发电全生命周期碳强度（Ember）{GRID_YEAR}",
        name_en=f"{en} life-cycle carbon intensity of electricity generation (Ember) {GRID_YEAR}",
        category="electricity", unit="kWh", value_kg_co2e=value, boundary="cradle-to-gate", geography=country,
        year=GRID_YEAR, series=GRID_SERIES, source=row.cite(), licence=LICENCE, pedigree=Pedigree.parse("2;2;1;1;2"),
        notes=f"{GRID_BOUNDARY} {row.note}")


def factors(reference: Path | None = None, path: Path = SOURCE_ROWS) -> list[Factor]:
    """The battery unit processes and grid factors, derived from the source rows."""
    r = source_rows(path)
    out = [
        _cell("lfp", "磷酸铁锂电芯制造（每千瓦时电芯容量，工厂能耗）",
              "LFP cell production, factory energy per kWh of cell capacity (unit process, with range)",
              r["cell_energy_lfp"]),
        _cell("nmc", "三元（层状氧化物）电芯制造（每千瓦时电芯容量，工厂能耗）",
              "layered-oxide (NMC/NCA/LCO) cell production, factory energy per kWh of cell capacity (unit process, "
              "with range)", r["cell_energy_nmc"]),
    ]
    for key in sorted(r):
        if key.startswith("grid_ember_"):
            country = key.removeprefix("grid_ember_").split("_")[0]
            out.append(_grid(country, r[key]))
    return out


def notes(release: Path) -> list[str]:
    """The battery section of the release notes: the sourced numbers and the published ranges they sit in."""
    r = source_rows(SOURCE_ROWS)
    lines = ["## Lithium-ion batteries", "",
             "Published cradle-to-gate values the model is checked against (tests/test_battery.py):", "",
             f"- CPCD LFP pack {r['pack_lfp_cpcd'].central:g} and NCM pack {r['pack_ncm_cpcd'].central:g} kg CO2e per "
             "kWh (core database, 2021): a declaration without a bill of materials on the national grid reproduces "
             "them exactly.",
             "- Cell-production factory energy per kWh of cell capacity: 20.3 (NMC900) to 37.5 (LFP) kWh (Degen et al. "
             "2023), 41.48 kWh (Degen & Schütte 2022, NMC), 50-65 kWh of electricity (Kurland 2019, two GWh-scale "
             "factories).",
             "- Literature review: median 120 kg CO2e/kWh, interquartile 70-175 (Aichberger & Jungmeier, "
             "Energies 2020, review of 50 publications 2005-2020), with current batteries expected in the lower "
             "range.",
             "", "### Cell plants abroad: the national grid factors (`ember_lifecycle` 2023)", "",
             "| country | kg CO2e/kWh | read from |", "|---|---|---|"]
    grids = sorted((k for k in r if k.startswith("grid_ember_")), key=lambda k: r[k].central)
    for key in grids:
        row = r[key]
        where = "OWID energy dataset (later vintage)" if "energy dataset" in row.source else "OWID grapher table"
        lines.append(f"| {key.removeprefix('grid_ember_').split('_')[0]} | {row.central / 1000:.5g} | {where} |")
    lines += ["", f"{GRID_BOUNDARY} The two vintages of Ember's series agree for China 2023 within 0.2 % (583.04 "
              "against 582 g); the Chinese label scheme's own series (`cfp_grid_average`, national only) stays the "
              "basis of a Chinese label, `ember_lifecycle` is for comparing production countries.", "",
              "Against published per-kWh footprints by production country (tests/test_battery_countries.py):", "",
              "- Emilsson & Dahllöf 2019 (IVL report C 444, as summarised by electrive.com): NMC 61-106 kg CO2e/kWh; "
              "an NMC811 pack without a bill of materials lies inside for a cell plant in any of the eight countries "
              "(65.2 Sweden to 90.6 Poland).",
              "- Clemente et al. 2025 (arXiv:2506.05531, NMC811 cradle-to-gate per kg): China 17.33 > South Korea "
              "16.85 > Sweden 16.47; the ordering is reproduced, the spread is not: the study puts Sweden 5.0 % below "
              "China, the model 25.7 % (its cell plant uses 41.48 kWh of electricity per kWh of cell, Degen & Schütte "
              "2022, within the published 20.3-65). A declaration with the plant's measured electricity "
              "(`energy.cell.electricity_kwh`) replaces the default.",
              "", "Sources of each number: `factors_db/data/curated/battery.csv`."]
    return lines
