"""The compact claim map of format 2: each claim field's CBOR form and back (pure; see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from registry.errors import InvalidClaim, PayloadInvalid
from registry.ids import LABEL_PREFIX  # label numbers CD-PCF-<year>-<6 digits> travel as one integer

HASH_PREFIX_BYTES = 16  # the first 128 bits of each SHA-256 (module docstring: why that is enough)


UNITS = {1: "kg CO2e", 2: "t CO2e", 3: "g CO2e"}


BOUNDARIES = {1: "cradle-to-gate", 2: "cradle-to-grave"}


METHODS = {1: "GB/T 24067-2024 (ISO 14067:2018); IPCC AR6 GWP100", 2: "GB/T 24067-2024; IPCC AR6 GWP100",
           3: "ISO 14067:2018; IPCC AR6 GWP100"}




_EPOCH = date(1970, 1, 1)


_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


_HEX_SHA = re.compile(r"[0-9a-f]{64}|[0-9a-f]{32}")  # a full SHA-256 or its carried prefix


_HEX16 = re.compile(r"[0-9a-f]{16}")


_DIGITS14 = re.compile(r"[0-9]{14}")


_LABEL_NUMBER = re.compile(rf"{LABEL_PREFIX}-([0-9]{{4}})-([0-9]{{6}})")


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be a string")
    return v


def _uint(v: Any) -> int:
    if type(v) is not int or v < 0:
        raise ValueError("must be a non-negative integer")
    return v


def _decimal(v: Any) -> str:
    if not isinstance(v, str) or not _DECIMAL.fullmatch(v):
        raise ValueError("must be a decimal string such as '412' or '18.9'")
    return v


def _gtin_out(v: Any) -> int:
    if not isinstance(v, str) or not _DIGITS14.fullmatch(v):
        raise ValueError("must be a string of 14 digits")
    return int(v)


def _gtin_in(v: Any) -> str:
    if type(v) is not int or not 0 <= v < 10**14:
        raise ValueError("must be an integer of at most 14 digits")
    return f"{v:014d}"


def _sha_out(v: Any) -> bytes:
    if not isinstance(v, str) or not _HEX_SHA.fullmatch(v):
        raise ValueError("must be 64 lower-case hex characters (or the 32 of a decoded prefix)")
    return bytes.fromhex(v[:2 * HASH_PREFIX_BYTES])


def _sha_in(v: Any) -> str:
    if not isinstance(v, bytes) or len(v) != HASH_PREFIX_BYTES:
        raise ValueError(f"must be {HASH_PREFIX_BYTES} bytes")
    return v.hex()


def _date_out(v: Any) -> int:
    try:
        d = date.fromisoformat(v)
    except (TypeError, ValueError):
        raise ValueError("must be an ISO date such as '2026-11-22'") from None
    if d.isoformat() != v or d < _EPOCH:
        raise ValueError("must be an ISO date such as '2026-11-22', not before 1970")
    return (d - _EPOCH).days


def _date_in(v: Any) -> str:
    try:
        return (_EPOCH + timedelta(days=_uint(v))).isoformat()
    except OverflowError:
        raise ValueError("is beyond year 9999") from None


def _coded(table: dict[int, str], open_set: bool) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    codes = {text: code for code, text in table.items()}
    allowed = "" if open_set else f" (one of {', '.join(map(repr, table.values()))})"

    def out(v: Any) -> int | str:
        if isinstance(v, str) and v in codes:
            return codes[v]
        if open_set and isinstance(v, str):
            return v
        raise ValueError(f"must be a string{allowed}")

    def back(v: Any) -> str:
        if type(v) is int and v in table:
            return table[v]
        if open_set and isinstance(v, str):
            return v  # a listed text sent as text is refused later as non-canonical
        raise ValueError(f"unknown code {v!r}")

    return out, back


def _hex_id(prefix: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Ids made by ``registry.ids.new_id`` (``prd_`` and 20 hex digits) as bstr: 11 bytes instead of 25."""
    pattern = re.compile(rf"{prefix}_((?:[0-9a-f]{{2}})+)")

    def out(v: Any) -> str | bytes:
        match = pattern.fullmatch(_text(v))
        return bytes.fromhex(match.group(1)) if match else v

    def back(v: Any) -> str:
        if isinstance(v, bytes) and v:
            return f"{prefix}_{v.hex()}"
        return _text(v)  # an id of the compact form sent as text is refused later as non-canonical

    return out, back


def _label_number_out(v: Any) -> int | str:
    match = _LABEL_NUMBER.fullmatch(_text(v))
    return int(match.group(1) + match.group(2)) if match else v


def _label_number_in(v: Any) -> str:
    if type(v) is int:
        if not 0 <= v < 10**10:
            raise ValueError("must be a label number of 10 digits")
        return f"{LABEL_PREFIX}-{v // 10**6:04d}-{v % 10**6:06d}"
    return _text(v)


def _issue_date(claim: Mapping[str, Any]) -> str | None:
    """The UTC date of ``issued_at`` (already checked), or None beyond year 9999."""
    try:
        return _date_in(claim["issued_at"] // 86400)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Field:
    name: str
    label: int
    out: Callable[[Any], Any]
    back: Callable[[Any], Any]
    optional: bool = False  # None is written as an absent key
    # A value equal to default(claim so far) is written as an absent key and restored from it on decoding.
    default: Callable[[Mapping[str, Any]], Any] | None = None


_FIELDS = (
    _Field("label_id", 1, _label_number_out, _label_number_in),
    _Field("version", 2, _uint, _uint),
    _Field("product_id", 3, *_hex_id("prd")),
    _Field("gtin", 4, _gtin_out, _gtin_in, optional=True),
    _Field("value", 5, _decimal, _decimal),
    _Field("unit", 6, *_coded(UNITS, open_set=True)),
    _Field("declared_unit", 7, _text, _text),
    _Field("boundary", 8, *_coded(BOUNDARIES, open_set=False)),
    _Field("method", 9, *_coded(METHODS, open_set=True)),
    _Field("factor_release", 10, _text, _text),
    _Field("factor_release_sha256", 11, _sha_out, _sha_in),
    _Field("input_sha256", 12, _sha_out, _sha_in),
    _Field("issued_at", 13, _uint, _uint),
    _Field("valid_from", 14, _date_out, _date_in, default=_issue_date),  # after issued_at, which it defaults to
    _Field("valid_until", 15, _date_out, _date_in),
)


CLAIM_KEYS: dict[str, int] = {f.name: f.label for f in _FIELDS}


CLAIM_FIELDS: tuple[str, ...] = (*CLAIM_KEYS, "key_id")  # required to encode; decode_text gives exactly these


#: Accepted by claim_map and not written. ``certifier_id``: the kid's trust-list entry names it. The others are in
#: the full claim only (signed with registry.trust.signing and logged), for lack of room in the QR code: the data
#: basis and, under rules with a certification block, the certificate number and the verification's hashes.
NOT_CARRIED = ("certifier_id", "primary_data_share", "certificate_number", "verification_sha256",
               "verification_report_sha256")


HASH_FIELDS = ("factor_release_sha256", "input_sha256")


_BY_LABEL = {f.label: f for f in _FIELDS}


def claim_map(claim: Mapping[str, Any]) -> dict[int, Any]:
    """The CBOR map of a claim (integer keys, compact values; table in the module docstring).

    ``claim`` has the :data:`CLAIM_FIELDS` (hashes whole or as the 32-character prefixes decoding gives) and
    may have ``certifier_id``, which is checked and not written. Any other field, ``model`` included, is refused.

    Raises:
        InvalidClaim: a field is missing, unknown or malformed (``field`` names it).
    """
    if not isinstance(claim, Mapping):
        raise InvalidClaim("a claim is a mapping of field names to values")
    for name in claim:
        if name not in CLAIM_FIELDS and name not in NOT_CARRIED:
            raise InvalidClaim(f"unknown claim field {name!r} (format 2 has no {name!r})", str(name))
    missing = [name for name in CLAIM_FIELDS if name not in claim]
    if missing:
        raise InvalidClaim("missing", missing[0])
    if not isinstance(claim["key_id"], str) or not _HEX16.fullmatch(claim["key_id"]):
        raise InvalidClaim(f"{claim['key_id']!r} must be 16 lower-case hex characters", "key_id")
    if "certifier_id" in claim and (not isinstance(claim["certifier_id"], str) or not claim["certifier_id"]):
        raise InvalidClaim(f"{claim['certifier_id']!r} must be a non-empty string", "certifier_id")
    out: dict[int, Any] = {}
    for f in _FIELDS:
        value = claim[f.name]
        if value is None and f.optional:
            continue
        try:
            out[f.label] = f.out(value)
        except ValueError as e:
            raise InvalidClaim(f"{value!r} {e}", f.name) from None
        if f.default is not None and value == f.default(claim):
            del out[f.label]  # restored from the fields before it on decoding
    return out


def _claim_from_map(m: Mapping[Any, Any], kid: bytes) -> dict[str, Any]:
    unknown = [k for k in m if type(k) is not int or k not in _BY_LABEL]
    if unknown:
        raise PayloadInvalid("invalid-claim", f"unknown claim key {unknown[0]!r}")
    claim: dict[str, Any] = {}
    for f in _FIELDS:
        if f.label not in m:
            claim[f.name] = f.default(claim) if f.default is not None else None
            if claim[f.name] is None and not f.optional:
                raise PayloadInvalid("invalid-claim", f"claim key {f.label} ({f.name}) is missing", f.name)
            continue
        try:
            claim[f.name] = f.back(m[f.label])
        except ValueError as e:
            raise PayloadInvalid("invalid-claim", f"claim key {f.label} ({f.name}) {e}", f.name) from None
    claim["key_id"] = kid.hex()
    return claim
