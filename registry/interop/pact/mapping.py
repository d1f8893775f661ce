"""PACT (Partnership for Carbon Transparency, WBCSD) data exchange: labels as ProductFootprints, and back.

Pure functions over dicts: no database, no HTTP. The HTTP layer serves ``/2/...`` and ``/3/...`` with them.

* :func:`to_product_footprint` maps a label (``LabelView.to_json()``) and the engine's result JSON to a PACT
  ProductFootprint of Technical Specifications v2.3 (``specVersion`` "2.3.0") or v3.0 ("3.0.0").
* :func:`validate` checks one against the JSON Schema built in memory (:mod:`registry.pact_schema`) from
  the unchanged official OpenAPI file (``registry/interop/pact/spec/``, third-party material under WBCSD's licence:
  provenance and terms in its README) plus the rules a schema cannot say; :func:`from_product_footprint`
  turns a supplier's footprint into a :class:`SupplierFactor`.
* :func:`parse_event`, :func:`fulfilled_event`, :func:`rejected_event`, :func:`published_event`: CloudEvents
  of ``POST /{2|3}/events``; :func:`error_body` and :data:`ERROR_HTTP_STATUS`: the spec's error responses.

Decisions (sources: wbcsd/data-exchange-protocol at cf4ebed, v2 = ``spec/v2/index.bs`` 2.3.3, v3 =
``spec/v3/openapi.yaml`` and ``index.md`` 3.0.3):

* Ids. ``id`` = uuid5(:data:`PACT_NAMESPACE`, label_id): stable across calls and versions; the same label is
  the same footprint on ``/2`` and ``/3``. A reinstated label (suspended -> active) is a new footprint, because
  a ``Deprecated`` one "MUST NOT be changed anymore" (v3 Lifecycle): pass ``generation`` = 1, 2, ...; the id
  is then uuid5(namespace, f"{label_id}#{generation}") and ``precedingPfIds`` names the previous generation.
* Status. ``active`` -> ``Active``; ``suspended``, ``revoked``, ``expired``, ``superseded`` -> ``Deprecated``
  ("SHOULD NOT be used for e.g. product footprint calculations"); the reason goes to v2 ``statusComment``
  (v3 removed it and forbids any other change). ``precedingPfIds`` = the id of ``supersedes``.
* Boundary. PACT footprints are cradle-to-gate (the v2 ``exemptedEmissionsPercent`` and ``Assurance.boundary``
  speak of cradle-to-gate only), so a cradle-to-grave label is exported with its raw-materials + production
  stages; the other stages are stated in ``boundaryProcessesDescription``, never added.
* Declared unit. PACT has no kWp. A PV module, and any device, is one ``piece`` in v3 (the per-module value,
  i.e. label kg CO2e/kWp x rated kWp, from the unrounded engine total); v2.3 has no ``piece``, so a device is
  declared per ``kilogram`` with ``unitaryProductAmount`` = its mass (the pre-piece practice ADR-36 describes).
  Physical declared units (kg, m2, kWh, MJ, l, m3, t*km) map one to one.
* DQI. Engine pedigree scores (1 best .. 5 worst) -> PACT DQR (1 good .. 3 poor): ``(p + 1) / 2``, linear,
  keeping both ends; our mapping, not one the PACT Methodology gives.
* CPC (v2 ``productCategoryCpc``, v3 ``productClassifications`` as ``urn:cpc:<code>``): see
  :data:`CPC_BY_CATEGORY` for codes, levels and how sure each is.
* Periods. The product file has no data period, so the reference period defaults to the 12 months before
  ``valid_from``; the validity period is the label's, cut to [referencePeriodEnd, referencePeriodEnd + 3 y].
* Not computed, reported anyway because the field is mandatory: ``fossilCarbonContent`` and v2
  ``biogenicCarbonContent`` "0"; v2 ``dLucGhgEmissions``, ``landManagementGhgEmissions``,
  ``otherBiogenicGhgEmissions``, ``biogenicCarbonWithdrawal`` "0" (mandatory from 2025); ``exemptedEmissionsPercent``
  0 (no cut-off was applied; the data gaps are listed in ``exemptedEmissionsDescription``); v2
  ``dqi.coveragePercent`` 100 unless the result gives ``data_quality.coverage_percent``;
  ``packagingEmissionsIncluded`` false unless the result's ``extra.packaging_included`` says otherwise.
  ``comment`` says so to the recipient.

Errors::

    registry.errors.InvalidInput
     └── PactError          pact-bad-request   a PACT document or event is invalid (``field`` names it)
    registry.errors.RegistryError
     └── PactUnmappable     pact-unmappable    a label lacks what a valid footprint needs (``field`` says what)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from registry.interop.pact.terms import (
    CPC_BY_CATEGORY,
    DEFAULT_DOMAIN,
    MASSLESS_UNITS,
    PACT_FROM_UNIT,
    SPEC_VERSION,
    PactUnmappable,
    PactVersion,
    company_urn,
    decimal_text,
    footprint_id,
    pact_dqr,
    product_urns,
    timestamp,
    years_later,
)
from registry.interop.pact.validation import check_version

# ----------------------------------------------------------------------------------------- label -> PACT
_STATUS = {"active": "Active", "suspended": "Deprecated", "revoked": "Deprecated", "expired": "Deprecated",
           "superseded": "Deprecated"}
_UPSTREAM = ("raw_materials", "production")
_DOWNSTREAM = ("distribution", "use", "end_of_life")
_AMOUNT_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(.+?)\s*$")
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


@dataclass(frozen=True, slots=True)
class _System:
    """What is exported: one reference flow of the result (a module, a monitor, 1 m2 ...), cradle to gate."""

    unit: str  # PACT unit of measurement: "piece" for a device, else the physical unit
    amount: Decimal  # how many of ``unit`` the reference flow is
    mass_kg: float | None  # mass of the reference flow
    kg_co2e: float  # cradle-to-gate kg CO2e of the reference flow
    fossil_kg_co2e: float
    downstream: dict[str, float]  # stages left out of a cradle-to-grave result
    description: str  # how the label's declared unit relates to the reference flow


def _product_system(label: Mapping[str, Any], result: Mapping[str, Any]) -> _System:
    stages = {k: float(v) for k, v in (result.get("stages") or {}).items()}
    total = float(result["total_kg_co2e"])
    biogenic = float(result.get("biogenic_kg_co2e") or 0.0)
    downstream = {s: stages[s] for s in _DOWNSTREAM if stages.get(s)}
    if downstream:
        if biogenic:
            raise PactUnmappable("the result has biogenic CO2 that cannot be split between the cradle-to-gate "
                                 "and the later stages", "result.biogenic_kg_co2e")
        kg = sum(stages.get(s, 0.0) for s in _UPSTREAM)
    else:
        kg = total
    extra = result.get("extra") or {}
    declared = str(label["declared_unit"])
    if label.get("category") == "pv_module" or declared.strip().lower() == "1 kwp":
        wp = extra.get("rated_power_wp")
        if not wp:
            raise PactUnmappable("a PV label needs the module's rated power (result.extra.rated_power_wp)",
                                 "result.extra.rated_power_wp")
        text = (f"one module of {float(wp):g} Wp; the label states {label['value']} {label['unit']} per 1 kWp, "
                f"i.e. per module x {float(wp) / 1000:g}")
        return _System("piece", Decimal(1), _mass(extra), kg, kg - (0.0 if downstream else biogenic), downstream, text)
    match = _AMOUNT_UNIT.match(declared)
    if match is None:
        raise PactUnmappable(f"declared unit {declared!r} has no amount", "declared_unit")
    amount, word = Decimal(match.group(1)), match.group(2)
    unit = PACT_FROM_UNIT.get(word.lower().replace(" ", ""), "piece")
    if unit == "piece" and amount != 1:
        raise PactUnmappable(f"declared unit {declared!r}: only one device per declared unit is mapped", "declared_unit")
    mass = float(amount) if unit == "kilogram" else 0.0 if unit in MASSLESS_UNITS else _mass(extra)
    text = f"one product; the label's declared unit is {declared}" if unit == "piece" else f"{declared}"
    return _System(unit, amount, mass, kg, kg - (0.0 if downstream else biogenic), downstream, text)


def _mass(extra: Mapping[str, Any]) -> float | None:
    mass = extra.get("module_mass_kg") or extra.get("mass_kg")
    return float(mass) if mass else None


def _geography(result: Mapping[str, Any]) -> dict[str, str]:
    regions = (result.get("extra") or {}).get("regions") or {}
    if isinstance(regions, Mapping) and isinstance(regions.get("module"), str) and _SUBDIVISION.match(regions["module"]):
        return {"geographyCountrySubdivision": regions["module"]}
    by_process = ((result.get("electricity") or {}).get("by_process")) or []
    found = {str(row.get("region")) for row in by_process if row.get("region")}
    if len(found) == 1 and _SUBDIVISION.match(next(iter(found))):
        return {"geographyCountrySubdivision": next(iter(found))}
    countries = {r[:2] for r in found}
    return {"geographyCountry": countries.pop() if len(countries) == 1 else "CN"}


def _ar_versions(method: str) -> list[str]:
    found = sorted(set(re.findall(r"\bAR(\d+)\b", method)))
    return [f"AR{n}" for n in found] or ["AR6"]


def _boundary_text(label: Mapping[str, Any], result: Mapping[str, Any], system: _System) -> str:
    parts = sorted((c for c in result.get("contributions") or []
                    if c.get("stage") in _UPSTREAM and float(c.get("kg_co2e") or 0.0) != 0.0),
                   key=lambda c: -abs(float(c.get("kg_co2e", 0.0))))
    listed = "; ".join(f"{c['stage']}: {c.get('name') or c['process']} {float(c['kg_co2e']):.4g} kg CO2e"
                       for c in parts[:8])
    text = f"Cradle-to-gate ({system.description}). {listed}." if listed else f"Cradle-to-gate ({system.description})."
    if system.downstream:
        left = ", ".join(f"{stage.replace('_', ' ')} {kg:.4g}" for stage, kg in system.downstream.items())
        text += (f" The label is {label.get('boundary')}, {float(result['total_kg_co2e']):.4g} kg CO2e per "
                 f"{label['declared_unit']}; the later stages are not included here: {left} kg CO2e.")
    return text


def _comment(label: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    claim = label.get("claim") or {}
    release = claim.get("factor_release") or (result.get("factor_release") or {}).get("id")
    electricity = (result.get("method") or {}).get("electricity")
    text = (f"Certified product carbon-footprint label {label['label_id']} ({label.get('method')}), "
            f"{label['value']} {label['unit']} per {label['declared_unit']}, {label.get('boundary')}; signed claim "
            f"key {label.get('key_id')}, transparency-log index {label.get('log_index')}; factor release {release}.")
    if electricity:
        text += f" Electricity: {electricity}."
    return text + (" fossilCarbonContent and biogenicCarbonContent are not assessed by the calculation and are "
                   "reported as 0; no land-use-change, land-management or biogenic non-CO2 emissions are modelled.")


def _status_reason(label: Mapping[str, Any]) -> str:
    reason = str(label.get("status_reason") or "").strip()
    status = str(label["status"])
    if status == "superseded" and label.get("superseded_by"):
        reason = reason or f"superseded by label {label['superseded_by']}"
    if status == "expired":
        reason = reason or f"label validity ended on {label['valid_until']}"
    return f"Label {status}" + (f": {reason}" if reason else "")


def to_product_footprint(label: Mapping[str, Any], result: Mapping[str, Any] | None, version: PactVersion, *,
                         domain: str = DEFAULT_DOMAIN, generation: int = 0,
                         reference_period: tuple[date, date] | None = None,
                         status_changed_at: datetime | None = None, cpc: str | None = None) -> dict[str, Any]:
    """The PACT ProductFootprint of a label.

    Args:
        label: ``LabelView.to_json()``.
        result: the engine's result JSON of the label's declaration (the fossil/biogenic split, stages, the
            product's mass and rated power, data quality and data gaps are only there).
        version: ``"2"`` (Technical Specifications 2.3) or ``"3"`` (3.0).
        domain: the registry's domain name, the issuer part of its product and company URNs.
        generation: 0, or n for the n-th reinstatement of a suspended label (a new footprint id).
        reference_period: first and last day of the activity data; default the 12 months before ``valid_from``
            (the product file has no data period yet).
        status_changed_at: when the label left ``active`` (v2 ``updated``).
        cpc: a CPC code overriding :data:`CPC_BY_CATEGORY`.

    Raises:
        PactUnmappable: no result, a result of another input, no mass for a device, no CPC code (v2) ...
    """
    check_version(version)
    if result is None:
        raise PactUnmappable("the engine result is needed (fossil/biogenic split, stages, mass, data quality)", "result")
    claim_sha, result_sha = (label.get("claim") or {}).get("input_sha256"), result.get("input_sha256")
    if claim_sha and result_sha and claim_sha != result_sha:
        raise PactUnmappable(f"the result is of input {result_sha[:12]}, the label of {claim_sha[:12]}", "result")
    status = _STATUS.get(str(label["status"]))
    if status is None:
        raise PactUnmappable(f"unknown label status {label['status']!r}", "status")
    system = _product_system(label, result)
    if version == "3" and system.mass_kg is None:
        raise PactUnmappable("v3 needs the product's mass (result.extra.mass_kg or module_mass_kg)", "result.extra.mass_kg")
    valid_from, valid_until = date.fromisoformat(label["valid_from"]), date.fromisoformat(label["valid_until"])
    ref_start, ref_end = reference_period or (years_later(valid_from, -1), valid_from)
    validity_start = max(valid_from, ref_end)
    validity_end = min(valid_until + timedelta(days=1), years_later(ref_end, 3))  # PACT's end is exclusive
    cpc_code = cpc or CPC_BY_CATEGORY.get(str(label.get("category")))
    product, manufacturer = label["product"], label["manufacturer"]

    pf: dict[str, Any] = {"id": footprint_id(label["label_id"], generation), "specVersion": SPEC_VERSION[version]}
    preceding = [footprint_id(label["supersedes"])] if label.get("supersedes") else []
    if generation > 0:
        preceding.append(footprint_id(label["label_id"], generation - 1))
    if preceding:
        pf["precedingPfIds"] = list(dict.fromkeys(preceding))
    if version == "2":
        pf["version"] = 0 if status == "Active" else 1
    pf["created"] = timestamp(datetime.fromisoformat(label["issued_at"]))
    if version == "2" and status == "Deprecated" and status_changed_at is not None:
        pf["updated"] = timestamp(status_changed_at)
    pf["status"] = status
    if version == "2" and status == "Deprecated":
        pf["statusComment"] = _status_reason(label)
    pf["validityPeriodStart"] = timestamp(validity_start)
    pf["validityPeriodEnd"] = timestamp(validity_end)
    pf["companyName"] = manufacturer.get("name_en") or manufacturer.get("name_zh") or manufacturer["id"]
    pf["companyIds"] = [company_urn(manufacturer["id"], domain)]
    model = f", model {product['model']}" if product.get("model") else ""
    pf["productDescription"] = (f"{product['name']}{model}. Exported per {system.description}. Label "
                                f"{label['label_id']}: {label['value']} {label['unit']} per {label['declared_unit']} "
                                f"({label.get('boundary')}).")
    pf["productIds"] = product_urns(label, domain)
    if cpc_code:
        pf["productClassifications"] = [f"urn:cpc:{cpc_code}"]
    if version == "2":
        if not cpc_code:
            raise PactUnmappable(f"no CPC code for category {label.get('category')!r}: pass cpc=", "category")
        pf["productCategoryCpc"] = cpc_code
    pf["productNameCompany"] = f"{product['name']}{' ' + product['model'] if product.get('model') else ''}"
    pf["comment"] = _comment(label, result)
    common = _common_pcf(label, result, system, ref_start, ref_end)
    pf["pcf"] = _pcf_v2(label, result, system, common) if version == "2" else _pcf_v3(label, result, system, common)
    return pf


def _common_pcf(label: Mapping[str, Any], result: Mapping[str, Any], system: _System,
                ref_start: date, ref_end: date) -> dict[str, Any]:
    claim = label.get("claim") or {}
    release = claim.get("factor_release") or (result.get("factor_release") or {}).get("id")
    gaps = [str(g) for g in result.get("data_gaps") or []]
    out: dict[str, Any] = {
        "referencePeriodStart": timestamp(ref_start),
        "referencePeriodEnd": timestamp(ref_end),
        **_geography(result),
        "boundaryProcessesDescription": _boundary_text(label, result, system),
        "secondaryEmissionFactorSources": [{"name": "pcf-registry factor release", "version": str(release)}]
        if release else None,
        "exemptedEmissionsDescription": "No emissions exempted by a cut-off rule."
        + (" Known data gaps, not quantified: " + " ".join(gaps) if gaps else ""),
        "packagingEmissionsIncluded": bool((result.get("extra") or {}).get("packaging_included", False)),
    }
    return {k: v for k, v in out.items() if v is not None}


def _verification(label: Mapping[str, Any], version: PactVersion) -> dict[str, Any]:
    certifier = label["certifier"]
    standard = str(label.get("method") or "ISO 14067:2018").split(";")[0].strip()
    out: dict[str, Any] = {"assurance": True} if version == "2" else {}
    out["coverage"] = "product level"
    if version == "2":
        out["boundary"] = "Cradle-to-Gate"
    out["providerName"] = certifier.get("name_en") or certifier.get("name_zh") or certifier["id"]
    out["completedAt"] = timestamp(datetime.fromisoformat(label["issued_at"]))
    out["standardName"] = standard
    accreditation = f", accreditation {certifier['accreditation_no']}" if certifier.get("accreditation_no") else ""
    out["comments"] = (f"Third-party certification{accreditation}; label {label['label_id']} issued "
                       f"{label['issued_at']}, signed with key {label.get('key_id')}.")
    return out


def _pcf_v2(label: Mapping[str, Any], result: Mapping[str, Any], system: _System,
            common: dict[str, Any]) -> dict[str, Any]:
    if system.unit == "piece":  # v2.3 has no piece: a device is declared per kilogram of it
        if not system.mass_kg:
            raise PactUnmappable("v2.3 has no 'piece': a device needs its mass (result.extra.mass_kg)",
                                 "result.extra.mass_kg")
        unit, per = "kilogram", Decimal(repr(system.mass_kg))
    else:
        unit, per = system.unit, system.amount
    if unit not in ("liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer", "square meter"):
        raise PactUnmappable(f"v2.3 has no declared unit {unit!r}", "declared_unit")
    kg, fossil = Decimal(repr(system.kg_co2e)) / per, Decimal(repr(system.fossil_kg_co2e)) / per
    ar = _ar_versions(str(label.get("method") or ""))
    pcf: dict[str, Any] = {"declaredUnit": unit, "unitaryProductAmount": decimal_text(per)}
    if system.mass_kg and unit != "kilogram":
        pcf["productMassPerDeclaredUnit"] = decimal_text(Decimal(repr(system.mass_kg)) / per)
    pcf |= {
        "pCfExcludingBiogenic": decimal_text(fossil), "pCfIncludingBiogenic": decimal_text(kg),
        "fossilGhgEmissions": decimal_text(fossil), "fossilCarbonContent": "0", "biogenicCarbonContent": "0",
        "dLucGhgEmissions": "0", "landManagementGhgEmissions": "0", "otherBiogenicGhgEmissions": "0",
        "biogenicCarbonWithdrawal": "0",
        "characterizationFactors": ar[-1] if ar[-1] in ("AR5", "AR6") else "AR6",
        "ipccCharacterizationFactorsSources": ar,
        "crossSectoralStandardsUsed": ["ISO Standard 14067"], "crossSectoralStandards": ["ISO14067"],
        "biogenicAccountingMethodology": "ISO",
        "exemptedEmissionsPercent": 0.0,
    }
    pcf |= common
    uncertainty = result.get("uncertainty")
    if uncertainty:
        pcf["uncertaintyAssessmentDescription"] = (
            f"Monte Carlo, {uncertainty.get('iterations')} runs: 95% interval {float(uncertainty['p2_5']):.4g} to "
            f"{float(uncertainty['p97_5']):.4g} kg CO2e per {label['declared_unit']} (whole label boundary).")
    pcf["primaryDataShare"] = round(float(result.get("primary_data_share") or 0.0) * 100.0, 2)
    dq = result.get("data_quality")
    if dq:
        pcf["dqi"] = {
            "coveragePercent": float(dq.get("coverage_percent", 100.0)),
            "technologicalDQR": pact_dqr(dq["technological"]), "temporalDQR": pact_dqr(dq["temporal"]),
            "geographicalDQR": pact_dqr(dq["geographical"]), "completenessDQR": pact_dqr(dq["completeness"]),
            "reliabilityDQR": pact_dqr(dq["reliability"]),
        }
    pcf["assurance"] = _verification(label, "2")
    return pcf


def _pcf_v3(label: Mapping[str, Any], result: Mapping[str, Any], system: _System,
            common: dict[str, Any]) -> dict[str, Any]:
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": system.unit, "declaredUnitAmount": decimal_text(system.amount),
        "productMassPerDeclaredUnit": decimal_text(system.mass_kg or 0.0),
        "pcfExcludingBiogenicUptake": decimal_text(system.kg_co2e),
        "pcfIncludingBiogenicUptake": decimal_text(system.kg_co2e),  # no biogenic CO2 uptake is modelled
        "fossilGhgEmissions": decimal_text(system.fossil_kg_co2e), "fossilCarbonContent": "0",
        "ccsTechnologicalCO2CaptureIncluded": False,
        "ipccCharacterizationFactors": _ar_versions(str(label.get("method") or "")),
        "crossSectoralStandards": ["ISO14067"],
        "exemptedEmissionsPercent": "0",
    }
    pcf |= common
    pcf["primaryDataShare"] = decimal_text(round(float(result.get("primary_data_share") or 0.0) * 100.0, 2))
    dq = result.get("data_quality")
    if dq:
        pcf["dqi"] = {"technologicalDQR": decimal_text(pact_dqr(dq["technological"])),
                      "geographicalDQR": decimal_text(pact_dqr(dq["geographical"])),
                      "temporalDQR": decimal_text(pact_dqr(dq["temporal"]))}
    pcf["verification"] = _verification(label, "3")
    return pcf
