"""Trust lists (``pcf-trust-list/1``): the published keys a verifier trusts, with their windows and status (pure)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.errors import InvalidTrustList
from registry.trust import signing

TRUST_LIST_FORMAT = "pcf-trust-list/1"


KEY_STATUSES = ("current", "retired", "revoked")


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
