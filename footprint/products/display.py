"""Display panel (``kind: display_panel``): the file a panel maker writes (:class:`DisplayPanel`) and its process
system (:func:`build`), cradle to the panel fab's gate, per panel and per m2 of panel.

A panel of ``A`` m2 (active-area panel as shipped) of one technology (a-Si, oxide or LTPS TFT-LCD, or OLED):

* **Fab energy** (primary data, required): measured electricity ``e`` kWh per m2 at the grid of ``fab_region``
  (a province code such as ``CN-SC``), plus natural gas and diesel in MJ per m2 (IPCC 2006 stationary combustion).
  No public per-m2 fab electricity was confirmed for this release, so there is no default: a file without
  ``fab.electricity_kwh_per_m2`` is refused, naming that field.
* **Process fluorinated gases** by gas (primary data): either the gas *consumed* per m2 in etch or CVD chamber
  cleaning, turned into emissions with the default ``1 - U`` (gas not used up) and by-product rates ``B`` of
  US EPA 40 CFR 98 subpart I Table I-6 for LCD manufacturing (factor release unit processes
  ``display.fgas.<process>.<gas>``: kg of each gas emitted per kg consumed), or the gas *emitted* per m2 before
  abatement (a fab's own measurement). Either way the declared ``abatement`` fraction (share of the gas destroyed
  by abatement: the fraction treated x the destruction efficiency) removes that share of the gas and of its
  by-products: 90 % abatement cuts the F-gas part by exactly 90 %. Gases are booked as gas flows and weighted by
  the release's AR6 GWP100 table, never as pre-multiplied CO2e.
* **Substrate glass**: the release's unit process per m2 of panel (``display.substrate_glass.lcd``: two sheets,
  array and colour filter, ``display.substrate_glass.oled``: the backplane sheet only) at the CPCD display-glass
  factor, or a declared ``substrate.glass_kg_per_m2`` at the same factor.
* **Other materials** (polarisers, liquid crystal, OLED materials, driver ICs, backlight for LCD): no public
  factor was confirmed; a declared item names its own factor id, otherwise the item is a named data gap.

Mother-glass utilisation: ``substrate.utilisation`` (fraction of processed glass area that ends up in panels,
default 1) divides every per-m2 input, since the fab processes the whole sheet. A panel larger than the largest
mother glass in the sources (``AREA_COVERED_M2``, Gen 8.6) is computed, flagged as an extrapolation, and its
electricity and glass get a range widened by the relative distance outside.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.errors import SpecificationError
from footprint.model import AmountUncertainty, ElectricitySettings, FactorSet, Identity, Input, Process, ProductSpec

__all__ = ["AREA_COVERED_M2", "DisplayPanel", "build"]

Technology = Literal["a-si_lcd", "oxide_lcd", "ltps_lcd", "oled"]
Gas = Literal["CF4", "C2F6", "C3F8", "c-C4F8", "CHF3", "NF3", "SF6"]
GasProcess = Literal["etch", "cvd_clean", "remote_clean"]
Item = Literal["polariser", "liquid_crystal", "oled_materials", "driver_ic", "backlight", "encapsulation", "other"]

#: Gas names as the GWP100 table spells them (CHF3 is HFC-23).
GWP_NAME = {"CHF3": "HFC-23"}
#: Unit processes of the release: (process, gas) -> factor id; absent pairs have no default in Table I-6.
FGAS_FACTORS: dict[tuple[str, str], str] = {
    ("etch", "CF4"): "display.fgas.etch.cf4", ("etch", "CHF3"): "display.fgas.etch.chf3",
    ("etch", "c-C4F8"): "display.fgas.etch.c-c4f8", ("etch", "SF6"): "display.fgas.etch.sf6",
    ("cvd_clean", "NF3"): "display.fgas.cvd_clean.nf3", ("remote_clean", "NF3"): "display.fgas.remote_clean.nf3",
    ("cvd_clean", "SF6"): "display.fgas.cvd_clean.sf6",
}
GLASS = {"lcd": "display.substrate_glass.lcd", "oled": "display.substrate_glass.oled"}
GLASS_MATERIAL = "cpcd.37192X0012022B"
NATURAL_GAS = "fuel.natural_gas.combustion.ipcc2006"
DIESEL = "fuel.diesel.combustion.ipcc2006"
#: The largest mother glass in the sources: Gen 8.6, 2250 mm x 2600 mm (see data/curated/display.csv).
AREA_COVERED_M2 = 2.25 * 2.6
#: Items a panel of each family has and no public factor covers (named as gaps unless declared).
EXPECTED_ITEMS: dict[str, tuple[Item, ...]] = {
    "lcd": ("polariser", "liquid_crystal", "driver_ic", "backlight"),
    "oled": ("polariser", "oled_materials", "driver_ic", "encapsulation"),
}


def family(technology: str) -> Literal["lcd", "oled"]:
    """``lcd`` for the TFT-LCD technologies, ``oled`` for OLED."""
    return "oled" if technology == "oled" else "lcd"


class FabEnergy(BaseModel):
    """Measured energy of the panel fab per m2 of panel (primary data)."""

    model_config = ConfigDict(extra="forbid")
    electricity_kwh_per_m2: float | None = Field(default=None, ge=0, le=10_000)
    natural_gas_mj_per_m2: float = Field(default=0, ge=0, le=100_000)
    diesel_mj_per_m2: float = Field(default=0, ge=0, le=100_000)


class ProcessGas(BaseModel):
    """One fluorinated gas of the fab, per m2 of panel: consumed (Table I-6 defaults apply) or emitted."""

    model_config = ConfigDict(extra="forbid")
    gas: Gas
    process: GasProcess = "etch"
    consumed_kg_per_m2: float | None = Field(default=None, ge=0, le=100)
    emitted_kg_per_m2: float | None = Field(default=None, ge=0, le=100, description="before abatement")
    abatement: float = Field(default=0, ge=0, le=1, description="share destroyed: fraction treated x efficiency")


class Substrate(BaseModel):
    """Substrate glass: a declared mass replaces the release's default sheets."""

    model_config = ConfigDict(extra="forbid")
    glass_kg_per_m2: float | None = Field(default=None, gt=0, le=50)
    utilisation: float = Field(default=1.0, gt=0.05, le=1, description="panel area / processed glass area")


class MaterialItem(BaseModel):
    """A declared material or component per panel, at a named release factor."""

    model_config = ConfigDict(extra="forbid")
    item: Item
    amount: float = Field(gt=0, le=1_000_000)
    unit: str = Field(min_length=1, max_length=20)
    factor: str = Field(min_length=3, max_length=160)


class DisplayPanel(BaseModel):
    """The file a panel maker writes."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["display_panel"]
    category: str | None = None
    name: str
    model: str | None = None
    manufacturer: str | None = None
    gtin: str | None = None
    technology: Technology
    area_m2: float = Field(gt=0, le=100, description="panel area, m2 (100 m2 is far beyond any mother glass)")
    diagonal_inch: float | None = Field(default=None, gt=0, le=400)
    fab_region: str = Field(default="CN", min_length=2, max_length=20)
    fab: FabEnergy = FabEnergy()
    process_gases: list[ProcessGas] = Field(default_factory=list, max_length=50)
    substrate: Substrate = Substrate()
    materials: list[MaterialItem] = Field(default_factory=list, max_length=100)
    electricity: ElectricitySettings = ElectricitySettings()
    supplier_labels: list[str] = Field(default_factory=list, description="label ids of cited suppliers (recorded)")

    @model_validator(mode="after")
    def _check(self) -> DisplayPanel:
        if self.fab.electricity_kwh_per_m2 is None:
            raise SpecificationError("no public per-m2 fab electricity is in the factor release: give the fab's "
                                     "measured electricity per m2 of panel", "fab.electricity_kwh_per_m2")
        for i, g in enumerate(self.process_gases):
            if (g.consumed_kg_per_m2 is None) == (g.emitted_kg_per_m2 is None):
                raise SpecificationError("give one of consumed_kg_per_m2 or emitted_kg_per_m2",
                                         f"process_gases[{i}].consumed_kg_per_m2")
            if g.consumed_kg_per_m2 is not None and (g.process, g.gas) not in FGAS_FACTORS:
                raise SpecificationError(f"no default utilisation for {g.gas} in {g.process} (40 CFR 98 Table I-6): "
                                         "give emitted_kg_per_m2", f"process_gases[{i}].consumed_kg_per_m2")
        if self.technology != "oled" and any(m.item in ("oled_materials",) for m in self.materials):
            raise SpecificationError("oled_materials declared for an LCD panel", "materials")
        return self


def _widened(amount: float, widen: float, what: str) -> AmountUncertainty | None:
    if not widen or amount == 0:
        return None
    return AmountUncertainty(distribution="triangular", minimum=amount * max(0.0, 1 - widen),
                             maximum=amount * (1 + widen), parameter="display.extrapolation.area",
                             description=f"{what}: area extrapolation, +/-{widen:.0%}")


def build(p: DisplayPanel, factors: FactorSet) -> ProductSpec:
    """The process system of one panel (see the module docstring)."""
    fam, area, region = family(p.technology), p.area_m2, p.fab_region
    per = area / p.substrate.utilisation  # processed glass area behind one panel, m2
    widen = max(0.0, (area - AREA_COVERED_M2) / AREA_COVERED_M2)
    gaps: list[str] = []
    processes: list[Process] = []
    if widen:
        gaps.append(f"Extrapolation: area_m2 = {area:g} is above the largest mother glass in the sources "
                    f"(Gen 8.6, {AREA_COVERED_M2:.2f} m2); electricity and glass ranges widened by {widen:.0%}.")

    # substrate glass
    if p.substrate.glass_kg_per_m2 is not None:
        factors.get(GLASS_MATERIAL, "substrate.glass_kg_per_m2")
        kg = p.substrate.glass_kg_per_m2 * per
        glass_in = Input(factor=GLASS_MATERIAL, amount=kg, unit="kg", uncertainty=_widened(kg, widen, "glass"),
                         label=f"substrate glass {p.substrate.glass_kg_per_m2:g} kg/m2 (declared)")
        processes.append(Process(id="substrate_glass", name="Substrate glass (declared mass)", stage="raw_materials",
                                 inputs=(glass_in,), primary_data=True))
    else:
        unit_process = factors.get(GLASS[fam], "technology")
        kg_m2 = unit_process.exchanges[0].amount
        glass_in = Input(factor=unit_process.id, amount=per, unit="m2", uncertainty=_widened(per, widen, "glass"),
                         label=f"substrate glass, {kg_m2:g} kg per m2 of panel (default)")
        processes.append(Process(id="substrate_glass", name="Substrate glass (default sheets)", stage="raw_materials",
                                 inputs=(glass_in,)))
        if fam == "oled":
            gaps.append("OLED substrate: only the backplane glass sheet by default; encapsulation glass, thin-film "
                        "encapsulation or a polyimide substrate are not modelled unless declared.")
    if p.substrate.utilisation == 1.0:
        gaps.append("Mother-glass utilisation not declared: edge and cutting losses are not modelled (no public "
                    "default).")

    # other materials: declared at a named factor, otherwise a named gap
    if p.materials:
        inputs = []
        for i, m in enumerate(p.materials):
            factors.get(m.factor, f"materials[{i}].factor")
            inputs.append(Input(factor=m.factor, amount=m.amount, unit=m.unit, label=f"{m.item} (declared)"))
        processes.append(Process(id="materials", name="Panel materials and components (declared)",
                                 stage="raw_materials", inputs=tuple(inputs), primary_data=True))
    declared = {m.item for m in p.materials}
    for item in EXPECTED_ITEMS[fam]:
        if item not in declared:
            gaps.append(f"{item.replace('_', ' ')}: no public factor confirmed; not modelled (declare it with a "
                        "factor id).")

    # the fab: energy, fluorinated gases, and the upstream processes
    e = float(p.fab.electricity_kwh_per_m2)  # type: ignore[arg-type]  # the model refuses None
    fab_in: list[Input] = [Input(electricity=True, amount=e * per, unit="kWh", location=region,
                                 uncertainty=_widened(e * per, widen, "fab electricity"),
                                 label=f"fab electricity {e:g} kWh/m2 (measured)")]
    if p.fab.natural_gas_mj_per_m2:
        fab_in.append(Input(factor=NATURAL_GAS, amount=p.fab.natural_gas_mj_per_m2 * per, unit="MJ",
                            label=f"natural gas {p.fab.natural_gas_mj_per_m2:g} MJ/m2 (measured)"))
    if p.fab.diesel_mj_per_m2:
        fab_in.append(Input(factor=DIESEL, amount=p.fab.diesel_mj_per_m2 * per, unit="MJ",
                            label=f"diesel {p.fab.diesel_mj_per_m2:g} MJ/m2 (measured)"))
    emitted: dict[str, float] = {}
    fgas_kg_co2e_basis: list[dict[str, object]] = []
    for i, g in enumerate(p.process_gases):
        keep = 1.0 - g.abatement
        if g.consumed_kg_per_m2 is not None:
            fid = FGAS_FACTORS[(g.process, g.gas)]
            factors.get(fid, f"process_gases[{i}].process")
            if g.consumed_kg_per_m2 * keep > 0:
                fab_in.append(Input(factor=fid, amount=g.consumed_kg_per_m2 * per * keep, unit="kg",
                                    label=f"{g.gas} {g.process}: {g.consumed_kg_per_m2:g} kg/m2 consumed, "
                                          f"{g.abatement:.1%} abated"))
        else:
            name = GWP_NAME.get(g.gas, g.gas)
            emitted[name] = emitted.get(name, 0.0) + float(g.emitted_kg_per_m2) * per * keep  # type: ignore[arg-type]
        fgas_kg_co2e_basis.append({"gas": g.gas, "process": g.process, "abatement": g.abatement,
                                   "consumed_kg_per_m2": g.consumed_kg_per_m2,
                                   "emitted_kg_per_m2": g.emitted_kg_per_m2})
    if not p.process_gases:
        gaps.append("Process fluorinated gases (NF3, SF6, CF4 ...) not declared: not modelled. No public per-m2 "
                    "default by gas was confirmed (IPCC 2019 Refinement Tier 1 table not read); declare the fab's "
                    "gases and abatement.")
    emitted = {k: v for k, v in emitted.items() if v > 0}
    fab_in += [Input(process=q.id, amount=1, unit="piece") for q in processes]
    processes.append(Process(id="fab", name=f"Panel fab ({p.technology}): array, cell, module", stage="production",
                             location=region, inputs=tuple(fab_in), emissions=emitted, primary_data=True))
    gaps += ["Fab chemicals other than fluorinated gases (wet etchants, photoresist, solvents), water, "
             "wastewater and waste treatment: no public factor; not modelled.",
             "Distribution and end of life: not modelled (cradle-to-gate)."]
    extra: dict[str, object] = {
        "kind": "display_panel", "display.technology": p.technology, "display.area_m2": area,
        "display.fab_region": region, "display.fab_electricity_kwh_per_m2": e,
        "display.glass_area_per_panel_m2": per, "display.process_gases": fgas_kg_co2e_basis,
        "display.extrapolation": bool(widen), "display.supplier_labels": list(p.supplier_labels),
    }
    if p.diagonal_inch:
        extra["display.diagonal_inch"] = p.diagonal_inch
    return ProductSpec(
        identity=Identity(name=p.name, model=p.model, manufacturer=p.manufacturer, gtin=p.gtin),
        declared_unit=f"1 panel ({area:g} m2)", boundary="cradle-to-gate", reference_process="fab",
        processes=tuple(processes), electricity=p.electricity, data_gaps=tuple(gaps), extra=extra)
