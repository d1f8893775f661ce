"""What the EU declaration page of a battery label shows (``/l/{label_id}/eu-declaration``): one call to the
registry, and the page's texts by code, so that the catalogue translates them (the JSON keeps the English).

The declaration itself is :func:`registry.interop.batterypass.eu_declaration` of the certified label; this module
only names, for the template, the Annex II stages, what the registry does not hold, what it did not check, and why
a label has no declaration.
"""

from __future__ import annotations

from typing import Any, Final

from api.pages.i18n import N_
from registry.interop.batterypass import BatteryFacts, eu_declaration
from registry.services import Registry

STAGE_NAMES: Final = {
    "raw_material_acquisition_and_pre_processing": N_("Raw material acquisition and pre-processing"),
    "main_product_production": N_("Main product production"),
    "distribution": N_("Distribution"),
    "end_of_life_and_recycling": N_("End of life and recycling"),
}
NOT_HELD: Final = {
    "manufacturer_address": N_("The manufacturer's postal address."),
    "plant_address": N_("The manufacturing plant's address: only the grid region of each production step is known."),
    "battery_identification": N_("The battery identification number: a GTIN, where given, is a product code."),
    "declaration_of_conformity": N_("The identification number of the EU declaration of conformity."),
    "performance_class": N_("The carbon-footprint performance class: the EU has not adopted the classes yet."),
}
NOT_CHECKED: Final = {
    "electricity-rule": N_("The draft allows only the national average electricity mix of the country of each "
                           "production step, or a direct line from a generating installation to the plant; this "
                           "result was computed under the electricity mode %(mode)s, which is not that rule."),
    "electricity-direct-line": N_("Every step was computed at its country's national mix (the draft's rule); the "
                                  "registry did not examine whether a plant has a direct line, which the draft "
                                  "would allow instead."),
    "lifetime": N_("The lifetime energy is the maker's usable energy × cycles per year × service years; the "
                   "registry did not check these against the warranty or against the lifetime rules of the draft."),
    "boundary": N_("The draft's boundary includes distribution and end of life and recycling; stages the engine "
                   "did not model are declared as 0 from the certified result, not as the draft would compute them."),
    "method": N_("The result follows GB/T 24067-2024 (ISO 14067) with IPCC AR6 GWP100 and Chinese factor data; the "
                 "registry did not check it against the draft's method (a PEF-based method with its own data "
                 "requirements and circular-footprint rules)."),
    "verification": N_("The label was certified by a certification body in the registry; the registry did not "
                       "check that it is a notified body under the Regulation."),
    "scope": N_("Article 7 applies to EV, LMT and rechargeable industrial batteries above 2 kWh; the registry did "
                "not check that this battery is one of them."),
}
PROBLEMS: Final = {
    "not-a-battery": N_("This label is not of a battery: it has no EU battery declaration."),
    "label-damaged": N_("The registry's record of this label differs from what its certifier signed: nothing is "
                        "declared from it."),
    "export-unmappable": N_("The registry cannot state this label's EU declaration: the certified result lacks "
                            "what the declaration needs (%(field)s)."),
}


def texts() -> dict[str, Any]:
    """The page's texts by code (English ``msgid``; the template translates them)."""
    return {"stages": STAGE_NAMES, "not_held": NOT_HELD, "not_checked": NOT_CHECKED, "problems": PROBLEMS}


def eu_declaration_page(registry: Registry, label_id: str, base: str) -> dict[str, Any]:
    """The EU declaration of a battery label (the JSON of ``/api/v1/labels/{id}/eu-declaration.json``).

    Raises:
        NotFound: no such label.
        Conflict: a damaged label, a label not of a battery, or one without lifetime energy.
    """
    return eu_declaration(BatteryFacts.of_label(registry.exports.certified_label(label_id, base)))
