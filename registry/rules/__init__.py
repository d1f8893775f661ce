"""Product category rules as data, and the checklist a submission must pass before a label is issued.

A rule (``registry/rules/<category>/<version>.yaml``) says, for one product category, how the label value
is declared (PV modules per kWp, electronics per device, components per their own unit), which boundary and
life-cycle stages are required, which electricity series are accepted, the cut-off limit, the data-quality
limit, validity, rounding, and a benchmark where a sourced one exists. Every number in a rule file names its
sources; a new value is a new version file, so an old check can always be repeated unchanged.

``check`` compares a computed :class:`~footprint.model.Result` (and the specification and document behind
it) with a rule and returns a :class:`Checklist`. A check is ``pass``, ``fail``, ``not_applicable`` or
``unverified``: the last means the data cannot decide it (a data gap says something was left out, but not
how much), which is not a pass. ``Checklist.passed`` means no mandatory check failed; ``unverified`` lists
what a verifier still has to look at.

Errors (each with ``code``, ``message`` and ``field``; :class:`registry.errors.RegistryError` below all)::

    RuleError                  rule-error
     ├── UnknownCategory       unknown-category      no category with a rule (also an InvalidInput: 422)
     ├── RuleNotFound          rule-not-found        no such version of a category's rule (also a NotFound)
     ├── InvalidRule           invalid-rule          a rule file is malformed or has a number without source
     ├── LabelValueMissing     label-value-missing   the declared unit's figure is missing (InvalidInput)
     └── BenchmarkMismatch     benchmark-mismatch    a label value in another unit than the benchmark's
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from footprint.model import STAGES, FactorSet, ProductSpec, Result, Stage, canonical_sha256
from registry.errors import InvalidInput, NotFound, RegistryError

RULES_DIR = Path(__file__).parent
#: Product kinds (footprint.loader) whose rule has the same name.
KIND_CATEGORIES: dict[str, str] = {k: k for k in ("pv_module", "monitor", "display", "laptop", "desktop")}
Status = Literal["pass", "fail", "not_applicable", "unverified"]
Boundary = Literal["cradle-to-gate", "cradle-to-grave"]
_GRID_ID = re.compile(r"^cn\.grid\.(?P<series>[^.]+)\.(?P<region>[^.]+)\.(?P<year>\d{4})$")
_UNIT = re.compile(r"^\s*(?P<amount>\d+(?:\.\d+)?)\s+\S")


# ------------------------------------------------------------------------------------------------ errors
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


# ------------------------------------------------------------------------------------------- rule model
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

    basis: Literal["per_kwp", "per_unit", "as_declared"]
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


# --------------------------------------------------------------------------------------------- loading
def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def categories() -> list[str]:
    """Ids of the categories that have a rule file."""
    return list(_categories(RULES_DIR))


@lru_cache(maxsize=4)
def _categories(folder: Path) -> tuple[str, ...]:
    # rule files are package data: read the folder once
    return tuple(sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.yaml"))))


def versions(category: str, *, field: str = "category") -> list[str]:
    """Versions of a category's rule, oldest first.

    Raises:
        UnknownCategory: naming ``field``.
    """
    if category not in categories():
        raise UnknownCategory(f"no rule for category {category!r}; categories: {', '.join(categories())}", field)
    return list(_versions(RULES_DIR, category))


@lru_cache(maxsize=64)
def _versions(folder: Path, category: str) -> tuple[str, ...]:
    return tuple(sorted((p.stem for p in (folder / category).glob("*.yaml")), key=_version_key))


@lru_cache(maxsize=64)
def _read(category: str, version: str) -> CategoryRule:
    path = RULES_DIR / category / f"{version}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidRule(f"{category}/{path.name} is not valid YAML: {exc}".replace("\n", " "), category) from None
    if not isinstance(data, dict):
        raise InvalidRule(f"{path.name} of {category} must hold a mapping", category)
    unsourced = numbers_without_source(data)
    if unsourced:
        raise InvalidRule(f"rule {category} {version}: numbers without a source: {', '.join(unsourced)}", category)
    try:
        rule = CategoryRule.model_validate({**data, "sha256": canonical_sha256(data)})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InvalidRule(f"rule {category} {version}: {where}: {err['msg']}", category) from None
    if (rule.id, rule.version) != (category, version):
        raise InvalidRule(f"{category}/{version}.yaml declares {rule.id} {rule.version}", category)
    return rule


def load_rule(category: str, version: str | None = None, *, field: str = "category") -> CategoryRule:
    """The rule of ``category``: the given version, else the newest.

    Args:
        category: a rule id (``pv_module``, ``monitor``, ``component``...).
        version: a version of it; the newest when None.
        field: the request field an unknown category is reported on.

    Raises:
        UnknownCategory: no rule for the category (naming ``field``).
        RuleNotFound: the category has no such version.
        InvalidRule: the file is malformed or a number in it has no source.
    """
    have = versions(category, field=field)
    if version is None:
        version = have[-1]
    elif version not in have:
        raise RuleNotFound(f"rule {category} has no version {version!r}; versions: {', '.join(have)}", "version")
    return _read(category, version)


def rules() -> list[CategoryRule]:
    """The newest rule of every category."""
    return [load_rule(c) for c in categories()]


def category_of(document: Mapping[str, Any], default: str | None = None) -> str:
    """The category whose rule applies to a product document: an explicit ``category``, else its ``kind``.

    A ``custom`` document without ``category`` takes ``default`` (say, the registered product's category).

    Raises:
        UnknownCategory: naming the field ``category`` (missing for a custom product, or unknown, or not
            applicable to the kind) or ``kind`` (a kind without a rule).
    """
    kind = document.get("kind", "custom")
    if not isinstance(kind, str):
        raise UnknownCategory("kind must be a text such as pv_module, monitor or custom", "kind")
    explicit = document.get("category")
    if explicit is not None:
        if not isinstance(explicit, str) or explicit not in categories():
            raise UnknownCategory(f"unknown category {explicit!r}; categories: {', '.join(categories())}",
                                  "category")
        rule = load_rule(explicit)
        if kind != "custom" and kind not in rule.kinds:
            raise UnknownCategory(f"category {explicit!r} does not apply to kind {kind!r}", "category")
        return explicit
    if kind == "custom" and default is not None:
        return category_of({"category": default})
    if kind == "custom":
        raise UnknownCategory(f"a custom product names its rule in `category` (one of: {', '.join(categories())})",
                              "category")
    if kind in KIND_CATEGORIES:
        return KIND_CATEGORIES[kind]
    raise UnknownCategory(f"no rule for kind {kind!r}", "kind")


# -------------------------------------------------------------------------------------------- checklist
@dataclass(frozen=True)
class RuleCheck:
    """The outcome of one requirement of a rule."""

    rule: str  # stable id: category, declared-unit, boundary, stages, electricity-series, cut-off, ...
    title: str
    mandatory: bool
    status: Status
    detail: str
    values: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Checklist:
    """Every check of one submission against one rule version."""

    category: str
    rule_version: str
    rule_sha256: str
    items: list[RuleCheck]

    @property
    def passed(self) -> bool:
        """No mandatory check failed (``unverified`` checks are not failures, and not passes either)."""
        return not any(i.mandatory and i.status == "fail" for i in self.items)

    @property
    def unverified(self) -> list[str]:
        """Ids of the checks the data could not decide, for a verifier to settle."""
        return [i.rule for i in self.items if i.status == "unverified"]

    def item(self, rule: str) -> RuleCheck:
        """The check with id ``rule``."""
        return next(i for i in self.items if i.rule == rule)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: the rule's id, version and hash, ``passed``, ``unverified`` and the items."""
        return {"category": self.category, "rule_version": self.rule_version, "rule_sha256": self.rule_sha256,
                "passed": self.passed, "unverified": self.unverified,
                "items": [{**asdict(i), "notes": list(i.notes)} for i in self.items]}


def check(
    rule: CategoryRule,
    document: Mapping[str, Any],
    spec: ProductSpec,
    result: Result,
    *,
    factors: FactorSet | None = None,
) -> Checklist:
    """Check a computed submission against ``rule``.

    Args:
        rule: the category rule.
        document: the product file as parsed (its ``kind``/``category``).
        spec: the specification built from it (which stages are modelled).
        result: its footprint.
        factors: the release the result was computed with; when given, "a region has a life-cycle
            electricity series" (for any year) is looked up in it, else the rule's ``lifecycle_series_regions``
            is used.
    """
    items = [
        _check_category(rule, document),
        _check_declared_unit(rule, spec, result),
        _check_boundary(rule, result),
        _check_stages(rule, spec, result),
        _check_electricity(rule, result, factors),
        _check_cut_off(rule, result),
        *_check_data_quality(rule, result),
    ]
    return Checklist(category=rule.id, rule_version=rule.version, rule_sha256=rule.sha256, items=items)


def _check_category(rule: CategoryRule, document: Mapping[str, Any]) -> RuleCheck:
    title = "Product category matches the rule"
    try:
        found = category_of(document, default=rule.id)
    except RuleError as exc:
        return RuleCheck("category", title, True, "fail", exc.message, {"field": exc.field})
    status: Status = "pass" if found == rule.id else "fail"
    return RuleCheck("category", title, True, status, f"document category {found}, rule {rule.id}",
                     {"document": found, "rule": rule.id})


def _check_declared_unit(rule: CategoryRule, spec: ProductSpec, result: Result) -> RuleCheck:
    title = "Declared unit"
    basis = rule.declared_unit.basis
    if basis == "per_kwp":
        wp, per = result.extra.get("rated_power_wp"), result.extra.get("per_kwp_kg_co2e")
        if not wp or per is None:
            return RuleCheck("declared-unit", title, True, "fail",
                             "no rated power: the value per kWp (extra.per_kwp_kg_co2e) cannot be formed",
                             {"rated_power_wp": wp})
        detail = (f"{result.total_kg_co2e:.4g} kg CO2e per module / {float(wp) / 1000:g} kWp = "
                  f"{float(per):.4g} kg CO2e per 1 kWp")
        return RuleCheck("declared-unit", title, True, "pass", detail,
                         {"rated_power_wp": wp, "per_kwp_kg_co2e": per, "declared_unit": "1 kWp"})
    match = _UNIT.match(spec.declared_unit)
    ok = match is not None and Decimal(match["amount"]) > 0
    if basis == "per_unit":
        ok = ok and match is not None and Decimal(match["amount"]) == 1
    expected = "one device (\"1 <device> ...\")" if basis == "per_unit" else "\"<positive number> <unit>\""
    detail = f"declared unit {spec.declared_unit!r}" + ("" if ok else f": expected {expected}")
    return RuleCheck("declared-unit", title, True, "pass" if ok else "fail", detail,
                     {"declared_unit": spec.declared_unit, "basis": basis})


def _check_boundary(rule: CategoryRule, result: Result) -> RuleCheck:
    ok = result.boundary in rule.boundary.allowed
    detail = f"{result.boundary} {'is' if ok else 'is not'} allowed ({', '.join(rule.boundary.allowed)})"
    return RuleCheck("boundary", "System boundary", True, "pass" if ok else "fail", detail,
                     {"boundary": result.boundary, "allowed": list(rule.boundary.allowed)})


def _check_stages(rule: CategoryRule, spec: ProductSpec, result: Result) -> RuleCheck:
    title = "Required life-cycle stages"
    modelled = [s for s in STAGES if any(p.stage == s for p in spec.processes)]
    required = {str(k): v for k, v in rule.required_stages.items()}.get(result.boundary)
    values: dict[str, Any] = {"boundary": result.boundary, "required": list(required or ()), "modelled": modelled,
                              "kg_co2e": {s: result.stages.get(s, 0.0) for s in modelled}}
    if required is None:
        return RuleCheck("stages", title, True, "not_applicable",
                         f"the rule sets no stages for {result.boundary}: that boundary is not allowed", values)
    missing = [s for s in required if s not in modelled]
    if missing:
        return RuleCheck("stages", title, True, "fail",
                         f"not modelled: {', '.join(missing)} (required for {result.boundary}: {', '.join(required)})",
                         values)
    return RuleCheck("stages", title, True, "pass",
                     f"modelled: {', '.join(modelled)}; required for {result.boundary}: {', '.join(required) or 'none'}",
                     values)


def _check_electricity(rule: CategoryRule, result: Result, factors: FactorSet | None) -> RuleCheck:
    title = "Electricity factor series (location-based)"
    er = rule.electricity
    if factors is not None:
        lifecycle = sorted({f.geography for f in factors.factors.values()
                            if f.category == "electricity" and f.series == er.required_series})
    else:
        lifecycle = sorted(er.lifecycle_series_regions)
    used: dict[str, tuple[str, str, str]] = {}
    for row in result.electricity.by_process:
        m = _GRID_ID.match(str(row.get("factor", "")))
        if m:
            used[m.group(0)] = (m["series"], m["region"], m["year"])
        else:
            used[str(row.get("factor"))] = (result.electricity.series, str(row.get("region")),
                                            str(result.electricity.year))
    values: dict[str, Any] = {"factors": sorted(used), "lifecycle_series_regions": lifecycle,
                              "required_series": er.required_series}
    if not used:
        return RuleCheck("electricity-series", title, True, "not_applicable", "no grid electricity in the model",
                         values)
    notes, rejected = [], []
    for fid, (series, region, _year) in sorted(used.items()):
        if series == er.required_series:
            continue
        if series == er.co2_only_series and region not in lifecycle:
            notes.append(f"{fid}: CO2-only {series} accepted: {region} has no {er.required_series} series "
                         "(life-cycle factors exist only for " + (", ".join(lifecycle) or "no region") + ")")
        elif series == er.co2_only_series:
            rejected.append(f"{fid}: {region} has the life-cycle series {er.required_series}; use it")
        else:
            rejected.append(f"{fid}: series {series} is not accepted (use {er.required_series}"
                            + (f", or {er.co2_only_series} where no life-cycle series exists)" if er.co2_only_series
                               else ")"))
    values.update(accepted_with_note=[n.split(":")[0] for n in notes], rejected=[r.split(":")[0] for r in rejected])
    if rejected:
        return RuleCheck("electricity-series", title, True, "fail", "; ".join(rejected), values, tuple(notes))
    accepted = f"{len(notes)} CO2-only provincial/regional factor(s) accepted with a note"
    detail = f"{len(used)} grid factor(s); " + (accepted if notes else f"all {er.required_series}")
    return RuleCheck("electricity-series", title, True, "pass", detail, values, tuple(notes))


def _check_cut_off(rule: CategoryRule, result: Result) -> RuleCheck:
    title = "Cut-off: excluded emissions"
    limit = rule.cut_off.max_share
    excluded = 0.0  # the engine records no quantified exclusion (see the rule's cut_off.note)
    whole = result.total_kg_co2e + excluded
    share = excluded / whole if whole > 0 else 0.0
    markers = [m.lower() for m in rule.cut_off.exclusion_markers]
    unquantified = [g for g in result.data_gaps if any(m in g.lower() for m in markers)]
    values = {"excluded_kg_co2e": excluded, "share": share, "max_share": limit, "not_quantifiable": unquantified}
    head = f"excluded {share * 100:.1f} % {'<=' if share <= limit else '>'} {limit * 100:g} %"
    if share > limit:
        return RuleCheck("cut-off", title, True, "fail", head, values)
    if unquantified:
        return RuleCheck("cut-off", title, True, "unverified",
                         f"quantified {head}; {len(unquantified)} exclusion(s) not quantifiable, a verifier must "
                         f"estimate them against {limit * 100:g} %", values, tuple(unquantified))
    return RuleCheck("cut-off", title, True, "pass", head, values)


def _check_data_quality(rule: CategoryRule, result: Result) -> list[RuleCheck]:
    dq, limits = result.data_quality, rule.min_data_quality
    thresholds = [("data-quality", f"Data quality (PEF DQR <= {limits.max_dqr:g})", True, limits.max_dqr)]
    if limits.target_dqr is not None:
        thresholds.append(("data-quality-target", f"Data quality target (PEF DQR <= {limits.target_dqr:g})", False,
                           limits.target_dqr))
    out = []
    for rid, title, mandatory, limit in thresholds:
        if dq is None:  # nothing to judge by: a verifier must assess the data (not a pass)
            out.append(RuleCheck(rid, title, mandatory, "unverified",
                                 "no data-quality rating: no factor that contributes has a pedigree", {"max_dqr": limit}))
            continue
        ok = dq.rating <= limit
        out.append(RuleCheck(rid, title, mandatory, "pass" if ok else "fail",
                             f"DQR {dq.rating:.2f} ({dq.label}) {'<=' if ok else '>'} {limit:.1f} (lower is better)",
                             {"rating": dq.rating, "label": dq.label, "max_dqr": limit}))
    return out


# --------------------------------------------------------------------------------- label value, grade
def round_significant(value: float | Decimal | str, figures: int) -> str:
    """``value`` rounded to ``figures`` significant figures, ties to even, as a plain decimal string.

    A float is taken as its shortest decimal (``repr``): 0.1235 is the tie 0.1235, not its binary neighbour.
    ``round_significant(1234.5, 3) == "1230"``; ``round_significant(999.6, 3) == "1000"``.
    """
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not d.is_finite():
        raise ValueError(f"cannot round {value!r}")
    if d.is_zero():
        return "0"
    with localcontext() as ctx:
        ctx.prec = max(28, figures + 2 + abs(d.adjusted()))
        exponent = d.adjusted() - figures + 1
        q = d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)
        if q.adjusted() > d.adjusted():  # carried into a new leading digit (999.6 -> 1000): one figure fewer
            q = d.quantize(Decimal(1).scaleb(exponent + 1), rounding=ROUND_HALF_EVEN)
    return format(q, "f")


@dataclass(frozen=True)
class LabelValue:
    """The number a label states: ``value`` (rounded per the rule) in ``unit`` per ``declared_unit``.

    ``raw`` is the unrounded value in the same unit.
    """

    value: str
    unit: Literal["kg CO2e", "g CO2e"]
    declared_unit: str
    raw: float


def label_value(rule: CategoryRule, result: Result) -> LabelValue:
    """The label value of ``result`` under ``rule``.

    Raises:
        LabelValueMissing: a PV rule and a result without ``extra.per_kwp_kg_co2e`` (no rated power).
    """
    du = rule.declared_unit
    if du.basis == "per_kwp":
        per = result.extra.get("per_kwp_kg_co2e")
        if per is None:
            raise LabelValueMissing("the result has no value per kWp (extra.per_kwp_kg_co2e)", "rated_power_wp")
        raw_kg, declared = Decimal(repr(float(per))), du.text or "1 kWp"
    else:
        raw_kg, declared = Decimal(repr(float(result.total_kg_co2e))), du.text or result.declared_unit
    grams = du.unit == "g CO2e" or (du.unit == "auto" and abs(raw_kg) < 1)
    raw = raw_kg.scaleb(3) if grams else raw_kg
    return LabelValue(value=round_significant(raw, rule.rounding.significant_figures),
                      unit="g CO2e" if grams else "kg CO2e", declared_unit=declared, raw=float(raw))


@dataclass(frozen=True)
class Grade:
    """A benchmark level a label value meets."""

    id: str
    name: Text
    threshold_kg_co2e: float
    declared_unit: str
    benchmark: str
    source: str  # the references behind the threshold, "title <url>; ..."


def grade(rule: CategoryRule, value: LabelValue) -> Grade | None:
    """The best benchmark level ``value`` meets; None without a benchmark or when no level is met.

    The unrounded value is compared (``value.raw <= max``), so rounding never lifts a product into a
    better grade: 400.4 kg CO2e/kWp is stated "400" but graded low carbon, not ultra-low carbon.

    Raises:
        BenchmarkMismatch: the value is not in the benchmark's unit and declared unit.
    """
    bm = rule.benchmark
    if bm is None:
        return None
    if (value.unit, value.declared_unit) != (bm.unit, bm.declared_unit):
        raise BenchmarkMismatch(f"label value in {value.unit} per {value.declared_unit}; the benchmark is in "
                                f"{bm.unit} per {bm.declared_unit}", "declared_unit")
    for i, level in sorted(enumerate(bm.levels), key=lambda il: il[1].max_kg_co2e):
        if value.raw <= level.max_kg_co2e:
            refs = rule.sources.get(f"benchmark.levels[{i}].max_kg_co2e", ())
            source = "; ".join(rule.references[r].title + (f" <{rule.references[r].url}>" if rule.references[r].url
                                                           else "") for r in refs)
            return Grade(id=level.id, name=level.name, threshold_kg_co2e=level.max_kg_co2e,
                         declared_unit=bm.declared_unit, benchmark=bm.name, source=source)
    return None


def valid_until(rule: CategoryRule, start: date) -> date:
    """End of validity, exclusive (like PACT's ``validityPeriodEnd``): ``start`` plus ``validity_years``.

    ``start`` is the end of the reference period or the day of calculation; 29 February ends on 28 February.
    """
    year = start.year + rule.validity_years
    day = min(start.day, calendar.monthrange(year, start.month)[1])
    return date(year, start.month, day)
