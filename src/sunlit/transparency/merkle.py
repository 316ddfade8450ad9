"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

Pure Python, no Django: ``sunlit verify`` and any offline checker use this module alone.

Vocabulary (as in RFC 9162 §2.1 and C2SP tlog-tiles):

- a *leaf hash* is ``SHA-256(0x00 || entry)``, an interior *node hash* is
  ``SHA-256(0x01 || left || right)``;
- a *node* ``(level, index)`` is the complete subtree over leaves
  ``[index * 2**level, (index + 1) * 2**level)``; level 0 nodes are leaf hashes. A log stores
  exactly these hashes (every complete subtree), so every proof below needs O(log n) of them;
- a proof is generated from a *reader*: a function that takes a collection of nodes and returns
  ``{node: hash}`` for all of them (one round trip to the storage for a whole proof).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
#: MTH({}) — the root hash of the empty tree (RFC 6962 §2.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]
Reader = Callable[[Collection[Node]], Mapping[Node, bytes]]


class ProofError(ValueError):
    """A proof, a root or a hash does not verify. The message says what failed."""


class MissingNodeError(LookupError):
    """The storage lacks a node that a proof needs (the tree is smaller than asked, or damaged)."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1), where RFC 6962 splits a tree of n."""
    return 1 << ((n - 1).bit_length() - 1)


# --- the nodes a range hash is made of -------------------------------------------------------


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees that make up MTH(D[start:end]), left to right.

    Only defined for the ranges RFC 6962 proofs use: ``start`` is a multiple of the smallest
    power of two not below ``end - start``. Their hash is the right fold of the subtrees'
    hashes (:func:`fold`).
    """
    width = end - start
    if width <= 0 or start < 0 or start % (1 << (width - 1).bit_length()):
        raise ValueError(f"[{start}, {end}) is not a Merkle subtree range")
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def frontier_nodes(size: int) -> list[Node]:
    """The complete subtrees whose fold is the root of a tree of ``size`` leaves."""
    return range_nodes(0, size) if size else []


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of subtree hashes: H(s0, H(s1, ... H(sk-1, sk)))."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def subtree_hash(leaves: Sequence[bytes]) -> bytes:
    """The hash of a complete subtree from its 2**k leaf hashes, in order."""
    level = list(leaves)
    if not level or len(level) & (len(level) - 1):
        raise ValueError("a complete subtree has a power-of-two number of leaves")
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


# --- proof shapes (which ranges a proof is made of), RFC 6962 §2.1.1 and §2.1.2 ----------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PATH(index, D[0:size]), bottom (leaf side) first."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not below size {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PROOF(old, D[0:new]) (SUBPROOF with b = true)."""
    if not 0 <= old <= new:
        raise ValueError(f"sizes {old} and {new} are not 0 <= old <= new")
    if old in (0, new):
        return []
    ranges = []
    lo, hi, m, whole = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                ranges.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    ranges.reverse()
    return ranges


# --- generating proofs from stored nodes ------------------------------------------------------


def range_hashes(ranges: Iterable[tuple[int, int]], read: Reader) -> list[bytes]:
    """MTH of each range, from one read of all the stored nodes they need."""
    ranges = list(ranges)
    parts = [range_nodes(a, b) for a, b in ranges]
    wanted = {node for nodes in parts for node in nodes}
    got = read(wanted) if wanted else {}
    missing = wanted - set(got)
    if missing:
        raise MissingNodeError(f"missing tree nodes {sorted(missing)[:5]}")
    return [fold([got[node] for node in nodes]) for nodes in parts]


def root_hash(size: int, read: Reader) -> bytes:
    """MTH(D[0:size]) from the stored complete subtrees."""
    if size == 0:
        return EMPTY_ROOT
    return range_hashes([(0, size)], read)[0]


def inclusion_proof(index: int, size: int, read: Reader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1)."""
    return range_hashes(inclusion_ranges(index, size), read)


def consistency_proof(old: int, new: int, read: Reader) -> list[bytes]:
    """The consistency proof between tree sizes ``old`` and ``new`` (RFC 9162 §2.1.4.1)."""
    return range_hashes(consistency_ranges(old, new), read)


# --- verifying proofs (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from the leaf hash ``leaf`` at ``index`` of ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, bytes(leaf)
    for i, p in enumerate(proof):
        _check_hash(p, f"proof hash #{i}")
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raises ProofError unless ``proof`` shows leaf hash ``leaf`` at ``index`` under ``root``."""
    _check_hash(root, "root hash")
    if not hmac.compare_digest(root_from_inclusion_proof(index, size, leaf, proof), bytes(root)):
        raise ProofError("the inclusion proof leads to a different root hash")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raises ProofError unless ``proof`` shows the tree ``old_root`` is a prefix of ``new_root``.

    Beyond RFC 9162 (which assumes 0 < old < new): equal sizes need an empty proof and equal
    roots; the empty tree (root SHA-256("")) is a prefix of every tree, with an empty proof.
    """
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof hash #{i}")
    if old < 0 or new < 0:
        raise ProofError("tree sizes cannot be negative")
    if old > new:
        raise ProofError(f"the old size {old} is larger than the new size {new}")
    if old == new:
        if proof:
            raise ProofError("equal sizes need an empty consistency proof")
        if not hmac.compare_digest(bytes(old_root), bytes(new_root)):
            raise ProofError("equal sizes but different root hashes")
        return
    if old == 0:
        if proof:
            raise ProofError("a consistency proof from the empty tree must be empty")
        if not hmac.compare_digest(bytes(old_root), EMPTY_ROOT):
            raise ProofError("the root hash of an empty tree is not SHA-256 of nothing")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = [bytes(p) for p in proof]
    if old & (old - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, bytes(old_root))
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if not hmac.compare_digest(fr, bytes(old_root)):
        raise ProofError("the consistency proof does not lead to the old root hash")
    if not hmac.compare_digest(sr, bytes(new_root)):
        raise ProofError("the consistency proof does not lead to the new root hash")


# --- building trees in memory ----------------------------------------------------------------


class Frontier:
    """The compact range [0, size): hashes of the complete subtrees along the right edge.

    Appending a leaf needs nothing else, and says which new complete subtrees (nodes) it
    closed, so a log stores each node once, when it is complete. The fold of the frontier is
    the root hash.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()):
        if len(hashes) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} hashes")
        self.size = size
        self.hashes = [bytes(h) for h in hashes]

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        data = bytes(data or b"")
        if len(data) != HASH_SIZE * size.bit_count():
            raise ValueError(f"a frontier of size {size} needs {size.bit_count()} hashes")
        return cls(size, [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])

    @classmethod
    def from_reader(cls, size: int, read: Reader) -> Frontier:
        nodes = frontier_nodes(size)
        got = read(nodes) if nodes else {}
        missing = set(nodes) - set(got)
        if missing:
            raise MissingNodeError(f"missing tree nodes {sorted(missing)[:5]}")
        return cls(size, [got[n] for n in nodes])

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Adds a leaf hash; returns the nodes it completed as (level, index, hash), level 0 first."""
        index, level, h = self.size, 0, bytes(leaf)
        done = [(0, index, h)]
        while index & 1:
            h = node_hash(self.hashes.pop(), h)
            level, index = level + 1, index >> 1
            done.append((level, index, h))
        self.hashes.append(h)
        self.size += 1
        return done

    def root(self) -> bytes:
        return fold(self.hashes)


class MemoryTree:
    """A whole tree in memory: every complete subtree hash. For tests, audits and tools."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()):
        self.frontier = Frontier()
        self.nodes: dict[Node, bytes] = {}
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return self.frontier.size

    def append(self, leaf: bytes) -> None:
        for level, index, h in self.frontier.append(leaf):
            self.nodes[(level, index)] = h

    def read(self, nodes: Collection[Node]) -> dict[Node, bytes]:
        return {n: self.nodes[n] for n in nodes if n in self.nodes}

    def root(self, size: int | None = None) -> bytes:
        return self.frontier.root() if size is None else root_hash(size, self.read)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.read)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        return consistency_proof(old, self.size if new is None else new, self.read)
