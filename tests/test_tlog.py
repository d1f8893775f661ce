"""The transparency log: RFC 9162 hashes and proofs, C2SP checkpoints, offline proof bundles.

Known answers, copied with their source named beside them:

* transparency-dev/merkle ``testonly/constants.go`` (8 leaves, every complete node, every root) and
  ``cmd/proofgen/main.go`` (inclusion and consistency proofs over those leaves), ``rfc6962/rfc6962_test.go``
  (hash known answers), ``testdata/consistency/additional`` (edge cases) and ``testonly/vectors_test.go``
  (the draft-ietf-plants-merkle-tree-certs subtree-hash vector);
* C2SP ``signed-note.md`` (example note and its vkey); golang.org/x/mod ``sumdb/note/note_test.go`` (a private
  key and the exact note it signs) and ``sumdb/client_test.go`` (a signed tree head of size 6 and a forged one).

The independent implementation is pymerkle 7: its default hasher uses the RFC 9162 prefixes 0x00/0x01
(``disable_security=True`` would drop them), leaf indices count from one, and ``InclusionProof.path`` is the
leaf hash followed by the RFC audit path. Its consistency path is not RFC 9162's SUBPROOF (it lists the old
tree's subroots too), so consistency is cross-checked through the roots: each side's proof verifies under the
other side's roots with its own verifier.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Mapping, Sequence

import pymerkle
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.errors import LogRangeError, RegistryError
from registry.trust import tlog
from registry.trust.tlog import (
    EMPTY_ROOT,
    Checkpoint,
    InvalidCheckpoint,
    LeafNotInLog,
    MemoryNodes,
    MissingNode,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    make_bundle,
    node_hash,
    nodes_to_store,
    open_checkpoint,
    open_note,
    root_hash,
    sign_checkpoint,
    sign_note,
    subtree_hash,
    verifier_key,
    verify_bundle,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class CountingNodes:
    """A reader that counts batch reads and keys, to check that proofs cost one O(log n) read."""

    def __init__(self, inner: tlog.NodeReader) -> None:
        self.inner = inner
        self.calls: list[list[tuple[int, int]]] = []

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        self.calls.append(list(keys))
        return self.inner.get_nodes(keys)


def store_of(leaves: Sequence[bytes]) -> MemoryNodes:
    return MemoryNodes.from_leaf_hashes(leaf_hash(d) for d in leaves)


# ------------------------------------------------------------------------------------------ hashing

# transparency-dev/merkle rfc6962/rfc6962_test.go (TestRFC6962Hasher), with the shell line that gives each value.
@pytest.mark.parametrize(
    ("got", "want"),
    [
        (EMPTY_ROOT, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),  # echo -n | sha256sum
        (leaf_hash(b""), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),  # 00
        (leaf_hash(b"L123456"), "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"),  # 004C3132...
        (node_hash(b"N123", b"N456"), "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"),
    ],
)
def test_hash_known_answers(got, want):
    assert got.hex() == want


def test_leaf_and_node_hashes_are_domain_separated():
    a, b = leaf_hash(b"Hello"), leaf_hash(b"World")
    assert node_hash(a, b) != leaf_hash(a + b)  # the 0x00/0x01 prefixes stop a node passing for a leaf
    assert node_hash(a, b) != node_hash(b, a)


# ------------------------------------------------------------------------------------------ the 8-leaf known answers

# transparency-dev/merkle testonly/constants.go: LeafInputs(), NodeHashes() (every complete subtree, by level),
# RootHashes() (the root of every size 0..8).
GO_LEAVES = [h(x) for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                            "606162636465666768696a6b6c6d6e6f"]]
GO_NODES = [
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
GO_ROOTS = [h(x) for x in [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]]

# transparency-dev/merkle cmd/proofgen/main.go, inclusionProofs: (leaf index, tree size, proof). Go counts the
# leaf from one ({6, 8} there); here it is 0-based (5, 8).
GO_INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]

# transparency-dev/merkle cmd/proofgen/main.go, consistencyProofs: (first size, second size, proof).
GO_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


@pytest.fixture(scope="module")
def go_store() -> MemoryNodes:
    return store_of(GO_LEAVES)


def test_store_holds_exactly_the_complete_subtrees(go_store):
    want = {(level, i): h(x) for level, row in enumerate(GO_NODES) for i, x in enumerate(row)}
    assert go_store.nodes == want  # 8 + 4 + 2 + 1 = 15 nodes, nothing else


@pytest.mark.parametrize("size", range(9))
def test_roots_known_answers(go_store, size):
    assert root_hash(size, go_store) == GO_ROOTS[size]


def test_root_of_three_by_hand(go_store):
    # MTH(d0, d1, d2) = H(0x01 || H(0x01 || L0 || L1) || L2): the partial right edge is the bare leaf 2.
    leaf = [leaf_hash(d) for d in GO_LEAVES]
    assert root_hash(3, go_store) == node_hash(node_hash(leaf[0], leaf[1]), leaf[2]) == GO_ROOTS[3]


@pytest.mark.parametrize(("index", "size", "proof"), GO_INCLUSION)
def test_inclusion_known_answers(go_store, index, size, proof):
    got = inclusion_proof(index, size, go_store)
    assert [p.hex() for p in got] == proof
    assert verify_inclusion(leaf_hash(GO_LEAVES[index]), index, size, got, GO_ROOTS[size])


@pytest.mark.parametrize(("first", "second", "proof"), GO_CONSISTENCY)
def test_consistency_known_answers(go_store, first, second, proof):
    got = consistency_proof(first, second, go_store)
    assert [p.hex() for p in got] == proof
    assert verify_consistency(first, second, GO_ROOTS[first], GO_ROOTS[second], got)


def test_subtree_hash_vector_of_merkle_tree_certs():
    # transparency-dev/merkle testonly/vectors_test.go (TestSubtreeHashVectors), from the "Subtree Test Vectors"
    # appendix of draft-ietf-plants-merkle-tree-certs: leaves d[i] = bytes([i]) for i < 130; for every valid
    # subtree [start, end) (start = 0, start = end, or start a multiple of bit_ceil(end - start)) fold
    # "[start, end) <hex hash>\n" into one SHA-256.
    store = store_of([bytes([i]) for i in range(130)])
    rolling = hashlib.sha256()
    for end in range(131):
        for start in range(end + 1):
            width = end - start
            if start and width and start % (1 << (width - 1).bit_length()):
                continue
            rolling.update(f"[{start}, {end}) {subtree_hash(start, end, store).hex()}\n".encode())
    assert rolling.hexdigest() == "b82806ad4265bb151c1119c0f4db437bb4d1a1f887b3a7fba1cd4ebf552e3e81"


# ------------------------------------------------------------------------------------------ storage


def test_appending_leaf_3_completes_two_levels(go_store):
    # Leaf 3 = 0b11 has two trailing ones: it completes (1, 1) = leaves 2..3 and (2, 0) = leaves 0..3.
    first_three = CountingNodes(store_of(GO_LEAVES[:3]))
    l3 = leaf_hash(GO_LEAVES[3])
    got = nodes_to_store(3, l3, first_three)
    n11 = node_hash(leaf_hash(GO_LEAVES[2]), l3)
    n20 = node_hash(go_store.nodes[(1, 0)], n11)
    assert got == [(0, 3, l3), (1, 1, n11), (2, 0, n20)]
    assert first_three.calls == [[(0, 2), (1, 0)]]  # both left siblings in one read
    assert n20 == h(GO_NODES[2][0])


def test_appending_an_even_leaf_reads_nothing():
    reader = CountingNodes(store_of(GO_LEAVES[:4]))
    assert nodes_to_store(4, leaf_hash(GO_LEAVES[4]), reader) == [(0, 4, leaf_hash(GO_LEAVES[4]))]
    assert reader.calls == []


def test_n_leaves_store_2n_minus_1_nodes_minus_the_right_edge():
    # Every append writes 1 + (trailing ones of its index) rows: 1024 leaves store 1024 + 512 + ... + 1 = 2047.
    assert len(store_of([i.to_bytes(4, "big") for i in range(1024)]).nodes) == 2047
    # 1000 = 0b1111101000 leaves: sum over levels of floor(1000 / 2**level) = 1994 complete nodes.
    assert len(store_of([i.to_bytes(4, "big") for i in range(1000)]).nodes) == sum(1000 >> lv for lv in range(10))


def test_a_gap_in_the_store_is_a_missing_node_error(go_store):
    damaged = MemoryNodes({k: v for k, v in go_store.nodes.items() if k != (1, 2)})
    with pytest.raises(MissingNode) as raised:
        root_hash(6, damaged)
    assert raised.value.code == "missing-node" and isinstance(raised.value, RegistryError)
    with pytest.raises(MissingNode):
        nodes_to_store(5, leaf_hash(b"x"), MemoryNodes())  # leaf 5 needs its left sibling (0, 4)
    with pytest.raises(MissingNode):
        root_hash(9, go_store)  # only 8 leaves are stored


@pytest.mark.parametrize(
    "call",
    [
        lambda s: inclusion_proof(8, 8, s),
        lambda s: inclusion_proof(-1, 8, s),
        lambda s: inclusion_proof(0, 0, s),
        lambda s: inclusion_proof(True, 8, s),
        lambda s: consistency_proof(0, 5, s),
        lambda s: consistency_proof(5, 4, s),
        lambda s: root_hash(-1, s),
        lambda s: subtree_hash(1, 3, s),  # [1, 3) is not a subtree: 1 is not a multiple of 2
        lambda s: subtree_hash(3, 2, s),
        lambda s: nodes_to_store(-1, leaf_hash(b""), s),
    ],
)
def test_out_of_range_requests_raise(go_store, call):
    with pytest.raises(LogRangeError) as raised:
        call(go_store)
    assert raised.value.code == "log-range" and raised.value.field


def test_equal_sizes_give_an_empty_consistency_proof(go_store):
    assert consistency_proof(5, 5, go_store) == []
    assert verify_consistency(5, 5, GO_ROOTS[5], GO_ROOTS[5], [])


# ------------------------------------------------------------------------------------------ pymerkle cross-check

N_PYMERKLE = 300


@pytest.fixture(scope="module")
def crosscheck() -> tuple[pymerkle.InmemoryTree, MemoryNodes, list[bytes]]:
    data = [f"label-{i}".encode() for i in range(N_PYMERKLE)]
    reference = pymerkle.InmemoryTree("sha256")  # RFC 9162 prefixes are pymerkle's default (security on)
    for d in data:
        reference.append_entry(d)
    ours = store_of(data)
    roots = [root_hash(n, ours) for n in range(N_PYMERKLE + 1)]
    return reference, ours, roots


def test_roots_match_pymerkle_for_every_size(crosscheck):
    reference, _, roots = crosscheck
    for n in range(N_PYMERKLE + 1):
        assert roots[n] == reference.get_root(n), n


def test_inclusion_proofs_match_pymerkle(crosscheck):
    reference, ours, roots = crosscheck
    rng = random.Random(9162)
    checked = 0
    for n in range(1, N_PYMERKLE + 1):
        # every leaf of trees up to 100 leaves, then 12 leaves per size (always the first and the last)
        indices = range(n) if n <= 100 else sorted({0, n - 1, *rng.sample(range(n), 10)})
        for i in indices:
            theirs = reference.prove_inclusion(i + 1, n)  # pymerkle counts leaves from one
            mine = inclusion_proof(i, n, ours)
            assert mine == theirs.path[1:], (i, n)  # path[0] is the leaf hash itself
            assert verify_inclusion(reference.get_leaf(i + 1), i, n, mine, reference.get_root(n))
            pymerkle.verify_inclusion(leaf_hash(f"label-{i}".encode()), roots[n], theirs, index=i + 1, size=n)
            checked += 1
    assert checked > 7000


def test_consistency_proofs_verify_both_ways_with_pymerkle(crosscheck):
    reference, ours, roots = crosscheck
    rng = random.Random(6962)
    pairs = [(m, n) for n in range(1, 41) for m in range(1, n + 1)]
    pairs += [(m, n) for n in range(41, N_PYMERKLE + 1) for m in {1, n - 1, n, *rng.sample(range(1, n + 1), 4)}]
    for m, n in pairs:
        mine = consistency_proof(m, n, ours)
        assert verify_consistency(m, n, reference.get_root(m), reference.get_root(n), mine), (m, n)
        theirs = reference.prove_consistency(m, n)
        pymerkle.verify_consistency(roots[m], roots[n], theirs, prior_size=m, later_size=n)  # raises if invalid
        if m < n:  # and a wrong old root fails on both sides
            assert not verify_consistency(m, n, roots[m - 1], roots[n], mine)
            with pytest.raises(pymerkle.InvalidProof):
                pymerkle.verify_consistency(roots[m - 1], roots[n], theirs, prior_size=m, later_size=n)
    assert len(pairs) > 2000


# ------------------------------------------------------------------------------------------ tampering


def _flip(digest: bytes, byte: int = 0, bit: int = 3) -> bytes:
    return digest[:byte] + bytes([digest[byte] ^ (1 << bit)]) + digest[byte + 1 :]


def inclusion_tampers(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes):
    """The probes of transparency-dev/merkle cmd/proofgen (invalidInclusionProof and corrupted roots), and more.

    Not "size + 1": leaf 1's path in a tree of 5 leaves has the same shape in a tree of 6, so it still leads to
    the same root. The root, from a signed checkpoint of that size, is what binds the size.
    """
    yield "index - 1", (leaf, index - 1, size, proof, root)
    yield "index + 1", (leaf, index + 1, size, proof, root)
    yield "index XOR 2", (leaf, index ^ 2, size, proof, root)
    yield "size * 2", (leaf, index, size * 2, proof, root)
    yield "size // 2", (leaf, index, size // 2, proof, root)
    yield "wrong leaf", (leaf_hash(b"WrongLeaf"), index, size, proof, root)
    yield "flipped leaf bit", (_flip(leaf, 31, 0), index, size, proof, root)
    yield "empty root", (leaf, index, size, proof, EMPTY_ROOT)
    yield "random root", (leaf, index, size, proof, hashlib.sha256(b"random").digest())
    yield "flipped root bit", (leaf, index, size, proof, _flip(root))
    yield "preceding garbage root", (leaf, index, size, proof, b"garbage" + root)
    yield "trailing garbage root", (leaf, index, size, proof, root + b"garbage")
    yield "inserted component", (leaf, index, size, [*proof, hashlib.sha256(b"x").digest()], root)
    yield "leaf as root", (leaf, index, size, proof, leaf)
    for i in range(len(proof)):
        yield f"flipped bit in proof[{i}]", (leaf, index, size, [*proof[:i], _flip(proof[i]), *proof[i + 1 :]], root)
        yield f"truncated proof[{i}]", (leaf, index, size, [*proof[:i], proof[i][:31], *proof[i + 1 :]], root)
    if proof:
        yield "removed component", (leaf, index, size, proof[:-1], root)
        if len(proof) > 1:
            yield "swapped components", (leaf, index, size, proof[::-1], root)
        yield "proof as strings", (leaf, index, size, [p.hex() for p in proof], root)


def consistency_tampers(first: int, second: int, root1: bytes, root2: bytes, proof: list[bytes]):
    """The probes of transparency-dev/merkle cmd/proofgen (invalidConsistencyProof), and more."""
    yield "first - 1", (first - 1, second, root1, root2, proof)
    yield "first + 1", (first + 1, second, root1, root2, proof)
    yield "first XOR 2", (first ^ 2, second, root1, root2, proof)
    yield "second * 2", (first, second * 2, root1, root2, proof)
    yield "second // 2", (first, second // 2, root1, root2, proof)
    yield "wrong root1", (first, second, hashlib.sha256(b"WrongRoot").digest(), root2, proof)
    yield "wrong root2", (first, second, root1, hashlib.sha256(b"WrongRoot").digest(), proof)
    yield "swapped roots", (first, second, root2, root1, proof)
    yield "preceding garbage root1", (first, second, b"garbage" + root1, root2, proof)
    yield "trailing garbage root2", (first, second, root1, root2 + b"garbage", proof)
    yield "empty proof", (first, second, root1, root2, [])
    yield "preceding proof[0]", (first, second, root1, root2, [proof[0], *proof])
    yield "truncated proof", (first, second, root1, root2, proof[:-1])
    yield "trailing garbage proof", (first, second, root1, root2, [*proof, hashlib.sha256(b"garbage").digest()])
    for i in range(len(proof)):
        yield f"flipped bit in proof[{i}]", (first, second, root1, root2, [*proof[:i], _flip(proof[i], 4), *proof[i + 1 :]])


@pytest.mark.parametrize(("index", "size", "proof"), [p for p in GO_INCLUSION if p[1] > 1])
def test_tampered_inclusion_known_answers_fail(index, size, proof):
    hashes = [h(p) for p in proof]
    good = (leaf_hash(GO_LEAVES[index]), index, size, hashes, GO_ROOTS[size])
    assert verify_inclusion(*good)
    for desc, args in inclusion_tampers(*good):
        assert verify_inclusion(*args) is False, desc


def test_single_leaf_tree_inclusion():
    # transparency-dev/merkle testdata/inclusion/single-entry: in a tree of one leaf the root is the leaf hash.
    leaf = h("0d3aed023148ffd2a259fbd0cdc7fb3cf975658760d3775b82af6f90aacc2dfc")
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(b"", 0, 1, [], leaf)  # empty leaf
    assert not verify_inclusion(leaf, 0, 1, [], b"")  # empty root
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)  # nothing is in the empty tree
    assert not verify_inclusion(leaf, 1, 1, [], leaf)


@pytest.mark.parametrize(("first", "second", "proof"), [p for p in GO_CONSISTENCY if p[0] < p[1]])
def test_tampered_consistency_known_answers_fail(first, second, proof):
    hashes = [h(p) for p in proof]
    good = (first, second, GO_ROOTS[first], GO_ROOTS[second], hashes)
    assert verify_consistency(*good)
    for desc, args in consistency_tampers(*good):
        assert verify_consistency(*args) is False, desc


DONT_CARE_1, DONT_CARE_2 = b"don't care 1", b"don't care 2"  # 12-byte "roots" used by the Go probes


# transparency-dev/merkle testdata/consistency/additional: (first, second, root1, root2, proof, Go accepts).
@pytest.mark.parametrize(
    ("first", "second", "root1", "root2", "proof", "accepted"),
    [
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),  # a proof from the empty tree is useless
        (0, 0, EMPTY_ROOT, DONT_CARE_2, [], False),
        (1, 1, EMPTY_ROOT, DONT_CARE_2, [], False),
        (2, 1, DONT_CARE_1, DONT_CARE_2, [], False),
        (1, 0, DONT_CARE_1, DONT_CARE_2, [], False),
        (0, 1, DONT_CARE_1, DONT_CARE_2, [], False),
        (0, 1, EMPTY_ROOT, DONT_CARE_2, [], False),
        (1, 1, DONT_CARE_1, DONT_CARE_2, [], False),
        (0, 0, DONT_CARE_1, DONT_CARE_1, [], False),
        (0, 0, DONT_CARE_1, DONT_CARE_2, [], False),
        (1, 2, DONT_CARE_1, DONT_CARE_2, [], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        # Go accepts "sizes are equal (one) and proof is empty" with the 12-byte roots; we also demand that roots
        # are 32-byte hashes, so only the same case with a real hash holds.
        (1, 1, DONT_CARE_2, DONT_CARE_2, [], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [], True),
    ],
)
def test_consistency_edge_cases(first, second, root1, root2, proof, accepted):
    assert verify_consistency(first, second, root1, root2, proof) is accepted


ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.binary(max_size=40), st.text(max_size=10),
    st.lists(st.binary(min_size=31, max_size=33), max_size=4), st.just(EMPTY_ROOT), st.floats(),
)


@settings(max_examples=300, deadline=None)
@given(ANYTHING, ANYTHING, ANYTHING, ANYTHING, ANYTHING)
def test_verifiers_never_raise(a, b, c, d, e):
    assert verify_inclusion(a, b, c, d, e) in (True, False)
    assert verify_consistency(a, b, c, d, e) in (True, False)


# ------------------------------------------------------------------------------------------ properties

N_PROPERTY = 2000


@pytest.fixture(scope="module")
def big() -> tuple[CountingNodes, list[bytes]]:
    data = [i.to_bytes(4, "big") for i in range(N_PROPERTY)]
    return CountingNodes(store_of(data)), [leaf_hash(d) for d in data]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_inclusion_proofs_verify_and_cost_one_small_read(big, data):
    reader, leaves = big
    n = data.draw(st.integers(1, N_PROPERTY), label="n")
    i = data.draw(st.integers(0, n - 1), label="i")
    reader.calls.clear()
    proof = inclusion_proof(i, n, reader)
    assert len(reader.calls) == (1 if n > 1 else 0)  # one batch read (a tree of one leaf needs none)
    assert sum(map(len, reader.calls)) <= 2 * (n - 1).bit_length() + 2
    assert len(proof) <= (n - 1).bit_length()  # ceil(log2 n)
    root = root_hash(n, reader)
    assert verify_inclusion(leaves[i], i, n, proof, root)
    j = data.draw(st.integers(0, n - 1), label="j")
    assert verify_inclusion(leaves[j], i, n, proof, root) is (i == j)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_consistency_proofs_verify_and_cost_one_small_read(big, data):
    reader, _ = big
    n = data.draw(st.integers(1, N_PROPERTY), label="n")
    m = data.draw(st.integers(1, n), label="m")
    reader.calls.clear()
    proof = consistency_proof(m, n, reader)
    assert len(reader.calls) <= 1
    assert sum(map(len, reader.calls)) <= 2 * (n - 1).bit_length() + 2
    first, second = root_hash(m, reader), root_hash(n, reader)
    assert verify_consistency(m, n, first, second, proof)
    if m < n:
        assert not verify_consistency(m, n, second, second, proof)
        assert not verify_consistency(m, n, first, first, proof)


class LevelNodes:
    """Complete subtrees of a large tree built level by level (faster than a million appends)."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.levels = [leaves]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[k], below[k + 1]) for k in range(0, len(below) - 1, 2)])
        self.calls = 0

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        self.calls += 1
        levels = self.levels
        return {(lv, i): levels[lv][i] for lv, i in keys if lv < len(levels) and i < len(levels[lv])}


def test_proofs_in_a_million_leaf_log_read_one_batch_of_log_n_nodes():
    """O(log n) proofs in a million-leaf log, counted (nodes and reads), not timed: speed is measured by
    ``make bench``, where a loaded machine cannot fail the suite."""
    size = 1_000_000
    reader = LevelNodes([hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)])
    assert root_hash(4, reader) == node_hash(node_hash(*reader.levels[0][:2]), node_hash(*reader.levels[0][2:4]))
    root = root_hash(size, reader)
    rng = random.Random(1_000_000)
    for i in [0, size - 1, 524_287, 524_288, *rng.sample(range(size), 16)]:
        reader.calls = 0
        proof = inclusion_proof(i, size, reader)
        assert reader.calls == 1 and len(proof) <= 20  # at most ceil(log2 1e6) = 20 hashes, one batch read
        assert len(proof) == 20 or i >= 2**19  # in the left half (a complete 2**19 subtree): 19 + 1 hashes
        assert verify_inclusion(reader.levels[0][i], i, size, proof, root)
    for m in [1, 999_999, 524_288, *rng.sample(range(1, size), 8)]:
        reader.calls = 0
        proof = consistency_proof(m, size, reader)
        assert reader.calls == 1 and len(proof) <= 2 * 20  # RFC 9162 2.1.4: at most 2 log2(n) hashes, one read
        assert verify_consistency(m, size, root_hash(m, reader), root, proof)


# ------------------------------------------------------------------------------------------ signed notes

ORIGIN = "registry.pcf.example.cn/log"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
LOG_VKEY = verifier_key(ORIGIN, LOG_KEY.public_key())
OTHER_VKEY = verifier_key(ORIGIN, OTHER_KEY.public_key())  # same name, another key


def private_from_go(skey: str) -> Ed25519PrivateKey:
    """A golang.org/x/mod/sumdb/note private key: PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)."""
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(skey.split("+", 4)[4])[1:])


def test_c2sp_signed_note_example():
    # C2SP signed-note.md, "Verifier keys / Example".
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    note = (
        "This is an example message.\n\n"
        "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    opened = open_note(note, vkey)
    assert opened.valid and opened.text == "This is an example message.\n"
    # The signature verifies, but one line is not a checkpoint.
    assert open_checkpoint(note, vkey).code == "malformed-checkpoint"
    assert open_note(note.replace("example message", "example massage"), vkey).code == "bad-signature"


def test_go_sumdb_note_known_answer():
    # golang.org/x/mod sumdb/note/note_test.go (TestNewVerifier, TestSign): Ed25519 signatures are deterministic,
    # so signing the same text with the same key gives the same bytes.
    key = private_from_go("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
    assert verifier_key("PeterNeumann", key.public_key()) == (
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    )
    text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    assert sign_note(text, "PeterNeumann", key) == (
        text + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE"
        "6RyyBwJnAM=\n"
    )


# golang.org/x/mod sumdb/client_test.go (TestClientFork): signed tree heads of the test server's key. The first
# is genuine; the second had its text edited after signing ("tree!") to fake a fork.
SUMDB_VKEY = "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6"
SUMDB_SIX = (
    "go.sum database tree\n6\nwc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=\n\n"
    "— localhost.localdev/sumdb AAAMZ6oRNswlEZ6ZZhxrCvgl1MBy+nusq4JU+TG6Fe2NihWLqOzb+y2c2kzRLoCr4tvw9o36ucQEnhc20e4n"
    "A4Qc/wc=\n"
)
SUMDB_FORGED = (
    "go.sum database tree!\n5\nnWzN20+pwMt62p7jbv1/NlN95ePTlHijabv5zO/s36w=\n\n"
    "— localhost.localdev/sumdb AAAMZ5/2FVAdMH58kmnz/0h299pwyskEbzDzoa2/YaPdhvLya4YWDFQQxu2TQb5GpwAH4NdWnTwuhILafisy"
    "f3CNbgg=\n"
)


def test_go_sumdb_checkpoint_known_answer():
    opened = open_checkpoint(SUMDB_SIX, SUMDB_VKEY)  # the vkey's base64 contains a "+": split only twice
    assert opened.valid and opened.reason == "ok"
    assert opened.checkpoint == Checkpoint(
        "go.sum database tree", 6, base64.b64decode("wc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=")
    )
    key = private_from_go("PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk")
    assert verifier_key("localhost.localdev/sumdb", key.public_key()) == SUMDB_VKEY
    assert sign_checkpoint(opened.checkpoint, "localhost.localdev/sumdb", key) == SUMDB_SIX
    assert open_checkpoint(SUMDB_FORGED, SUMDB_VKEY).code == "bad-signature"


def test_checkpoint_body_and_signature_by_hand():
    checkpoint = Checkpoint(ORIGIN, 8, GO_ROOTS[8])
    # the root's base64 is the one in transparency-dev/merkle testdata/inclusion/1/happy-path.json
    assert checkpoint.body() == f"{ORIGIN}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    note = sign_checkpoint(checkpoint, ORIGIN, LOG_KEY)
    body, signature_line = note.split("\n\n")
    assert body + "\n" == checkpoint.body()
    assert signature_line.startswith(f"\u2014 {ORIGIN} ") and signature_line.endswith("=\n")
    blob = base64.b64decode(signature_line.split(" ")[2])
    public = LOG_KEY.public_key().public_bytes_raw()
    assert len(blob) == 4 + 64
    assert blob[:4] == hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    LOG_KEY.public_key().verify(blob[4:], checkpoint.body().encode())  # raises if wrong
    typed_key = b"\x01" + public  # signature type 0x01 (Ed25519), then the key
    assert f"{ORIGIN}+{blob[:4].hex()}+{b64(typed_key)}" == LOG_VKEY


def test_checkpoint_round_trip():
    checkpoint = Checkpoint(ORIGIN, 1_000_000, hashlib.sha256(b"root").digest())
    opened = open_checkpoint(sign_checkpoint(checkpoint, ORIGIN, LOG_KEY), LOG_VKEY)
    assert (opened.valid, opened.checkpoint, opened.reason) == (True, checkpoint, "ok")
    empty = Checkpoint(ORIGIN, 0, EMPTY_ROOT)
    assert open_checkpoint(sign_checkpoint(empty, ORIGIN, LOG_KEY), LOG_VKEY).checkpoint == empty


def test_signatures_by_other_keys_are_ignored():
    note = sign_checkpoint(Checkpoint(ORIGIN, 8, GO_ROOTS[8]), ORIGIN, LOG_KEY)
    body, ours = note.split("\n\n")
    witness = sign_checkpoint(Checkpoint(ORIGIN, 8, GO_ROOTS[8]), "witness.example/w1", OTHER_KEY).split("\n\n")[1]
    assert open_checkpoint(f"{body}\n\n{ours}{witness}", LOG_VKEY).valid  # a cosignature after ours
    assert open_checkpoint(f"{body}\n\n{witness}{ours}", LOG_VKEY).valid  # and before
    assert open_checkpoint(f"{body}\n\n{witness}", LOG_VKEY).code == "no-trusted-signature"


GOOD_NOTE = sign_checkpoint(Checkpoint(ORIGIN, 8, GO_ROOTS[8]), ORIGIN, LOG_KEY)
GOOD_SIG_B64 = GOOD_NOTE.rsplit(" ", 1)[1][:-1]


def _non_canonical(text: str) -> str:
    """The same bytes in non-canonical base64: 32 or 68 bytes end in 2 bytes = 16 bits in 3 characters (18 bits),
    so the last character before "=" has 2 unused bits; setting the lowest ("g" -> "h", "Q" -> "R") decodes alike.
    """
    assert text.endswith("=") and not text.endswith("==")
    changed = text[:-2] + chr(ord(text[-2]) + 1) + "="
    assert base64.b64decode(changed) == base64.b64decode(text)
    return changed


def _with_key_id(note: str, key_id: bytes) -> str:
    blob = base64.b64decode(GOOD_SIG_B64)
    return note.replace(GOOD_SIG_B64, b64(key_id + blob[4:]))


@pytest.mark.parametrize(
    ("desc", "note", "vkey", "code"),
    [
        ("another key with the same name", GOOD_NOTE, OTHER_VKEY, "no-trusted-signature"),
        ("wrong key hash in the signature", _with_key_id(GOOD_NOTE, b"\x00\x00\x00\x00"), LOG_VKEY, "no-trusted-signature"),
        ("another key name", GOOD_NOTE.replace(f"\u2014 {ORIGIN}", "\u2014 example.com/other"), LOG_VKEY,
         "no-trusted-signature"),
        ("edited size", GOOD_NOTE.replace("\n8\n", "\n9\n"), LOG_VKEY, "bad-signature"),
        ("edited origin", GOOD_NOTE.replace(f"{ORIGIN}\n", "registry.pcf.example.com/log\n"), LOG_VKEY, "bad-signature"),
        ("edited root", GOOD_NOTE.replace("XcnaeacG", "XcnaeacH"), LOG_VKEY, "bad-signature"),
        ("truncated signature", GOOD_NOTE.replace(GOOD_SIG_B64, GOOD_SIG_B64[:-4]), LOG_VKEY, "bad-signature"),
        ("extra blank line", GOOD_NOTE.replace("\n\n", "\n\n\n"), LOG_VKEY, "bad-signature"),
        ("bad base64 signature", GOOD_NOTE.replace(GOOD_SIG_B64, GOOD_SIG_B64[:-2] + "!="), LOG_VKEY, "malformed-note"),
        ("non-canonical base64 signature", GOOD_NOTE.replace(GOOD_SIG_B64, _non_canonical(GOOD_SIG_B64)), LOG_VKEY,
         "malformed-note"),
        ("unpadded base64 signature", GOOD_NOTE.replace(GOOD_SIG_B64, GOOD_SIG_B64.rstrip("=")), LOG_VKEY,
         "malformed-note"),
        ("extra space after the dash", GOOD_NOTE.replace("\u2014 ", "\u2014  "), LOG_VKEY, "malformed-note"),
        ("trailing space", GOOD_NOTE[:-1] + " \n", LOG_VKEY, "malformed-note"),
        ("no final newline", GOOD_NOTE[:-1], LOG_VKEY, "malformed-note"),
        ("CRLF line ends", GOOD_NOTE.replace("\n", "\r\n"), LOG_VKEY, "malformed-note"),
        ("hyphen for the em dash", GOOD_NOTE.replace("\u2014", "-"), LOG_VKEY, "malformed-note"),
        ("no blank line", GOOD_NOTE.replace("\n\n", "\n"), LOG_VKEY, "malformed-note"),
        ("a line after the signatures", GOOD_NOTE + "Unexpected line.\n", LOG_VKEY, "malformed-note"),
        ("text only", Checkpoint(ORIGIN, 8, GO_ROOTS[8]).body(), LOG_VKEY, "malformed-note"),
        ("a control character", "\x01" + GOOD_NOTE, LOG_VKEY, "malformed-note"),
        ("a lone surrogate", "\ud800" + GOOD_NOTE, LOG_VKEY, "malformed-note"),
        ("too long", GOOD_NOTE + ("\u2014 a " + GOOD_SIG_B64 + "\n") * 2000, LOG_VKEY, "malformed-note"),
        ("not text", GOOD_NOTE.encode(), LOG_VKEY, "malformed-note"),
        ("vkey with a wrong key ID", GOOD_NOTE, LOG_VKEY.replace(LOG_VKEY.split("+")[1], "00000000"), "bad-vkey"),
        ("vkey with an upper-case key ID", GOOD_NOTE, LOG_VKEY.replace(LOG_VKEY.split("+")[1],
                                                                         LOG_VKEY.split("+")[1].upper()), "bad-vkey"),
        ("vkey of another algorithm", GOOD_NOTE, LOG_VKEY.rsplit("+", 1)[0] + "+" + b64(
            b"\x02" + LOG_KEY.public_key().public_bytes_raw()), "bad-vkey"),
        ("vkey with two parts", GOOD_NOTE, ORIGIN + "+00000000", "bad-vkey"),
        ("vkey not text", GOOD_NOTE, None, "bad-vkey"),
    ],
)
def test_bad_notes_are_rejected_with_a_reason(desc, note, vkey, code):
    assert open_checkpoint(GOOD_NOTE, LOG_VKEY).valid  # the unedited note is fine
    result = open_checkpoint(note, vkey)
    assert (result.valid, result.checkpoint, result.code) == (False, None, code), (desc, result.reason)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n08\n{b64(GO_ROOTS[8])}\n",  # leading zero
        f"{ORIGIN}\n+8\n{b64(GO_ROOTS[8])}\n",
        f"{ORIGIN}\n 8\n{b64(GO_ROOTS[8])}\n",
        f"{ORIGIN}\n8 \n{b64(GO_ROOTS[8])}\n",
        f"{ORIGIN}\n-1\n{b64(GO_ROOTS[8])}\n",
        f"{ORIGIN}\n0x8\n{b64(GO_ROOTS[8])}\n",
        f"{ORIGIN}\n8_0\n{b64(GO_ROOTS[8])}\n",
        f"{ORIGIN}\n\u0668\n{b64(GO_ROOTS[8])}\n",  # ARABIC-INDIC DIGIT EIGHT: int() would accept it
        f"{ORIGIN}\n{2**63}\n{b64(GO_ROOTS[8])}\n",
        f"{ORIGIN}\n8\n{b64(GO_ROOTS[8][:31])}\n",  # a 31-byte root
        f"{ORIGIN}\n8\n{b64(GO_ROOTS[8]).rstrip('=')}\n",  # unpadded
        f"{ORIGIN}\n8\n{_non_canonical(b64(GO_ROOTS[8]))}\n",
        f"{ORIGIN}\n8\n{b64(GO_ROOTS[8])} \n",
        f"\n8\n{b64(GO_ROOTS[8])}\n",  # empty origin
        f"{ORIGIN}\n8\n",  # no root
        f"{ORIGIN}\n8\n{b64(GO_ROOTS[8])}\nextension line\n",  # pcf-registry checkpoints carry no extensions
    ],
)
def test_signed_text_that_is_not_a_checkpoint_is_rejected(text):
    result = open_checkpoint(sign_note(text, ORIGIN, LOG_KEY), LOG_VKEY)
    assert (result.valid, result.code) == (False, "malformed-checkpoint"), result.reason


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [("", 1, EMPTY_ROOT), ("a\nb", 1, EMPTY_ROOT), ("a\tb", 1, EMPTY_ROOT), (ORIGIN, -1, EMPTY_ROOT),
     (ORIGIN, True, EMPTY_ROOT), (ORIGIN, 2**63, EMPTY_ROOT), (ORIGIN, 1, EMPTY_ROOT[:31]), (ORIGIN, 1, "root")],
)
def test_checkpoint_validates_itself(origin, size, root):
    with pytest.raises(ValueError):
        Checkpoint(origin, size, root)


@pytest.mark.parametrize(("text", "name"), [("no newline", ORIGIN), ("a\n", "with space"), ("a\n", "a+b"), ("a\n", ""),
                                            ("a\r\n", ORIGIN)])
def test_sign_note_refuses_what_a_note_cannot_hold(text, name):
    with pytest.raises(ValueError):
        sign_note(text, name, LOG_KEY)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_open_checkpoint_never_raises(text):
    assert open_checkpoint(text, LOG_VKEY).valid is False
    assert open_checkpoint(GOOD_NOTE, text).valid is (text == LOG_VKEY)


# ------------------------------------------------------------------------------------------ bundles


@pytest.fixture(scope="module")
def log() -> tuple[list[bytes], MemoryNodes, str]:
    leaves = [json.dumps({"label": f"PCF-{i:04d}", "kg_co2e": f"{i}.5"}, separators=(",", ":")).encode()
              for i in range(20)]
    store = store_of(leaves)
    note = sign_checkpoint(Checkpoint(ORIGIN, 20, root_hash(20, store)), ORIGIN, LOG_KEY)
    return leaves, store, note


def bundle_of(log, index: int = 13) -> dict:
    leaves, store, note = log
    return json.loads(json.dumps(make_bundle(leaves[index], index, note, LOG_VKEY, store)))  # through JSON


def test_bundle_round_trip(log):
    bundle = bundle_of(log)
    assert sorted(bundle) == sorted(BUNDLE_KEYS)
    assert bundle["format"] == "pcf-tlog-proof/1" and bundle["tree_size"] == 20 and bundle["leaf_index"] == 13
    assert base64.b64decode(bundle["leaf"]) == log[0][13]
    assert len(bundle["inclusion_proof"]) == 5  # ceil(log2 20)
    result = verify_bundle(bundle, LOG_VKEY)
    assert (result.valid, result.trusted, result.reason) == (True, True, "ok")
    assert result.checkpoint == Checkpoint(ORIGIN, 20, root_hash(20, log[1]))


def test_an_unpinned_bundle_is_flagged(log):
    result = verify_bundle(bundle_of(log))
    assert (result.valid, result.trusted, result.code) == (True, False, "unpinned-key")


def test_a_bundle_signed_by_another_key_fails_when_the_key_is_pinned(log):
    leaves, store, _ = log
    forged_vkey = verifier_key(ORIGIN, OTHER_KEY.public_key())
    forged_note = sign_checkpoint(Checkpoint(ORIGIN, 20, root_hash(20, store)), ORIGIN, OTHER_KEY)
    forged = make_bundle(leaves[3], 3, forged_note, forged_vkey, store)
    assert verify_bundle(forged, LOG_VKEY).code == "no-trusted-signature"
    unpinned = verify_bundle(forged)
    assert unpinned.valid and not unpinned.trusted  # self-consistent, which is why the key must be pinned
    swapped = {**bundle_of(log), "vkey": forged_vkey}
    assert verify_bundle(swapped, LOG_VKEY).valid  # the bundle's own vkey is ignored when one is pinned


def _edit_proof(bundle: dict) -> dict:
    proof = [base64.b64decode(p) for p in bundle["inclusion_proof"]]
    proof[2] = _flip(proof[2])
    return {**bundle, "inclusion_proof": [b64(p) for p in proof]}


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda b: {**b, "leaf": b64(base64.b64decode(b["leaf"]).replace(b"13.5", b"1.35"))}, "not-included"),
        (_edit_proof, "not-included"),
        (lambda b: {**b, "inclusion_proof": b["inclusion_proof"][:-1]}, "not-included"),
        (lambda b: {**b, "leaf_index": 12}, "not-included"),
        (lambda b: {**b, "leaf_index": 20}, "not-included"),
        (lambda b: {**b, "tree_size": 21}, "size-mismatch"),
        (lambda b: {**b, "origin": "registry.pcf.example.com/log"}, "origin-mismatch"),
        (lambda b: {**b, "checkpoint": b["checkpoint"].replace("\n20\n", "\n21\n"), "tree_size": 21}, "bad-signature"),
        (lambda b: {**b, "format": "pcf-tlog-proof/2"}, "malformed-bundle"),
        (lambda b: {k: v for k, v in b.items() if k != "vkey"}, "malformed-bundle"),
        (lambda b: {**b, "extra": 1}, "malformed-bundle"),
        (lambda b: {**b, "leaf": b["leaf"] + "!"}, "malformed-bundle"),
        (lambda b: {**b, "leaf": 7}, "malformed-bundle"),
        (lambda b: {**b, "inclusion_proof": [*b["inclusion_proof"][:-1], "AAAA"]}, "malformed-bundle"),
        (lambda b: {**b, "inclusion_proof": "not a list"}, "malformed-bundle"),
        (lambda b: {**b, "leaf_index": True}, "malformed-bundle"),
        (lambda b: {**b, "tree_size": "20"}, "malformed-bundle"),
        (lambda b: {**b, "checkpoint": None}, "malformed-bundle"),
        (lambda b: [b], "malformed-bundle"),
    ],
)
def test_tampered_bundles_fail(log, edit, code):
    result = verify_bundle(edit(bundle_of(log)), LOG_VKEY)
    assert (result.valid, result.trusted, result.checkpoint, result.code) == (False, False, None, code), result.reason


def test_make_bundle_refuses_what_would_not_verify(log):
    leaves, store, note = log
    with pytest.raises(LeafNotInLog):
        make_bundle(leaves[4], 5, note, LOG_VKEY, store)
    with pytest.raises(InvalidCheckpoint) as raised:
        make_bundle(leaves[4], 4, note, OTHER_VKEY, store)
    assert raised.value.code == "invalid-checkpoint"
    with pytest.raises(LogRangeError):
        make_bundle(leaves[4], 20, note, LOG_VKEY, store)


BUNDLE_KEYS = ["format", "origin", "leaf_index", "tree_size", "leaf", "inclusion_proof", "checkpoint", "vkey"]
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3),
    max_leaves=5,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([*BUNDLE_KEYS, "other"]), JSONISH), st.booleans())
def test_verify_bundle_never_raises(log, fields, start_from_good):
    bundle = {**bundle_of(log), **fields} if start_from_good else fields
    result = verify_bundle(bundle, LOG_VKEY)
    good = bundle_of(log)
    # with a pinned key, the bundle's own vkey (a string) is only informational: any other change invalidates it
    same = set(bundle) == set(good) and isinstance(bundle.get("vkey"), str) and all(
        bundle[k] == good[k] for k in good if k != "vkey")
    assert result.valid is same
