"""A certified label as an openEPD document (Building Transparency's JSON format, read by EC3).

:func:`epd_document` is a pure function of a :class:`registry.interop.certified.CertifiedLabel`. The document is
built as a dict, loaded into the ``openepd`` package's ``Epd`` model (which checks every field) and written back
with the package's own serialiser, so what leaves the registry is what the maintained models accept.

Decisions:

* **Impacts.** One LCIA method, named after the signed method's IPCC report (``"IPCC AR6"``); one indicator,
  ``gwp``, in ``kgCO2e``, per EN 15804 module with the same stage mapping and the same unrounded, scaled values as
  the ILCD+EPD export (:mod:`registry.interop.ilcd.mapping`): raw materials + production -> ``A1A2A3``,
  distribution -> ``A4``, use -> ``B6``, end of life -> ``C4``; a stage the engine did not model is left out
  (null), never 0. ``gwp-fossil`` and ``gwp-biogenic`` only when the result splits them (A1A2A3 only). Every other
  impact, resource use and output flow stays empty: the engine does not compute them.
* **The signed value.** openEPD has no field for a total: the scopes sum to the unrounded value, and the signed
  value, unit, declared unit, boundary, status and URL are in ``ext["pcf-registry"]`` and in ``lca_discussion``.
* **Declared unit.** ``{"qty", "unit"}`` from the signed declared unit: "1 kWp" -> 1 ``kW`` (rated peak power);
  kg, t, m2, m3, l, kWh and MJ one to one; one device ("1 monitor over 6 years of use") -> 1 ``item``, with the
  whole text in ``lca_discussion``. ``kg_per_declared_unit``: the result's product mass times the same scale.
* **Parties.** ``program_operator``: the registry (``program_operator_doc_id`` = the label id,
  ``program_operator_version`` = the label version); ``third_party_verifier``: the certifier (its accreditation
  number in ``alt_ids``), ``third_party_verification_url`` = the label URL; ``manufacturer`` and ``epd_developer``:
  the manufacturer, who filed the product file. ``pcr``: the category rule, issued by the registry.
* **Validity and status.** ``date_of_issue`` = the claim's issue time, ``valid_until`` = its last valid day;
  ``version`` = the label version. openEPD has no status field: a label that is not active says so in
  ``ext["pcf-registry"]["status"]`` and in the first line of ``lca_discussion``.
* **Left empty** for want of data: ``id`` (an Open xPD UUID is minted by EC3, not here), plants, applicable
  geography, ``product_service_life_years``, specs, ingredients, images.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from registry.interop.certified import CertifiedLabel, ExportUnmappable
from registry.interop.ilcd.mapping import ipcc_report

#: openEPD module names of the EN 15804 modules the exports declare.
SCOPES = {"A1-A3": "A1A2A3", "A4": "A4", "B6": "B6", "C4": "C4"}
#: A declared unit's word -> openEPD unit (one to one), "kWp" as rated peak kW.
UNITS = {"kwp": "kW", "kg": "kg", "t": "t", "m2": "m2", "m²": "m2", "m3": "m3", "m³": "m3", "l": "l", "kwh": "kWh",
         "mj": "MJ"}
_AMOUNT_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(\S+)(.*)$")
EXT_KEY = "pcf-registry"


def declared_unit(text: str) -> dict[str, Any]:
    """openEPD ``{"qty", "unit"}`` of a label's declared unit.

    Raises:
        ExportUnmappable: no amount, or several devices per declared unit.
    """
    match = _AMOUNT_UNIT.match(text)
    if match is None:
        raise ExportUnmappable(f"declared unit {text!r} has no amount", "declared_unit")
    qty, word = float(match.group(1)), match.group(2).lower()
    unit = UNITS.get(word)
    if unit is None:
        if qty != 1:
            raise ExportUnmappable(f"declared unit {text!r}: only one device per declared unit is mapped",
                                   "declared_unit")
        unit = "item"
    return {"qty": qty, "unit": unit}


def _org(org: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    name = str(org.get("name_en") or org.get("name_zh") or org["id"])
    out: dict[str, Any] = {"name": name[:200], **extra}
    if org.get("name_zh") and org.get("name_zh") != name:
        out["alt_names"] = [str(org["name_zh"])]
    return out


def _measurement(kg: float) -> dict[str, Any]:
    return {"mean": float(kg), "unit": "kgCO2e"}


def _mass(cl: CertifiedLabel) -> dict[str, Any] | None:
    extra = cl.result.extra
    mass = extra.get("mass_kg") or extra.get("module_mass_kg")
    return {"qty": float(mass) * cl.scale, "unit": "kg"} if mass else None


def _discussion(cl: CertifiedLabel, report: str) -> str:
    label = cl.label
    modules = ", ".join(f"{SCOPES[m]} {kg:.6g}" for m, kg in cl.modules_kg().items())
    lines = [
        cl.status_sentence(),
        "",
        f"Certified product carbon-footprint label {cl.label_id} (not a full EN 15804 EPD): **{label['value']} "
        f"{label['unit']} per {label['declared_unit']}**, {label['boundary']}, {label['method']}. The GWP scopes "
        f"are the engine's unrounded stages per declared unit ({modules} kg CO2e), characterised with IPCC {report} "
        f"GWP100; they sum to the signed value before its rounding. Only GWP is computed.",
        "",
        "Stages to EN 15804 modules: raw materials and production -> A1-A3; distribution -> A4; use (grid "
        "electricity over the service life) -> B6; end of life (a landfill proxy) -> C4. A stage the engine did "
        "not model is not declared.",
        "",
        f"Category rule {cl.rule}; factor release {cl.factor_release()[0]}. Verify the signed claim, "
        f"its status and its transparency-log proof at {cl.label_url}.",
    ]
    if cl.result.data_gaps:
        lines += ["", "Known data gaps:", *(f"* {gap}" for gap in cl.result.data_gaps)]
    return "\n".join(lines)[:20000]


def epd_document(cl: CertifiedLabel) -> dict[str, Any]:
    """The openEPD document of a certified label, as the ``openepd`` package serialises it (JSON-ready dict).

    Raises:
        ExportUnmappable: a declared unit or method the format cannot express.
    """
    from openepd.model.epd import Epd

    label, product = cl.label, cl.label["product"]
    report = ipcc_report(str(label["method"]))
    gwp = {SCOPES[m]: _measurement(kg) for m, kg in cl.modules_kg().items()}
    impact_set: dict[str, Any] = {"gwp": gwp}
    split = cl.gwp_split_kg()
    if split is not None:
        impact_set["gwp-fossil"] = {"A1A2A3": _measurement(split["fossil"])}
        impact_set["gwp-biogenic"] = {"A1A2A3": _measurement(split["biogenic"])}
    certifier = label["certifier"]
    model = f", model {product['model']}" if product.get("model") else ""
    gtin = f", GTIN {cl.signed('gtin')}" if cl.signed("gtin") else ""
    doc: dict[str, Any] = {
        "doctype": "openEPD",
        "product_name": str(product["name"])[:200],
        "product_description": f"{product['name']}{model}{gtin}. Declared unit: {label['declared_unit']}.",
        "date_of_issue": cl.issued_at().isoformat(),
        "valid_until": f"{label['valid_until']}T00:00:00+00:00",
        "version": int(cl.signed("version")),
        "declared_unit": declared_unit(str(label["declared_unit"])),
        "compliance": [{"short_name": str(label["method"]).split(";")[0].strip()}],
        "product_classes": {EXT_KEY: str(label["category"])},
        "language": "en",
        "pcr": {"name": f"Category rule {cl.rule} of the pcf-registry label programme",
                "issuer": _org(cl.registry), "version": cl.rule.partition("@")[2] or None},
        "declaration_url": cl.label_url,
        "program_operator": _org(cl.registry, web_domain=urlsplit(cl.label_url).hostname),
        "program_operator_doc_id": cl.label_id,
        "program_operator_version": str(cl.signed("version")),
        "third_party_verifier": _org(certifier, **({"alt_ids": {"accreditation": str(certifier["accreditation_no"])}}
                                                   if certifier.get("accreditation_no") else {})),
        "third_party_verification_url": cl.label_url,
        "manufacturer": _org(label["manufacturer"]),
        "epd_developer": _org(label["manufacturer"]),
        "alt_ids": {EXT_KEY: cl.label_id},
        "lca_discussion": _discussion(cl, report),
        "impacts": {f"IPCC {report}": impact_set},
        "ext": {EXT_KEY: {
            "label_id": cl.label_id, "status": cl.status, "status_reason": label.get("status_reason") or "",
            "in_force": cl.in_force, "value": str(label["value"]), "unit": str(label["unit"]),
            "declared_unit": str(label["declared_unit"]), "boundary": str(label["boundary"]),
            "method": str(label["method"]), "valid_from": str(label["valid_from"]),
            "valid_until": str(label["valid_until"]), "url": cl.label_url, "rule": cl.rule,
            "key_id": cl.signed("key_id"), "log_index": label.get("log_index"),
            "factor_release": cl.factor_release()[0],
        }},
    }
    mass = _mass(cl)
    if mass is not None:
        doc["kg_per_declared_unit"] = mass
    return Epd.model_validate(doc).to_serializable()
