"""COSE_Sign1 (EdDSA) over the claim map, written as QR-friendly ``PCF2.`` digits, and decoded back (pure)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.errors import InvalidClaim, KeyMismatch, PayloadInvalid
from registry.trust import signing
from registry.trust.payload.claim import _claim_from_map, claim_map

PREFIX = "PCF2."  # format 2; format 1 (full hashes, model, certifier in the map) was never published


SENTINEL = 0x01


COSE_SIGN1_TAG = 18


ALG_EDDSA = -8


HEADER_ALG, HEADER_KID = 1, 4


MAX_DIGITS = 4000  # ~1,660 bytes of COSE, beyond any QR we print; Python parses at most 4,300 digits


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
