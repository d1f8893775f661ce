"""Monte Carlo over factor uncertainty, widened by pedigree scores.

Each factor's value is the median of a lognormal whose sigma combines the factor's basic geometric
standard deviation with the pedigree uncertainty factors of the ecoinvent v3 data-quality system
(Weidema et al. 2013, *Overview and methodology, data quality guideline for the ecoinvent database
version 3*, table 10.5): ``ln(GSD²)_total = sqrt(Σ ln(U_i)²)``, the U_i being 95 % (GSD²) factors.
Draws come from stats_arrays' ``LognormalUncertainty`` (the distributions Brightway uses). A factor used
in several places is drawn once per iteration (its uses are fully correlated). Amounts of
the specification are taken as exact, so the supply vector is fixed and every iteration is one row of a
matrix product: 1,000 iterations cost well under a millisecond.
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
    from footprint.matrices import System
    from footprint.solved import Solved

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
    draws = sa.LognormalUncertainty.random_variables(params, iterations, np.random.RandomState(seed))
    stages = draws.T @ weights  # iterations x stages
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
        method="lognormal factors (median = stated value), sigma from basic GSD and ecoinvent v3 pedigree",
    )


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


def bw2calc_monte_carlo(system: System, factors: FactorSet, *, iterations: int, seed: int) -> np.ndarray:
    """Totals of ``iterations`` runs of bw2calc's own Monte Carlo (``use_distributions=True``, one new
    sample of every biosphere entry per ``next(lca)``): the reference the fast path is checked and timed
    against. Unlike :func:`monte_carlo`, the uses of one factor are drawn independently."""
    import warnings

    from footprint.matrices import datapackage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bw2calc as bc

        dp, demand_id = datapackage(system, factors, bio_uncertainty=bio_distributions(system, factors))
        lca = bc.LCA({demand_id: 1.0}, data_objs=[dp], use_distributions=True, seed_override=seed)
        lca.lci()
        lca.lcia()
        scores = np.empty(iterations)
        for i in range(iterations):
            if i:
                next(lca)
            scores[i] = lca.score
    return scores
