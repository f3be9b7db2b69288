"""RFC 9162 trees, inclusion and consistency proofs against the textbook recursion of section 2.1."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import merkle_reference as reference

from metrobloc.merkle import (
    EMPTY_ROOT,
    MemoryLog,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    root_of,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

# -- proof shapes, from the reference's recursion -----------------------------------------------


def path_shape(m: int, n: int) -> tuple[str, ...]:
    """Which side each path entry joins on: all an inclusion verifier learns from (index, size)."""
    if n == 1:
        return ()
    k = reference.split(n)
    return path_shape(m, k) + ("R",) if m < k else path_shape(m - k, n - k) + ("L",)


def proof_shape(m: int, n: int, b: bool = True) -> tuple[str, ...]:
    """The same for a consistency proof from size m to size n."""
    if m == n:
        return () if b else ("node",)
    k = reference.split(n)
    return proof_shape(m, k, b) + ("R",) if m <= k else proof_shape(m - k, n - k, False) + ("L",)


# -- fixtures -----------------------------------------------------------------------------------
MAX_LEAVES = 300


@cache
def inputs() -> tuple[bytes, ...]:
    """Leaf inputs: what the reference takes."""
    return tuple(b"leaf %d" % i for i in range(MAX_LEAVES))


@cache
def leaves() -> tuple[bytes, ...]:
    """Their leaf hashes: what a log stores and a proof proves."""
    return tuple(leaf_hash(leaf) for leaf in inputs())


@cache
def full_log() -> MemoryLog:
    log = MemoryLog()
    log.append(leaves())
    return log


def flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at % len(out)] ^= 0x01
    return bytes(out)


# -- tests --------------------------------------------------------------------------------------
def test_published_tree_heads() -> None:
    ct_leaves = [bytes.fromhex(leaf) for leaf in reference.CT_LEAVES]
    hashes = [leaf_hash(leaf) for leaf in ct_leaves]
    log = MemoryLog()
    assert log.root().hex() == reference.CT_ROOTS[0] == EMPTY_ROOT.hex() == reference.mth([]).hex()
    for n, expected in enumerate(reference.CT_ROOTS[1:], start=1):
        log.append([hashes[n - 1]])
        assert reference.mth(ct_leaves[:n]).hex() == expected
        assert root_of(hashes[:n]).hex() == expected
        assert log.root().hex() == expected


def test_hashes_are_domain_separated() -> None:
    a, b = reference.sha256(b"a"), reference.sha256(b"b")
    assert leaf_hash(b"x") == reference.sha256(b"\x00x")
    assert node_hash(a, b) == reference.sha256(b"\x01" + a + b)
    assert leaf_hash(a + b) != node_hash(a, b)


@settings(max_examples=120, deadline=None)
@given(st.integers(0, MAX_LEAVES), st.data())
def test_roots_and_proofs_equal_the_reference(n: int, data: st.DataObject) -> None:
    hashes, leaf_inputs = leaves()[:n], inputs()[:n]
    log = MemoryLog()
    log.append(hashes)
    assert log.size == n
    assert log.root() == root_of(hashes) == reference.mth(leaf_inputs) == subtree_hash(full_log(), 0, n)
    if n == 0:
        with pytest.raises(ValueError):
            inclusion_proof(log, 0, 0)
        return
    index = data.draw(st.integers(0, n - 1), label="index")
    expected = reference.inclusion_path(index, leaf_inputs)
    assert inclusion_proof(log, index, n) == inclusion_proof(full_log(), index, n) == expected
    assert verify_inclusion(hashes[index], index, n, expected, reference.mth(leaf_inputs))
    first = data.draw(st.integers(0, n), label="first")
    ours = consistency_proof(full_log(), first, n)
    assert ours == reference.consistency_proof(first, leaf_inputs)
    assert verify_consistency(first, n, ours, reference.mth(leaf_inputs[:first]), reference.mth(leaf_inputs))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, MAX_LEAVES), st.data())
def test_inclusion_fails_when_anything_changes(n: int, data: st.DataObject) -> None:
    hashes = leaves()[:n]
    index = data.draw(st.integers(0, n - 1), label="index")
    p, root = reference.inclusion_path(index, inputs()[:n]), reference.mth(inputs()[:n])
    leaf = hashes[index]
    at = data.draw(st.integers(0, 32 * max(1, len(p)) - 1), label="byte")
    if p:
        bad = list(p)
        bad[at // 32] = flip(bad[at // 32], at)
        assert not verify_inclusion(leaf, index, n, bad, root)
        assert not verify_inclusion(leaf, index, n, p[:-1], root)
        assert not verify_inclusion(leaf, index, n, [*p[1:], p[0]], root) or len(set(p)) == 1
    assert not verify_inclusion(leaf, index, n, [*p, p[-1] if p else root], root)
    assert not verify_inclusion(leaf, index, n, p, flip(root, at))
    assert not verify_inclusion(flip(leaf, at), index, n, p, root)
    for other in (index - 1, index + 1, n, -1):
        assert not verify_inclusion(leaf, other, n, p, root)
    # The size is bound to the root by the signed header, not by the path: a verifier that takes
    # a size from anywhere else would accept every size whose tree puts the leaf in the same shape.
    for size in (n - 1, n + 1, 2 * n):
        if index < size:
            same_shape = path_shape(index, size) == path_shape(index, n)
            assert verify_inclusion(leaf, index, size, p, root) == same_shape
    assert root_from_inclusion(leaf, index, n, [b"\x00" * 31] * len(p)) is None or not p


@settings(max_examples=150, deadline=None)
@given(st.integers(2, MAX_LEAVES), st.data())
def test_consistency_fails_when_anything_changes(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(1, n - 1), label="first")
    p = reference.consistency_proof(m, inputs()[:n])
    old, new = reference.mth(inputs()[:m]), reference.mth(inputs()[:n])
    assert verify_consistency(m, n, p, old, new)
    at = data.draw(st.integers(0, 32 * len(p) - 1), label="byte")
    bad = list(p)
    bad[at // 32] = flip(bad[at // 32], at)
    assert not verify_consistency(m, n, bad, old, new)
    assert not verify_consistency(m, n, p[:-1], old, new)
    assert not verify_consistency(m, n, [*p, p[0]], old, new)
    assert not verify_consistency(m, n, p, flip(old, at), new)
    assert not verify_consistency(m, n, p, old, flip(new, at))
    assert not verify_consistency(m, n, p, new, old)
    assert not verify_consistency(n, m, p, new, old)
    for first in (m - 1, m + 1):
        if 0 < first < n:
            assert not verify_consistency(first, n, p, old, new)
    for second in (n - 1, n + 1):  # as for inclusion: sizes come from signed headers
        if m < second:
            same_shape = proof_shape(m, second) == proof_shape(m, n)
            assert verify_consistency(m, second, p, old, new) == same_shape


def test_consistency_edge_cases() -> None:
    root = reference.mth(inputs()[:5])
    assert verify_consistency(5, 5, [], root, root)
    assert not verify_consistency(5, 5, [root], root, root)
    assert not verify_consistency(5, 5, [], EMPTY_ROOT, root)
    assert verify_consistency(0, 5, [], EMPTY_ROOT, root)
    assert not verify_consistency(0, 5, [], root, root)
    assert not verify_consistency(2, 5, [], reference.mth(inputs()[:2]), root)
    assert not verify_consistency(-1, 5, [], EMPTY_ROOT, root)
    assert not verify_consistency(2, 5, [b"short"], reference.mth(inputs()[:2]), root)
    with pytest.raises(ValueError):
        consistency_proof(full_log(), 6, 5)


def test_inclusion_edge_cases() -> None:
    leaf = leaves()[0]
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(leaf, 1, 1, [], leaf)
    assert root_from_inclusion(leaf, 0, 2, [b"\x00" * 33]) is None
    with pytest.raises(ValueError):
        inclusion_proof(full_log(), 5, 5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=12))
def test_appending_in_batches_equals_appending_at_once(batches: list[int]) -> None:
    log, start = MemoryLog(), 0
    for count in batches:
        count = min(count, MAX_LEAVES - start)
        log.append(leaves()[start : start + count])
        start += count
        assert log.root() == reference.mth(inputs()[:start])
