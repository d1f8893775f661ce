"""Units of factor sources: pint for our own files, and the free-text Chinese units of the CPCD list.

A CPCD value reads ``0.1564kgCO2e / 千瓦时``: a number, a CO2e mass (g, kg, t) and, after the slash, the
reference unit in Chinese. ``parse_cpcd_value`` turns it into kg CO2e per canonical reference unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from footprint.errors import UnitMismatch
from footprint.units import conversion_factor, parse_unit

#: Chinese reference units -> pint expressions.
CHINESE_UNITS: dict[str, str] = {
    "千克": "kg", "公斤": "kg", "克": "g", "公吨": "t", "吨": "t", "毫克": "mg",
    "千瓦时": "kWh", "兆瓦时": "MWh", "度": "kWh", "吉焦": "GJ", "兆焦": "MJ", "kJ": "kJ", "千焦": "kJ",
    "千卡": "kcal",
    "千瓦": "kW", "兆瓦": "MW", "峰值千瓦": "kWp", "峰值兆瓦": "MWp",
    "平方米": "m2", "平方千米": "km2", "立方米": "m3", "升": "L", "毫升": "mL", "1000L": "kL",
    "公顷": "ha", "公亩": "are",
    "米": "m", "千米": "km", "公里": "km",
    "公吨·公里": "t*km", "公吨·千米": "t*km", "人·千米": "person*km", "人·公里": "person*km",
    "立方米·千米": "m3*km", "件·千米": "piece*km", "吉焦·千米": "GJ*km",
    "片": "piece", "个": "piece", "台": "piece", "套": "piece", "件": "piece", "部": "piece",
    "辆": "piece", "条": "piece", "包": "piece", "瓶": "piece", "颗": "piece", "盒": "piece",
    "卷": "piece", "块": "piece", "只": "piece", "支": "piece", "双": "piece", "册": "piece",
    "张": "piece", "箱": "piece", "袋": "piece", "罐": "piece", "杯": "piece", "份": "piece",
    "桶": "piece", "头": "piece",
}
#: Canonical reference unit of each dimension: factors are stored per these.
CANONICAL = ("kg", "kWh", "kW", "m2", "m3", "km", "t*km", "person*km", "piece", "ha", "m3*km",
             "piece*km", "GJ*km")
#: Reference units that are not a product (periods, money, per-person): rejected.
NOT_PRODUCT = ("年", "天", "月", "小时", "时", "万元", "人民币", "晚", "人·次", "人·年", "人·月", "kgCO2e",
               "四舍五入", "吉字节", "千乏", "克拉", "人")
_NUMERATORS = {"gCO2e": Decimal("0.001"), "kgCO2e": Decimal("1"), "tCO2e": Decimal("1000")}
_VALUE = re.compile(
    r"^\s*(?P<num>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?P<mass>[gkt]?gCO2e|tCO2e)\s*/\s*(?P<unit>.+?)\s*$"
)


@dataclass(frozen=True)
class ParsedValue:
    """A CPCD value in kg CO2e per canonical unit, with what it was read from."""

    value_kg_co2e: Decimal
    unit: str  # canonical, pint-parsable
    source_unit: str  # as written
    numerator: str  # gCO2e | kgCO2e | tCO2e


def canonical_unit(unit: str) -> str:
    """The canonical unit for ``unit``'s dimension (``t`` -> ``kg``, ``MWh`` -> ``kWh``)."""
    for candidate in CANONICAL:
        try:
            conversion_factor(unit, candidate)
        except UnitMismatch:
            continue
        return candidate
    parse_unit(unit)  # raises for nonsense
    return unit


def parse_cpcd_value(text: str) -> ParsedValue:
    """Parse ``7.4tCO2e / 公吨`` into 7.4 kg CO2e per kg.

    Raises:
        UnitMismatch: the unit is not a product reference unit or cannot be parsed.
        ValueError: the number cannot be read.
    """
    m = _VALUE.match(text.replace("／", "/"))
    if not m:
        raise ValueError(f"cannot read value and unit from {text!r}")
    try:
        number = Decimal(m.group("num"))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise ValueError(f"not a number: {m.group('num')!r}") from exc
    mass = m.group("mass")
    if mass not in _NUMERATORS:
        raise UnitMismatch(f"unknown CO2e mass unit {mass!r}")
    raw_unit = m.group("unit").strip()
    if any(bad in raw_unit for bad in NOT_PRODUCT) and raw_unit not in CHINESE_UNITS:
        raise UnitMismatch(f"reference unit {raw_unit!r} is a period, currency or person, not a product")
    pint_unit = CHINESE_UNITS.get(raw_unit)
    if pint_unit is None:
        raise UnitMismatch(f"unknown reference unit {raw_unit!r}")
    canonical = canonical_unit(pint_unit)
    # value per source unit -> per canonical unit: divide by how many canonical units one source unit is.
    factor = conversion_factor(pint_unit, canonical)
    per_source = Decimal(f"{factor:.12g}")  # pint works in floats: 0.001 must stay exactly 0.001
    value = number * _NUMERATORS[mass] / per_source
    return ParsedValue(value_kg_co2e=value.normalize(), unit=canonical, source_unit=raw_unit, numerator=mass)
