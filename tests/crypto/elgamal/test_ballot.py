"""Encrypted ballots: honest ballots verify; each kind of bad ballot is refused with its code."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from metrobloc.codec import b64url_encode
from metrobloc.crypto.elgamal import (
    ElGamalError,
    EncryptedAnswer,
    EncryptedBallot,
    Point,
    Question,
    Scalar,
    add_ballot,
    ballot_context,
    base_mul,
    empty_tally,
    encrypt,
    encrypt_ballot,
    flatten,
    prove_one_of,
    prove_range,
    subtract_ballot,
    sum_ciphertexts,
    tally_from_json,
    tally_to_json,
    verify_ballot,
)

SECRET = Scalar.random()
KEY = base_mul(SECRET)
CTX = ballot_context("metrobloc-test", "e1", "mb1voter")
PLAIN = [Question(5, 0, 3)]
NOT_A_POINT = b64url_encode(bytes.fromhex("ed" + "ff" * 30 + "7f"))
NOT_A_SCALAR = b64url_encode(b"\xff" * 32)
BUDGET = [Question(4, 1, 4, weights=(300, 250, 400, 100), weight_min=200, weight_max=800)]


def decrypt(ct_alpha: Point, ct_beta: Point, bound: int = 100) -> int:
    m = ct_beta - ct_alpha * SECRET
    return next(n for n in range(bound) if base_mul(n) == m)


def code_of(questions: Sequence[Question], ballot: EncryptedBallot, ctx: bytes = CTX) -> str:
    with pytest.raises(ElGamalError) as info:
        verify_ballot(KEY, questions, ballot, ctx)
    return info.value.code


def forged_answer(q: Question, sel: Sequence[int], index: int = 0) -> EncryptedAnswer:
    """A cheating client: encrypts any values and runs the honest provers claiming in-range values."""
    rs = [Scalar.random() for _ in sel]
    cts = tuple(encrypt(KEY, x, r) for x, r in zip(sel, rs, strict=True))
    proofs = tuple(
        prove_one_of(KEY, ct, min(x, 1), r, (0, 1), CTX, f"q{index}/o{j}".encode())
        for j, (ct, x, r) in enumerate(zip(cts, sel, rs, strict=True))
    )
    claimed = min(max(sum(sel), q.min_selections), q.max_selections)
    limit = prove_one_of(
        KEY, sum_ciphertexts(cts), claimed, sum(rs, Scalar(0)), q.limit_values(), CTX, f"q{index}/limit".encode()
    )
    weight = None
    if q.weights is not None:
        total = sum(w * x for w, x in zip(q.weights, sel, strict=True))
        inside = min(max(total, q.weight_min), q.weight_max)
        r_w = sum((r * Scalar.of(w) for r, w in zip(rs, q.weights, strict=True)), Scalar(0))
        weighted = sum_ciphertexts([c.scale(w) for c, w in zip(cts, q.weights, strict=True)])
        honest_ct = weighted - encrypt(KEY, total - inside, Scalar(0)) if total >= inside else weighted
        label = f"q{index}/weight".encode()
        weight = prove_range(KEY, honest_ct, inside, r_w, q.weight_min, q.weight_max, CTX, label, sum(q.weights))
    return EncryptedAnswer(cts, proofs, limit, weight)


@pytest.mark.parametrize("sel", [[0, 0, 0, 0, 0], [1, 0, 0, 0, 0], [1, 1, 0, 0, 1], [0, 1, 1, 1, 0]])
def test_an_honest_ballot_verifies_and_decrypts_to_its_selections(sel: list[int]) -> None:
    ballot = encrypt_ballot(KEY, PLAIN, [sel], CTX)
    verify_ballot(KEY, PLAIN, ballot, CTX)
    assert [decrypt(c.alpha, c.beta) for c in ballot.answers[0].selections] == sel


def test_json_form_round_trips_and_stays_small() -> None:
    ballot = encrypt_ballot(KEY, PLAIN, [[1, 0, 1, 0, 1]], CTX)
    text = json.dumps(ballot.to_json(), separators=(",", ":"))
    assert len(text) < 2100
    again = EncryptedBallot.from_json(json.loads(text), PLAIN)
    assert again == ballot
    verify_ballot(KEY, PLAIN, again, CTX)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b[:0],
        lambda b: [{"s": b[0]["s"][:4], "l": b[0]["l"]}],
        lambda b: [{"s": b[0]["s"], "l": b[0]["l"][:-2]}],
        lambda b: [{"s": b[0]["s"], "l": b[0]["l"], "w": {}}],
        lambda b: [{"s": [r[:5] for r in b[0]["s"]], "l": b[0]["l"]}],
        lambda b: [{"s": [[NOT_A_POINT, *r[1:]] for r in b[0]["s"]], "l": b[0]["l"]}],
        lambda b: [{"s": [[r[0][:-1] + "=", *r[1:]] for r in b[0]["s"]], "l": b[0]["l"]}],
        lambda b: [{"s": b[0]["s"], "l": [NOT_A_SCALAR, *b[0]["l"][1:]]}],
    ],
)
def test_malformed_json_is_refused_on_parsing(mangle: object) -> None:
    value = encrypt_ballot(KEY, PLAIN, [[1, 0, 0, 0, 0]], CTX).to_json()
    with pytest.raises(ElGamalError):
        EncryptedBallot.from_json(mangle(value), PLAIN)  # type: ignore[operator]


def test_an_option_encrypting_2_is_refused() -> None:
    ballot = EncryptedBallot((forged_answer(PLAIN[0], [2, 0, 0, 0, 0]),))
    assert code_of(PLAIN, ballot) == "elgamal.bad_selection_proof"


def test_a_selection_over_the_limit_is_refused() -> None:
    ballot = EncryptedBallot((forged_answer(PLAIN[0], [1, 1, 1, 1, 0]),))
    assert code_of(PLAIN, ballot) == "elgamal.bad_limit_proof"
    under = [Question(5, 2, 3)]
    assert code_of(under, EncryptedBallot((forged_answer(under[0], [1, 0, 0, 0, 0]),))) == "elgamal.bad_limit_proof"


def test_limits_hold_at_their_exact_boundaries() -> None:
    q = [Question(5, 2, 3)]
    for sel in ([1, 1, 0, 0, 0], [1, 1, 1, 0, 0]):
        verify_ballot(KEY, q, encrypt_ballot(KEY, q, [sel], CTX), CTX)
    for sel in ([1, 0, 0, 0, 0], [1, 1, 1, 1, 0]):
        with pytest.raises(ElGamalError) as info:
            encrypt_ballot(KEY, q, [sel], CTX)
        assert info.value.code == "elgamal.bad_selection"


def test_budget_ballots_prove_the_weighted_range_at_its_boundaries() -> None:
    for sel in ([1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0], [1, 0, 0, 0]):
        total = sum(w * x for w, x in zip((300, 250, 400, 100), sel, strict=False))
        if 200 <= total <= 800:
            verify_ballot(KEY, BUDGET, encrypt_ballot(KEY, BUDGET, [sel], CTX), CTX)
    exact = [Question(2, 0, 2, weights=(300, 500), weight_min=300, weight_max=800)]
    verify_ballot(KEY, exact, encrypt_ballot(KEY, exact, [[1, 1]], CTX), CTX)
    verify_ballot(KEY, exact, encrypt_ballot(KEY, exact, [[1, 0]], CTX), CTX)


WITHIN_BUDGET = [Question(4, 0, 4, weights=(300, 250, 400, 100), weight_min=0, weight_max=700)]
AT_LEAST = [Question(3, 0, 3, weights=(300, 250, 400), weight_min=500, weight_max=950)]


@pytest.mark.parametrize(
    ("questions", "sel"),
    [
        (BUDGET, [1, 1, 1, 0]),
        (BUDGET, [0, 0, 0, 1]),
        (BUDGET, [1, 1, 1, 1]),
        (WITHIN_BUDGET, [1, 0, 1, 1]),
        (WITHIN_BUDGET, [1, 1, 1, 1]),
        (AT_LEAST, [0, 1, 0]),
        (AT_LEAST, [1, 0, 0]),
    ],
)
def test_a_weight_outside_the_range_is_refused(questions: list[Question], sel: list[int]) -> None:
    ballot = EncryptedBallot((forged_answer(questions[0], sel),))
    assert code_of(questions, ballot) == "elgamal.bad_weight_proof"


def test_a_side_implied_by_the_proven_selections_is_left_out() -> None:
    """Weight at least 0 needs no low side; at most Σ weights needs no high side; others need both."""
    assert WITHIN_BUDGET[0].weight_sides() == (0, 10)
    assert AT_LEAST[0].weight_sides() == (9, 0)
    assert BUDGET[0].weight_sides() == (10, 10)
    for qs, sel in ((WITHIN_BUDGET, [1, 0, 1, 0]), (WITHIN_BUDGET, [0, 0, 0, 0]), (AT_LEAST, [1, 1, 1])):
        ballot = encrypt_ballot(KEY, qs, [sel], CTX)
        verify_ballot(KEY, qs, ballot, CTX)
        assert EncryptedBallot.from_json(json.loads(json.dumps(ballot.to_json())), qs) == ballot
    wrong = encrypt_ballot(KEY, BUDGET, [[1, 0, 1, 0]], CTX).to_json()
    with pytest.raises(ElGamalError):
        EncryptedBallot.from_json(wrong, [Question(4, 1, 4, (300, 250, 400, 100), 0, 800)])


def test_a_ballot_replayed_for_another_voter_election_or_chain_is_refused() -> None:
    ballot = encrypt_ballot(KEY, PLAIN, [[0, 1, 0, 0, 0]], CTX)
    for ctx in (
        ballot_context("metrobloc-test", "e1", "mb1other"),
        ballot_context("metrobloc-test", "e2", "mb1voter"),
        ballot_context("another-chain", "e1", "mb1voter"),
    ):
        assert code_of(PLAIN, ballot, ctx) == "elgamal.bad_selection_proof"


def test_a_ballot_under_another_key_or_with_swapped_options_is_refused() -> None:
    ballot = encrypt_ballot(KEY, PLAIN, [[0, 1, 0, 0, 0]], CTX)
    with pytest.raises(ElGamalError):
        verify_ballot(base_mul(Scalar.random()), PLAIN, ballot, CTX)
    a = ballot.answers[0]
    order = (1, 0, 2, 3, 4)
    swapped = EncryptedAnswer(
        tuple(a.selections[i] for i in order), tuple(a.selection_proofs[i] for i in order), a.limit_proof, None
    )
    assert code_of(PLAIN, EncryptedBallot((swapped,))) == "elgamal.bad_selection_proof"


def test_a_weight_proof_on_an_unweighted_question_is_refused() -> None:
    budget = encrypt_ballot(KEY, BUDGET, [[1, 0, 1, 0]], CTX)
    q = [Question(4, 1, 4)]
    assert code_of(q, budget) == "elgamal.bad_ballot"


def test_the_tally_adds_ballots_and_a_revote_replaces_the_previous_ballot() -> None:
    qs = [Question(3, 0, 2), Question(2, 1, 1)]
    first = encrypt_ballot(KEY, qs, [[1, 1, 0], [1, 0]], CTX)
    other = encrypt_ballot(KEY, qs, [[0, 1, 0], [0, 1]], CTX)
    tally = add_ballot(add_ballot(empty_tally(qs), first), other)
    assert [decrypt(c.alpha, c.beta) for c in flatten(tally)] == [1, 2, 0, 1, 1]
    revote = encrypt_ballot(KEY, qs, [[0, 0, 1], [0, 1]], CTX)
    tally = add_ballot(subtract_ballot(tally, first), revote)
    assert [decrypt(c.alpha, c.beta) for c in flatten(tally)] == [0, 1, 1, 0, 2]
    assert tally_from_json(json.loads(json.dumps(tally_to_json(tally))), qs) == tally
    with pytest.raises(ElGamalError):
        tally_from_json(tally_to_json(tally)[:1], qs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"options": 0},
        {"options": 65},
        {"options": 3, "min_selections": 2, "max_selections": 1},
        {"options": 3, "max_selections": 4},
        {"options": 2, "weights": (1,)},
        {"options": 2, "weights": (1, -1)},
        {"options": 2, "weights": (1, 1), "weight_min": 5, "weight_max": 4},
        {"options": 2, "weights": (1, 1), "weight_max": 2**48},
        {"options": 2, "weights": (1, 2**48), "weight_max": 2},
    ],
)
def test_impossible_questions_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ElGamalError) as info:
        Question(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == "elgamal.bad_question"


def test_questions_round_trip_through_json_and_refuse_bad_fields() -> None:
    for q in (*PLAIN, *BUDGET):
        assert Question.from_json(json.loads(json.dumps(q.to_json()))) == q
    good = BUDGET[0].to_json()
    bad: object
    for bad in (
        {**good, "extra": 1},
        {k: v for k, v in good.items() if k != "weight_min"},
        {**good, "options": "4"},
        {**good, "max_selections": True},
        {**good, "weights": [1, 2, 3, 4.5]},
        {**good, "weights": "1,2,3,4"},
        {**good, "min_selections": 5},
        [],
    ):
        with pytest.raises(ElGamalError) as info:
            Question.from_json(bad)
        assert info.value.code == "elgamal.bad_question"
