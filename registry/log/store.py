"""The transparency log in the database: appends, signed checkpoints and proofs over stored subtree hashes.

An append runs inside the caller's transaction (one use case, one transaction: the state change, its audit
event and its leaf commit together or not at all). It locks the single ``log_head`` row first
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite transactions are ``BEGIN IMMEDIATE``), so leaf indexes stay
ordered and gap-free however many server processes write. Only complete-subtree hashes are stored
(:func:`registry.trust.tlog.nodes_to_store`), so a proof reads O(log n) rows in one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import and_, insert, or_
from sqlmodel import Session, col, select

from registry.errors import LogRangeError
from registry.store.tables import Checkpoint, LogEntry, LogHead, LogNode
from registry.trust import tlog


class SqlNodes:
    """:class:`registry.trust.tlog.NodeReader` over the ``log_node`` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        if not keys:
            return {}
        # One query: (level = L AND index IN (...)) OR ...; both databases use the primary key for it (a
        # row-value IN list made SQLite scan).
        by_level: dict[int, list[int]] = {}
        for level, index in dict.fromkeys(keys):
            by_level.setdefault(level, []).append(index)
        cond = or_(*(and_(col(LogNode.level) == lv, col(LogNode.index).in_(ix)) for lv, ix in by_level.items()))
        rows = self.session.execute(select(LogNode.level, LogNode.index, LogNode.hash).where(cond))
        return {(lv, ix): h for lv, ix, h in rows}


def lock_head(session: Session) -> LogHead:
    """The log head, locked for this transaction (taken first by every use case that appends)."""
    head = session.exec(select(LogHead).where(LogHead.id == 1).with_for_update()).first()
    if head is None:  # the first append on a fresh database
        head = LogHead(id=1, size=0, root=tlog.EMPTY_ROOT)
        session.add(head)
        session.flush()
    session.info[HEAD] = head  # a strong reference: the session's identity map is weak
    return head


HEAD = "pcf_log_head"


def _locked_head(session: Session) -> LogHead:
    """The head this transaction locked (the use case usually locked it first), else lock it now."""
    head = session.info.get(HEAD)
    return head if isinstance(head, LogHead) and head in session else lock_head(session)


def append(session: Session, event: dict[str, object], *, kind: str, subject: str, now: datetime) -> int:
    """Append ``event`` (RFC 8785 JSON) as the next leaf. Returns its index; :func:`sign_checkpoint` signs the new
    size (once per transaction is enough)."""
    head = _locked_head(session)
    index = head.size
    leaf = rfc8785.dumps(cast(Any, event))
    leaf_hash = tlog.leaf_hash(leaf)
    reader = SqlNodes(session)
    nodes = tlog.nodes_to_store(index, leaf_hash, reader)
    # Core inserts (no ORM objects: nothing reads them back in this session but through queries)
    session.execute(insert(LogEntry), [{"index": index, "leaf": leaf, "leaf_hash": leaf_hash, "kind": kind,
                                        "subject": subject, "created_at": now}])
    session.execute(insert(LogNode), [{"level": lv, "index": ix, "hash": h} for lv, ix, h in nodes])
    head.size = index + 1
    session.add(head)
    return index


def sign_checkpoint(session: Session, *, now: datetime, origin: str, key_name: str, key: Ed25519PrivateKey) -> None:
    """Sign a checkpoint of the log's current size (nothing when one exists for that size)."""
    head = _locked_head(session)
    if head.size == 0 or checkpoint_at(session, head.size) is not None:
        return
    head.root = tlog.root_hash(head.size, SqlNodes(session))
    session.add(head)
    note = tlog.sign_checkpoint(tlog.Checkpoint(origin, head.size, head.root), key_name, key)
    session.add(Checkpoint(size=head.size, root=head.root, note=note, created_at=now))
    session.flush()


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """The newest signed checkpoint."""
    return session.exec(select(Checkpoint).order_by(Checkpoint.size.desc()).limit(1)).first()  # type: ignore[attr-defined]


def checkpoint_at(session: Session, size: int) -> Checkpoint | None:
    """The signed checkpoint of one size."""
    return session.exec(select(Checkpoint).where(Checkpoint.size == size)).first()


def tree_size(session: Session) -> int:
    """The log's size."""
    head = session.get(LogHead, 1)
    return head.size if head else 0


def _check_range(session: Session, *sizes: int) -> int:
    size = tree_size(session)
    for s in sizes:
        if not 0 <= s <= size:
            raise LogRangeError(f"tree size {s} is outside the log (size {size})", "tree_size")
    return size


def inclusion(session: Session, index: int, size: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    _check_range(session, size)
    if not 0 <= index < size:
        raise LogRangeError(f"leaf index {index} is outside a tree of size {size}", "index")
    return tlog.inclusion_proof(index, size, SqlNodes(session))


def consistency(session: Session, first: int, second: int) -> list[bytes]:
    """The consistency proof between two tree sizes."""
    _check_range(session, first, second)
    if not 1 <= first <= second:
        raise LogRangeError(f"need 1 <= first <= second, got {first} and {second}", "first")
    return tlog.consistency_proof(first, second, SqlNodes(session))


def root_at(session: Session, size: int) -> bytes:
    """The root hash of the tree of ``size`` leaves (from stored nodes)."""
    _check_range(session, size)
    return tlog.root_hash(size, SqlNodes(session))


def entry(session: Session, index: int) -> LogEntry | None:
    """One leaf."""
    return session.get(LogEntry, index)
