"""Monte Carlo over factor uncertainty, widened by pedigree scores.

Each factor's value is the median of a lognormal whose sigma combines the factor's basic geometric
standard deviation with the pedigree uncertainty factors of the ecoinvent v3 data-quality system
(Weidema et al. 2013, *Overview and methodology, data quality guideline for the ecoinvent database
version 3*, table 10.5): ``ln(GSD²)_total = sqrt(Σ ln(U_i)²)``, the U_i being 95 % (GSD²) factors.
Draws come from stats_arrays' ``LognormalUncertainty`` (the distributions Brightway uses). A factor used
in several places is drawn once per iteration (its uses are fully correlated).

Amounts are exact unless an input (or an exchange of a unit-process factor) carries a law of its own
(:class:`footprint.model.AmountLaw`: triangular, uniform or lognormal, e.g. from a source's low/central/high):
then each parameter is drawn once per iteration through stats_arrays too, as a multiplier of its stated amount,
and the supply of every node is recomputed per iteration by passing the demand down the product tree, all
iterations at once (one vector operation per technosphere entry; a product with a loop falls back to one sparse
solve per iteration). Without such laws the supply is fixed and every iteration is one row of a matrix product:
1,000 iterations cost well under a millisecond.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import bw_processing as bwp
import numpy as np
import stats_arrays as sa

from footprint.model import STAGES, FactorData, FactorSet, UncertaintyResult

if TYPE_CHECKING:
    from footprint.matrices import EntryLaw, System
    from footprint.solved import Solved

#: stats_arrays distribution of each law, by name.
_LAWS = {"triangular": sa.TriangularUncertainty, "uniform": sa.UniformUncertainty,
         "lognormal": sa.LognormalUncertainty}

#: U_i (GSD² factors) for scores 1..5 of reliability, completeness, temporal, geographical and further
#: technological correlation (ecoinvent v3, Weidema et al. 2013). The source gives no factor for
#: geographical score 4; the score-5 factor is used there (conservative).
PEDIGREE_FACTORS: tuple[tuple[float, ...], ...] = (
    (1.00, 1.05, 1.10, 1.20, 1.50),
    (1.00, 1.02, 1.05, 1.10, 1.20),
    (1.00, 1.03, 1.10, 1.20, 1.50),
    (1.00, 1.01, 1.02, 1.10, 1.10),
    (1.00, 1.05, 1.20, 1.50, 2.00),
)
#: Basic uncertainty (GSD²) when a factor states none: ecoinvent's basic factor for CO2 from combustion,
#: 1.05 (Frischknecht et al. 2007, ecoinvent report No. 1, table 7.3).
DEFAULT_BASIC_GSD2 = 1.05


def sigma(factor: FactorData) -> float:
    """Sigma (of the underlying normal) of a factor's lognormal, pedigree included."""
    basic = (factor.gsd**2) if factor.gsd else DEFAULT_BASIC_GSD2
    terms = [math.log(basic) ** 2]
    if factor.pedigree is not None:
        for scores, score in zip(PEDIGREE_FACTORS, factor.pedigree, strict=True):
            terms.append(math.log(scores[score - 1]) ** 2)
    return 0.5 * math.sqrt(sum(terms))


def monte_carlo(
    system: System, solved: Solved, factors: FactorSet, *, iterations: int, seed: int | None
) -> UncertaintyResult:
    """Percentiles of the total and of each stage over ``iterations`` draws."""
    factor_ids = sorted({n.factor_id for n in system.nodes if n.factor_id is not None})
    column = {fid: i for i, fid in enumerate(factor_ids)}
    stage_index = {s: i for i, s in enumerate(STAGES)}
    weights = np.zeros((len(factor_ids) + 1, len(STAGES)))  # last row: nodes with no uncertainty
    for node, score in zip(system.nodes, solved.node_scores, strict=True):
        row = column[node.factor_id] if node.factor_id is not None else len(factor_ids)
        weights[row, stage_index[node.stage]] += score
    # loc ln(1): multiplicative draws whose median is the stated value; the last row is exact (sigma 0).
    params = lognormal_rows(np.zeros(len(factor_ids) + 1), [sigma(factors.factors[f]) for f in factor_ids] + [0.0])
    rng = np.random.RandomState(seed)
    draws = sa.LognormalUncertainty.random_variables(params, iterations, rng)
    method = "lognormal factors (median = stated value), sigma from basic GSD and ecoinvent v3 pedigree"
    if not system.laws:
        stages = draws.T @ weights  # iterations x stages
    else:
        # per node: its factor's draw x its supply in that iteration x its characterised burden per unit
        node_row = np.array([column[n.factor_id] if n.factor_id is not None else len(factor_ids)
                             for n in system.nodes])
        supply = supply_draws(system, parameter_draws(system.laws, iterations, rng), iterations)
        scores = draws.T[:, node_row] * supply * unit_scores(system, factors)
        indicator = np.zeros((len(system.nodes), len(STAGES)))
        indicator[np.arange(len(system.nodes)), [stage_index[n.stage] for n in system.nodes]] = 1.0
        stages = scores @ indicator
        method += ("; amounts with a range of their own drawn from it (triangular, uniform or lognormal), one draw "
                   "per parameter per iteration")
    totals = stages.sum(axis=1)
    lo, hi = np.percentile(stages, [2.5, 97.5], axis=0)
    return UncertaintyResult(
        iterations=iterations,
        seed=seed,
        mean=float(totals.mean()),
        median=float(np.median(totals)),
        p2_5=float(np.percentile(totals, 2.5)),
        p97_5=float(np.percentile(totals, 97.5)),
        stages_p2_5={s: float(lo[i]) for s, i in stage_index.items()},
        stages_p97_5={s: float(hi[i]) for s, i in stage_index.items()},
        method=method,
        parameters=parameter_summary(system.laws),
    )


def parameter_summary(laws: Sequence[EntryLaw]) -> list[dict[str, object]]:
    """One row per drawn parameter: its name, law, multiplier range (1 = the stated amount) and description."""
    out: dict[str, dict[str, object]] = {}
    for law in laws:
        out.setdefault(law.parameter, {
            "parameter": law.parameter, "distribution": law.distribution,
            "relative_low": None if math.isnan(law.low) else round(law.low, 6),
            "relative_high": None if math.isnan(law.high) else round(law.high, 6),
            "gsd": None if math.isnan(law.gsd) else law.gsd, "description": law.description,
        })
    return list(out.values())


def _law_rows(laws: Sequence[EntryLaw], loc: np.ndarray | None = None) -> np.ndarray:
    """stats_arrays rows of ``laws`` as multipliers (``loc`` None) or around absolute amounts ``loc``."""
    rows = np.zeros(len(laws), dtype=bwp.UNCERTAINTY_DTYPE)
    rows["shape"] = rows["scale"] = rows["minimum"] = rows["maximum"] = np.nan
    base = np.ones(len(laws)) if loc is None else loc
    for i, law in enumerate(laws):
        rows[i]["uncertainty_type"] = _LAWS[law.distribution].id
        if law.distribution == "lognormal":
            rows[i]["loc"], rows[i]["scale"] = math.log(base[i]), math.log(law.gsd)
        else:
            rows[i]["loc"], rows[i]["minimum"], rows[i]["maximum"] = base[i], law.low * base[i], law.high * base[i]
            if law.distribution == "uniform":
                rows[i]["loc"] = np.nan
    return rows


def parameter_draws(laws: Sequence[EntryLaw], iterations: int, rng: np.random.RandomState) -> np.ndarray:
    """Multiplier of every technosphere entry with a law, per iteration (entries x iterations); entries sharing a
    parameter share its draws."""
    first: dict[str, int] = {}
    for law in laws:
        first.setdefault(law.parameter, len(first))
    unique = [next(law for law in laws if law.parameter == p) for p in first]
    out = np.empty((len(unique), iterations))
    for kind in _LAWS:  # one stats_arrays call per kind, in a fixed order (reproducible for a seed)
        idx = [i for i, law in enumerate(unique) if law.distribution == kind]
        if idx:
            out[idx] = _LAWS[kind].random_variables(_law_rows([unique[i] for i in idx]), iterations, rng)
    return out[[first[law.parameter] for law in laws]]


def unit_scores(system: System, factors: FactorSet) -> np.ndarray:
    """Characterised burden (kg CO2e) of each node per unit of its output."""
    from footprint.matrices import characterisation

    gwp = characterisation(system, factors)
    return np.bincount(np.asarray(system.bio_cols, dtype=np.int64),
                       weights=np.asarray(system.bio_data, dtype=float) * gwp[np.asarray(system.bio_rows, dtype=np.int64)],
                       minlength=len(system.nodes))


def supply_draws(system: System, multipliers: np.ndarray, iterations: int) -> np.ndarray:
    """Supply of every node per iteration (iterations x nodes) when the entries with a law take ``multipliers``.

    ``s_i = (f_i + sum_j a_ij s_j) / out_i`` over the consumers ``j`` of node ``i``, taken in an order where every
    consumer comes before what it consumes; a system with a loop is solved once per iteration instead.
    """
    n = len(system.nodes)
    rows = np.asarray(system.tech_rows, dtype=np.int64)
    cols = np.asarray(system.tech_cols, dtype=np.int64)
    data = np.tile(np.asarray(system.tech_data, dtype=float), (iterations, 1))  # iterations x entries
    data[:, [law.entry for law in system.laws]] *= multipliers.T
    sign = np.where(np.asarray(system.tech_flip), -1.0, 1.0)
    diagonal = rows == cols
    order = _consumers_first(n, rows[~diagonal], cols[~diagonal])
    if order is None:
        from scipy import sparse
        from scipy.sparse.linalg import spsolve

        demand = np.zeros(n)
        demand[system.demand] = 1.0
        return np.array([spsolve(sparse.csc_matrix((data[k] * sign, (rows, cols)), shape=(n, n)), demand)
                         for k in range(iterations)])
    output = np.zeros((iterations, n))
    np.add.at(output.T, rows[diagonal], (data[:, diagonal] * sign[diagonal]).T)
    inputs_of: list[list[int]] = [[] for _ in range(n)]
    for entry in np.flatnonzero(~diagonal):
        inputs_of[rows[entry]].append(int(entry))
    supply = np.zeros((iterations, n))
    for i in order:
        need = np.zeros(iterations) + (1.0 if i == system.demand else 0.0)
        for e in inputs_of[i]:
            need -= sign[e] * data[:, e] * supply[:, cols[e]]
        supply[:, i] = need / output[:, i]
    return supply


def _consumers_first(n: int, rows: np.ndarray, cols: np.ndarray) -> list[int] | None:
    """Nodes ordered so that each comes after every node consuming it (Kahn); None when there is a loop."""
    pending = np.bincount(rows, minlength=n)  # per node: entries by which a not yet placed node consumes it
    suppliers: list[list[int]] = [[] for _ in range(n)]  # per consumer: the nodes it takes inputs from
    for r, c in zip(rows, cols, strict=True):
        suppliers[int(c)].append(int(r))
    ready = [i for i in range(n) if pending[i] == 0]
    order: list[int] = []
    while ready:
        j = ready.pop()
        order.append(j)
        for r in suppliers[j]:
            pending[r] -= 1
            if pending[r] == 0:
                ready.append(r)
    return order if len(order) == n else None


def bio_distributions(system: System, factors: FactorSet) -> np.ndarray:
    """stats_arrays rows for the system's biosphere entries: the same lognormals as :func:`monte_carlo`, one
    per entry (``bwp.UNCERTAINTY_DTYPE``; lognormal is id 2, no uncertainty id 1)."""
    amounts = np.asarray(system.bio_data, dtype=float)
    scale = np.array([
        sigma(factors.factors[fid]) if (fid := system.nodes[col].factor_id) is not None and amount != 0 else np.nan
        for col, amount in zip(system.bio_cols, amounts, strict=True)
    ])
    uncertain = ~np.isnan(scale)
    rows = lognormal_rows(np.log(np.abs(np.where(uncertain, amounts, 1.0))), scale)
    rows["uncertainty_type"] = np.where(uncertain, sa.LognormalUncertainty.id, sa.NoUncertainty.id)
    rows["loc"] = np.where(uncertain, rows["loc"], amounts)  # stats_arrays: loc is the value itself when exact
    rows["negative"] = amounts < 0
    return rows


def lognormal_rows(loc: np.ndarray, scale: Sequence[float] | np.ndarray) -> np.ndarray:
    """stats_arrays parameter rows (``bwp.UNCERTAINTY_DTYPE``) of lognormals with these ``loc``/``scale``."""
    rows = np.zeros(len(loc), dtype=bwp.UNCERTAINTY_DTYPE)
    rows["uncertainty_type"] = sa.LognormalUncertainty.id
    rows["loc"] = loc
    rows["scale"] = scale
    rows["shape"] = rows["minimum"] = rows["maximum"] = np.nan
    return rows


def tech_distributions(system: System) -> np.ndarray:
    """stats_arrays rows for the technosphere entries: each entry's law around its stated amount, exact otherwise."""
    amounts = np.asarray(system.tech_data, dtype=float)
    rows = np.zeros(len(amounts), dtype=bwp.UNCERTAINTY_DTYPE)
    rows["uncertainty_type"] = sa.NoUncertainty.id
    rows["loc"] = amounts
    rows["scale"] = rows["shape"] = rows["minimum"] = rows["maximum"] = np.nan
    if system.laws:
        entries = [law.entry for law in system.laws]
        rows[entries] = _law_rows(system.laws, amounts[entries])
    return rows


def bw2calc_monte_carlo(system: System, factors: FactorSet, *, iterations: int, seed: int) -> np.ndarray:
    """Totals of ``iterations`` runs of bw2calc's own Monte Carlo (``use_distributions=True``, one new
    sample of every biosphere and technosphere entry with a distribution per ``next(lca)``): the reference the
    fast path is checked and timed against. Unlike :func:`monte_carlo`, the uses of one factor, and the entries
    of one parameter, are drawn independently."""
    import warnings

    from footprint.matrices import datapackage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bw2calc as bc

        dp, demand_id = datapackage(system, factors, bio_uncertainty=bio_distributions(system, factors),
                                    tech_uncertainty=tech_distributions(system) if system.laws else None)
        lca = bc.LCA({demand_id: 1.0}, data_objs=[dp], use_distributions=True, seed_override=seed)
        lca.lci()
        lca.lcia()
        scores = np.empty(iterations)
        for i in range(iterations):
            if i:
                next(lca)
            scores[i] = lca.score
    return scores
