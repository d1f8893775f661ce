"""The label value (rounded per the rule), the grade against a sourced benchmark, and the validity end."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Literal

from footprint.model import Result
from registry.rules.model import BenchmarkMismatch, CategoryRule, LabelValueMissing, Text


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
    elif du.basis == "per_kwh_capacity":
        per = result.extra.get("battery.kg_co2e_per_kwh_capacity")
        if per is None:
            raise LabelValueMissing("the result has no value per kWh of capacity "
                                    "(extra.battery.kg_co2e_per_kwh_capacity)", "capacity_kwh")
        raw_kg, declared = Decimal(repr(float(per))), du.text or "1 kWh"
    elif du.basis == "per_m2_panel":
        per = result.extra.get("display.kg_co2e_per_m2")
        if per is None:
            raise LabelValueMissing("the result has no value per m2 of panel (extra.display.kg_co2e_per_m2)",
                                    "area_m2")
        raw_kg, declared = Decimal(repr(float(per))), du.text or "1 m2"
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
