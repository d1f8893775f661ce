"""Display-panel source family: substrate-glass unit processes and fluorinated-gas emission factors of panel fabs,
rebuilt from ``data/curated/display.csv``.

Every number comes from a row of that file (low, central, high, law, unit, source, table, confidence, note):

* ``display.substrate_glass.lcd`` and ``.oled``: kg of display glass per m2 of panel (sheets x thickness x
  density: 2 x 0.5 mm x 2.38 g/cm3 = 2.38 kg for LCD, one backplane sheet for OLED), at the CPCD display-glass
  factor ``cpcd.37192X0012022B``, with the thickness range (0.4-0.7 mm, triangular) that Monte Carlo draws;
* ``display.fgas.<process>.<gas>``: kg of each fluorinated gas emitted per kg of gas consumed in LCD etch or CVD
  chamber cleaning (1 - utilisation and by-product rates of US EPA 40 CFR 98 subpart I Table I-6), stored as gas
  flows; the CO2e value is the sum of the flows at the release's AR6 GWP100.

The fab's electricity, fuels, gas consumption and abatement are the panel maker's primary data (the product file),
not factors: no public per-m2 fab electricity was confirmed (see ``DATA_GAPS``).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from factors_db.build.pv import Row, source_rows
from factors_db.schema import Exchange, Factor, Pedigree

SOURCE_ROWS = Path(__file__).resolve().parents[1] / "data" / "curated" / "display.csv"
LICENCE = "cited publications and US federal regulation (facts, public domain)"
GLASS = "cpcd.37192X0012022B"
#: Gas names as the GWP100 table spells them.
GWP_NAME = {"cf4": "CF4", "chf3": "HFC-23", "c-c4f8": "c-C4F8", "sf6": "SF6", "nf3": "NF3"}
#: (process, gas) -> the rows giving the primary gas's 1 - U and its by-products.
FGAS = {
    ("etch", "cf4"): ("fgas_etch_cf4", {}),
    ("etch", "chf3"): ("fgas_etch_chf3", {"cf4": "fgas_etch_chf3_b_cf4"}),
    ("etch", "c-c4f8"): ("fgas_etch_c-c4f8", {"cf4": "fgas_etch_c-c4f8_b_cf4", "chf3": "fgas_etch_c-c4f8_b_chf3"}),
    ("etch", "sf6"): ("fgas_etch_sf6", {}),
    ("remote_clean", "nf3"): ("fgas_remote_clean_nf3", {}),
    ("cvd_clean", "nf3"): ("fgas_cvd_clean_nf3", {}),
    ("cvd_clean", "sf6"): ("fgas_cvd_clean_sf6", {}),
}
PROCESS_NAMES = {"etch": ("刻蚀", "plasma etch"), "cvd_clean": ("CVD腔室清洗", "CVD chamber cleaning (in situ)"),
                 "remote_clean": ("CVD腔室远程等离子清洗", "CVD chamber cleaning (remote plasma)")}

#: The release whose notes list this family's CHANGES.
SINCE = "2026.5"
CHANGES = [
    "Display panels (`kind: display_panel`): substrate-glass unit processes `display.substrate_glass.lcd` (2 sheets, "
    "2.38 kg/m2, range 1.90-3.33) and `display.substrate_glass.oled` (backplane sheet, 1.19 kg/m2) at the CPCD "
    "display-glass factor; fluorinated-gas emission factors `display.fgas.<process>.<gas>` for LCD etch and CVD "
    "chamber cleaning (US EPA 40 CFR 98 subpart I Table I-6 utilisation and by-product rates), as gas flows. Fab "
    "electricity, fuels, gas consumption and abatement are the panel maker's declared primary data.",
]
DATA_GAPS = [
    "Display fab electricity per m2 of panel (a-Si, oxide, LTPS LCD; OLED): no public number was confirmed in its "
    "source for this release (a lead, Innolux's CSR page on power consumption per unit output area, could not be "
    "read); a panel file must declare its fab's measured electricity per m2. The CEEDI abstract (液晶与显示 2016, "
    "31(11):1055) gives only a ratio: LTPS and AMOLED lines use about 3.5 times the comprehensive energy of a-Si and "
    "oxide lines.",
    "Display process fluorinated gases without declaration: the IPCC 2019 Refinement (Vol. 3 ch. 6) Tier 1 per-m2 "
    "defaults by gas were not read in the primary document; no default is applied and the result names the gap. "
    "Utilisation defaults (Tier 2) are those of US EPA Table I-6 for LCD manufacturing; no separate OLED defaults "
    "were found, so OLED fabs use the LCD rates.",
    "Polarisers, liquid crystal, OLED emitter materials, driver ICs, LCD backlight units (LEDs, light guide, "
    "films) and OLED encapsulation: no public per-unit factor confirmed; a panel file declares each with a factor "
    "id, otherwise the result lists it as not modelled.",
    "Mother-glass utilisation (edge and cutting losses) and panel yield: no public default; declared by the maker "
    "(substrate.utilisation), otherwise not modelled.",
    "Panel fab chemicals other than F-gases (wet etchants, photoresist, strippers, solvents), water and waste "
    "treatment: no public factor; not modelled.",
    "Gen 10.5 mother-glass size not confirmed: panels above Gen 8.6 glass (5.85 m2) are flagged as extrapolations.",
]


def _gwp(reference: Path | None) -> dict[str, Decimal]:
    if reference is None:
        raise SystemExit("the display family needs the reference folder (gwp100_ar6.csv)")
    path = reference / "gwp100_ar6.csv"
    with path.open(encoding="utf-8") as fh:
        return {r["formula"]: Decimal(r["gwp100"]) for r in csv.DictReader(fh)}


def _glass(key: str, zh: str, en: str, sheets: float, thickness: Row, density: Row, notes: str) -> Factor:
    kg = sheets * density.central * thickness.central  # g/cm3 x mm = kg/m2
    low, high = sheets * density.central * thickness.low, sheets * density.central * thickness.high
    exchange = Exchange(factor=GLASS, amount=float(f"{kg:.6g}"), unit="kg", distribution="triangular",
                        minimum=float(f"{low:.6g}"), maximum=float(f"{high:.6g}"))
    return Factor(
        id=f"display.substrate_glass.{key}", name_zh=zh, name_en=en, category="intermediate", unit="m2",
        value_kg_co2e=Decimal("0"), boundary="cradle-to-gate", geography="GLO", year=2022,
        source=f"{thickness.cite()}; {density.cite()}", licence=LICENCE, pedigree=Pedigree.parse("3;3;3;3;3"),
        exchanges=(exchange,), notes=notes)


def _fgas(process: str, gas: str, rows: dict[str, Row], gwp: dict[str, Decimal]) -> Factor:
    primary, byproducts = FGAS[(process, gas)]
    flows = {GWP_NAME[gas]: Decimal(f"{rows[primary].central:g}")}
    for other, key in byproducts.items():
        name = GWP_NAME[other]
        flows[name] = flows.get(name, Decimal(0)) + Decimal(f"{rows[key].central:g}")
    value = sum(kg * gwp[g] for g, kg in flows.items())
    zh, en = PROCESS_NAMES[process]
    used = [rows[primary], *(rows[k] for k in byproducts.values())]
    return Factor(
        id=f"display.fgas.{process}.{gas}", name_zh=f"显示面板{zh}用{GWP_NAME[gas]}排放（每千克气体消耗，未减排）",
        name_en=f"display panel fab, {GWP_NAME[gas]} used in {en}: emissions per kg of gas consumed, before "
                "abatement", category="intermediate", unit="kg", value_kg_co2e=Decimal(f"{value:.6g}"),
        gases=flows, boundary="gate-to-gate", geography="GLO", year=2013,
        source="; ".join(r.cite() for r in used), licence=LICENCE, pedigree=Pedigree.parse("2;3;3;3;3"),
        notes="Gas flows kg per kg consumed (" + ", ".join(f"{g} {kg}" for g, kg in flows.items())
              + "); CO2e at IPCC AR6 GWP100. Abatement is applied by the product model (declared fraction).")


def factors(reference: Path | None = None, path: Path = SOURCE_ROWS) -> list[Factor]:
    """The display unit processes and F-gas factors, derived from the source rows."""
    r = source_rows(path)
    gwp = _gwp(reference)
    out = [
        _glass("lcd", "液晶面板基板玻璃（每平方米面板，阵列与彩膜两片）",
               "LCD panel substrate glass per m2 of panel (array and colour-filter sheets; unit process, with range)",
               r["glass_sheets_lcd"].central, r["glass_thickness"], r["glass_density"], r["glass_sheets_lcd"].note),
        _glass("oled", "OLED面板背板玻璃（每平方米面板，一片）",
               "OLED panel backplane glass per m2 of panel (one sheet; unit process, with range)",
               1, r["glass_thickness"], r["glass_density"],
               "One backplane sheet; encapsulation glass or thin-film encapsulation is declared separately."),
    ]
    out += [_fgas(process, gas, r, gwp) for process, gas in FGAS]
    return out


def notes(release: Path) -> list[str]:
    """The display section of the release notes."""
    r = source_rows(SOURCE_ROWS)
    return ["## Display panels", "",
            "The panel model (`footprint/products/display.py`) rests on the maker's measured fab electricity, fuels "
            "and fluorinated gases (primary data); the release gives the glass and the gas factors:", "",
            f"- Substrate glass: {r['glass_sheets_lcd'].central:g} sheets (LCD) of {r['glass_thickness'].central:g} "
            f"mm (range {r['glass_thickness'].low:g}-{r['glass_thickness'].high:g}) at {r['glass_density'].central:g} "
            "g/cm3 (Corning EAGLE XG), at the CPCD display-glass factor 10.76 kg CO2e/kg.",
            "- F-gases: 1 - utilisation and by-products for LCD etch and CVD cleaning from US EPA 40 CFR 98 subpart I "
            "Table I-6; abatement is the fab's declared fraction (AUO reports a destruction removal efficiency above "
            f"{r['abatement_auo_reported'].central:.2%} for its fabs).",
            f"- Area covered: up to Gen 8.6 mother glass ({r['mother_glass_gen86_m2'].central:g} m2); larger panels "
            "are flagged as extrapolations with widened ranges.",
            "", "Sources of each number: `factors_db/data/curated/display.csv`."]
