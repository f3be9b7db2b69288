"""RFC 9162 trees, inclusion and consistency proofs against the textbook recursion of section 2.1."""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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

# -- the reference: RFC 9162 section 2.1, over leaf hashes, by the book -------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(hashes: tuple[bytes, ...]) -> bytes:
    if not hashes:
        return sha(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = _k(len(hashes))
    return sha(b"\x01" + mth(hashes[:k]) + mth(hashes[k:]))


def path(m: int, hashes: tuple[bytes, ...]) -> list[bytes]:
    if len(hashes) == 1:
        return []
    k = _k(len(hashes))
    if m < k:
        return path(m, hashes[:k]) + [mth(hashes[k:])]
    return path(m - k, hashes[k:]) + [mth(hashes[:k])]


def proof(m: int, hashes: tuple[bytes, ...], b: bool = True) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if b else [mth(hashes)]
    k = _k(n)
    if m <= k:
        return proof(m, hashes[:k], b) + [mth(hashes[k:])]
    return proof(m - k, hashes[k:], False) + [mth(hashes[:k])]


def path_shape(m: int, n: int) -> tuple[str, ...]:
    """Which side each path entry joins on: all an inclusion verifier learns from (index, size)."""
    if n == 1:
        return ()
    k = _k(n)
    return path_shape(m, k) + ("R",) if m < k else path_shape(m - k, n - k) + ("L",)


def proof_shape(m: int, n: int, b: bool = True) -> tuple[str, ...]:
    """The same for a consistency proof from size m to size n."""
    if m == n:
        return () if b else ("node",)
    k = _k(n)
    return proof_shape(m, k, b) + ("R",) if m <= k else proof_shape(m - k, n - k, False) + ("L",)


# -- fixtures -----------------------------------------------------------------------------------
MAX_LEAVES = 300


@cache
def leaves() -> tuple[bytes, ...]:
    return tuple(leaf_hash(b"leaf %d" % i) for i in range(MAX_LEAVES))


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
CT_ROOTS = [  # RFC 6962 tree heads of the Certificate Transparency test leaves
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]


def test_published_tree_heads() -> None:
    hashes = [leaf_hash(bytes.fromhex(leaf)) for leaf in CT_LEAVES]
    log = MemoryLog()
    assert log.root().hex() == CT_ROOTS[0] == EMPTY_ROOT.hex()
    for n, expected in enumerate(CT_ROOTS[1:], start=1):
        log.append([hashes[n - 1]])
        assert root_of(hashes[:n]).hex() == expected
        assert log.root().hex() == expected


def test_hashes_are_domain_separated() -> None:
    a, b = sha(b"a"), sha(b"b")
    assert leaf_hash(b"x") == sha(b"\x00x")
    assert node_hash(a, b) == sha(b"\x01" + a + b)
    assert leaf_hash(a + b) != node_hash(a, b)


@settings(max_examples=120, deadline=None)
@given(st.integers(0, MAX_LEAVES), st.data())
def test_roots_and_proofs_equal_the_reference(n: int, data: st.DataObject) -> None:
    hashes = leaves()[:n]
    log = MemoryLog()
    log.append(hashes)
    assert log.size == n
    assert log.root() == root_of(hashes) == mth(hashes) == subtree_hash(full_log(), 0, n)
    if n == 0:
        with pytest.raises(ValueError):
            inclusion_proof(log, 0, 0)
        return
    index = data.draw(st.integers(0, n - 1), label="index")
    expected = path(index, hashes)
    assert inclusion_proof(log, index, n) == inclusion_proof(full_log(), index, n) == expected
    assert verify_inclusion(hashes[index], index, n, expected, mth(hashes))
    first = data.draw(st.integers(0, n), label="first")
    ours = consistency_proof(full_log(), first, n)
    assert ours == ([] if first in (0, n) else proof(first, hashes))
    assert verify_consistency(first, n, ours, mth(hashes[:first]), mth(hashes))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, MAX_LEAVES), st.data())
def test_inclusion_fails_when_anything_changes(n: int, data: st.DataObject) -> None:
    hashes = leaves()[:n]
    index = data.draw(st.integers(0, n - 1), label="index")
    p, root = path(index, hashes), mth(hashes)
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
    hashes = leaves()[:n]
    m = data.draw(st.integers(1, n - 1), label="first")
    p = proof(m, hashes)
    old, new = mth(hashes[:m]), mth(hashes)
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
    hashes = leaves()[:5]
    root = mth(hashes)
    assert verify_consistency(5, 5, [], root, root)
    assert not verify_consistency(5, 5, [root], root, root)
    assert not verify_consistency(5, 5, [], EMPTY_ROOT, root)
    assert verify_consistency(0, 5, [], EMPTY_ROOT, root)
    assert not verify_consistency(0, 5, [], root, root)
    assert not verify_consistency(2, 5, [], mth(hashes[:2]), root)
    assert not verify_consistency(-1, 5, [], EMPTY_ROOT, root)
    assert not verify_consistency(2, 5, [b"short"], mth(hashes[:2]), root)
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
        assert log.root() == mth(leaves()[:start])
