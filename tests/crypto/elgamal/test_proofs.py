"""Schnorr, Chaum-Pedersen, one-of and range proofs: honest proofs verify, altered ones do not."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.crypto.elgamal import (
    OneOfProof,
    Scalar,
    base_mul,
    encrypt,
    prove_chaum_pedersen,
    prove_one_of,
    prove_range,
    prove_schnorr,
    verify_chaum_pedersen,
    verify_one_of,
    verify_range,
    verify_schnorr,
)

SECRET = Scalar.random()
KEY = base_mul(SECRET)
CTX = b'{"chain_id":"c","election":"e","voter":"v"}'
OTHER = b'{"chain_id":"c","election":"e","voter":"w"}'


def bump(s: Scalar) -> Scalar:
    return s + Scalar(1)


def test_schnorr_proves_knowledge_and_is_bound_to_its_context() -> None:
    x = Scalar.random()
    proof = prove_schnorr(x, CTX)
    assert verify_schnorr(base_mul(x), proof, CTX)
    assert not verify_schnorr(base_mul(x), proof, OTHER)
    assert not verify_schnorr(base_mul(bump(x)), proof, CTX)
    assert not verify_schnorr(base_mul(x), replace(proof, response=bump(proof.response)), CTX)


def test_chaum_pedersen_proves_equal_logs_only() -> None:
    x, h = Scalar.random(), base_mul(Scalar.random())
    proof = prove_chaum_pedersen(x, h, CTX)
    assert verify_chaum_pedersen(base_mul(x), h, h * x, proof, CTX)
    assert not verify_chaum_pedersen(base_mul(x), h, h * bump(x), proof, CTX)
    assert not verify_chaum_pedersen(base_mul(x), h, h * x, proof, OTHER)
    assert not verify_chaum_pedersen(base_mul(x), h, h * x, replace(proof, challenge=bump(proof.challenge)), CTX)


@pytest.mark.parametrize("m", [0, 1])
def test_zero_one_proof_accepts_0_and_1(m: int) -> None:
    r = Scalar.random()
    ct = encrypt(KEY, m, r)
    proof = prove_one_of(KEY, ct, m, r, (0, 1), CTX, b"q0/o0")
    assert verify_one_of(KEY, ct, (0, 1), proof, CTX, b"q0/o0")
    assert not verify_one_of(KEY, ct, (0, 1), proof, CTX, b"q0/o1"), "bound to its place in the ballot"
    assert not verify_one_of(KEY, ct, (0, 1), proof, OTHER, b"q0/o0"), "bound to the voter"
    assert not verify_one_of(KEY, ct, (0, 1, 2), proof, CTX, b"q0/o0")


@pytest.mark.parametrize("m", [2, 3, 1000])
def test_a_ciphertext_of_more_than_one_has_no_zero_one_proof(m: int) -> None:
    r = Scalar.random()
    ct = encrypt(KEY, m, r)
    for claimed in (0, 1):  # a cheating prover runs the honest algorithm, claiming 0 or 1
        assert not verify_one_of(KEY, ct, (0, 1), prove_one_of(KEY, ct, claimed, r, (0, 1), CTX, b"x"), CTX, b"x")
    honest_other = prove_one_of(KEY, encrypt(KEY, 1, r), 1, r, (0, 1), CTX, b"x")
    assert not verify_one_of(KEY, ct, (0, 1), honest_other, CTX, b"x")


def test_altering_any_challenge_or_response_breaks_a_one_of_proof() -> None:
    r = Scalar.random()
    ct = encrypt(KEY, 2, r)
    proof = prove_one_of(KEY, ct, 2, r, (0, 1, 2, 3), CTX, b"l")
    assert verify_one_of(KEY, ct, (0, 1, 2, 3), proof, CTX, b"l")
    for i in range(4):
        cs, zs = list(proof.challenges), list(proof.responses)
        cs[i] = bump(cs[i])
        assert not verify_one_of(KEY, ct, (0, 1, 2, 3), OneOfProof(tuple(cs), proof.responses), CTX, b"l")
        zs[i] = bump(zs[i])
        assert not verify_one_of(KEY, ct, (0, 1, 2, 3), OneOfProof(proof.challenges, tuple(zs)), CTX, b"l")


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 3000), st.integers(0, 3000))
def test_range_proof_holds_exactly_inside_the_range(a: int, b: int, c: int) -> None:
    lo, m, hi = sorted((a, b, c))
    r = Scalar.random()
    ct = encrypt(KEY, m, r)
    proof = prove_range(KEY, ct, m, r, lo, hi, CTX, b"w")
    assert verify_range(KEY, ct, lo, hi, proof, CTX, b"w")
    assert not verify_range(KEY, ct, lo, hi, proof, OTHER, b"w")
    if m < hi:  # the same proof does not move to a ciphertext of m + 1
        assert not verify_range(KEY, ct + encrypt(KEY, 1, Scalar(0)), lo, hi, proof, CTX, b"w")


@pytest.mark.parametrize(("m", "lo", "hi"), [(801, 200, 800), (199, 200, 800), (1024, 0, 1023), (5, 6, 6)])
def test_a_value_outside_the_range_cannot_be_proved(m: int, lo: int, hi: int) -> None:
    """A cheating prover proves a value inside the range for the real ciphertext's randomness."""
    r = Scalar.random()
    ct = encrypt(KEY, m, r)
    inside = min(max(m, lo), hi)
    forged = prove_range(KEY, encrypt(KEY, inside, r), inside, r, lo, hi, CTX, b"w")
    assert not verify_range(KEY, ct, lo, hi, forged, CTX, b"w")
