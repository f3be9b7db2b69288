"""The state tree (metrobloc.merkle.smt) against the textbook recursion and verifier of tests/smt_reference.py."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests import smt_reference as reference

from metrobloc.merkle.smt import (
    EMPTY,
    BadStateProof,
    SparseMerkleTree,
    parse_state_proof,
    state_root_of,
    verify_state_proof,
)

KEYS = [b"assets/bal/CITY/mb1%03d" % i for i in range(48)]
"""A small key space, so random states share long prefixes and absent keys land beside members."""

keys = st.sampled_from(KEYS)
values = st.binary(max_size=6)
writes = st.dictionaries(keys, st.none() | values, max_size=12)
"""One batch: key -> value, None deletes (deleting an absent key is allowed)."""
states = st.dictionaries(keys, values, max_size=24)

State = dict[bytes, bytes]


def apply(model: State, batch: dict[bytes, bytes | None]) -> None:
    for key, value in batch.items():
        if value is None:
            model.pop(key, None)
        else:
            model[key] = value


def holds(root: bytes, key: bytes, value: bytes | None, proof: dict[str, Any]) -> bool:
    """metrobloc's verdict, checked to agree with the reference's, code for code."""
    try:
        verify_state_proof(root, key, value, parse_state_proof(proof))
        ours = None
    except BadStateProof as refused:
        ours = refused.code
    assert ours == reference.outcome(root, key, value, proof)
    return ours is None


def tree_of(state: State) -> SparseMerkleTree:
    tree = SparseMerkleTree()
    tree.update(state)
    return tree


# -- roots ----------------------------------------------------------------------------------------
def test_small_states_by_hand() -> None:
    assert SparseMerkleTree().root() == EMPTY == reference.root({})
    one = {b"k": b"v"}
    assert tree_of(one).root() == reference.leaf(reference.key_hash(b"k"), reference.value_hash(b"v"))
    assert tree_of(one).prove(b"k").to_json() == {"leaf": reference.prove(one, b"k")["leaf"], "siblings": []}


@settings(max_examples=150, deadline=None)
@given(st.lists(writes, max_size=8))
def test_incremental_batches_equal_the_reference_and_a_bulk_build(batches: list[dict[bytes, bytes | None]]) -> None:
    tree = SparseMerkleTree()
    model: State = {}
    for batch in batches:
        root = tree.update(batch)
        apply(model, batch)
        assert root == tree.root() == reference.root(model)
        assert len(tree) == len(model)
    assert tree.root() == state_root_of(model) == tree_of(model).root()
    for key in KEYS:
        expected = None if key not in model else reference.value_hash(model[key])
        assert tree.get_hash(key) == expected


@settings(max_examples=60, deadline=None)
@given(states, st.randoms(use_true_random=False))
def test_the_order_of_writes_does_not_matter(state: State, rng: Any) -> None:
    items = list(state.items())
    rng.shuffle(items)
    tree = SparseMerkleTree()
    for key, value in items:  # one key at a time, with a detour through a deleted extra key
        tree.update({key: value, b"detour": b"x"})
        tree.update({b"detour": None})
    assert tree.root() == tree_of(state).root() == reference.root(state)


# -- proofs -------------------------------------------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(states)
def test_every_proof_is_the_reference_proof_and_verifies(state: State) -> None:
    tree, root = tree_of(state), reference.root(state)
    for key in KEYS:
        proof = tree.prove(key).to_json()
        assert proof == reference.prove(state, key)
        assert holds(root, key, state.get(key), proof)


@settings(max_examples=80, deadline=None)
@given(states, keys, keys, st.none() | values)
def test_a_proof_holds_only_for_its_own_key_and_value(state: State, proved: bytes, claimed: bytes, value: Any) -> None:
    """Only the proof the tree produces passes: a proof for one key holds for another key and value
    exactly when it is that key's own proof and the value is what the state holds."""
    root = reference.root(state)
    proof = reference.prove(state, proved)
    expected = proof == reference.prove(state, claimed) and value == state.get(claimed)
    assert holds(root, claimed, value, proof) == expected


@settings(max_examples=100, deadline=None)
@given(states, keys, st.data())
def test_any_flipped_byte_fails(state: State, key: bytes, data: st.DataObject) -> None:
    root, proof = reference.root(state), reference.prove(state, key)
    places: list[tuple[str, Any]] = [("siblings", i) for i in range(len(proof["siblings"]))]
    if proof["leaf"] is not None:
        places += [("leaf", "key_hash"), ("leaf", "value_hash")]
    if not places:
        return
    where, at = data.draw(st.sampled_from(places))
    byte = data.draw(st.integers(0, 31))
    mask = data.draw(st.integers(1, 255))
    raw = bytearray(bytes.fromhex(proof[where][at]))
    raw[byte] ^= mask
    proof[where][at] = raw.hex()
    assert not holds(root, key, state.get(key), proof)


@settings(max_examples=80, deadline=None)
@given(states, keys, values)
def test_a_wrong_value_or_root_fails(state: State, key: bytes, wrong: bytes) -> None:
    root, proof = reference.root(state), reference.prove(state, key)
    value = state.get(key)
    if wrong != value:
        assert not holds(root, key, wrong, proof)
    if value is not None:
        assert not holds(root, key, None, proof), "a present key cannot be proven absent"
    other_root = reference.root({**state, b"another key": b"1"})
    assert not holds(other_root, key, value, proof)
    assert not holds(bytes(31) + b"\x01", key, value, proof)


def test_malformed_proofs_are_refused_with_bad_state_proof() -> None:
    state = {key: b"%d" % i for i, key in enumerate(KEYS[:10])}
    root, proof = reference.root(state), reference.prove(state, KEYS[0])
    malformed = [
        {**proof, "siblings": ["00" * 32] * 257},
        {**proof, "siblings": [proof["siblings"][0].upper(), *proof["siblings"][1:]]},
        {**proof, "siblings": [proof["siblings"][0][:-2], *proof["siblings"][1:]]},
        {**proof, "leaf": {"key_hash": proof["leaf"]["key_hash"]}},
        {"leaf": proof["leaf"]},
        {**proof, "extra": 1},
        [proof],
    ]
    for bad in malformed:
        assert reference.outcome(root, KEYS[0], state[KEYS[0]], bad) == "verify.bad_state_proof"
        try:
            parse_state_proof(bad)
        except BadStateProof as refused:
            assert refused.code == "verify.bad_state_proof"
        else:
            raise AssertionError(f"parse_state_proof accepted {bad!r}")
