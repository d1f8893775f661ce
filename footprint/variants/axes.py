"""Variant axes: the fields of a product file to vary, and setting a field by its path.

A path names a field of the product file: ``regions.cell``, ``materials_g_per_m2.glass``,
``processes[id=module].inputs[1].amount`` (``[n]`` is the n-th item of a list, ``[field=value]`` the one item
whose field has that value). An axis is a name and, per value, the fields that value sets.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from footprint.errors import VariantError
from footprint.model import FactorSet

_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def _tokens(path: str) -> list[str | int | tuple[str, str]]:
    """``a.b[2].c[id=x]`` -> ``['a', 'b', 2, 'c', ('id', 'x')]``."""
    out: list[str | int | tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(path):
        gap = path[pos:m.start()]
        if gap not in ("", "."):
            raise VariantError(f"cannot read field path {path!r}", "vary")
        pos = m.end()
        name, index = m.groups()
        if name is not None:
            out.append(name)
        elif index.isdigit():
            out.append(int(index))
        elif "=" in index:
            k, v = index.split("=", 1)
            out.append((k.strip(), v.strip()))
        else:
            raise VariantError(f"cannot read [{index}] in {path!r}: use [number] or [field=value]", "vary")
    if not out or path[pos:]:
        raise VariantError(f"cannot read field path {path!r}", "vary")
    return out


def set_field(document: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with the field at ``path`` set to ``value`` (missing mappings are created)."""
    return set_fields(document, {path: value})


def set_fields(document: Mapping[str, Any], assignments: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` (copied once) with each ``path: value`` of ``assignments`` set."""
    doc: dict[str, Any] = copy.deepcopy(dict(document))
    for path, value in assignments.items():
        _set(doc, str(path), value)
    return doc


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    tokens = _tokens(path)
    node: Any = doc
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        where = f"{path!r} at {token!r}"
        if isinstance(token, str):
            if not isinstance(node, dict):
                raise VariantError(f"{where}: not a mapping", "vary")
            if last:
                node[token] = value
            else:
                node = node.setdefault(token, {})
            continue
        if not isinstance(node, list):
            raise VariantError(f"{where}: not a list", "vary")
        if isinstance(token, int):
            if token >= len(node):
                raise VariantError(f"{where}: the list has {len(node)} items", "vary")
            idx = token
        else:
            key, want = token
            matches = [j for j, item in enumerate(node) if isinstance(item, dict) and str(item.get(key)) == want]
            if len(matches) != 1:
                raise VariantError(f"{where}: {len(matches)} items have {key} = {want}", "vary")
            idx = matches[0]
        if last:
            node[idx] = value
        else:
            node = node[idx]


# ------------------------------------------------------------------------------------------------- axes
@dataclass
class Axis:
    """One dimension of the crossing: a name and the assignments each of its values makes."""

    name: str
    values: list[dict[str, Any]]  # field path -> value, one mapping per axis value
    labels: list[str]

    @classmethod
    def of_field(cls, path: str, values: Sequence[Any]) -> Axis:
        """An axis that sets one field to each of ``values``."""
        if not values:
            raise VariantError(f"no values given for {path}", f"vary.{path}")
        _tokens(path)
        return cls(path, [{path: v} for v in values], [_label(v) for v in values])


def _label(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_label(v)}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)


def axes_from(vary: Mapping[str, Sequence[Any]]) -> list[Axis]:
    """Axes from ``{field path: [values]}``; a value that is a mapping sets several fields at once
    (``{scenario: [{regions.wafer: CN-XJ, regions.cell: CN-XJ}, ...]}``: the key is then just a name)."""
    axes = []
    for name, values in vary.items():
        if not isinstance(values, Sequence) or isinstance(values, str | bytes) or not values:
            raise VariantError("give a non-empty list of values", f"vary.{name}")
        if all(isinstance(v, Mapping) for v in values):
            for v in values:
                for p in v:
                    _tokens(str(p))
            axes.append(Axis(name, [dict(v) for v in values], [_label(v) for v in values]))
        else:
            axes.append(Axis.of_field(name, values))
    return axes


def provinces_with_grid_factor(factors: FactorSet, series: str, year: int) -> list[str]:
    """Provinces (ISO 3166-2 ``CN-XX``; not the regional grids ``CN-GRID-*`` nor ``CN``) that have a grid factor
    of ``series`` for ``year``: the values of a ``regions.*`` axis that spans the country."""
    found = (factors.factors[i] for i in factors.grid_ids(series=series))
    return sorted({f.geography for f in found if f.year == year and re.fullmatch(r"CN-[A-Z]{2}", f.geography)})


