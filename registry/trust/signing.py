"""Ed25519 keys, their sealing at rest, and the signed statement of a label claim (pure, no database).

Key id. :func:`key_id` is the first 8 bytes of SHA-256 over the raw 32-byte public key, as 16 lowercase hex
characters: stable, derivable by anyone from the published key, and short enough for a QR payload (the
payload carries the 8 bytes). 64 bits make an accidental collision among a registry's few hundred keys
negligible (~n^2 / 2^65); a deliberate one is harmless because the trust list maps the id to one key and
verification checks the signature against that key.

Sealing. A private key at rest is ``b"PCFK" | 0x01 | salt (16) | nonce (12) | AES-256-GCM(raw key) (32 + 16)``,
81 bytes. The AES key is scrypt(secret, salt, n=2^15, r=8, p=1): the settings secret may be a passphrase,
and ~70 ms per opening is affordable because callers cache opened keys. The header (magic, version, salt)
is the GCM associated data, so changing any byte of the blob makes it fail to open. A wrong secret or a
damaged blob raises :class:`~registry.errors.SealedKeyInvalid`, never a cryptography traceback.

Signed statement. A claim (a JSON object, values as strings and integers, decimals as strings) is signed
over its RFC 8785 canonical JSON (:func:`claim_bytes`), the same bytes anyone can rebuild from the claim.
The compact QR form of the same claim is in :mod:`registry.payload`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from registry.errors import SealedKeyInvalid, SigningError

KEY_ID_BYTES = 8
SEAL_MAGIC = b"PCFK"
SEAL_VERSION = 1
MIN_SECRET_BYTES = 16
_SALT, _NONCE, _RAW, _TAG = 16, 12, 32, 16
_HEADER = len(SEAL_MAGIC) + 1 + _SALT
_SEALED_LEN = _HEADER + _NONCE + _RAW + _TAG  # 4 + 1 + 16 + 12 + 32 + 16 = 81
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1  # 32 MiB, ~70 ms


def generate_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_raw(key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key of ``key`` (RFC 8032 encoding)."""
    return key.public_key().public_bytes_raw()


def key_id(public_raw: bytes) -> str:
    """The key id of a raw public key: the first 8 bytes of its SHA-256, as 16 lowercase hex characters.

    Args:
        public_raw: the raw 32-byte Ed25519 public key.

    Returns:
        For example ``"3b6a27bcceb6a42d"``.
    """
    return hashlib.sha256(public_raw).digest()[:KEY_ID_BYTES].hex()


def _scrypt_key(secret: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(secret)


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise SigningError(f"the sealing secret must be at least {MIN_SECRET_BYTES} bytes", "secret")


def seal_private_key(key: Ed25519PrivateKey, secret: bytes) -> bytes:
    """Encrypt a private key for storage (format in the module docstring).

    Args:
        key: the private key.
        secret: the settings secret, at least 16 bytes.

    Returns:
        The 81-byte sealed blob; every call uses a fresh salt and nonce.

    Raises:
        SigningError: the secret is shorter than 16 bytes.
    """
    _check_secret(secret)
    salt, nonce = os.urandom(_SALT), os.urandom(_NONCE)
    header = SEAL_MAGIC + bytes([SEAL_VERSION]) + salt
    sealed = AESGCM(_scrypt_key(secret, salt)).encrypt(nonce, key.private_bytes_raw(), header)
    return header + nonce + sealed


def open_private_key(blob: bytes, secret: bytes) -> Ed25519PrivateKey:
    """Decrypt a blob made by :func:`seal_private_key`.

    Args:
        blob: the sealed key.
        secret: the settings secret it was sealed with.

    Returns:
        The private key.

    Raises:
        SealedKeyInvalid: the secret is wrong, or the blob is damaged or of an unknown format.
        SigningError: the secret is shorter than 16 bytes.
    """
    _check_secret(secret)
    if not isinstance(blob, bytes) or not blob.startswith(SEAL_MAGIC):
        raise SealedKeyInvalid("not a sealed key (no PCFK header)", "sealed_private_key")
    if len(blob) <= len(SEAL_MAGIC) or blob[len(SEAL_MAGIC)] != SEAL_VERSION:
        raise SealedKeyInvalid("unknown sealed-key format version", "sealed_private_key")
    if len(blob) != _SEALED_LEN:
        raise SealedKeyInvalid(f"a sealed key has {_SEALED_LEN} bytes, not {len(blob)}", "sealed_private_key")
    header, nonce, sealed = blob[:_HEADER], blob[_HEADER:_HEADER + _NONCE], blob[_HEADER + _NONCE:]
    try:
        raw = AESGCM(_scrypt_key(secret, header[-_SALT:])).decrypt(nonce, sealed, header)
    except InvalidTag:
        raise SealedKeyInvalid("the sealed key does not open: wrong secret or damaged blob",
                               "sealed_private_key") from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def claim_bytes(claim: Mapping[str, Any]) -> bytes:
    """The signed statement: the claim as RFC 8785 canonical JSON (UTF-8)."""
    return rfc8785.dumps(dict(claim))


def sign_claim(claim: Mapping[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The 64-byte Ed25519 signature of :func:`claim_bytes` of ``claim``."""
    return key.sign(claim_bytes(claim))


def verify_claim(claim: Mapping[str, Any], signature: bytes, public_raw: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``claim`` by the raw public key ``public_raw``.

    Never raises for bad input: a malformed key, signature or a claim that is not canonical-JSON
    serialisable (a float that is not finite, a non-string key) gives False.
    """
    try:
        message = claim_bytes(claim)
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):  # rfc8785.CanonicalizationError is a ValueError
        return False
    return True
