"""Organizations through the real executor: creating one, proposing, voting (and changing one's vote),
the quiet ending, execution after the delay or early, rejection, and the refusals of bad input, each
with its code and nothing changed (``ledger.fails`` compares the whole state)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from tests.modules.orgs.conftest import DELAY, MINUTE, ORG, PERIOD, Civic, digest, transfer, voting

from metrobloc import sdk
from metrobloc.codec import encode_address
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput
from metrobloc.modules.orgs import KEEPER, treasury_address


def test_an_org_is_created_with_its_members_rules_and_a_treasury_no_key_controls(civic: Civic) -> None:
    org = KEEPER.org(civic.ledger.state, ORG)
    assert org is not None
    assert (org.member_count, org.total_weight, org.created_by) == (3, 6, civic.alice.address)
    assert org.voting.period_ms == PERIOD and org.voting.early_execution is False
    assert org.treasury == civic.treasury == treasury_address(ORG) == KEEPER.treasury(ORG)
    assert org.treasury not in {k.address for k in (civic.alice, civic.bob, civic.carol, civic.dave)}
    assert civic.members() == {civic.alice.address: 3, civic.bob.address: 2, civic.carol.address: 1}
    civic.ledger.fails(
        "orgs.org_exists", [civic.bob], [sdk.orgs.create(ORG, digest("x"), [(civic.bob.address, 1)], voting())]
    )


def test_the_treasury_address_is_the_documented_derivation() -> None:
    """docs/spec/orgs.md §1, its vectors included."""
    raw = hashlib.sha256(b"metrobloc/org/v1\x00riverside-assoc").digest()[:20]
    assert raw.hex() == "bfd5a1699d87f095942317b5bba9b851ca38ac6e"
    assert treasury_address("riverside-assoc") == encode_address(raw) == "mb1hl26z6vaslcft9prz76mh2dc289r3trwqs3rpp"
    assert sdk.orgs.treasury("riverside") == "mb10zet83y47vw7vjr69dk882wth6ncqw9wg4jug8"


def test_a_proposal_snapshots_weights_and_rules_and_later_changes_do_not_reach_it(civic: Civic) -> None:
    change = [
        dict(sdk.orgs.set_member(ORG, civic.carol.address, 10)),
        dict(sdk.orgs.set_member(ORG, civic.dave.address, 4)),
        dict(sdk.orgs.set_voting(ORG, voting(support_bp=10000, quorum_bp=10000))),
    ]
    civic.propose("change", change)
    for who in (civic.alice, civic.bob):
        civic.vote(who, "change", "yes")
    executable = civic.proposal("change")["executable_from_ms"]
    civic.wait_until(executable - 1000)
    assert civic.propose("before", []).status == "ok"  # one block before the change applies
    assert civic.execute("change").status == "ok"
    assert civic.members()[civic.carol.address] == 10
    before = civic.proposal("before")
    assert before["total_weight"] == 6 and before["rules"]["support_bp"] == 5000
    civic.vote(civic.carol, "before", "yes")  # with her weight at the snapshot
    assert civic.proposal("before")["tally"]["yes"] == 1
    civic.ledger.fails("orgs.not_member", [civic.dave], [sdk.orgs.vote(ORG, "before", "yes")])
    assert civic.propose("after", [], by=civic.dave).status == "ok"
    after = civic.proposal("after")
    assert (after["total_weight"], after["snapshot_size"], after["rules"]["support_bp"]) == (19, 4, 10000)


def test_a_member_changes_its_vote_and_the_tally_moves_its_weight(civic: Civic) -> None:
    civic.propose("p", [])
    receipt = civic.vote(civic.alice, "p", "yes")
    assert [(e.type, e.attributes) for e in receipt.events] == [
        ("orgs/vote", {"org": ORG, "proposal": "p", "voter": civic.alice.address, "option": "yes", "weight": "3"})
    ]
    assert civic.proposal("p")["tally"] == {"yes": 3, "no": 0, "abstain": 0}
    civic.vote(civic.alice, "p", "no")
    civic.vote(civic.carol, "p", "abstain")
    assert civic.proposal("p")["tally"] == {"yes": 0, "no": 3, "abstain": 1}
    civic.vote(civic.alice, "p", "no")  # the same vote again changes nothing
    answer = civic.proposal("p")
    assert answer["tally"] == {"yes": 0, "no": 3, "abstain": 1}
    assert {v["address"]: v["option"] for v in answer["votes"]} == {
        civic.alice.address: "no",
        civic.bob.address: None,
        civic.carol.address: "abstain",
    }


def test_votes_by_non_members_and_after_the_end_are_refused(civic: Civic) -> None:
    civic.propose("p", [])
    civic.ledger.fails("orgs.not_member", [civic.dave], [sdk.orgs.vote(ORG, "p", "yes")])
    civic.ledger.fails("orgs.unknown_proposal", [civic.alice], [sdk.orgs.vote(ORG, "nope", "yes")])
    civic.ledger.fails("orgs.unknown_org", [civic.alice], [sdk.orgs.vote("no-such-org", "p", "yes")])
    end = civic.proposal("p")["end_ms"]
    civic.wait_until(end - 1)
    assert civic.vote(civic.bob, "p", "no").status == "ok"  # the last millisecond counts
    civic.wait_until(end)
    civic.ledger.fails("orgs.voting_closed", [civic.alice], [sdk.orgs.vote(ORG, "p", "yes")])


def test_only_members_propose_and_ids_are_unique(civic: Civic) -> None:
    civic.ledger.fails("orgs.not_member", [civic.dave], [sdk.orgs.propose(ORG, "p", digest("p"), [])])
    assert civic.propose("p", []).status == "ok"
    civic.ledger.fails("orgs.proposal_exists", [civic.bob], [sdk.orgs.propose(ORG, "p", digest("q"), [])])
    civic.ledger.fails("orgs.unknown_org", [civic.bob], [sdk.orgs.propose("elsewhere", "p", digest("q"), [])])


def test_execution_waits_for_the_end_and_the_delay_then_runs_the_actions(civic: Civic) -> None:
    civic.propose("pay", [transfer("CITY", civic.dave.address, 250)])
    civic.vote(civic.alice, "pay", "yes")
    civic.vote(civic.bob, "pay", "no")
    end = civic.proposal("pay")["end_ms"]
    civic.ledger.fails("orgs.too_early", [civic.dave], [sdk.orgs.execute(ORG, "pay")])
    civic.wait_until(end + DELAY - 1)
    assert civic.proposal("pay", at_ms=end + DELAY - 1)["phase"] == "passed"
    civic.ledger.fails("orgs.too_early", [civic.dave], [sdk.orgs.execute(ORG, "pay")])
    civic.wait_until(end + DELAY)
    receipt = civic.execute("pay")
    assert receipt.status == "ok", receipt.error
    assert [e.type for e in receipt.events] == ["assets/transfer", "orgs/execute"]
    assert receipt.events[0].attributes["from"] == civic.treasury
    assert receipt.events[1].attributes == {"org": ORG, "proposal": "pay", "status": "executed", "actions": "1"}
    assert civic.ledger.balance("CITY", civic.dave) == 250
    civic.ledger.fails("orgs.closed", [civic.alice], [sdk.orgs.execute(ORG, "pay")])
    civic.ledger.fails("orgs.voting_closed", [civic.carol], [sdk.orgs.vote(ORG, "pay", "no")])


def test_a_proposal_that_does_not_pass_is_rejected_once_voting_is_over(civic: Civic) -> None:
    civic.propose("pay", [transfer("CITY", civic.dave.address, 250)])
    civic.vote(civic.alice, "pay", "no")
    civic.vote(civic.carol, "pay", "yes")
    civic.wait_until(civic.proposal("pay")["end_ms"])  # no need to wait for the delay to reject
    receipt = civic.execute("pay")
    assert receipt.status == "ok"
    assert [(e.type, e.attributes["status"]) for e in receipt.events] == [("orgs/execute", "rejected")]
    assert civic.ledger.balance("CITY", civic.dave) == 0
    assert civic.proposal("pay")["status"] == "rejected"
    civic.ledger.fails("orgs.closed", [civic.alice], [sdk.orgs.execute(ORG, "pay")])


def test_no_quorum_and_no_yes_mean_rejection(civic: Civic) -> None:
    civic.propose("quiet", [])
    civic.vote(civic.bob, "quiet", "yes")  # 2 of 6 cast: below the 50 % quorum
    civic.propose("blank", [])
    for who in (civic.alice, civic.bob):
        civic.vote(who, "blank", "abstain")  # quorum met, but nobody said yes
    civic.wait_until(civic.proposal("blank")["end_ms"] + DELAY)
    assert civic.execute("quiet").events[-1].attributes["status"] == "rejected"
    assert civic.execute("blank").events[-1].attributes["status"] == "rejected"


@pytest.mark.parametrize(("support", "passes"), [(6000, True), (6001, False)])
def test_support_at_its_exact_threshold_passes_and_one_basis_point_more_does_not(
    civic: Civic, support: int, passes: bool
) -> None:
    """alice (3) yes, bob (2) no: yes·10⁴ = 30000 = 6000·5."""
    civic.create("exact-support", [(civic.alice, 3), (civic.bob, 2), (civic.carol, 1)], support_bp=support, quorum_bp=0)
    civic.org = "exact-support"
    civic.propose("p", [])
    civic.vote(civic.alice, "p", "yes")
    civic.vote(civic.bob, "p", "no")
    assert civic.proposal("p")["passes"] is passes
    civic.wait_until(civic.proposal("p")["executable_from_ms"])
    assert civic.execute("p").events[-1].attributes["status"] == ("executed" if passes else "rejected")


@pytest.mark.parametrize(("quorum", "passes"), [(5000, True), (5001, False)])
def test_quorum_at_its_exact_threshold_passes_and_one_basis_point_more_does_not(
    civic: Civic, quorum: int, passes: bool
) -> None:
    """bob (2) yes, carol (1) abstains: 3 of 6 cast, 3·10⁴ = 5000·6."""
    civic.create("exact-quorum", [(civic.alice, 3), (civic.bob, 2), (civic.carol, 1)], quorum_bp=quorum)
    civic.org = "exact-quorum"
    civic.propose("p", [])
    civic.vote(civic.bob, "p", "yes")
    civic.vote(civic.carol, "p", "abstain")
    assert civic.proposal("p")["passes"] is passes


def test_a_vote_that_flips_the_outcome_in_the_quiet_window_extends_voting_once(civic: Civic) -> None:
    civic.propose("p", [])
    civic.vote(civic.alice, "p", "yes")  # passes: 3 yes of 6, quorum 50 %
    end = civic.proposal("p")["end_ms"]
    window = PERIOD // 10
    civic.wait_until(end - window - 1)  # just before the window: a flip does not extend
    civic.vote(civic.bob, "p", "no")
    civic.vote(civic.bob, "p", "yes")
    assert (civic.proposal("p")["end_ms"], civic.proposal("p")["extended"]) == (end, False)
    civic.wait_until(end - window)  # the first millisecond of the window
    receipt = civic.vote(civic.alice, "p", "no")  # yes 2, no 3: it no longer passes
    assert [e.type for e in receipt.events] == ["orgs/vote", "orgs/extend"]
    assert receipt.events[1].attributes == {"org": ORG, "proposal": "p", "end_ms": str(end + window)}
    assert (civic.proposal("p")["end_ms"], civic.proposal("p")["extended"]) == (end + window, True)
    civic.wait_until(end + window - 1)  # a second flip, in the new window: no second extension
    assert [e.type for e in civic.vote(civic.alice, "p", "yes").events] == ["orgs/vote"]
    assert civic.proposal("p")["end_ms"] == end + window
    civic.wait_until(end + window)
    civic.ledger.fails("orgs.voting_closed", [civic.carol], [sdk.orgs.vote(ORG, "p", "no")])


def test_a_vote_in_the_window_that_does_not_flip_the_outcome_does_not_extend(civic: Civic) -> None:
    civic.propose("p", [])
    civic.vote(civic.alice, "p", "yes")
    end = civic.proposal("p")["end_ms"]
    civic.wait_until(end - 1)
    assert [e.type for e in civic.vote(civic.bob, "p", "yes").events] == ["orgs/vote"]
    assert civic.proposal("p")["end_ms"] == end


def test_early_execution_when_the_yes_votes_alone_decide_it(civic: Civic) -> None:
    civic.create("early-bird", [(civic.alice, 3), (civic.bob, 2), (civic.carol, 1)], early_execution=True)
    civic.org = "early-bird"
    civic.ledger.ok([civic.ledger.admin], [sdk.assets.mint("CITY", civic.treasury, 100)])
    civic.propose("p", [transfer("CITY", civic.dave.address, 40)])
    civic.vote(civic.bob, "p", "yes")  # 2 of 6: not decided
    civic.ledger.fails("orgs.too_early", [civic.dave], [sdk.orgs.execute("early-bird", "p")])
    civic.vote(civic.carol, "p", "yes")  # 3 of 6 = 50 %: support and quorum hold even if alice says no
    assert civic.proposal("p")["decided"] is True
    assert civic.execute("p").status == "ok"
    assert civic.ledger.balance("CITY", civic.dave) == 40
    assert civic.proposal("p")["status"] == "executed"
    civic.ledger.fails("orgs.voting_closed", [civic.alice], [sdk.orgs.vote("early-bird", "p", "no")])


def test_without_early_execution_a_decided_proposal_still_waits(civic: Civic) -> None:
    civic.propose("p", [])
    for who in (civic.alice, civic.bob, civic.carol):
        civic.vote(who, "p", "yes")
    assert civic.proposal("p")["decided"] is True
    civic.ledger.fails("orgs.too_early", [civic.dave], [sdk.orgs.execute(ORG, "p")])


def test_an_action_that_fails_its_stateless_check_is_refused_at_proposal_time(civic: Civic) -> None:
    bad = {"type": "assets/transfer", "asset": "CITY", "to": civic.dave.address, "amount": "-5"}
    receipt = civic.ledger.fails("msg.bad_amount", [civic.alice], [sdk.orgs.propose(ORG, "p", digest("p"), [bad])])
    assert receipt.error is not None and receipt.error["message"].startswith("actions[0] (assets/transfer)")
    unknown = {"type": "nothing/here"}
    civic.ledger.fails("tx.unknown_msg", [civic.alice], [sdk.orgs.propose(ORG, "p", digest("p"), [unknown])])


@pytest.mark.parametrize("kind", ["orgs/propose", "orgs/vote", "orgs/execute"])
def test_a_proposal_cannot_propose_vote_or_execute(civic: Civic, kind: str) -> None:
    action = {"type": kind, "org": ORG, "proposal": "x"}
    with pytest.raises(InvalidInput) as refused:
        civic.ledger.app.parse_msgs([sdk.orgs.propose(ORG, "p", digest("p"), [action])])
    assert refused.value.code == "orgs.bad_action"


def _create(**changes: Any) -> dict[str, Any]:
    a, b = PrivateKey(b"\x11" * 32).address, PrivateKey(b"\x12" * 32).address
    msg: dict[str, Any] = dict(sdk.orgs.create("some-org", digest("c"), [(a, 1), (b, 2)], voting()))
    msg.update(changes)
    return msg


def _rules(**changes: Any) -> dict[str, Any]:
    return {**voting(), **changes}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"org": "ab"}, "orgs.bad_org"),
        ({"org": "Upper"}, "orgs.bad_org"),
        ({"charter_digest": "AB" * 32}, "orgs.bad_digest"),
        ({"members": []}, "orgs.bad_members"),
        (
            {
                "members": [
                    {"address": PrivateKey(i.to_bytes(2, "big") * 16).address, "weight": 1} for i in range(1, 258)
                ]
            },
            "orgs.bad_members",
        ),
        ({"members": [{"address": PrivateKey(b"\x11" * 32).address, "weight": 0}]}, "orgs.bad_weight"),
        ({"members": [{"address": PrivateKey(b"\x11" * 32).address, "weight": 1_000_001}]}, "orgs.bad_weight"),
        ({"members": [{"address": PrivateKey(b"\x11" * 32).address, "weight": 1}] * 2}, "orgs.duplicate_member"),
        ({"members": [{"address": treasury_address("some-org"), "weight": 1}]}, "orgs.bad_member"),
        ({"voting": _rules(support_bp=0)}, "orgs.bad_voting"),
        ({"voting": _rules(support_bp=10_001)}, "orgs.bad_voting"),
        ({"voting": _rules(quorum_bp=-1)}, "orgs.bad_voting"),
        ({"voting": _rules(quorum_bp=10_001)}, "orgs.bad_voting"),
        ({"voting": _rules(period_ms=MINUTE - 1)}, "orgs.bad_voting"),
        ({"voting": _rules(period_ms=31_536_000_001)}, "orgs.bad_voting"),
        ({"voting": _rules(exec_delay_ms=-1)}, "orgs.bad_voting"),
        ({"voting": _rules(exec_delay_ms=31_536_000_001)}, "orgs.bad_voting"),
        ({"voting": _rules(early_execution="yes")}, "orgs.bad_voting"),
    ],
)
def test_weights_and_rules_out_of_range_are_refused_with_their_code(changes: dict[str, Any], code: str) -> None:
    from metrobloc.node.app import build_app

    with pytest.raises(InvalidInput) as refused:
        build_app().parse_msgs([_create(**changes)])
    assert refused.value.code == code, refused.value.message


def test_the_extreme_rules_are_accepted(civic: Civic) -> None:
    rules = voting(support_bp=1, quorum_bp=0, period_ms=MINUTE, exec_delay_ms=0)
    civic.ledger.ok([civic.dave], [sdk.orgs.create("min-rules", digest("c"), [(civic.dave.address, 1)], rules)])
    rules = voting(support_bp=10_000, quorum_bp=10_000, period_ms=31_536_000_000, exec_delay_ms=31_536_000_000)
    civic.ledger.ok([civic.dave], [sdk.orgs.create("max-rules", digest("c"), [(civic.dave.address, 1_000_000)], rules)])
