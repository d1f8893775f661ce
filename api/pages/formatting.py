"""Numbers with their unit, dates and shares, written for the page's language (Babel).

:func:`quantity` is the one place that writes a number with its unit. A value certified as decimal text keeps
exactly its digits (``"18.90"`` stays 18.90: the label's rounding is the category rule's, not ours); a
count (an int) keeps its digits; a
computed float gets three significant figures, never fewer than its integer digits (327.5 -> 328,
13.007 -> 13.0, 0.0423 -> 0.0423), and no exponent.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from api.pages.i18n import BABEL_LOCALE, DEFAULT_LANGUAGE

NBSP = "\u00a0"
_SUBSCRIPTS = ((re.compile(r"\bCO2(?=e?\b)"), "CO₂"), (re.compile(r"\b(k?m)2\b"), r"\1²"),
               (re.compile(r"\b(k?m)3\b"), r"\1³"))


def _locale(lang: str) -> str:
    return BABEL_LOCALE.get(lang, BABEL_LOCALE[DEFAULT_LANGUAGE])


def pretty_unit(unit: str) -> str:
    """A unit as people write it: ``kg CO2e`` -> ``kg CO₂e``, ``m2`` -> ``m²``."""
    for pattern, repl in _SUBSCRIPTS:
        unit = pattern.sub(repl, unit)
    return unit


def round_significant(x: float, digits: int = 3) -> Decimal:
    """``x`` with ``digits`` significant figures, or as an integer when it has more integer digits."""
    if x == 0 or not math.isfinite(x):
        return Decimal(0)
    exponent = math.floor(math.log10(abs(x)))
    places = max(digits - 1 - exponent, 0)
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _format_exact(value: Decimal, lang: str) -> str:
    """``value`` with grouping and exactly its own decimal places (babel drops trailing zeros otherwise)."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=_locale(lang), decimal_quantization=False)


def number(value: str | float | int | Decimal, lang: str, digits: int = 3) -> str:
    """A number for ``lang``: decimal text keeps its digits; floats get ``digits`` significant figures."""
    if isinstance(value, str):
        try:
            exact = Decimal(value)
        except InvalidOperation:
            return value  # not a number: shown as text (the template escapes it)
        return _format_exact(exact, lang) if exact.is_finite() else value
    if isinstance(value, Decimal):
        return _format_exact(value, lang)
    if isinstance(value, int):  # a count: exactly its digits
        return _format_exact(Decimal(value), lang)
    return _format_exact(round_significant(float(value), digits), lang)


def quantity(value: str | float | int | Decimal | None, unit: str, lang: str, digits: int = 3) -> str:
    """``value`` and ``unit`` joined by a no-break space, e.g. ``1,234 kg CO₂e``; ``–`` for None."""
    if value is None:
        return "–"
    return f"{number(value, lang, digits)}{NBSP}{pretty_unit(unit)}" if unit else number(value, lang, digits)


def share(fraction: float | None, lang: str) -> str:
    """A fraction as a percentage: whole percent from 10 %, one decimal below (``0.564`` -> ``56%``)."""
    if fraction is None:
        return "–"
    pattern = "#,##0%" if abs(fraction) >= 0.1 or fraction == 0 else "#,##0.0%"
    return format_percent(fraction, format=pattern, locale=_locale(lang))


def day(value: str | date | None, lang: str) -> str:
    """An ISO date in the language's long form (``2029年11月22日``, ``22 November 2029``)."""
    if value is None:
        return "–"
    try:
        d = value if isinstance(value, date) else date.fromisoformat(value)
    except ValueError:
        return str(value)
    return format_date(d, format="long", locale=_locale(lang))


def moment(value: str | datetime | None, lang: str) -> str:
    """An ISO date-time, to the minute, in UTC as stored."""
    if value is None:
        return "–"
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError:
        return str(value)
    return format_datetime(dt, format="medium", locale=_locale(lang))
