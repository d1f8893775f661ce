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
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal, cast
from urllib.parse import quote

from jsonschema import Draft202012Validator, FormatChecker

from footprint.model import UNSPLIT, FactorData
from registry.errors import InvalidInput, RegistryError
from registry.interop.pact import schema as pact_schema

PactVersion = pact_schema.PactVersion
SPEC_VERSION: dict[str, str] = {"2": "2.3.0", "3": "3.0.0"}

#: Namespace of the footprint ids (uuid5); fixed forever: changing it changes every published id.
PACT_NAMESPACE = uuid.UUID("2344b1b4-e7b8-4095-8b58-c876c4b52b4e")
DEFAULT_DOMAIN = "pcf-registry.example"  # the HTTP layer passes the registry's real domain name

class PactError(InvalidInput):
    """A PACT document or event is invalid; ``field`` names the offending field (HTTP 400 BadRequest)."""

    code = "pact-bad-request"


class PactUnmappable(RegistryError):
    """A label cannot be written as a valid PACT footprint (e.g. no engine result, no product mass)."""

    code = "pact-unmappable"


# ----------------------------------------------------------------------------------------- tables
#: CPC Ver. 2.1 code per label category, with the level reached and the source. Unverified against the UNSD
#: HS 2017 -> CPC 2.1 correspondence table (CPC21-HS2017.csv), which was not reachable from here.
CPC_BY_CATEGORY: dict[str, str] = {
    # HS 8541.40 (PV cells assembled in modules) -> subclass 47150 "Diodes, transistors and similar
    # semi-conductor devices; photosensitive semi-conductor devices; ..." (secondary source: 121-export.com).
    "pv_module": "47150",
    # class 4522 "Portable ADP machines weighing not more than 10 kg, such as laptops" (UNSD CPC Ver.2 page
    # for group 452); subclass 45220 per worldoftaxonomy.com.
    "laptop": "45220",
    # class 4525 "Other ADP machines whether or not containing ... storage, input, output units" (a tower
    # without monitor, HS 8471.50); UNSD CPC Ver.2 page for group 452. Class level: subclass not checked.
    "desktop": "4525",
    # group 473 "Radio broadcast and television receivers; ..." (class 4526 excludes monitors, so they are
    # not in 452); group level only: the subclass for HS 8528.52 monitors was not found.
    "monitor": "473",
    "display": "473",
}

#: PACT declared unit -> our unit string (footprint.units / factors_db canonical names).
UNIT_FROM_PACT: dict[str, str] = {
    "kilogram": "kg", "liter": "L", "cubic meter": "m3", "kilowatt hour": "kWh", "megajoule": "MJ",
    "ton kilometer": "t*km", "square meter": "m2", "piece": "piece", "hour": "h",
}
_PACT_FROM_UNIT: dict[str, str] = {
    "kg": "kilogram", "kilogram": "kilogram", "l": "liter", "liter": "liter", "litre": "liter",
    "m3": "cubic meter", "kwh": "kilowatt hour", "mj": "megajoule", "t*km": "ton kilometer",
    "tkm": "ton kilometer", "m2": "square meter", "piece": "piece", "pcs": "piece",
}
_MASSLESS = {"kilowatt hour", "megajoule", "ton kilometer", "hour"}  # v3: productMassPerDeclaredUnit "0"

EVENT_TYPES: dict[str, dict[str, str]] = {
    "2": {
        "published": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
        "request_created": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        "request_fulfilled": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        "request_rejected": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
    },
    "3": {
        "published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        "request_created": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "request_fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        "request_rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
    },
}
_EVENT_SCHEMA = {"published": "PublishedEvent", "request_created": "RequestCreatedEvent",
                 "request_fulfilled": "RequestFulfilledEvent", "request_rejected": "RequestRejectedEvent"}

#: Error response codes and their HTTP statuses (v2.3 and v3.0 "Error Codes Table"). ``NoSuchFootprint`` is
#: the table's name; the OpenAPI ``Error`` enum (both versions) says ``NotFound`` instead, and the conformance
#: service's TESTCASE#8 wants ``NoSuchFootprint`` on /2 and ``NotFound`` on /3: see :data:`NOT_FOUND_CODE`.
ERROR_HTTP_STATUS: dict[str, int] = {
    "AccessDenied": 403, "BadRequest": 400, "NoSuchFootprint": 404, "NotFound": 404,
    "NotImplemented": 400, "TokenExpired": 401, "InternalError": 500,
}
ERROR_EXAMPLE_MESSAGE: dict[str, str] = {
    "AccessDenied": "Access denied", "BadRequest": "Bad Request",
    "NoSuchFootprint": "The specified footprint does not exist.", "NotFound": "The specified footprint does not exist.",
    "NotImplemented": "The specified Action or header you provided implies functionality that is not implemented",
    "TokenExpired": "The specified access token has expired",
    "InternalError": "An internal or unexpected error has occurred",
}
NOT_FOUND_CODE: dict[str, str] = {"2": "NoSuchFootprint", "3": "NotFound"}


def error_body(code: str, message: str | None = None) -> dict[str, str]:
    """The JSON body of an error response: ``{"code", "message"}``; the status is ``ERROR_HTTP_STATUS[code]``.

    Raises:
        ValueError: for a code the spec does not define.
    """
    if code not in ERROR_HTTP_STATUS:
        raise ValueError(f"unknown PACT error code {code!r}; known: {', '.join(ERROR_HTTP_STATUS)}")
    return {"code": code, "message": message or ERROR_EXAMPLE_MESSAGE[code]}


# ----------------------------------------------------------------------------------------- numbers
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")  # v3 components.schemas.Decimal; v2 "dotted-decimal"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def decimal_text(x: float | Decimal | str, significant: int = 6) -> str:
    """``x`` as a PACT Decimal string: at most ``significant`` significant digits, no exponent, no ``-0``."""
    d = Decimal(str(x)) if not isinstance(x, Decimal) else x
    if not d.is_finite():
        raise ValueError(f"not a finite number: {x!r}")
    if d == 0:
        return "0"
    d = round(d, significant - 1 - d.adjusted())
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pact_dqr(pedigree_score: float) -> float:
    """Engine pedigree score (1 best .. 5 worst) -> PACT DQR (1 good .. 3 poor), linear: ``(p + 1) / 2``."""
    return round(min(3.0, max(1.0, (float(pedigree_score) + 1.0) / 2.0)), 2)


def _timestamp(d: date | datetime) -> str:
    if isinstance(d, datetime):
        return (d if d.tzinfo else d.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{d.isoformat()}T00:00:00Z"


def _years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# ----------------------------------------------------------------------------------------- ids
def footprint_id(label_id: str, generation: int = 0) -> str:
    """The footprint id of a label: uuid5 of :data:`PACT_NAMESPACE` and the label id (``#n`` for generation n)."""
    name = label_id if generation == 0 else f"{label_id}#{generation}"
    return str(uuid.uuid5(PACT_NAMESPACE, name))


def _urn_nss(text: str) -> str:
    return quote(str(text), safe="-._~!$&'()*+,;=:@/")


def product_urns(label: Mapping[str, Any], domain: str = DEFAULT_DOMAIN) -> list[str]:
    """``urn:gtin:<14 digits>`` when the product has a GTIN, then ``urn:pact:<domain>:product-id:<id>``."""
    urns = []
    gtin = (label.get("product") or {}).get("gtin") or label.get("gtin")
    if gtin:
        urns.append(f"urn:gtin:{str(gtin).zfill(14)}")
    urns.append(f"urn:pact:{domain}:product-id:{_urn_nss(label['product']['id'])}")
    return urns


def company_urn(organisation_id: str, domain: str = DEFAULT_DOMAIN) -> str:
    """The company URN of an organisation of the registry (ADR-34 pattern ``urn:pact:<issuer>:<type>:<id>``)."""
    return f"urn:pact:{domain}:company-id:{_urn_nss(organisation_id)}"


# ----------------------------------------------------------------------------------------- schemas
def schema_document(version: PactVersion) -> dict[str, Any]:
    """The JSON Schema document (``$defs`` of every component) of PACT ``version``, built from the vendored
    OpenAPI file at first use and cached (:func:`registry.pact_schema.schema_document`)."""
    _check_version(version)
    return pact_schema.schema_document(version)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=("uuid",))

    @checker.checks("date-time")
    def _date_time(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        if not _DATE_TIME.match(instance):
            return False
        try:
            datetime.fromisoformat(instance.upper())
        except ValueError:
            return False
        return True

    @checker.checks("decimal")
    def _decimal(instance: object) -> bool:
        return not isinstance(instance, str) or bool(_DECIMAL.match(instance))

    return checker


@lru_cache(maxsize=32)
def _validator(version: PactVersion, definition: str) -> Draft202012Validator:
    document = dict(schema_document(version))
    document["$ref"] = f"#/$defs/{definition}"
    return Draft202012Validator(document, format_checker=_format_checker())


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def schema_errors(document: Any, version: PactVersion, definition: str = "ProductFootprint") -> list[tuple[str, str]]:
    """(field path, message) of every violation of ``$defs/<definition>``, sorted by path."""
    out = []
    for error in _validator(version, definition).iter_errors(document):
        where = _path(error.absolute_path)
        if error.validator == "required" and isinstance(error.validator_value, list):
            missing = re.match(r"'([^']+)'", error.message)
            where = _path([*error.absolute_path, missing.group(1)]) if missing else where
        message = error.message if len(error.message) <= 240 else error.message[:237] + "..."
        out.append((where or "(document)", message))
    return sorted(out)


def validate(pf: Mapping[str, Any], version: PactVersion) -> list[str]:
    """Every reason ``pf`` is not a valid ProductFootprint of PACT ``version``, as ``"<field>: <message>"``.

    The schema (derived from the official OpenAPI file), then what it cannot express: v2.3 properties marked
    ``O*`` (MUST for reference periods including 1 January 2025 or later), the validity-period window (v3
    "Validity Period": start >= referencePeriodEnd, end <= referencePeriodEnd + 3 years) and, in v2,
    ``packagingGhgEmissions`` only with ``packagingEmissionsIncluded``. The v3 ``x-rule: SHALL`` annotations
    (e.g. ``ccsTechnologicalCO2CaptureIncluded``) are not enforced: the spec's own examples omit them. Note
    that the spec's v3 examples 3 and 4 and its GetFootprint example break the validity window.
    """
    errors = [f"{where}: {message}" for where, message in schema_errors(pf, version)]
    if not isinstance(pf, Mapping) or not isinstance(pf.get("pcf"), Mapping):
        return errors
    return errors + _rule_errors(pf, version)


_V2_FROM_2025 = ("pCfIncludingBiogenic", "dLucGhgEmissions", "landManagementGhgEmissions", "otherBiogenicGhgEmissions",
                 "biogenicCarbonWithdrawal", "biogenicAccountingMethodology", "primaryDataShare", "dqi")


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not _DATE_TIME.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rule_errors(pf: Mapping[str, Any], version: PactVersion) -> list[str]:
    pcf = pf["pcf"]
    errors = []
    ref_start, ref_end = _parse_time(pcf.get("referencePeriodStart")), _parse_time(pcf.get("referencePeriodEnd"))
    from_2025 = ref_end is not None and ref_end > datetime(2025, 1, 1, tzinfo=UTC)
    if version == "2":
        if from_2025:
            errors += [f"pcf.{name}: required for reference periods including 2025 or later (v2.3 O*)"
                       for name in _V2_FROM_2025 if name not in pcf]
            dqi = pcf.get("dqi")
            if isinstance(dqi, Mapping):
                errors += [f"pcf.dqi.{name}: required for reference periods including 2025 or later (v2.3)"
                           for name in ("coveragePercent", "technologicalDQR", "temporalDQR", "geographicalDQR",
                                        "completenessDQR", "reliabilityDQR") if name not in dqi]
        elif ref_end is not None and "primaryDataShare" not in pcf and "dqi" not in pcf:
            errors.append("pcf.primaryDataShare: primaryDataShare or dqi must be defined (v2.3)")
        if pcf.get("packagingEmissionsIncluded") is False and "packagingGhgEmissions" in pcf:
            errors.append("pcf.packagingGhgEmissions: must not be defined when packagingEmissionsIncluded is false")
    if ref_start and ref_end and ref_start > ref_end:
        errors.append("pcf.referencePeriodStart: after referencePeriodEnd")
    valid_start, valid_end = _parse_time(pf.get("validityPeriodStart")), _parse_time(pf.get("validityPeriodEnd"))
    if ref_end is not None:
        if valid_start is not None and valid_start < ref_end:
            errors.append("validityPeriodStart: must not be before pcf.referencePeriodEnd")
        if valid_end is not None and valid_end > datetime.combine(_years_later(ref_end.date(), 3), ref_end.timetz()):
            errors.append("validityPeriodEnd: must not be later than pcf.referencePeriodEnd + 3 years")
    return errors


def _check_version(version: str) -> None:
    if version not in ("2", "3"):
        raise ValueError(f"PACT version must be '2' or '3', got {version!r}")



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
    unit = _PACT_FROM_UNIT.get(word.lower().replace(" ", ""), "piece")
    if unit == "piece" and amount != 1:
        raise PactUnmappable(f"declared unit {declared!r}: only one device per declared unit is mapped", "declared_unit")
    mass = float(amount) if unit == "kilogram" else 0.0 if unit in _MASSLESS else _mass(extra)
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
    _check_version(version)
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
    ref_start, ref_end = reference_period or (_years_later(valid_from, -1), valid_from)
    validity_start = max(valid_from, ref_end)
    validity_end = min(valid_until + timedelta(days=1), _years_later(ref_end, 3))  # PACT's end is exclusive
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
    pf["created"] = _timestamp(datetime.fromisoformat(label["issued_at"]))
    if version == "2" and status == "Deprecated" and status_changed_at is not None:
        pf["updated"] = _timestamp(status_changed_at)
    pf["status"] = status
    if version == "2" and status == "Deprecated":
        pf["statusComment"] = _status_reason(label)
    pf["validityPeriodStart"] = _timestamp(validity_start)
    pf["validityPeriodEnd"] = _timestamp(validity_end)
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
        "referencePeriodStart": _timestamp(ref_start),
        "referencePeriodEnd": _timestamp(ref_end),
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
    out["completedAt"] = _timestamp(datetime.fromisoformat(label["issued_at"]))
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


# ----------------------------------------------------------------------------------------- events
EventKind = Literal["published", "request_created", "request_fulfilled", "request_rejected"]


@dataclass(frozen=True, slots=True)
class Event:
    """A CloudEvent of ``POST /{2|3}/events``, checked against the PACT schema of its type."""

    version: PactVersion
    kind: EventKind
    type: str
    id: str
    source: str
    time: datetime
    data: Mapping[str, Any]
    specversion: str = "1.0"

    def to_json(self) -> dict[str, Any]:
        """The event as sent on the wire (``application/cloudevents+json``)."""
        return {"type": self.type, "specversion": self.specversion, "id": self.id, "source": self.source,
                "time": _timestamp(self.time), "data": dict(self.data)}


def parse_event(body: Any, version: PactVersion) -> Event:
    """Check a CloudEvent posted to ``/{version}/events`` and return it.

    Raises:
        PactError: naming the first offending field (``type``, ``time``, ``data.pfIds[0]`` ...).
    """
    _check_version(version)
    if not isinstance(body, Mapping):
        raise PactError("the event must be a JSON object", "(body)")
    if body.get("specversion") != "1.0":
        raise PactError(f"specversion must be '1.0' (CloudEvents 1.0), got {body.get('specversion')!r}", "specversion")
    for name in ("id", "source"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise PactError(f"{name} must be a non-empty string", name)
    kinds = {t: k for k, t in EVENT_TYPES[version].items()}
    kind = kinds.get(str(body.get("type")))
    if kind is None:
        other = "3" if version == "2" else "2"
        hint = f" (a v{other} event type: post it to /{other}/events)" if (
            isinstance(body.get("type"), str) and body["type"] in kinds_of(other)) else ""
        raise PactError(f"unknown event type {body.get('type')!r}{hint}; expected one of "
                        f"{', '.join(EVENT_TYPES[version].values())}", "type")
    time = _parse_time(body.get("time"))
    if time is None:
        raise PactError(f"time must be an RFC 3339 date-time, got {body.get('time')!r}", "time")
    if not isinstance(body.get("data"), Mapping):
        raise PactError("data must be an object", "data")
    errors = schema_errors(body, version, _EVENT_SCHEMA[kind])
    if errors:
        where, message = errors[0]
        raise PactError(message, where)
    return Event(version, cast(EventKind, kind), str(body["type"]), str(body["id"]), str(body["source"]), time,
                 dict(body["data"]))


def kinds_of(version: str) -> set[str]:
    """The event types of PACT ``version``."""
    return set(EVENT_TYPES[version].values())


def _event(version: PactVersion, kind: EventKind, source: str, data: dict[str, Any], event_id: str | None,
           time: datetime | None) -> dict[str, Any]:
    return {"type": EVENT_TYPES[version][kind], "specversion": "1.0", "id": event_id or str(uuid.uuid4()),
            "source": source, "time": _timestamp(time or datetime.now(UTC)), "data": data}


def fulfilled_event(request_event: Event, footprints: Sequence[Mapping[str, Any]], source: str, *,
                    event_id: str | None = None, time: datetime | None = None) -> dict[str, Any]:
    """The RequestFulfilled event answering ``request_event`` with ``footprints`` (at least one).

    ``event_id`` and ``time`` default to a new uuid4 and now (pass them for reproducible output).
    """
    if request_event.kind != "request_created":
        raise ValueError(f"only a request can be fulfilled, not a {request_event.kind} event")
    if not footprints:
        raise ValueError("a fulfilled request carries at least one footprint; reject it instead")
    data = {"requestEventId": request_event.id, "pfs": [dict(pf) for pf in footprints]}
    return _event(request_event.version, "request_fulfilled", source, data, event_id, time)


def rejected_event(request_event: Event, code: str, message: str, source: str, *,
                   event_id: str | None = None, time: datetime | None = None) -> dict[str, Any]:
    """The RequestRejected event answering ``request_event`` with the error ``code`` (see :func:`error_body`)."""
    if request_event.kind != "request_created":
        raise ValueError(f"only a request can be rejected, not a {request_event.kind} event")
    data = {"requestEventId": request_event.id, "error": error_body(code, message)}
    return _event(request_event.version, "request_rejected", source, data, event_id, time)


def published_event(pf_ids: Sequence[str], version: PactVersion, source: str, *,
                    event_id: str | None = None, time: datetime | None = None) -> dict[str, Any]:
    """The Published event telling a recipient that footprints ``pf_ids`` were created or changed."""
    _check_version(version)
    for i, pf_id in enumerate(pf_ids):
        try:
            uuid.UUID(pf_id)
        except (ValueError, TypeError, AttributeError):
            raise ValueError(f"pf_ids[{i}] is not a footprint id (UUID): {pf_id!r}") from None
    return _event(version, "published", source, {"pfIds": list(pf_ids)}, event_id, time)


# ----------------------------------------------------------------------------------------- PACT -> factor
@dataclass(frozen=True, slots=True)
class SupplierFactor:
    """A supplier's PACT footprint as supplier-specific data for one of our processes."""

    factor_id: str  # "pact.<footprint id>"
    unit: str  # our unit string: kg, piece, kWh, m2, L, m3, MJ, t*km, h
    kg_co2e_per_unit: float  # pCfExcludingBiogenic (v2) / pcfExcludingBiogenicUptake (v3) per 1 unit
    name: str
    geography: str
    year: int | None
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kg_co2e_per_unit >= 0:
            raise ValueError(f"kg_co2e_per_unit must be >= 0, got {self.kg_co2e_per_unit!r}")

    def to_factor_data(self) -> FactorData:
        """The factor the engine uses (CO2e not split by gas: booked on ``CO2e-unsplit``)."""
        p = self.provenance
        source = (f"PACT {p.get('spec_version')} footprint {p.get('pf_id')} of {p.get('company_name')} "
                  f"(reference period {p.get('reference_period_start')} to {p.get('reference_period_end')})")
        return FactorData(id=self.factor_id, unit=self.unit, value_kg_co2e=self.kg_co2e_per_unit, name=self.name,
                          category="component", geography=self.geography, year=self.year,
                          gases={UNSPLIT: self.kg_co2e_per_unit}, source=source)


def from_product_footprint(pf: Mapping[str, Any]) -> SupplierFactor:
    """A supplier's ProductFootprint (v2.x or v3.x, by its ``specVersion``) as a :class:`SupplierFactor`.

    Raises:
        PactError: invalid footprint (naming the field), ``Deprecated`` status, or a unit we cannot use.
    """
    if not isinstance(pf, Mapping):
        raise PactError("a ProductFootprint must be a JSON object", "(document)")
    major = str(pf.get("specVersion", "")).split(".")[0]
    if major not in ("2", "3"):
        raise PactError(f"unsupported specVersion {pf.get('specVersion')!r}: 2.x or 3.x", "specVersion")
    version = cast(PactVersion, major)
    errors = schema_errors(pf, version)
    if errors:
        where, message = errors[0]
        raise PactError(message, where)
    if pf["status"] != "Active":
        raise PactError("a Deprecated footprint should not be used for calculations (PACT status)", "status")
    pcf = pf["pcf"]
    if version == "2":
        pact_unit, amount, value = pcf["declaredUnit"], pcf["unitaryProductAmount"], pcf["pCfExcludingBiogenic"]
        per_unit = Decimal(value)  # v2: kg CO2e per ONE declared unit
        unit_field = "pcf.declaredUnit"
    else:
        pact_unit, amount = pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]
        value = pcf["pcfExcludingBiogenicUptake"]
        try:
            per_unit = Decimal(value) / Decimal(amount)  # v3: per declaredUnitAmount units
        except (InvalidOperation, ZeroDivisionError):
            raise PactError(f"declaredUnitAmount must be > 0, got {amount!r}", "pcf.declaredUnitAmount") from None
        unit_field = "pcf.declaredUnitOfMeasurement"
    unit = UNIT_FROM_PACT.get(pact_unit)
    if unit is None:
        raise PactError(f"declared unit {pact_unit!r} has no counterpart in our units", unit_field)
    geography = (pcf.get("geographyCountrySubdivision") or pcf.get("geographyCountry")
                 or pcf.get("geographyRegionOrSubregion") or "GLO")
    ref_end = _parse_time(pcf.get("referencePeriodEnd"))
    provenance = {
        "pf_id": pf["id"], "company_name": pf["companyName"], "company_ids": list(pf["companyIds"]),
        "version": pf.get("version"), "spec_version": pf["specVersion"], "product_ids": list(pf["productIds"]),
        "product_name": pf.get("productNameCompany"),
        "declared_unit": f"{amount} {pact_unit}", "value_kg_co2e": value,
        "reference_period_start": pcf.get("referencePeriodStart"), "reference_period_end": pcf.get("referencePeriodEnd"),
        "assurance": pcf.get("assurance") or pcf.get("verification"),
        "primary_data_share": pcf.get("primaryDataShare"),
    }
    name = str(pf.get("productNameCompany") or pf.get("productDescription") or pf["id"])
    return SupplierFactor(factor_id=f"pact.{pf['id']}", unit=unit, kg_co2e_per_unit=float(per_unit), name=name,
                          geography=str(geography), year=ref_end.year if ref_end else None, provenance=provenance)
