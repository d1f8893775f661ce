"""What a printed carbon-footprint label shows: :class:`LabelData` and its optional :class:`Grade`.

Both are frozen and validate themselves in ``__post_init__``; a bad field raises ``ValueError`` whose
message starts with the field's name. Footprint values are decimal strings (``"412"``, ``"0.85"``),
never floats, so the label prints exactly the number the registry signed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

BOUNDARIES = ("cradle-to-gate", "cradle-to-grave")
STATUSES = ("active", "suspended", "revoked", "expired", "superseded", "damaged")
DEFAULT_STANDARD = "GB/T 24067-2024 / ISO 14067"

_LABEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DECIMAL = re.compile(r"-?\d{1,12}(\.\d{1,6})?")
# Printable ASCII without spaces: what a URI in a QR code may hold once percent-encoded.
_URI_TEXT = re.compile(r"[!-~]{1,2000}")


#: The longest text of each field a label prints: the one set of limits that the registry's API and forms apply
#: when the text is entered (so that a product or organisation the registry accepts always renders).
LIMITS: dict[str, int] = {"product_name": 120, "model": 60, "manufacturer": 120, "certifier": 120}


def text_problem(value: object, max_len: int) -> str | None:
    """Why ``value`` cannot be printed in a field of ``max_len`` characters, or None: it must be a non-blank,
    printable, single-line string without surrounding spaces."""
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty text"
    if len(value) > max_len:
        return f"at most {max_len} characters, got {len(value)}"
    if value != value.strip():
        return "has leading or trailing spaces"
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return "contains a control or unassigned character"
    return None


def _text(field: str, value: object, max_len: int, optional: bool = False) -> None:
    """Check that ``value`` is a non-blank, printable, single-line string of at most ``max_len`` characters."""
    if value is None and optional:
        return
    problem = text_problem(value, max_len)
    if problem is not None:
        raise ValueError(f"{field}: {problem}: {value!r}"[:300])


def _decimal(field: str, value: object) -> None:
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise ValueError(f"{field}: must be a decimal string such as '412' or '0.85', got {value!r}")


@dataclass(frozen=True)
class Grade:
    """A grade awarded against a published benchmark, printed only when the registry gives one.

    Attributes:
        letter: the grade as printed in the badge, e.g. ``"A"`` or ``"1"``.
        name: the grade's name, e.g. ``"超低碳 Ultra-low carbon"``.
        benchmark: the benchmark's name, e.g. ``"EPEAT ultra-low-carbon solar"``.
        source: where the benchmark is published, e.g. ``"NSF/ANSI 457, EPEAT PV criteria"``.
        threshold: the benchmark's limit as a decimal string, e.g. ``"400"``, or None.
        threshold_unit: the limit's unit, e.g. ``"kg CO2e/kWp"``; required with ``threshold``.
    """

    letter: str
    name: str
    benchmark: str
    source: str
    threshold: str | None = None
    threshold_unit: str | None = None

    def __post_init__(self) -> None:
        _text("grade.letter", self.letter, 3)
        _text("grade.name", self.name, 40)
        _text("grade.benchmark", self.benchmark, 80)
        _text("grade.source", self.source, 120)
        if self.threshold is not None:
            _decimal("grade.threshold", self.threshold)
            _text("grade.threshold_unit", self.threshold_unit, 32)
        elif self.threshold_unit is not None:
            raise ValueError("grade.threshold_unit: given without grade.threshold")


@dataclass(frozen=True, kw_only=True)
class LabelData:
    """Everything a printed label shows, already decided by the registry (keyword arguments only).

    Attributes:
        label_id: the registry's label number, e.g. ``"CD-PCF-2026-000123"`` (letters, digits, ``.``, ``_``, ``-``).
        version: the label's version, 1 for the first issue.
        product_name: the product's name as declared (Chinese or any language), at most 120 characters.
        value: the footprint per declared unit as a decimal string, e.g. ``"412"``.
        unit: the footprint's unit, e.g. ``"kg CO2e"`` (``CO2`` is printed with a subscript two).
        declared_unit: what the value is for, e.g. ``"1 kWp"`` or ``"1 monitor over 6 years of use"``.
        boundary: ``"cradle-to-gate"`` or ``"cradle-to-grave"``.
        certifier: the certification body's name.
        valid_from: first day of validity.
        valid_until: last day of validity (not before ``valid_from``).
        qr_content: the exact text of the QR code, usually from :func:`label.qr.qr_content`.
        product_name_en: the English name, if any.
        model: the model or type designation, if any.
        manufacturer: the manufacturer's name, if any.
        standard: the quantification standard.
        grade: a grade against a benchmark, if the registry awarded one.
        status: one of :data:`STATUSES`; anything but ``"active"`` prints a red status badge in the header.
        certificate: the number of the certificate behind the label, if any (e.g. ``"C-CD-PCF-2026-000123"``).
        primary_data_share: the share of the footprint resting on primary data as a decimal fraction string
            (``"0.78"``), printed in one line as a percentage; None when the claim does not state it.
    """

    label_id: str
    version: int
    product_name: str
    product_name_en: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    value: str
    unit: str
    declared_unit: str
    boundary: str
    standard: str = DEFAULT_STANDARD
    certifier: str
    valid_from: date
    valid_until: date
    qr_content: str
    grade: Grade | None = None
    status: str = "active"
    certificate: str | None = None
    primary_data_share: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.label_id, str) or not _LABEL_ID.fullmatch(self.label_id):
            raise ValueError(f"label_id: letters, digits, '.', '_' or '-' (at most 64), got {self.label_id!r}")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError(f"version: must be an integer >= 1, got {self.version!r}")
        _text("product_name", self.product_name, LIMITS["product_name"])
        _text("product_name_en", self.product_name_en, 120, optional=True)
        _text("model", self.model, LIMITS["model"], optional=True)
        _text("manufacturer", self.manufacturer, LIMITS["manufacturer"], optional=True)
        _decimal("value", self.value)
        _text("unit", self.unit, 24)
        _text("declared_unit", self.declared_unit, 80)
        if self.boundary not in BOUNDARIES:
            raise ValueError(f"boundary: must be one of {BOUNDARIES}, got {self.boundary!r}")
        _text("standard", self.standard, 80)
        _text("certifier", self.certifier, LIMITS["certifier"])
        for field in ("valid_from", "valid_until"):
            day = getattr(self, field)
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"{field}: must be a datetime.date, got {day!r}")
        if self.valid_until < self.valid_from:
            raise ValueError(f"valid_until: {self.valid_until} is before valid_from {self.valid_from}")
        if not isinstance(self.qr_content, str) or not _URI_TEXT.fullmatch(self.qr_content):
            raise ValueError("qr_content: must be 1 to 2000 printable ASCII characters without spaces")
        if self.grade is not None and not isinstance(self.grade, Grade):
            raise ValueError(f"grade: must be a Grade or None, got {type(self.grade).__name__}")
        _text("certificate", self.certificate, 40, optional=True)
        if self.primary_data_share is not None:
            _decimal("primary_data_share", self.primary_data_share)
            if not 0 <= float(self.primary_data_share) <= 1:
                raise ValueError(f"primary_data_share: a fraction from 0 to 1, got {self.primary_data_share!r}")
        if self.status not in STATUSES:
            raise ValueError(f"status: must be one of {STATUSES}, got {self.status!r}")
