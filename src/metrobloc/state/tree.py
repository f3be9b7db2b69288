"""The node's in-memory state tree: the C tree (``metrobloc.state._smt``) when it was built, else the
pure-Python reference tree, both behind one small Protocol (docs/spec/state-proofs.md §6)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from metrobloc.merkle.smt import SparseMerkleTree, StateProof

if TYPE_CHECKING:
    from metrobloc.state import _smt

__all__ = ["IMPLEMENTATION", "CStateTree", "StateTree", "Writes", "new_state_tree"]

_log = logging.getLogger(__name__)

Writes = Mapping[bytes, bytes | None] | Iterable[tuple[bytes, bytes | None]]
"""Key → value writes, one per key; a value of None deletes the key."""


class StateTree(Protocol):
    """What the node needs of its state tree."""

    def update(self, writes: Writes) -> bytes:
        """Apply the writes in one descent and return the new root."""
        ...

    def root(self) -> bytes: ...

    def __len__(self) -> int:
        """Number of keys."""
        ...

    def prove(self, key: bytes) -> StateProof:
        """The proof for ``key``: membership or absence."""
        ...

    def get_hash(self, key: bytes) -> bytes | None:
        """The value hash stored for ``key``, or None."""
        ...


class CStateTree:
    """The C tree, with its proofs as ``StateProof`` records; every other call goes straight to C."""

    __slots__ = ("tree",)

    def __init__(self, tree: _smt.Tree) -> None:
        self.tree = tree

    def update(self, writes: Writes) -> bytes:
        return self.tree.update(writes)

    def root(self) -> bytes:
        return self.tree.root()

    def __len__(self) -> int:
        return len(self.tree)

    def prove(self, key: bytes) -> StateProof:
        leaf, siblings = self.tree.prove(key)
        return StateProof(leaf, siblings)

    def get_hash(self, key: bytes) -> bytes | None:
        return self.tree.get_hash(key)

    def memory(self) -> int:
        """Bytes held by the tree's nodes."""
        return self.tree.memory()


def _c_tree() -> _smt.Tree | None:
    """A new C tree, or None when the extension was not built (no compiler or libcrypto headers)."""
    try:
        from metrobloc.state._smt import Tree
    except ImportError:
        return None
    return Tree()


def new_state_tree() -> StateTree:
    """An empty state tree: the C one when it is there, else the pure-Python one with a warning."""
    tree = _c_tree()
    if tree is None:
        _log.warning("the C state tree (metrobloc.state._smt) is absent: pure-Python state tree, updates ~10x slower")
        return SparseMerkleTree()
    return CStateTree(tree)


IMPLEMENTATION: str = "python" if _c_tree() is None else "c"
"""Which tree ``new_state_tree`` gives: "c" or "python" (for reports)."""
