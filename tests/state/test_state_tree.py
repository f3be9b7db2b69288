"""The C state tree (metrobloc.state._smt) against the pure-Python reference tree (metrobloc.merkle.smt).

Same roots after any batches of inserts, updates and deletes, same proofs (which verify), same sizes;
and ``new_state_tree`` falls back to the reference tree, with a warning, when the extension is absent.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.merkle.smt import (
    EMPTY,
    SparseMerkleTree,
    key_hash,
    smt_leaf,
    state_root_of,
    value_hash,
    verify_state_proof,
)
from metrobloc.state import tree as state_tree
from metrobloc.state._smt import Tree
from metrobloc.state.tree import IMPLEMENTATION, CStateTree, new_state_tree

Batch = dict[bytes, bytes | None]

KEYS = st.integers(0, 40).map(lambda i: b"key/%d" % i)
"""A small key space, so that batches update and delete keys earlier batches wrote."""
VALUES = st.none() | st.binary(max_size=8)
BATCHES = st.lists(st.dictionaries(KEYS, VALUES, max_size=25), max_size=8)


def apply(state: dict[bytes, bytes], batch: Batch) -> None:
    for key, value in batch.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value


def assert_same_proofs(c: Tree, reference: SparseMerkleTree, state: dict[bytes, bytes], keys: list[bytes]) -> None:
    root = c.root()
    for key in keys:
        leaf, siblings = c.prove(key)
        proof = reference.prove(key)
        assert (leaf, siblings) == (proof.leaf, proof.siblings)
        verify_state_proof(root, key, state.get(key), CStateTree(c).prove(key))
        assert c.get_hash(key) == reference.get_hash(key)


def test_the_c_tree_is_built() -> None:
    """A broken build must fail here rather than pass on the fallback."""
    assert IMPLEMENTATION == "c"
    assert isinstance(new_state_tree(), CStateTree)


@given(BATCHES)
def test_same_roots_and_sizes_as_the_reference(batches: list[Batch]) -> None:
    c, reference = Tree(), SparseMerkleTree()
    for batch in batches:
        assert c.update(batch) == reference.update(batch)
        assert c.root() == reference.root()
        assert len(c) == len(reference)


@given(BATCHES)
def test_incremental_updates_equal_a_bulk_build(batches: list[Batch]) -> None:
    c, state = Tree(), dict[bytes, bytes]()
    for batch in batches:
        c.update(batch)
        apply(state, batch)
    bulk = Tree()
    assert bulk.update(list(state.items())) == c.root() == state_root_of(state)
    assert len(bulk) == len(c) == len(state)


@given(BATCHES, st.lists(KEYS, max_size=10))
def test_proofs_equal_the_reference_and_verify(batches: list[Batch], absent_too: list[bytes]) -> None:
    c, reference, state = Tree(), SparseMerkleTree(), dict[bytes, bytes]()
    for batch in batches:
        c.update(batch)
        reference.update(batch)
        apply(state, batch)
    assert_same_proofs(c, reference, state, sorted(state) + absent_too + [b"never written"])


def test_many_random_keys() -> None:
    rng = random.Random(7)
    keys = [rng.randbytes(rng.randrange(1, 20)) for _ in range(4000)]
    c, reference, state = Tree(), SparseMerkleTree(), dict[bytes, bytes]()
    first: Batch = {k: rng.randbytes(6) for k in keys[:3000]}
    for batch in [first] + [{k: rng.choice([None, rng.randbytes(3)]) for k in rng.sample(keys, 500)} for _ in range(6)]:
        assert c.update(batch) == reference.update(batch)
        apply(state, batch)
    assert len(c) == len(state)
    assert_same_proofs(c, reference, state, rng.sample(keys, 400))


def test_empty_tree_single_key_and_empty_batches() -> None:
    c = Tree()
    assert c.root() == EMPTY and len(c) == 0
    assert c.update({}) == EMPTY
    assert c.update({b"absent": None}) == EMPTY
    assert c.prove(b"k") == (None, ())
    assert c.update({b"k": b"v"}) == smt_leaf(key_hash(b"k"), value_hash(b"v"))
    assert c.prove(b"k") == ((key_hash(b"k"), value_hash(b"v")), ())
    assert c.prove(b"other") == ((key_hash(b"k"), value_hash(b"v")), ())
    assert c.update([]) == c.root() and len(c) == 1
    assert c.update({b"k": None}) == EMPTY and len(c) == 0


def test_every_form_of_writes() -> None:
    expected = SparseMerkleTree().update({b"a": b"1", b"b": b"2"})
    assert Tree().update([(b"a", b"1"), (b"b", b"2")]) == expected
    assert Tree().update(((k, v) for k, v in [(b"a", b"1"), (b"b", b"2")])) == expected
    assert Tree().update(types.MappingProxyType({b"a": b"1", b"b": b"2"})) == expected
    assert Tree().update([[bytearray(b"a"), memoryview(b"1")], (b"b", b"2")]) == expected


def test_bad_writes_are_refused_and_leave_the_tree_as_it_was() -> None:
    c = Tree()
    root = c.update({b"a": b"1"})
    with pytest.raises(ValueError, match="one write per key"):
        c.update([(b"b", b"1"), (b"b", None)])
    with pytest.raises(TypeError):
        c.update({"text": b"1"})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        c.update([(b"b", 2)])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        c.update([(b"b", b"1", b"extra")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        c.update(5)  # type: ignore[arg-type]
    assert c.root() == root and len(c) == 1
    with pytest.raises(TypeError):
        Tree(b"x")  # type: ignore[call-arg]


def test_freed_nodes_are_reused() -> None:
    """Writing and deleting the same keys again and again holds no more memory than once."""
    rng = random.Random(3)
    c = Tree()
    c.update({rng.randbytes(8): b"v" for _ in range(20_000)})
    extra = [rng.randbytes(8) for _ in range(2_000)]
    root = c.root()
    c.update(dict.fromkeys(extra, b"x"))
    c.update(dict.fromkeys(extra))
    held = c.memory()
    for _ in range(20):
        c.update(dict.fromkeys(extra, b"y"))
        assert c.update(dict.fromkeys(extra)) == root
    assert c.memory() == held


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_dropped_trees_give_their_memory_back() -> None:
    writes = {b"%d" % i: b"v" for i in range(50_000)}
    Tree().update(writes)
    before = resident_bytes()
    for _ in range(15):
        c = Tree()
        c.update(writes)
        del c
    assert resident_bytes() - before < 8 * 2**20


def test_falls_back_to_the_reference_tree_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "metrobloc.state._smt", None)  # as if the extension was never built
    with caplog.at_level(logging.WARNING, logger=state_tree.__name__):
        fallback = new_state_tree()
    assert isinstance(fallback, SparseMerkleTree)
    assert [r.getMessage() for r in caplog.records] == [
        "the C state tree (metrobloc.state._smt) is absent: pure-Python state tree, updates ~10x slower"
    ]


def test_the_wrapper_gives_state_proofs() -> None:
    wrapped = new_state_tree()
    reference = SparseMerkleTree()
    writes = {b"a": b"1", b"b": b"2", b"c": b"3"}
    assert wrapped.update(writes) == reference.update(writes)
    assert wrapped.prove(b"b") == reference.prove(b"b")
    assert wrapped.prove(b"z") == reference.prove(b"z")
    assert wrapped.get_hash(b"c") == value_hash(b"3") and len(wrapped) == 3


@settings(max_examples=25)
@given(st.lists(st.binary(min_size=1, max_size=3), min_size=2, max_size=200, unique=True))
def test_deleting_everything_gives_the_empty_root(keys: list[bytes]) -> None:
    c = Tree()
    c.update(dict.fromkeys(keys, b"v"))
    for key in keys[:-1]:
        c.update({key: None})
    assert c.root() == smt_leaf(key_hash(keys[-1]), value_hash(b"v"))
    assert c.update({keys[-1]: None}) == EMPTY and len(c) == 0
