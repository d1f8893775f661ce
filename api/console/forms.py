"""The console's forms: fields as typed, errors by field, and the product file a declaration form describes.

A new declaration's product file comes from one of three sources: the calculator's fields for a monitor, laptop or
desktop (:func:`electronics_document`), an uploaded YAML/JSON product file, or a pasted one (``document`` text,
which the calculator's "declare this" link can prefill). Nothing here touches the database.
"""

from __future__ import annotations

from typing import Any, Final

import yaml

from api import documents
from api.pages.forms import TOO_LONG, Form
from api.pages.i18n import N_
from footprint.errors import SpecificationError
from footprint.products.electronics import FORM_FACTORS

ELECTRONICS: Final = ("monitor", "laptop", "desktop")
REGION_HINT: Final = "CN, CN-SC, CN-GD ..."
MAX_DOCUMENT: Final = 200_000  # characters of a pasted or uploaded product file

NOT_A_FILE = N_("This is not a YAML or JSON product file (a mapping of fields).")
DAYS_RANGE = N_("Enter a whole number of days from 1 to 3650.")
SIGN_IN_FAILED = N_("The e-mail address or the password is not right.")
TOO_MANY = N_("Too many failed attempts: wait 15 minutes, then try again.")
FORM_ONLY_ELECTRONICS = N_("The form covers monitors, laptops and desktops: upload or paste a product file for "
                            "this category.")


def electronics_document(form: Form, kind: str) -> dict[str, Any] | None:
    """The product file of a monitor, laptop or desktop from the calculator's fields (None when a field is wrong)."""
    if kind not in ELECTRONICS:
        form.errors["source"] = FORM_ONLY_ELECTRONICS
        return None
    doc: dict[str, Any] = {"kind": kind, "name": form.text("name", required=True, strict=True)}
    if kind == "desktop":
        doc["form_factor"] = form.choice("form_factor", FORM_FACTORS, required=True)
    else:
        doc["screen_diagonal_inch"] = form.number("screen_diagonal_inch", positive=True, required=True)
    if kind == "monitor":
        doc["panel"] = form.choice("panel", ("LCD", "OLED"), required=True)
    doc["mass_kg"] = form.number("mass_kg", positive=True, required=True)
    doc["annual_energy_kwh"] = form.number("annual_energy_kwh", not_negative=True, required=True)
    doc["lifetime_years"] = form.number("lifetime_years", positive=True, required=True)
    doc["assembly_region"] = form.text("assembly_region", 20, required=True, strict=True)
    doc["use_region"] = form.text("use_region", 20, required=True, strict=True)
    transport = form.number("transport_km", positive=True)
    if transport is not None:
        doc["transport_km"] = transport
    if form.errors:
        return None
    return {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in doc.items()}


def parse_document(text: str, form: Form, field_name: str) -> dict[str, Any] | None:
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
