"""PACT vocabulary shared by the mapping, validation, events and supplier import: spec versions, errors, code
tables, number and time formats, ids (pure)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from registry.errors import InvalidInput, RegistryError
from registry.ids import LABEL_UUID_NAMESPACE
from registry.interop.pact import schema as pact_schema

PactVersion = pact_schema.PactVersion
SPEC_VERSION: dict[str, str] = {"2": "2.3.0", "3": "3.0.0"}

#: Namespace of the footprint ids (uuid5); fixed forever: changing it changes every published id.
PACT_NAMESPACE = LABEL_UUID_NAMESPACE
DEFAULT_DOMAIN = "pcf-registry.example"  # the HTTP layer passes the registry's real domain name

#: Largest event body accepted (a RequestCreated with a few hundred product ids is a few kB).
MAX_EVENT_BYTES = 64 * 1024
#: Events one client may send per minute (then a 400 with a reason; PACT has no 429 in its error codes).
MAX_EVENTS_PER_MINUTE = 120


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
PACT_FROM_UNIT: dict[str, str] = {
    "kg": "kilogram", "kilogram": "kilogram", "l": "liter", "liter": "liter", "litre": "liter",
    "m3": "cubic meter", "kwh": "kilowatt hour", "mj": "megajoule", "t*km": "ton kilometer",
    "tkm": "ton kilometer", "m2": "square meter", "piece": "piece", "pcs": "piece",
}
MASSLESS_UNITS = {"kilowatt hour", "megajoule", "ton kilometer", "hour"}  # v3: productMassPerDeclaredUnit "0"

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
EVENT_SCHEMA = {"published": "PublishedEvent", "request_created": "RequestCreatedEvent",
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
DECIMAL_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")  # v3 components.schemas.Decimal; v2 "dotted-decimal"
DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


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


def timestamp(d: date | datetime) -> str:
    if isinstance(d, datetime):
        return (d if d.tzinfo else d.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{d.isoformat()}T00:00:00Z"


def years_later(d: date, years: int) -> date:
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
