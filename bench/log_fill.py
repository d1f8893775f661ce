"""Grow a registry's transparency log to a million leaves quickly, for the page and API figures.

Appending a million leaves through the service would take hours of durable commits; the bench writes them in one
transaction instead. The filler leaves are RFC 8785 JSON events of type ``bench.filler`` appended after the
leaves already there, and the stored nodes are exactly what the service's appends would have stored: every
complete subtree, ``(level, index)`` for ``index < size >> level``, hashed as RFC 9162 says. The new size gets a
checkpoint signed with the registry's key, so the log stays a valid append-only extension of its earlier
checkpoints (``pcf registry verify-log`` accepts it), and later issuance appends on top of it as usual.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import rfc8785
from sqlalchemy import delete, select
from sqlmodel import Session

from registry.keys import custody as keys
from registry.log import store as tlog_store
from registry.services import Registry
from registry.store.tables import LogEntry, LogNode
from registry.trust import tlog

BATCH = 50_000
PROGRESS_EVERY = 250_000


def filler_leaf(index: int) -> bytes:
    """The RFC 8785 JSON of filler event ``index`` (keys sorted, no spaces: what ``rfc8785.dumps`` gives)."""
    return b'{"i":%d,"type":"bench.filler","v":1}' % index


def complete_subtrees(leaf_hashes: list[bytes]) -> list[tuple[int, int, bytes]]:
    """Every complete-subtree node of a tree with these leaf hashes, as ``(level, index, hash)`` (level 0 = leaves)."""
    rows: list[tuple[int, int, bytes]] = []
    level, hashes = 0, leaf_hashes
    while hashes:
        rows.extend((level, i, h) for i, h in enumerate(hashes))
        prefix = b"\x01"
        hashes = [hashlib.sha256(prefix + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes) - 1, 2)]
        level += 1
    return rows


def fill_log(registry: Registry, size: int, progress: bool = True) -> int:
    """Append filler leaves until the log holds ``size`` leaves; sign a checkpoint of that size.

    Returns:
        The number of leaves written.
    """
    now = datetime.now(UTC)
    with Session(registry.engine) as s, s.begin():
        head = tlog_store.lock_head(s)
        existing = [h for (h,) in s.execute(select(LogEntry.leaf_hash).order_by(LogEntry.index))]  # type: ignore[call-overload]
        if len(existing) != head.size:
            raise RuntimeError(f"log head says {head.size} leaves, log_entry has {len(existing)}")
        start = head.size
        if start >= size:
            return 0
        if filler_leaf(start) != rfc8785.dumps({"v": 1, "type": "bench.filler", "i": start}):
            raise RuntimeError("filler leaves are not RFC 8785 JSON")
        conn = s.connection()
        if conn.dialect.name != "sqlite":
            raise RuntimeError("the bench fills the log of its own SQLite database only")
        # Straight to the driver (about 10x faster than SQLAlchemy's per-row parameter processing); the time
        # column is written in exactly the form SQLAlchemy's own type would write it.
        column_type = LogEntry.__table__.c.created_at.type.dialect_impl(conn.dialect)  # type: ignore[attr-defined]
        to_db = column_type.bind_processor(conn.dialect)
        stamp = to_db(now) if to_db else now
        hashes = list(existing)
        for first in range(start, size, BATCH):
            rows = []
            for i in range(first, min(first + BATCH, size)):
                leaf = filler_leaf(i)
                digest = tlog.leaf_hash(leaf)
                hashes.append(digest)
                rows.append((i, leaf, digest, "bench.filler", f"filler-{i}", stamp))
            conn.exec_driver_sql('INSERT INTO log_entry ("index", leaf, leaf_hash, kind, subject, created_at) '
                                 "VALUES (?, ?, ?, ?, ?, ?)", rows)
            if progress and (first + len(rows)) % PROGRESS_EVERY < BATCH:
                print(f"  log leaves written: {first + len(rows):,} of {size:,}", flush=True)
        nodes = complete_subtrees(hashes)
        s.execute(delete(LogNode))
        for first in range(0, len(nodes), BATCH):
            conn.exec_driver_sql('INSERT INTO log_node (level, "index", hash) VALUES (?, ?, ?)',
                                 nodes[first:first + BATCH])
            done = first + len(nodes[first:first + BATCH])
            if progress and (done % PROGRESS_EVERY < BATCH or done == len(nodes)):
                print(f"  log nodes written: {done:,} of {len(nodes):,}", flush=True)
        head = tlog_store.lock_head(s)
        head.size = size
        head.root = tlog.root_hash(size, tlog_store.SqlNodes(s))
        s.add(head)
        s.flush()
        row = keys.current_key(s, keys.REGISTRY_ORG)
        tlog_store.sign_checkpoint(s, now=now, origin=registry.origin, key_name=registry.origin,
                                   key=keys.private_key(row, registry.ctx.secret))
        if head.root != merkle_root(hashes):
            raise RuntimeError("the root from the stored subtree hashes disagrees with the leaves")
    return size - start


def merkle_root(leaf_hashes: list[bytes]) -> bytes:
    """RFC 9162 MTH computed directly from the leaf hashes (recursion on the largest power of two), as a check."""

    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaf_hashes[lo]
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        return tlog.node_hash(mth(lo, lo + k), mth(lo + k, hi))

    return mth(0, len(leaf_hashes)) if leaf_hashes else tlog.EMPTY_ROOT
