"""Signing keys as use cases: the registry's own log key, certifiers' key rotation and revocation, the trust list.

Custody (sealing private halves at rest, looking keys up) is :mod:`registry.keys.custody`; every key event is a
transparency-log leaf (``key.created``, ``key.retired``, ``key.revoked``) written in the same unit of work.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.accounts.actors import SYSTEM, Actor
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.keys import custody
from registry.store.tables import Organisation, SigningKey
from registry.trust import external_signing, signing
from registry.work import RegistryContext, Work


def key_event(row: SigningKey) -> dict[str, Any]:
    """The log leaf of a key's creation, retirement or revocation."""
    return {"key_id": row.key_id, "org_id": row.org_id, "status": row.status,
            "public_key": base64.b64encode(row.public_key).decode(),
            "not_before": row.not_before.isoformat(),
            "not_after": row.not_after.isoformat() if row.not_after else None}


def create_key(w: Work, org_id: str, public_key: bytes | None = None) -> SigningKey:
    """A new current key of ``org_id`` (sealed here, or the certifier's registered public half), logged."""
    row, _ = custody.create_key(w.session, org_id, w.ctx.secret, w.now, public_key)
    w.log(key_event(row), "key.created", row.key_id)
    return row


def public_key_bytes(given: bytes | str) -> bytes:
    """A raw Ed25519 public key from bytes or base64 text."""
    size = external_signing.PUBLIC_KEY_BYTES
    raw = given if isinstance(given, bytes) else external_signing.decode_b64(given, "public_key", size)
    if not isinstance(raw, bytes) or len(raw) != size:
        raise InvalidInput(f"an Ed25519 public key has {size} bytes", "public_key")
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidInput("not an Ed25519 public key", "public_key") from None
    return raw


class Keys:
    """Key use cases (each logged and audited)."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def init(self) -> bool:
        """Create the registry organisation, its log key and the log head if missing. Returns True if created."""
        with self.ctx.work(SYSTEM) as w:
            w.lock_log()
            if w.session.get(Organisation, custody.REGISTRY_ORG) is not None:
                return False
            w.session.add(Organisation(id=custody.REGISTRY_ORG, role="admin", name_zh="碳足迹标识登记处",
                                       name_en="PCF label registry", created_at=w.now))
            w.session.flush()
            row = create_key(w, custody.REGISTRY_ORG)
            w.audit("registry.init", row, row.key_id)
            return True

    def rotate_key(self, actor: Actor, org_id: str, public_key: bytes | str | None = None) -> SigningKey:
        """Retire the organisation's current key and make a new one (its own certifier or the admin).

        Without ``public_key`` the registry generates the key and keeps its private half sealed (one-step
        approval). With it, the certifier keeps its private key and registers only the public half; from then
        on it approves in two steps (prepare, then approve with its signatures). The retirement and the new key
        are logged either way (``key.retired``, ``key.created``).

        Args:
            public_key: the raw 32-byte Ed25519 public key the certifier keeps the private half of (bytes, or
                base64 text).

        Raises:
            InvalidInput: ``public_key`` is not a 32-byte Ed25519 key, or is given for the registry's log key.
            Conflict: that public key is registered already (a key is registered once, then retired for good).
        """
        if not (actor.role == "admin" or (actor.role == "certifier" and actor.org_id == org_id)):
            raise Forbidden("only the certifier itself or an administrator rotates its keys")
        if public_key is not None:
            public_key = public_key_bytes(public_key)
            if org_id == custody.REGISTRY_ORG:
                raise InvalidInput("the registry signs its checkpoints itself: its log key is not registered",
                                   "public_key")
        with self.ctx.work(actor) as w:
            s = w.session
            w.lock_log()
            org = s.get(Organisation, org_id)
            if org is None or (org.role not in ("certifier",) and org.id != custody.REGISTRY_ORG):
                raise NotFound(f"no certifier {org_id!r}", "org_id")
            if public_key is not None and s.get(SigningKey, signing.key_id(public_key)) is not None:
                raise Conflict(f"key {signing.key_id(public_key)} is registered already: register a new key",
                               "public_key")
            for old in custody.retire_current(s, org_id, w.now):
                w.log(key_event(old), "key.retired", old.key_id)
            s.flush()
            row = create_key(w, org_id, public_key)
            w.audit("key.rotate", row, row.key_id)
            return row

    def revoke_key(self, actor: Actor, key_id: str) -> SigningKey:
        """Revoke a compromised key: every claim it signed stops verifying offline."""
        actor.require("admin")
        with self.ctx.work(actor) as w:
            w.lock_log()
            row = custody.set_status(w.session, key_id, "revoked", w.now)
            w.log(key_event(row), "key.revoked", key_id)
            w.audit("key.revoke", row, key_id)
            return row

    def trust_list(self) -> dict[str, object]:
        """The published trust list: every certifier key with its window and status."""
        with self.ctx.read() as s:
            return custody.trust_list(s, self.ctx.origin, self.ctx.clock())
