"""Battery source family: cell-production unit processes and a life-cycle grid series for producing countries,
rebuilt from ``data/curated/battery.csv``.

Every number comes from a row of that file (low, central, high, law, unit, source, table, confidence, note):

* ``battery.cell.production.lfp`` and ``.nmc``: factory energy of cell production per kWh of cell capacity
  (electrode making, drying, dry room, assembly, formation), booked as electricity at the cell plant's grid, with
  the sourced range (triangular) that Monte Carlo draws;
* ``cn.grid.ember_lifecycle.<country>.2023``: the life-cycle carbon intensity of generation of the countries whose
  number was confirmed in Ember's public series (via Our World in Data), so that a declaration can place a cell
  plant abroad and compare countries on one basis. The ``cn.grid`` prefix is the engine's id scheme for grid
  factors (:func:`footprint.model.grid_factor_id`), not a claim that the factor is Chinese.

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

#: The release whose notes list this family's CHANGES.
SINCE = "2026.4"
CHANGES = [
    "Lithium-ion batteries (`kind: battery`): cell-production unit processes `battery.cell.production.lfp` (37.5 "
    "kWh/kWh cell, range 20.3-65) and `battery.cell.production.nmc` (41.48, range 20.3-65), electricity at the cell "
    "plant's grid; a life-cycle grid series `ember_lifecycle` 2023 (Ember via Our World in Data) for China, Germany "
    "and Hungary, to place a cell plant abroad on one comparable basis; the CPCD rows a bill of materials uses "
    "(cathode materials, graphite, aluminium foil, dimethyl carbonate) brought into the release.",
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
    "Grid factors of South Korea, Japan, Poland, Sweden and the United States: no number was confirmed in its public "
    "source within this release (Ember's series via Our World in Data holds them); left out, not estimated.",
    "Battery recycling and end of life (EU Annex II stage 4): no sourced recycling factor; not modelled.",
    "The CPCD pack rows do not state which electricity they assume: the model takes the national grid of the "
    "declaration's series and year when it removes the default cell electricity.",
    "Battery lifetime defaults per application (cycles per year, service years): the EU delegated act on the "
    "carbon-footprint method was a draft and MIIT 工信厅通装函〔2025〕551号 was not read in full; no default is set, "
    "the maker declares them.",
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
        notes=row.note)


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
             "", "Sources of each number: `factors_db/data/curated/battery.csv`."]
    return lines
