"""Certifier and registry signing keys in the database: creation, rotation, retirement, and the trust list.

Private keys are sealed at rest with the registry's master secret (:func:`registry.signing.seal_private_key`);
a certifier that keeps its own key registers only the public half (``sealed_private_key`` is empty) and then
signs claims itself. A retired key keeps verifying the claims issued while it was current; a revoked key
verifies nothing (see :mod:`registry.payload`).
"""

from __future__ import annotations

import base64
import math
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, select

from registry.errors import KeyFileError, KeyUnavailable, NotFound
from registry.store.tables import Organisation, SigningKey
from registry.trust import signing

REGISTRY_ORG = "registry"


def create_key(session: Session, org_id: str, secret: bytes, now: datetime,
               public_raw: bytes | None = None) -> tuple[SigningKey, Ed25519PrivateKey | None]:
    """A new current key for ``org_id`` (generated and sealed, or the certifier's own public key)."""
    private = None
    if public_raw is None:
        private = signing.generate_key()
        public_raw = signing.public_raw(private)
        sealed: bytes | None = signing.seal_private_key(private, secret)
    else:
        sealed = None
    row = SigningKey(key_id=signing.key_id(public_raw), org_id=org_id, public_key=public_raw,
                     sealed_private_key=sealed, status="current", not_before=now)
    session.add(row)
    session.flush()
    return row, private


def current_key(session: Session, org_id: str) -> SigningKey:
    """The organisation's current key.

    Raises:
        KeyUnavailable: the organisation has no current key.
    """
    known = session.info.setdefault("pcf_current_keys", {})  # once per transaction (a batch signs many labels)
    if org_id in known and known[org_id] in session:
        return known[org_id]
    row = session.exec(select(SigningKey).where(SigningKey.org_id == org_id, SigningKey.status == "current")
                       .order_by(SigningKey.not_before.desc())).first()  # type: ignore[attr-defined]
    if row is None:
        raise KeyUnavailable(f"organisation {org_id} has no current signing key", "key_id")
    known[org_id] = row
    return row


def retire_current(session: Session, org_id: str, now: datetime, *, status: str = "retired") -> list[SigningKey]:
    """Mark the organisation's current keys retired (or revoked) from ``now`` on."""
    rows = list(session.exec(select(SigningKey).where(SigningKey.org_id == org_id, SigningKey.status == "current")))
    session.info.get("pcf_current_keys", {}).pop(org_id, None)
    for row in rows:
        row.status, row.not_after = status, now
        session.add(row)
    return rows


def set_status(session: Session, key_id: str, status: str, now: datetime) -> SigningKey:
    """Retire or revoke one key."""
    row = session.get(SigningKey, key_id)
    if row is None:
        raise NotFound(f"no key {key_id!r}", "key_id")
    row.status = status
    row.not_after = row.not_after or now
    session.add(row)
    session.info.get("pcf_current_keys", {}).pop(row.org_id, None)
    return row


def private_key(row: SigningKey, secret: bytes) -> Ed25519PrivateKey:
    """The key's private half, opened with the master secret.

    Raises:
        KeyUnavailable: the certifier keeps this key itself.
    """
    if row.sealed_private_key is None:
        raise KeyUnavailable(f"key {row.key_id} is kept by its certifier: submit a signature", "signature")
    return _open(row.sealed_private_key, secret)


@lru_cache(maxsize=64)
def _open(sealed: bytes, secret: bytes) -> Ed25519PrivateKey:
    # Opening derives a key from the secret (deliberately slow); issuance must not pay it every time.
    return signing.open_private_key(sealed, secret)


def _unix(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp())


def _unix_up(dt: datetime | None) -> int | None:
    return None if dt is None else math.ceil(dt.timestamp())


def trust_list(session: Session, registry_name: str, now: datetime) -> dict[str, object]:
    """The published trust list: every certifier key, current, retired and revoked, with its window."""
    orgs = {o.id: o for o in session.exec(select(Organisation))}
    keys = []
    for row in session.exec(select(SigningKey).order_by(SigningKey.not_before)):  # type: ignore[arg-type]
        org = orgs.get(row.org_id)
        keys.append({
            "key_id": row.key_id, "certifier_id": row.org_id,
            "certifier_name": f"{org.name_zh} {org.name_en}".strip() if org else row.org_id,
            "public_key": base64.urlsafe_b64encode(row.public_key).rstrip(b"=").decode(),
            # claims carry whole seconds (issued_at truncated): the window's end is rounded up, so a label issued
            # in the same second as its key's retirement still verifies
            "not_before": _unix(row.not_before), "not_after": _unix_up(row.not_after), "status": row.status,
            "purpose": "log" if row.org_id == REGISTRY_ORG else "labels",
        })
    return {"format": "pcf-trust-list/1", "registry": registry_name, "issued_at": int(now.timestamp()), "keys": keys}


KEY_FILE_HEADER = "pcf-registry master key v1"


def write_key_file(path: Path) -> bool:
    """Create the master key file (32 random bytes, base64, mode 0600) if it does not exist. True if created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(f"{KEY_FILE_HEADER}\n{base64.b64encode(os.urandom(32)).decode()}\n")
        fh.flush()
        os.fsync(fh.fileno())
    return True


def read_key_file(path: Path) -> bytes:
    """The master secret.

    Raises:
        KeyFileError: the file is missing, unreadable or corrupt (one line, for the server to refuse to start).
    """
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyFileError(f"master key file {path} is missing: run `pcf db load` to create it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"master key file {path} cannot be read: {type(exc).__name__}") from None
    lines = text.strip().splitlines()
    try:
        if len(lines) != 2 or lines[0] != KEY_FILE_HEADER:
            raise ValueError
        secret = base64.b64decode(lines[1], validate=True)
    except ValueError:
        raise KeyFileError(f"master key file {path} is corrupt (expected '{KEY_FILE_HEADER}' and 32 base64 bytes)") \
            from None
    if len(secret) != 32:
        raise KeyFileError(f"master key file {path} is corrupt (the key is {len(secret)} bytes, not 32)")
    return secret
