"""RFC 9162 Merkle trees: hashing (``tree.py``), proof building (``prover.py``) and pure proof
verification (``verifier.py``).

This package is the one copy of proof code: the node builds proofs with it and the SDK and the
``metrobloc verify`` command check them with it.
"""

from metrobloc.merkle.prover import (
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
from metrobloc.merkle.verifier import (
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
