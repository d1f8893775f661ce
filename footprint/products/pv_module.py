"""Crystalline-silicon PV module (``kind: pv_module``): the file a manufacturer writes (:class:`PVModule`).

:func:`footprint.products.pv.build` picks the inventory that builds it.

From factor release 2026.3 on, :mod:`footprint.products.pv_inventory` builds the module by mass (glass by
thickness, frame by perimeter, backsheet only for glass-backsheet), with technology-specific silver per watt,
polysilicon heat and MG-Si input, and sourced ranges on process energies and material intensities that Monte Carlo
draws. Releases 2026.1 and 2026.2 keep their own inventory (:mod:`footprint.products.pv_legacy`), so that a result
computed with them is recomputed unchanged; the release decides, through the unit processes it holds.

Lifetime energy with linear degradation ``d`` (fraction per year) over ``L`` years and yield ``Y``
(kWh/kWp/year) for ``P`` kWp: ``E = P * Y * sum_{t=0}^{L-1} (1 - d t) = P * Y * (L - d L (L-1) / 2)``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.errors import SpecificationError
from footprint.model import ElectricitySettings

__all__ = ["PVModule", "lifetime_energy_kwh"]

#: NREL PV_ICE baseline, world-average c-Si module, 2023 (g per m2 of module).
MATERIALS_G_PER_M2_2023: dict[str, float] = {
    "glass": 9805, "aluminium_frame": 1229, "encapsulant": 778, "backsheet": 388, "copper": 8.39,
    "silver": 2.90, "silicon": 375,
}
#: PV_ICE 2023 silicon manufacturing efficiency (kg silicon in modules per kg polysilicon).
SILICON_MFG_EFFICIENCY_2023 = 0.6698
def lifetime_energy_kwh(kwp: float, yield_kwh_per_kwp_year: float, degradation_pct: float, years: int) -> float:
    """Energy over the lifetime with linear degradation (see the module docstring)."""
    d = degradation_pct / 100.0
    return kwp * yield_kwh_per_kwp_year * (years - d * years * (years - 1) / 2.0)


#: Fields that only the by-mass inventory (release 2026.3 on) reads.
BY_MASS_FIELDS = ("module_type", "frame", "frame_kg_per_m", "front_glass_mm", "rear_glass_mm", "length_mm",
                  "width_mm", "polysilicon_route")


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
    module_type: Literal["glass_backsheet", "glass_glass"] = "glass_backsheet"
    frame: Literal["aluminium", "none"] = Field(default="aluminium", description="framed unless declared frameless")
    frame_kg_per_m: float | None = Field(default=None, gt=0, le=5, description="aluminium per metre of perimeter")
    front_glass_mm: float | None = Field(default=None, gt=0, le=12)
    rear_glass_mm: float | None = Field(default=None, gt=0, le=12, description="glass-glass modules only")
    length_mm: float | None = Field(default=None, ge=300, le=5000)
    width_mm: float | None = Field(default=None, ge=300, le=5000)
    polysilicon_route: Literal["siemens", "fbr"] = Field(default="siemens",
                                                         description="fbr: granular silicon (fluidised bed)")
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
                raise SpecificationError(f"{v} g/m2 is implausible (0-50,000)", f"materials_g_per_m2.{k}")
        efficiency = self.rated_power_wp / (self.area_m2 * 1000)
        if not 0.05 <= efficiency <= 0.35:
            raise SpecificationError(f"rated_power_wp / area_m2 gives {efficiency:.1%} efficiency: outside 5-35 %",
                                     "rated_power_wp")
        if self.boundary == "cradle-to-gate" and any(leg.stage == "distribution" for leg in self.transport):
            raise ValueError("distribution transport legs need boundary cradle-to-grave")
        if self.rear_glass_mm is not None and self.module_type != "glass_glass":
            raise SpecificationError("a rear glass needs module_type glass_glass", "rear_glass_mm")
        if self.frame == "none" and self.frame_kg_per_m is not None:
            raise SpecificationError("a frameless module has no frame mass", "frame_kg_per_m")
        if (self.length_mm is None) != (self.width_mm is None):
            raise SpecificationError("give both length_mm and width_mm, or neither",
                                     "width_mm" if self.width_mm is None else "length_mm")
        if self.length_mm is not None and self.width_mm is not None:
            outline = self.length_mm * self.width_mm / 1e6
            if not 0.9 <= self.area_m2 / outline <= 1.02:
                raise SpecificationError(f"area {self.area_m2:g} m2 does not fit {self.length_mm:g} x "
                                         f"{self.width_mm:g} mm ({outline:.3f} m2)", "area_m2")
        return self

