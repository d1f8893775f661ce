"""Offline verification of a payload against a trust list, and its match with the full signed claim (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from urllib.parse import unquote, urlsplit

from registry.errors import InvalidTrustList, PayloadInvalid
from registry.trust.payload.claim import CLAIM_FIELDS, HASH_FIELDS, HASH_PREFIX_BYTES
from registry.trust.payload.cose import decode_text
from registry.trust.payload.trustlist import TrustedKey, TrustList


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

    @property
    def code(self) -> str:
        """:attr:`reason`: the stable code (the one verification-result shape: ``valid``, ``code``, ``detail``)."""
        return self.reason


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
