"""Form values as typed, and the errors beside each field (GOV.UK pattern: summary on top, message at the field).

A :class:`Form` keeps every value exactly as the person typed it (shown back, escaped by the template) and, per
field, the ``msgid`` of its error (translated where it is shown). Nothing here touches the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from api.pages.i18n import N_

MAX_TEXT = 200  # characters of a search text used (the rest is ignored, and said so by the echo)

ENTER_NUMBER = N_("Enter a number, for example 400 or 27.5.")
ENTER_POSITIVE = N_("Enter a number greater than 0.")
ENTER_NOT_NEGATIVE = N_("Enter a number of 0 or more.")
ENTER_DATE = N_("Enter a date as year-month-day, for example 2027-06-30.")
MIN_ABOVE_MAX = N_("The lowest value is above the highest.")
CHOOSE_FROM_LIST = N_("Choose one of the listed values.")
REQUIRED = N_("This field is required.")
STALE_CURSOR = N_("This page link is no longer valid: start the search again.")
CHOOSE_FILE = N_("Choose a product file (YAML or JSON).")
UNREADABLE_FILE = N_("The file could not be read:")
TOO_MANY_RUNS = N_("At most 2000 Monte Carlo runs.")
NO_SUCH_LABEL = N_("No label with this number is in the registry.")
LOG_SIZES = N_("Enter sizes from 1 to the log's size, the first not above the second.")
ENGINE_REFUSED = N_("The calculator could not use this value: see the reason above.")
WHOLE_NUMBER = N_("Enter a whole number of 0 or more.")
TOO_LONG = N_("This text is too long.")


@dataclass
class Form:
    """The values of a form as typed, and the errors found in them."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    multi: dict[str, list[str]] = field(default_factory=dict)

    REQUIRED: ClassVar[str] = REQUIRED
    ENTER_NUMBER: ClassVar[str] = ENTER_NUMBER
    ENTER_POSITIVE: ClassVar[str] = ENTER_POSITIVE
    ENTER_NOT_NEGATIVE: ClassVar[str] = ENTER_NOT_NEGATIVE

    @classmethod
    def of(cls, params: Mapping[str, str], multi: Mapping[str, list[str]] | None = None) -> Form:
        return cls({k: str(v)[:1000] for k, v in params.items()}, {}, dict(multi or {}))

    def text(self, name: str, limit: int = MAX_TEXT, *, required: bool = False, strict: bool = False) -> str:
        """The text as typed (stripped). Over ``limit`` characters it is cut (a search box), or, ``strict``, an
        error (a field whose whole value is stored)."""
        value = self.values.get(name, "").strip()
        if required and not value:
            self.errors[name] = self.REQUIRED
        elif strict and len(value) > limit:
            self.errors[name] = TOO_LONG
        return value[:limit]

    def number(self, name: str, *, positive: bool = False, not_negative: bool = False,
               required: bool = False) -> float | None:
        raw = self.values.get(name, "").strip().replace(",", "").replace("，", "")
        if not raw:
            if required:
                self.errors[name] = self.REQUIRED
            return None
        try:
            value = float(raw)
        except ValueError:
            self.errors[name] = self.ENTER_NUMBER
            return None
        if not math.isfinite(value) or abs(value) > 1e12:
            self.errors[name] = self.ENTER_NUMBER
            return None
        if positive and value <= 0:
            self.errors[name] = self.ENTER_POSITIVE
            return None
        if not_negative and value < 0:
            self.errors[name] = self.ENTER_NOT_NEGATIVE
            return None
        return value

    def integer(self, name: str, *, minimum: int = 0, required: bool = False) -> int | None:
        value = self.number(name, required=required)
        if value is None:
            return None
        if value != int(value) or value < minimum:
            self.errors[name] = WHOLE_NUMBER
            return None
        return int(value)

    def day(self, name: str) -> date | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = ENTER_DATE
            return None

    def choice(self, name: str, allowed: Iterable[str], *, required: bool = False) -> str | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            if required:
                self.errors[name] = REQUIRED
            return None
        if raw not in set(allowed):
            self.errors[name] = CHOOSE_FROM_LIST
            return None
        return raw

    def range(self, low: str, high: str, *, not_negative: bool = True) -> tuple[float | None, float | None]:
        lo = self.number(low, not_negative=not_negative)
        hi = self.number(high, not_negative=not_negative)
        if lo is not None and hi is not None and lo > hi:
            self.errors[low] = MIN_ABOVE_MAX
        return lo, hi

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors
