"""The prover: building RFC 9162 inclusion and consistency proofs from stored complete-subtree hashes."""

from __future__ import annotations

from typing import Protocol

from metrobloc.merkle.tree import EMPTY_ROOT, node_hash


class NodeReader(Protocol):
    """Anything that returns the hash of complete subtree ``(level, index)``."""

    def node(self, level: int, index: int) -> bytes: ...


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(log: NodeReader, start: int, end: int) -> bytes:
    """MTH of leaves ``[start, end)``; ``start`` is aligned as the RFC's recursion leaves it."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return log.node(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(subtree_hash(log, start, start + k), subtree_hash(log, start + k, end))


def inclusion_proof(log: NodeReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, leaf-side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            path.append(subtree_hash(log, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(log, start, start + k))
            start, m = start + k, m - k
    path.reverse()
    return path


def consistency_proof(log: NodeReader, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 section 2.1.4.1; empty when first is 0 or second."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(subtree_hash(log, start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(log, start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(subtree_hash(log, start, end))
    proof.reverse()
    return proof
