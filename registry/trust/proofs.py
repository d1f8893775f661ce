"""A label's proof bundle: its signed claim and the log's evidence that the claim was issued, checked offline.

``{"format": "pcf-label-proof/1", "label_id", "claim", "signature", "payload", "log": <pcf-tlog-proof/1>}``.
It verifies with no database and no network, given the registry's log key (vkey) and the trust list:

1. the log part proves that its leaf is in the log under a signed checkpoint (:func:`registry.tlog.verify_bundle`);
2. that leaf is the issuance event of this label and names the SHA-256 of exactly this claim and its signature;
3. the claim's signature verifies under the certifier key the trust list gives for its ``key_id``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.trust import signing, tlog
from registry.trust.payload import TrustList
from registry.trust.verdict import ReasonVerdict

FORMAT = "pcf-label-proof/1"


@dataclass(frozen=True)
class LabelProofResult(ReasonVerdict):
    """The verdict on a label proof bundle: ``reason`` is ``ok: ...`` or ``<code>: <explanation>``."""

    valid: bool
    reason: str
    tree_size: int | None = None


def make_label_bundle(label_id: str, claim_json: str, signature: str, payload_text: str,
                      log_bundle: dict[str, object]) -> dict[str, object]:
    """Assemble the bundle (the claim as its RFC 8785 text, so its hash is reproducible)."""
    return {"format": FORMAT, "label_id": label_id, "claim": claim_json, "signature": signature,
            "payload": payload_text, "log": log_bundle}


def verify_label_bundle(bundle: Mapping[str, Any], vkey: str, trust: TrustList) -> LabelProofResult:
    """Check a label proof bundle offline (never raises)."""
    try:
        if bundle.get("format") != FORMAT:
            return LabelProofResult(False, "not-a-bundle: not a pcf-label-proof/1 bundle")
        log_result = tlog.verify_bundle(bundle["log"], vkey)
        if not log_result.valid:
            return LabelProofResult(False, f"log-proof: {log_result.reason}")
        leaf = json.loads(base64.b64decode(bundle["log"]["leaf"], validate=True))
        claim_text: str = bundle["claim"]
        claim = json.loads(claim_text)
        if leaf.get("type") != "label.issued" or leaf.get("label_id") != bundle["label_id"]:
            return LabelProofResult(False, "not-issuance: the logged leaf is not this label's issuance")
        if leaf.get("claim_sha256") != hashlib.sha256(claim_text.encode()).hexdigest():
            return LabelProofResult(False, "claim-mismatch: the logged claim hash differs from the bundle's claim")
        if leaf.get("signature") != bundle["signature"] or claim.get("label_id") != bundle["label_id"]:
            return LabelProofResult(False, "signature-mismatch: the logged signature differs from the bundle's")
        key = trust.key(claim.get("key_id"))
        if key is None:
            return LabelProofResult(False, f"unknown-key: key {claim.get('key_id')} is not in the trust list")
        if not signing.verify_claim(claim, base64.b64decode(bundle["signature"], validate=True), key.public_key):
            return LabelProofResult(False, "bad-signature: the claim's signature does not verify")
        checkpoint = log_result.checkpoint
        return LabelProofResult(True, "ok: issued, signed and logged", checkpoint.size if checkpoint else None)
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        return LabelProofResult(False, f"malformed-bundle: {type(exc).__name__}")
