"""The offline label payload: a claim as a COSE_Sign1 message, written as QR-friendly text, and its verifier.

Text (format 2). ``PCF2.`` followed by the decimal digits of ``int.from_bytes(b"\\x01" + cose, "big")``; the 0x01
sentinel keeps leading zero bytes and makes most truncations and changed digits visible before any CBOR is
read. Digits use QR numeric mode (10 bits per 3 digits: 8.03 bits per byte), the densest mode a URL fragment
can hold: base32 in alphanumeric mode costs 8.8 bits per byte, base45 needs space and ``%`` (not allowed in a
fragment), base64url falls to byte mode (10.7 bits per byte). ``PCF``/``pcf`` and whitespace inside the digits
are tolerated (neither can change the bytes); a URL is accepted whole, the payload being what follows its
last ``#``, and a ``/l/<label_id>`` or ``/01/<gtin>`` in it must match the claim. Format 1 (``PCF1.``: the
model, both whole SHA-256 and the certifier id in the map) was never published and is refused as
``unsupported-version``.

Size, measured with ``qrcode`` 8.2 (``optimize=20``) at error correction M; ``label/qr.py`` prints at most
version 12, which holds 290 data bytes. Behind a 51-character URL (``https://label.pcf-registry.cn/l/
CD-PCF-2026-000123#``, byte mode) the largest COSE message that fits is 228 bytes as digits (210 as base32),
behind the 48-character GS1 URL (``https://label.pcf-registry.cn/01/06901234567892#``) 231, bare 279. The
COSE framing, kid and signature take 85 bytes; the claim map of a PV label 103, of which the two hash
prefixes are 36. Measured claims (``tests/test_payload.py``), COSE bytes and version bare / behind the
``/l/`` URL / behind the GS1 URL: PV module (GTIN, ``1 kWp``) 188 B, 10 / 11 / 11; component (``1 m2``)
189 B, 10 / 11 / 11; monitor (``1 monitor over 6 years of use``) 214 B, 11 / 12 / 12; worst case
(``1 desktop over 12.5 years of use``, version 12, value ``1180.5``, a carried ``valid_from``) 224 B,
11 / 12 / 12. Format 1 needed 254 B (version 13) for the PV label and 262 B for the monitor. Room left: a
PV-like label with a GTIN and a 6-character value fits with a declared unit of at most 41 ASCII characters
(13 Chinese ones, 3 bytes each in UTF-8). The electronics rules write ``1 <kind> over <years> years of use``
(32 characters with 12.5 years); a component's declared unit is its document's own text, so a longer one
makes ``label/qr.py`` refuse the symbol.

COSE (RFC 9052). ``18([protected, {}, payload, signature])`` with protected ``{1: -8 (EdDSA), 4: kid}``,
the kid being the 8 bytes of the key id (:func:`registry.signing.key_id`); the signature is Ed25519 over
``["Signature1", protected, h'', payload]``. Written with cbor2 and cryptography: one algorithm, no
unprotected headers, so pycose would add a dependency without removing code. Everything is deterministic
CBOR (RFC 8949 section 4.2); a verifier re-encodes what it decoded and refuses any other encoding.

Claim map (the payload), integer keys. The payload carries a compact claim; the registry's full claim (RFC
8785 JSON with whole hashes and the certifier id, signed with :func:`registry.signing.sign_claim`) is tied
to it by :func:`matches_full_claim`::

    key  field                    CBOR
     1   label_id                 uint year * 10^6 + number for CD-PCF-<year>-<6 digits>, else text
     2   version                  uint
     3   product_id               bstr of the hex for prd_<hex> (registry.ids.new_id), else text
     4   gtin                     uint (14 digits, zero-padded on decoding); absent when None
     5   value                    text (a decimal string, kept exactly: "18.90" stays "18.90")
     6   unit                     uint code of UNITS, or text for any other unit
     7   declared_unit            text
     8   boundary                 uint code of BOUNDARIES
     9   method                   uint code of METHODS, or text for any other method
    10   factor_release           text
    11   factor_release_sha256    bstr, the first 16 bytes of the SHA-256 (decoded: 32 hex characters)
    12   input_sha256             bstr, the first 16 bytes of the SHA-256 (decoded: 32 hex characters)
    13   issued_at                uint (unix seconds)
    14   valid_from               uint (days since 1970-01-01); absent when it is the UTC date of issued_at
    15   valid_until              uint (days since 1970-01-01)
     -   key_id                   not in the map: the kid of the protected header, as 16 hex characters
     -   certifier_id             not in the map: the ``certifier_id`` of the kid's trust-list entry

Hash prefixes. 128 bits of SHA-256 keep second-preimage resistance at 2^128: making another release file or
input document whose hash starts with the same 16 bytes costs ~2^128 hashes, as forging a 128-bit MAC does.
Collision resistance falls to 2^64, which matters only to someone who makes both documents beforehand; both
are the certifier's declared documents, whose full hashes are in the signed full claim and the transparency
log. Fields not carried: ``model`` (not a required claim field; a claim with it is refused as
:class:`~registry.errors.InvalidClaim`), and ``certifier_id``: the kid names a key, and the trust list names
the key's certifier, so :func:`decode_text` (no trust list) returns the claim without ``certifier_id`` and
:func:`verify_payload` adds the key's. A claim to encode may contain ``certifier_id`` (it is checked to be a
non-empty string and not written).

The code tables (UNITS, BOUNDARIES, METHODS, the label-number and id forms) belong to format 2: codes may be
added only with a new format, because an offline verifier that does not know a code cannot decode the claim.
A value with a compact form must be written in it (and a ``valid_from`` equal to the date of ``issued_at``
must be left out); the other form of the same value is refused as non-canonical, so that every claim has
exactly one encoding.

Trust list (``pcf-trust-list/1``, see :class:`TrustList`). A key verifies a claim when its status is not
``revoked`` and the claim's ``issued_at`` lies in ``[not_before, not_after)`` (no upper bound while
``not_after`` is null): a retired key keeps verifying the labels it signed while it was current, so a
rotation does not invalidate old labels, but nothing issued after its retirement; a revoked (compromised)
key verifies nothing. The key's certifier is the claim's, and a key whose ``purpose`` is not ``labels`` (the
registry's log key) signs no label.

:func:`verify_payload` never raises: every failure is a result with ``valid=False`` and one of these reasons:
``invalid-trust-list``, ``not-a-payload``, ``unsupported-version``, ``bad-character``, ``non-canonical-text``,
``too-long``, ``damaged-text``, ``malformed-cbor``, ``trailing-data``, ``wrong-structure``,
``unsupported-algorithm``, ``bad-header``, ``invalid-claim``, ``non-canonical-encoding``, ``unknown-key``,
``wrong-key-purpose``, ``key-revoked``, ``bad-signature``, ``key-not-yet-valid``, ``key-retired``,
``url-mismatch``; ``ok`` when valid. (Format 1's ``certifier-mismatch`` is gone: the claim no longer names a
certifier that could differ from the key's. A full claim naming another certifier fails
:func:`matches_full_claim`.)
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import unquote, urlsplit

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from registry.errors import InvalidClaim, InvalidTrustList, KeyMismatch, PayloadInvalid
from registry.trust import signing

PREFIX = "PCF2."  # format 2; format 1 (full hashes, model, certifier in the map) was never published
SENTINEL = 0x01
COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
HEADER_ALG, HEADER_KID = 1, 4
HASH_PREFIX_BYTES = 16  # the first 128 bits of each SHA-256 (module docstring: why that is enough)
MAX_DIGITS = 4000  # ~1,660 bytes of COSE, beyond any QR we print; Python parses at most 4,300 digits
TRUST_LIST_FORMAT = "pcf-trust-list/1"
KEY_STATUSES = ("current", "retired", "revoked")

UNITS = {1: "kg CO2e", 2: "t CO2e", 3: "g CO2e"}
BOUNDARIES = {1: "cradle-to-gate", 2: "cradle-to-grave"}
METHODS = {1: "GB/T 24067-2024 (ISO 14067:2018); IPCC AR6 GWP100", 2: "GB/T 24067-2024; IPCC AR6 GWP100",
           3: "ISO 14067:2018; IPCC AR6 GWP100"}
LABEL_PREFIX = "CD-PCF"  # label numbers CD-PCF-<year>-<6 digits> (registry.service) travel as one integer

_EPOCH = date(1970, 1, 1)
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_HEX_SHA = re.compile(r"[0-9a-f]{64}|[0-9a-f]{32}")  # a full SHA-256 or its carried prefix
_HEX16 = re.compile(r"[0-9a-f]{16}")
_DIGITS14 = re.compile(r"[0-9]{14}")
_LABEL_NUMBER = re.compile(rf"{LABEL_PREFIX}-([0-9]{{4}})-([0-9]{{6}})")


# --- claim fields: (claim value -> CBOR value, CBOR value -> claim value); both raise ValueError ---------------

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
NOT_CARRIED = ("certifier_id",)  # accepted by claim_map and not written: the kid's trust-list entry names it
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


# --- COSE_Sign1 and text -------------------------------------------------------------------------------------

def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def _protected(kid: bytes) -> bytes:
    return cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid}, canonical=True)


def _cose(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]), canonical=True)


def encode_cose(claim: Mapping[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The claim as a COSE_Sign1 message signed by ``key`` (the bytes behind :func:`encode_payload`).

    Raises:
        InvalidClaim: a field is missing, unknown or malformed.
        KeyMismatch: ``claim["key_id"]`` is not the id of ``key``.
    """
    payload = cbor2.dumps(claim_map(claim), canonical=True)
    kid_hex = signing.key_id(signing.public_raw(key))
    if claim["key_id"] != kid_hex:
        raise KeyMismatch(f"the claim names key {claim['key_id']} but is signed with key {kid_hex}", "key_id")
    protected = _protected(bytes.fromhex(kid_hex))
    return _cose(protected, payload, key.sign(_sig_structure(protected, payload)))


def cose_to_text(cose: bytes) -> str:
    """``PCF2.`` and the decimal digits of the sentinel byte followed by ``cose``."""
    return PREFIX + str(int.from_bytes(bytes([SENTINEL]) + cose, "big"))


def encode_payload(claim: Mapping[str, Any], key: Ed25519PrivateKey) -> str:
    """The QR payload text of ``claim`` signed by ``key``, e.g. ``PCF2.1301...`` (~2.4 digits per COSE byte).

    ``claim`` is the registry's full claim: the :data:`CLAIM_FIELDS`, full SHA-256 hashes (carried as their
    first 16 bytes) and optionally ``certifier_id`` (not carried: the key names it).

    Raises:
        InvalidClaim: a field is missing, unknown or malformed.
        KeyMismatch: ``claim["key_id"]`` is not the id of ``key``.
    """
    return cose_to_text(encode_cose(claim, key))


def _split_url(text: str | bytes) -> tuple[str, str | None]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadInvalid("bad-character", "the payload is not UTF-8 text") from None
    if not isinstance(text, str):
        raise PayloadInvalid("not-a-payload", "the payload is not text")
    url, hash_sign, body = text.strip().rpartition("#")
    return body.strip(), (url if hash_sign else None)


def text_to_cose(text: str | bytes) -> bytes:
    """The COSE bytes of a payload text (or of a URL whose fragment is one); no signature check.

    Raises:
        PayloadInvalid: the text is no format-2 payload (``reason``: not-a-payload, unsupported-version,
            bad-character, non-canonical-text, too-long, damaged-text).
    """
    body, _ = _split_url(text)
    head = body[:len(PREFIX)].upper()
    if head != PREFIX:
        if head.startswith("PCF") and head != "PCF":
            raise PayloadInvalid("unsupported-version", f"payload format {body[:len(PREFIX)]!r} is not {PREFIX!r}")
        raise PayloadInvalid("not-a-payload", f"a payload starts with {PREFIX!r}")
    digits = "".join(body[len(PREFIX):].split())  # whitespace (a wrapped line) cannot change the number
    if not digits:
        raise PayloadInvalid("damaged-text", f"nothing follows {PREFIX!r}: the text is truncated")
    if not (digits.isascii() and digits.isdigit()):
        bad = next((c for c in digits if c not in "0123456789"), "")
        raise PayloadInvalid("bad-character", f"a payload has only digits after {PREFIX!r}, not {bad!r}")
    if len(digits) > MAX_DIGITS:
        raise PayloadInvalid("too-long", f"{len(digits)} digits; a payload has at most {MAX_DIGITS}")
    if digits.startswith("0"):
        raise PayloadInvalid("non-canonical-text", "the digits start with 0")
    number = int(digits) if digits else 0
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    if not raw or raw[0] != SENTINEL:
        raise PayloadInvalid("damaged-text", "the digits do not start with the format's sentinel byte: "
                             "the text is truncated or changed")
    return raw[1:]


def _loads(data: bytes, what: str) -> Any:
    fp = io.BytesIO(data)
    try:
        obj = cbor2.CBORDecoder(fp).decode()
    except Exception as e:  # cbor2 raises assorted types (and RecursionError) on hostile input: all mean malformed
        raise PayloadInvalid("malformed-cbor", f"{what} is not well-formed CBOR ({type(e).__name__})") from None
    if fp.tell() != len(data):
        raise PayloadInvalid("trailing-data", f"{len(data) - fp.tell()} bytes follow the {what}")
    return obj


@dataclass(frozen=True)
class DecodedPayload:
    """A decoded, well-formed payload whose signature has not been checked yet.

    Attributes:
        claim: the compact claim: the :data:`CLAIM_FIELDS` (``key_id`` taken from the kid, 32-hex-character
            hash prefixes, ``valid_from`` restored), without ``certifier_id``, which only a trust list gives.
        key_id: the signing key's id.
        signed: the bytes the signature covers (the COSE Sig_structure).
        signature: the 64-byte Ed25519 signature.
        url: what preceded ``#`` when the text was a URL, else None.
    """

    claim: dict[str, Any]
    key_id: str
    signed: bytes
    signature: bytes
    url: str | None = None


def decode_text(text: str | bytes) -> DecodedPayload:
    """Decode a payload text (or a URL whose fragment is one) without checking the signature.

    The claim has no ``certifier_id``: that comes from the trust-list entry of the kid
    (:func:`verify_payload` adds it).

    Raises:
        PayloadInvalid: the text, the CBOR or the claim is malformed or non-canonical (``reason`` says which).
    """
    _, url = _split_url(text)
    cose = text_to_cose(text)
    obj = _loads(cose, "COSE message")
    if not isinstance(obj, cbor2.CBORTag) or obj.tag != COSE_SIGN1_TAG:
        raise PayloadInvalid("wrong-structure", "not a tagged COSE_Sign1 message (tag 18)")
    parts = obj.value
    if not isinstance(parts, (list, tuple)) or len(parts) != 4:  # cbor2 gives a tuple inside a tag
        raise PayloadInvalid("wrong-structure", "a COSE_Sign1 message is an array of 4 items")
    protected, unprotected, payload, signature = parts
    if not (isinstance(protected, bytes) and isinstance(unprotected, Mapping) and isinstance(payload, bytes)
            and isinstance(signature, bytes)):
        raise PayloadInvalid("wrong-structure", "COSE_Sign1 items must be bstr, map, bstr, bstr")
    header = _loads(protected, "protected header")
    if not isinstance(header, Mapping):
        raise PayloadInvalid("bad-header", "the protected header is not a map")
    alg = header.get(HEADER_ALG)
    if type(alg) is not int or alg != ALG_EDDSA:
        raise PayloadInvalid("unsupported-algorithm", f"algorithm {alg!r} is not EdDSA ({ALG_EDDSA})")
    kid = header.get(HEADER_KID)
    if set(header) != {HEADER_ALG, HEADER_KID} or unprotected:
        raise PayloadInvalid("bad-header", "headers must be exactly alg and kid, both protected")
    if not isinstance(kid, bytes) or len(kid) != signing.KEY_ID_BYTES:
        raise PayloadInvalid("bad-header", f"the kid must be {signing.KEY_ID_BYTES} bytes")
    if len(signature) != 64:
        raise PayloadInvalid("wrong-structure", f"an Ed25519 signature has 64 bytes, not {len(signature)}")
    if _protected(kid) != protected or _cose(protected, payload, signature) != cose:
        raise PayloadInvalid("non-canonical-encoding", "the COSE message is not in deterministic CBOR")
    fields = _loads(payload, "claim")
    if not isinstance(fields, Mapping):
        raise PayloadInvalid("invalid-claim", "the claim is not a map")
    claim = _claim_from_map(fields, kid)
    try:
        canonical = cbor2.dumps(claim_map(claim), canonical=True)
    except InvalidClaim as e:
        raise PayloadInvalid("invalid-claim", e.message, e.field) from None
    if canonical != payload:
        raise PayloadInvalid("non-canonical-encoding", "the claim is not in its one deterministic encoding")
    return DecodedPayload(claim, kid.hex(), _sig_structure(protected, payload), signature, url)


# --- trust list ------------------------------------------------------------------------------------------------

def _b64url_raw(s: Any) -> bytes:
    if not isinstance(s, str) or not s.isascii():
        raise ValueError("must be base64url text")
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("must be base64url text") from None


@dataclass(frozen=True)
class TrustedKey:
    """One key of a trust list.

    Attributes:
        key_id: :func:`registry.signing.key_id` of ``public_key``.
        certifier_id: the organisation the key belongs to.
        certifier_name: its display name.
        public_key: the raw 32-byte Ed25519 public key.
        not_before: unix seconds from which claims may be issued with the key.
        not_after: unix seconds from which they may not (set when the key is retired), or None.
        status: ``current``, ``retired`` or ``revoked``.
        purpose: ``labels`` (signs claims) or another purpose such as ``log`` (signs no claim).
    """

    key_id: str
    certifier_id: str
    certifier_name: str
    public_key: bytes
    not_before: int
    not_after: int | None
    status: str
    purpose: str = "labels"
    _verifier: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise InvalidTrustList("an Ed25519 public key has 32 bytes", "public_key")
        if self.key_id != signing.key_id(self.public_key):
            raise InvalidTrustList(f"key id {self.key_id!r} is not the id of its public key", "key_id")
        for name in ("certifier_id", "certifier_name", "purpose"):
            if not isinstance(getattr(self, name), str):
                raise InvalidTrustList("must be a string", name)
        if type(self.not_before) is not int:
            raise InvalidTrustList("must be unix seconds", "not_before")
        if self.not_after is not None and (type(self.not_after) is not int or self.not_after < self.not_before):
            # Equal is an empty window: a key retired in the second it was made verifies nothing.
            raise InvalidTrustList("must be null or unix seconds not before not_before", "not_after")
        if self.status not in KEY_STATUSES:
            raise InvalidTrustList(f"{self.status!r} is not one of {', '.join(KEY_STATUSES)}", "status")
        if self.status == "retired" and self.not_after is None:
            raise InvalidTrustList("a retired key has a not_after", "not_after")
        object.__setattr__(self, "_verifier", Ed25519PublicKey.from_public_bytes(self.public_key))

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            self._verifier.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> TrustedKey:
        """A key from its trust-list entry (``public_key`` in base64url without padding).

        Raises:
            InvalidTrustList: a field is missing or malformed.
        """
        if not isinstance(entry, Mapping):
            raise InvalidTrustList("a key entry is an object")
        for name in ("key_id", "certifier_id", "certifier_name", "public_key", "not_before", "status"):
            if name not in entry:
                raise InvalidTrustList("missing", name)
        try:
            raw = _b64url_raw(entry["public_key"])
        except ValueError as e:
            raise InvalidTrustList(str(e), "public_key") from None
        return cls(key_id=entry["key_id"], certifier_id=entry["certifier_id"],
                   certifier_name=entry["certifier_name"], public_key=raw, not_before=entry["not_before"],
                   not_after=entry.get("not_after"), status=entry["status"], purpose=entry.get("purpose", "labels"))

    def to_json(self) -> dict[str, Any]:
        """The trust-list entry of this key."""
        return {"key_id": self.key_id, "certifier_id": self.certifier_id, "certifier_name": self.certifier_name,
                "public_key": base64.urlsafe_b64encode(self.public_key).rstrip(b"=").decode(),
                "not_before": self.not_before, "not_after": self.not_after, "status": self.status,
                "purpose": self.purpose}


@dataclass(frozen=True)
class TrustList:
    """The published keys a verifier trusts, given to it by its caller (never fetched).

    Attributes:
        registry: the registry that publishes the list.
        issued_at: unix seconds when the list was published.
        keys: every certifier key, current, retired and revoked.
    """

    registry: str
    issued_at: int
    keys: tuple[TrustedKey, ...]
    _by_id: dict[str, TrustedKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, TrustedKey] = {}
        for k in self.keys:
            if k.key_id in by_id:
                raise InvalidTrustList(f"key {k.key_id} is listed twice", "keys")
            by_id[k.key_id] = k
        object.__setattr__(self, "_by_id", by_id)

    def key(self, key_id: str) -> TrustedKey | None:
        """The key with ``key_id``, or None."""
        return self._by_id.get(key_id)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TrustList:
        """A trust list from its ``pcf-trust-list/1`` JSON document (extra fields are ignored).

        Raises:
            InvalidTrustList: the document or one of its keys is malformed (``field`` is e.g. ``keys[2].status``).
        """
        if not isinstance(doc, Mapping) or doc.get("format") != TRUST_LIST_FORMAT:
            raise InvalidTrustList(f"not a {TRUST_LIST_FORMAT} document", "format")
        if not isinstance(doc.get("registry"), str):
            raise InvalidTrustList("must be a string", "registry")
        if type(doc.get("issued_at")) is not int:
            raise InvalidTrustList("must be unix seconds", "issued_at")
        entries = doc.get("keys")
        if not isinstance(entries, list):
            raise InvalidTrustList("must be a list", "keys")
        keys = []
        for i, entry in enumerate(entries):
            try:
                keys.append(TrustedKey.from_json(entry))
            except InvalidTrustList as e:
                raise InvalidTrustList(e.message, f"keys[{i}].{e.field}" if e.field else f"keys[{i}]") from None
        return cls(registry=doc["registry"], issued_at=doc["issued_at"], keys=tuple(keys))

    def to_json(self) -> dict[str, Any]:
        """The ``pcf-trust-list/1`` document."""
        return {"format": TRUST_LIST_FORMAT, "registry": self.registry, "issued_at": self.issued_at,
                "keys": [k.to_json() for k in self.keys]}


# --- verification ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PayloadResult:
    """The outcome of :func:`verify_payload`.

    Attributes:
        valid: whether the payload is a claim validly signed by a trusted key.
        claim: the claim when valid, else None (an unverified claim is never handed out).
        reason: ``ok`` or a stable reason code (listed in the module docstring).
        key_id: the kid, once the payload was decoded far enough to read it.
        certifier_id: the key's certifier, once the key was found in the trust list.
        detail: a human explanation of ``reason``.
    """

    valid: bool
    claim: dict[str, Any] | None
    reason: str
    key_id: str | None = None
    certifier_id: str | None = None
    detail: str = ""


def _url_mismatch(url: str, claim: Mapping[str, Any]) -> str | None:
    """Why the URL around the payload names another label or product than the claim, or None."""
    try:
        segments = [unquote(s) for s in urlsplit(url).path.split("/")]
    except ValueError:
        return None  # not a URL we can read: nothing in it to compare
    for key, value in pairwise(segments):
        if key.lower() == "l" and value.casefold() != str(claim["label_id"]).casefold():
            return f"the URL names label {value!r}, the claim {claim['label_id']!r}"
        if key == "01" and value.isascii() and value.isdigit() and value.zfill(14) != claim["gtin"]:
            return f"the URL names GTIN {value!r}, the claim {claim['gtin']!r}"
    return None


def verify_payload(text: str | bytes, trust_list: TrustList | Mapping[str, Any]) -> PayloadResult:
    """Verify a label payload offline against a trust list. Never raises.

    Args:
        text: the payload text, or the whole URL read from the QR code (payload after ``#``).
        trust_list: a :class:`TrustList`, or its JSON document (parsed on every call: pass a
            :class:`TrustList` when verifying many payloads).

    Returns:
        ``valid=True`` with the claim, or ``valid=False`` with the reason; see the module docstring.
    """
    if isinstance(trust_list, TrustList):
        trust = trust_list
    else:
        try:
            trust = TrustList.from_json(trust_list)
        except InvalidTrustList as e:
            return PayloadResult(False, None, "invalid-trust-list", detail=str(e))
    try:
        decoded = decode_text(text)
    except PayloadInvalid as e:
        return PayloadResult(False, None, e.reason, detail=str(e))
    kid, claim = decoded.key_id, decoded.claim

    def invalid(reason: str, detail: str, entry: TrustedKey | None = None) -> PayloadResult:
        return PayloadResult(False, None, reason, kid, entry.certifier_id if entry else None, detail)

    entry = trust.key(kid)
    if entry is None:
        return invalid("unknown-key", f"key {kid} is not in the trust list of {trust.registry}")
    if entry.purpose != "labels":
        return invalid("wrong-key-purpose", f"key {kid} is a {entry.purpose} key, not a label key", entry)
    if entry.status == "revoked":
        return invalid("key-revoked", f"key {kid} is revoked: no claim signed with it is trusted", entry)
    if not entry.verifies(decoded.signature, decoded.signed):
        return invalid("bad-signature", "the signature does not match the claim and key", entry)
    issued = claim["issued_at"]
    if issued < entry.not_before:
        return invalid("key-not-yet-valid", f"issued at {issued}, before the key's not_before {entry.not_before}",
                       entry)
    if entry.not_after is not None and issued >= entry.not_after:
        return invalid("key-retired", f"issued at {issued}, after the key was retired at {entry.not_after}", entry)
    mismatch = _url_mismatch(decoded.url, claim) if decoded.url else None
    if mismatch:
        return invalid("url-mismatch", mismatch, entry)
    claim = {**claim, "certifier_id": entry.certifier_id}
    return PayloadResult(True, claim, "ok", kid, entry.certifier_id, "signed by a trusted key")


def matches_full_claim(decoded: Mapping[str, Any], full: Mapping[str, Any]) -> bool:
    """Whether a decoded compact claim states the same as a full claim (the registry's RFC 8785 JSON claim).

    True when ``decoded`` has every :data:`CLAIM_FIELDS` field and each of its fields (``certifier_id`` too,
    when present, as in a verified claim) equals the full claim's field, the two hashes compared as prefixes:
    the full claim's 64 hex characters must start with the decoded 32. Fields only the full claim has (such
    as ``certifier_id`` beside an unverified claim) are not compared; check the full claim's own signature
    (:func:`registry.signing.verify_claim`) as well. Never raises.

    Args:
        decoded: ``PayloadResult.claim`` or ``DecodedPayload.claim``.
        full: the full claim, as signed with :func:`registry.signing.sign_claim`.
    """
    if not isinstance(decoded, Mapping) or not isinstance(full, Mapping):
        return False
    if any(name not in decoded for name in CLAIM_FIELDS):
        return False
    for name, value in decoded.items():
        if name not in full:
            return False
        if name in HASH_FIELDS:
            prefix, whole = value, full[name]
            if not (isinstance(prefix, str) and len(prefix) == 2 * HASH_PREFIX_BYTES and isinstance(whole, str)
                    and len(whole) == 64 and whole.startswith(prefix)):
                return False
        elif type(value) is not type(full[name]) or value != full[name]:
            return False
    return True
