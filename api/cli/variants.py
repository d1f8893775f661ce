"""The command line's side of ``pcf variants``: ``--vary`` options in, every variant as CSV out.

The engine (:mod:`footprint.variants`) takes axes and returns a
:class:`~footprint.variants.result.Variants`; reading options and writing files stay here.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from footprint.errors import VariantError
from footprint.model import STAGES
from footprint.variants.result import Variants


def parse_vary(options: Sequence[str]) -> dict[str, list[Any]]:
    """``["regions.cell=CN-SC,CN-XJ", "area_m2=1.9,2.0"]`` -> ``{field: [values]}`` (values read as YAML
    scalars, so numbers are numbers).

    Raises:
        VariantError: an option is not ``FIELD=V1,V2,...``, or a value cannot be read.
    """
    out: dict[str, list[Any]] = {}
    for option in options:
        path, sep, values = option.partition("=")
        if not sep or not path.strip() or not values.strip():
            raise VariantError(f"write --vary FIELD=V1,V2,... (got {option!r})", "vary")
        try:
            out[path.strip()] = [yaml.safe_load(v.strip()) for v in values.split(",") if v.strip()]
        except yaml.YAMLError:
            raise VariantError(f"cannot read the values of {option!r}", f"vary.{path.strip()}") from None
    return out


def write_csv(variants: Variants, path: Path) -> None:
    """Every variant, one row each: its values, total, stages and the PV per-unit figures."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        extra = [k for k, a in (("per_kwp_kg_co2e", variants.per_kwp), ("per_kwh_g_co2e", variants.per_kwh_g))
                 if a is not None]
        w.writerow(["variant", *(a.name for a in variants.axes), "total_kg_co2e", *STAGES, *extra])
        for i in range(len(variants)):
            row = variants.row(i)
            w.writerow([i, *row["values"].values(), repr(row["total_kg_co2e"]),
                        *(repr(x) for x in row["stages"].values()), *(repr(row[k]) for k in extra)])
