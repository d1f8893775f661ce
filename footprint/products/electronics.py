"""Displays and computers (``kind: monitor | display | laptop | desktop``) from a few specifications or a bill of
components.

Manufacturing (cradle-to-gate) comes one of two ways:

* **spec-only** (no ``components`` and no ``bom``): one factor per class of device,
  ``fit.<laptop|monitor|desktop>.<class>.manufacturing``, the geometric mean of the declared manufacturing
  footprints (declared total x manufacturing share) of every brand and year in Boavizta's
  environmental-footprint-data that fall in the class: laptops and monitors by screen diagonal, desktops by form
  factor (micro, small form factor, tower, all-in-one, workstation; ``any_form`` when none is given). Its GSD is
  the spread of the declared values around their class (release 2026.2 notes give the cross-validated errors).
  A screen or a mass outside what the declared products cover uses the ``.extrapolated`` twin of the factor,
  same value, wider GSD, and says so. The whole estimate sits in ``production``: it cannot split raw materials
  from production, and the result says so.
* **bill of components** (``components``, and/or free ``bom`` lines): CPU die and package, memory and SSD by GB
  (Boavizta's die-area formulas), HDD, main board, power supply, display panel by area, battery by Wh, chassis
  materials and packaging in ``raw_materials``; assembly and its electricity in ``production``. Memory, SSD or
  power-supply quantities outside the range Boavizta made the factor for use its ``.extrapolated`` twin (wider
  interval) and say so. A component without a public factor (magnesium) is named in ``data_gaps``.

Then, for ``cradle-to-grave`` only: distribution (``transport_km`` by truck, or Boavizta's default 19,000 km by
ship + 1,000 km by truck when a China-assembled product is sold outside China; no domestic default exists),
use (``annual_energy_kwh`` x ``lifetime_years`` at the use region's grid) and end of life (device mass x
municipal-waste landfill, a proxy: no public e-waste treatment factor was found).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.errors import SpecificationError
from footprint.model import ElectricitySettings, FactorSet, Identity, Input, Process, ProductSpec

KINDS = ("monitor", "display", "laptop", "desktop")
FORM_FACTORS = ("micro", "small_form_factor", "tower", "all_in_one", "workstation")
FormFactor = Literal["micro", "small_form_factor", "tower", "all_in_one", "workstation"]
#: Desktop class used when no form factor is given: every declared desktop.
ANY_FORM = "any_form"
#: Screen classes (class id, largest diagonal in inch) of the laptop and monitor fits. The edges split the
#: declared products into groups of 8-127 rows each at the usual panel sizes (11.6/12.5, 13-14, 15-16, 17; 21.5-22,
#: 23.8-25, 27-28, 31.5-34, 38+).
LAPTOP_CLASSES: tuple[tuple[str, float], ...] = (
    ("up_to_12in", 12.5), ("13_14in", 14.5), ("15_16in", 16.5), ("17in_plus", math.inf))
MONITOR_CLASSES: tuple[tuple[str, float], ...] = (
    ("up_to_22in", 22.0), ("23_25in", 25.5), ("27_29in", 29.0), ("30_36in", 36.0), ("over_36in", math.inf))
#: Screen diagonals (inch) the declared laptops and monitors cover; outside them an estimate extrapolates.
FIT_RANGE_INCH: dict[str, tuple[float, float]] = {"laptop": (10.0, 17.0), "monitor": (14.0, 86.0)}
#: Device masses (kg) the declared desktops of each class, and the declared laptops and monitors, cover (rows
#: without a mass are not counted).
FIT_RANGE_KG: dict[str, tuple[float, float]] = {
    "micro": (0.64, 2.82), "small_form_factor": (3.712, 6.3), "tower": (2.1, 13.0), "all_in_one": (7.715, 13.54),
    "workstation": (15.346, 33.1), ANY_FORM: (0.64, 33.1), "laptop": (0.52, 3.45), "monitor": (0.3, 123.0),
}

# Bill-of-components factors (release ids; sources in the release notes).
CPU_DIE = "comp.cpu.die.boavizta"
CPU_PACKAGE = "comp.cpu.package.boavizta"
MEMORY_DIE = "comp.memory.die.boavizta"
RAM_PER_GB = "comp.ram.per_gb.boavizta"
RAM_MODULE = "comp.ram.module.boavizta"
SSD_PER_GB = "comp.ssd.per_gb.boavizta"
SSD_BASE = "comp.ssd.base.boavizta"
HDD = "comp.hdd.boavizta"
MAIN_BOARD = "comp.motherboard.boavizta"
POWER_SUPPLY = "comp.power_supply.boavizta"
DISPLAY_LCD = "fit.display_lcd.per_m2"
BATTERY = "cpcd.46420X0172021C"  # LFP battery pack, 73.51 kg CO2e/kWh (CPCD core row): proxy for Li-ion cells
ASSEMBLY = "comp.assembly.boavizta"
PACKAGING = "cpcd.32151X0012011A"
MATERIALS: dict[str, str | None] = {
    "aluminium": "cpcd.41431X0102018C",
    "steel": "cpcd.41265X0362022C",
    "plastics": "cpcd.36990X0082023A",
    "glass": "cpcd.37117X0032014A",
    "copper": "cpcd.41516X0012021A",
    "magnesium": None,  # no public factor in the release: a data gap
}
Material = Literal["aluminium", "steel", "plastics", "glass", "copper", "magnesium"]

#: Quantities Boavizta's component factors were made for (archetype default;min;max in boaviztapi
#: data/archetypes/components: ram capacity 32;1;128 GB per module, ssd capacity 1000;100;5000 GB, power_supply
#: unit_weight 2.99;1;5 kg). Outside them the ``.extrapolated`` twin of the factor is used (pedigree technological
#: correlation 5: a wider interval) and the result says so.
COMPONENT_RANGES: dict[str, tuple[float, float, str]] = {
    "memory_gb_per_module": (1.0, 128.0, "GB per module"), "ssd_gb": (100.0, 5000.0, "GB"),
    "power_supply_kg": (1.0, 5.0, "kg")}
EXTRAPOLATED = ".extrapolated"

TRUCK = "cpcd.65119X0142019C"
SHIP = "cpcd.65219X0282018A"
LANDFILL = "cpcd.94332X0012015A"
#: Boavizta API default distribution of electronics from the Asian factory to the market (docs, GPU component:
#: transport_boat 19,000 km, transport_truck 1,000 km): used when a China-assembled product is sold abroad.
OVERSEAS_SHIP_KM = 19_000.0
OVERSEAS_TRUCK_KM = 1_000.0


class BomLine(BaseModel):
    """One free line of a bill of materials: any factor of the release."""

    model_config = ConfigDict(extra="forbid")
    factor: str
    amount: float = Field(ge=0, allow_inf_nan=False)
    unit: str
    label: str | None = None


class Components(BaseModel):
    """A bill of components; every quantity is per device. Upper bounds reject absurd values, not rare ones."""

    model_config = ConfigDict(extra="forbid")
    cpu_count: int = Field(default=1, ge=0, le=8)
    cpu_die_cm2: float = Field(default=0, ge=0, le=50, description="total die area of all CPUs (and GPU dies)")
    memory_gb: float = Field(default=0, ge=0, le=8192)
    memory_modules: int = Field(default=1, ge=0, le=64, description="RAM modules (soldered memory: 1)")
    memory_density_gb_per_cm2: float | None = Field(default=None, gt=0, le=100)
    ssd_gb: float = Field(default=0, ge=0, le=131_072)
    ssd_density_gb_per_cm2: float | None = Field(default=None, gt=0, le=1000)
    hdd_count: int = Field(default=0, ge=0, le=24)
    main_boards: int = Field(default=1, ge=0, le=4)
    power_supply_kg: float = Field(default=0, ge=0, le=20)
    display: bool | None = Field(default=None, description="count a display panel (default: the kind has one)")
    battery_wh: float = Field(default=0, ge=0, le=500)
    materials_kg: dict[Material, float] = Field(default_factory=dict)
    packaging_kg: float = Field(default=0, ge=0, le=50)
    assembly_kwh: float = Field(default=0, ge=0, le=2000, description="assembly electricity at the assembly region")

    @model_validator(mode="after")
    def _materials(self) -> Components:
        for name, kg in self.materials_kg.items():
            if not 0 <= kg <= 200 or not math.isfinite(kg):
                raise ValueError(f"materials_kg.{name} must be between 0 and 200 kg, got {kg}")
        return self


class Device(BaseModel):
    """The file an electronics manufacturer writes; the minimal one has eight lines."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["monitor", "display", "laptop", "desktop"]
    name: str
    model: str | None = None
    manufacturer: str | None = None
    gtin: str | None = None
    form_factor: FormFactor | None = Field(default=None, description="desktops only")
    screen_diagonal_inch: float | None = Field(default=None, gt=1, le=120, allow_inf_nan=False)
    aspect_ratio: str = Field(default="16:9", pattern=r"^\d+(\.\d+)?:\d+(\.\d+)?$")
    panel: Literal["LCD", "OLED"] = "LCD"
    mass_kg: float = Field(gt=0, le=200, allow_inf_nan=False)
    annual_energy_kwh: float = Field(ge=0, le=10_000, allow_inf_nan=False)
    lifetime_years: float = Field(gt=0, le=30, allow_inf_nan=False)
    assembly_region: str = "CN"
    use_region: str = "CN"
    market_region: str | None = Field(default=None, description="where it is sold, for the default distance")
    transport_km: float | None = Field(default=None, gt=0, le=40_000, allow_inf_nan=False)
    boundary: Literal["cradle-to-gate", "cradle-to-grave"] = "cradle-to-grave"
    components: Components | None = None
    bom: list[BomLine] | None = None
    electricity: ElectricitySettings = ElectricitySettings(series="co2_average", year=2023)

    @model_validator(mode="after")
    def _check(self) -> Device:
        # SpecificationError (not ValueError) so that the error names its field, as footprint.model does
        if self.kind in ("monitor", "display", "laptop") and self.screen_diagonal_inch is None:
            raise SpecificationError(f"a {self.kind} needs screen_diagonal_inch", "screen_diagonal_inch")
        if self.form_factor is not None and self.kind != "desktop":
            raise SpecificationError(f"form_factor is for desktops, not a {self.kind}", "form_factor")
        if self.components is not None and self.components.display and self.screen_diagonal_inch is None:
            raise SpecificationError("components.display needs screen_diagonal_inch", "screen_diagonal_inch")
        return self

    @property
    def has_screen(self) -> bool:
        """Whether the device carries its own display panel."""
        return self.kind != "desktop" or self.form_factor == "all_in_one"


def screen_area_m2(diagonal_inch: float, aspect_ratio: str) -> float:
    """Visible area from the diagonal: w = d cos(atan(h/w)), h = d sin(atan(h/w))."""
    w, h = (float(x) for x in aspect_ratio.split(":"))
    d = diagonal_inch * 0.0254
    angle = math.atan2(h, w)
    return (d * math.cos(angle)) * (d * math.sin(angle))


def fit_kind(kind: str) -> str:
    """The fit a kind uses: displays use the monitor fit."""
    return "monitor" if kind == "display" else kind


def size_class(kind: str, screen_inch: float | None = None, form_factor: str | None = None) -> str:
    """Class of a device in the spec-only fits (used by the release builder for the declared rows too)."""
    kind = fit_kind(kind)
    if kind == "desktop":
        return form_factor or ANY_FORM
    if screen_inch is None:
        raise ValueError(f"a {kind} class needs a screen diagonal")
    classes = LAPTOP_CLASSES if kind == "laptop" else MONITOR_CLASSES
    return next(cls for cls, top in classes if screen_inch <= top)


def fit_factor_id(kind: str, cls: str, *, extrapolated: bool = False) -> str:
    """Id of the spec-only manufacturing factor of a class, e.g. ``fit.laptop.13_14in.manufacturing``."""
    return f"fit.{fit_kind(kind)}.{cls}.manufacturing" + (".extrapolated" if extrapolated else "")


def _spec_only(dev: Device, factors: FactorSet, gaps: list[str]) -> tuple[tuple[Input, ...], dict[str, object]]:
    """The one-factor manufacturing estimate of a device from its class."""
    kind = fit_kind(dev.kind)
    cls = size_class(kind, dev.screen_diagonal_inch, dev.form_factor)
    outside: list[str] = []
    lo, hi = FIT_RANGE_KG[cls if kind == "desktop" else kind]
    if not lo <= dev.mass_kg <= hi:
        of = f"desktops of class {cls}" if kind == "desktop" else f"{kind}s"
        outside.append(f"mass {dev.mass_kg:g} kg is outside the {lo:g}-{hi:g} kg of the declared {of}")
    if kind != "desktop":
        assert dev.screen_diagonal_inch is not None  # checked by Device
        lo, hi = FIT_RANGE_INCH[kind]
        if not lo <= dev.screen_diagonal_inch <= hi:
            outside.append(f"screen diagonal {dev.screen_diagonal_inch:g} inch is outside the {lo:g}-{hi:g} inch "
                           f"of the declared {kind}s")
    factor_id = fit_factor_id(kind, cls, extrapolated=bool(outside))
    factor = factors.get(factor_id, "kind")
    gaps.append(f"Spec-only estimate: manufacturing is the {kind} class '{cls}' factor {factor_id}, "
                f"{factor.value_kg_co2e:g} kg CO2e, GSD {factor.gsd or 0:.2f}: {factor.source}. It is not this "
                "product's own inventory; give components for a bottom-up result.")
    gaps.append("Spec-only estimate: raw materials and production cannot be split; the whole manufacturing "
                "estimate is booked in production.")
    for reason in outside:
        gaps.append(f"Extrapolation: {reason}; computed with the nearest class and the wider uncertainty of "
                    f"{factor_id}.")
    if dev.kind == "display":
        gaps.append("Display manufacturing uses the classes fitted on monitors.")
    if dev.panel == "OLED" and dev.kind != "desktop":
        gaps.append("OLED panel: the declared products give no panel technology and no public per-area OLED "
                    "factor exists; the estimate is that of the screen-size class.")
    making = (Input(factor=factor_id, amount=1, unit="piece", label=f"{kind} class {cls} (declared footprints)"),)
    return making, {"method": "spec-only", "factor": factor_id, "class": cls, "extrapolated": bool(outside)}


def _in_range(field: str, value: float, gaps: list[str]) -> str:
    """``""`` when ``value`` is inside the range its factor was made for, else the extrapolated-twin suffix."""
    lo, hi, unit = COMPONENT_RANGES[field]
    if lo <= value <= hi:
        return ""
    gaps.append(f"Extrapolation: components.{field.removesuffix('_per_module')} gives {value:g} {unit}, outside the "
                f"{lo:g}-{hi:g} {unit} its Boavizta factor was made for; computed with the wider-uncertainty twin "
                "factor.")
    return EXTRAPOLATED


def _components(dev: Device, c: Components, gaps: list[str]) -> tuple[list[Input], list[Input]]:
    """Raw-material and assembly inputs of a bill of components."""
    raw: list[Input] = []
    if c.cpu_count:
        raw.append(Input(factor=CPU_PACKAGE, amount=c.cpu_count, unit="piece", label="CPU package"))
        if c.cpu_die_cm2:
            raw.append(Input(factor=CPU_DIE, amount=c.cpu_die_cm2, unit="cm2", label="CPU die"))
        else:
            gaps.append("components.cpu_die_cm2 not given: only the CPU package is counted, not its die.")
    if c.memory_gb:
        if c.memory_density_gb_per_cm2:
            raw.append(Input(factor=MEMORY_DIE, amount=c.memory_gb / c.memory_density_gb_per_cm2, unit="cm2",
                             label=f"DRAM dies, {c.memory_gb:g} GB"))
        else:
            per_module = _in_range("memory_gb_per_module", c.memory_gb / max(c.memory_modules, 1), gaps)
            raw.append(Input(factor=RAM_PER_GB + per_module, amount=c.memory_gb, unit="GB",
                             label=f"DRAM, {c.memory_gb:g} GB"))
        if c.memory_modules:
            raw.append(Input(factor=RAM_MODULE, amount=c.memory_modules, unit="piece", label="RAM module base"))
    if c.ssd_gb:
        if c.ssd_density_gb_per_cm2:
            raw.append(Input(factor=MEMORY_DIE, amount=c.ssd_gb / c.ssd_density_gb_per_cm2, unit="cm2",
                             label=f"NAND dies, {c.ssd_gb:g} GB"))
        else:
            raw.append(Input(factor=SSD_PER_GB + _in_range("ssd_gb", c.ssd_gb, gaps), amount=c.ssd_gb, unit="GB",
                             label=f"SSD, {c.ssd_gb:g} GB"))
        raw.append(Input(factor=SSD_BASE, amount=1, unit="piece", label="SSD base"))
    if c.hdd_count:
        raw.append(Input(factor=HDD, amount=c.hdd_count, unit="piece", label="hard disk drives"))
    if c.main_boards:
        raw.append(Input(factor=MAIN_BOARD, amount=c.main_boards, unit="piece", label="main board"))
        gaps.append("Main board: Boavizta's per-board factor was measured on a server board; for a laptop or "
                    "desktop board it is an upper estimate (no public per-area board factor was found).")
    if c.power_supply_kg:
        raw.append(Input(factor=POWER_SUPPLY + _in_range("power_supply_kg", c.power_supply_kg, gaps),
                         amount=c.power_supply_kg, unit="kg", label="power supply"))
    if c.display if c.display is not None else dev.has_screen:
        if dev.screen_diagonal_inch is None:  # an all-in-one without a diagonal: nothing to size the panel by
            gaps.append("Display panel not counted: no screen_diagonal_inch given.")
        else:
            area = screen_area_m2(dev.screen_diagonal_inch, dev.aspect_ratio)
            raw.append(Input(factor=DISPLAY_LCD, amount=area, unit="m2", label=f"display panel, {area:.3f} m2"))
            gaps.append("Display panel: no public per-area panel factor exists; the factor is the marginal "
                        "manufacturing per m2 of screen across declared monitors (whole monitors, all brands).")
            if dev.panel == "OLED":
                gaps.append("OLED panel: no public per-area OLED factor exists; the LCD figure is used.")
    if c.battery_wh:
        raw.append(Input(factor=BATTERY, amount=c.battery_wh / 1000, unit="kWh", label=f"battery, {c.battery_wh:g} Wh"))
        gaps.append("Battery: the only public per-kWh pack factor found is CPCD's LFP pack (73.51 kg CO2e/kWh); "
                    "laptop cells (NMC/LCO) have no public factor in the release.")
    for name, kg in c.materials_kg.items():
        factor = MATERIALS[name]
        if factor is None:
            gaps.append(f"components.materials_kg.{name}: no public {name} factor in the release; not counted.")
            continue
        raw.append(Input(factor=factor, amount=kg, unit="kg", label=f"{name} (chassis)"))
    if c.packaging_kg:
        raw.append(Input(factor=PACKAGING, amount=c.packaging_kg, unit="kg", label="packaging (carton)"))
    return raw, _assembly(c)


def _assembly(c: Components) -> list[Input]:
    assembly = [Input(factor=ASSEMBLY, amount=1, unit="piece", label="final assembly")]
    if c.assembly_kwh:
        # measured at the maker's own assembly site: primary data (issue 17)
        assembly.append(Input(electricity=True, amount=c.assembly_kwh, unit="kWh", label="assembly electricity",
                              basis="primary"))
    return assembly


def _distribution(dev: Device, gaps: list[str]) -> tuple[Input, ...]:
    tonnes = dev.mass_kg / 1000
    if dev.transport_km:
        return (Input(factor=TRUCK, amount=tonnes * dev.transport_km, unit="t*km",
                      label=f"truck {dev.transport_km:g} km"),)
    market = dev.market_region or dev.use_region
    if dev.assembly_region.startswith("CN") and not market.startswith("CN"):
        gaps.append(f"Distribution {dev.assembly_region} -> {market}: Boavizta's default {OVERSEAS_SHIP_KM:,.0f} km "
                    f"by ship and {OVERSEAS_TRUCK_KM:,.0f} km by truck (no transport_km given).")
        return (Input(factor=SHIP, amount=tonnes * OVERSEAS_SHIP_KM, unit="t*km", label="ship (default distance)"),
                Input(factor=TRUCK, amount=tonnes * OVERSEAS_TRUCK_KM, unit="t*km", label="truck (default distance)"))
    gaps.append(f"No transport_km given and no published default distance for {dev.assembly_region} -> {market}: "
                "distribution is not counted.")
    return ()


def build(dev: Device, factors: FactorSet) -> ProductSpec:
    """The process system of one device."""
    gaps: list[str] = []
    extra: dict[str, object] = {"kind": dev.kind, "mass_kg": dev.mass_kg}
    processes: list[Process] = []
    ref_inputs: list[Input] = []
    if dev.components is None and not dev.bom:
        making, extra["estimate"] = _spec_only(dev, factors, gaps)
        processes.append(Process(id="manufacturing", name=f"{dev.kind} manufacturing (spec-only estimate)",
                                 stage="production", location=dev.assembly_region, inputs=making))
        ref_inputs.append(Input(process="manufacturing", amount=1, unit="piece"))
    else:
        raw: list[Input] = []
        assembly: list[Input] = []
        if dev.components is not None:
            raw, assembly = _components(dev, dev.components, gaps)
        for line in dev.bom or ():
            target = assembly if line.factor == ASSEMBLY else raw
            target.append(Input(factor=line.factor, amount=line.amount, unit=line.unit, label=line.label))
        extra["estimate"] = {"method": "bill of components"}
        if raw:
            processes.append(Process(id="components", name="components and materials", stage="raw_materials",
                                     location=dev.assembly_region, inputs=tuple(raw)))
            ref_inputs.append(Input(process="components", amount=1, unit="piece"))
        if assembly:
            processes.append(Process(id="assembly", name=f"assembly in {dev.assembly_region}", stage="production",
                                     location=dev.assembly_region, inputs=tuple(assembly)))
            ref_inputs.append(Input(process="assembly", amount=1, unit="piece"))
    if dev.boundary == "cradle-to-grave":
        moves = _distribution(dev, gaps)
        if moves:
            processes.append(Process(id="distribution", name=f"transport {dev.assembly_region} -> "
                                     f"{dev.market_region or dev.use_region}", stage="distribution", inputs=moves))
            ref_inputs.append(Input(process="distribution", amount=1, unit="piece"))
        processes.append(Process(
            id="use", name=f"use in {dev.use_region}, {dev.lifetime_years:g} years", stage="use",
            location=dev.use_region,
            inputs=(Input(electricity=True, amount=dev.annual_energy_kwh * dev.lifetime_years, unit="kWh"),)))
        processes.append(Process(
            id="end_of_life", name="end of life (landfill proxy)", stage="end_of_life",
            inputs=(Input(factor=LANDFILL, amount=dev.mass_kg, unit="kg"),)))
        ref_inputs += [Input(process="use", amount=1, unit="piece"),
                       Input(process="end_of_life", amount=1, unit="piece")]
        gaps.append("End of life uses a municipal-solid-waste landfill factor as a proxy for e-waste treatment.")
    processes.insert(0, Process(id="product", name=dev.name, stage="production", inputs=tuple(ref_inputs)))
    if dev.screen_diagonal_inch:
        extra["screen_area_m2"] = screen_area_m2(dev.screen_diagonal_inch, dev.aspect_ratio)
        extra["panel"] = dev.panel
    if dev.form_factor:
        extra["form_factor"] = dev.form_factor
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
