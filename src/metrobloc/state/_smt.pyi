"""The node's state tree in C (src/metrobloc/state/_smt.c): the same roots and proofs as metrobloc.merkle.smt."""

from collections.abc import Iterable, Mapping
from typing import final

@final
class Tree:
    def __init__(self) -> None: ...
    def update(self, writes: Mapping[bytes, bytes | None] | Iterable[tuple[bytes, bytes | None]], /) -> bytes:
        """Apply key → value writes (None deletes; one write per key) and return the new root."""
    def root(self) -> bytes: ...
    def __len__(self) -> int: ...
    def prove(self, key: bytes, /) -> tuple[tuple[bytes, bytes] | None, tuple[bytes, ...]]:
        """The proof's leaf ((key hash, value hash) or None) and its siblings, the leaf side first."""
    def get_hash(self, key: bytes, /) -> bytes | None: ...
    def memory(self) -> int:
        """Bytes of the slabs that hold the tree's nodes."""
