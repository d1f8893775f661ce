"""The category rule model (a rule file's schema) and the errors of rules."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from footprint.model import Stage
from registry.errors import InvalidInput, NotFound, RegistryError

Status = Literal["pass", "fail", "not_applicable", "unverified"]


Boundary = Literal["cradle-to-gate", "cradle-to-grave"]


class RuleError(RegistryError):
    """Base class of the errors of :mod:`registry.rules`."""

    code = "rule-error"


class UnknownCategory(RuleError, InvalidInput):
    """The document names no category that has a rule (``kind`` or ``category``)."""

    code = "unknown-category"


class RuleNotFound(RuleError, NotFound):
    """The category has no rule of the requested version."""

    code = "rule-not-found"


class InvalidRule(RuleError):
    """A rule file is malformed, or one of its numbers has no source (a fault of the deployment)."""

    code = "invalid-rule"


class LabelValueMissing(RuleError, InvalidInput):
    """The result lacks the figure the rule's declared unit is expressed in."""

    code = "label-value-missing"


class BenchmarkMismatch(RuleError):
    """A label value is not in the benchmark's unit or declared unit."""

    code = "benchmark-mismatch"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Frozen):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Reference(_Frozen):
    """A source a rule's numbers rest on, and what of it was checked."""

    title: str = Field(min_length=1)
    url: str | None = None
    checked: str = Field(min_length=1)


class DeclaredUnitRule(_Frozen):
    """How the label value is expressed."""

    basis: Literal["per_kwp", "per_unit", "as_declared", "per_kwh_capacity", "per_m2_panel"]
    text: str | None = None  # fixed declared unit ("1 kWp"); None: the result's own
    unit: Literal["kg CO2e", "g CO2e", "auto"] = "kg CO2e"
    note: str = ""


class BoundaryRule(_Frozen):
    """The system boundaries a declaration may have."""

    allowed: tuple[Boundary, ...] = Field(min_length=1)
    note: str = ""


class ElectricityRule(_Frozen):
    """Which grid-factor series location-based electricity may use."""

    required_series: str
    co2_only_series: str | None = None  # accepted only where a region has no ``required_series`` factor
    lifecycle_series_regions: tuple[str, ...] = ()  # used when check() is given no factor set
    #: The accounting mode the rule asks a declaration to claim (issue 20 item 5). Every rule of the Chinese label
    #: scheme asks ``label_scheme`` (CNCA-CFP-00:2025, GB/T 24067: life-cycle factor of the region of use); a rule
    #: file that says nothing asks that too. The result shows the other modes beside it.
    accounting_mode: Literal["label_scheme", "eu_national_mix", "market_based"] = "label_scheme"
    note: str = ""


class CutOffRule(_Frozen):
    """Largest share of excluded emissions, and the words by which a data gap says it excludes something."""

    max_share: float = Field(gt=0, lt=1)
    formula: str
    exclusion_markers: tuple[str, ...] = ()
    note: str = ""


class DataQualityRule(_Frozen):
    """PEF data-quality rating limits (lower is better)."""

    max_dqr: float = Field(ge=1, le=5)
    target_dqr: float | None = Field(default=None, ge=1, le=5)
    note: str = ""


class RoundingRule(_Frozen):
    """Rounding of the label value."""

    significant_figures: int = Field(ge=1, le=10)
    mode: Literal["ROUND_HALF_EVEN"] = "ROUND_HALF_EVEN"
    note: str = ""


class BenchmarkLevel(_Frozen):
    """A grade: the label value at most ``max_kg_co2e``."""

    id: str
    name: Text
    max_kg_co2e: float = Field(gt=0)


class ReferenceValue(_Frozen):
    """A threshold shown for orientation only (another method), never graded."""

    name: str
    max_kg_co2e: float = Field(gt=0)
    note: str = ""


class Benchmark(_Frozen):
    """A sourced category benchmark."""

    name: str
    declared_unit: str
    unit: Literal["kg CO2e"] = "kg CO2e"
    scope: str
    compare: Literal["unrounded"] = "unrounded"
    levels: tuple[BenchmarkLevel, ...] = Field(min_length=1)
    references_only: tuple[ReferenceValue, ...] = ()
    note: str = ""


class CertificationRule(_Frozen):
    """What a footprint must rest on to be certified (issue 17): a screening estimate is not a certificate.

    Attributes:
        max_estimate_share: the largest share of the footprint that may rest on estimates (class fits, proxies).
        min_primary_share: the smallest share that must rest on primary data (measured at the maker's or a named
            supplier's site).
        primary_processes: processes of the built specification that must rest on primary data (each must have
            at least one input measured on site, e.g. the assembly electricity of a device).
        how: what the manufacturer declares to meet it, in words (shown with a refusal).
    """

    max_estimate_share: float = Field(ge=0, le=1)
    min_primary_share: float = Field(default=0.0, ge=0, le=1)
    #: the certificate's validity; a label's validity never exceeds it
    certificate_years: int = Field(ge=1, le=10)
    #: months from issue (and from each surveillance audit) to the next surveillance
    surveillance_months: int = Field(ge=1, le=60)
    primary_processes: tuple[str, ...] = ()
    how: str = Field(min_length=1)
    note: str = ""


class CategoryRule(_Frozen):
    """One version of one category's rule, as read from its file (``sha256`` of its canonical JSON)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^\d+(\.\d+)*$")
    title: Text
    kinds: tuple[str, ...] = ()
    standard: str
    declared_unit: DeclaredUnitRule
    boundary: BoundaryRule
    required_stages: dict[Boundary, tuple[Stage, ...]]  # per allowed boundary
    stages_note: str = ""
    electricity: ElectricityRule
    cut_off: CutOffRule
    min_data_quality: DataQualityRule
    validity_years: int = Field(ge=1, le=10)
    validity_note: str = ""
    rounding: RoundingRule
    benchmark: Benchmark | None = None
    benchmark_note: str = ""
    #: what a certifiable footprint rests on (absent in rules before 2026.2: nothing was required)
    certification: CertificationRule | None = None
    sources: dict[str, tuple[str, ...]]
    references: dict[str, Reference]
    sha256: str

    @model_validator(mode="after")
    def _sources_exist(self) -> CategoryRule:
        for path, ids in self.sources.items():
            missing = [i for i in ids if i not in self.references]
            if missing or not ids:
                raise ValueError(f"sources.{path} names unknown references {missing or '(none)'}")
        if self.benchmark is None and not self.benchmark_note:
            raise ValueError("a rule without a benchmark says why in benchmark_note")
        if set(self.required_stages) != set(self.boundary.allowed):
            raise ValueError(f"required_stages must name each allowed boundary {list(self.boundary.allowed)}")
        return self


def numbers_without_source(data: Mapping[str, Any]) -> list[str]:
    """Paths of the numbers in a rule file that no ``sources`` entry covers (itself or a parent path)."""
    covered = set(data.get("sources") or {})
    out = []
    for path, _ in _numbers(data, ""):
        parents = [path[: m.start()] for m in re.finditer(r"[.\[]", path)]
        if path not in covered and not any(p in covered for p in parents):
            out.append(path)
    return out


def _numbers(node: Any, path: str) -> Iterator[tuple[str, float]]:
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield path, float(node)
    elif isinstance(node, Mapping):
        for k, v in node.items():
            if path == "" and k in ("sources", "references"):
                continue
            yield from _numbers(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list | tuple):
        for i, v in enumerate(node):
            yield from _numbers(v, f"{path}[{i}]")
