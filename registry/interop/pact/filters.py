"""Criteria of PACT ``ListFootprints`` (v2 ``$filter``, v3 query parameters) and of RequestCreated events, and
their matching against a ProductFootprint (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dtime
from typing import Any

from registry.errors import InvalidInput
from registry.interop.pact import events as pact_events
from registry.interop.pact.errors import PactNotImplemented


@dataclass(frozen=True)
class Filters:
    """Criteria of ``ListFootprints`` and of a RequestCreated event: OR within one criterion, AND across them.

    Values match case-insensitively. ``geography`` matches a footprint's country, subdivision or region, and a
    country matches its subdivisions (``CN`` matches ``CN-SC``). ``times`` holds v2 ``$filter`` comparisons
    (field ``created`` or ``updated``, operator ``eq|ge|gt|le|lt``, instant).
    """

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geography: tuple[str, ...] = ()
    classification: tuple[str, ...] = ()
    pf_ids: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    times: tuple[tuple[str, str, datetime], ...] = field(default=())


def parse_instant(text: str, name: str) -> datetime:
    """An RFC 3339 date-time (``Z`` or an offset; a bare date is midnight UTC).

    Raises:
        InvalidInput: naming the parameter.
    """
    value = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.combine(datetime.fromisoformat(value).date(), dtime(), UTC)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?", value):
            raise ValueError
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"not an RFC 3339 date-time such as 2026-01-01T00:00:00Z: {text[:60]!r}", name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_V2_TIME = re.compile(r"^\(?\s*(created|updated)\s*\)?\s+(eq|ge|gt|le|lt)\s+'([^']*)'$")
_V2_ANY = re.compile(r"^(productIds|companyIds)/any\(\s*(\w+)\s*:\s*\(?\s*\2\s+eq\s+'([^']*)'\s*\)?\s*\)$")
_V2_GEO = re.compile(r"^\(?\s*pcf/(geographyCountry|geographyCountrySubdivision|geographyRegionOrSubregion)\s*\)?"
                     r"\s+eq\s+'([^']*)'$")


def v2_filter(expression: str) -> tuple[Filters, ...]:
    """The supported subset of the v2 ODataV4 ``$filter``, one :class:`Filters` per term (all must match):
    terms joined by ``and``, each one of ``created|updated eq|ge|gt|le|lt '<date-time>'``,
    ``productIds/any(p:(p eq '<urn>'))`` (also ``companyIds``) and ``pcf/geographyCountry eq '<code>'`` (or
    ``geographyCountrySubdivision``, ``geographyRegionOrSubregion``).

    Raises:
        PactNotImplemented: any other expression. InvalidInput: a malformed date-time.
    """
    out: list[Filters] = []
    for term in re.split(r"\s+and\s+", expression.strip()):
        term = term.strip()
        if m := _V2_TIME.match(term):
            out.append(Filters(times=((m.group(1), m.group(2), parse_instant(m.group(3), "$filter")),)))
        elif m := _V2_ANY.match(term):
            wanted = (m.group(3),)
            out.append(Filters(product_ids=wanted) if m.group(1) == "productIds" else Filters(company_ids=wanted))
        elif m := _V2_GEO.match(term):
            out.append(Filters(geography=(m.group(2),)))
        else:
            raise PactNotImplemented(f"$filter term not supported: {term[:120]!r} (supported: created/updated "
                                     "comparisons, productIds/any, companyIds/any, pcf/geography... eq)", "$filter")
    return tuple(out)


def request_filters(event: pact_events.Event) -> Filters:
    """The criteria of a RequestCreated event: v3 ``data`` filters, or the v2 ``data.pf`` fragment's ``id``,
    ``productIds`` and ``companyIds``."""
    data = event.data
    if event.version == "2":
        pf: Mapping[str, Any] = data["pf"] if isinstance(data.get("pf"), Mapping) else {}
        ids = pf.get("id")
        return Filters(product_ids=_strings(pf.get("productIds")), company_ids=_strings(pf.get("companyIds")),
                       pf_ids=(ids,) if isinstance(ids, str) else ())

    def when(name: str) -> datetime | None:
        return parse_instant(data[name], f"data.{name}") if isinstance(data.get(name), str) else None

    status = data.get("status")
    return Filters(product_ids=_strings(data.get("productId")), company_ids=_strings(data.get("companyId")),
                   geography=_strings(data.get("geography")), classification=_strings(data.get("classification")),
                   status=(status,) if isinstance(status, str) else (), valid_on=when("validOn"),
                   valid_after=when("validAfter"), valid_before=when("validBefore"))


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _any(wanted: Sequence[str], have: Sequence[str]) -> bool:
    lowered = {h.lower() for h in have}
    return any(w.lower() in lowered for w in wanted)


def _geo_match(wanted: Sequence[str], pcf: Mapping[str, Any]) -> bool:
    have = [str(pcf[k]).lower() for k in ("geographyCountry", "geographyCountrySubdivision",
                                          "geographyRegionOrSubregion") if pcf.get(k)]
    return any(w.lower() == h or h.startswith(w.lower() + "-") for w in wanted for h in have)


def _instant(text: Any) -> datetime | None:
    try:
        return parse_instant(text, "footprint") if isinstance(text, str) else None
    except InvalidInput:
        return None


_OPS: dict[str, Callable[[datetime, datetime], bool]] = {
    "eq": lambda a, b: a == b, "ge": lambda a, b: a >= b, "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b, "lt": lambda a, b: a < b,
}


def matches(pf: Mapping[str, Any], f: Filters) -> bool:
    """Whether a ProductFootprint meets every criterion of ``f``."""
    pcf = pf.get("pcf") or {}
    start, end = _instant(pf.get("validityPeriodStart")), _instant(pf.get("validityPeriodEnd"))
    checks = [
        not f.product_ids or _any(f.product_ids, pf.get("productIds") or []),
        not f.company_ids or _any(f.company_ids, pf.get("companyIds") or []),
        not f.classification or _any(f.classification, pf.get("productClassifications") or []),
        not f.geography or _geo_match(f.geography, pcf),
        not f.pf_ids or _any(f.pf_ids, [pf["id"]]),
        not f.status or _any(f.status, [pf["status"]]),
        f.valid_on is None or (start is not None and end is not None and start <= f.valid_on <= end),
        f.valid_after is None or (start is not None and start > f.valid_after),
        f.valid_before is None or (end is not None and end < f.valid_before),
    ]
    for name, op, at in f.times:
        value = _instant(pf.get(name))
        checks.append(value is not None and _OPS[op](value, at))
    return all(checks)
