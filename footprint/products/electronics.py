"""Displays and computers (``kind: monitor | display | laptop | desktop``) from a few specifications.

Stages and their sources (factor ids in the release):

* manufacturing: an explicit ``bom`` when given. Otherwise monitors and displays follow their screen
  area: ``fit.monitor_lcd.manufacturing.base`` (per unit) + ``fit.monitor_lcd.manufacturing.per_m2`` x the
  visible area from the diagonal and aspect ratio, a least-squares fit over 64 published Dell LCD monitor
  footprints (release 2026.2 notes; 18-34 inch). A screen outside that range, or an OLED panel (no public
  per-area figure), is computed with the same fit and the result says so. Laptops use the CPCD per-unit
  laptop factor (``cpcd.45220X0402018A``, 124 kg CO2e). Desktops follow their mass:
  ``fit.desktop.manufacturing.base`` + ``fit.desktop.manufacturing.per_kg`` x ``mass_kg``, a fit over 34
  published Dell desktop footprints (2.82-33.1 kg); outside that range the result says it extrapolates.
* distribution: device mass x ``transport_km`` by 18 t diesel truck (``cpcd.65119X0142019C``); no
  distance is assumed when none is given.
* use: ``annual_energy_kwh`` x ``lifetime_years`` at the use region's grid factor.
* end of life: device mass x municipal-waste landfill (``cpcd.94332X0012015A``), a proxy: no public
  e-waste treatment factor was found.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.model import ElectricitySettings, FactorSet, Identity, Input, Process, ProductSpec

KINDS = ("monitor", "display", "laptop", "desktop")
MONITOR_BASE = "fit.monitor_lcd.manufacturing.base"
MONITOR_PER_M2 = "fit.monitor_lcd.manufacturing.per_m2"
#: Screen diagonals the monitor fit was made on (inch).
FIT_RANGE_INCH = (18.0, 34.0)
DESKTOP_BASE = "fit.desktop.manufacturing.base"
DESKTOP_PER_KG = "fit.desktop.manufacturing.per_kg"
#: Device masses the desktop fit was made on (kg).
FIT_RANGE_KG = (2.82, 33.1)
LAPTOP_PER_UNIT = "cpcd.45220X0402018A"
TRUCK = "cpcd.65119X0142019C"
LANDFILL = "cpcd.94332X0012015A"


class BomLine(BaseModel):
    """One line of an explicit bill of materials."""

    model_config = ConfigDict(extra="forbid")
    factor: str
    amount: float = Field(ge=0)
    unit: str
    label: str | None = None


class Device(BaseModel):
    """The file an electronics manufacturer writes; the minimal one has eight lines."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["monitor", "display", "laptop", "desktop"]
    name: str
    model: str | None = None
    manufacturer: str | None = None
    gtin: str | None = None
    screen_diagonal_inch: float | None = Field(default=None, gt=1, le=120)
    aspect_ratio: str = Field(default="16:9", pattern=r"^\d+(\.\d+)?:\d+(\.\d+)?$")
    panel: Literal["LCD", "OLED"] = "LCD"
    mass_kg: float = Field(gt=0, le=200)
    annual_energy_kwh: float = Field(ge=0, le=10_000)
    lifetime_years: float = Field(gt=0, le=30)
    assembly_region: str = "CN"
    use_region: str = "CN"
    transport_km: float | None = Field(default=None, gt=0, le=40_000)
    boundary: Literal["cradle-to-gate", "cradle-to-grave"] = "cradle-to-grave"
    bom: list[BomLine] | None = None
    electricity: ElectricitySettings = ElectricitySettings(series="co2_average", year=2023)

    @model_validator(mode="after")
    def _check(self) -> Device:
        if self.kind in ("monitor", "display", "laptop") and self.screen_diagonal_inch is None:
            raise ValueError(f"a {self.kind} needs screen_diagonal_inch")
        return self


def screen_area_m2(diagonal_inch: float, aspect_ratio: str) -> float:
    """Visible area from the diagonal: w = d cos(atan(h/w)), h = d sin(atan(h/w))."""
    w, h = (float(x) for x in aspect_ratio.split(":"))
    d = diagonal_inch * 0.0254
    angle = math.atan2(h, w)
    return (d * math.cos(angle)) * (d * math.sin(angle))


def build(dev: Device, factors: FactorSet) -> ProductSpec:
    """The process system of one device."""
    gaps: list[str] = []
    if dev.bom:
        making = tuple(Input(factor=b.factor, amount=b.amount, unit=b.unit, label=b.label) for b in dev.bom)
    elif dev.kind == "desktop":
        making = (Input(factor=DESKTOP_BASE, amount=1, unit="piece", label="desktop, fixed part (fit)"),
                  Input(factor=DESKTOP_PER_KG, amount=dev.mass_kg, unit="kg",
                        label=f"desktop, {dev.mass_kg:g} kg (fit)"))
        lo, hi = FIT_RANGE_KG
        if not lo <= dev.mass_kg <= hi:
            gaps.append(f"Mass {dev.mass_kg:g} kg is outside the {lo:g}-{hi:g} kg range the desktop "
                        "manufacturing fit was made on: extrapolated.")
        gaps.append("Desktop manufacturing from a fit over EU-assembled Dell desktops (2018): the assembly "
                    "region's electricity is not reflected; give a bom for a product-specific inventory.")
    elif dev.kind == "laptop":
        making = (Input(factor=LAPTOP_PER_UNIT, amount=1, unit="piece", label="laptop, whole device"),)
        gaps.append("Manufacturing from a whole-laptop factor (CPCD literature, per unit): no public panel "
                    "or component split was used.")
    else:
        assert dev.screen_diagonal_inch is not None  # checked by Device
        area = screen_area_m2(dev.screen_diagonal_inch, dev.aspect_ratio)
        making = (Input(factor=MONITOR_BASE, amount=1, unit="piece", label="monitor, fixed part (fit)"),
                  Input(factor=MONITOR_PER_M2, amount=area, unit="m2",
                        label=f"monitor, {area:.3f} m2 of screen (fit)"))
        lo, hi = FIT_RANGE_INCH
        if not lo <= dev.screen_diagonal_inch <= hi:
            gaps.append(f"Screen diagonal {dev.screen_diagonal_inch:g} inch is outside the {lo:g}-{hi:g} inch "
                        "range the monitor manufacturing fit was made on: extrapolated.")
        if dev.panel == "OLED":
            gaps.append("OLED panel: no public per-area OLED factor exists; manufacturing uses the LCD monitor fit.")
        if dev.kind == "display":
            gaps.append("Display manufacturing uses the fit made on desktop LCD monitors.")
    processes = [
        Process(id="manufacturing", name=f"{dev.kind} manufacturing", stage="production",
                location=dev.assembly_region, inputs=making),
    ]
    ref_inputs = [Input(process="manufacturing", amount=1, unit="piece")]
    if dev.boundary == "cradle-to-grave":
        if dev.transport_km:
            processes.append(Process(
                id="distribution", name=f"transport {dev.assembly_region} -> {dev.use_region}",
                stage="distribution",
                inputs=(Input(factor=TRUCK, amount=dev.mass_kg / 1000 * dev.transport_km, unit="t*km"),)))
            ref_inputs.append(Input(process="distribution", amount=1, unit="piece"))
        else:
            gaps.append("No transport_km given: distribution is not counted (no distance is assumed).")
        processes.append(Process(
            id="use", name=f"use in {dev.use_region}, {dev.lifetime_years:g} years", stage="use",
            location=dev.use_region,
            inputs=(Input(electricity=True, amount=dev.annual_energy_kwh * dev.lifetime_years, unit="kWh"),)))
        processes.append(Process(
            id="end_of_life", name="end of life (landfill proxy)", stage="end_of_life",
            inputs=(Input(factor=LANDFILL, amount=dev.mass_kg, unit="kg"),)))
        ref_inputs += [Input(process="use", amount=1, unit="piece"), Input(process="end_of_life", amount=1,
                                                                           unit="piece")]
        gaps.append("End of life uses a municipal-solid-waste landfill factor as a proxy for e-waste.")
    processes.insert(0, Process(id="product", name=dev.name, stage="production", inputs=tuple(ref_inputs)))
    extra: dict[str, object] = {"kind": dev.kind, "mass_kg": dev.mass_kg}
    if dev.screen_diagonal_inch:
        extra["screen_area_m2"] = screen_area_m2(dev.screen_diagonal_inch, dev.aspect_ratio)
        extra["panel"] = dev.panel
    return ProductSpec(
        identity=Identity(name=dev.name, model=dev.model, manufacturer=dev.manufacturer, gtin=dev.gtin),
        declared_unit=f"1 {dev.kind}" + (f" over {dev.lifetime_years:g} years of use"
                                          if dev.boundary == "cradle-to-grave" else ""),
        boundary=dev.boundary,
        reference_process="product",
        processes=tuple(processes),
        electricity=dev.electricity,
        data_gaps=tuple(gaps),
        extra=extra,
    )
