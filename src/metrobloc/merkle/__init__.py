"""RFC 9162 Merkle tree hashing, proof building and pure proof verification.

This package is the one copy of proof code: the node builds proofs with it and the SDK and the
``metrobloc verify`` command check them with it.
"""

from metrobloc.merkle.proofs import (
    NodeReader,
    consistency_proof,
    inclusion_proof,
    subtree_hash,
)
from metrobloc.merkle.tree import (
    EMPTY_ROOT,
    MemoryLog,
    leaf_hash,
    node_hash,
    root_of,
)
from metrobloc.merkle.verify import (
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "MemoryLog",
    "NodeReader",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion",
    "root_of",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]
