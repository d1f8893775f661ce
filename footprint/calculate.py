"""Solve a product system with bw2calc and turn the matrices back into a readable result.

``calculate`` is the one entry point. An :class:`Engine` keeps, per thread, one bw2calc ``LCA`` for each
matrix layout it has seen: a second product with the same layout (other amounts, other regions) only
refills the matrices and re-runs bw2calc's own ``lci_calculation``/``lcia_calculation``, which skips the
mapping and set-up that make up almost all of a fresh ``LCA``'s time.
"""

from __future__ import annotations

import threading
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from footprint.electricity import SERIES_LABELS, electricity_result
from footprint.errors import SingularSystem
from footprint.matrices import GAS_ID_OFFSET, System, build_system, datapackage
from footprint.model import (
    BIOGENIC,
    STAGES,
    Contribution,
    DataQuality,
    ElectricityResult,
    FactorSet,
    GasResult,
    ProductSpec,
    Result,
)
from footprint.uncertainty import monte_carlo

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # bw2calc warns at import that pypardiso is absent: not needed here
    import bw2calc as bc

METHOD_NAME = "IPCC AR6 GWP100"
STANDARD = "GB/T 24067-2024 (ISO 14067:2018)"

#: PEF data-quality rating bands (Commission Recommendation (EU) 2021/2279, Annex I, table 21).
DQR_BANDS = ((1.6, "excellent"), (2.0, "very good"), (3.0, "good"), (4.0, "fair"), (5.01, "poor"))


@dataclass
class _Prepared:
    lca: Any
    tech_r: np.ndarray
    tech_c: np.ndarray
    tech_sign: np.ndarray
    bio_r: np.ndarray
    bio_c: np.ndarray
    node_cols: np.ndarray
    gas_rows: np.ndarray
    shape_a: tuple[int, int]
    shape_b: tuple[int, int]


@dataclass
class Solved:
    """What a solve gives back, in the system's own node and gas order."""

    supply: np.ndarray  # per node
    node_scores: np.ndarray  # kg CO2e per node
    gas_kg: np.ndarray  # kg per gas
    gas_co2e: np.ndarray  # kg CO2e per gas


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
        else:
            _refill(prepared, system)
            _run(prepared.lca)
        return _read(prepared, system)


def fresh_solve(system: System, factors: FactorSet) -> Solved:
    """Solve with a new bw2calc ``LCA`` (the plain way; used by tests and benchmarks)."""
    return _read(_prepare(system, factors), system)


def _run(lca: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lca.lci_calculation()
    if not np.all(np.isfinite(lca.supply_array)):
        raise SingularSystem("the technosphere matrix is singular: check process loops and outputs")
    lca.lcia_calculation()


def _prepare(system: System, factors: FactorSet) -> _Prepared:
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
    _run(lca)
    act = lca.dicts.activity
    prod = lca.dicts.product
    bio = lca.dicts.biosphere
    node_ids = np.arange(1, len(system.nodes) + 1)
    tech_r = np.array([prod[int(node_ids[r])] for r in system.tech_rows])
    tech_c = np.array([act[int(node_ids[c])] for c in system.tech_cols])
    bio_r = np.array([bio[GAS_ID_OFFSET + r] for r in system.bio_rows])
    bio_c = np.array([act[int(node_ids[c])] for c in system.bio_cols])
    return _Prepared(
        lca=lca,
        tech_r=tech_r,
        tech_c=tech_c,
        tech_sign=np.where(np.asarray(system.tech_flip), -1.0, 1.0),
        bio_r=bio_r,
        bio_c=bio_c,
        node_cols=np.array([act[int(i)] for i in node_ids]),
        gas_rows=np.array([bio[GAS_ID_OFFSET + g] for g in range(len(system.gases))]),
        shape_a=lca.technosphere_matrix.shape,
        shape_b=lca.biosphere_matrix.shape,
    )


def _refill(prepared: _Prepared, system: System) -> None:
    lca = prepared.lca
    lca.technosphere_matrix = sparse.csr_matrix(
        (np.asarray(system.tech_data) * prepared.tech_sign, (prepared.tech_r, prepared.tech_c)),
        shape=prepared.shape_a,
    )
    lca.biosphere_matrix = sparse.csr_matrix(
        (np.asarray(system.bio_data), (prepared.bio_r, prepared.bio_c)), shape=prepared.shape_b
    )


def _read(prepared: _Prepared, system: System) -> Solved:
    lca = prepared.lca
    char = lca.characterized_inventory
    col_scores = np.asarray(char.sum(axis=0)).ravel()
    gas_co2e = np.asarray(char.sum(axis=1)).ravel()
    gas_kg = np.asarray(lca.inventory.sum(axis=1)).ravel()
    return Solved(
        supply=np.asarray(lca.supply_array)[prepared.node_cols],
        node_scores=col_scores[prepared.node_cols],
        gas_kg=gas_kg[prepared.gas_rows],
        gas_co2e=gas_co2e[prepared.gas_rows],
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
    primary = float(sum(s for n, s in zip(system.nodes, scores, strict=True) if n.primary))

    extra: dict[str, Any] = dict(spec.extra)
    wp = spec.extra.get("rated_power_wp")
    if wp:
        extra["per_kwp_kg_co2e"] = total / (float(wp) / 1000.0)
    lifetime_kwh = spec.extra.get("lifetime_energy_kwh")
    if lifetime_kwh:
        extra["per_kwh_g_co2e"] = total * 1000.0 / float(lifetime_kwh)

    electricity: ElectricityResult = electricity_result(spec, factors, system, solved, total)
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
        primary_data_share=primary / denominator,
        data_quality=data_quality(system, scores, factors),
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


def data_quality(system: System, scores: np.ndarray, factors: FactorSet) -> DataQuality | None:
    """Contribution-weighted pedigree scores of the factors used (nodes without pedigree are skipped)."""
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
    label = next(name for bound, name in DQR_BANDS if rating <= bound)
    r, c, t, g, tech = (round(float(x), 2) for x in mean)
    return DataQuality(
        reliability=r, completeness=c, temporal=t, geographical=g, technological=tech,
        rating=round(rating, 2), label=label,
    )
