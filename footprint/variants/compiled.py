"""What every variant is built from: the base product and each group of axes compiled once, then stacked.

Each axis value is compiled the normal way (document -> specification -> matrices) and must give the base
product's matrix layout; the entries it changes are its group's columns. A chunk of variants is the base
values with each group's columns set from the variant's value, solved as a stack of small dense systems.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from footprint.errors import FootprintError, VariantError
from footprint.matrices import System, build_system
from footprint.model import FactorSet, ProductSpec
from footprint.variants.axes import Axis, set_fields


@dataclass
class Compiled:
    """One product document compiled: its specification, system and the values of its matrix entries."""

    spec: ProductSpec
    system: System
    tech: np.ndarray
    bio: np.ndarray
    extra: np.ndarray  # rated_power_wp, lifetime_energy_kwh (nan when absent)


def extra_of(spec: ProductSpec) -> np.ndarray:
    """The per-unit denominators of a specification: rated power (Wp) and lifetime energy (kWh), nan if absent."""
    return np.array([float(spec.extra.get(k) or math.nan) for k in ("rated_power_wp", "lifetime_energy_kwh")])


def compile_document(document: Mapping[str, Any], factors: FactorSet, to_spec: Callable[..., ProductSpec]) -> Compiled:
    """Compile ``document`` the normal way: document -> specification -> matrices."""
    spec = to_spec(dict(document), factors)
    system = build_system(spec, factors)
    return Compiled(spec, system, np.asarray(system.tech_data, dtype=float),
                    np.asarray(system.bio_data, dtype=float), extra_of(spec))


@dataclass
class Group:
    """Axes merged because they set the same entries; ``columns`` are the entries the group sets."""

    axes: list[int]
    tech_cols: np.ndarray
    bio_cols: np.ndarray
    extra_cols: np.ndarray
    tech: np.ndarray  # group values x len(tech_cols)
    bio: np.ndarray
    extra: np.ndarray


def compile_group(
    axes_idx: list[int], axes: list[Axis], document: Mapping[str, Any], base: Compiled,
    factors: FactorSet, to_spec: Callable[..., ProductSpec],
) -> tuple[Group, list[str]]:
    """Compile every crossed value of the axes ``axes_idx``; each must keep the base's matrix layout.

    Raises:
        VariantError: a value gives an invalid product (its own error is quoted) or another layout.
    """
    combos = list(itertools.product(*(range(len(axes[k].values)) for k in axes_idx)))
    compiled: list[Compiled] = []
    notes: list[str] = []
    base_sig = base.system.signature()
    base_stages = [n.stage for n in base.system.nodes]
    for combo in combos:
        chosen = [(axes[k], j) for k, j in zip(axes_idx, combo, strict=True)]
        label = "; ".join(f"{axis.name} = {axis.labels[j]}" for axis, j in chosen)
        where = f"vary.{axes[axes_idx[0]].name}[{combo[0]}]"
        try:
            c = compile_document(variant_document(document, chosen), factors, to_spec)
        except VariantError:
            raise
        except FootprintError as exc:
            raise VariantError(f"{label}: {exc.path + ': ' if exc.path else ''}{exc.message}", where) from None
        if c.system.signature() != base_sig or [n.stage for n in c.system.nodes] != base_stages:
            raise VariantError(
                f"{label} changes the structure of the product system (other inputs, processes or gases), "
                "not only its values: compute such variants as separate products", where)
        notes += [f"{label}: {n}" for n in c.system.notes if n not in base.system.notes]
        compiled.append(c)
    tech = np.array([c.tech for c in compiled])
    bio = np.array([c.bio for c in compiled])
    extra = np.array([c.extra for c in compiled])
    tech_cols = np.flatnonzero((tech != base.tech).any(axis=0))
    bio_cols = np.flatnonzero((bio != base.bio).any(axis=0))
    extra_cols = np.flatnonzero(~((extra == base.extra) | (np.isnan(extra) & np.isnan(base.extra))).all(axis=0))
    group = Group(axes_idx, tech_cols, bio_cols, extra_cols,
                  tech[:, tech_cols], bio[:, bio_cols], extra[:, extra_cols])
    return group, notes


def variant_document(document: Mapping[str, Any], chosen: Sequence[tuple[Axis, int]]) -> dict[str, Any]:
    """The product file with value ``j`` of each ``(axis, j)`` applied."""
    return set_fields(document, {p: v for axis, j in chosen for p, v in axis.values[int(j)].items()})


def overlap(a: Group, b: Group) -> bool:
    """Whether two groups set some of the same entries (then they must be compiled together)."""
    return bool(np.intersect1d(a.tech_cols, b.tech_cols).size or np.intersect1d(a.bio_cols, b.bio_cols).size
                or np.intersect1d(a.extra_cols, b.extra_cols).size)


# ------------------------------------------------------------------------------------------------ solve
@dataclass
class Stack:
    """What every chunk of variants shares: where values land in the dense matrices, and the scoring."""

    n: int
    demand: int
    sign: np.ndarray
    cells: np.ndarray  # flat positions of the distinct technosphere cells
    to_cells: np.ndarray  # entries x cells: sums entries that share a cell
    to_nodes: np.ndarray  # biosphere entries x nodes, times the entry's GWP100

    @classmethod
    def of(cls, system: System, gwp: np.ndarray) -> Stack:
        """The stack of ``system``, whose gases have the characterisation factors ``gwp``."""
        n = len(system.nodes)
        flat = np.asarray(system.tech_rows, dtype=np.int64) * n + np.asarray(system.tech_cols)
        cells, slot = np.unique(flat, return_inverse=True)
        to_cells = np.zeros((len(flat), len(cells)))
        to_cells[np.arange(len(flat)), slot] = 1.0
        to_nodes = np.zeros((len(system.bio_cols), n))
        to_nodes[np.arange(len(system.bio_cols)), system.bio_cols] = gwp[np.asarray(system.bio_rows, dtype=np.int64)]
        return cls(n, system.demand, np.where(np.asarray(system.tech_flip), -1.0, 1.0), cells, to_cells, to_nodes)

    def scores(self, tech: np.ndarray, bio: np.ndarray) -> np.ndarray:
        """Node scores (kg CO2e) of each row of ``tech``/``bio`` (values in the system's entry order)."""
        v, n = len(tech), self.n
        a = np.zeros((v, n * n))
        a[:, self.cells] = (tech * self.sign) @ self.to_cells
        demand = np.zeros((v, n, 1))
        demand[:, self.demand, 0] = 1.0
        try:
            supply = np.linalg.solve(a.reshape(v, n, n), demand)[:, :, 0]
        except np.linalg.LinAlgError:
            raise VariantError("a variant's technosphere matrix is singular", "vary") from None
        if not np.all(np.isfinite(supply)):
            raise VariantError("a variant's technosphere matrix is singular", "vary")
        return (bio @ self.to_nodes) * supply


def group_rows(index: np.ndarray, group: Group, axes: Sequence[Axis]) -> np.ndarray:
    """The row of the group's table (crossed values of its axes) that each variant of ``index`` takes."""
    dims = [len(axes[k].values) for k in group.axes]
    return np.ravel_multi_index(tuple(index[:, group.axes].T), dims)


def assemble(base: Compiled, groups: Sequence[Group], rows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Technosphere and biosphere values of variants whose group rows are ``rows`` (one array per group)."""
    v = len(rows[0]) if rows else 1
    tech = np.repeat(base.tech[None, :], v, axis=0)
    bio = np.repeat(base.bio[None, :], v, axis=0)
    for g, r in zip(groups, rows, strict=True):
        tech[:, g.tech_cols] = g.tech[r]
        bio[:, g.bio_cols] = g.bio[r]
    return tech, bio

