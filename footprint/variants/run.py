"""Run every crossing of some axes over one product file: :func:`run_variants`, the one entry point."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from footprint.errors import VariantError
from footprint.matrices import characterisation
from footprint.model import STAGES, FactorSet, ProductSpec
from footprint.variants.additive import RTOL, Additive, additive_arrays, additive_sums
from footprint.variants.axes import Axis
from footprint.variants.compiled import (
    Compiled,
    Group,
    Stack,
    assemble,
    compile_document,
    compile_group,
    group_rows,
    overlap,
    variant_document,
)
from footprint.variants.result import Variants, lowest

#: The most variants one run may cross (their results are held in memory; matrices go in chunks).
MAX_VARIANTS = 1_000_000
#: Floats of dense technosphere matrices held at once (64 MB).
CHUNK_FLOATS = 8_000_000
#: The most crossed values of axes that must be compiled together (each is one full compile).
MAX_MERGED = 5_000
#: Variants recomputed one by one with the bw2calc engine: the first, the last, the two lowest, then random ones.
CHECKS = 4


def run_variants(
    document: Mapping[str, Any],
    axes: Sequence[Axis],
    factors: FactorSet,
    *,
    to_spec: Callable[..., ProductSpec] | None = None,
    checks: int = CHECKS,
    seed: int = 0,
    additive: bool = True,
) -> Variants:
    """Every crossing of ``axes`` applied to the product file ``document``.

    ``checks`` variants (the first, the last and the lowest, then random ones) are recomputed one by one with
    bw2calc. ``additive=False`` solves every variant in full even where the axes' effects add up.

    Raises:
        VariantError: an axis is malformed, a variant is invalid (its own error is quoted), changes the
            structure of the product system, or the checks against one-by-one bw2calc solves disagree.
    """
    from footprint.calculate import calculate
    from footprint.products import to_spec as default_to_spec

    to_spec = to_spec or default_to_spec
    axes = list(axes)
    if not axes:
        raise VariantError("no axes to vary", "vary")
    count = math.prod(len(a.values) for a in axes)
    if count > MAX_VARIANTS:
        raise VariantError(f"{count:,} variants: at most {MAX_VARIANTS:,} per run", "vary")
    base = compile_document(document, factors, to_spec)
    notes: list[str] = []
    groups: list[Group] = []
    for k in range(len(axes)):
        g, group_notes = compile_group([k], axes, document, base, factors, to_spec)
        groups.append(g)
        notes += group_notes
    changed = True
    while changed:  # merge axes that set the same entries, until none do
        changed = False
        for a, b in itertools.combinations(range(len(groups)), 2):
            if overlap(groups[a], groups[b]):
                members = groups[a].axes + groups[b].axes
                if math.prod(len(axes[k].values) for k in members) > MAX_MERGED:
                    names = ", ".join(axes[k].name for k in members)
                    raise VariantError(f"axes {names} set the same inputs and have too many crossed values to "
                                       "compile together; vary fewer values of them", "vary")
                g, _ = compile_group(members, axes, document, base, factors, to_spec)
                groups = [x for i, x in enumerate(groups) if i not in (a, b)] + [g]
                changed = True
                break

    shape = tuple(len(a.values) for a in axes)
    index = np.indices(shape).reshape(len(shape), count).T  # variants x axes, last axis fastest
    system = base.system
    n = len(system.nodes)
    stack = Stack.of(system, characterisation(system, factors))
    stage_of = np.zeros((n, len(STAGES)))
    for i, node in enumerate(system.nodes):
        stage_of[i, STAGES.index(node.stage)] = 1.0
    rng = np.random.default_rng(seed)
    sums: Additive | None = None
    if additive:
        sums, reason = additive_sums(base, groups, axes, stack, stage_of, rng)
        if reason is not None:
            notes.append(f"{reason}; every variant solved in full")
    if sums is not None:
        totals, stages, extra = additive_arrays(sums, base, groups, shape)
    else:
        totals, stages, extra = solve_all(base, groups, axes, index, stack, stage_of)

    wp, kwh = extra[:, 0], extra[:, 1]
    per_kwp = totals / (wp / 1000.0) if not np.isnan(wp).all() else None
    per_kwh = totals * 1000.0 / kwh if not np.isnan(kwh).all() else None

    checks = max(0, checks)
    randoms = rng.choice(count, size=min(count, checks), replace=False).tolist()
    picks = dict.fromkeys(int(i) for i in (0, count - 1, *lowest(totals, 2).tolist(), *randoms))
    checked = sorted(list(picks)[:checks])  # the first, the last, the two lowest, then random ones
    for i in checked:
        doc = variant_document(document, list(zip(axes, index[i], strict=True)))
        expected = calculate(to_spec(doc, factors), factors).total_kg_co2e
        if not math.isclose(expected, totals[i], rel_tol=RTOL, abs_tol=1e-12):
            raise VariantError(
                f"variant {i} gives {totals[i]!r} stacked but {expected!r} alone: its axes interact; "
                "vary the fields that depend on each other in one axis", "vary")
    return Variants(
        axes=axes, index=index, totals=totals, stages=stages, per_kwp=per_kwp, per_kwh_g=per_kwh,
        base_total=float(calculate(base.spec, factors).total_kg_co2e), declared_unit=base.spec.declared_unit,
        checked=checked, merged=[[axes[k].name for k in g.axes] for g in groups if len(g.axes) > 1], notes=notes,
        additive=sums,
    )


def solve_all(
    base: Compiled, groups: Sequence[Group], axes: Sequence[Axis], index: np.ndarray, stack: Stack,
    stage_of: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Totals, stages and extras of every variant, each solved in full (chunks of stacked dense systems)."""
    count = len(index)
    totals = np.empty(count)
    stages = np.empty((count, len(STAGES)))
    extra = np.repeat(base.extra[None, :], count, axis=0)
    rows_per_group = [group_rows(index, g, axes) for g in groups]
    for g, rows in zip(groups, rows_per_group, strict=True):
        extra[:, g.extra_cols] = g.extra[rows]
    chunk = max(1, CHUNK_FLOATS // (stack.n * stack.n))
    for start in range(0, count, chunk):
        stop = min(count, start + chunk)
        scores = stack.scores(*assemble(base, groups, [rows[start:stop] for rows in rows_per_group]))
        stages[start:stop] = scores @ stage_of
        totals[start:stop] = scores.sum(axis=1)
    return totals, stages, extra
