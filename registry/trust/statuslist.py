"""The signed status list: which labels are no longer in force, for verifiers without a connection.

A label's payload proves who signed which claim and until when it is valid; it cannot know that its certifier
later revoked, suspended or superseded it. The registry therefore publishes a status list
(``GET /api/v1/status-list``; also inside what ``pcf registry trust-list`` writes) signed with its log key::

    {"format": "pcf-status-list/1", "registry": "<origin>", "date": "2026-12-03", "issued_at": 1796300000,
     "tree_size": 42, "labels": {"CD-PCF-2026-000007": "revoked", ...},
     "signature": {"key_id": "<hex>", "value": "<base64url Ed25519 over the RFC 8785 JSON without signature>"}}

Only labels whose status is not ``active`` are listed (expiry needs no list: the validity is in the payload).
A verifier that holds a list knows the status *as of its date*, and says so; without one it says in words that
status was not checked (:func:`verdict`). Pure: no database, verifies offline.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from registry.trust.payload import TrustList
from registry.trust.verdict import ReasonVerdict

FORMAT = "pcf-status-list/1"
#: Statuses a list may give (``active`` labels are not listed).
LISTED = ("revoked", "suspended", "superseded")
#: At most this many entries are read from a list (a bound on what a verifier parses).
MAX_ENTRIES = 1_000_000


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def build(registry: str, day: date, issued_at: int, tree_size: int, labels: Mapping[str, str],
          key_id: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The signed status list of ``labels`` (label id -> one of :data:`LISTED`)."""
    unknown = {s for s in labels.values() if s not in LISTED}
    if unknown:
        raise ValueError(f"a status list lists only {', '.join(LISTED)}, not {sorted(unknown)}")
    doc: dict[str, Any] = {"format": FORMAT, "registry": registry, "date": day.isoformat(), "issued_at": issued_at,
                           "tree_size": tree_size, "labels": dict(sorted(labels.items()))}
    doc["signature"] = {"key_id": key_id, "value": _b64url(key.sign(rfc8785.dumps(doc)))}
    return doc


@dataclass(frozen=True)
class StatusList(ReasonVerdict):
    """A status list after :func:`open_list`: ``valid`` when its registry key signed it."""

    valid: bool
    reason: str
    day: date | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def status_of(self, label_id: str) -> str:
        """``revoked``, ``suspended`` or ``superseded`` if listed, else ``active`` (as of :attr:`day`)."""
        return self.labels.get(label_id, "active")


def open_list(doc: Any, trust: TrustList) -> StatusList:
    """Check a status list against the registry's log key in ``trust``. Never raises."""
    try:
        if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
            return StatusList(False, f"not-a-status-list: not a {FORMAT} document")
        sig = doc.get("signature")
        labels = doc.get("labels")
        if not isinstance(sig, Mapping) or not isinstance(labels, Mapping) or len(labels) > MAX_ENTRIES:
            return StatusList(False, "malformed-status-list: signature or labels missing or too many")
        if doc.get("registry") != trust.registry:
            return StatusList(False, f"other-registry: the list is of {str(doc.get('registry'))[:80]!r}, the trust "
                                     f"list of {trust.registry!r}")
        key = trust.key(str(sig.get("key_id")))
        if key is None or key.purpose != "log" or key.status == "revoked":
            return StatusList(False, "unknown-key: the list is not signed by the registry's log key")
        unsigned = {k: v for k, v in doc.items() if k != "signature"}
        value = str(sig.get("value"))
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(raw, rfc8785.dumps(unsigned))
        entries = {str(k): str(v) for k, v in labels.items()}
        if any(v not in LISTED for v in entries.values()):
            return StatusList(False, "malformed-status-list: an unknown status")
        return StatusList(True, "ok", date.fromisoformat(str(doc["date"])), entries)
    except InvalidSignature:
        return StatusList(False, "bad-signature: the status list's signature does not verify")
    except (ValueError, TypeError, KeyError, rfc8785.CanonicalizationError) as exc:
        return StatusList(False, f"malformed-status-list: {type(exc).__name__}")


@dataclass(frozen=True)
class Verdict(ReasonVerdict):
    """What an offline check of one label found (``pcf verify``): the signature, the validity on a date, and the
    status as of a status list if one was given."""

    signature: str  # genuine or invalid
    verdict: str  # valid, expired, not-yet-valid, revoked, suspended, superseded, invalid
    status_checked: bool
    status_list_date: str | None
    reason: str

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    def to_json(self) -> dict[str, Any]:
        return {"signature": self.signature, "verdict": self.verdict, "status_checked": self.status_checked,
                "status_list_date": self.status_list_date, "reason": self.reason, "valid": self.valid,
                "code": self.code}


def verdict(claim: Mapping[str, Any] | None, signature_reason: str, on: date,
            status: StatusList | None) -> Verdict:
    """The verdict on a label whose payload was checked (``claim`` None when the signature is invalid)."""
    if claim is None:
        return Verdict("invalid", "invalid", False, None, f"invalid-signature: {signature_reason}")
    checked = status is not None and status.valid
    list_date = status.day.isoformat() if checked and status and status.day else None
    unchecked = ("status not checked: no status list was given, so a revocation, suspension or supersession "
                 "after issuance would not show here" if status is None else
                 f"status not checked: the status list is unusable ({status.reason})" if not checked else "")
    valid_from, valid_until = date.fromisoformat(claim["valid_from"]), date.fromisoformat(claim["valid_until"])
    if checked and status is not None and status.status_of(str(claim["label_id"])) != "active":
        listed = status.status_of(str(claim["label_id"]))
        return Verdict("genuine", listed, True, list_date,
                       f"{listed}: the status list of {list_date} lists {claim['label_id']} as {listed}")
    if on < valid_from:
        return Verdict("genuine", "not-yet-valid", checked, list_date,
                       f"not-yet-valid: valid from {valid_from}, checked for {on}" + (f"; {unchecked}" if unchecked
                                                                                     else ""))
    if on > valid_until:  # the last day of validity, as the registry counts it (certification.status)
        return Verdict("genuine", "expired", checked, list_date,
                       f"expired: valid until {valid_until}, checked for {on}"
                       + (f"; {unchecked}" if unchecked else ""))
    if checked:
        return Verdict("genuine", "valid", True, list_date,
                       f"ok: genuine, in its validity on {on}, and not listed as revoked, suspended or superseded "
                       f"in the status list of {list_date}")
    return Verdict("genuine", "valid", False, None, f"ok: genuine and in its validity on {on}; {unchecked}")
