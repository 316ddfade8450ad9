"""RFC 6962 hashing and proofs against the published vectors and a naive reference.

The vectors are those of the transparency-dev/merkle project (proof/verify_test.go and
testdata/), re-typed here: the 8-leaf reference tree, its roots for sizes 1..8, inclusion
and consistency proofs, and the corruptions that must fail. The naive reference below is a
direct transcription of RFC 6962 §2.1 (MTH, PATH, PROOF) over a list of leaves.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunlit.transparency import merkle
from sunlit.transparency.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryTree,
    ProofError,
    inclusion_proof,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]

# ROOTS[n - 1] is MTH of the first n leaves.
ROOTS = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (leaf index (0-based), tree size, audit path)
INCLUSION = [
    (0, 1, []),
    (0, 8, [
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]),
    (5, 8, [
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
    (2, 3, [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    ]),
    (1, 5, [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ]),
]

# (size1, size2, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]),
    (6, 8, [
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
    (2, 5, [
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ]),
    (6, 7, [
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")
EMPTY_TREE_HASH = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


# --- the naive reference: RFC 6962 §2.1 transcribed -----------------------------------------


def ref_mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(entries[:k]) + ref_mth(entries[k:])).digest()


def ref_path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, entries[:k]), ref_mth(entries[k:])]
    return [*ref_path(m - k, entries[k:]), ref_mth(entries[:k])]


def ref_subproof(m: int, entries: list[bytes], b: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if b else [ref_mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, entries[:k], b), ref_mth(entries[k:])]
    return [*ref_subproof(m - k, entries[k:], False), ref_mth(entries[:k])]


def ref_proof(m: int, entries: list[bytes]) -> list[bytes]:
    return ref_subproof(m, entries, True)


def _tree(entries) -> MemoryTree:
    return MemoryTree(leaf_hash(e) for e in entries)


# --- vectors ------------------------------------------------------------------------------


def test_hashing_prefixes_follow_rfc6962():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert EMPTY_ROOT == EMPTY_TREE_HASH == ref_mth([])


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_reference_tree(size):
    tree = _tree(LEAVES[:size])
    assert tree.root() == ROOTS[size - 1]
    assert ref_mth(LEAVES[:size]) == ROOTS[size - 1]
    # the stored-node route gives the same root for every smaller size too
    full = _tree(LEAVES)
    assert full.root(size) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_vectors_are_generated_and_verify(index, size, path):
    tree = _tree(LEAVES)
    assert tree.inclusion_proof(index, size) == path
    assert ref_path(index, LEAVES[:size]) == path
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), path, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_vectors_are_generated_and_verify(old, new, proof):
    tree = _tree(LEAVES)
    assert tree.consistency_proof(old, new) == proof
    if old < new:
        assert ref_proof(old, LEAVES[:new]) == proof
    verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def _inclusion_corruptions(index, size, path, root, leaf):
    """The probes of transparency-dev/merkle's corruptInclusionProof: all must fail."""
    probes = [
        (index - 1, size, root, leaf, path, "leafIndex - 1"),
        (index + 1, size, root, leaf, path, "leafIndex + 1"),
        (index ^ 2, size, root, leaf, path, "leafIndex ^ 2"),
        (index, size * 2, root, leaf, path, "treeSize * 2"),
        (index, size // 2, root, leaf, path, "treeSize / 2"),
        (index, size, root, b"WrongLeaf", path, "wrong leaf"),
        (index, size, EMPTY_TREE_HASH, leaf, path, "empty root"),
        (index, size, SOME_HASH, leaf, path, "random root"),
        (index, size, root, leaf, [*path, b""], "trailing garbage"),
        (index, size, root, leaf, [*path, root], "trailing root"),
        (index, size, root, leaf, [b"", *path], "preceding garbage"),
        (index, size, root, leaf, [root, *path], "preceding root"),
    ]
    for i in range(len(path)):
        wrong = list(path)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, root, leaf, wrong, f"modified proof[{i}] bit 3"))
    if path:
        probes.append((index, size, root, leaf, path[:-1], "removed component"))
    if len(path) > 1:
        probes.append((index, size, root, leaf, [path[0], SOME_HASH, *path[1:]],
                       "inserted component"))
    return probes


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION[1:])
def test_corrupted_inclusion_proofs_fail(index, size, path):
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size - 1]
    for probe_index, probe_size, probe_root, probe_leaf, probe_path, desc in _inclusion_corruptions(
        index, size, path, root, leaf
    ):
        with pytest.raises(ProofError):
            verify_inclusion(probe_index, probe_size, probe_leaf, probe_path, probe_root)
            pytest.fail(f"verified against: {desc}")


def _consistency_corruptions(old, new, root1, root2, proof):
    probes = [
        (old - 1, new, root1, root2, proof, "size1 - 1"),
        (old + 1, new, root1, root2, proof, "size1 + 1"),
        (old ^ 2, new, root1, root2, proof, "size1 ^ 2"),
        (old, new * 2, root1, root2, proof, "size2 * 2"),
        (old, new // 2, root1, root2, proof, "size2 / 2"),
        (old, new, b"WrongRoot", root2, proof, "wrong root1"),
        (old, new, root1, b"WrongRoot", proof, "wrong root2"),
        (old, new, root2, root1, proof, "swapped roots"),
        (old, new, root1, root2, [], "empty proof"),
        (old, new, root1, root2, [*proof, b""], "trailing garbage"),
        (old, new, root1, root2, [*proof, root1], "trailing root1"),
        (old, new, root1, root2, [*proof, root2], "trailing root2"),
        (old, new, root1, root2, [b"", *proof], "preceding garbage"),
        (old, new, root1, root2, [root1, *proof], "preceding root1"),
        (old, new, root1, root2, [root2, *proof], "preceding root2"),
        (old, new, root1, root2, [proof[0], *proof], "preceding proof[0]"),
        (old, new, root1, root2, proof[:-1], "truncated proof"),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((old, new, root1, root2, wrong, f"modified proof[{i}] bit 4"))
    return probes


@pytest.mark.parametrize(("old", "new", "proof"), [c for c in CONSISTENCY if c[2]])
def test_corrupted_consistency_proofs_fail(old, new, proof):
    for p_old, p_new, r1, r2, p_proof, desc in _consistency_corruptions(
        old, new, ROOTS[old - 1], ROOTS[new - 1], proof
    ):
        with pytest.raises(ProofError):
            verify_consistency(p_old, p_new, r1, r2, p_proof)
            pytest.fail(f"verified against: {desc}")


def test_single_entry_inclusion():
    leaf = leaf_hash(b"data")
    verify_inclusion(0, 1, leaf, [], leaf)
    for bad_leaf, bad_root in ((leaf, b""), (b"", leaf), (b"", b"")):
        with pytest.raises(ProofError):
            verify_inclusion(0, 1, bad_leaf, [], bad_root)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1)])
def test_inclusion_outside_the_tree_fails(index, size):
    with pytest.raises(ProofError):
        verify_inclusion(index, size, SOME_HASH, [], EMPTY_TREE_HASH)


@pytest.mark.parametrize(("old", "new", "root1", "root2", "proof", "ok"), [
    (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
    (0, 5, EMPTY_ROOT, ROOTS[4], [], True),
    (0, 5, SOME_HASH, ROOTS[4], [], False),       # the empty tree has one root only
    (0, 5, EMPTY_ROOT, ROOTS[4], [SOME_HASH], False),
    (1, 1, ROOTS[0], ROOTS[0], [], True),
    (1, 1, ROOTS[0], ROOTS[1], [], False),
    (1, 1, ROOTS[0], ROOTS[0], [EMPTY_ROOT], False),
    (1, 0, ROOTS[0], EMPTY_ROOT, [], False),      # time travel
    (2, 1, ROOTS[1], ROOTS[0], [], False),
    (1, 2, ROOTS[0], ROOTS[1], [], False),        # empty proof
])
def test_consistency_edge_cases(old, new, root1, root2, proof, ok):
    if ok:
        verify_consistency(old, new, root1, root2, proof)
    else:
        with pytest.raises(ProofError):
            verify_consistency(old, new, root1, root2, proof)


def test_frontier_serialises_and_matches_the_tree():
    tree = _tree(LEAVES[:7])
    frontier = Frontier.from_bytes(7, tree.frontier.to_bytes())
    assert frontier.root() == ROOTS[6]
    assert Frontier.from_reader(7, tree.read).hashes == frontier.hashes
    done = frontier.append(leaf_hash(LEAVES[7]))
    assert [(lvl, idx) for lvl, idx, _ in done] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert done[-1][2] == ROOTS[7] == frontier.root()
    with pytest.raises(ValueError):
        Frontier.from_bytes(7, b"\x00" * 32)


def test_subtree_hash_of_complete_subtrees():
    hashes = [leaf_hash(e) for e in LEAVES]
    assert merkle.subtree_hash(hashes) == ROOTS[7]
    assert merkle.subtree_hash(hashes[4:8]) == node_hash(node_hash(hashes[4], hashes[5]),
                                                         node_hash(hashes[6], hashes[7]))
    with pytest.raises(ValueError):
        merkle.subtree_hash(hashes[:3])


def test_missing_nodes_are_reported():
    tree = _tree(LEAVES[:4])
    with pytest.raises(merkle.MissingNodeError):
        inclusion_proof(1, 8, tree.read)


# --- properties -----------------------------------------------------------------------------

entries_st = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


def _flip(value: bytes, bit: int) -> bytes:
    byte, shift = divmod(bit % (len(value) * 8), 8)
    return value[:byte] + bytes([value[byte] ^ (1 << shift)]) + value[byte + 1:]


@settings(max_examples=150, deadline=None)
@given(entries=entries_st, data=st.data())
def test_inclusion_proofs_verify_and_any_flipped_bit_fails(entries, data):
    tree = _tree(entries)
    size = data.draw(st.integers(1, len(entries)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    root = ref_mth(entries[:size])
    assert tree.root(size) == root
    proof = tree.inclusion_proof(index, size)
    assert proof == ref_path(index, entries[:size])
    leaf = leaf_hash(entries[index])
    verify_inclusion(index, size, leaf, proof, root)

    bit = data.draw(st.integers(0, 255), label="bit")
    with pytest.raises(ProofError):
        verify_inclusion(index, size, _flip(leaf, bit), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf, proof, _flip(root, bit))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1), label="which")
        bad = list(proof)
        bad[which] = _flip(bad[which], bit)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, bad, root)
    # a changed entry is a different leaf
    changed = entries[index] + b"!"
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf_hash(changed), proof, root)


@settings(max_examples=150, deadline=None)
@given(entries=entries_st, data=st.data())
def test_consistency_proofs_verify_and_any_flipped_bit_fails(entries, data):
    tree = _tree(entries)
    new = data.draw(st.integers(1, len(entries)), label="new")
    old = data.draw(st.integers(1, new), label="old")
    root1, root2 = ref_mth(entries[:old]), ref_mth(entries[:new])
    proof = tree.consistency_proof(old, new)
    assert proof == (ref_proof(old, entries[:new]) if old < new else [])
    verify_consistency(old, new, root1, root2, proof)

    bit = data.draw(st.integers(0, 255), label="bit")
    if old < new:
        with pytest.raises(ProofError):
            verify_consistency(old, new, _flip(root1, bit), root2, proof)
        with pytest.raises(ProofError):
            verify_consistency(old, new, root1, _flip(root2, bit), proof)
        which = data.draw(st.integers(0, len(proof) - 1), label="which")
        bad = list(proof)
        bad[which] = _flip(bad[which], bit)
        with pytest.raises(ProofError):
            verify_consistency(old, new, root1, root2, bad)
    else:
        with pytest.raises(ProofError):
            verify_consistency(old, new, root1, _flip(root2, bit), proof)


@settings(max_examples=60, deadline=None)
@given(entries=entries_st)
def test_every_stored_node_is_the_mth_of_its_range(entries):
    tree = _tree(entries)
    assert tree.root() == ref_mth(entries)
    for (level, index), value in tree.nodes.items():
        assert value == ref_mth(entries[index << level:(index + 1) << level])
    assert len(tree.nodes) == sum(len(entries) >> lvl for lvl in range(len(entries).bit_length()))
