"""Crystalline-silicon PV module (``kind: pv_module``), in the spirit of France's simplified carbon assessment.

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

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.model import ElectricitySettings, FactorSet, Identity, Input, Process, ProductSpec

#: NREL PV_ICE baseline, world-average c-Si module, 2023 (g per m2 of module).
MATERIALS_G_PER_M2_2023: dict[str, float] = {
    "glass": 9805, "aluminium_frame": 1229, "encapsulant": 778, "backsheet": 388, "copper": 8.39,
    "silver": 2.90, "silicon": 375,
}
#: PV_ICE 2023 silicon manufacturing efficiency (kg silicon in modules per kg polysilicon).
SILICON_MFG_EFFICIENCY_2023 = 0.6698
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


class Regions(BaseModel):
    """Grid region of each manufacturing step (``CN``, ``CN-SC``, ``CN-XJ``...)."""

    model_config = ConfigDict(extra="forbid")
    polysilicon: str = "CN"
    wafer: str = "CN"
    cell: str = "CN"
    module: str = "CN"


class Leg(BaseModel):
    """A transport leg of the finished module (``production``: to the gate; ``distribution``: beyond)."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["truck_18t", "truck_30t", "truck_46t", "rail", "sea_container", "sea_bulk", "air"]
    distance_km: float = Field(gt=0, le=40_000)
    stage: Literal["production", "distribution"] = "distribution"


class PVModule(BaseModel):
    """The file a PV manufacturer writes."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["pv_module"]
    name: str
    model: str | None = None
    manufacturer: str | None = None
    gtin: str | None = None
    rated_power_wp: float = Field(gt=10, le=1500)
    area_m2: float = Field(gt=0.1, le=6)
    technology: Literal["PERC", "TOPCon", "HJT"] = "PERC"
    boundary: Literal["cradle-to-gate", "cradle-to-grave"] = "cradle-to-gate"
    materials_g_per_m2: dict[str, float] = Field(default_factory=dict)
    silicon_mfg_efficiency: float = Field(default=SILICON_MFG_EFFICIENCY_2023, gt=0.2, le=1)
    regions: Regions = Regions()
    electricity: ElectricitySettings = ElectricitySettings()
    transport: list[Leg] = Field(default_factory=list)
    yield_kwh_per_kwp_year: float | None = Field(default=None, gt=0, le=3000)
    degradation_pct_per_year: float = Field(default=0.7, ge=0, le=5)
    lifetime_years: int = Field(default=30, ge=1, le=60)

    @model_validator(mode="after")
    def _check(self) -> PVModule:
        unknown = set(self.materials_g_per_m2) - set(MATERIALS_G_PER_M2_2023)
        if unknown:
            raise ValueError(f"unknown materials {sorted(unknown)}; known: {sorted(MATERIALS_G_PER_M2_2023)}")
        for k, v in self.materials_g_per_m2.items():
            if not 0 <= v <= 50_000:
                raise ValueError(f"materials_g_per_m2.{k} = {v} g/m2 is implausible (0-50,000)")
        efficiency = self.rated_power_wp / (self.area_m2 * 1000)
        if not 0.05 <= efficiency <= 0.35:
            raise ValueError(f"rated_power_wp / area_m2 gives {efficiency:.1%} efficiency: outside 5-35 %")
        if self.boundary == "cradle-to-gate" and any(leg.stage == "distribution" for leg in self.transport):
            raise ValueError("distribution transport legs need boundary cradle-to-grave")
        return self


def lifetime_energy_kwh(kwp: float, yield_kwh_per_kwp_year: float, degradation_pct: float, years: int) -> float:
    """Energy over the lifetime with linear degradation (see the module docstring)."""
    d = degradation_pct / 100.0
    return kwp * yield_kwh_per_kwp_year * (years - d * years * (years - 1) / 2.0)


def build(m: PVModule, factors: FactorSet) -> ProductSpec:
    """The process system of one module."""
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
