"""Lithium-ion battery (``kind: battery``): the file a cell or pack maker writes (:class:`Battery`) and its process
system (:func:`build`).

Capacity ``C`` kWh (declared, or ``Ah x V / 1000`` for a cell). Two inventories:

* **Without a bill of materials** (the default): the CPCD pack factor of the chemistry ``F`` (LFP 73.51, NCM 87.78
  kg CO2e/kWh, Chinese average, 2021) is split into the cell plant's electricity and the rest. Cell production is
  ``e`` kWh per kWh of cell (factor release unit process ``battery.cell.production.<lfp|nmc>``: 37.5 LFP, 41.48
  layered oxides) at the grid of ``regions.cell``; the rest, ``F C (1 - s)`` with ``s = e g_N / F`` the share of
  that electricity at the national grid ``g_N`` of the declaration's series and year, is booked as raw materials.
  On the national grid the result is the CPCD value exactly; moving the cell plant to region ``r`` changes it by
  ``e C (g_r - g_N)``, which is what the electricity share implies.
* **With a bill of materials** (primary data): each declared kg at its factor (CPCD rows; ``factor`` overrides),
  replacing the rest of the CPCD factor; the cell plant's electricity as above.

Measured electricity and heat per step (``energy``) replace the default cell electricity and add to the step's
process, at the step's region. Lifetime energy (EU draft delegated act on the carbon-footprint method, as the
issue quotes it): usable energy x cycles per year x service years; no default is set.

Electricity modes: ``label_scheme`` (regions as declared, the declaration's series), ``eu_national_mix`` (every
step at its country's national mix: ``CN-SC`` -> ``CN``, the April 2024 draft's rule) and ``market_based``
(contracts in ``electricity.contracts``; the market-based figure is reported beside the location-based one).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.errors import SpecificationError
from footprint.model import ElectricitySettings, FactorSet, Identity, Input, Process, ProductSpec

__all__ = ["Battery", "build", "lifetime_energy_kwh"]

Chemistry = Literal["LFP", "NMC111", "NMC532", "NMC622", "NMC811", "NCA", "LCO"]
Application = Literal["consumer", "small_power", "ev", "storage"]
Step = Literal["cathode", "anode", "electrolyte", "cell", "pack"]

PACK_FACTOR = {"LFP": "cpcd.46420X0172021C", "NCM": "cpcd.46420X0182021C"}
CELL_PROCESS = {"LFP": "battery.cell.production.lfp", "NCM": "battery.cell.production.nmc"}
HEAT = "heat.cn.purchased.gbt32150"
#: Bill-of-materials items and their default factors (CPCD rows; see factors_db/build/battery.py).
BOM_FACTORS: dict[str, str | None] = {
    "cathode": None,  # by chemistry, see CATHODE_FACTOR
    "anode_graphite": "cpcd.46950X0022015A", "anode_graphite_synthetic": "cpcd.37950X0022015A",
    "copper_foil": "cpcd.41516X0012021A", "aluminium_foil": "cpcd.41535X0012021A",
    "electrolyte": "cpcd.35499X0692016C", "separator": "cpcd.34710X0032022A",
    "casing_aluminium": "cpcd.41532X0022021A", "casing_steel": "cpcd.41232X0092022C",
    "bms": None, "cooling": None, "other": None,
}
CATHODE_FACTOR = {"LFP": "cpcd.46430X0012017A", "NCM": "cpcd.46410X0022021A"}
BOM_STEP: dict[str, Step] = {"cathode": "cathode", "anode_graphite": "anode", "anode_graphite_synthetic": "anode",
                             "electrolyte": "electrolyte"}
#: EU Battery Regulation (EU) 2023/1542 Annex II stages, from the engine's stages.
DECLARATION_STAGES = {
    "raw_material_acquisition_and_pre_processing": ["raw_materials"],
    "main_product_production": ["production"],
    "distribution": ["distribution"],
    "end_of_life_and_recycling": ["end_of_life"],
}


def family(chemistry: str) -> str:
    """``LFP`` or ``NCM`` (every layered oxide: NMC, NCA, LCO), the families the public factors cover."""
    return "LFP" if chemistry == "LFP" else "NCM"


def lifetime_energy_kwh(usable_kwh: float, cycles_per_year: float, years: float) -> float:
    """Energy delivered over the service life: usable energy x cycles per year x years."""
    return usable_kwh * cycles_per_year * years


class Regions(BaseModel):
    """Grid region of each step (``CN``, ``CN-SC``, ``DE``...)."""

    model_config = ConfigDict(extra="forbid")
    cathode: str = "CN"
    anode: str = "CN"
    electrolyte: str = "CN"
    cell: str = "CN"
    pack: str = "CN"


class StepEnergy(BaseModel):
    """Measured energy of one step, per battery (primary data)."""

    model_config = ConfigDict(extra="forbid")
    electricity_kwh: float = Field(default=0, ge=0)
    heat_mj: float = Field(default=0, ge=0)


class BomItem(BaseModel):
    """A declared material, kg per battery; ``factor`` names a release factor instead of the default."""

    model_config = ConfigDict(extra="forbid")
    item: Literal["cathode", "anode_graphite", "anode_graphite_synthetic", "copper_foil", "aluminium_foil",
                  "electrolyte", "separator", "casing_aluminium", "casing_steel", "bms", "cooling", "other"]
    kg: float = Field(gt=0, le=100_000)
    factor: str | None = None
    recycled_share: float = Field(default=0, ge=0, le=1, description="recorded; no recycled-material factor yet")


class Lifetime(BaseModel):
    """What the lifetime energy rests on (the maker's warranty)."""

    model_config = ConfigDict(extra="forbid")
    usable_energy_kwh: float | None = Field(default=None, gt=0)
    cycles_per_year: float = Field(gt=0, le=3650)
    years: float = Field(gt=0, le=40)


class Battery(BaseModel):
    """The file a battery maker writes."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["battery"]
    category: str | None = None
    name: str
    model: str | None = None
    manufacturer: str | None = None
    gtin: str | None = None
    application: Application
    chemistry: Chemistry
    level: Literal["cell", "pack"] = "pack"
    capacity_kwh: float | None = Field(default=None, gt=0, le=100_000)
    capacity_ah: float | None = Field(default=None, gt=0, le=100_000)
    nominal_voltage_v: float | None = Field(default=None, gt=0, le=2000)
    mass_kg: float | None = Field(default=None, gt=0)
    regions: Regions = Regions()
    energy: dict[Step, StepEnergy] = Field(default_factory=dict)
    bill_of_materials: list[BomItem] = Field(default_factory=list)
    lifetime: Lifetime | None = None
    electricity_mode: Literal["label_scheme", "eu_national_mix", "market_based"] = "label_scheme"
    electricity: ElectricitySettings = ElectricitySettings()
    supplier_labels: list[str] = Field(default_factory=list, description="label ids of cited suppliers (recorded)")

    @model_validator(mode="after")
    def _check(self) -> Battery:
        if self.capacity_kwh is None and (self.capacity_ah is None or self.nominal_voltage_v is None):
            raise SpecificationError("give capacity_kwh, or capacity_ah and nominal_voltage_v", "capacity_kwh")
        if self.capacity_kwh is not None and self.capacity_ah is not None and self.nominal_voltage_v is not None:
            derived = self.capacity_ah * self.nominal_voltage_v / 1000
            if abs(derived - self.capacity_kwh) > 0.02 * self.capacity_kwh:
                raise SpecificationError(f"capacity_ah x nominal_voltage_v gives {derived:.4g} kWh, not "
                                         f"{self.capacity_kwh:g}", "capacity_kwh")
        if self.mass_kg is not None and not 0.02 <= self.kwh / self.mass_kg <= 0.5:
            raise SpecificationError(f"{self.kwh / self.mass_kg * 1000:.0f} Wh/kg is outside 20-500 Wh/kg", "mass_kg")
        if self.lifetime and self.lifetime.usable_energy_kwh and self.lifetime.usable_energy_kwh > self.kwh * 1.05:
            raise SpecificationError("usable energy above the rated capacity", "lifetime.usable_energy_kwh")
        if self.electricity_mode == "market_based" and not self.electricity.contracts:
            raise SpecificationError("market_based needs electricity.contracts", "electricity_mode")
        for i, b in enumerate(self.bill_of_materials):
            if b.factor is None and b.item in ("bms", "cooling", "other"):
                raise SpecificationError(f"{b.item} has no public default factor: name one in `factor`",
                                         f"bill_of_materials[{i}].factor")
        return self

    @property
    def kwh(self) -> float:
        """Rated capacity, kWh."""
        if self.capacity_kwh is not None:
            return self.capacity_kwh
        return float(self.capacity_ah) * float(self.nominal_voltage_v) / 1000  # type: ignore[arg-type]


def _national(region: str) -> str:
    """The country of a grid region: ``CN-SC`` and ``CN-GRID-EAST`` -> ``CN``; ``DE`` -> ``DE``."""
    return region.split("-")[0]


def build(b: Battery, factors: FactorSet) -> ProductSpec:
    """The process system of one battery (see the module docstring)."""
    fam, kwh, s = family(b.chemistry), b.kwh, b.electricity
    eu = b.electricity_mode == "eu_national_mix"
    region = {k: (_national(v) if eu else v) for k, v in b.regions.model_dump().items()}
    pack = factors.get(PACK_FACTOR[fam], "chemistry")
    cell_up = factors.get(CELL_PROCESS[fam], "chemistry")
    e_default = cell_up.exchanges[0].amount  # kWh per kWh of cell
    # the CPCD pack factor is a Chinese average: its cell electricity is taken at China's grid of the same series
    national, _ = factors.grid("CN", s.year, s.series, path="electricity.series")
    share = e_default * national.value_kg_co2e / pack.value_kg_co2e
    gaps: list[str] = []
    processes: list[Process] = []

    def energy_inputs(step: Step) -> tuple[Input, ...]:
        se = b.energy.get(step)
        if se is None:
            return ()
        out: list[Input] = []
        if se.electricity_kwh:
            out.append(Input(electricity=True, amount=se.electricity_kwh, unit="kWh", location=region[step],
                             label=f"{step} electricity (measured)"))
        if se.heat_mj:
            out.append(Input(factor=HEAT, amount=se.heat_mj, unit="MJ", label=f"{step} heat (measured)"))
            gaps.append(f"{step} heat at the purchased-heat default of GB/T 32150-2025 (0.11 kg CO2/MJ, CO2 only).")
        return tuple(out)

    if b.bill_of_materials:
        by_step: dict[str, list[Input]] = {}
        for i, item in enumerate(b.bill_of_materials):
            fid = item.factor or (CATHODE_FACTOR[fam] if item.item == "cathode" else BOM_FACTORS[item.item])
            assert fid is not None  # the model refuses bms/cooling/other without a factor
            factors.get(fid, f"bill_of_materials[{i}].factor")
            step: Step = BOM_STEP.get(item.item, "cell" if item.item not in ("casing_aluminium", "casing_steel", "bms",
                                                                         "cooling") else "pack")
            by_step.setdefault(step, []).append(Input(factor=fid, amount=item.kg, unit="kg",
                                                      label=f"{item.item} ({item.kg:g} kg)"))
            if item.recycled_share:
                gaps.append(f"{item.item}: recycled share {item.recycled_share:.0%} recorded, not credited (no "
                            "recycled-material factor in the release).")
        for where, inputs in by_step.items():
            processes.append(Process(id=f"materials_{where}", name=f"{where} materials (declared bill of materials)",
                                     stage="raw_materials", location=region[where], inputs=tuple(inputs),
                                     primary_data=True))
        inventory = "declared bill of materials"
        if b.chemistry in ("NCA", "LCO") and not any(i.factor for i in b.bill_of_materials if i.item == "cathode"):
            gaps.append(f"{b.chemistry} cathode at the CPCD NCM row (no public {b.chemistry} factor).")
    else:
        processes.append(Process(
            id="materials", name=f"Materials and upstream (CPCD {fam} pack less its cell electricity)",
            stage="raw_materials", location=region["pack"],
            # a chemistry's industry-average pack standing in for this product's materials: a proxy (issue 17)
            inputs=(Input(factor=pack.id, amount=kwh * (1 - share), unit="kWh", basis="estimate",
                          label=f"CPCD {fam} pack {pack.value_kg_co2e:g} kg CO2e/kWh x (1 - {share:.1%})"),)))
        inventory = (f"CPCD {fam} pack factor less the default cell electricity ({e_default:g} kWh/kWh at "
                     f"{national.id}, {share:.1%} of it)")
        gaps.append(f"No bill of materials declared: materials and upstream are the CPCD {fam} pack average "
                    f"({pack.value_kg_co2e:g} kg CO2e/kWh, 2021) less {share:.1%}, its default cell electricity at the "
                    "national grid; the CPCD row does not say which grid it assumed.")
        if b.chemistry in ("NCA", "LCO"):
            gaps.append(f"{b.chemistry}: the CPCD NCM pack row is the proxy (no public {b.chemistry} factor).")
    for step in ("cathode", "anode", "electrolyte"):
        extra_in = energy_inputs(step)  # type: ignore[arg-type]
        if extra_in:
            processes.append(Process(id=f"{step}_energy", name=f"{step} production energy (measured)",
                                     stage="raw_materials", location=region[step], inputs=extra_in,
                                     primary_data=True))
    cell_measured = b.energy.get("cell")
    cell_inputs: tuple[Input, ...]
    if cell_measured is not None and cell_measured.electricity_kwh:
        cell_inputs = energy_inputs("cell")
    else:
        cell_inputs = (Input(factor=cell_up.id, amount=kwh, unit="kWh", basis="estimate",
                             label=f"cell production, {e_default:g} kWh electricity per kWh of cell (default)"),
                       *energy_inputs("cell"))
    processes.append(Process(id="cell", name="Cell production (electrodes, dry room, assembly, formation)",
                             stage="production", location=region["cell"], inputs=cell_inputs,
                             primary_data=cell_measured is not None and bool(cell_measured.electricity_kwh)))
    pack_in = energy_inputs("pack")
    if b.level == "pack" and pack_in:
        processes.append(Process(id="pack", name="Pack assembly (measured energy)", stage="production",
                                 location=region["pack"], inputs=(Input(process="cell", amount=1, unit="piece"),
                                                                   *pack_in), primary_data=True))
    material_ids = [p.id for p in processes if p.stage == "raw_materials"]
    ref_process = processes[-1]
    processes[-1] = ref_process.model_copy(update={"inputs": (
        *ref_process.inputs, *(Input(process=m, amount=1, unit="piece") for m in material_ids))})
    if b.level == "cell":
        gaps.append("Cell declared: the CPCD factor is a pack factor (includes casing, BMS and wiring), an upper "
                    "bound for a cell." if not b.bill_of_materials else "Cell declared: pack components excluded.")
    gaps += ["End of life and recycling (EU Annex II stage 4): no sourced recycling factor; not modelled.",
             "Distribution: not modelled (cradle-to-gate)."]
    if eu:
        gaps.append("Electricity mode eu_national_mix: every step at its country's national mix (EU draft delegated "
                    "act, April 2024 text as the issue quotes it).")
    extra: dict[str, object] = {
        "kind": "battery", "battery.application": b.application, "battery.chemistry": b.chemistry,
        "battery.level": b.level, "battery.capacity_kwh": kwh, "battery.inventory": inventory,
        "battery.regions": region, "battery.electricity_mode": b.electricity_mode,
        "battery.cell_electricity_share_at_national_grid": share,
        "battery.cell_electricity_default_kwh_per_kwh": e_default,
        "declaration_stages": DECLARATION_STAGES,
        "battery.supplier_labels": list(b.supplier_labels),
    }
    if b.mass_kg:
        extra["battery.mass_kg"] = b.mass_kg
    if b.lifetime is not None:
        usable = b.lifetime.usable_energy_kwh or kwh
        extra["battery.lifetime_energy_kwh"] = lifetime_energy_kwh(usable, b.lifetime.cycles_per_year,
                                                                   b.lifetime.years)
        extra["battery.lifetime_formula"] = (f"usable energy {usable:g} kWh x {b.lifetime.cycles_per_year:g} cycles/"
                                             f"year x {b.lifetime.years:g} years (EU draft delegated act)")
    elif b.application in ("ev", "storage"):
        gaps.append("No lifetime declared: the per-kWh-of-lifetime-energy figure (EU Annex II, MIIT 551号) needs "
                    "usable energy, cycles per year and service years.")
    return ProductSpec(
        identity=Identity(name=b.name, model=b.model, manufacturer=b.manufacturer, gtin=b.gtin),
        declared_unit=f"1 {b.level} ({kwh:g} kWh)", boundary="cradle-to-gate", reference_process=processes[-1].id,
        processes=tuple(processes), electricity=s.model_copy(update={"mode": b.electricity_mode}),
        data_gaps=tuple(gaps), extra=extra)
