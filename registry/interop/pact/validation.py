"""PACT ProductFootprints checked against the JSON Schema built in memory from the official OpenAPI files
(:mod:`registry.interop.pact.schema`), plus the rules a schema cannot say (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from registry.interop.pact import schema as pact_schema
from registry.interop.pact.terms import DATE_TIME_RE, DECIMAL_RE, PactVersion, years_later


# ----------------------------------------------------------------------------------------- schemas
def schema_document(version: PactVersion) -> dict[str, Any]:
    """The JSON Schema document (``$defs`` of every component) of PACT ``version``, built from the vendored
    OpenAPI file at first use and cached (:func:`registry.pact_schema.schema_document`)."""
    check_version(version)
    return pact_schema.schema_document(version)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=("uuid",))

    @checker.checks("date-time")
    def _date_time(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        if not DATE_TIME_RE.match(instance):
            return False
        try:
            datetime.fromisoformat(instance.upper())
        except ValueError:
            return False
        return True

    @checker.checks("decimal")
    def _decimal(instance: object) -> bool:
        return not isinstance(instance, str) or bool(DECIMAL_RE.match(instance))

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


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not DATE_TIME_RE.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rule_errors(pf: Mapping[str, Any], version: PactVersion) -> list[str]:
    pcf = pf["pcf"]
    errors = []
    ref_start, ref_end = parse_time(pcf.get("referencePeriodStart")), parse_time(pcf.get("referencePeriodEnd"))
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
    valid_start, valid_end = parse_time(pf.get("validityPeriodStart")), parse_time(pf.get("validityPeriodEnd"))
    if ref_end is not None:
        if valid_start is not None and valid_start < ref_end:
            errors.append("validityPeriodStart: must not be before pcf.referencePeriodEnd")
        if valid_end is not None and valid_end > datetime.combine(years_later(ref_end.date(), 3), ref_end.timetz()):
            errors.append("validityPeriodEnd: must not be later than pcf.referencePeriodEnd + 3 years")
    return errors


def check_version(version: str) -> None:
    if version not in ("2", "3"):
        raise ValueError(f"PACT version must be '2' or '3', got {version!r}")
