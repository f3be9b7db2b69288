"""Guardian keys, decryption shares and the result check: any t of n decrypt, t-1 cannot."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.crypto.elgamal.simulate import CHAIN, ELECTION, Ceremony, counts_of, key_ceremony

from metrobloc.crypto.elgamal import (
    ElGamalError,
    KeyCommitment,
    L,
    Polynomial,
    Question,
    Scalar,
    add_ballot,
    ballot_context,
    base_mul,
    commit,
    discrete_log,
    empty_tally,
    encrypt_ballot,
    flatten,
    guardian_context,
    lagrange_coefficient,
    public_share,
    threshold_for,
    verify_ballot,
    verify_commitment,
    verify_decryption_share,
    verify_result,
    verify_share,
)

THREE = key_ceremony(3)


def cast(ceremony: Ceremony, questions: list[Question], votes: list[list[list[int]]]) -> tuple:  # type: ignore[type-arg]
    tally = empty_tally(questions)
    for v, sel in enumerate(votes):
        ctx = ballot_context(CHAIN, ELECTION, f"voter{v}")
        ballot = encrypt_ballot(ceremony.key, questions, sel, ctx)
        verify_ballot(ceremony.key, questions, ballot, ctx)
        tally = add_ballot(tally, ballot)
    return flatten(tally)


def plain_sums(votes: list[list[list[int]]]) -> list[int]:
    flat = [[x for answer in sel for x in answer] for sel in votes]
    return [sum(col) for col in zip(*flat, strict=True)]


def test_threshold_is_a_majority() -> None:
    assert [threshold_for(n) for n in (1, 2, 3, 4, 5, 7)] == [1, 2, 2, 3, 3, 4]


def test_commitments_refuse_bad_proofs_sizes_identity_and_other_guardians() -> None:
    poly = Polynomial.random(2)
    c = commit(poly, guardian_context(CHAIN, ELECTION, 1))
    verify_commitment(c, 2, guardian_context(CHAIN, ELECTION, 1))
    assert KeyCommitment.from_json(c.to_json(), 2) == c
    bad = [
        (c, 3, 1),
        (c, 2, 2),  # replayed as another guardian's
        (replace(c, proofs=c.proofs[::-1]), 2, 1),
        (replace(c, commitments=(c.commitments[0], base_mul(Scalar.random()))), 2, 1),
    ]
    for commitment, t, guardian in bad:
        with pytest.raises(ElGamalError) as info:
            verify_commitment(commitment, t, guardian_context(CHAIN, ELECTION, guardian))
        assert info.value.code == "elgamal.bad_commitment"
    with pytest.raises(ElGamalError):
        KeyCommitment.from_json({"commitments": ["A" * 43, c.to_json()["commitments"][1]], "proofs": []}, 2)


def test_a_share_off_the_dealers_polynomial_is_detected() -> None:
    poly = Polynomial.random(3)
    c = commit(poly, b"ctx")
    assert all(verify_share(poly.evaluate(j), j, c) for j in range(1, 6))
    assert not verify_share(poly.evaluate(2) + Scalar(1), 2, c)
    assert not verify_share(poly.evaluate(2), 3, c)


def test_public_shares_are_the_secret_shares_times_g() -> None:
    commitments = list(THREE.commitments.values())
    for j in (1, 2, 3):
        assert public_share(j, commitments) == base_mul(THREE.shares[j])


def test_lagrange_coefficients_interpolate_the_secret_at_zero() -> None:
    secret = sum((c.commitments[0] for c in THREE.commitments.values()), base_mul(0))
    for subset in combinations((1, 2, 3), 2):
        s = sum((lagrange_coefficient(j, subset) * THREE.shares[j] for j in subset), Scalar(0))
        assert base_mul(s) == secret == THREE.key


@settings(max_examples=6, deadline=None)
@given(st.data())
def test_any_t_of_n_guardians_decrypt_the_plaintext_sums_of_a_random_election(data: st.DataObject) -> None:
    n = data.draw(st.sampled_from([1, 2, 3, 4, 5]))
    ceremony = THREE if n == 3 else key_ceremony(n)
    options = data.draw(st.integers(1, 4))
    top = data.draw(st.integers(0, options))
    questions = [Question(options, 0, top)]
    voters = data.draw(st.integers(0, 5))
    votes = []
    for _ in range(voters):
        chosen = data.draw(st.sets(st.integers(0, options - 1), max_size=top))
        votes.append([[1 if i in chosen else 0 for i in range(options)]])
    cts = cast(ceremony, questions, votes) if votes else flatten(empty_tally(questions))
    expected = plain_sums(votes) if votes else [0] * options
    subset = sorted(data.draw(st.sets(st.integers(1, n), min_size=ceremony.t, max_size=n)))
    shares = ceremony.decrypt(cts, subset)
    for s in shares:
        public = public_share(s.guardian, list(ceremony.commitments.values()))
        verify_decryption_share(s, public, cts, ceremony.gctx(s.guardian))
    counts = counts_of(cts, shares, voters)
    assert counts == expected
    assert verify_result(cts, shares, counts)
    if voters and ceremony.t > 1:  # t - 1 guardians' shares never give the true counts
        assert not verify_result(cts, shares[: ceremony.t - 1], counts)


def test_one_guardian_of_three_offline_still_decrypts_two_offline_cannot() -> None:
    votes = [[[1, 0, 1]], [[0, 1, 1]], [[1, 1, 0]], [[0, 0, 1]]]
    cts = cast(THREE, [Question(3, 0, 2)], votes)
    for pair in ((1, 2), (1, 3), (2, 3)):
        assert counts_of(cts, THREE.decrypt(cts, pair), 4) == [2, 2, 3]
    for alone in (1, 2, 3):
        shares = THREE.decrypt(cts, [alone])
        assert not verify_result(cts, shares, [2, 2, 3])
        with pytest.raises(ElGamalError):
            counts_of(cts, shares, 4)


def test_a_decryption_share_with_a_bad_proof_or_from_another_guardian_is_refused() -> None:
    cts = cast(THREE, [Question(2, 0, 1)], [[[1, 0]], [[0, 1]]])
    commitments = list(THREE.commitments.values())
    share = THREE.decrypt(cts, [2])[0]
    verify_decryption_share(share, public_share(2, commitments), cts, THREE.gctx(2))
    wrong_point = replace(share, points=(share.points[0] + base_mul(1), *share.points[1:]))
    wrong_proof = replace(share, proofs=share.proofs[::-1])
    for bad, public, ctx in (
        (wrong_point, public_share(2, commitments), THREE.gctx(2)),
        (wrong_proof, public_share(2, commitments), THREE.gctx(2)),
        (share, public_share(1, commitments), THREE.gctx(1)),
        (share, public_share(2, commitments), guardian_context(CHAIN, "e2", 2)),
    ):
        with pytest.raises(ElGamalError) as info:
            verify_decryption_share(bad, public, cts, ctx)
        assert info.value.code == "elgamal.bad_share_proof"
    with pytest.raises(ElGamalError):
        verify_decryption_share(replace(share, points=share.points[:1]), public_share(2, commitments), cts, b"")


def test_a_result_that_does_not_match_is_refused() -> None:
    cts = cast(THREE, [Question(3, 0, 3)], [[[1, 1, 1]], [[0, 1, 1]]])
    shares = THREE.decrypt(cts, [1, 3])
    assert verify_result(cts, shares, [1, 2, 2])
    for counts in ([1, 2, 3], [2, 1, 2], [1, 2], [1, 2, 2, 0], [1 + L, 2, 2], [-1, 2, 2]):
        assert not verify_result(cts, shares, counts)
    with pytest.raises(ElGamalError):
        verify_result(cts, shares + shares[:1], [1, 2, 2])


@pytest.mark.parametrize("bound", [0, 1, 10, 99, 10_000])
def test_discrete_log_finds_every_count_up_to_its_bound(bound: int) -> None:
    for m in {0, bound, bound // 2, random.randint(0, bound)}:
        assert discrete_log(base_mul(m), bound) == m
    with pytest.raises(ElGamalError):
        discrete_log(base_mul(bound + 1), bound)
