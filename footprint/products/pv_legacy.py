"""The PV module inventory of factor releases 2026.1 and 2026.2, frozen so that their results can be recomputed.

Used by :func:`footprint.products.pv.build` for a release without the 2026.3 PV unit processes. The text
below is this inventory's own description (unchanged):

Crystalline-silicon PV module (``kind: pv_module``), in the spirit of France's simplified carbon assessment.

Per module, the silicon chain runs polysilicon -> ingot/wafer -> cell -> module, each step in its own
region so that its electricity takes that region's grid factor. Inventory (sources in the factor release):

* material masses per m2: NREL PV_ICE world-average baseline 2023 (glass 9,805 g, frame 1,229 g,
  encapsulant 778 g, backsheet 388 g, copper 8.39 g, silver 2.90 g, silicon 375 g);
* polysilicon needed = silicon in the module / 0.6698 (PV_ICE 2023 ``mat_MFG_eff``: kerf and other losses);
* electricity per step: polysilicon 66.5 kWh/kg (+ MG-Si 13.1 kWh/kg), ingot 38.4 kWh/kg, cell 17.7 kWh per
  m2 of cell, module 3.45 kWh per m2 of module; cell area is taken equal to module area (an upper bound).

Lifetime energy with linear degradation ``d`` (fraction per year) over ``L`` years and yield ``Y``
(kWh/kWp/year) for ``P`` kWp: ``E = P * Y * sum_{t=0}^{L-1} (1 - d t) = P * Y * (L - d L (L-1) / 2)``.
"""

from __future__ import annotations

from footprint.model import FactorSet, Identity, Input, Process, ProductSpec
from footprint.products.pv_module import MATERIALS_G_PER_M2_2023, PVModule, lifetime_energy_kwh

MATERIAL_FACTORS: dict[str, str] = {
    "glass": "cpcd.37117X0032014A",  # tempered glass: no solar-glass factor (release notes)
    "aluminium_frame": "cpcd.41431X0102018C",  # primary electrolytic aluminium, China
    "encapsulant": "pv.encapsulant.eva_poe",
    "backsheet": "pv.backsheet",
    "copper": "cpcd.41516X0012021A",
    "silver": "cpcd.41310X0012015A",
}
TRANSPORT_FACTORS: dict[str, str] = {
    "truck_18t": "cpcd.65119X0142019C", "truck_30t": "cpcd.65119X0152019C",
    "truck_46t": "cpcd.65119X0162019C", "rail": "cpcd.65129X0022019C",
    "sea_container": "cpcd.65213X0012019C", "sea_bulk": "cpcd.65219X0092018A", "air": "cpcd.65311X0032021A",
}


def build(m: PVModule, factors: FactorSet) -> ProductSpec:
    """The process system of one module (releases 2026.1 and 2026.2)."""
    masses = {**MATERIALS_G_PER_M2_2023, **m.materials_g_per_m2}
    kg = {k: v * m.area_m2 / 1000.0 for k, v in masses.items()}
    poly_kg = kg["silicon"] / m.silicon_mfg_efficiency
    module_mass_t = sum(kg.values()) / 1000.0
    processes = [
        Process(id="polysilicon", name="Polysilicon (incl. metallurgical silicon)", stage="raw_materials",
                location=m.regions.polysilicon,
                inputs=(Input(factor="pv.polysilicon.siemens", amount=poly_kg, unit="kg"),)),
        Process(id="ingot_wafer", name="Ingot and wafer", stage="production", location=m.regions.wafer,
                inputs=(Input(process="polysilicon", amount=1, unit="piece"),
                        Input(factor="pv.ingot.cz_mono", amount=poly_kg, unit="kg"))),
        Process(id="cell_materials", name="Cell materials (silver paste)", stage="raw_materials",
                location=m.regions.cell,
                inputs=(Input(factor=MATERIAL_FACTORS["silver"], amount=kg["silver"], unit="kg", label="silver"),)),
        Process(id="cell", name=f"{m.technology} cell processing", stage="production", location=m.regions.cell,
                inputs=(Input(process="ingot_wafer", amount=1, unit="piece"),
                        Input(process="cell_materials", amount=1, unit="piece"),
                        Input(factor="pv.cell.processing", amount=m.area_m2, unit="m2"))),
        Process(id="module_materials", name="Module materials (glass, frame, encapsulant, backsheet, copper)",
                stage="raw_materials", location=m.regions.module,
                inputs=tuple(Input(factor=MATERIAL_FACTORS[k], amount=kg[k], unit="kg", label=k)
                             for k in ("glass", "aluminium_frame", "encapsulant", "backsheet", "copper"))),
        Process(id="module", name="Module assembly", stage="production", location=m.regions.module,
                inputs=(Input(process="cell", amount=1, unit="piece"),
                        Input(process="module_materials", amount=1, unit="piece"),
                        Input(factor="pv.module.assembly", amount=m.area_m2, unit="m2"),
                        *(Input(factor=TRANSPORT_FACTORS[leg.mode], amount=module_mass_t * leg.distance_km,
                                unit="t*km", label=f"{leg.mode} {leg.distance_km:g} km")
                          for leg in m.transport if leg.stage == "production"))),
    ]
    reference = "module"
    distribution = [leg for leg in m.transport if leg.stage == "distribution"]
    if m.boundary == "cradle-to-grave":
        processes.append(Process(
            id="delivered", name="Delivery to the installation site", stage="distribution",
            inputs=(Input(process="module", amount=1, unit="piece"),
                    *(Input(factor=TRANSPORT_FACTORS[leg.mode], amount=module_mass_t * leg.distance_km,
                            unit="t*km", label=f"{leg.mode} {leg.distance_km:g} km") for leg in distribution))))
        reference = "delivered"
    kwp = m.rated_power_wp / 1000.0
    extra: dict[str, object] = {
        "kind": "pv_module", "rated_power_wp": m.rated_power_wp, "area_m2": m.area_m2,
        "efficiency": m.rated_power_wp / (m.area_m2 * 1000), "module_mass_kg": module_mass_t * 1000,
        "polysilicon_kg": poly_kg, "technology": m.technology, "regions": m.regions.model_dump(),
    }
    if m.yield_kwh_per_kwp_year:
        extra["lifetime_energy_kwh"] = lifetime_energy_kwh(kwp, m.yield_kwh_per_kwp_year,
                                                           m.degradation_pct_per_year, m.lifetime_years)
        extra["lifetime_energy_formula"] = "E = P_kWp * Y * (L - d * L * (L - 1) / 2), linear degradation"
    gaps = [
        "Junction box, solder and sealant not included: no public factor (release notes).",
        "Cell technology does not change the inventory (no public per-technology figures); only the "
        "rated power per area does.",
        "Cell area taken equal to module area (upper bound for cell-processing electricity).",
    ]
    if m.boundary == "cradle-to-grave":
        gaps.append("Use (no emissions of its own) and end of life (no sourced PV recycling factor) are not "
                    "modelled: the cradle-to-grave result covers production and delivery only.")
    return ProductSpec(
        identity=Identity(name=m.name, model=m.model, manufacturer=m.manufacturer, gtin=m.gtin),
        declared_unit=f"1 module ({m.rated_power_wp:g} Wp)",
        boundary=m.boundary,
        reference_process=reference,
        processes=tuple(processes),
        electricity=m.electricity,
        data_gaps=tuple(gaps),
        extra=extra,
    )
