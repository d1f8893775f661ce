"""The checklist a submission must pass: declared unit, boundary, stages, electricity series, cut-off, data quality."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from footprint.model import STAGES, FactorSet, ProductSpec, Result
from registry.rules.loading import category_of
from registry.rules.model import CategoryRule, RuleError, Status

_GRID_ID = re.compile(r"^cn\.grid\.(?P<series>[^.]+)\.(?P<region>[^.]+)\.(?P<year>\d{4})$")


_UNIT = re.compile(r"^\s*(?P<amount>\d+(?:\.\d+)?)\s+\S")


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
        _check_electricity_mode(rule, result),
        _check_cut_off(rule, result),
        *_check_data_quality(rule, result),
        *_check_certification(rule, document, spec, result),
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
    if basis == "per_kwh_capacity":
        cap, per = result.extra.get("battery.capacity_kwh"), result.extra.get("battery.kg_co2e_per_kwh_capacity")
        if not cap or per is None:
            return RuleCheck("declared-unit", title, True, "fail", "no capacity: the value per kWh cannot be formed",
                             {"capacity_kwh": cap})
        detail = (f"{result.total_kg_co2e:.4g} kg CO2e per {spec.declared_unit} / {float(cap):g} kWh = "
                  f"{float(per):.4g} kg CO2e per 1 kWh of capacity")
        return RuleCheck("declared-unit", title, True, "pass", detail,
                         {"capacity_kwh": cap, "kg_co2e_per_kwh_capacity": per, "declared_unit": "1 kWh"})
    if basis == "per_m2_panel":
        area, per = result.extra.get("display.area_m2"), result.extra.get("display.kg_co2e_per_m2")
        if not area or per is None:
            return RuleCheck("declared-unit", title, True, "fail", "no panel area: the value per m2 cannot be formed",
                             {"area_m2": area})
        detail = (f"{result.total_kg_co2e:.4g} kg CO2e per {spec.declared_unit} / {float(area):g} m2 = "
                  f"{float(per):.4g} kg CO2e per 1 m2 of panel")
        return RuleCheck("declared-unit", title, True, "pass", detail,
                         {"area_m2": area, "kg_co2e_per_m2": per, "declared_unit": "1 m2"})
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


def _check_electricity_mode(rule: CategoryRule, result: Result) -> RuleCheck:
    """The declaration claims the accounting mode the rule asks for; the other modes are shown, never claimed."""
    title = "Electricity accounting mode"
    asked, used = rule.electricity.accounting_mode, result.electricity.mode
    modes = result.electricity.modes
    values: dict[str, Any] = {"asked": asked, "used": used,
                              "totals_kg_co2e": {m: v.get("total_kg_co2e") for m, v in modes.items()}}
    if not result.electricity.by_process:
        return RuleCheck("electricity-mode", title, True, "not_applicable", "no grid electricity in the model", values)
    if used != asked:
        figure = modes.get(asked, {}).get("total_kg_co2e")
        shown = f"; under {asked} the total is {figure:.6g} kg CO2e" if isinstance(figure, float) else ""
        return RuleCheck("electricity-mode", title, True, "fail",
                         f"the rule asks {asked}, the product file claims {used}{shown}", values)
    return RuleCheck("electricity-mode", title, True, "pass", f"{used}, as the rule asks", values)


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


#: Where a product file describes what replaces an estimate, by kind (the field a refusal names).
_EVIDENCE_FIELD = {"monitor": "components", "display": "components", "laptop": "components", "desktop": "components",
                   "battery": "bill_of_materials"}


def _check_certification(rule: CategoryRule, document: Mapping[str, Any], spec: ProductSpec,
                         result: Result) -> list[RuleCheck]:
    """Whether the footprint rests on what the rule requires to certify it (data basis; primary processes)."""
    req = rule.certification
    if req is None:
        return []
    title = "Certifiable: data basis"
    basis = result.data_basis or {}
    estimate, primary = basis.get("estimate", 0.0), basis.get("primary", 0.0)
    values: dict[str, Any] = {"data_basis": basis, "max_estimate_share": req.max_estimate_share,
                              "min_primary_share": req.min_primary_share, "field": "spec"}
    problems = []
    if estimate > req.max_estimate_share:
        problems.append(f"{estimate:.0%} of the footprint rests on estimates (class averages of other products or "
                        f"proxies), above the {req.max_estimate_share:.0%} this rule allows: a screening estimate "
                        "cannot be certified")
    if primary < req.min_primary_share:
        problems.append(f"{primary:.0%} rests on primary data, below the {req.min_primary_share:.0%} required")
    by_id = {p.id: p for p in spec.processes}
    for pid in req.primary_processes:
        p = by_id.get(pid)
        measured = p is not None and (p.primary_data or any(i.basis == "primary" for i in p.inputs))
        if not measured:
            problems.append(f"the process {pid!r} rests on no primary data (measured on site)")
            values["missing_primary"] = pid
    if problems:
        evidence = _EVIDENCE_FIELD.get(str(document.get("kind")))
        values["field"] = f"spec.{evidence}" if evidence and evidence not in document else "spec"
        return [RuleCheck("certifiable", title, True, "fail", "; ".join(problems) + f". {req.how}", values)]
    return [RuleCheck("certifiable", title, True, "pass",
                      f"{primary:.0%} primary data, {estimate:.0%} estimates (at most {req.max_estimate_share:.0%})",
                      values)]


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
