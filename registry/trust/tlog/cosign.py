"""Witness cosignatures of checkpoints (c2sp.org/tlog-cosignature, ``cosignature/v1``, Ed25519).

A witness keeps the last checkpoint it saw of a log, checks that each newer one is consistent with it (an
append-only extension), and only then signs it. A cosignature is a note signature line
``— <witness name> base64(key ID || u64 timestamp || Ed25519 signature)`` over::

    cosignature/v1
    time <timestamp>
    <the checkpoint's note body, with its final newline>

with key ID ``SHA-256(<name> || "\\n" || 0x04 || public key)[:4]``. A log that shows one witness a tree and
later a tree that does not extend it (a split view, or a rewritten history) gets no cosignature: the witness
stops with the reason. Pure: verifies offline.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.trust.verdict import ReasonVerdict

_ALG_COSIGNATURE_V1 = b"\x04"
_PREFIX = "\u2014 "  # em dash, space (c2sp.org/signed-note)
#: Longest witness name accepted (a schema-less URL).
MAX_NAME = 200


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_raw: bytes) -> bytes:
    """``SHA-256(name || 0x0A || 0x04 || public key)[:4]``."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _ALG_COSIGNATURE_V1 + public_raw).digest()[:4]


def witness_vkey(name: str, public_raw: bytes) -> str:
    """The witness's verifier key ``<name>+<hex key ID>+<base64(0x04 || public key)>`` (c2sp.org/signed-note)."""
    check_name(name)
    return f"{name}+{key_id(name, public_raw).hex()}+{base64.b64encode(_ALG_COSIGNATURE_V1 + public_raw).decode()}"


def parse_witness_vkey(vkey: str) -> tuple[str, bytes]:
    """``(name, raw public key)`` of a witness verifier key.

    Raises:
        ValueError: not a ``cosignature/v1`` Ed25519 vkey, or its key ID does not match.
    """
    name, kid, b64 = vkey.strip().split("+", 2)
    check_name(name)
    blob = base64.b64decode(b64, validate=True)
    if len(blob) != 33 or blob[:1] != _ALG_COSIGNATURE_V1:
        raise ValueError("not an Ed25519 cosignature/v1 key (type 0x04, 32 bytes)")
    if key_id(name, blob[1:]).hex() != kid:
        raise ValueError("the key ID does not match the name and key")
    return name, blob[1:]


def check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME or any(c.isspace() or c == "+" for c in name) or not name.isprintable():
        raise ValueError(f"a witness name has 1-{MAX_NAME} printable characters, no spaces or '+'")


def signed_message(body: str, timestamp: int) -> bytes:
    """What a cosignature signs: the header, the time line and the checkpoint body (ending in a newline)."""
    if not body.endswith("\n"):
        raise ValueError("a checkpoint body ends with a newline")
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """The cosignature line (without its final newline) of the checkpoint ``body``."""
    check_name(name)
    if not 0 <= timestamp < 2**63:
        raise ValueError("the timestamp is a POSIX time below 2^63")
    signature = key.sign(signed_message(body, timestamp))
    blob = key_id(name, raw_public(key.public_key())) + struct.pack(">Q", timestamp) + signature
    return f"{_PREFIX}{name} {base64.b64encode(blob).decode()}"


@dataclass(frozen=True)
class Cosignature(ReasonVerdict):
    """A cosignature line after :func:`open_cosignature`."""

    valid: bool
    reason: str
    timestamp: int | None = None


def open_cosignature(body: str, line: str, name: str, public_raw: bytes) -> Cosignature:
    """Check a cosignature line by the witness ``name`` with ``public_raw`` over the checkpoint ``body``.
    Never raises."""
    try:
        if not line.startswith(_PREFIX):
            return Cosignature(False, "malformed-cosignature: not a note signature line")
        line_name, _, b64 = line[len(_PREFIX):].strip().partition(" ")
        if line_name != name:
            return Cosignature(False, f"other-witness: signed by {line_name[:80]!r}, not {name!r}")
        blob = base64.b64decode(b64, validate=True)
        if len(blob) != 4 + 8 + 64 or blob[:4] != key_id(name, public_raw):
            return Cosignature(False, "unknown-key: the key ID is not the witness's")
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        Ed25519PublicKey.from_public_bytes(public_raw).verify(blob[12:], signed_message(body, timestamp))
        return Cosignature(True, "ok", timestamp)
    except InvalidSignature:
        return Cosignature(False, "bad-signature: the cosignature does not verify")
    except (ValueError, TypeError) as exc:
        return Cosignature(False, f"malformed-cosignature: {type(exc).__name__}")
