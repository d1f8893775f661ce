"""Solve a product system with bw2calc and turn the matrices back into a readable result.

``calculate`` is the one entry point. An :class:`Engine` keeps, per thread, one bw2calc ``LCA`` for each
matrix layout it has seen: a second product with the same layout (other amounts, other regions) only
refills the matrices and re-runs bw2calc's own ``lci_calculation``/``lcia_calculation``, which skips the
mapping and set-up that make up almost all of a fresh ``LCA``'s time.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from footprint.electricity import SERIES_LABELS, electricity_result
from footprint.errors import ImplausibleValue, SingularSystem, SpecificationError
from footprint.matrices import GAS_ID_OFFSET, System, build_system, datapackage
from footprint.model import (
    BASES,
    BIOGENIC,
    SCREENING_ESTIMATE_SHARE,
    STAGES,
    Contribution,
    DataQuality,
    ElectricityResult,
    FactorSet,
    GasResult,
    ProductSpec,
    Result,
)
from footprint.solved import Solved
from footprint.uncertainty import monte_carlo

#: Largest footprint of one declared unit the engine answers: 10^12 kg (a gigatonne, about a fiftieth of the
#: world's yearly emissions). Beyond it the input is wrong (a unit slip, an overflow), and a total that is not
#: finite cannot be stored or signed.
MAX_TOTAL_KG_CO2E = 1e12

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # bw2calc warns at import that pypardiso is absent: not needed here
    import bw2calc as bc

METHOD_NAME = "IPCC AR6 GWP100"
#: Monte Carlo seeds are numpy RandomState seeds.
MAX_SEED = 2**32 - 1
STANDARD = "GB/T 24067-2024 (ISO 14067:2018)"

#: PEF data-quality rating bands (Commission Recommendation (EU) 2021/2279, Annex I, table 21).
DQR_BANDS = ((1.6, "excellent"), (2.0, "very good"), (3.0, "good"), (4.0, "fair"), (5.01, "poor"))


@dataclass
class _Scatter:
    """Where each entry of a system's value list lands in a CSR matrix's ``data`` (duplicates summed)."""

    slots: np.ndarray
    size: int

    @classmethod
    def attach(cls, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> tuple[_Scatter, Any]:
        """The scatter map and an empty CSR skeleton with exactly the entries' positions."""
        keys = rows.astype(np.int64) * shape[1] + cols
        unique, slots = np.unique(keys, return_inverse=True)
        skeleton = sparse.csr_matrix(
            (np.ones(len(unique)), (unique // shape[1], unique % shape[1])), shape=shape
        )
        return cls(slots=slots, size=len(unique)), skeleton

    def fill(self, matrix: Any, values: np.ndarray) -> None:
        matrix.data[:] = np.bincount(self.slots, weights=values, minlength=self.size)


@dataclass
class _Prepared:
    lca: Any
    tech: _Scatter
    tech_sign: np.ndarray
    node_cols: np.ndarray
    gas_rows: np.ndarray
    gwp: np.ndarray  # characterisation factor of each gas, in the system's order
    bio_flat: np.ndarray  # gas * n_nodes + node of each biosphere entry, in the system's order


class Engine:
    """Caches bw2calc set-ups by matrix layout, one cache per thread (an ``LCA`` is not thread-safe)."""

    def __init__(self, max_layouts: int = 64) -> None:
        self._local = threading.local()
        self.max_layouts = max_layouts

    def _cache(self) -> dict[tuple[object, ...], _Prepared]:
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        return cache  # type: ignore[no-any-return]

    def solve(self, system: System, factors: FactorSet) -> Solved:
        """Solve ``system``; re-use a prepared LCA when one with the same layout exists."""
        key = (*system.signature(), factors.release_sha256)
        cache = self._cache()
        prepared = cache.get(key)
        if prepared is None:
            prepared = _prepare(system, factors)
            if len(cache) >= self.max_layouts:
                cache.pop(next(iter(cache)))
            cache[key] = prepared
        return _solve(prepared, system)


def fresh_solve(system: System, factors: FactorSet) -> Solved:
    """Solve the plain way: a new ``bw2calc.LCA`` on the datapackage, ``lci()``, ``lcia()``.

    The engine's cached path must give the same numbers (the tests compare them); benchmarks time both.
    """
    dp, demand_id = datapackage(system, factors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lca = bc.LCA({demand_id: 1.0}, data_objs=[dp])
        lca.lci()
    if not np.all(np.isfinite(lca.supply_array)):
        raise SingularSystem("the technosphere matrix is singular: check process loops and outputs")
    lca.lcia()
    act, bio = lca.dicts.activity, lca.dicts.biosphere
    node_cols = np.array([act[i] for i in range(1, len(system.nodes) + 1)])
    gas_rows = np.array([bio[GAS_ID_OFFSET + g] for g in range(len(system.gases))])
    char = lca.characterized_inventory.toarray()
    return Solved(
        supply=np.asarray(lca.supply_array)[node_cols],
        node_scores=char.sum(axis=0)[node_cols],
        gas_kg=lca.inventory.toarray().sum(axis=1)[gas_rows],
        gas_co2e=char.sum(axis=1)[gas_rows],
    )


def _prepare(system: System, factors: FactorSet) -> _Prepared:
    """A bw2calc ``LCA`` with its mappings, demand and characterisation loaded from the datapackage."""
    dp, demand_id = datapackage(system, factors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lca = bc.LCA({demand_id: 1.0}, data_objs=[dp])
        try:
            lca.load_lci_data()
        except bc.errors.NonsquareTechnosphere as exc:  # pragma: no cover - our builder makes it square
            raise SingularSystem(str(exc)) from exc
        lca.build_demand_array()
        lca.load_lcia_data()
    act = lca.dicts.activity
    prod = lca.dicts.product
    bio = lca.dicts.biosphere
    node_ids = range(1, len(system.nodes) + 1)
    node_cols = np.array([act[i] for i in node_ids], dtype=np.int64)
    node_rows = np.array([prod[i] for i in node_ids], dtype=np.int64)
    gas_rows = np.array([bio[GAS_ID_OFFSET + g] for g in range(len(system.gases))], dtype=np.int64)
    # From here on the technosphere is a skeleton of our own with a known entry order, whose ``data`` each
    # solve overwrites in place. The biosphere is read from the system directly (see ``_solve``); bw2calc's
    # own biosphere and inventory matrices are not used after this.
    tech, lca.technosphere_matrix = _Scatter.attach(
        node_rows[system.tech_rows], node_cols[system.tech_cols], lca.technosphere_matrix.shape
    )
    return _Prepared(
        lca=lca,
        tech=tech,
        tech_sign=np.where(np.asarray(system.tech_flip), -1.0, 1.0),
        node_cols=node_cols,
        gas_rows=gas_rows,
        gwp=lca.characterization_matrix.diagonal()[gas_rows],
        bio_flat=np.asarray(system.bio_rows, dtype=np.int64) * len(system.nodes) + np.asarray(system.bio_cols),
    )


def _solve(prepared: _Prepared, system: System) -> Solved:
    """Refill the technosphere, let bw2calc solve it, then read inventory and scores.

    ``B diag(s)`` and its characterisation are what bw2calc's ``lci_calculation``/``lcia_calculation``
    compute; here they are taken on the few gas rows directly, which spares building sparse diagonal
    matrices (three quarters of the time of a small system).
    """
    lca = prepared.lca
    prepared.tech.fill(lca.technosphere_matrix, np.asarray(system.tech_data) * prepared.tech_sign)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a singular matrix warns, then gives NaN: reported below
        supply_all = lca.solve_linear_system()
    if not np.all(np.isfinite(supply_all)):
        raise SingularSystem("the technosphere matrix is singular: check process loops and outputs")
    supply = supply_all[prepared.node_cols]
    n_gases, n_nodes = len(prepared.gas_rows), len(prepared.node_cols)
    biosphere = np.bincount(prepared.bio_flat, weights=np.asarray(system.bio_data, dtype=float),
                            minlength=n_gases * n_nodes).reshape(n_gases, n_nodes)
    inventory = biosphere * supply
    scored = inventory * prepared.gwp[:, None]
    return Solved(
        supply=supply,
        node_scores=scored.sum(axis=0),
        gas_kg=inventory.sum(axis=1),
        gas_co2e=scored.sum(axis=1),
    )


_DEFAULT_ENGINE = Engine()


def calculate(
    spec: ProductSpec,
    factors: FactorSet,
    *,
    top_n: int = 10,
    iterations: int = 0,
    seed: int | None = None,
    engine: Engine | None = None,
) -> Result:
    """The footprint of one declared unit of ``spec``.

    Args:
        spec: the product system.
        factors: the factor release to compute with.
        top_n: how many processes to list before grouping the rest.
        iterations: Monte Carlo iterations (0: none).
        seed: seed of the Monte Carlo run, for reproducible results.
        engine: an engine whose cache to use (the module's own by default).
    """
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise SpecificationError(f"seed must be between 0 and {MAX_SEED}", "seed")
    system = build_system(spec, factors)
    solved = (engine or _DEFAULT_ENGINE).solve(system, factors)
    return assemble(spec, factors, system, solved, top_n=top_n, iterations=iterations, seed=seed)


def assemble(
    spec: ProductSpec,
    factors: FactorSet,
    system: System,
    solved: Solved,
    *,
    top_n: int = 10,
    iterations: int = 0,
    seed: int | None = None,
) -> Result:
    """Turn a solved system into a :class:`Result`."""
    scores = solved.node_scores
    total = float(scores.sum())
    if not math.isfinite(total) or not np.isfinite(scores).all() or abs(total) > MAX_TOTAL_KG_CO2E:
        raise ImplausibleValue(f"the footprint comes to {total:.3g} kg CO2e per {spec.declared_unit}: no product's "
                               f"footprint is beyond {MAX_TOTAL_KG_CO2E:.0e} kg (check the amounts and units)",
                               "processes")
    stages = dict.fromkeys(STAGES, 0.0)
    by_owner: dict[str, float] = defaultdict(float)
    for node, score in zip(system.nodes, scores, strict=True):
        stages[node.stage] += float(score)
        by_owner[node.owner] += float(score)

    names = {p.id: (p.name or p.id, p.stage) for p in spec.processes}
    denominator = total if total else 1.0
    ranked = sorted(by_owner.items(), key=lambda kv: -abs(kv[1]))
    contributions = [
        Contribution(process=pid, name=names[pid][0], stage=names[pid][1], kg_co2e=v, share=v / denominator)
        for pid, v in ranked[:top_n]
    ]
    rest = sum(v for _, v in ranked[top_n:])
    if len(ranked) > top_n:
        contributions.append(
            Contribution(process="(rest)", name=f"{len(ranked) - top_n} other processes", stage="",
                         kg_co2e=rest, share=rest / denominator)
        )

    gases = {
        gas: GasResult(kg=float(kg), kg_co2e=float(co2e))
        for gas, kg, co2e in zip(system.gases, solved.gas_kg, solved.gas_co2e, strict=True)
    }
    biogenic = gases[BIOGENIC].kg_co2e if BIOGENIC in gases else 0.0
    basis_kg = dict.fromkeys(BASES, 0.0)
    for n, s in zip(system.nodes, scores, strict=True):
        basis_kg[n.basis] += abs(float(s))
    weight = sum(basis_kg.values()) or 1.0
    data_basis = {b: round(kg / weight, 4) for b, kg in basis_kg.items()}
    screening = basis_kg["estimate"] / weight >= SCREENING_ESTIMATE_SHARE

    extra: dict[str, Any] = dict(spec.extra)
    wp = spec.extra.get("rated_power_wp")
    if wp:
        extra["per_kwp_kg_co2e"] = total / (float(wp) / 1000.0)
    lifetime_kwh = spec.extra.get("lifetime_energy_kwh")
    if lifetime_kwh:
        extra["per_kwh_g_co2e"] = total * 1000.0 / float(lifetime_kwh)

    electricity: ElectricityResult = electricity_result(spec, factors, system, solved, total)
    _battery_figures(extra, total, stages, electricity)
    _display_figures(extra, total, electricity)
    uncertainty = (
        monte_carlo(system, solved, factors, iterations=iterations, seed=seed) if iterations > 0 else None
    )
    return Result(
        product=spec.identity.name,
        declared_unit=spec.declared_unit,
        boundary=spec.boundary,
        total_kg_co2e=total,
        stages=stages,
        gases=gases,
        fossil_kg_co2e=total - biogenic,
        biogenic_kg_co2e=biogenic,
        contributions=contributions,
        primary_data_share=basis_kg["primary"] / weight,  # issue 17: the primary part of the data basis
        data_quality=data_quality(system, scores, factors, screening=screening),
        data_basis=data_basis,
        screening_estimate=screening,
        electricity=electricity,
        uncertainty=uncertainty,
        factor_release={"id": factors.release_id, "sha256": factors.release_sha256},
        method={
            "name": METHOD_NAME,
            "standard": STANDARD,
            "engine": f"bw2calc {bc.__version__} on in-memory bw_processing datapackages",
            "electricity": f"location-based, {spec.electricity.series} {spec.electricity.year}: "
            + SERIES_LABELS.get(spec.electricity.series, spec.electricity.series),
        },
        input_sha256=spec.sha256(),
        data_gaps=list(spec.data_gaps) + system.notes,
        extra=extra,
    )


def _battery_figures(extra: dict[str, Any], total: float, stages: dict[str, float],
                     electricity: ElectricityResult) -> None:
    """Per-kWh figures of a battery (capacity, and lifetime energy where declared) and its declaration stages."""
    capacity = extra.get("battery.capacity_kwh")
    if capacity:
        extra["battery.kg_co2e_per_kwh_capacity"] = total / float(capacity)
        extra["battery.kg_co2e_per_kwh_capacity_market_based"] = (electricity.total_market_based_kg_co2e
                                                                   / float(capacity))
    lifetime = extra.get("battery.lifetime_energy_kwh")
    if lifetime:
        extra["battery.kg_co2e_per_kwh_lifetime"] = total / float(lifetime)
    mapping = extra.get("declaration_stages")
    if mapping:
        extra["declaration_stages_kg_co2e"] = {k: sum(stages.get(s, 0.0) for s in v) for k, v in mapping.items()}


def _display_figures(extra: dict[str, Any], total: float, electricity: ElectricityResult) -> None:
    """Per-m2 figures of a display panel (the category rule's declared unit is 1 m2 of panel)."""
    area = extra.get("display.area_m2")
    if area:
        extra["display.kg_co2e_per_m2"] = total / float(area)
        extra["display.kg_co2e_per_m2_market_based"] = electricity.total_market_based_kg_co2e / float(area)
        extra["display.kg_co2e_per_panel"] = total


def data_quality(system: System, scores: np.ndarray, factors: FactorSet, *,
                 screening: bool = False) -> DataQuality | None:
    """Contribution-weighted pedigree scores of the factors used (nodes without pedigree are skipped). A
    screening estimate is labelled so, whatever the pedigree of the factors: estimates are never excellent."""
    weights: list[float] = []
    rows: list[tuple[int, int, int, int, int]] = []
    for node, score in zip(system.nodes, scores, strict=True):
        if node.factor_id is None:
            continue
        pedigree = factors.factors[node.factor_id].pedigree
        if pedigree is None or score == 0:
            continue
        weights.append(abs(float(score)))
        rows.append(pedigree)
    if not rows:
        return None
    w = np.asarray(weights) / sum(weights)
    mean = (np.asarray(rows, dtype=float) * w[:, None]).sum(axis=0)
    rating = float(mean.mean())
    label = "screening estimate" if screening else next(name for bound, name in DQR_BANDS if rating <= bound)
    r, c, t, g, tech = (round(float(x), 2) for x in mean)
    return DataQuality(
        reliability=r, completeness=c, temporal=t, geographical=g, technological=tech,
        rating=round(rating, 2), label=label,
    )
