"""A whole secret-ballot election through the real executor: key generation by three guardians, dozens of
residents voting (some twice), close, decryption shares, and a result that equals the plaintext tally."""

from __future__ import annotations

import random

from tests.modules.ballots.conftest import REGISTRY, Election, person

from metrobloc import sdk
from metrobloc.modules.ballots import KEEPER
from metrobloc.modules.ballots.client import counts


def plain_tally(ballots: dict[str, list[list[int]]]) -> list[list[int]]:
    rows = list(ballots.values())
    return [[sum(b[q][o] for b in rows) for o in range(len(rows[0][q]))] for q in range(len(rows[0]))]


def selections(rng: random.Random) -> list[list[int]]:
    chosen = rng.sample(range(4), rng.randint(0, 2))
    return [[1 if o in chosen else 0 for o in range(4)]]


def test_full_election_result_equals_the_plaintext_tally(election: Election) -> None:
    rng = random.Random(14)
    voters = [person(i) for i in range(36)]
    for v in voters:
        election.residents.holders[v.address] = REGISTRY.address
    election.create()
    election.keygen()
    record = election.record()
    assert record["joint_key"] and len(record["guardian_keys"]) == 3 and record["threshold"] == 2
    election.open_casting()
    last: dict[str, list[list[int]]] = {}
    for v in voters:
        sel = selections(rng)
        assert election.cast(v, sel).status == "ok"
        last[v.address] = sel
    for v in voters[:10]:  # re-voting: the new ballot replaces the old one in the total
        sel = selections(rng)
        receipt = election.cast(v, sel)
        assert receipt.status == "ok"
        assert dict(receipt.events[0].attributes)["replaced"] == "1"
        last[v.address] = sel
    assert KEEPER.voters(election.ledger.state, election.election) == 36
    assert election.record()["casts"] == 46
    election.close()
    assert KEEPER.tally(election.ledger.state, election.election) is None
    assert election.share(0).status == "ok"
    assert election.share(2).status == "ok"
    record = election.record()
    decrypted = counts(record)
    assert decrypted == plain_tally(last)
    election.ledger.ok(
        [election.ledger.carol], [sdk.ballots.result(election.election, [n for row in decrypted for n in row])]
    )
    tally = KEEPER.tally(election.ledger.state, election.election)
    assert tally == [list(zip(["park", "library", "bikes", "lights"], plain_tally(last)[0], strict=True))]
    assert election.record()["status"] == "decided"


def test_one_share_of_three_gives_no_result_two_do(election: Election) -> None:
    voters = [person(i) for i in range(5)]
    for v in voters:
        election.residents.holders[v.address] = REGISTRY.address
    election.create()
    election.keygen()
    election.open_casting()
    for v in voters:
        assert election.cast(v, [[1, 0, 0, 0]]).status == "ok"
    election.close()
    assert election.share(1).status == "ok"  # two guardians offline
    result = sdk.ballots.result(election.election, [5, 0, 0, 0])
    election.ledger.fails("ballots.too_few_shares", [election.ledger.bob], [result])
    assert KEEPER.tally(election.ledger.state, election.election) is None
    assert election.share(2).status == "ok"  # one offline: still decided
    assert counts(election.record()) == [[5, 0, 0, 0]]
    election.ledger.ok([election.ledger.bob], [result])
    assert KEEPER.tally(election.ledger.state, election.election) == [
        [("park", 5), ("library", 0), ("bikes", 0), ("lights", 0)]
    ]


def test_a_budget_ballot_with_weights(election: Election) -> None:
    budget = {
        "question": "Projects within 100,000",
        "options": [
            {"id": "park", "weight": 60_000},
            {"id": "library", "weight": 50_000},
            {"id": "bikes", "weight": 30_000},
        ],
        "min_selections": 0,
        "max_selections": 3,
        "weight_min": 0,
        "weight_max": 100_000,
    }
    voters = [person(i) for i in range(4)]
    for v in voters:
        election.residents.holders[v.address] = REGISTRY.address
    election.create([budget])
    election.keygen()
    election.open_casting()
    for v, sel in zip(voters, ([1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 0, 0]), strict=True):
        assert election.cast(v, [sel]).status == "ok"
    election.close()
    for i in (0, 1):
        assert election.share(i).status == "ok"
    assert counts(election.record()) == [[2, 1, 2]]


def test_an_org_creates_an_election_by_a_passed_proposal(election: Election) -> None:
    ledger = election.ledger
    alice = ledger.alice
    voting = {"support_bp": 5000, "quorum_bp": 0, "period_ms": 60_000, "exec_delay_ms": 0, "early_execution": True}
    ledger.ok([alice], [sdk.orgs.create("district-4", "00" * 32, [(alice.address, 1)], voting)])
    start = ledger.next_time_ms
    create = sdk.ballots.create(
        "district-4-vote",
        {"credential_type": "ResidencyCredential", "issuers": [REGISTRY.address]},
        [k.address for k in election.guardian_keys],
        [
            {
                "question": "Fund the park?",
                "options": [{"id": "yes"}, {"id": "no"}],
                "min_selections": 1,
                "max_selections": 1,
            }
        ],
        start + 600_000,
        start + 600_000,
        start + 1_200_000,
    )
    ledger.ok([alice], [sdk.orgs.propose("district-4", "vote-on-park", "11" * 32, [create])])
    ledger.ok([alice], [sdk.orgs.vote("district-4", "vote-on-park", "yes")])
    ledger.ok([alice], [sdk.orgs.execute("district-4", "vote-on-park")])
    found = KEEPER.election(ledger.state, "district-4-vote")
    assert found is not None
    assert found.created_by == sdk.orgs.treasury("district-4")
    assert found.via == ["district-4", "vote-on-park"]
