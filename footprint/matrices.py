"""Specification + factor set -> the arrays of a product system -> an in-memory bw_processing datapackage.

Every input of a process gets its own node (a factor used by two processes is two nodes), so that each
node's score belongs to exactly one process and one life-cycle stage, and changing a region or an amount
never changes the structure of the matrices (only their values): variants can re-use a solver set-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from footprint.errors import ImplausibleValue, SpecificationError
from footprint.model import BIOGENIC, UNSPLIT, AmountLaw, FactorData, FactorSet, ProductSpec, national_region
from footprint.units import convert

GAS_ID_OFFSET = 10_000_000
MAX_DEPTH = 8  # nested unit processes; the PV chain needs 2
#: An input above this many kg-equivalents per declared unit is almost certainly a unit error.
MAX_FACTOR_AMOUNT = 1e7

_GAS_ALIASES = {"CO2": "CO2-fossil", "CO2-fossil": "CO2-fossil", "CO2e": UNSPLIT}


def gas_key(name: str) -> str:
    """Canonical key of a gas as the engine books it."""
    return _GAS_ALIASES.get(name, name)


def input_basis(explicit: str | None, factor: FactorData | None, primary: bool) -> str:
    """What an input rests on: its declared basis; else a supplier's own footprint; else a class fit (``fit.*``:
    an estimate); else primary for a process with measured activity data; else secondary."""
    if explicit:
        return explicit
    if factor is not None and factor.basis:
        return factor.basis
    if factor is not None and factor.id.startswith("fit."):
        return "estimate"
    return "primary" if primary else "secondary"


@dataclass(slots=True)
class Node:
    """A column of the technosphere: a foreground process, or one input of one."""

    key: str
    kind: str  # process | factor | electricity | unit_process
    owner: str  # foreground process the node's burden is reported under
    stage: str
    label: str
    factor_id: str | None = None
    primary: bool = False
    basis: str = "secondary"  # one of footprint.model.BASES


@dataclass(frozen=True, slots=True)
class EntryLaw:
    """The distribution of one technosphere entry, as a multiplier of its stated value (1 = stated).

    Entries with the same ``parameter`` are drawn together. ``description`` says what the parameter is.
    """

    entry: int  # index into the system's technosphere lists
    parameter: str
    distribution: str  # triangular | uniform | lognormal
    low: float  # multiplier bounds (triangular, uniform); nan for lognormal
    high: float
    gsd: float  # lognormal; nan otherwise
    description: str = ""


@dataclass(slots=True)
class System:
    """The arrays of one product system, ready for bw_processing."""

    nodes: list[Node]
    tech_rows: list[int] = field(default_factory=list)
    tech_cols: list[int] = field(default_factory=list)
    tech_data: list[float] = field(default_factory=list)
    tech_flip: list[bool] = field(default_factory=list)
    bio_rows: list[int] = field(default_factory=list)  # index into gases
    bio_cols: list[int] = field(default_factory=list)
    bio_data: list[float] = field(default_factory=list)
    gases: list[str] = field(default_factory=list)
    demand: int = 0
    notes: list[str] = field(default_factory=list)
    electricity: list[dict[str, object]] = field(default_factory=list)  # one per electricity node
    laws: list[EntryLaw] = field(default_factory=list)  # technosphere entries with a distribution

    def signature(self) -> tuple[object, ...]:
        """What must be equal for two systems to share one matrix layout."""
        return (
            tuple(n.key for n in self.nodes),
            tuple(self.tech_rows),
            tuple(self.tech_cols),
            tuple(self.tech_flip),
            tuple(self.bio_rows),
            tuple(self.bio_cols),
            tuple(self.gases),
        )


class _Builder:
    def __init__(self, spec: ProductSpec, factors: FactorSet) -> None:
        self.spec = spec
        self.factors = factors
        self.system = System(nodes=[])
        self.gas_index: dict[str, int] = {}
        self.process_node: dict[str, int] = {}
        self.laws_by_parameter: dict[str, EntryLaw] = {}

    # ----------------------------------------------------------------------------------------- helpers
    def _node(self, node: Node) -> int:
        self.system.nodes.append(node)
        return len(self.system.nodes) - 1

    def _tech(self, row: int, col: int, amount: float, flip: bool, law: AmountLaw | None = None,
              parameter: str = "", description: str = "", path: str = "") -> None:
        s = self.system
        s.tech_rows.append(row)
        s.tech_cols.append(col)
        s.tech_data.append(amount)
        s.tech_flip.append(flip)
        if law is None or amount == 0:
            return
        kind, low, high, gsd = law.relative(amount)
        if kind != "lognormal" and low == high == 1.0:
            return  # a range of one value: exact
        entry = EntryLaw(len(s.tech_data) - 1, parameter, kind, low, high, gsd, description)
        same = self.laws_by_parameter.setdefault(parameter, entry)
        if same is not entry and not (same.distribution == kind and np.allclose(
                [same.low, same.high, same.gsd], [low, high, gsd], rtol=1e-6, equal_nan=True)):
            raise SpecificationError(
                f"parameter {parameter!r} is used with two different relative ranges; give each use its own "
                "parameter name", path)
        s.laws.append(entry)

    def _bio(self, gas: str, col: int, amount: float, path: str) -> None:
        key = gas_key(gas)
        if key not in self.factors.gwp100 and key not in (UNSPLIT, BIOGENIC, "CO2-fossil"):
            known = ", ".join(sorted(self.factors.gwp100))
            raise SpecificationError(f"unknown gas {gas!r}; known: {known}", path)
        idx = self.gas_index.setdefault(key, len(self.gas_index))
        if idx == len(self.system.gases):
            self.system.gases.append(key)
        s = self.system
        s.bio_rows.append(idx)
        s.bio_cols.append(col)
        s.bio_data.append(amount)

    def _factor_flows(self, factor: FactorData, col: int, scale: float, path: str) -> None:
        """Book a factor's gases (kg per unit) on a node; CO2e its source does not split goes unsplit."""
        gwp = self.factors.gwp100
        split_co2e = 0.0
        for gas, kg in factor.gases.items():
            self._bio(gas, col, kg * scale, path)
            split_co2e += kg * gwp.get(gas_key(gas), 1.0)
        rest = factor.value_kg_co2e - split_co2e
        if not factor.gases or abs(rest) > 1e-9 * max(1.0, abs(factor.value_kg_co2e)):
            self._bio(UNSPLIT, col, rest * scale, path)

    # --------------------------------------------------------------------------------------- building
    def build(self) -> System:
        spec = self.spec
        by_id = {p.id: p for p in spec.processes}
        for p in spec.processes:
            self.process_node[p.id] = self._node(
                Node(f"p:{p.id}", "process", p.id, p.stage, p.name or p.id, primary=p.primary_data,
                     basis=input_basis(p.basis, None, p.primary_data))
            )
        for i, p in enumerate(spec.processes):
            col = self.process_node[p.id]
            self._tech(col, col, p.output_amount, False)
            for gas, kg in p.emissions.items():
                self._bio(gas, col, kg * p.allocation, f"processes[{i}].emissions.{gas}")
            for j, inp in enumerate(p.inputs):
                path = f"processes[{i}].inputs[{j}]"
                amount = inp.amount * p.allocation
                law = None
                if inp.uncertainty is not None:
                    u = inp.uncertainty
                    # the law scales with the amount (allocation, unit conversion): only its relative shape counts
                    law = ((u.law(), inp.amount), u.parameter or f"{p.id}:{path}", u.description, path)
                if inp.process is not None:
                    qty = convert(amount, inp.unit, by_id[inp.process].output_unit, f"{path}.unit")
                    self._tech(self.process_node[inp.process], col, qty, True, *self._law_at(law, qty))
                elif inp.electricity:
                    kwh = convert(amount, inp.unit, "kWh", f"{path}.unit")
                    self._electricity(kwh, col, p.id, p.stage, inp.location or p.location, path, p.primary_data,
                                      law=law, basis=input_basis(inp.basis, None, p.primary_data))
                else:
                    assert inp.factor is not None
                    self._factor_input(
                        inp.factor, amount, inp.unit, col, p.id, p.stage, inp.location or p.location,
                        path, p.primary_data, depth=0, label=inp.label, law=law, basis=inp.basis,
                    )
        if not self.system.bio_data:
            raise SpecificationError("the product is empty: no process has a factor, electricity or emission "
                                     "input", "processes")
        self.system.demand = self.process_node[spec.reference]
        return self.system

    @staticmethod
    def _law_at(law: tuple[tuple[AmountLaw, float], str, str, str] | None,
                qty: float) -> tuple[AmountLaw | None, str, str, str]:
        """The law of an amount that is ``qty`` in the matrix (after allocation and unit conversion)."""
        if law is None:
            return None, "", "", ""
        (base, stated), parameter, description, path = law
        if base.distribution == "lognormal" or stated == 0:
            return base, parameter, description, path
        k = qty / stated
        return AmountLaw(base.distribution, base.minimum * k, base.maximum * k), parameter, description, path  # type: ignore[operator]

    def _electricity(
        self, kwh: float, parent: int, owner: str, stage: str, region: str | None, path: str, primary: bool,
        law: tuple[tuple[AmountLaw, float], str, str, str] | None = None, basis: str | None = None,
    ) -> None:
        settings = self.spec.electricity
        if region is None:
            raise SpecificationError("electricity input needs a location (its grid region)", f"{path}.location")
        declared = region
        if settings.mode == "eu_national_mix":
            region = national_region(region)  # the EU draft's rule: the production country's national mix
        grid, note = self.factors.grid(
            region, settings.year, settings.series,
            fallback_to_national=settings.fallback_to_national, path=f"{path}.location",
        )
        if note:
            self.system.notes.append(f"{owner}: {note}")
        col = self._node(
            Node(f"e:{owner}:{path}", "electricity", owner, stage, f"electricity {region}", grid.id, primary,
                 basis or input_basis(None, None, primary))
        )
        self._tech(col, col, 1.0, False)
        self._factor_flows(grid, col, 1.0, path)
        self._tech(col, parent, kwh, True, *self._law_at(law, kwh))
        self.system.electricity.append(
            {"node": col, "process": owner, "region": region, "declared_region": declared, "factor": grid.id,
             "kwh_per_run": kwh, "kg_per_kwh": grid.value_kg_co2e}
        )

    def _factor_input(
        self, factor_id: str, amount: float, unit: str, parent: int, owner: str, stage: str,
        region: str | None, path: str, primary: bool, depth: int, label: str | None,
        law: tuple[tuple[AmountLaw, float], str, str, str] | None = None, basis: str | None = None,
    ) -> None:
        factor = self.factors.get(factor_id, f"{path}.factor")
        basis = input_basis(basis, factor, primary)  # a unit process's own inputs rest on what it rests on
        qty = convert(amount, unit, factor.unit, f"{path}.unit")
        if qty > MAX_FACTOR_AMOUNT:
            raise ImplausibleValue(
                f"{qty:g} {factor.unit} of {factor_id} per declared unit is implausible", f"{path}.amount"
            )
        kind = "unit_process" if factor.exchanges else "factor"
        col = self._node(
            Node(f"f:{owner}:{path}", kind, owner, stage, label or factor.name or factor.id, factor.id, primary,
                 basis)
        )
        self._tech(col, col, 1.0, False)
        self._tech(col, parent, qty, True, *self._law_at(law, qty))
        self._factor_flows(factor, col, 1.0, path)
        if not factor.exchanges:
            return
        if depth >= MAX_DEPTH:
            raise SpecificationError(f"unit processes nested deeper than {MAX_DEPTH}", path)
        for k, ex in enumerate(factor.exchanges):
            sub = f"{path}.exchanges[{k}]"
            # a unit process's exchange is one parameter wherever the unit process is used
            ex_law = None if ex.law is None else (
                (ex.law, ex.amount), f"{factor.id}.exchanges[{k}]",
                f"{factor.id}: {'electricity' if ex.electricity else ex.factor} {ex.amount:g} {ex.unit} "
                f"{ex.law.text()}", sub)
            if ex.electricity:
                kwh = convert(ex.amount, ex.unit, "kWh", sub)
                self._electricity(kwh, col, owner, stage, region, sub, primary, law=ex_law, basis=basis)
            else:
                assert ex.factor is not None
                self._factor_input(
                    ex.factor, ex.amount, ex.unit, col, owner, stage, region, sub, primary, depth + 1, None,
                    law=ex_law, basis=basis,
                )


def build_system(spec: ProductSpec, factors: FactorSet) -> System:
    """Compile a product specification against a factor set."""
    return _Builder(spec, factors).build()


def characterisation(system: System, factors: FactorSet) -> np.ndarray:
    """GWP100 of each gas of the system, in the system's gas order."""
    gwp = dict(factors.gwp100)
    gwp.setdefault("CO2-fossil", 1.0)
    gwp.setdefault(BIOGENIC, 1.0)
    gwp.setdefault(UNSPLIT, 1.0)
    return np.array([gwp[g] for g in system.gases], dtype=float)


def datapackage(system: System, factors: FactorSet, bio_uncertainty: np.ndarray | None = None,  # type: ignore[no-untyped-def]
                tech_uncertainty: np.ndarray | None = None):
    """An in-memory bw_processing datapackage of the system (technosphere, biosphere, characterisation).

    ``bio_uncertainty``/``tech_uncertainty``: stats_arrays rows (``bwp.UNCERTAINTY_DTYPE``) for the biosphere and
    technosphere entries, for bw2calc's own Monte Carlo (``use_distributions=True``).
    """
    import bw_processing as bwp

    node_ids = np.arange(1, len(system.nodes) + 1, dtype=np.int64)
    gas_ids = np.arange(len(system.gases), dtype=np.int64) + GAS_ID_OFFSET
    dp = bwp.create_datapackage()
    tech_idx = np.empty(len(system.tech_rows), dtype=bwp.INDICES_DTYPE)
    tech_idx["row"] = node_ids[system.tech_rows]
    tech_idx["col"] = node_ids[system.tech_cols]
    dp.add_persistent_vector(
        matrix="technosphere_matrix",
        name="technosphere",
        indices_array=tech_idx,
        data_array=np.asarray(system.tech_data, dtype=float),
        flip_array=np.asarray(system.tech_flip, dtype=bool),
        distributions_array=tech_uncertainty,
    )
    bio_idx = np.empty(len(system.bio_rows), dtype=bwp.INDICES_DTYPE)
    bio_idx["row"] = gas_ids[system.bio_rows]
    bio_idx["col"] = node_ids[system.bio_cols]
    dp.add_persistent_vector(
        matrix="biosphere_matrix",
        name="biosphere",
        indices_array=bio_idx,
        data_array=np.asarray(system.bio_data, dtype=float),
        distributions_array=bio_uncertainty,
    )
    cf_idx = np.empty(len(gas_ids), dtype=bwp.INDICES_DTYPE)
    cf_idx["row"] = gas_ids
    cf_idx["col"] = 0
    dp.add_persistent_vector(
        matrix="characterization_matrix",
        name="gwp100",
        indices_array=cf_idx,
        data_array=characterisation(system, factors),
    )
    return dp, int(node_ids[system.demand])
