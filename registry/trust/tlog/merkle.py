"""RFC 9162 Merkle tree hashes, inclusion and consistency proofs over stored complete subtrees, and their
verification (pure)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeGuard

from registry.errors import LogRangeError, RegistryError

HASH_SIZE = 32


EMPTY_ROOT = hashlib.sha256(b"").digest()


MAX_TREE_SIZE = (1 << 63) - 1


MAX_PROOF_LENGTH = 128


NodeKey = tuple[int, int]


"""``(level, index)``: the complete subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``."""


class TlogError(RegistryError):
    """Base class of the errors raised by :mod:`registry.tlog`."""

    code = "tlog-error"


class MissingNode(TlogError):
    """The node store lacks a complete-subtree hash that the computation needs (a gap or a damaged store)."""

    code = "missing-node"


class InvalidCheckpoint(TlogError):
    """A signed checkpoint given to :func:`make_bundle` does not verify under the given verifier key."""

    code = "invalid-checkpoint"


class LeafNotInLog(TlogError):
    """The leaf given to :func:`make_bundle` is not at that index under the checkpoint's root."""

    code = "leaf-not-in-log"


def leaf_hash(data: bytes) -> bytes:
    """The RFC 9162 leaf hash, ``SHA-256(0x00 || data)``.

    Args:
        data: The leaf's bytes (for pcf-registry, the RFC 8785 JSON of a log event).

    Returns:
        32 bytes.
    """
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 interior node hash, ``SHA-256(0x01 || left || right)``.

    Args:
        left: Hash of the left child.
        right: Hash of the right child.

    Returns:
        32 bytes.
    """
    return hashlib.sha256(b"\x01" + left + right).digest()


class NodeReader(Protocol):
    """Read access to stored complete-subtree hashes."""

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Fetch many nodes in one batch (one SQL query).

        Args:
            keys: ``(level, index)`` pairs; may repeat.

        Returns:
            The hashes of the keys that are stored; keys that are not stored are absent.
        """
        ...


class MemoryNodes:
    """A :class:`NodeReader` over a dict, for tests, verifiers and tools.

    Args:
        nodes: Initial ``(level, index) -> hash`` entries.
    """

    def __init__(self, nodes: Mapping[NodeKey, bytes] | None = None) -> None:
        self.nodes: dict[NodeKey, bytes] = dict(nodes or {})

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """See :meth:`NodeReader.get_nodes`."""
        nodes = self.nodes
        return {key: nodes[key] for key in keys if key in nodes}

    def put_nodes(self, entries: Iterable[tuple[int, int, bytes]]) -> None:
        """Store ``(level, index, hash)`` entries, as returned by :func:`nodes_to_store`."""
        for level, index, digest in entries:
            self.nodes[(level, index)] = digest

    def append(self, leaf_index: int, leaf_digest: bytes) -> None:
        """Store the nodes that appending leaf number ``leaf_index`` (0-based) completes."""
        self.put_nodes(nodes_to_store(leaf_index, leaf_digest, self))

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MemoryNodes:
        """A store holding the complete subtrees of the tree with these leaf hashes, in order."""
        store = cls()
        for index, digest in enumerate(leaf_hashes):
            store.append(index, digest)
        return store


def nodes_to_store(leaf_index: int, leaf_hash: bytes, reader: NodeReader) -> list[tuple[int, int, bytes]]:
    """The complete-subtree nodes that appending leaf number ``leaf_index`` creates.

    Level 0 is the leaf hash itself; then one node for every level that this leaf completes (as many as the
    trailing one bits of ``leaf_index``: leaf 3 = 0b11 completes ``(1, 1)`` and ``(2, 0)``). The left siblings are
    read with one :meth:`NodeReader.get_nodes` call.

    Args:
        leaf_index: 0-based index of the new leaf, which must equal the tree size before the append.
        leaf_hash: Its :func:`leaf_hash`.
        reader: The store holding the complete nodes of the first ``leaf_index`` leaves.

    Returns:
        ``(level, index, hash)`` entries, level 0 first.

    Raises:
        LogRangeError: ``leaf_index`` is negative or too large.
        ValueError: ``leaf_hash`` is not 32 bytes.
        MissingNode: a left sibling is not stored.
    """
    if not _is_size(leaf_index) or leaf_index >= MAX_TREE_SIZE:
        raise LogRangeError(f"leaf index {leaf_index!r} is not an integer in [0, 2**63 - 1)", "leaf_index")
    if len(leaf_hash) != HASH_SIZE:
        raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf_hash)}")
    completed = ((leaf_index + 1) & -(leaf_index + 1)).bit_length() - 1  # trailing ones of leaf_index
    siblings = [(level, (leaf_index >> level) - 1) for level in range(completed)]
    found = _fetch(siblings, reader)
    entries = [(0, leaf_index, bytes(leaf_hash))]
    digest = bytes(leaf_hash)
    for level, key in enumerate(siblings):
        digest = node_hash(found[key], digest)
        entries.append((level + 1, leaf_index >> (level + 1), digest))
    return entries


def _check_size(size: int, field: str = "tree_size") -> None:
    if not _is_size(size):
        raise LogRangeError(f"{size!r} is not an integer in [0, 2**63 - 1]", field)


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): where RFC 9162 splits a tree of ``n`` leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_keys(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees making up the aligned range ``[start, end)``, left to right (largest first)."""
    keys = []
    while start < end:
        level = (end - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fetch(keys: Sequence[NodeKey], reader: NodeReader) -> Mapping[NodeKey, bytes]:
    if not keys:
        return {}
    found = reader.get_nodes(keys)
    for key in keys:
        if key not in found:
            raise MissingNode(f"node (level {key[0]}, index {key[1]}) is not stored", "tree_size")
    return found


def _hash_ranges(ranges: Sequence[tuple[int, int]], reader: NodeReader) -> list[bytes]:
    """MTH of each aligned range, reading every node they need in one batch."""
    plans = [_range_keys(start, end) for start, end in ranges]
    found = _fetch(list(dict.fromkeys(key for plan in plans for key in plan)), reader)
    hashes = []
    for plan in plans:
        digest = found[plan[-1]]
        for key in reversed(plan[:-1]):  # MTH folds right to left: H(a, H(b, c))
            digest = node_hash(found[key], digest)
        hashes.append(digest)
    return hashes


def subtree_hash(start: int, end: int, reader: NodeReader) -> bytes:
    """MTH of the leaves ``[start, end)``, from stored complete subtrees.

    The range must be a subtree in the RFC 9162 sense: ``start`` a multiple of the smallest power of two that is
    at least ``end - start`` (so the tree's own recursion would hash it). ``[0, n)`` is the root of size ``n``.

    Args:
        start: First leaf, inclusive.
        end: Last leaf, exclusive. ``start == end`` gives :data:`EMPTY_ROOT`.
        reader: The node store.

    Returns:
        32 bytes.

    Raises:
        LogRangeError: the range is reversed or not aligned.
        MissingNode: a node is not stored.
    """
    _check_size(start, "start")
    _check_size(end, "end")
    if start > end:
        raise LogRangeError(f"range [{start}, {end}) is reversed", "start")
    if start == end:
        return EMPTY_ROOT
    if start & ((1 << (end - start - 1).bit_length()) - 1):
        raise LogRangeError(f"range [{start}, {end}) is not a subtree: {start} is not aligned to its width", "start")
    return _hash_ranges([(start, end)], reader)[0]


def root_hash(tree_size: int, reader: NodeReader) -> bytes:
    """The root hash (MTH) of the first ``tree_size`` leaves.

    Args:
        tree_size: Number of leaves; 0 gives :data:`EMPTY_ROOT`.
        reader: The node store.

    Returns:
        32 bytes.

    Raises:
        LogRangeError: a negative or too large size.
        MissingNode: a node is not stored (the store holds fewer leaves).
    """
    return subtree_hash(0, tree_size, reader)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[0:size]) of RFC 9162 2.1.3.1, as the leaf ranges of its hashes, leaf level first."""
    ranges = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return ranges


def _consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """PROOF(first, D[0:second]) = SUBPROOF(first, D[0:second], true) of RFC 9162 2.1.4.1, as leaf ranges."""
    ranges = []
    start, end, m, complete = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _split(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, tree_size: int, reader: NodeReader) -> list[bytes]:
    """The RFC 9162 inclusion proof (audit path) of leaf ``index`` in the tree of ``tree_size`` leaves.

    Args:
        index: 0-based leaf index.
        tree_size: Size of the tree the proof is for.
        reader: The node store (one :meth:`NodeReader.get_nodes` call).

    Returns:
        The hashes from the leaf's sibling up to the root's child; empty for a tree of one leaf.

    Raises:
        LogRangeError: unless ``0 <= index < tree_size``.
        MissingNode: a node is not stored.
    """
    _check_size(tree_size)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < tree_size:
        raise LogRangeError(f"leaf index {index!r} is outside a tree of size {tree_size}", "index")
    return _hash_ranges(_inclusion_ranges(index, tree_size), reader)


def consistency_proof(first: int, second: int, reader: NodeReader) -> list[bytes]:
    """The RFC 9162 consistency proof between the trees of ``first`` and ``second`` leaves.

    Args:
        first: The older size, at least 1 (nothing is proved about the empty tree).
        second: The newer size; ``first == second`` gives an empty proof.
        reader: The node store (one :meth:`NodeReader.get_nodes` call).

    Returns:
        The proof hashes, in RFC order.

    Raises:
        LogRangeError: unless ``0 < first <= second``.
        MissingNode: a node is not stored.
    """
    _check_size(first, "first")
    _check_size(second, "second")
    if not 0 < first <= second:
        raise LogRangeError(f"need 0 < first <= second, got first={first}, second={second}", "first")
    return _hash_ranges(_consistency_ranges(first, second), reader)


def _is_hash(value: object) -> TypeGuard[bytes | bytearray]:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _is_size(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TREE_SIZE


def _is_proof(proof: object) -> bool:
    return isinstance(proof, list | tuple) and len(proof) <= MAX_PROOF_LENGTH and all(_is_hash(p) for p in proof)


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Check an inclusion proof (RFC 9162 section 2.1.3.2). Never raises.

    Args:
        leaf_hash: :func:`leaf_hash` of the leaf's data.
        index: 0-based leaf index.
        tree_size: Size of the tree whose root is ``root``.
        proof: The audit path, as returned by :func:`inclusion_proof`.
        root: The trusted root hash (from a verified checkpoint).

    Returns:
        True when the path leads from the leaf at ``index`` to ``root``; False for anything else, including
        malformed arguments.
    """
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_size(index) and _is_size(tree_size) and _is_proof(proof)):
        return False
    if index >= tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(bytes(p), r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, bytes(p))
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, bytes(root))


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """Check a consistency proof (RFC 9162 section 2.1.4.2). Never raises.

    As in transparency-dev/merkle: ``first == second`` holds with an empty proof and equal roots, and
    ``first == 0`` never holds (a proof from the empty tree proves nothing).

    Args:
        first: The older tree size.
        second: The newer tree size.
        first_root: Trusted root of the older tree.
        second_root: Trusted root of the newer tree.
        proof: As returned by :func:`consistency_proof`.

    Returns:
        True when the newer tree extends the older one; False for anything else, including malformed arguments.
    """
    if not (_is_size(first) and _is_size(second) and _is_hash(first_root) and _is_hash(second_root)):
        return False
    if not _is_proof(proof) or not 0 < first <= second:
        return False
    if first == second:
        return len(proof) == 0 and hmac.compare_digest(bytes(first_root), bytes(second_root))
    if not proof:
        return False
    path = [bytes(p) for p in proof]
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node of the path
        path.insert(0, bytes(first_root))
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, bytes(first_root)) and hmac.compare_digest(sr, bytes(second_root))
