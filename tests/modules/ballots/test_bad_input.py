"""Every bad input of issue 14's secret ballots is refused with its own code and changes nothing: refused at
admission (the stateless check, ``InvalidInput``) or failed at execution with state left as it was."""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.ballots.conftest import ELECTION, MINUTE, REGISTRY, Election, person, question
from tests.modules.conftest import CHAIN_ID, Ledger

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.crypto.elgamal import (
    Point,
    Scalar,
    ballot_context,
    encrypt,
    prove_one_of,
)
from metrobloc.errors import InvalidInput
from metrobloc.modules.ballots import KEEPER, group
from metrobloc.modules.ballots.client import GuardianSecret


def refused(ledger: Ledger, code: str, key: PrivateKey, msg: dict[str, Any]) -> None:
    """Refused by the stateless check (in the admission workers): nothing reaches the log."""
    before = dict(ledger.state)
    with pytest.raises(InvalidInput) as caught:
        ledger.tx([key], [msg])
    assert caught.value.code == code, caught.value
    assert ledger.state == before


@pytest.fixture
def casting(election: Election) -> Election:
    """An election open for casting; person(0..5) are residents."""
    for i in range(6):
        election.residents.holders[person(i).address] = REGISTRY.address
    election.create(
        [
            question(),
            {
                "question": "Projects within 100",
                "options": [{"id": "a", "weight": 60}, {"id": "b", "weight": 50}, {"id": "c", "weight": 30}],
                "min_selections": 0,
                "max_selections": 3,
                "weight_min": 0,
                "weight_max": 100,
            },
        ]
    )
    election.keygen()
    election.open_casting()
    return election


GOOD = [[1, 0, 0, 0], [0, 1, 1]]


def test_a_non_resident_cannot_vote(casting: Election) -> None:
    stranger = person(99)
    casting.ledger.fails("ballots.not_in_census", [stranger], [casting.cast_msg(stranger, GOOD)])
    other_issuer = person(98)
    casting.residents.holders[other_issuer.address] = person(97).address  # a credential from an unlisted issuer
    casting.ledger.fails("ballots.not_in_census", [other_issuer], [casting.cast_msg(other_issuer, GOOD)])


def test_no_ballot_before_or_after_the_window(election: Election) -> None:
    voter = person(0)
    election.residents.holders[voter.address] = REGISTRY.address
    election.create(cast_start_ms=election.ledger.next_time_ms + 20 * MINUTE)
    election.keygen()
    early = election.cast_msg(voter, [[1, 0, 0, 0]])
    election.ledger.fails("ballots.not_open", [voter], [early])
    election.wait_until(election.record()["cast_end_ms"])
    late = election.cast_msg(voter, [[1, 0, 0, 0]])
    election.ledger.fails("ballots.window_closed", [voter], [late])
    election.ledger.ok([election.ledger.bob], [sdk.ballots.close(ELECTION)])
    election.ledger.fails("ballots.window_closed", [voter], [late])
    assert KEEPER.voters(election.ledger.state, ELECTION) == 0


def _forged(casting: Election, voter: PrivateKey, q: int, o: int, value: int) -> dict[str, Any]:
    """A cast whose option ``o`` of question ``q`` encrypts ``value``, with a proof made for (0, 1, value)."""
    msg = casting.cast_msg(voter, GOOD)
    key = Point.from_b64(msg["joint_key"])
    context = ballot_context(CHAIN_ID, ELECTION, voter.address)
    r = Scalar.random()
    ct = encrypt(key, value, r)
    proof = prove_one_of(key, ct, value, r, (0, 1, value), context, f"q{q}/o{o}".encode())
    flat = proof.to_json()
    row = ct.to_json() + flat[:2] + flat[2:4]  # keeps the 0 and 1 branches only: cannot verify
    msg["ballot"][q]["s"][o] = row
    return msg


def test_an_option_worth_2_is_refused(casting: Election) -> None:
    voter = person(1)
    refused(casting.ledger, "ballots.bad_option_proof", voter, _forged(casting, voter, 0, 0, 2))


def _limit_breaking(casting: Election, voter: PrivateKey, selections: list[list[int]], q: int) -> dict[str, Any]:
    """A ballot with ``selections`` (beyond a limit of question ``q``) whose limit or weight proof was made
    for a shape that allows them: each option proof is fine, the limit is not."""
    r = casting.record()
    shapes = [dict(s) for s in r["shapes"]]
    loose = dict(shapes[q])
    loose["max_selections"] = loose["options"]
    if loose.get("weight_max") is not None:
        loose["weight_max"] = 127  # the same number of bits as 100: the proof parses, and fails
    made: dict[str, Any] = sdk.ballots.vote(
        CHAIN_ID, ELECTION, voter.address, r["joint_key"], [*shapes[:q], loose, *shapes[q + 1 :]], selections
    )
    made["shapes"] = r["shapes"]
    if loose.get("weight_max") is not None:
        return made
    # the limit proof of a looser shape has more branches: keep the count the real shape expects
    branches = shapes[q]["max_selections"] - shapes[q]["min_selections"] + 1
    made["ballot"][q]["l"] = made["ballot"][q]["l"][: 2 * branches]
    return made


def test_a_selection_over_the_limit_is_refused(casting: Election) -> None:
    voter = person(2)
    msg = _limit_breaking(casting, voter, [[1, 1, 1, 0], [0, 1, 1]], 0)
    refused(casting.ledger, "ballots.bad_selection_proof", voter, msg)


def test_a_weight_over_the_budget_is_refused(casting: Election) -> None:
    voter = person(3)
    msg = _limit_breaking(casting, voter, [[1, 0, 0, 0], [1, 1, 0]], 1)  # 110 > 100
    refused(casting.ledger, "ballots.bad_weight_proof", voter, msg)


def test_a_proof_replayed_for_another_voter_or_election(casting: Election) -> None:
    alice_ballot = casting.cast_msg(person(0), GOOD)
    thief = person(4)
    copied = alice_ballot | {"voter": thief.address}
    refused(casting.ledger, "ballots.replayed_proof", thief, copied)
    rebound = copied | {"binding": group.binding(CHAIN_ID, ELECTION, thief.address)}
    refused(casting.ledger, "ballots.bad_option_proof", thief, rebound)  # the proofs name alice
    other_election = alice_ballot | {"election": "another-election"}
    refused(casting.ledger, "ballots.replayed_proof", person(0), other_election)
    # sent as is by someone else: the ballot's voter is not the sender
    casting.ledger.fails("ballots.wrong_voter", [thief], [alice_ballot])
    assert KEEPER.voters(casting.ledger.state, ELECTION) == 0


def test_a_ballot_for_another_key_or_questions_is_stale(casting: Election) -> None:
    voter = person(5)
    r = casting.record()
    other = GuardianSecret.new(CHAIN_ID, ELECTION, 1, 1).commit_msg()["commitments"][0]
    stale = sdk.ballots.vote(CHAIN_ID, ELECTION, voter.address, other, r["shapes"], GOOD)
    casting.ledger.fails("ballots.stale_ballot", [voter], [stale])


def _closed_with_ballots(casting: Election) -> None:
    for i in range(3):
        assert casting.cast(person(i), GOOD).status == "ok"
    casting.close()


def test_a_share_from_a_non_guardian_or_with_a_bad_proof(casting: Election) -> None:
    _closed_with_ballots(casting)
    record = casting.record()
    msg = casting.secrets[0].decryption_share_msg(record)
    casting.ledger.fails("ballots.not_guardian", [casting.ledger.carol], [msg])
    bad = casting.secrets[0].decryption_share_msg(record)
    proofs = bad["share"]["proofs"]
    proofs[0] = proofs[1]
    casting.ledger.fails("ballots.bad_decryption_share", [casting.guardian_keys[0]], [bad])
    # guardian 2's share sent by guardian 1: the share names another guardian
    theirs = casting.secrets[1].decryption_share_msg(record)
    casting.ledger.fails("ballots.bad_decryption_share", [casting.guardian_keys[0]], [theirs])
    assert casting.record()["shares"] == 0


def test_a_share_before_close_is_refused(casting: Election) -> None:
    assert casting.cast(person(0), GOOD).status == "ok"
    record = casting.record()  # the running total: never decrypted (Helios issue 170)
    msg = casting.secrets[0].decryption_share_msg(record)
    casting.ledger.fails("ballots.wrong_phase", [casting.guardian_keys[0]], [msg])


def test_a_result_that_does_not_match(casting: Election) -> None:
    _closed_with_ballots(casting)
    for i in (0, 1):
        assert casting.share(i).status == "ok"
    wrong = sdk.ballots.result(ELECTION, [3, 0, 0, 1, 0, 3, 3])
    casting.ledger.fails("ballots.wrong_result", [casting.ledger.bob], [wrong])
    shaped = sdk.ballots.result(ELECTION, [3, 0, 0, 0, 3, 3])
    casting.ledger.fails("ballots.bad_counts", [casting.ledger.bob], [shaped])
    too_many = sdk.ballots.result(ELECTION, [4, 0, 0, 0, 0, 3, 3])
    casting.ledger.fails("ballots.bad_counts", [casting.ledger.bob], [too_many])
    casting.ledger.ok([casting.ledger.bob], [sdk.ballots.result(ELECTION, [3, 0, 0, 0, 0, 3, 3])])


def test_close_before_the_end_is_refused(casting: Election) -> None:
    casting.ledger.fails("ballots.too_early", [casting.ledger.bob], [sdk.ballots.close(ELECTION)])


def test_keygen_refusals(election: Election) -> None:
    election.create()
    secret = GuardianSecret.new(CHAIN_ID, ELECTION, 1, 2)
    commit = secret.commit_msg()
    election.ledger.fails("ballots.not_guardian", [election.ledger.carol], [commit])
    wrong_index = GuardianSecret.new(CHAIN_ID, ELECTION, 2, 2).commit_msg()  # proofs bound to guardian 2
    election.ledger.fails("ballots.bad_commitment", [election.guardian_keys[0]], [wrong_index])
    election.ledger.ok([election.guardian_keys[0]], [commit])
    election.ledger.fails("ballots.already_sent", [election.guardian_keys[0]], [commit])
    deal = sdk.ballots.deal(ELECTION, [])
    election.ledger.fails("ballots.not_all_committed", [election.guardian_keys[0]], [deal])


def test_a_complaint_aborts_key_generation(election: Election) -> None:
    election.create()
    secrets = [GuardianSecret.new(CHAIN_ID, ELECTION, i, 2) for i in (1, 2, 3)]
    for key, s in zip(election.guardian_keys, secrets, strict=True):
        election.ledger.ok([key], [s.commit_msg()])
    election.ledger.ok([election.guardian_keys[0]], [secrets[0].deal_msg(election.record())])
    digest = "ab" * 32
    election.ledger.ok(
        [election.guardian_keys[1]], [sdk.ballots.complain(ELECTION, election.guardian_keys[0].address, digest)]
    )
    assert election.record()["status"] == "aborted"
    election.ledger.fails(
        "ballots.keygen_over",
        [election.guardian_keys[1]],
        [sdk.ballots.ack(ELECTION, election.guardian_keys[0].address)],
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"guardians": []}, "ballots.bad_guardians"),
        ({"threshold": 1}, "ballots.bad_threshold"),  # a minority of 3
        ({"threshold": 4}, "ballots.bad_threshold"),
        ({"cast_end_ms": 0}, "ballots.bad_window"),
        ({"questions": [question(max_selections=5)]}, "ballots.bad_questions"),
        ({"questions": [question(options=[{"id": "a"}, {"id": "a"}])]}, "ballots.bad_questions"),
        ({"questions": [question(weight_min=0, weight_max=5)]}, "ballots.bad_questions"),
        ({"election": "X"}, "ballots.bad_election"),
    ],
)
def test_create_refusals(ballots_ledger: Ledger, change: dict[str, Any], code: str) -> None:
    start = ballots_ledger.next_time_ms
    msg = sdk.ballots.create(
        ELECTION,
        {"credential_type": "ResidencyCredential", "issuers": [REGISTRY.address]},
        [person(50 + i).address for i in range(3)],
        [question()],
        start + MINUTE,
        start + MINUTE,
        start + 2 * MINUTE,
    )
    refused(ballots_ledger, code, ballots_ledger.alice, msg | change)


def test_the_threshold_defaults_to_a_majority(election: Election) -> None:
    election.create()
    assert election.record()["threshold"] == 2
