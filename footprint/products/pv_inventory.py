"""The PV module inventory from factor release 2026.3 on: by mass, by technology, with sourced ranges.

Per module of area ``A`` (m2), rated power ``P`` (W), efficiency ``eta = P / (1000 A)``:

* glass: thickness (mm) x 2.5 kg/m2 per mm (2500 kg/m3) x ``A``, front glass 3.2 mm for glass-backsheet
  (range 2.0-3.2), 2 x 2.0 mm for glass-glass (2.0-2.5 per sheet) unless declared;
* frame: aluminium kg per metre of perimeter (0.45; 0.35-0.6) x perimeter (``2 (length + width)``, or from the
  area with the 2278 x 1134 mm aspect ratio), unless the module is declared frameless; glass-glass does not mean
  frameless;
* backsheet (glass-backsheet only), encapsulant and copper per m2 (NREL PV_ICE 2023);
* silicon 375 g/m2 (356.8-379.5 with wafer thickness) / 0.6698 = polysilicon, which goes through the release's
  unit processes for polysilicon (Siemens with process heat and MG-Si input, or FBR granular silicon), ingot and
  wafering; cell processing per m2 and silver per watt (``pv.cell.metallisation.<technology>`` x ``P``);
* module assembly per m2.

Every range comes from ``factors_db/data/curated/pv.csv`` (here through :mod:`footprint.products.pv_params`, or
in the release's unit processes). A declared value is taken as exact; a declared value outside the range the data
describe is computed, flagged as an extrapolation and its law widened by its relative distance outside the range.
"""

from __future__ import annotations

import math

from footprint.model import AmountUncertainty, FactorSet, Identity, Input, Process, ProductSpec
from footprint.products.pv_legacy import MATERIAL_FACTORS as LEGACY_FACTORS
from footprint.products.pv_legacy import TRANSPORT_FACTORS
from footprint.products.pv_module import PVModule, lifetime_energy_kwh
from footprint.products.pv_params import ASPECT_RATIO, PARAMS, Param

TECH = {"PERC": "perc", "TOPCon": "topcon", "HJT": "hjt"}
#: A frame is an extruded aluminium alloy profile of unknown recycled content: the release's frame unit process
#: (CPCD alloy factor 16.38 kg CO2e/kg, drawn between the extruded-profile 9.8 and primary-ingot 20.3 factors)
#: rather than primary ingot alone (used up to release 2026.2).
MATERIAL_FACTORS = {**LEGACY_FACTORS, "aluminium_frame": "pv.frame.aluminium.v2"}
POLYSILICON = {"siemens": "pv.polysilicon.siemens.v2", "fbr": "pv.polysilicon.fbr.v2"}
INGOT, WAFERING, ASSEMBLY = "pv.ingot.cz_mono.v2", "pv.wafering.v2", "pv.module.assembly.v2"
#: The unit processes a release needs for this inventory (their presence selects it).
REQUIRED = (*POLYSILICON.values(), INGOT, WAFERING, ASSEMBLY, "pv.frame.aluminium.v2",
            *(f"pv.cell.processing.{t}" for t in TECH.values()), *(f"pv.cell.metallisation.{t}" for t in TECH.values()))
#: kg of glass per m2 per mm of thickness (2500 kg/m3).
GLASS_KG_PER_M2_MM = PARAMS["glass_density"].central / 1000
SHARED_CELL_PROCESS = (
    "Cell process electricity is the same for PERC, TOPCon and HJT (6.03-17.7 kWh/m2, Müller et al. 2021 / IEA PVPS "
    "T12-19:2020): no public per-technology figure; TOPCon's boron diffusion and poly-Si deposition and HJT's a-Si "
    "PECVD and ITO sputtering are not inventoried separately.")


def available(factors: FactorSet) -> bool:
    """Whether the release holds this inventory's unit processes (2026.3 on)."""
    return all(f in factors.factors for f in REQUIRED)


def _outside(p: Param, value: float) -> float:
    """Relative distance of ``value`` outside ``p``'s range (0 inside)."""
    if value < p.low:
        return (p.low - value) / p.low
    if value > p.high:
        return (value - p.high) / p.high
    return 0.0


def _widened(amount: float, widen: float, parameter: str, what: str) -> AmountUncertainty | None:
    """A law for an exact (declared) amount that an extrapolation widens: triangular ``(1 -/+ widen) amount``."""
    if not widen or amount == 0:
        return None
    return AmountUncertainty(distribution="triangular", minimum=amount * max(0.0, 1 - widen),
                             maximum=amount * (1 + widen), parameter=parameter,
                             description=f"{what}: extrapolation, +/-{widen:.0%}")


def build(m: PVModule, factors: FactorSet) -> ProductSpec:
    """The process system of one module (see the module docstring)."""
    tech = TECH[m.technology]
    area, watts = m.area_m2, m.rated_power_wp
    efficiency = watts / (area * 1000)
    declared = m.materials_g_per_m2
    extrapolations: list[str] = []

    def outside(name: str, value: float, field: str) -> float:
        p = PARAMS[name]
        w = _outside(p, value)
        if w:
            extrapolations.append(f"{field} = {value:g} is outside the {p.low:g}-{p.high:g} {p.unit} the data describe "
                                  f"({p.source}): computed, flagged, and its uncertainty widened by {w:.0%}")
        return w

    w_area = outside("module_area_m2", area, "area_m2")
    w_eff = outside("module_efficiency", efficiency, "efficiency (rated_power_wp / area_m2)")
    # an efficiency the data do not describe is a technology they may not describe: every per-area input widens
    w_area = max(w_area, w_eff)

    # silicon chain: one parameter (silicon per m2) scales polysilicon, ingot and wafering together
    si = PARAMS["silicon_g_per_m2"]
    poly_kg = declared.get("silicon", si.central) * area / 1000 / m.silicon_mfg_efficiency
    si_law = (_widened(poly_kg, w_area, "pv.silicon_kg", "silicon") if "silicon" in declared
              else si.uncertainty(poly_kg, parameter="pv.silicon_kg", widen=w_area))

    # glass by thickness
    glass_glass = m.module_type == "glass_glass"
    sheet = PARAMS["glass_mm_per_sheet_glass_glass" if glass_glass else "front_glass_mm_glass_backsheet"]
    front_mm = m.front_glass_mm if m.front_glass_mm is not None else sheet.central
    rear_mm = (m.rear_glass_mm if m.rear_glass_mm is not None else sheet.central) if glass_glass else 0.0
    front_kg, rear_kg = (mm * GLASS_KG_PER_M2_MM * area for mm in (front_mm, rear_mm))
    if "glass" in declared:  # a declared total glass mass per m2 replaces the thicknesses
        total = declared["glass"] * area / 1000
        front_kg, rear_kg = (total / 2, total / 2) if glass_glass else (total, 0.0)

    def glass_law(kg: float, mm: float | None, field: str) -> AmountUncertainty | None:
        if "glass" in declared:
            return _widened(kg, w_area, "pv.glass", "glass")
        if mm is None:  # default thickness: its range (both sheets of a glass-glass module drawn together)
            return sheet.uncertainty(kg, parameter=f"pv.{sheet.id}", widen=w_area)
        return _widened(kg, max(outside(sheet.id, mm, field), w_area), f"pv.{field}", field)

    front_law = glass_law(front_kg, m.front_glass_mm, "front_glass_mm")
    rear_law = glass_law(rear_kg, m.rear_glass_mm, "rear_glass_mm") if glass_glass else None

    # frame by perimeter
    if m.length_mm is not None and m.width_mm is not None:
        perimeter_m, perimeter_note = 2 * (m.length_mm + m.width_mm) / 1000, "declared dimensions"
    else:
        length = math.sqrt(area * ASPECT_RATIO)
        perimeter_m = 2 * (length + area / length)
        perimeter_note = "from the area with the 2278 x 1134 mm aspect ratio (dimensions not declared)"
    fr = PARAMS["frame_kg_per_m"]
    frame_law: AmountUncertainty | None
    if m.frame == "none":
        frame_kg, frame_law = 0.0, None
    elif "aluminium_frame" in declared:
        frame_kg = declared["aluminium_frame"] * area / 1000
        frame_law = _widened(frame_kg, w_area, "pv.frame", "aluminium frame")
    elif m.frame_kg_per_m is not None:
        frame_kg = m.frame_kg_per_m * perimeter_m
        frame_law = _widened(frame_kg, outside("frame_kg_per_m", m.frame_kg_per_m, "frame_kg_per_m"),
                             "pv.frame_kg_per_m", "frame_kg_per_m")
    else:
        frame_kg = fr.central * perimeter_m
        frame_law = fr.uncertainty(frame_kg, parameter="pv.frame_kg_per_m")

    def per_m2(name: str, material: str, present: bool = True) -> tuple[float, AmountUncertainty | None]:
        if not present:
            return 0.0, None
        if material in declared:
            kg = declared[material] * area / 1000
            return kg, _widened(kg, w_area, f"pv.{material}", material)
        p = PARAMS[name]
        kg = p.central * area / 1000
        return kg, p.uncertainty(kg, parameter=f"pv.{name}", widen=w_area)

    backsheet_kg, backsheet_law = per_m2("backsheet_g_per_m2", "backsheet", present=not glass_glass)
    encapsulant_kg, encapsulant_law = per_m2("encapsulant_g_per_m2", "encapsulant")
    copper_kg, copper_law = per_m2("copper_g_per_m2", "copper")

    metallisation = factors.get(f"pv.cell.metallisation.{tech}")
    silver_kg_per_w = metallisation.exchanges[0].amount if metallisation.exchanges else 0.0
    if "silver" in declared:
        silver_kg = declared["silver"] * area / 1000
        silver_input = Input(factor=MATERIAL_FACTORS["silver"], amount=silver_kg, unit="kg", label="silver (declared)",
                             uncertainty=_widened(silver_kg, w_eff, "pv.silver", "silver"))
    else:
        silver_kg = silver_kg_per_w * watts
        silver_input = Input(factor=metallisation.id, amount=watts, unit="W", label=f"silver paste, {m.technology}",
                             uncertainty=_widened(watts, w_eff, "pv.extrapolation.efficiency", "silver per W"))
    cell_widen = max(w_area, w_eff)
    module_mass_t = (front_kg + rear_kg + frame_kg + backsheet_kg + encapsulant_kg + copper_kg + silver_kg
                     + poly_kg * m.silicon_mfg_efficiency) / 1000.0
    legs = [leg for leg in m.transport if leg.stage == "production"]
    processes = [
        Process(id="polysilicon", name=f"Polysilicon ({'FBR granular' if m.polysilicon_route == 'fbr' else 'Siemens'}"
                ", incl. metallurgical silicon and process heat)", stage="raw_materials", location=m.regions.polysilicon,
                inputs=(Input(factor=POLYSILICON[m.polysilicon_route], amount=poly_kg, unit="kg", uncertainty=si_law),)),
        Process(id="ingot_wafer", name="Ingot and wafer", stage="production", location=m.regions.wafer,
                inputs=(Input(process="polysilicon", amount=1, unit="piece"),
                        Input(factor=INGOT, amount=poly_kg, unit="kg", uncertainty=si_law),
                        Input(factor=WAFERING, amount=poly_kg, unit="kg", uncertainty=si_law))),
        Process(id="cell_materials", name="Cell materials (silver paste)", stage="raw_materials",
                location=m.regions.cell, inputs=(silver_input,)),
        Process(id="cell", name=f"{m.technology} cell processing", stage="production", location=m.regions.cell,
                inputs=(Input(process="ingot_wafer", amount=1, unit="piece"),
                        Input(process="cell_materials", amount=1, unit="piece"),
                        Input(factor=f"pv.cell.processing.{tech}", amount=area, unit="m2",
                              uncertainty=_widened(area, cell_widen, "pv.extrapolation.cell", "cell processing")))),
        Process(id="module_materials", name="Module materials (glass, frame, encapsulant, backsheet, copper)",
                stage="raw_materials", location=m.regions.module, inputs=(
                    Input(factor=MATERIAL_FACTORS["glass"], amount=front_kg, unit="kg", label="front glass",
                          uncertainty=front_law),
                    Input(factor=MATERIAL_FACTORS["glass"], amount=rear_kg, unit="kg", label="rear glass",
                          uncertainty=rear_law),
                    Input(factor=MATERIAL_FACTORS["aluminium_frame"], amount=frame_kg, unit="kg",
                          label="aluminium frame", uncertainty=frame_law),
                    Input(factor=MATERIAL_FACTORS["encapsulant"], amount=encapsulant_kg, unit="kg", label="encapsulant",
                          uncertainty=encapsulant_law),
                    Input(factor=MATERIAL_FACTORS["backsheet"], amount=backsheet_kg, unit="kg", label="backsheet",
                          uncertainty=backsheet_law),
                    Input(factor=MATERIAL_FACTORS["copper"], amount=copper_kg, unit="kg", label="copper",
                          uncertainty=copper_law))),
        Process(id="module", name="Module assembly", stage="production", location=m.regions.module,
                inputs=(Input(process="cell", amount=1, unit="piece"),
                        Input(process="module_materials", amount=1, unit="piece"),
                        Input(factor=ASSEMBLY, amount=area, unit="m2",
                              uncertainty=_widened(area, w_area, "pv.extrapolation.area", "module assembly")),
                        *(Input(factor=TRANSPORT_FACTORS[leg.mode], amount=module_mass_t * leg.distance_km,
                                unit="t*km", label=f"{leg.mode} {leg.distance_km:g} km") for leg in legs))),
    ]
    reference = "module"
    if m.boundary == "cradle-to-grave":
        processes.append(Process(
            id="delivered", name="Delivery to the installation site", stage="distribution",
            inputs=(Input(process="module", amount=1, unit="piece"),
                    *(Input(factor=TRANSPORT_FACTORS[leg.mode], amount=module_mass_t * leg.distance_km,
                            unit="t*km", label=f"{leg.mode} {leg.distance_km:g} km")
                      for leg in m.transport if leg.stage == "distribution"))))
        reference = "delivered"
    kwp = watts / 1000.0
    silver_text = (f"{silver_kg / watts * 1e6:.4g} mg/W declared" if "silver" in declared else
                   f"{silver_kg_per_w * 1e6:.4g} mg/W ({metallisation.source.split(':')[0]})")
    shared = [SHARED_CELL_PROCESS, "Process energies of polysilicon, ingot, wafering and module assembly are the "
              "same for every technology (no public per-technology figure)."]
    extra: dict[str, object] = {
        "kind": "pv_module", "rated_power_wp": watts, "area_m2": area, "efficiency": efficiency,
        "module_mass_kg": module_mass_t * 1000, "polysilicon_kg": poly_kg, "technology": m.technology,
        "regions": m.regions.model_dump(), "inventory": "by mass (release 2026.3 on)",
        "module_type": m.module_type, "frame": m.frame, "polysilicon_route": m.polysilicon_route,
        "glass_kg": {"front": front_kg, "rear": rear_kg}, "glass_mm": {"front": front_mm, "rear": rear_mm},
        "frame_kg": frame_kg, "perimeter_m": perimeter_m, "perimeter_from": perimeter_note,
        "backsheet_kg": backsheet_kg, "silver_mg_per_w": silver_kg / watts * 1e6, "silver": silver_text,
        "shared_inventory": shared, "extrapolations": extrapolations,
    }
    if m.yield_kwh_per_kwp_year:
        extra["lifetime_energy_kwh"] = lifetime_energy_kwh(kwp, m.yield_kwh_per_kwp_year,
                                                           m.degradation_pct_per_year, m.lifetime_years)
        extra["lifetime_energy_formula"] = "E = P_kWp * Y * (L - d * L * (L - 1) / 2), linear degradation"
    gaps = [
        "Junction box, solder and sealant not included: no public factor.",
        *shared,
        "Cell area taken equal to module area (upper bound for cell-processing electricity).",
        "Solar glass: tempered flat glass factor (CPCD 37117X0032014A); no low-iron rolled-glass factor.",
        "Aluminium frame: no PV-frame factor and no public recycled content of Chinese frames; CPCD aluminium alloy "
        "(16.38 kg CO2e/kg) drawn between the extruded-profile (9.8) and primary-ingot (20.3) factors.",
        "MG-Si per kg of polysilicon: 1.0-1.136 kg/kg from one secondary table (Zubas et al. 2023, Table A4, a 2032 "
        "scenario); CPIA 2022-2024 polysilicon electricity (综合电耗) and silicon per watt (硅耗) not found in public "
        "copies.",
        "Process heat at the purchased-heat default of GB/T 32150-2025 (0.11 kg CO2/MJ, CO2 only, no upstream "
        "fuel chain): no provincial heat factor is published.",
        "Silver per watt by technology from trade press and one review (ITRPV and CPIA figures by technology not "
        "public): " + silver_text + "; silver valued at CPCD's by-product route (copper anode slime, 28.1 kg "
        "CO2e/kg): no primary-silver factor in the release.",
    ]
    if m.regions.polysilicon == "CN":
        gaps.append("Polysilicon on the national grid: Chinese polysilicon is made mostly on provincial grids far from "
                    "the average (2021 output: Xinjiang 55 %, Inner Mongolia 14 %, Sichuan 11 %, Jiangsu 9 %; CPIA data "
                    "as reported by cfenews.com 2022-05-24); declare regions.polysilicon for a specific module.")
    if m.technology == "HJT":
        gaps.append("HJT indium (ITO layers) per watt: no public figure; not included.")
    if m.polysilicon_route == "fbr":
        gaps.append("FBR granular silicon: electricity and steam from GCL's own statements; steam pressure not "
                    "published (0.1-1.0 MPa assumed for its enthalpy); MG-Si input taken as for Siemens.")
    gaps += [f"Extrapolation: {e}." for e in extrapolations]
    if m.boundary == "cradle-to-grave":
        gaps.append("Use (no emissions of its own) and end of life (no sourced PV recycling factor) are not "
                    "modelled: the cradle-to-grave result covers production and delivery only.")
    return ProductSpec(
        identity=Identity(name=m.name, model=m.model, manufacturer=m.manufacturer, gtin=m.gtin),
        declared_unit=f"1 module ({watts:g} Wp)",
        boundary=m.boundary,
        reference_process=reference,
        processes=tuple(processes),
        electricity=m.electricity,
        data_gaps=tuple(gaps),
        extra=extra,
    )
