r"""Transparency log of issued labels: RFC 9162 Merkle hashes, proofs, C2SP checkpoints and offline proof bundles.

Pure functions over hashes: no database, no I/O, no clock. Storage is reached through :class:`NodeReader`, a
batch read that a SQL table (:mod:`registry.log.store`) or a dict (:class:`MemoryNodes`) implements.

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

Modules: :mod:`.merkle` (hashes, proofs, verification), :mod:`.notes` (signed notes and checkpoints),
:mod:`.bundles` (offline proof bundles). This face hands their public names on."""

from registry.trust.tlog.bundles import BUNDLE_FORMAT, MAX_BUNDLE_LEAF_BYTES, BundleResult, make_bundle, verify_bundle
from registry.trust.tlog.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_PROOF_LENGTH,
    MAX_TREE_SIZE,
    InvalidCheckpoint,
    LeafNotInLog,
    MemoryNodes,
    MissingNode,
    NodeKey,
    NodeReader,
    TlogError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_to_store,
    root_hash,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)
from registry.trust.tlog.notes import (
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointResult,
    NoteResult,
    open_checkpoint,
    open_note,
    sign_checkpoint,
    sign_note,
    verifier_key,
)

__all__ = [
    "BUNDLE_FORMAT", "EMPTY_ROOT", "HASH_SIZE", "MAX_BUNDLE_LEAF_BYTES", "MAX_NOTE_BYTES", "MAX_PROOF_LENGTH",
    "MAX_SIGNATURES", "MAX_TREE_SIZE", "BundleResult", "Checkpoint", "CheckpointResult", "InvalidCheckpoint",
    "LeafNotInLog", "MemoryNodes", "MissingNode", "NodeKey", "NodeReader", "NoteResult", "TlogError",
    "consistency_proof", "inclusion_proof", "leaf_hash", "make_bundle", "node_hash", "nodes_to_store",
    "open_checkpoint", "open_note", "root_hash", "sign_checkpoint", "sign_note", "subtree_hash", "verifier_key",
    "verify_bundle", "verify_consistency", "verify_inclusion"
]
