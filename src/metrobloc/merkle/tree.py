"""RFC 9162 (Certificate Transparency v2) tree hashing and an append-only log of node hashes.

Leaf hash = SHA-256(0x00 || leaf); node hash = SHA-256(0x01 || left || right). The log keeps the
hash of every complete (perfect, aligned) subtree as node ``(level, index)``: the subtree of
``2**level`` leaves starting at leaf ``index * 2**level``. Every proof needs only such nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree: SHA-256 of the empty string."""

Node = tuple[int, int, bytes]
"""A stored node: (level, index, hash)."""


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a list of leaf hashes, by the RFC's recursive definition."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two smaller than n
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The root of a tree given the hashes of its complete subtrees, largest (leftmost) first."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for h in reversed(frontier[:-1]):
        root = node_hash(h, root)
    return root


def append_to_frontier(frontier: list[bytes], size: int, leaf_hashes: Iterable[bytes]) -> tuple[int, list[Node]]:
    """Append leaves to a tree of ``size`` leaves whose frontier is ``frontier`` (updated in place).

    Returns the new size and every node completed on the way, leaves included, for storage.
    """
    completed: list[Node] = []
    for h in leaf_hashes:
        index, level = size, 0
        completed.append((0, index, h))
        while index & 1:
            h = node_hash(frontier.pop(), h)
            index >>= 1
            level += 1
            completed.append((level, index, h))
        frontier.append(h)
        size += 1
    return size, completed


def frontier_of(size: int, node: Callable[[int, int], bytes]) -> list[bytes]:
    """The complete-subtree hashes along the right edge of a tree of ``size`` leaves."""
    frontier: list[bytes] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            frontier.append(node(level, start >> level))
            start += 1 << level
    return frontier


class MemoryLog:
    """An in-memory log of leaves: the test double beside the node's SQLite log."""

    def __init__(self) -> None:
        self.size = 0
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._frontier: list[bytes] = []

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes."""
        self.size, nodes = append_to_frontier(self._frontier, self.size, leaf_hashes)
        for level, index, h in nodes:
            self._nodes[(level, index)] = h

    def node(self, level: int, index: int) -> bytes:
        """The hash of complete subtree ``(level, index)``."""
        return self._nodes[(level, index)]

    def root(self) -> bytes:
        """The current root."""
        return frontier_root(self._frontier)
