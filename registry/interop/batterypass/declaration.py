"""The carbon-footprint declaration of Regulation (EU) 2023/1542 (Art. 7(1), Annex II) of a battery, as JSON.

:func:`eu_declaration` is a pure function of :class:`~registry.interop.batterypass.facts.BatteryFacts`. Annex II
asks, per battery model and manufacturing plant, for: the manufacturer; the battery model; the geographic location
of the manufacturing plant; the carbon footprint in kg CO2e per kWh of the total energy the battery delivers over
its expected service life; that footprint split into raw material acquisition and pre-processing, main product
production, distribution, and end of life and recycling; the identification number of the EU declaration of
conformity; and a web link to a public version of the study behind the figures.

What the JSON states and where each value comes from:

* ``carbon_footprint``: the certified result's total divided by its lifetime energy (``battery.lifetime_energy_kwh``:
  usable energy x cycles per year x service years, from the maker's file), as a decimal string to
  :data:`FIGURES` significant figures (the battery rules' rounding), with the unrounded value beside it.
* ``stages``: ``result.extra["declaration_stages_kg_co2e"]`` divided the same way, each of the four stages once; a
  stage the engine did not model is 0 in the certified result and says ``"modelled": false`` (the battery rules'
  boundary is cradle-to-gate: distribution and end of life are not modelled). The unrounded stages sum to the total
  within 0.5 % or nothing is exported.
* ``manufacturer``, ``battery``: the label's manufacturer organisation and product (the product file for an
  uncertified export); ``manufacturing_plant``: the grid region of the last step (``CN-SC`` is Sichuan).
* ``public_study``: the label page (signed claim, certified result, log proof); absent for an uncertified export.
* ``label``: the signed value per kWh of **rated capacity** (the label's own unit), status and validity.
* ``not_held``: Annex II items the registry does not hold (left out, never filled in); ``not_checked``: what the
  draft delegated act on the method requires that the registry did not check (code and sentence; the public page
  translates them by code).
"""

from __future__ import annotations

from typing import Any

from registry.interop.batterypass.facts import STAGES, BatteryFacts
from registry.rules.values import round_significant

#: Significant figures of the stated values (as the battery rules round the label value).
FIGURES = 3
FUNCTIONAL_UNIT = "1 kWh of the total energy delivered by the battery over its expected service life"
STAGE_NAMES = {
    "raw_material_acquisition_and_pre_processing": "Raw material acquisition and pre-processing",
    "main_product_production": "Main product production",
    "distribution": "Distribution",
    "end_of_life_and_recycling": "End of life and recycling",
}
#: Annex II items the registry does not hold: left out of the declaration.
NOT_HELD = {
    "manufacturer_address": "the manufacturer's postal address",
    "plant_address": "the manufacturing plant's address (only the grid region of each step is known)",
    "battery_identification": "the battery identification number (the label's GTIN, where given, is a product "
                              "code, not a battery's number)",
    "declaration_of_conformity": "the identification number of the EU declaration of conformity",
    "performance_class": "the carbon-footprint performance class (the classes are not yet adopted)",
}
#: What the draft delegated act on the method requires that the registry did not check. The draft's text was not
#: read here: these sentences rest on the issue's quotation of the April 2024 draft and on the category rules'
#: references (registry/rules/battery_*/2026.1.yaml, "eu-2023-1542").
NOT_CHECKED = {
    "electricity-rule": "The draft allows only the national average electricity mix of the country of each "
                        "production step, or a direct line from a generating installation to the plant; this result "
                        "was computed under the electricity mode {mode}, which is not that rule.",
    "electricity-direct-line": "Every step was computed at its country's national mix (the draft's rule); the "
                               "registry did not examine whether a plant has a direct line, which the draft would "
                               "allow instead.",
    "lifetime": "The lifetime energy is the maker's usable energy x cycles per year x service years; the registry "
                "did not check these against the warranty or against the lifetime rules of the draft.",
    "boundary": "The draft's boundary includes distribution and end of life and recycling; stages the engine did "
                "not model are declared as 0 from the certified result, not as the draft would compute them.",
    "method": "The result follows GB/T 24067-2024 (ISO 14067) with IPCC AR6 GWP100 and Chinese factor data; the "
              "registry did not check it against the draft's method (a PEF-based method with its own data "
              "requirements and circular-footprint rules).",
    "verification": "The label was certified by a certification body in the registry; the registry did not check "
                    "that it is a notified body under the Regulation.",
    "scope": "Article 7 applies to EV, LMT and rechargeable industrial batteries above 2 kWh; the registry did not "
             "check that this battery is one of them.",
}


def _figure(value: float) -> dict[str, Any]:
    return {"kg_co2e_per_kwh": round_significant(value, FIGURES), "unrounded": value}


def not_checked(facts: BatteryFacts) -> list[dict[str, str]]:
    """The draft's requirements the registry did not check, as ``{"code", "text"}``, for this result."""
    mode = str(facts.extra.get("battery.electricity_mode") or "label_scheme")
    codes = ["electricity-direct-line" if mode == "eu_national_mix" else "electricity-rule",
             "lifetime", "method", "verification", "scope"]
    if any(v == 0.0 for v in facts.stages_kg().values()):
        codes.insert(2, "boundary")
    return [{"code": c, "text": NOT_CHECKED[c].format(mode=mode)} for c in codes]


def eu_declaration(facts: BatteryFacts) -> dict[str, Any]:
    """The Annex II carbon-footprint declaration of a battery (JSON-ready dict; see the module docstring).

    Raises:
        ExportUnmappable: no lifetime energy, or stages that are missing, doubled or do not sum to the total.
    """
    total, stages = facts.per_kwh_lifetime()
    stages_kg = facts.stages_kg()
    extra, result = facts.extra, facts.result
    doc: dict[str, Any] = {
        "document": "Carbon footprint declaration, Regulation (EU) 2023/1542 Article 7(1) and Annex II",
        "certified": facts.certified,
        "manufacturer": {k: v for k, v in facts.manufacturer.items() if v},
        "battery": {k: v for k, v in {
            "name": facts.product.get("name"), "model": facts.product.get("model"), "gtin": facts.product.get("gtin"),
            "application": extra.get("battery.application"), "chemistry": extra.get("battery.chemistry"),
            "level": extra.get("battery.level"), "capacity_kwh": extra.get("battery.capacity_kwh"),
            "mass_kg": extra.get("battery.mass_kg")}.items() if v is not None},
        "manufacturing_plant": facts.plant(),
        "functional_unit": FUNCTIONAL_UNIT,
        "lifetime_energy_kwh": facts.lifetime_energy_kwh(),
        "lifetime_formula": extra.get("battery.lifetime_formula"),
        "carbon_footprint": {**_figure(total), "unit": "kg CO2e/kWh"},
        "stages": [{"stage": s, "name": STAGE_NAMES[s], **_figure(stages[s]),
                    "share": stages_kg[s] / result.total_kg_co2e if result.total_kg_co2e else None,
                    "modelled": stages_kg[s] != 0.0} for s in STAGES],
        "absolute_kg_co2e_per_battery": result.total_kg_co2e,
        "boundary": result.boundary,
        "method": result.method.get("name"),
        "electricity_mode": extra.get("battery.electricity_mode"),
        "factor_release": result.factor_release.get("id"),
        "input_sha256": result.input_sha256,
        "data_gaps": list(result.data_gaps),
        "not_held": dict(NOT_HELD),
        "not_checked": not_checked(facts),
    }
    if facts.label_url:
        doc["public_study"] = facts.label_url
    if facts.label:
        lab = facts.label
        doc["label"] = {"label_id": facts.label_id, "status": facts.status, "in_force": facts.status == "active",
                        "status_sentence": facts.status_sentence, "value": str(lab["value"]), "unit": str(lab["unit"]),
                        "declared_unit": str(lab["declared_unit"]), "value_is_per": "kWh of rated capacity",
                        "valid_from": str(lab["valid_from"]), "valid_until": str(lab["valid_until"]),
                        "rule": facts.rule, "url": facts.label_url}
    else:
        doc["note"] = ("Not certified: computed from a product file by pcf export, without a label, a certifier's "
                       "review or a public study.")
    return doc
