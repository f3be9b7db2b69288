"""The state tree: a binary sparse Merkle tree with path compression (docs/spec/state-proofs.md).

leaf = SHA-256(0x02 || key hash || value hash), node = SHA-256(0x03 || left || right), empty = 32
zero bytes, and a subtree holding one leaf is that leaf's hash (it floats up to its shortest
unique prefix). This module is the reference tree (the node's C tree, ``metrobloc.state._smt``, must
give the same roots) and the one verifier of state proofs: pure Python, no SQLite, no extension.

Nodes are immutable: an update builds new nodes along the changed paths and shares the rest, so a
root taken before an update keeps describing the state it was taken at.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LEAF_TAG = b"\x02"
NODE_TAG = b"\x03"
EMPTY = bytes(32)
"""The hash of an empty subtree, and the root of the empty state."""
MAX_DEPTH = 256
_TOP = 255  # bit d of a key hash, read as a big-endian integer, is (x >> (255 - d)) & 1


def key_hash(key: bytes) -> bytes:
    """SHA-256(key): the key's path in the tree."""
    return hashlib.sha256(key).digest()


def value_hash(value: bytes) -> bytes:
    """SHA-256(value)."""
    return hashlib.sha256(value).digest()


def smt_leaf(kh: bytes, vh: bytes) -> bytes:
    """SHA-256(0x02 || key hash || value hash)."""
    return hashlib.sha256(LEAF_TAG + kh + vh).digest()


def smt_node(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x03 || left || right)."""
    return hashlib.sha256(NODE_TAG + left + right).digest()


def bit(kh: bytes, depth: int) -> int:
    """Bit ``depth`` of a key hash: 0 is the most significant bit of the first byte."""
    return kh[depth >> 3] >> (7 - (depth & 7)) & 1


@dataclass(frozen=True)
class StateProof:
    """The path towards a key hash, stopped where its subtree holds at most one leaf."""

    leaf: tuple[bytes, bytes] | None
    """(key hash, value hash) of the lone leaf where the path stops, or None (an empty subtree)."""
    siblings: tuple[bytes, ...]
    """The other children's hashes along the path, the leaf side first."""

    def to_json(self) -> dict[str, Any]:
        leaf = None if self.leaf is None else {"key_hash": self.leaf[0].hex(), "value_hash": self.leaf[1].hex()}
        return {"leaf": leaf, "siblings": [s.hex() for s in self.siblings]}


class _Leaf:
    __slots__ = ("hash", "kh", "vh")

    def __init__(self, kh: bytes, vh: bytes) -> None:
        self.kh: bytes = kh
        self.vh: bytes = vh
        self.hash: bytes = smt_leaf(kh, vh)


class _Node:
    __slots__ = ("hash", "left", "right")

    def __init__(self, left: _Tree, right: _Tree) -> None:
        self.left: _Tree = left
        self.right: _Tree = right
        self.hash: bytes = smt_node(EMPTY if left is None else left.hash, EMPTY if right is None else right.hash)


_Tree = _Leaf | _Node | None
_Items = tuple[list[int], list[bytes | None]]
"""Sorted key hashes as integers, and beside each its value hash (None deletes)."""


def _join(left: _Tree, right: _Tree) -> _Tree:
    """The subtree over two children, with a lone leaf floating up."""
    if left is None and (right is None or isinstance(right, _Leaf)):
        return right
    if right is None and isinstance(left, _Leaf):
        return left
    return _Node(left, right)


def _split(items: _Items, lo: int, hi: int, depth: int) -> int:
    """The first index in ``[lo, hi)`` whose key has bit ``depth`` set (the keys share bits above)."""
    ints = items[0]
    shift = _TOP - depth
    boundary = (ints[lo] >> (shift + 1) << (shift + 1)) | (1 << shift)
    return bisect_left(ints, boundary, lo, hi)


def _build(items: _Items, lo: int, hi: int, depth: int) -> _Tree:
    """The subtree over live items ``[lo, hi)`` (no deletions among them)."""
    if lo == hi:
        return None
    if hi - lo == 1:
        value = items[1][lo]
        assert value is not None
        return _Leaf(items[0][lo].to_bytes(32, "big"), value)
    mid = _split(items, lo, hi, depth)
    return _join(_build(items, lo, mid, depth + 1), _build(items, mid, hi, depth + 1))


def _update(tree: _Tree, items: _Items, lo: int, hi: int, depth: int) -> tuple[_Tree, int]:
    """The subtree after writes ``[lo, hi)``, and the change in its number of keys."""
    if lo == hi:
        return tree, 0
    if isinstance(tree, _Node):
        mid = _split(items, lo, hi, depth)
        left, grown_left = _update(tree.left, items, lo, mid, depth + 1)
        right, grown_right = _update(tree.right, items, mid, hi, depth + 1)
        return _join(left, right), grown_left + grown_right
    ints, values = items[0][lo:hi], items[1][lo:hi]
    if isinstance(tree, _Leaf):
        existing = int.from_bytes(tree.kh, "big")
        at = bisect_left(ints, existing)
        if at == len(ints) or ints[at] != existing:  # the lone leaf stays beside the new keys
            ints.insert(at, existing)
            values.insert(at, tree.vh)
    live_ints = [k for k, v in zip(ints, values, strict=True) if v is not None]
    live: _Items = (live_ints, [v for v in values if v is not None])
    return _build(live, 0, len(live_ints), depth), len(live_ints) - (tree is not None)


class SparseMerkleTree:
    """The state tree in memory (the reference, and the node's fallback without the C tree)."""

    def __init__(self) -> None:
        self._root: _Tree = None
        self._size = 0

    def __len__(self) -> int:
        """Number of keys."""
        return self._size

    def root(self) -> bytes:
        return EMPTY if self._root is None else self._root.hash

    def update(self, writes: Mapping[bytes, bytes | None] | Iterable[tuple[bytes, bytes | None]]) -> bytes:
        """Apply key → value writes (None deletes; one write per key) and return the new root."""
        pairs = writes.items() if isinstance(writes, Mapping) else writes
        hashed = sorted(
            (int.from_bytes(key_hash(k), "big"), None if v is None else value_hash(v)) for k, v in pairs
        )
        ints = [k for k, _ in hashed]
        if any(a == b for a, b in zip(ints, ints[1:], strict=False)):
            raise ValueError("one write per key")
        self._root, grown = _update(self._root, (ints, [v for _, v in hashed]), 0, len(ints), 0)
        self._size += grown
        return self.root()

    def _find(self, kh: bytes) -> bytes | None:
        proof = self.prove_hash(kh)
        return proof.leaf[1] if proof.leaf is not None and proof.leaf[0] == kh else None

    def get_hash(self, key: bytes) -> bytes | None:
        """The value hash stored for ``key``, or None."""
        return self._find(key_hash(key))

    def prove(self, key: bytes) -> StateProof:
        """The proof for ``key`` (membership or absence)."""
        return self.prove_hash(key_hash(key))

    def prove_hash(self, kh: bytes) -> StateProof:
        siblings: list[bytes] = []
        tree, depth = self._root, 0
        while isinstance(tree, _Node):
            if bit(kh, depth):
                siblings.append(EMPTY if tree.left is None else tree.left.hash)
                tree = tree.right
            else:
                siblings.append(EMPTY if tree.right is None else tree.right.hash)
                tree = tree.left
            depth += 1
        siblings.reverse()
        leaf = None if tree is None else (tree.kh, tree.vh)
        return StateProof(leaf, tuple(siblings))


def state_root_of(items: Mapping[bytes, bytes]) -> bytes:
    """The root of a whole state, built at once."""
    return SparseMerkleTree().update(items.items())


class BadStateProof(ValueError):
    """A state proof that does not hold; ``code`` says which check failed."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_state_proof(obj: Any) -> StateProof:
    """A proof's wire form (``{"leaf", "siblings"}``), checked for shape; raises ``BadStateProof``."""
    if not isinstance(obj, dict) or set(obj) != {"leaf", "siblings"}:
        raise BadStateProof("a state proof has exactly the members leaf and siblings", "verify.bad_state_proof")
    siblings = obj["siblings"]
    if not isinstance(siblings, list) or len(siblings) > MAX_DEPTH:
        raise BadStateProof(f"siblings is a list of at most {MAX_DEPTH} hashes", "verify.bad_state_proof")
    leaf = obj["leaf"]
    if leaf is not None and (not isinstance(leaf, dict) or set(leaf) != {"key_hash", "value_hash"}):
        raise BadStateProof("leaf is null or {key_hash, value_hash}", "verify.bad_state_proof")
    parsed_leaf = None if leaf is None else (_hash32(leaf["key_hash"]), _hash32(leaf["value_hash"]))
    return StateProof(parsed_leaf, tuple(_hash32(s) for s in siblings))


def _hash32(text: Any) -> bytes:
    if not isinstance(text, str) or len(text) != 64 or text != text.lower():
        raise BadStateProof("hashes are 64 lower-case hex digits", "verify.bad_state_proof")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise BadStateProof("hashes are 64 lower-case hex digits", "verify.bad_state_proof") from None


def verify_state_proof(root: bytes, key: bytes, value: bytes | None, proof: StateProof) -> None:
    """Check that ``key`` holds ``value`` (None: holds nothing) in the state whose root is ``root``.

    Raises ``BadStateProof`` naming the failed step of docs/spec/state-proofs.md §3.
    """
    kh = key_hash(key)
    n = len(proof.siblings)
    if n > MAX_DEPTH or any(len(s) != 32 for s in proof.siblings):
        raise BadStateProof("malformed siblings", "verify.bad_state_proof")
    if proof.leaf is None:
        if value is not None:
            raise BadStateProof("the proof shows the key absent, a value was claimed", "verify.state_value_mismatch")
        acc = EMPTY
    else:
        leaf_kh, leaf_vh = proof.leaf
        if len(leaf_kh) != 32 or len(leaf_vh) != 32:
            raise BadStateProof("malformed leaf", "verify.bad_state_proof")
        if leaf_kh == kh:
            if value is None or value_hash(value) != leaf_vh:
                raise BadStateProof("the proof shows the key holding another value", "verify.state_value_mismatch")
        elif value is not None:
            raise BadStateProof("the proof shows the key absent, a value was claimed", "verify.state_value_mismatch")
        elif any(bit(leaf_kh, d) != bit(kh, d) for d in range(n)):
            raise BadStateProof("the proof's leaf is not on the key's path", "verify.bad_state_proof")
        acc = smt_leaf(leaf_kh, leaf_vh)
    for i, sibling in enumerate(proof.siblings):
        acc = smt_node(sibling, acc) if bit(kh, n - 1 - i) else smt_node(acc, sibling)
    if acc != root:
        raise BadStateProof("the proof does not lead to the state root", "verify.state_root_mismatch")

