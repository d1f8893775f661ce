r"""Transparency log of issued labels: RFC 9162 Merkle hashes, proofs, C2SP checkpoints and offline proof bundles.

Pure functions over hashes: no database, no I/O, no clock. Storage is reached through :class:`NodeReader`, a
batch read that a SQL table (:mod:`registry.tlog_store`) or a dict (:class:`MemoryNodes`) implements.

The tree (RFC 9162 section 2.1.1), here with 7 leaves. Node ``[level,index]`` covers the leaves
``[index * 2**level, (index + 1) * 2**level)`` and is stored; the two nodes in parentheses are not::

                          (root of 7) = H(0x01 || [2,0] || (e))
                         /                                  \
                  [2,0]                                      (e) = H(0x01 || [1,2] || [0,6])  = MTH(d4, d5, d6)
                /       \                                  /     \
          [1,0]           [1,1]                     [1,2]       \
         /     \         /     \                   /     \       \
     [0,0]    [0,1]   [0,2]    [0,3]           [0,4]    [0,5]    [0,6]                         [0,i] = H(0x00 || d_i)
       d0       d1      d2       d3              d4       d5       d6

Storage choice: only *complete* (perfect) subtrees are stored: 7 + 3 + 1 = 11 nodes above. A complete node never
changes once its last leaf is appended, so storage is append-only too: appending leaf ``i`` writes ``1 + t`` rows,
where ``t`` is the number of trailing one bits of ``i`` (2 rows on average), and never updates a row. The nodes on
the right edge of a tree whose size is not a power of two (``(e)`` and the root above) would change on every
append, so they are recomputed on demand instead, from at most ``log2(n) + 1`` complete nodes.

Why proofs stay O(log n): every range ``[start, end)`` that the RFC's MTH/PATH/SUBPROOF recursion hashes is
aligned, so it splits into the complete subtrees given by the binary digits of ``end - start`` (at most
``log2(n) + 1`` of them). An inclusion or consistency proof has at most ``log2(n) + 1`` entries, and only one of
them can be a partial range (the first time the path turns left off the right edge, its right sibling is the rest
of the edge; below that turn every range is complete). So a proof needs at most ``2 * log2(n) + 2`` stored nodes
(42 for a million leaves), which are planned first and fetched with a single :meth:`NodeReader.get_nodes` call.

Checkpoints follow c2sp.org/tlog-checkpoint on c2sp.org/signed-note with Ed25519 (signature type 0x01)::

    <origin>
    <tree size>
    <base64 root hash>

    — <key name> base64(4-byte key ID || 64-byte Ed25519 signature)

Verification (:func:`verify_inclusion`, :func:`verify_consistency`, :func:`open_checkpoint`,
:func:`verify_bundle`) never raises for invalid input: it returns ``False`` or a result with a reason that starts
with a kebab-case code (``bad-signature: ...``). The trust root, a verifier key, is always an argument.

Errors. An index or size outside the tree raises :class:`registry.errors.LogRangeError` (``log-range``, the
caller asked for something that does not exist). The others mean the log's own state is inconsistent (a damaged
store, a checkpoint that does not match it), never "this proof is invalid"; they are defined here, under
:class:`registry.errors.RegistryError`::

    TlogError (code: tlog-error)
     ├── MissingNode         missing-node          the store lacks a complete-subtree node a computation needs
     ├── InvalidCheckpoint   invalid-checkpoint    make_bundle was given a note that does not verify
     └── LeafNotInLog        leaf-not-in-log       make_bundle's leaf is not at that index under that checkpoint
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.errors import LogRangeError, RegistryError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
BUNDLE_FORMAT = "pcf-tlog-proof/1"

# Bounds that keep verification cheap whatever a stranger sends: a tree of fewer than 2**63 leaves has proofs of at
# most 64 hashes (128 leaves room); a signed note must accept 16 signatures of up to ~5 kB (c2sp.org/signed-note),
# so 128 KiB and 100 signature lines leave room.
MAX_TREE_SIZE = (1 << 63) - 1
MAX_PROOF_LENGTH = 128
MAX_NOTE_BYTES = 128 * 1024
MAX_SIGNATURES = 100
MAX_BUNDLE_LEAF_BYTES = 1024 * 1024

_SIGNATURE_TYPE_ED25519 = b"\x01"
_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")

NodeKey = tuple[int, int]
"""``(level, index)``: the complete subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``."""


# --------------------------------------------------------------------------------------------------- errors


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


# --------------------------------------------------------------------------------------------------- hashing


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


# --------------------------------------------------------------------------------------------------- storage


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


# --------------------------------------------------------------------------------------------------- tree hashes


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


# --------------------------------------------------------------------------------------------------- verification


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


# --------------------------------------------------------------------------------------------------- signed notes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict standard base64: padded, no whitespace, canonical (re-encodes to the same text); else None."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return data if _b64(data) == text else None


def _has_control(text: str) -> bool:
    return any(ord(ch) < 0x20 and ch != "\n" for ch in text)


def _valid_key_name(name: str) -> bool:
    return bool(name) and not any(ch.isspace() or ch == "+" or ord(ch) < 0x20 for ch in name)


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key_id(name: str, raw_public: bytes) -> bytes:
    """``SHA-256(key name || 0x0A || 0x01 || public key)[:4]`` (c2sp.org/signed-note, Ed25519)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _SIGNATURE_TYPE_ED25519 + raw_public).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The vkey string ``<name>+<hex key ID>+<base64(0x01 || public key)>`` that verifiers pin.

    Args:
        name: Key name (no spaces, no ``+``), normally the log's origin.
        public_key: The log's Ed25519 public key.

    Returns:
        The verifier key, e.g. ``example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k``.

    Raises:
        ValueError: an empty name or one with spaces or ``+``.
    """
    if not _valid_key_name(name):
        raise ValueError(f"key name {name!r} must be non-empty, without spaces or '+'")
    raw = _raw_public(public_key)
    return f"{name}+{_key_id(name, raw).hex()}+{_b64(_SIGNATURE_TYPE_ED25519 + raw)}"


@dataclass(frozen=True)
class _Verifier:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey


def _parse_vkey(vkey: object) -> _Verifier | str:
    """The verifier of a vkey string, or the reason it is unusable."""
    if not isinstance(vkey, str):
        return "bad-vkey: the verifier key must be a string"
    parts = vkey.split("+", 2)  # the base64 key may itself contain "+"
    if len(parts) != 3:
        return "bad-vkey: expected <name>+<hex key ID>+<base64 key>"
    name, hex_id, key_b64 = parts
    if not _valid_key_name(name) or not _HEX_KEY_ID.fullmatch(hex_id):
        return "bad-vkey: bad key name or key ID"
    key = _unb64(key_b64)
    if key is None or len(key) != 33 or key[:1] != _SIGNATURE_TYPE_ED25519:
        return "bad-vkey: the key is not base64 of 0x01 followed by a 32-byte Ed25519 public key"
    if _key_id(name, key[1:]) != bytes.fromhex(hex_id):
        return "bad-vkey: the key ID does not match the key name and public key"
    try:
        public_key = Ed25519PublicKey.from_public_bytes(key[1:])
    except ValueError:
        return "bad-vkey: not an Ed25519 public key"
    return _Verifier(name, bytes.fromhex(hex_id), public_key)


def sign_note(text: str, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``text`` as a c2sp.org/signed-note with one Ed25519 signature.

    Args:
        text: The note text, ending in a newline, without control characters other than newline.
        key_name: The signature's key name (no spaces, no ``+``).
        private_key: The signing key.

    Returns:
        ``text``, a blank line, and ``— <key name> <base64(key ID || signature)>`` with a final newline.

    Raises:
        ValueError: the text or the key name is not allowed in a note.
    """
    if not text.endswith("\n") or _has_control(text):
        raise ValueError("note text must end with a newline and contain no control characters but newlines")
    if not _valid_key_name(key_name):
        raise ValueError(f"key name {key_name!r} must be non-empty, without spaces or '+'")
    key_id = _key_id(key_name, _raw_public(private_key.public_key()))
    signature = private_key.sign(text.encode("utf-8"))
    return f"{text}\n{_SIGNATURE_PREFIX}{key_name} {_b64(key_id + signature)}\n"


@dataclass(frozen=True)
class NoteResult:
    """Outcome of :func:`open_note`.

    Attributes:
        valid: True when a signature by the pinned key verifies.
        text: The signed text when valid, else None.
        reason: ``ok``, or ``<code>: <explanation>``.
    """

    valid: bool
    text: str | None
    reason: str

    @property
    def code(self) -> str:
        """The kebab-case code at the start of :attr:`reason`."""
        return self.reason.split(":", 1)[0]


def open_note(note_text: str, vkey: str) -> NoteResult:
    """Parse a signed note and verify it against one pinned verifier key. Never raises.

    Signatures by other keys are ignored (c2sp.org/signed-note); a signature by the pinned key (same name and key
    ID) that fails rejects the whole note.

    Args:
        note_text: The note, as text.
        vkey: The trusted verifier key (see :func:`verifier_key`).

    Returns:
        A :class:`NoteResult`; its reason code is one of ``ok``, ``bad-vkey``, ``malformed-note``,
        ``bad-signature`` or ``no-trusted-signature``.
    """
    verifier = _parse_vkey(vkey)
    if isinstance(verifier, str):
        return NoteResult(False, None, verifier)
    if not isinstance(note_text, str):
        return NoteResult(False, None, "malformed-note: a note is text")
    if len(note_text) > MAX_NOTE_BYTES:  # cheap first check: a character is at least one byte
        return NoteResult(False, None, f"malformed-note: longer than {MAX_NOTE_BYTES} bytes")
    try:
        raw = note_text.encode("utf-8")
    except UnicodeEncodeError:
        return NoteResult(False, None, "malformed-note: not valid UTF-8")
    if len(raw) > MAX_NOTE_BYTES:
        return NoteResult(False, None, f"malformed-note: longer than {MAX_NOTE_BYTES} bytes")
    if _has_control(note_text):
        return NoteResult(False, None, "malformed-note: control characters other than newline")
    split = note_text.rfind("\n\n")
    if split < 0:
        return NoteResult(False, None, "malformed-note: no blank line before the signatures")
    text, block = note_text[: split + 1], note_text[split + 2 :]
    if not block.endswith("\n"):
        return NoteResult(False, None, "malformed-note: the signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        return NoteResult(False, None, f"malformed-note: more than {MAX_SIGNATURES} signatures")
    seen = []
    verified = False
    for line in lines:
        if not line.startswith(_SIGNATURE_PREFIX):
            return NoteResult(False, None, f"malformed-note: signature line {line[:40]!r} does not start with '— '")
        name, _, sig_b64 = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        sig = _unb64(sig_b64)
        if not _valid_key_name(name) or sig is None or len(sig) < 5:
            return NoteResult(False, None, f"malformed-note: bad signature line {line[:40]!r}")
        key_id, signature = sig[:4], sig[4:]
        seen.append(f"{name}+{key_id.hex()}")
        if name != verifier.name or key_id != verifier.key_id:
            continue  # another key (a witness, a rotated key): ignored
        try:
            verifier.public_key.verify(signature, text.encode("utf-8"))
        except InvalidSignature:
            return NoteResult(False, None, f"bad-signature: the signature by {name}+{key_id.hex()} does not verify")
        verified = True
    if not verified:
        wanted = f"{verifier.name}+{verifier.key_id.hex()}"
        return NoteResult(False, None, f"no-trusted-signature: no signature by {wanted} (found {', '.join(seen)})")
    return NoteResult(True, text, "ok")


# --------------------------------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head, the body of a c2sp.org/tlog-checkpoint.

    Attributes:
        origin: The log's identity, e.g. ``pcf.example.cn/log``.
        size: Number of leaves.
        root: The 32-byte root hash of the first ``size`` leaves.
    """

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin or _has_control(self.origin):
            raise ValueError(f"checkpoint origin {self.origin!r} must be one non-empty line of text")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError(f"checkpoint size {self.size!r} must be an integer in [0, 2**63 - 1]")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise ValueError(f"checkpoint root {self.root!r} must be {HASH_SIZE} bytes")

    def body(self) -> str:
        """The note text: ``<origin>\\n<size>\\n<base64 root>\\n``."""
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"


@dataclass(frozen=True)
class CheckpointResult:
    """Outcome of :func:`open_checkpoint`.

    Attributes:
        valid: True when the note verifies under the pinned key and its text is a checkpoint.
        checkpoint: The checkpoint when valid, else None.
        reason: ``ok``, or ``<code>: <explanation>`` (codes of :func:`open_note`, and ``malformed-checkpoint``).
    """

    valid: bool
    checkpoint: Checkpoint | None
    reason: str

    @property
    def code(self) -> str:
        """The kebab-case code at the start of :attr:`reason`."""
        return self.reason.split(":", 1)[0]


def sign_checkpoint(checkpoint: Checkpoint, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note of a checkpoint.

    Args:
        checkpoint: The tree head to sign.
        key_name: The signature's key name; c2sp.org/tlog-checkpoint says it should equal the origin.
        private_key: The log's Ed25519 key.

    Returns:
        The note text, ready to publish.

    Raises:
        ValueError: a key name with spaces or ``+``.
    """
    return sign_note(checkpoint.body(), key_name, private_key)


def _parse_checkpoint(text: str) -> Checkpoint | str:
    lines = text.split("\n")[:-1]  # the text ends with a newline
    if len(lines) < 3:
        return "malformed-checkpoint: expected origin, size and root lines"
    if len(lines) > 3:
        return "malformed-checkpoint: extension lines are not used by pcf-registry checkpoints"
    origin, size_text, root_text = lines
    if not origin:
        return "malformed-checkpoint: empty origin"
    if not _DECIMAL.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        return f"malformed-checkpoint: size {size_text[:40]!r} is not a decimal without leading zeros"
    root = _unb64(root_text)
    if root is None or len(root) != HASH_SIZE:
        return f"malformed-checkpoint: root {root_text[:60]!r} is not canonical base64 of {HASH_SIZE} bytes"
    return Checkpoint(origin, int(size_text), root)


def open_checkpoint(note_text: str, vkey: str) -> CheckpointResult:
    """Verify a signed checkpoint against a pinned verifier key and parse it. Never raises.

    The text is parsed only after its signature verifies (c2sp.org/signed-note: unverified text is ignored).

    Args:
        note_text: The signed note.
        vkey: The trusted verifier key.

    Returns:
        A :class:`CheckpointResult`.
    """
    opened = open_note(note_text, vkey)
    if not opened.valid or opened.text is None:
        return CheckpointResult(False, None, opened.reason)
    parsed = _parse_checkpoint(opened.text)
    if isinstance(parsed, str):
        return CheckpointResult(False, None, parsed)
    return CheckpointResult(True, parsed, "ok")


# --------------------------------------------------------------------------------------------------- bundles

_BUNDLE_KEYS = frozenset({"format", "origin", "leaf_index", "tree_size", "leaf", "inclusion_proof", "checkpoint", "vkey"})


@dataclass(frozen=True)
class BundleResult:
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

    @property
    def code(self) -> str:
        """The kebab-case code at the start of :attr:`reason`."""
        return self.reason.split(":", 1)[0]


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
