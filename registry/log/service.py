"""The transparency log's use cases: checkpoints, proofs, proof bundles and the full verification.

The pure tree code is :mod:`registry.trust.tlog`, its tables :mod:`registry.log.store`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func
from sqlmodel import select

from registry.errors import NotFound
from registry.keys import custody as keys
from registry.log import integrity
from registry.log import store as tlog_store
from registry.store.tables import Cosignature, Label
from registry.trust import payload, proofs, tlog
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
            lines = list(s.exec(select(Cosignature.line).where(Cosignature.size == cp.size)
                                .order_by(Cosignature.witness)))
            return {"tree_size": cp.size, "root_hash": base64.b64encode(cp.root).decode(), "note": cp.note,
                    "origin": self.ctx.origin, "cosignatures": lines,
                    "cosigned_note": cp.note + "".join(f"{line}\n" for line in lines)}

    def status_list(self) -> dict[str, Any]:
        """The signed status list (:mod:`registry.trust.statuslist`): every label whose stored status is revoked,
        suspended or superseded, signed now with the registry's log key."""
        from sqlmodel import col

        from registry.trust import statuslist

        now = self.ctx.clock()
        with self.ctx.read() as s:
            rows = s.exec(select(Label.label_id, Label.status).where(col(Label.status).in_(statuslist.LISTED)))
            labels = {label_id: status for label_id, status in rows}
            head = tlog_store.latest_checkpoint(s)
            key_row = keys.current_key(s, keys.REGISTRY_ORG)
        return statuslist.build(self.ctx.origin, now.date(), int(now.timestamp()), head.size if head else 0, labels,
                                key_row.key_id, keys.private_key(key_row, self.ctx.secret))

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
            witnesses = int(s.exec(select(func.count(func.distinct(Cosignature.witness)))
                                   .where(Cosignature.size > label.log_index)).one())
        out = proofs.make_label_bundle(label.label_id, label.claim, label.signature, label.payload, bundle)
        out["witnesses"] = witnesses  # registered witnesses that cosigned a checkpoint including the entry
        return out

    def verify_log(self, seen: Sequence[str] = ()) -> dict[str, Any]:
        """Re-check the whole log from its first leaf: every leaf hash, every stored node, every checkpoint's root
        and signature, consistency from each checkpoint to the last; every label row against its signed claim
        and a replay of its log leaves (:func:`registry.log.integrity.label_integrity`: status, validity, value,
        product, issuance leaf); and that the log extends each checkpoint in ``seen`` (signed notes that left
        the registry earlier: kept by a witness, a buyer or an auditor), so a log cut back and re-signed is
        caught."""
        from registry.store.tables import Checkpoint, LogEntry, LogHead

        problems: list[str] = []
        with self.ctx.read() as s:
            head = s.get(LogHead, 1)
            size = head.size if head else 0
            mem = tlog.MemoryNodes()
            expected = 0
            by_subject: dict[str, list[LogEntry]] = {}
            for e in s.exec(select(LogEntry).order_by(LogEntry.index)):  # type: ignore[arg-type]
                by_subject.setdefault(e.subject, []).append(e)
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
            for note in seen:
                problems += self._extends(note, vkey, expected, mem)
            trust = payload.TrustList.from_json(keys.trust_list(s, self.ctx.origin, self.ctx.clock()))
            labels = list(s.exec(select(Label)))
            for lab in labels:
                verdict = integrity.label_integrity(s, lab, leaves=by_subject.get(lab.label_id, []))
                if not verdict.ok:
                    problems.append(f"label {lab.label_id}: {verdict.reason}")
                checked = payload.verify_payload(lab.payload, trust)
                if not checked.valid and "revoked" not in checked.reason:
                    problems.append(f"label {lab.label_id}: payload {checked.reason}")
            labelled = {lab.label_id for lab in labels}
            for subject, leaves in by_subject.items():
                if any(e.kind == "label.issued" for e in leaves) and subject not in labelled:
                    problems.append(f"label {subject}: logged as issued, but its row is missing")
        return {"ok": not problems, "tree_size": size, "checkpoints": len(checkpoints), "labels": len(labels),
                "problems": problems}


    @staticmethod
    def _extends(note: str, vkey: str, size: int, mem: tlog.MemoryNodes) -> list[str]:
        """Problems if the log (``size`` leaves in ``mem``) does not extend the signed checkpoint ``note``."""
        opened = tlog.open_checkpoint(note, vkey)
        if not opened.valid or opened.checkpoint is None:
            return [f"a checkpoint seen earlier does not verify under the registry key: {opened.reason}"]
        cp = opened.checkpoint
        if cp.size > size:
            return [f"the log holds {size} leaves, but a checkpoint seen earlier covered {cp.size}: the log was cut "
                    "back"]
        if tlog.root_hash(cp.size, mem) != cp.root:
            return [f"the log's first {cp.size} leaves do not give the root of the checkpoint seen earlier: the "
                    "log was rewritten"]
        return []


# ------------------------------------------------------------------------------------------------ helpers


def _vkey(origin: str, public_raw: bytes) -> str:
    return tlog.verifier_key(origin, Ed25519PublicKey.from_public_bytes(public_raw))
