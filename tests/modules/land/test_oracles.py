"""Consensus oracles: policies, attestations, settlement at the threshold, visible disagreement."""

from __future__ import annotations

import pytest
from tests.modules.land.conftest import DEED, Registry

from metrobloc import sdk
from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import decode
from metrobloc.modules.land import queries, registration_digest
from metrobloc.modules.land.msgs import RegisterParcel

SURVEY_A = sdk.land.document_digest(b"boundary survey: 1000 m2")
SURVEY_B = sdk.land.document_digest(b"boundary survey: 1040 m2")


def policy(r: Registry, claim: str = "survey", threshold: int = 2) -> None:
    r.ok([r.registrar], [sdk.land.set_oracle_policy(claim, [o.address for o in r.oracles], threshold)])


def test_only_a_registrar_sets_a_policy_of_oracles(registry: Registry) -> None:
    r = registry
    oracles = [o.address for o in r.oracles]
    r.fails("land.registrar_required", [r.oracles[0]], [sdk.land.set_oracle_policy("survey", oracles, 2)])
    r.fails("land.not_oracle", [r.registrar], [sdk.land.set_oracle_policy("survey", [*oracles[:2], r.dave.address], 2)])
    receipt = r.ok([r.registrar], [sdk.land.set_oracle_policy("survey", oracles, 2)])
    assert receipt.events[0].attributes == {"claim": "survey", "oracles": ",".join(oracles), "threshold": "2"}
    assert queries.policy(r.reader, "survey")["threshold"] == 2


@pytest.mark.parametrize("oracles, threshold", [(1, 0), (3, 4), (0, 1), (17, 2)])
def test_threshold_is_1_to_the_number_of_oracles(registry: Registry, oracles: int, threshold: int) -> None:
    addresses = [o.address for o in registry.oracles] * 6
    msg = sdk.land.set_oracle_policy("survey", addresses[:oracles], threshold)
    with pytest.raises(InvalidInput) as err:
        registry.ledger.tx([registry.registrar], [msg])
    assert err.value.code == "land.bad_policy"


def test_oracles_of_a_policy_are_distinct(registry: Registry) -> None:
    twice = [registry.oracles[0].address] * 2
    with pytest.raises(InvalidInput) as err:
        registry.ledger.tx([registry.registrar], [sdk.land.set_oracle_policy("survey", twice, 2)])
    assert err.value.code == "land.bad_policy"


def test_two_of_three_settle_one_of_three_does_not(registry: Registry) -> None:
    r = registry
    policy(r)
    first = r.ok([r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    assert [e.type for e in first.events] == ["land/attest"]
    claim = queries.claim(r.reader, "survey", "P-1")
    assert claim["status"] == "pending" and claim["settled"] is None and claim["threshold"] == 2
    assert [c["subject"] for c in queries.claims(r.reader, "pending", "survey")["claims"]] == ["P-1"]
    assert queries.claims(r.reader, "settled")["claims"] == []

    second = r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    assert [e.type for e in second.events] == ["land/attest", "land/claim_settled"]
    assert second.events[1].attributes == {
        "claim": "survey",
        "subject": "P-1",
        "value_digest": SURVEY_A,
        "oracles": f"{r.oracles[0].address},{r.oracles[1].address}",
    }
    claim = queries.claim(r.reader, "survey", "P-1")
    assert claim["status"] == "settled" and claim["settled"]["height"] == second.height
    assert claim["settled"]["tx_hash"] == second.tx_hash
    assert queries.claims(r.reader, "pending")["claims"] == []
    assert [c["subject"] for c in queries.claims(r.reader, "settled")["claims"]] == ["P-1"]
    # Settled is final: the third oracle can no longer attest.
    r.fails("land.claim_settled", [r.oracles[2]], [sdk.land.attest("survey", "P-1", SURVEY_B)])


def test_disagreement_is_recorded_and_visible(registry: Registry) -> None:
    r = registry
    policy(r)
    r.ok([r.oracles[0]], [sdk.land.attest("survey", "P-7", SURVEY_A)])
    receipt = r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-7", SURVEY_B)])
    assert receipt.events[0].attributes["disagreement"] == "true"
    assert receipt.events[0].attributes["agreeing"] == "1"
    claim = queries.claim(r.reader, "survey", "P-7")
    assert claim["status"] == "pending" and claim["disagreement"] is True
    assert claim["values"] == [
        {"value_digest": SURVEY_A, "attestations": 1},
        {"value_digest": SURVEY_B, "attestations": 1},
    ]
    assert [(a["oracle"], a["value_digest"]) for a in claim["attestations"]] == [
        (r.oracles[0].address, SURVEY_A),
        (r.oracles[1].address, SURVEY_B),
    ]
    # The third oracle breaks the tie; the dissent stays on record.
    r.ok([r.oracles[2]], [sdk.land.attest("survey", "P-7", SURVEY_B)])
    claim = queries.claim(r.reader, "survey", "P-7")
    assert claim["settled"]["value_digest"] == SURVEY_B and claim["disagreement"] is True
    assert claim["settled"]["oracles"] == [r.oracles[1].address, r.oracles[2].address]
    assert [e["type"] for e in queries.history(r.reader, "P-7")["events"]] == [
        "land/attest",
        "land/attest",
        "land/attest",
        "land/claim_settled",
    ]


def test_attestations_by_outsiders_are_refused(registry: Registry) -> None:
    r = registry
    r.fails("land.unknown_policy", [r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.ok([r.registrar], [sdk.land.set_oracle_policy("survey", [o.address for o in r.oracles[:2]], 2)])
    r.fails("land.not_oracle", [r.dave], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.fails(
        "land.not_oracle", [r.oracles[2]], [sdk.land.attest("survey", "P-1", SURVEY_A)]
    )  # an oracle, not of this policy
    r.fails("land.not_oracle", [r.registrar], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.ok([r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.fails("land.already_attested", [r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.fails("land.already_attested", [r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_B)])


def test_an_oracle_whose_role_was_revoked_cannot_attest(registry: Registry) -> None:

    r = registry
    policy(r)
    r.ok([r.admin], [sdk.accounts.revoke_role(r.oracles[0].address, "oracle")])
    r.fails("land.not_oracle", [r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])


def test_settled_parcel_registration_lets_anyone_register_exactly_that_content(registry: Registry) -> None:
    r = registry
    policy(r, "parcel_registration")
    msg = sdk.land.register_parcel("P-9", "north", 640, [(r.carol.address, 10_000)], [DEED])
    digest = sdk.land.registration_digest(msg)
    assert digest == registration_digest(decode(RegisterParcel, msg))  # one definition, SDK and module agree
    r.fails("land.registrar_required", [r.carol], [msg])
    r.ok([r.oracles[0]], [sdk.land.attest("parcel_registration", "P-9", digest)])
    r.fails("land.registrar_required", [r.carol], [msg])  # 1 of 3 is not enough
    r.ok([r.oracles[2]], [sdk.land.attest("parcel_registration", "P-9", digest)])
    # Other content than the oracles attested is still refused (here: a larger area).
    bigger = sdk.land.register_parcel("P-9", "north", 6400, [(r.carol.address, 10_000)], [DEED])
    r.fails("land.registrar_required", [r.carol], [bigger])
    receipt = r.ok([r.carol], [msg])
    assert receipt.events[0].attributes["authority"] == "oracles"
    parcel = queries.parcel(r.reader, "P-9")
    assert [c["claim"] for c in parcel["claims"]] == ["parcel_registration"]
    assert parcel["claims"][0]["value_digest"] == digest
    assert [e["type"] for e in queries.history(r.reader, "P-9")["events"]] == [
        "land/attest",
        "land/attest",
        "land/claim_settled",
        "land/register_parcel",
    ]


def test_changing_a_policy_counts_only_its_current_oracles(registry: Registry) -> None:
    r = registry
    policy(r)
    r.ok([r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.ok([r.registrar], [sdk.land.set_oracle_policy("survey", [r.oracles[1].address, r.oracles[2].address], 2)])
    receipt = r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    assert receipt.events[0].attributes["agreeing"] == "1"  # oracle 0 left the policy
    receipt = r.ok([r.oracles[2]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    assert receipt.events[-1].type == "land/claim_settled"


def test_lowering_a_threshold_lets_an_oracle_settle_with_the_votes_already_cast(registry: Registry) -> None:
    r = registry
    policy(r, threshold=3)
    r.ok([r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.fails(
        "land.already_attested", [r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)]
    )  # 2 of 3: nothing to do
    policy(r, threshold=2)  # lowering the threshold settles nothing by itself
    assert queries.claim(r.reader, "survey", "P-1")["status"] == "pending"
    r.fails("land.already_attested", [r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_B)])  # not its value
    # Re-sending its identical attestation asks for a recount: 2 of 2 now, so the claim settles here.
    nudge = r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    assert [e.type for e in nudge.events] == ["land/claim_settled"]
    assert nudge.events[0].attributes["oracles"] == f"{r.oracles[0].address},{r.oracles[1].address}"
    claim = queries.claim(r.reader, "survey", "P-1")
    assert claim["status"] == "settled" and claim["settled"]["tx_hash"] == nudge.tx_hash
    assert len(claim["attestations"]) == 2  # the vote is not recorded twice
    assert queries.claims(r.reader, "pending")["claims"] == []
    assert [e["type"] for e in queries.history(r.reader, "P-1")["events"]][-1] == "land/claim_settled"
    r.fails("land.claim_settled", [r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])


def test_a_revoked_oracles_earlier_vote_stops_counting(registry: Registry) -> None:

    r = registry
    policy(r)
    r.ok([r.oracles[0]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    r.ok([r.admin], [sdk.accounts.revoke_role(r.oracles[0].address, "oracle")])
    receipt = r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    assert [e.type for e in receipt.events] == ["land/attest"]
    assert receipt.events[0].attributes["agreeing"] == "1"
    assert queries.claim(r.reader, "survey", "P-1")["status"] == "pending"
    # Granted again, its vote counts again; a recount by either agreeing oracle settles.
    r.ok([r.admin], [sdk.accounts.grant_role(r.oracles[0].address, "oracle")])
    settled = r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-1", SURVEY_A)])
    assert settled.events[0].attributes["oracles"] == f"{r.oracles[0].address},{r.oracles[1].address}"


def test_a_vote_counts_only_while_its_oracle_holds_the_role(registry: Registry) -> None:

    r = registry
    policy(r)
    r.ok([r.oracles[0]], [sdk.land.attest("survey", "P-2", SURVEY_A)])
    r.ok([r.admin], [sdk.accounts.revoke_role(r.oracles[0].address, "oracle")])
    r.ok([r.oracles[1]], [sdk.land.attest("survey", "P-2", SURVEY_A)])
    receipt = r.ok([r.oracles[2]], [sdk.land.attest("survey", "P-2", SURVEY_A)])
    assert receipt.events[-1].type == "land/claim_settled"
    settled = queries.claim(r.reader, "survey", "P-2")["settled"]
    assert settled["oracles"] == [r.oracles[1].address, r.oracles[2].address]


def test_the_attestations_of_a_claim_without_a_policy_are_not_found(registry: Registry) -> None:
    from metrobloc.errors import NotFound

    r = registry
    with pytest.raises(NotFound) as err:
        queries.claim(r.reader, "survey", "P-1")
    assert err.value.code == "land.unknown_policy"
    policy(r)
    claim = queries.claim(r.reader, "survey", "P-1")  # a subject nobody attested yet: pending, no votes
    assert claim["status"] == "pending" and claim["attestations"] == [] and claim["threshold"] == 2
