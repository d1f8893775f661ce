"""Derived life-cycle grid factors (series ``cfp_grid_average_derived``): a generation mix weighted with the
published national life-cycle factors of each generation technology, plus the published T&D term.

Method (issue 20 item 1)::

    f(region, year) = sum_i g_i EF_i(year) / sum_i g_i  +  TD(year)

``g_i`` the region's generation of technology ``i`` (TWh, a published statistic, cited per row of
``data/curated/grid_mix.csv``), ``EF_i`` the national life-cycle factor of that technology of the MEE/NBS/NEA
announcement of the same year (``cfp_generation_<tech>``), ``TD`` the announcement's transmission-and-distribution
factor *excluding* line losses (``cfp_transmission_distribution_excl_losses``). Technologies without a published
factor (oil-fired generation) are left out of the weighting and their share is reported as uncovered.

Why T&D excluding losses: the annex's own method text was not read. With the national mix of the same year the sum
with the excl.-losses term reproduces the published national factor to -2.1 % (2023) and -1.6 % (2024); the
incl.-losses term (published for 2024 only) gives +3.2 %. :data:`NATIONAL_TOLERANCE` is the stated tolerance and
:func:`check_national` refuses to derive any regional factor when the national mix misses it.

A derived factor is never official: its id, series, name and notes say "derived", and it carries its derivation
(mix, per-technology factors and contributions, T&D term, sources). A consumption-based variant (inter-provincial
transfers) is not built: no published table of transfers by source province and technology was found.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from footprint.errors import GridFactorMissing
from footprint.model import FactorSet

MIX_FILE = Path(__file__).parent / "data" / "curated" / "grid_mix.csv"
SERIES = "cfp_grid_average_derived"
#: Mix technology -> suffix of the published series ``cfp_generation_<suffix>``; None: no published factor.
TECHNOLOGY_SERIES: dict[str, str | None] = {
    "coal": "coal", "gas": "gas", "biomass": "biomass", "hydro": "hydro", "nuclear": "nuclear", "wind": "wind",
    "solar": "solar_pv", "solar_thermal": "solar_thermal", "oil": None,
}
TD_SERIES = "cfp_transmission_distribution_excl_losses"
#: |derived - published| / published the national reproduction must meet before any region is derived.
NATIONAL_TOLERANCE = 0.025


class DerivationError(ValueError):
    """A mix cannot be turned into a factor (unknown technology, no generation, national check failed)."""


@dataclass(frozen=True)
class MixRow:
    """One technology's generation in a region and year, with its source."""

    region: str
    year: int
    technology: str
    generation_twh: float
    source: str
    table_or_page: str
    note: str = ""


@dataclass(frozen=True)
class Derivation:
    """A derived factor and everything it was derived from."""

    region: str
    year: int
    value_kg_per_kwh: float
    generation_kg_per_kwh: float
    td_factor_id: str
    td_kg_per_kwh: float
    contributions: dict[str, dict[str, float | str]]
    uncovered_share: float
    sources: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return f"cn.grid.{SERIES}.{self.region}.{self.year}"

    def as_dict(self) -> dict[str, object]:
        """The derivation as JSON data (what a result or the release notes show)."""
        return {"id": self.id, "series": SERIES, "derived": True, "official": False, "region": self.region,
                "year": self.year, "kg_co2e_per_kwh": self.value_kg_per_kwh,
                "generation_kg_co2e_per_kwh": self.generation_kg_per_kwh,
                "td_factor": self.td_factor_id, "td_kg_co2e_per_kwh": self.td_kg_per_kwh,
                "contributions": self.contributions, "uncovered_share": self.uncovered_share,
                "sources": list(self.sources), "notes": list(self.notes)}


def read_mix(path: Path = MIX_FILE) -> dict[tuple[str, int], list[MixRow]]:
    """The mix rows by (region, year); a row without a source or with an unknown technology is refused."""
    out: dict[tuple[str, int], list[MixRow]] = {}
    with path.open(encoding="utf-8") as fh:
        for n, raw in enumerate(csv.DictReader(fh), start=2):
            row = MixRow(raw["region"], int(raw["year"]), raw["technology"], float(raw["generation_twh"]),
                         raw["source"].strip(), raw["table_or_page"].strip(), raw.get("note") or "")
            if row.technology not in TECHNOLOGY_SERIES:
                raise DerivationError(f"{path.name} row {n}: unknown technology {row.technology!r}")
            if not row.source or not row.table_or_page:
                raise DerivationError(f"{path.name} row {n}: a generation figure needs its source and table")
            if row.generation_twh < 0:
                raise DerivationError(f"{path.name} row {n}: negative generation")
            out.setdefault((row.region, row.year), []).append(row)
    return out


def derive(rows: list[MixRow], factors: FactorSet) -> Derivation:
    """The derived factor of one region and year from its mix rows (see the module docstring)."""
    if not rows:
        raise DerivationError("no mix rows")
    region, year = rows[0].region, rows[0].year
    if any((r.region, r.year) != (region, year) for r in rows):
        raise DerivationError("mix rows of several regions or years")
    covered = weighted = 0.0
    total = sum(r.generation_twh for r in rows)
    if total <= 0:
        raise DerivationError(f"{region} {year}: no generation")
    contributions: dict[str, dict[str, float | str]] = {}
    notes: list[str] = []
    for r in rows:
        suffix = TECHNOLOGY_SERIES[r.technology]
        if suffix is None:
            notes.append(f"{r.technology} {r.generation_twh:g} TWh ({r.generation_twh / total:.2%}) has no published "
                         "life-cycle factor: left out of the weighting")
            continue
        try:
            ef, _ = factors.grid("CN", year, f"cfp_generation_{suffix}")
        except GridFactorMissing as exc:
            raise DerivationError(f"{region} {year}: {exc.message}") from None
        covered += r.generation_twh
        weighted += r.generation_twh * ef.value_kg_co2e
        contributions[r.technology] = {"generation_twh": r.generation_twh, "factor": ef.id,
                                       "factor_kg_co2e_per_kwh": ef.value_kg_co2e}
    if covered <= 0:
        raise DerivationError(f"{region} {year}: no generation with a published factor")
    for c in contributions.values():
        share = float(c["generation_twh"]) / covered
        c["share"] = share
        c["kg_co2e_per_kwh"] = share * float(c["factor_kg_co2e_per_kwh"])
    td, _ = factors.grid("CN", year, TD_SERIES)
    generation = weighted / covered
    sources = tuple(dict.fromkeys([*(f"{r.source} ({r.table_or_page})" for r in rows),
                                   f"{td.source}: per-technology and T&D life-cycle factors"]))
    return Derivation(region=region, year=year, value_kg_per_kwh=generation + td.value_kg_co2e,
                      generation_kg_per_kwh=generation, td_factor_id=td.id, td_kg_per_kwh=td.value_kg_co2e,
                      contributions=contributions, uncovered_share=1 - covered / total, sources=sources,
                      notes=tuple(notes))


def national_gap(year: int, factors: FactorSet, mix: dict[tuple[str, int], list[MixRow]] | None = None) -> float:
    """Relative difference of the derived national factor from the published ``cfp_grid_average`` of ``year``."""
    mix = read_mix() if mix is None else mix
    if ("CN", year) not in mix:
        raise DerivationError(f"no national mix for {year}: the method cannot be checked for that year")
    published, _ = factors.grid("CN", year, "cfp_grid_average")
    derived = derive(mix[("CN", year)], factors).value_kg_per_kwh
    return (derived - published.value_kg_co2e) / published.value_kg_co2e


def check_national(year: int, factors: FactorSet, mix: dict[tuple[str, int], list[MixRow]] | None = None) -> float:
    """:func:`national_gap`, raising when it exceeds :data:`NATIONAL_TOLERANCE` (no region is derived then)."""
    gap = national_gap(year, factors, mix)
    if abs(gap) > NATIONAL_TOLERANCE:
        raise DerivationError(f"the derived national factor of {year} is {gap:+.2%} off the published one "
                              f"(tolerance {NATIONAL_TOLERANCE:.1%}): regional factors are not derived")
    return gap


def derive_regions(factors: FactorSet, mix: dict[tuple[str, int], list[MixRow]] | None = None) -> list[Derivation]:
    """Every regional (non-national) mix of the file, each year's method checked nationally first."""
    mix = read_mix() if mix is None else mix
    out: list[Derivation] = []
    for (region, year), rows in sorted(mix.items()):
        if region == "CN":
            continue
        check_national(year, factors, mix)
        out.append(derive(rows, factors))
    return out
