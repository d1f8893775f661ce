"""Build a factor release from the sourced reference files (run once per release; releases are immutable).

``python -m factors_db.build_release ../shared/reference factors_db/data/2026.3``

The electronics source rows (``data/sources/boavizta_electronics_pcf.csv``) are extracted once from Boavizta's
``boavizta-data-us.csv`` with ``python -m factors_db.build_release --boavizta boavizta-data-us.csv``; the release
build refits them.

Only the newest release is built from here; older release folders are frozen (their content hash is
checked on load), so a result computed with them can always be recomputed unchanged.

It takes every row of the official electricity factors, the IPCC AR6 GWP100 table, the CPCD core rows
and a named selection of CPCD literature rows that PV and electronics need (through the same importer a
user runs, so the same checks apply), the curated rows of ``data/curated/curated.csv``, the electronics
class factors refitted from the declared footprints in ``data/sources/``, and the factors of every source family
of :data:`factors_db.build.FAMILIES` (each rebuilt from its own curated source rows, e.g. ``data/curated/pv.csv``).
"""

from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal
from pathlib import Path

from factors_db.build import FAMILIES, battery
from factors_db.build.electronics import ELECTRONICS_PCFS, electronics_factors, electronics_notes, write_electronics_rows
from factors_db.importers import read_cpcd, read_table, write_table
from factors_db.release import GWP_FILE, write_manifest
from factors_db.schema import GEOGRAPHIES, Factor, Pedigree

RELEASE_ID = "2026.6"
PREVIOUS_RELEASE = "2026.5"
TITLE = ("Chengdu PCF factor database, sixth release (national grid factors of the main battery-producing "
         "countries on one life-cycle basis)")
PUBLISHED = "2026-12-18"
#: What changed against the previous release, besides the ``CHANGES`` of the families new in it (``SINCE``; earlier
#: releases' changes are in their frozen RELEASE_NOTES.md); the added ids are listed after these.
CHANGES: list[str] = [
    "Release 2026.5's factors are carried over (PV inventory of 2026.3, battery factors of 2026.4, display factors of "
    "2026.5); the notes of the three ember_lifecycle grid factors of 2026.4 now open with their boundary, values "
    "unchanged.",
]
GOV_LICENCE = "Government announcement (MEE/NBS/NEA), public document"

SERIES_NAMES = {
    "co2_average": ("电力平均二氧化碳排放因子", "average electricity CO2 emission factor"),
    "co2_average_excl_market_nonfossil": (
        "不包括市场化交易非化石能源电量的电力平均二氧化碳排放因子",
        "average electricity CO2 factor excluding market-traded non-fossil power",
    ),
    "co2_fossil_only": ("化石能源电力二氧化碳排放因子", "fossil-fuel electricity CO2 emission factor"),
    "ets_reporting_grid_average": ("全国电网平均排放因子（企业温室气体排放报告用）",
                                   "national grid average factor for enterprise GHG reporting"),
    "cfp_grid_average": ("电力碳足迹因子（全国电网平均，全生命周期）",
                         "electricity carbon-footprint factor, national grid average (life cycle)"),
    "cfp_transmission_distribution_excl_losses": ("输配电碳足迹因子（不含线损）",
                                                  "transmission and distribution carbon footprint, excl. losses"),
    "cfp_transmission_distribution_incl_losses": ("输配电碳足迹因子（含线损）",
                                                  "transmission and distribution carbon footprint, incl. losses"),
}
GENERATION = {"biomass": ("生物质", "biomass"), "coal": ("煤电", "coal"), "gas": ("气电", "gas"),
              "hydro": ("水电", "hydro"), "nuclear": ("核电", "nuclear"), "solar_pv": ("光伏", "solar PV"),
              "solar_thermal": ("光热", "solar thermal"), "wind": ("风电", "wind")}

#: CPCD literature rows brought into the release (core rows come in whole), with English names.
CPCD_SELECTED: dict[str, str] = {
    "37117X0032014A": "tempered glass",
    "37112X0012018C": "flat glass",
    "37113X0012022B": "float glass",
    "37192X0012022B": "display glass substrate (optoelectronic)",
    "41431X0102018C": "primary aluminium, electrolytic, China average",
    "41532X0012020B": "aluminium ingot, hydropower smelter (smelting only)",
    "41534X0022014A": "secondary aluminium",
    "41532X0022021A": "aluminium and aluminium alloys",
    "42190X0012018A": "aluminium profiles for construction",
    "41516X0012021A": "copper and copper alloys",
    "41514X0042019A": "cathode copper, Shuikoushan smelting process",
    "41310X0012015A": "silver from copper anode slime, pyrometallurgical",
    "41233X0012019A": "metallurgical-grade silicon products",
    "34280G0022023B": "granular polysilicon",
    "34740D0012019A": "polycarbonate (PC)",
    "34730B0012022A": "polypropylene (PP) plastic",
    "34710X0032022A": "polyethylene (PE) plastic",
    "36990X0082023A": "plastics, average",
    "36950X0012021A": "thermoplastics",
    "32151X0012011A": "corrugated cardboard box",
    "36410X0052011A": "plastic film packaging bag",
    "47315X0012020A": "computer monitor, whole device, per kg (study 1)",
    "47315X0022020A": "computer monitor, whole device, per kg (study 2)",
    "47315X0032020A": "computer monitor, whole device, per kg (study 3)",
    "47315X0042020A": "computer monitor, whole device, per kg (study 4)",
    "45220X0402018A": "laptop computer, France study, per unit",
    "47920X0072020B": "chip, per piece (study 1)",
    "17100E0222022B": "mono-Si solar cell, per piece",
    "65311X0032021A": "international air freight",
    "65311X0052021A": "air freight, large aircraft",
    "65219X0092018A": "bulk carrier 100,000-199,999 dwt",
    "65219X0282018A": "general cargo ship, over 20,000 dwt",
    "65119X0012021A": "diesel truck transport, ambient",
    "94332X0012015A": "landfill of municipal solid waste",
    "94333X0032011A": "municipal solid waste incineration with power generation",
    "94229X0012019A": "plastics recycling",
    "94313X0012020A": "plastic packaging waste, landfill",
    "12020X0102012A": "liquefied natural gas (LNG)",
    **battery.CPCD_ROWS,
}
#: English names of CPCD core rows the models use.
CPCD_CORE_NAMES: dict[str, str] = {
    "41232X0092022C": "carbon steel, market average",
    "41265X0362022C": "cold-rolled steel sheet and strip",
    "41122A0052021C": "steel",
    "65119X0112019C": "light diesel truck transport (2 t payload)",
    "65119X0122019C": "medium diesel truck transport (8 t payload)",
    "65119X0132019C": "heavy diesel truck transport (10 t payload)",
    "65119X0142019C": "heavy diesel truck transport (18 t payload)",
    "65119X0152019C": "heavy diesel truck transport (30 t payload)",
    "65119X0162019C": "heavy diesel truck transport (46 t payload)",
    "65129X0022019C": "rail freight, China market average",
    "65119X0172019C": "electric locomotive freight",
    "65229X0012019C": "dry bulk ship transport (2,500 t payload)",
    "65213X0012019C": "container ship transport (200 TEU)",
    "65212X0012019C": "liquid cargo ship transport (2,000 t payload)",
    "33360X0012022C": "diesel, cradle-to-gate supply",
    "11010X0012022C": "coal, cradle-to-gate supply",
    "12020X0012020C": "natural gas, cradle-to-gate supply",
    "46131X0122023C": "HJT PV module",
    "46131X0132023C": "TOPCon PV module",
    "46131X0142023C": "perovskite PV module",
    "37129X0022023C": "glass fibre",
    "41212X0122022C": "heavy steel plate",
}
DATA_GAPS = [
    "OLED panels: no public per-area factor, and the declared products give no panel technology; OLED devices use "
    "their screen class (spec-only) or the LCD panel proxy (components), and their results say so.",
    "Display panels: no public panel-only per-area factor; `fit.display_lcd.per_m2` is whole-monitor manufacturing per "
    "extra m2 of screen. A panel maker's own panel is modelled from its fab data (`kind: display_panel`, see the "
    "display-panel gaps below).",
    "Laptop battery cells (NMC/LCO): no public per-kWh factor; the CPCD LFP pack row (73.51 kg CO2e/kWh) is the proxy.",
    "Magnesium alloy (laptop chassis): no public factor in the release.",
    "Main boards of laptops and desktops: Boavizta's only board factor is a server board (66.1 kg), an upper estimate.",
    "E-waste (WEEE) treatment: no public factor; end of life uses municipal-waste landfill as a proxy.",
    "Domestic distribution distances in China: no published default; only a China-to-abroad default (Boavizta: "
    "19,000 km ship + 1,000 km truck) is applied, otherwise transport_km must be given.",
    "Spec-only estimates cannot split raw materials from production: the declared footprints give one manufacturing "
    "figure.",
    "Printed circuit boards by area, ABS plastic: no public factor found.",
    "Provincial life-cycle (carbon-footprint) electricity factors: only national ones are published (2023, "
    "2024); provincial factors are CO2-only generation factors (2021-2023).",
]


def electricity_factors(reference: Path) -> list[Factor]:
    """Every row of ``cn_electricity_factors.csv``, each series its own factor."""
    out: list[Factor] = []
    with (reference / "cn_electricity_factors.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            series, region, year = row["series"], row["region"], int(row["year"])
            geo_zh, geo_en = GEOGRAPHIES[region]
            if series.startswith("cfp_generation_"):
                kind_zh, kind_en = GENERATION[series.removeprefix("cfp_generation_")]
                name_zh = f"{kind_zh}发电碳足迹因子（全生命周期）"
                name_en = f"{kind_en} generation carbon-footprint factor (life cycle)"
            else:
                name_zh, name_en = SERIES_NAMES[series]
            co2e = row["gas_basis"].startswith("CO2e")
            value = Decimal(row["kg_per_kwh"])
            out.append(Factor(
                id=f"cn.grid.{series}.{region}.{year}",
                name_zh=f"{geo_zh}{name_zh} {year}",
                name_en=f"{geo_en} {name_en} {year}",
                category="electricity",
                unit="kWh",
                value_kg_co2e=value,
                gases={} if co2e else {"CO2": value},
                boundary="cradle-to-grave" if series == "cfp_grid_average" else (
                    "cradle-to-gate" if co2e else "gate-to-gate"),
                geography=region,
                year=year,
                series=series,
                source=row["source"],
                licence=GOV_LICENCE,
                pedigree=Pedigree.parse("2;1;1;1;1"),
                notes=f"gas basis: {row['gas_basis']}; boundary as published: {row['boundary']}",
            ))
    return out


def build(reference: Path, target: Path) -> dict[str, object]:
    """Write the release files into ``target``; returns the manifest."""
    here = Path(__file__).parent
    cpcd_names = {**CPCD_SELECTED, **CPCD_CORE_NAMES}
    cpcd = read_cpcd(reference / "cpcd_factors_copy.csv", names_en=cpcd_names)
    cpcd_keep = [
        f for f in cpcd.factors
        if "核心数据库" in f.source or f.id.removeprefix("cpcd.") in CPCD_SELECTED
    ]
    missing = set(CPCD_SELECTED) - {f.id.removeprefix("cpcd.") for f in cpcd_keep}
    if missing:
        raise SystemExit(f"selected CPCD rows did not pass the importer: {sorted(missing)}")
    curated = read_table(here / "data" / "curated" / "curated.csv")
    if curated.count("rejected"):
        raise SystemExit(f"curated rows rejected: {[r for r in curated.rows if r.status == 'rejected']}")
    grid = electricity_factors(reference)
    families = [f for family in FAMILIES for f in family.factors(reference)]
    factors = grid + curated.factors + electronics_factors() + families + cpcd_keep
    ids = [f.id for f in factors]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate ids in the release")
    target.mkdir(parents=True, exist_ok=True)
    write_table(factors, target / "factors.csv")
    with (reference / "gwp100_ar6.csv").open(encoding="utf-8") as src, (target / GWP_FILE).open(
        "w", encoding="utf-8", newline=""
    ) as dst:
        dst.write(src.read())
    manifest = write_manifest(target, RELEASE_ID, TITLE, PUBLISHED)
    counts: dict[str, int] = {}
    for f in factors:
        counts[f.category] = counts.get(f.category, 0) + 1
    notes = [f"# Release {RELEASE_ID}: {TITLE}", "", f"Published {PUBLISHED}. {len(factors)} factors; "
             f"content SHA-256 `{manifest['sha256']}`.", "", "## Contents", ""]
    notes += [f"- {cat}: {n}" for cat, n in sorted(counts.items())]
    previous = {f.id for f in read_table(here / "data" / PREVIOUS_RELEASE / "factors.csv").factors}
    added = sorted(set(ids) - previous)
    changes = CHANGES + [c for family in FAMILIES if getattr(family, "SINCE", RELEASE_ID) == RELEASE_ID
                         for c in family.CHANGES]
    notes += ["", "## Changes", ""] + [f"- {c}" for c in changes]
    notes += [f"- Added factors ({len(added)}): " + ", ".join(f"`{i}`" for i in added) + "."]
    notes += ["", "## Sources", "",
              f"- Official Chinese electricity factors (MEE/NBS/NEA): {len(grid)} "
              "factors, every row of the reference table, each series and year separate.",
              "- IPCC AR6 WG1 GWP100 (Tables 7.15, 7.SM.7): `gwp100_ar6.csv`.",
              f"- CPCD: {sum('核心数据库' in f.source for f in cpcd_keep)} core-database rows and "
              f"{len(CPCD_SELECTED)} selected literature rows, through the CPCD importer (rows it flags are "
              "left out; three aluminium rows with the known 1,000x unit error are included as separate "
              "`.corrected` factors whose notes say what was corrected).",
              "- NREL PV_ICE (BSD-3): PV process electricity, process CO2, encapsulant and backsheet; with the PV "
              "parameter ranges of `data/curated/pv.csv` (IEA PVPS, ITRPV, Müller et al. 2021, Fan et al. 2021, Zubas "
              "et al. 2023, Zhang et al. 2021, GB/T 32150-2025, IAPWS-IF97, trade press), each row with its source.",
              "- Boavizta API data (AGPL-3.0): electronic components.",
              "- IPCC 2006 Guidelines: stationary combustion of natural gas, diesel and coal.",
              "- Manufacturer product carbon footprints (Apple, Asus, Dell, Google, HP, Microsoft) via Boavizta "
              "environmental-footprint-data (ODbL 1.0 / DbCL 1.0): the electronics fits (rows and sheet URLs in "
              "`factors_db/data/sources/`).",
              "",
              "Data quality: pedigree scores are the curator's assessment of each source against the ecoinvent v3 "
              "pedigree matrix (Weidema et al. 2013). The `fit.<kind>.<class>.manufacturing` factors carry the GSD of the "
              "declared values around them and no pedigree (the spread is measured, not assessed); no other source "
              "states an uncertainty, so none is stored and the engine applies ecoinvent's default basic factor (1.05) "
              "widened by the pedigree factors.",
              "", "## Electronics: spec-only fits and their validation", "", *electronics_notes()]
    for family in FAMILIES:
        notes += ["", *family.notes(target)]
    notes += ["", "## No public number found (left out, never invented)", ""]
    notes += [f"- {gap}" for gap in DATA_GAPS + [g for family in FAMILIES for g in family.DATA_GAPS]]
    (target / "RELEASE_NOTES.md").write_text("\n".join(notes) + "\n", encoding="utf-8")
    return manifest


if __name__ == "__main__":  # pragma: no cover - release tooling
    if len(sys.argv) > 2 and sys.argv[1] == "--boavizta":
        # python -m factors_db.build_release --boavizta path/to/boavizta-data-us.csv: refresh the source rows
        print(f"{write_electronics_rows(Path(sys.argv[2]))} rows used, written to {ELECTRONICS_PCFS}")
        sys.exit(0)
    ref = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).parent / "data" / RELEASE_ID)
    print(json.dumps(build(ref, out), indent=2))
