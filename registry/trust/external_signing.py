"""Claims signed by a certifier that keeps its own private key (pure, no database).

A certifier whose current key has no sealed private half in the registry (it registered only the public key,
:meth:`registry.service.Registry.rotate_key`) signs each label claim itself, in two steps:

1. ``prepare``: the registry fixes the claim (label number reserved, ``issued_at``, validity, key id) and hands
   out the two byte strings to sign, :func:`to_be_signed`:

   * ``to_sign``: the signed statement, the claim's RFC 8785 JSON (:func:`registry.signing.claim_bytes`);
   * ``payload_to_sign``: the COSE ``Sig_structure`` of the compact offline payload,
     ``["Signature1", protected, h'', payload]`` with ``protected = {1: -8, 4: kid}`` and ``payload`` the
     deterministic CBOR of :func:`registry.payload.claim_map` (RFC 9052 section 4.4).

   Both are plain Ed25519 messages (RFC 8032, no pre-hashing): any Ed25519 signer (an HSM, ``openssl pkeyutl
   -sign -rawin``, a smart card) signs them as they are.
2. ``approve``: the certifier sends both 64-byte signatures; :func:`accept` checks them against the key and
   assembles the payload text exactly as :func:`registry.payload.encode_payload` would have (Ed25519 is
   deterministic, so a signature made from the same key gives the same text byte for byte).

The CBOR steps repeat those of :mod:`registry.payload` (two ``cbor2.dumps`` calls with its public constants); the
tests check that the result equals ``encode_payload`` for the same key and decodes and verifies with
:func:`registry.payload.verify_payload`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.errors import InvalidInput
from registry.trust import payload, signing

SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32


@dataclass(frozen=True)
class ToBeSigned:
    """The two messages a certifier signs for one claim.

    Attributes:
        statement: the RFC 8785 JSON of the claim (its Ed25519 signature is the label's ``signature``).
        payload: the COSE Sig_structure of the compact claim (its signature goes into the offline payload).
    """

    statement: bytes
    payload: bytes


@dataclass(frozen=True)
class Prepared:
    """A claim fixed for its certifier to sign (:meth:`registry.service.Registry.prepare`).

    Attributes:
        declaration_id: the declaration it certifies.
        claim: the full claim (label number reserved, ``issued_at``, validity and key id fixed).
        to_sign: :attr:`ToBeSigned.statement` of the claim.
        payload_to_sign: :attr:`ToBeSigned.payload` of the claim.
    """

    declaration_id: str
    claim: dict[str, Any]
    to_sign: bytes
    payload_to_sign: bytes


def _protected(key_id: str) -> bytes:
    return cbor2.dumps({payload.HEADER_ALG: payload.ALG_EDDSA, payload.HEADER_KID: bytes.fromhex(key_id)},
                       canonical=True)


def _claim_cbor(claim: Mapping[str, Any]) -> bytes:
    return cbor2.dumps(payload.claim_map(claim), canonical=True)


def to_be_signed(claim: Mapping[str, Any]) -> ToBeSigned:
    """The statement and the COSE Sig_structure of ``claim`` (a full claim naming its ``key_id``).

    Raises:
        InvalidClaim: the claim cannot be written as a compact payload (a field is missing or malformed).
    """
    body = _claim_cbor(claim)  # checks the claim, key_id included
    sig_structure = cbor2.dumps(["Signature1", _protected(claim["key_id"]), b"", body])
    return ToBeSigned(signing.claim_bytes(claim), sig_structure)


def assemble_payload(claim: Mapping[str, Any], payload_signature: bytes) -> str:
    """The offline payload text (``PCF2.`` + digits) of ``claim`` with an externally made COSE signature.

    The signature is not checked here (:func:`accept` does).
    """
    cose = cbor2.dumps(cbor2.CBORTag(payload.COSE_SIGN1_TAG,
                                     [_protected(claim["key_id"]), {}, _claim_cbor(claim), payload_signature]),
                       canonical=True)
    return payload.cose_to_text(cose)


def decode_b64(text: Any, field: str, size: int) -> bytes:
    """Bytes from base64 text (standard or URL-safe alphabet, padding optional) of exactly ``size`` bytes.

    Raises:
        InvalidInput: not base64, or not ``size`` bytes (``field`` names the request field).
    """
    if not isinstance(text, str) or not text.strip() or not text.isascii():
        raise InvalidInput(f"must be base64 text of {size} bytes", field)
    s = "".join(text.split()).replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"must be base64 text of {size} bytes", field) from None
    if len(raw) != size:
        raise InvalidInput(f"must be {size} bytes, not {len(raw)}", field)
    return raw


def _verifies(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def accept(claim: Mapping[str, Any], public_raw: bytes, signature: bytes | str | None,
           payload_signature: bytes | str | None) -> str:
    """Check a certifier's two signatures of ``claim`` and return the offline payload text they make.

    Args:
        claim: the pending claim (its ``key_id`` is the id of ``public_raw``).
        public_raw: the certifier's current raw public key.
        signature: Ed25519 over the statement (:attr:`ToBeSigned.statement`), as bytes or base64 text.
        payload_signature: Ed25519 over the COSE Sig_structure (:attr:`ToBeSigned.payload`), bytes or base64.

    Raises:
        InvalidInput: a signature is missing, not 64 bytes, or does not verify (``field`` is ``signature`` or
            ``payload_signature``).
    """
    messages = to_be_signed(claim)
    kid = claim["key_id"]
    checked = []
    for field, given, message, what in (("signature", signature, messages.statement, "to_sign"),
                                        ("payload_signature", payload_signature, messages.payload, "payload_to_sign")):
        sig = signature_bytes(given, field, what)
        if not _verifies(public_raw, sig, message):
            raise InvalidInput(f"does not verify with key {kid} over {what} of the pending claim", field)
        checked.append(sig)
    return assemble_payload(claim, checked[1])


def signature_bytes(given: bytes | str | None, field: str, what: str = "the message") -> bytes:
    """A 64-byte Ed25519 signature given as bytes or base64 text.

    Raises:
        InvalidInput: missing, not base64, or not 64 bytes (``field`` names it).
    """
    if given is None:
        raise InvalidInput(f"missing: the Ed25519 signature of {what}, base64", field)
    sig = given if isinstance(given, bytes) else decode_b64(given, field, SIGNATURE_BYTES)
    if len(sig) != SIGNATURE_BYTES:
        raise InvalidInput(f"an Ed25519 signature has {SIGNATURE_BYTES} bytes, not {len(sig)}", field)
    return sig
