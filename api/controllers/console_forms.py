"""The console's forms: fields as typed, errors by field, and the product file a declaration form describes.

A new declaration's product file comes from one of three sources: the calculator's fields for a monitor, laptop or
desktop (:func:`electronics_document`), an uploaded YAML/JSON product file, or a pasted one (``document`` text,
which the calculator's "declare this" link can prefill). Nothing here touches the database.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

import yaml

from api import documents
from api.controllers.console_common import CT_
from api.pages.forms import Form
from footprint.errors import SpecificationError

ELECTRONICS: Final = ("monitor", "laptop", "desktop")
FORM_FACTORS: Final = ("tower", "small_form_factor", "micro", "all_in_one", "workstation")
REGION_HINT: Final = "CN, CN-SC, CN-GD ..."
MAX_DOCUMENT: Final = 200_000  # characters of a pasted or uploaded product file

REQUIRED = CT_("This field is required.")
ENTER_NUMBER = CT_("Enter a number, for example 27 or 8.3.")
ENTER_POSITIVE = CT_("Enter a number greater than 0.")
ENTER_NOT_NEGATIVE = CT_("Enter a number of 0 or more.")
CHOOSE = CT_("Choose one of the listed values.")
NOT_A_FILE = CT_("This is not a YAML or JSON product file (a mapping of fields).")
TOO_LONG = CT_("This text is too long.")
DAYS_RANGE = CT_("Enter a whole number of days from 1 to 3650.")
SIGN_IN_FAILED = CT_("The e-mail address or the password is not right.")
TOO_MANY = CT_("Too many failed attempts: wait 15 minutes, then try again.")
FORM_ONLY_ELECTRONICS = CT_("The form covers monitors, laptops and desktops: upload or paste a product file for "
                            "this category.")


class FormState(Form):
    """A console form: the pages' :class:`~api.pages.forms.Form` with the console catalogue's messages; numbers are
    required and never negative unless said otherwise."""

    REQUIRED: ClassVar[str] = REQUIRED
    ENTER_NUMBER: ClassVar[str] = ENTER_NUMBER
    ENTER_POSITIVE: ClassVar[str] = ENTER_POSITIVE
    ENTER_NOT_NEGATIVE: ClassVar[str] = ENTER_NOT_NEGATIVE

    def text(self, name: str, limit: int = 200, *, required: bool = False) -> str:
        value = self.values.get(name, "").strip()
        if required and not value:
            self.errors[name] = REQUIRED
        elif len(value) > limit:
            self.errors[name] = TOO_LONG
        return value[:limit]

    def number(self, name: str, *, required: bool = True, positive: bool = False,  # type: ignore[override]
               not_negative: bool = True) -> float | None:
        return super().number(name, positive=positive, not_negative=not_negative, required=required)

    def choice(self, name: str, allowed: tuple[str, ...] | list[str],  # type: ignore[override]
               *, required: bool = True) -> str:
        value = self.values.get(name, "").strip()
        if not value and not required:
            return ""
        if value not in allowed:
            self.errors[name] = REQUIRED if not value else CHOOSE
        return value


def electronics_document(form: FormState, kind: str) -> dict[str, Any] | None:
    """The product file of a monitor, laptop or desktop from the calculator's fields (None when a field is wrong)."""
    if kind not in ELECTRONICS:
        form.errors["source"] = FORM_ONLY_ELECTRONICS
        return None
    doc: dict[str, Any] = {"kind": kind, "name": form.text("name", required=True)}
    if kind == "desktop":
        doc["form_factor"] = form.choice("form_factor", FORM_FACTORS)
    else:
        doc["screen_diagonal_inch"] = form.number("screen_diagonal_inch", positive=True)
    if kind == "monitor":
        doc["panel"] = form.choice("panel", ("LCD", "OLED"))
    doc["mass_kg"] = form.number("mass_kg", positive=True)
    doc["annual_energy_kwh"] = form.number("annual_energy_kwh")
    doc["lifetime_years"] = form.number("lifetime_years", positive=True)
    doc["assembly_region"] = form.text("assembly_region", 20, required=True)
    doc["use_region"] = form.text("use_region", 20, required=True)
    transport = form.number("transport_km", required=False, positive=True)
    if transport is not None:
        doc["transport_km"] = transport
    if form.errors:
        return None
    return {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in doc.items()}


def parse_document(text: str, form: FormState, field_name: str) -> dict[str, Any] | None:
    """A pasted or uploaded product file (YAML or JSON) as a mapping (None, with the error, when it is not one)."""
    if len(text) > MAX_DOCUMENT:
        form.errors[field_name] = TOO_LONG
        return None
    try:
        return documents.parse_document(text, "the document", fmt="json" if text.lstrip().startswith("{") else "yaml")
    except SpecificationError:
        form.errors[field_name] = NOT_A_FILE
        return None


def document_text(doc: dict[str, Any]) -> str:
    """A product file as YAML text for the form (what will be declared, shown back)."""
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
