"""PV source family: the unit processes of the by-mass PV inventory, rebuilt from ``data/curated/pv.csv``.

Every number comes from a row of that file (low, central, high, law, unit, source, table, confidence). The builder
derives the release's PV unit processes from them: polysilicon (Siemens with process heat and MG-Si input; FBR
granular silicon with steam), MG-Si, Cz ingot, wafering, cell processing and silver per watt for each technology,
module assembly, and the purchased-heat default. Each exchange whose source gives a range carries it (triangular
or uniform), so that Monte Carlo draws it. The release notes section compares the bundled PV examples with
published module footprints (:func:`notes`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from factors_db.schema import Exchange, Factor, Pedigree

SOURCE_ROWS = Path(__file__).resolve().parents[1] / "data" / "curated" / "pv.csv"
PV_ICE = "BSD-3-Clause (NREL PV_ICE) and the cited publications"
TECHNOLOGIES = {"perc": "PERC", "topcon": "TOPCon", "hjt": "HJT"}
SILVER = "cpcd.41310X0012015A"

#: The release whose notes list this family's CHANGES.
SINCE = "2026.3"
CHANGES = [
    "PV modules by mass and technology: glass by thickness (front, and rear for glass-glass), aluminium frame by "
    "perimeter (framed unless declared frameless; glass-glass no longer implies frameless), backsheet only for "
    "glass-backsheet, silver per watt by technology (`pv.cell.metallisation.<perc|topcon|hjt>` x rated power), "
    "polysilicon process heat (`heat.cn.purchased.gbt32150`) and MG-Si input (1.136 kg/kg), a wafering step, and an "
    "optional FBR granular-silicon route (`pv.polysilicon.fbr.v2`). The frame is aluminium alloy (CPCD 16.38 kg "
    "CO2e/kg) drawn between the extruded-profile (9.8) and primary-ingot (20.3) factors (`pv.frame.aluminium.v2`; "
    "2026.2 used primary ingot). The process energies and material intensities "
    "carry their sourced ranges (triangular or uniform), drawn by Monte Carlo together with the factors' pedigree "
    "uncertainty. The 2026.1/2026.2 PV unit processes stay in the release unchanged; results computed with "
    "releases 2026.1 and 2026.2 keep their old inventory.",
]
DATA_GAPS = [
    "PV silver per cell by technology (ITRPV) and the CPIA roadmap 2022-2024 (polysilicon electricity 综合电耗, silicon "
    "per watt 硅耗, silver paste 银浆耗量): not in any public copy found; silver per watt comes from trade press and "
    "one review (low to medium confidence).",
    "PV cell process electricity per technology (TOPCon boron diffusion and poly-Si deposition, HJT a-Si PECVD and "
    "ITO sputtering): no public figure; PERC, TOPCon and HJT share 6.03-17.7 kWh/m2.",
    "HJT indium (ITO) per watt: no public figure (only a 0.38 mg/W target, Zhang et al. 2021); not included.",
    "MG-Si per kg of polysilicon: one secondary table (Zubas et al. 2023, Table A4, 2032 scenario, yield 0.88); "
    "the 2021 table and IEA PVPS T12-19:2020 LCI were not read.",
    "Kerf loss: 60 um in 2021 (Zubas et al. 2023, Table 2) agrees with the PV_ICE silicon yield 0.6698 used (2.59 vs "
    "2.58 g polysilicon per Wp); no Chinese figure.",
    "Heat (steam) by province: no official factor; the GB/T 32150-2025 default 0.11 kg CO2/MJ (CO2 only, no upstream "
    "fuel chain) is used for polysilicon process heat and FBR steam.",
    "FBR steam pressure: not published by GCL; its heat (2.59-2.69 MJ/kg) spans saturated steam at 0.1-1.0 MPa.",
    "Solar glass (low-iron rolled glass): no specific factor; tempered flat glass (cpcd.37117X0032014A) is used.",
    "PV junction box, solder, sealant: no public factor found.",
    "F-gas process emissions of c-Si cell lines (NF3 chamber cleaning): no c-Si-specific public figure.",
    "Where a PV declaration names no region, its polysilicon is on the national grid, although 2021 output came from "
    "Xinjiang 55 %, Inner Mongolia 14 %, Sichuan 11 % and Jiangsu 9 % (CPIA data reported by cfenews.com, "
    "2022-05-24); no production-weighted life-cycle factor exists (provincial factors are CO2-only).",
]


@dataclass(frozen=True)
class Row:
    """One source row of ``pv.csv``."""

    parameter: str
    low: float
    central: float
    high: float
    distribution: str
    unit: str
    source: str
    table: str
    confidence: str
    note: str

    def exchange(self, *, factor: str | None = None, scale: float = 1.0, unit: str) -> Exchange:
        """An exchange of ``central x scale``, with the row's law when it has a range."""
        law: dict[str, object] = {}
        if self.low != self.high:
            law = {"distribution": self.distribution, "minimum": float(f"{self.low * scale:.6g}"),
                   "maximum": float(f"{self.high * scale:.6g}")}
        return Exchange(factor=factor, electricity=factor is None, amount=float(f"{self.central * scale:.6g}"),
                        unit=unit, **law)  # type: ignore[arg-type]

    def cite(self) -> str:
        return f"{self.source} [{self.table}; confidence {self.confidence}]"


def source_rows(path: Path = SOURCE_ROWS) -> dict[str, Row]:
    """The source rows by parameter id."""
    with path.open(encoding="utf-8") as fh:
        return {r["parameter"]: Row(r["parameter"], float(r["low"]), float(r["central"]), float(r["high"]),
                                    r["distribution"], r["unit"], r["source"], r["table_or_page"], r["confidence"],
                                    r["note"]) for r in csv.DictReader(fh)}


def _unit_process(id: str, zh: str, en: str, unit: str, exchanges: tuple[Exchange, ...], rows: list[Row],
                  pedigree: str, *, value: str = "0", gases: dict[str, Decimal] | None = None, year: int = 2023,
                  geography: str = "GLO", notes: str = "", category: str = "intermediate") -> Factor:
    return Factor(
        id=id, name_zh=zh, name_en=en, category=category, unit=unit, value_kg_co2e=Decimal(value),  # type: ignore[arg-type]
        gases=gases or {}, boundary="gate-to-gate", geography=geography, year=year,
        source=" | ".join(r.cite() for r in rows), licence=PV_ICE, pedigree=Pedigree.parse(pedigree),
        exchanges=exchanges, notes=" ".join([notes, *(r.note for r in rows)]).strip(),
    )


def factors(reference: Path | None = None, path: Path = SOURCE_ROWS) -> list[Factor]:
    """Every PV unit process of the release, derived from the source rows (``reference`` is not needed)."""
    r = source_rows(path)
    heat = r["heat_factor_cn"]
    heat_factor = Factor(
        id="heat.cn.purchased.gbt32150", name_zh="外购热力（蒸汽）缺省排放因子（GB/T 32150-2025）",
        name_en="purchased heat or steam, Chinese default factor (GB/T 32150-2025)", category="heat", unit="MJ",
        value_kg_co2e=Decimal("0.11"), gases={"CO2": Decimal("0.11")}, boundary="gate-to-gate", geography="CN",
        year=2025, source=heat.cite(), licence="Chinese national standard (GB/T), default value cited",
        pedigree=Pedigree.parse("3;4;2;2;3"), notes=heat.note)
    steam = _unit_process(
        "heat.steam.saturated.per_kg", "饱和蒸汽（每千克，按热力缺省因子）",
        "saturated steam, per kg (heat at the Chinese default factor)", "kg",
        (r["steam_heat_per_kg"].exchange(factor=heat_factor.id, unit="MJ"),),
        [r["steam_heat_per_kg"]], "2;3;2;2;3", year=2025, geography="CN")
    mgsi = _unit_process(
        "pv.mg_silicon.arc_furnace.v2", "工业硅（冶金级硅）电弧炉冶炼单元过程（含区间）",
        "metallurgical-grade silicon, submerged arc furnace (unit process, with ranges)", "kg",
        (r["mgsi_electricity"].exchange(unit="kWh"),), [r["mgsi_electricity"]], "2;3;2;3;2",
        value="5.033", gases={"CO2": Decimal("5.033")},
        notes="Direct CO2 of carbothermal reduction 5.033 kg/kg: NREL PV_ICE baselines/CarbonLayer/"
              "baseline_processCO2_silicon.csv (v_MFG), as in release 2026.1.")
    siemens = _unit_process(
        "pv.polysilicon.siemens.v2", "太阳能级多晶硅（改良西门子法）单元过程（含工艺热与工业硅投入）",
        "solar-grade polysilicon, Siemens process (unit process: electricity, process heat, MG-Si input)", "kg",
        (r["poly_siemens_electricity"].exchange(unit="kWh"),
         r["poly_siemens_heat"].exchange(factor=heat_factor.id, unit="MJ"),
         r["mgsi_per_kg_poly"].exchange(factor=mgsi.id, unit="kg")),
        [r["poly_siemens_electricity"], r["poly_siemens_heat"], r["mgsi_per_kg_poly"]], "2;3;2;3;2")
    fbr = _unit_process(
        "pv.polysilicon.fbr.v2", "颗粒硅（流化床法）单元过程",
        "granular polysilicon, fluidised-bed (FBR) process (unit process)",
        "kg", (r["poly_fbr_electricity"].exchange(unit="kWh"),
               r["poly_fbr_steam"].exchange(factor=steam.id, unit="kg"),
               r["mgsi_per_kg_poly"].exchange(factor=mgsi.id, unit="kg")),
        [r["poly_fbr_electricity"], r["poly_fbr_steam"], r["mgsi_per_kg_poly"]], "3;3;2;2;3", geography="CN",
        notes="MG-Si input taken as for the Siemens process (no FBR-specific figure).")
    ingot = _unit_process(
        "pv.ingot.cz_mono.v2", "单晶硅棒（直拉法）单元过程（含区间）",
        "Cz mono ingot growth (unit process, per kg of polysilicon, with range)", "kg",
        (r["cz_ingot_electricity"].exchange(unit="kWh"),), [r["cz_ingot_electricity"]],
        "2;3;2;3;2")
    wafering = _unit_process(
        "pv.wafering.v2", "硅片切割单元过程", "wafering (unit process, per kg of polysilicon)", "kg",
        (r["wafering_electricity"].exchange(unit="kWh"),), [r["wafering_electricity"]], "2;3;2;3;2")
    assembly = _unit_process(
        "pv.module.assembly.v2", "光伏组件层压封装单元过程（每平方米组件，含区间）",
        "PV module assembly (unit process, per m2 of module, with range)", "m2",
        (r["module_assembly_electricity"].exchange(unit="kWh"),),
        [r["module_assembly_electricity"]], "2;3;2;3;2")
    al = r["frame_aluminium_intensity"]
    frame = _unit_process(
        "pv.frame.aluminium.v2", "光伏组件铝边框（每千克，铝合金，含强度区间）",
        "PV module aluminium frame, per kg (alloy, with the range from extruded profile to primary ingot)", "kg",
        (Exchange(factor="cpcd.41532X0022021A", amount=1.0, unit="kg", distribution="triangular",
                  minimum=round(al.low / al.central, 4), maximum=round(al.high / al.central, 4)),),
        [al], "4;3;3;3;3", geography="CN", category="material", year=2021)
    out = [heat_factor, steam, mgsi, siemens, fbr, ingot, wafering, assembly, frame]
    for key, name in TECHNOLOGIES.items():
        cell = r["cell_electricity_per_m2"]
        out.append(_unit_process(
            f"pv.cell.processing.{key}", f"{name}电池片制造单元过程（每平方米电池，与其他技术共用）",
            f"{name} cell processing (unit process, per m2 of cell; shared with the other technologies)", "m2",
            (cell.exchange(unit="kWh"),), [cell], "2;3;3;3;4",
            notes=f"Shared inventory: the same electricity for PERC, TOPCon and HJT because no public source gives a "
                  f"{name}-specific figure."))
        silver = r[f"silver_mg_per_w_{key}"]
        out.append(_unit_process(
            f"pv.cell.metallisation.{key}", f"{name}电池片银浆（每瓦）", f"{name} cell metallisation: silver per W of rated "
            "power", "W", (silver.exchange(factor=SILVER, scale=1e-6, unit="kg"),), [silver],
            "3;3;2;3;2" if key != "hjt" else "4;3;2;3;3",
            notes=f"{silver.central:g} mg/W ({silver.low:g}-{silver.high:g}) x the declared rated power; silver at "
                  f"CPCD {SILVER} (silver from copper anode slime)."))
    return out


# ----------------------------------------------------------------------------------------------- release notes
def notes(release: Path) -> list[str]:
    """The PV section of the release notes: examples against published module footprints, with the differences."""
    from factors_db.build.pv_validation import notes_section

    return notes_section(release)
