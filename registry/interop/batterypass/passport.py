"""The battery passport's carbon-footprint part: the Battery Pass data model's ``CarbonFootprintForBatteries``
1.2.0 (schema vendored in ``schema/``, provenance and CC BY 4.0 licence in ``schema/README.md``).

:func:`battery_pass` is a pure function of :class:`~registry.interop.batterypass.facts.BatteryFacts`:

* ``batteryCarbonFootprint``: kg CO2e per kWh of total energy over the service life, the certified result's total
  divided by its lifetime energy (unrounded, as the ILCD and openEPD exports state the engine's stages).
* ``carbonFootprintPerLifecycleStage``: the four Annex II stages, each once, in the same unit:
  raw material acquisition and pre-processing -> ``RawMaterialExtraction``, main product production ->
  ``MainProduction``, distribution -> ``Distribution``, end of life and recycling -> ``Recycling``. A stage the
  engine did not model (cradle-to-gate: distribution, end of life) is the certified result's 0.
* ``carbonFootprintStudy``: the label page (signed claim, certified result, log proof). Absent for an uncertified
  export (there is no study): such a file is not a valid passport part, and says so.
* ``carbonFootprintPerformanceClass``: the schema requires it, but the EU has not adopted the classes and the
  registry assigns none: the empty string (no class), never a letter.
* ``absoluteCarbonFootprint``: kg CO2e per battery (the result's total).
* ``x-pcf-registry``: what the schema has no field for (allowed: the schema does not forbid other properties):
  whether the figures are certified, the label id, status and page, the lifetime energy and the electricity mode.

The schema lets a stage appear twice or not at all and does not tie the stages to the total: :func:`stage_problems`
checks both, and :func:`battery_pass` refuses to return a document that fails it or the schema.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from registry.interop.batterypass.facts import STAGES, SUM_TOLERANCE, BatteryFacts
from registry.interop.certified import ExportUnmappable

SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "CarbonFootprintForBatteries-schema.json"
SCHEMA_VERSION = "1.2.0"
#: Annex II stage -> the data model's ``LifecycleStage``.
LIFECYCLE_STAGES = {
    "raw_material_acquisition_and_pre_processing": "RawMaterialExtraction",
    "main_product_production": "MainProduction",
    "distribution": "Distribution",
    "end_of_life_and_recycling": "Recycling",
}
EXTENSION = "x-pcf-registry"
NO_CLASS = ""


@cache
def schema() -> dict[str, Any]:
    """The vendored schema (published as UTF-16 with a byte-order mark)."""
    data: dict[str, Any] = json.loads(SCHEMA_FILE.read_bytes().decode("utf-16"))
    return data


def schema_errors(doc: Any, limit: int = 20) -> list[str]:
    """The schema's complaints about ``doc`` ("path: message"), at most ``limit``; [] when valid."""
    from jsonschema import Draft4Validator

    out = []
    for error in Draft4Validator(schema()).iter_errors(doc):
        out.append(f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}")
        if len(out) >= limit:
            break
    return out


def stage_problems(doc: Any) -> list[str]:
    """What the schema does not check: each of the four stages exactly once, and their sum equal to
    ``batteryCarbonFootprint`` within 0.5 %. [] when both hold."""
    if not isinstance(doc, dict):
        return ["the document is not an object"]
    entries = doc.get("carbonFootprintPerLifecycleStage")
    if not isinstance(entries, list):
        return ["carbonFootprintPerLifecycleStage is not a list"]
    names = [e.get("lifecycleStage") for e in entries if isinstance(e, dict)]
    problems = [f"stage {s} appears {names.count(s)} times, not once" for s in LIFECYCLE_STAGES.values()
                if names.count(s) != 1]
    problems += [f"unknown stage {n!r}" for n in names if n not in LIFECYCLE_STAGES.values()]
    total = doc.get("batteryCarbonFootprint")
    raw = [e.get("carbonFootprint") for e in entries if isinstance(e, dict)]
    values = [float(v) for v in raw if isinstance(v, int | float)]
    if not isinstance(total, int | float) or len(values) != len(raw):
        return [*problems, "batteryCarbonFootprint or a stage is not a number"]
    if abs(sum(values) - total) > SUM_TOLERANCE * abs(total):
        problems.append(f"the stages sum to {sum(values):.6g}, batteryCarbonFootprint is {total:.6g}")
    return problems


def battery_pass(facts: BatteryFacts) -> dict[str, Any]:
    """The ``CarbonFootprintForBatteries`` 1.2.0 document of a battery (JSON-ready dict).

    Raises:
        ExportUnmappable: no lifetime energy, stages missing or not summing to the total, or (a bug) a document
            that fails the schema or :func:`stage_problems`.
    """
    total, stages = facts.per_kwh_lifetime()
    doc: dict[str, Any] = {
        "batteryCarbonFootprint": total,
        "carbonFootprintPerLifecycleStage": [{"lifecycleStage": LIFECYCLE_STAGES[s], "carbonFootprint": stages[s]}
                                             for s in STAGES],
        "carbonFootprintPerformanceClass": NO_CLASS,
        "absoluteCarbonFootprint": facts.result.total_kg_co2e,
    }
    if facts.label_url:
        doc["carbonFootprintStudy"] = facts.label_url
    doc[EXTENSION] = {
        "certified": facts.certified,
        "schema": f"urn:samm:io.BatteryPass.CarbonFootprint:{SCHEMA_VERSION}#CarbonFootprintForBatteries",
        "unit": "kg CO2e per kWh of total energy delivered over the service life",
        "lifetime_energy_kwh": facts.lifetime_energy_kwh(),
        "absolute_unit": f"kg CO2e per {facts.result.declared_unit}",
        "electricity_mode": facts.extra.get("battery.electricity_mode"),
        "boundary": facts.result.boundary,
        "performance_class": "none: the EU performance classes are not adopted; the empty string is no class",
        **({"label_id": facts.label_id, "status": facts.status, "in_force": facts.status == "active",
            "status_sentence": facts.status_sentence, "label_url": facts.label_url} if facts.label else
           {"note": "Not certified: computed from a product file, without a label or a public study; "
                    "carbonFootprintStudy is absent, so this is not a valid passport part."}),
    }
    problems = stage_problems(doc) + (schema_errors(doc) if facts.label_url else [])
    if problems:
        raise ExportUnmappable(f"the battery passport part is not valid: {problems[0]}", "battery_pass")
    return doc
