"""The transparency log's use cases: checkpoints, proofs, proof bundles and the full verification.

The pure tree code is :mod:`registry.trust.tlog`, its tables :mod:`registry.log.store`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import select

from registry.errors import NotFound
from registry.keys import custody as keys
from registry.log import store as tlog_store
from registry.store.tables import Label, SigningKey
from registry.trust import payload, proofs, signing, tlog
from registry.work import RegistryContext


class Log:
    """Reads and checks of the log (every write to it belongs to the use case that changes a label or a key)."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def registry_vkey(self) -> str:
        """The verifier key of the log's checkpoints (C2SP note format)."""
        with self.ctx.read() as s:
            row = keys.current_key(s, keys.REGISTRY_ORG)
        return _vkey(self.ctx.origin, row.public_key)

    def checkpoint(self) -> dict[str, Any]:
        """The latest signed checkpoint."""
        with self.ctx.read() as s:
            cp = tlog_store.latest_checkpoint(s)
            if cp is None:
                raise NotFound("the log is empty", "tree_size")
            return {"tree_size": cp.size, "root_hash": base64.b64encode(cp.root).decode(), "note": cp.note,
                    "origin": self.ctx.origin}

    def inclusion(self, index: int, tree_size: int) -> dict[str, Any]:
        with self.ctx.read() as s:
            proof = tlog_store.inclusion(s, index, tree_size)
            leaf = tlog_store.entry(s, index)
            assert leaf is not None
            return {"index": index, "tree_size": tree_size, "leaf_hash": base64.b64encode(leaf.leaf_hash).decode(),
                    "proof": [base64.b64encode(h).decode() for h in proof]}

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        with self.ctx.read() as s:
            proof = tlog_store.consistency(s, first, second)
            return {"first": first, "second": second, "proof": [base64.b64encode(h).decode() for h in proof]}

    def proof_bundle(self, label_id: str) -> dict[str, Any]:
        """The self-contained proof that a label's issuance is in the log (verifies offline)."""
        with self.ctx.read() as s:
            label = s.get(Label, label_id)
            if label is None:
                raise NotFound(f"no label {label_id!r}", "label_id")
            cp = tlog_store.latest_checkpoint(s)
            leaf = tlog_store.entry(s, label.log_index)
            assert cp is not None and leaf is not None
            registry_key = keys.current_key(s, keys.REGISTRY_ORG)
            bundle = tlog.make_bundle(leaf.leaf, label.log_index, cp.note, _vkey(self.ctx.origin, registry_key.public_key),
                                      tlog_store.SqlNodes(s))
        return proofs.make_label_bundle(label.label_id, label.claim, label.signature, label.payload, bundle)

    def verify_log(self) -> dict[str, Any]:
        """Re-check the whole log from its first leaf: every leaf hash, every stored node, every checkpoint's root
        and signature, consistency from each checkpoint to the last, and every label's signature and leaf."""
        from registry.store.tables import Checkpoint, LogEntry, LogHead

        problems: list[str] = []
        with self.ctx.read() as s:
            head = s.get(LogHead, 1)
            size = head.size if head else 0
            mem = tlog.MemoryNodes()
            expected = 0
            for e in s.exec(select(LogEntry).order_by(LogEntry.index)):  # type: ignore[arg-type]
                if e.index != expected:
                    problems.append(f"leaf index {expected} is missing (next is {e.index})")
                    expected = e.index
                if tlog.leaf_hash(e.leaf) != e.leaf_hash:
                    problems.append(f"leaf {e.index}: stored hash does not match its data")
                mem.put_nodes(tlog.nodes_to_store(e.index, tlog.leaf_hash(e.leaf), mem))
                expected += 1
            if expected != size:
                problems.append(f"the head says {size} leaves, the log holds {expected}")
            stored = tlog_store.SqlNodes(s)
            if size and tlog.root_hash(size, stored) != tlog.root_hash(size, mem):
                problems.append("stored subtree hashes do not give the recomputed root")
            vkey = _vkey(self.ctx.origin, keys.current_key(s, keys.REGISTRY_ORG).public_key)
            last = None
            checkpoints = list(s.exec(select(Checkpoint).order_by(Checkpoint.size)))  # type: ignore[arg-type]
            for cp in checkpoints:
                opened = tlog.open_checkpoint(cp.note, vkey)
                if not opened.valid:
                    problems.append(f"checkpoint {cp.size}: {opened.reason}")
                if cp.size > expected or tlog.root_hash(cp.size, mem) != cp.root:
                    problems.append(f"checkpoint {cp.size}: root does not match the leaves")
                last = cp
            if last is not None and size:
                for cp in checkpoints[:-1]:
                    proof = tlog.consistency_proof(cp.size, last.size, mem)
                    if not tlog.verify_consistency(cp.size, last.size, cp.root, last.root, proof):
                        problems.append(f"no consistency from {cp.size} to {last.size}")
            trust = payload.TrustList.from_json(keys.trust_list(s, self.ctx.origin, self.ctx.clock()))
            labels = list(s.exec(select(Label)))
            for lab in labels:
                key_row = s.get(SigningKey, lab.key_id)
                claim = json.loads(lab.claim)
                if key_row is None or not signing.verify_claim(claim, base64.b64decode(lab.signature),
                                                               key_row.public_key):
                    problems.append(f"label {lab.label_id}: signature does not match the claim")
                elif claim.get("value") != lab.value or claim.get("label_id") != lab.label_id:
                    problems.append(f"label {lab.label_id}: the stored row differs from its signed claim")
                checked = payload.verify_payload(lab.payload, trust)
                if not checked.valid and "revoked" not in checked.reason:
                    problems.append(f"label {lab.label_id}: payload {checked.reason}")
        return {"ok": not problems, "tree_size": size, "checkpoints": len(checkpoints), "labels": len(labels),
                "problems": problems}


# ------------------------------------------------------------------------------------------------ helpers


def _vkey(origin: str, public_raw: bytes) -> str:
    return tlog.verifier_key(origin, Ed25519PublicKey.from_public_bytes(public_raw))
