"""Offline proof bundles: a leaf, its inclusion proof and a signed checkpoint, verified with no network (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from registry.trust.tlog.merkle import (
    HASH_SIZE,
    MAX_PROOF_LENGTH,
    InvalidCheckpoint,
    LeafNotInLog,
    NodeReader,
    _is_size,
    inclusion_proof,
    leaf_hash,
    verify_inclusion,
)
from registry.trust.tlog.notes import Checkpoint, _b64, _unb64, open_checkpoint
from registry.trust.verdict import ReasonVerdict

BUNDLE_FORMAT = "pcf-tlog-proof/1"


MAX_BUNDLE_LEAF_BYTES = 1024 * 1024


_BUNDLE_KEYS = frozenset({"format", "origin", "leaf_index", "tree_size", "leaf", "inclusion_proof", "checkpoint", "vkey"})


@dataclass(frozen=True)
class BundleResult(ReasonVerdict):
    """Outcome of :func:`verify_bundle`.

    Attributes:
        valid: True when the leaf is in the log under a checkpoint signed by the key used.
        reason: ``ok``; ``unpinned-key: ...`` when valid but checked only against the bundle's own key; or
            ``<code>: <explanation>``.
        checkpoint: The verified checkpoint when valid, else None.
        trusted: True only when valid under a verifier key the caller pinned.
    """

    valid: bool
    reason: str
    checkpoint: Checkpoint | None = None
    trusted: bool = False


def make_bundle(leaf: bytes, leaf_index: int, signed_checkpoint: str, vkey: str, reader: NodeReader) -> dict[str, object]:
    """A self-contained proof that ``leaf`` is in the log, for a buyer to check offline (:func:`verify_bundle`).

    Args:
        leaf: The leaf's data, exactly as hashed into the log.
        leaf_index: Its 0-based index.
        signed_checkpoint: A signed checkpoint whose size is above ``leaf_index``.
        vkey: The log's verifier key (copied into the bundle; verifiers should pin their own).
        reader: The node store.

    Returns:
        ``{"format": "pcf-tlog-proof/1", "origin", "leaf_index", "tree_size", "leaf" (base64),
        "inclusion_proof" (list of base64), "checkpoint" (the signed note), "vkey"}``, JSON-ready.

    Raises:
        InvalidCheckpoint: the checkpoint does not verify under ``vkey``.
        LogRangeError: ``leaf_index`` is not below the checkpoint's size.
        LeafNotInLog: the store does not put ``leaf`` at ``leaf_index`` under the checkpoint's root.
        MissingNode: a node is not stored.
    """
    opened = open_checkpoint(signed_checkpoint, vkey)
    if opened.checkpoint is None:
        raise InvalidCheckpoint(opened.reason, "signed_checkpoint")
    checkpoint = opened.checkpoint
    proof = inclusion_proof(leaf_index, checkpoint.size, reader)
    if not verify_inclusion(leaf_hash(leaf), leaf_index, checkpoint.size, proof, checkpoint.root):
        raise LeafNotInLog(f"leaf {leaf_index} is not in the log under the checkpoint of size {checkpoint.size}", "leaf")
    return {
        "format": BUNDLE_FORMAT,
        "origin": checkpoint.origin,
        "leaf_index": leaf_index,
        "tree_size": checkpoint.size,
        "leaf": _b64(leaf),
        "inclusion_proof": [_b64(h) for h in proof],
        "checkpoint": signed_checkpoint,
        "vkey": vkey,
    }


def verify_bundle(bundle: Mapping[str, object], vkey: str | None = None) -> BundleResult:
    """Verify a proof bundle offline: the checkpoint's signature, its origin and size, and the leaf's inclusion.

    Never raises.

    Args:
        bundle: As made by :func:`make_bundle` (for example after ``json.loads``).
        vkey: The trust root: the registry's verifier key, obtained out of band. With None the bundle's own
            ``vkey`` is used, which only shows the bundle is self-consistent: anyone can make a key and sign a
            bundle with it; the result then says ``trusted=False``.

    Returns:
        A :class:`BundleResult`; reason codes ``ok``, ``unpinned-key``, ``malformed-bundle``, the codes of
        :func:`open_checkpoint`, ``origin-mismatch``, ``size-mismatch`` and ``not-included``.
    """
    if not isinstance(bundle, Mapping):
        return BundleResult(False, "malformed-bundle: not a JSON object")
    if bundle.get("format") != BUNDLE_FORMAT:
        return BundleResult(False, f"malformed-bundle: format is not {BUNDLE_FORMAT!r}")
    if set(bundle) != _BUNDLE_KEYS:
        return BundleResult(False, f"malformed-bundle: expected exactly the keys {sorted(_BUNDLE_KEYS)}")
    origin, index, size = bundle["origin"], bundle["leaf_index"], bundle["tree_size"]
    leaf_b64, proof_b64 = bundle["leaf"], bundle["inclusion_proof"]
    note, own_vkey = bundle["checkpoint"], bundle["vkey"]
    if not (isinstance(origin, str) and isinstance(note, str) and isinstance(own_vkey, str)):
        return BundleResult(False, "malformed-bundle: origin, checkpoint and vkey must be strings")
    if not (_is_size(index) and _is_size(size)):
        return BundleResult(False, "malformed-bundle: leaf_index and tree_size must be non-negative integers")
    if not isinstance(leaf_b64, str) or len(leaf_b64) > MAX_BUNDLE_LEAF_BYTES * 4 // 3 + 4:
        return BundleResult(False, "malformed-bundle: leaf must be a base64 string")
    leaf = _unb64(leaf_b64)
    if leaf is None:
        return BundleResult(False, "malformed-bundle: leaf is not canonical base64")
    if not isinstance(proof_b64, list) or len(proof_b64) > MAX_PROOF_LENGTH:
        return BundleResult(False, "malformed-bundle: inclusion_proof must be a list of base64 hashes")
    proof = [_unb64(p) if isinstance(p, str) else None for p in proof_b64]
    if any(p is None or len(p) != HASH_SIZE for p in proof):
        return BundleResult(False, "malformed-bundle: inclusion_proof must be a list of base64 hashes")
    pinned = vkey is not None
    opened = open_checkpoint(note, vkey if vkey is not None else own_vkey)
    checkpoint = opened.checkpoint
    if checkpoint is None:
        return BundleResult(False, opened.reason)
    if checkpoint.origin != origin:
        return BundleResult(False, f"origin-mismatch: bundle says {origin[:80]!r}, checkpoint {checkpoint.origin!r}")
    if checkpoint.size != size:
        return BundleResult(False, f"size-mismatch: bundle says {size}, checkpoint {checkpoint.size}")
    hashes = [p for p in proof if p is not None]
    if not verify_inclusion(leaf_hash(leaf), index, size, hashes, checkpoint.root):
        return BundleResult(False, f"not-included: the proof does not put this leaf at index {index} under the root")
    if not pinned:
        return BundleResult(
            True,
            "unpinned-key: valid under the bundle's own vkey, which anyone could have made; pin the registry's key",
            checkpoint,
            trusted=False,
        )
    return BundleResult(True, "ok", checkpoint, trusted=True)
