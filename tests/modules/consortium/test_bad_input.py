"""Every refusal of the consortium module with its code, and nothing changed: ``ledger.fails`` compares
the whole state, so a refused execute leaves the proposal open, no record, no count, no org member.
Also: a failing action rolls back a set change of the same proposal (all or nothing), and the org id
``consortium`` is reserved for the module's authority.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from tests.modules.conftest import NODE_KEYS, Ledger, consortium_genesis
from tests.modules.consortium.conftest import ORG, Council, add, council_of, key, remove, rotate

from metrobloc import sdk
from metrobloc.errors import MetroblocError
from metrobloc.execution import BlockState, Context, Executor
from metrobloc.modules.consortium import KEEPER
from metrobloc.modules.consortium.handlers import ConsortiumHandlers
from metrobloc.modules.consortium.msgs import RemoveMember
from metrobloc.modules.orgs import KEEPER as ORGS
from metrobloc.modules.orgs import treasury_address


def refused(council: Council, proposal: str, actions: list[dict[str, Any]], code: str, yes: int | None = None) -> None:
    """The proposal passes in orgs (every voter, or the first ``yes``, votes yes) and its execute fails
    with ``code``, changing nothing."""
    assert council.propose(proposal, actions).status == "ok"
    for who in council.voters if yes is None else council.voters[:yes]:
        council.vote(who, proposal, "yes")
    council.ledger.fails(code, [council.outsider], [sdk.orgs.execute(ORG, proposal)])
    assert ORGS.proposal(council.ledger.state, ORG, proposal).status == "open"  # type: ignore[union-attr]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    "action, code",
    [
        ({"org": "X1"}, "consortium.bad_org"),
        ({"org": "ab"}, "consortium.bad_org"),
        ({"name": ""}, "consortium.bad_name"),
        ({"name": "line\nbreak"}, "consortium.bad_name"),
        ({"name": "n" * 81}, "consortium.bad_name"),
        ({"node_key": "short"}, "codec.bad_base64url"),
        ({"voter": "mb1nope"}, "msg.bad_address"),
    ],
)
def test_malformed_changes_are_refused_when_proposed(council: Council, action: dict[str, str], code: str) -> None:
    msg = {**add("water", key("water"), key("voter").address), **action}
    propose = sdk.orgs.propose(ORG, "bad", digest("bad"), [msg])
    council.ledger.fails(code, [council.voters[0]], [propose])


def test_only_a_proposal_of_the_consortium_org_changes_the_set(council: Council) -> None:
    council.ledger.fails("consortium.not_authority", [council.outsider], [remove("org3")])
    other = "riverside"
    voting = {"support_bp": 5000, "quorum_bp": 0, "period_ms": 60_000, "exec_delay_ms": 0, "early_execution": True}
    create = sdk.orgs.create(other, digest("c"), [(council.outsider.address, 1)], voting)
    council.ledger.ok([council.outsider], [create])
    council.ledger.ok([council.outsider], [sdk.orgs.propose(other, "grab", digest("g"), [remove("org3")])])
    council.ledger.ok([council.outsider], [sdk.orgs.vote(other, "grab", "yes")])
    council.ledger.fails("consortium.not_authority", [council.outsider], [sdk.orgs.execute(other, "grab")])


def handler_context(ledger: Ledger, via: tuple[str, str] | None) -> Context:
    block = BlockState(ledger.state.get)
    return Context(
        ledger.genesis.chain_id, 9, 0, "00" * 32, (treasury_address(ORG),), block, genesis=ledger.genesis, via=via
    )


def test_the_treasury_without_a_consortium_proposal_or_without_the_org_is_refused() -> None:
    ledger = Ledger()
    handlers = ConsortiumHandlers(KEEPER, ORGS)
    for via, code in [
        (None, "consortium.not_authority"),
        (("riverside", "p"), "consortium.not_authority"),
        ((ORG, "p"), "consortium.not_initialised"),
    ]:
        with pytest.raises(MetroblocError) as raised:
            handlers.remove_member(handler_context(ledger, via), RemoveMember(org="org3"))
        assert raised.value.code == code


@pytest.mark.parametrize("n, yes, abstain", [(3, 1, 1), (4, 2, 1), (6, 3, 2)])
def test_a_pass_by_the_orgs_rule_with_fewer_than_two_thirds_yes_is_refused(n: int, yes: int, abstain: int) -> None:
    """Support counts the votes cast: yes + abstain reach the quorum and no one voted no, so orgs passes it
    after the period; the module's own count refuses it."""
    council = council_of(n)
    council.propose("thin", [remove(f"org{n}")])
    for who in council.voters[:yes]:
        council.vote(who, "thin", "yes")
    for who in council.voters[yes : yes + abstain]:
        council.vote(who, "thin", "abstain")
    council.after_the_period()
    council.ledger.fails("consortium.no_supermajority", [council.outsider], [sdk.orgs.execute(ORG, "thin")])


def test_org_ids_and_keys_are_never_reused_and_voters_stay_unique(council: Council) -> None:
    refused(council, "org1-again", [add("org1", key("k"), key("v").address)], "consortium.org_exists")
    refused(council, "genesis-key", [add("water", NODE_KEYS[1], key("v").address)], "consortium.key_used")
    refused(council, "same-key", [rotate("org1", NODE_KEYS[0])], "consortium.key_used")
    refused(council, "voter", [add("water", key("k"), NODE_KEYS[0].address)], "consortium.voter_used")
    refused(council, "rot-voter", [rotate("org1", key("k"), NODE_KEYS[1].address)], "consortium.voter_used")
    assert council.decide("out", [remove("org3")]).status == "ok"
    council.voters.pop()
    refused(council, "org3-back", [add("org3", key("k"), key("v").address)], "consortium.org_exists")
    refused(council, "old-key", [add("water", NODE_KEYS[2], key("v").address)], "consortium.key_used")
    refused(council, "rot-old", [rotate("org1", NODE_KEYS[2])], "consortium.key_used")


def test_a_former_voter_may_vote_for_a_new_member(council: Council) -> None:
    assert council.decide("out", [remove("org3")]).status == "ok"
    council.voters.pop()
    assert council.decide("in", [add("water", key("k"), NODE_KEYS[2].address)]).status == "ok"


def test_unknown_or_former_members_cannot_be_removed_or_rotated(council: Council) -> None:
    refused(council, "nobody", [remove("nobody")], "consortium.not_member")
    refused(council, "rot-nobody", [rotate("nobody", key("k"))], "consortium.not_member")
    assert council.decide("out", [remove("org3")]).status == "ok"
    council.voters.pop()
    refused(council, "again", [remove("org3")], "consortium.not_member")


def test_a_new_key_must_sign_its_statement_for_this_org_and_chain(council: Council) -> None:
    water, voter = key("water"), key("voter").address
    refused(council, "other-signer", [add("water", water, voter, signer=key("else"))], "consortium.bad_key_signature")
    refused(council, "other-org", [add("water", water, voter, sign_org="wells")], "consortium.bad_key_signature")
    refused(council, "rot-signer", [rotate("org1", water, signer=key("else"))], "consortium.bad_key_signature")


def test_the_last_member_cannot_be_removed() -> None:
    ledger = Ledger(consortium_genesis(NODE_KEYS[:1]))
    ledger.ok([NODE_KEYS[0]], [{"type": "consortium/init"}])
    refused(Council(ledger, [NODE_KEYS[0]], key("outsider")), "empty", [remove("org1")], "consortium.last_member")


def test_a_consortium_of_64_takes_no_more() -> None:
    council = council_of(64)
    refused(council, "65th", [add("one-more", key("k"), key("v").address)], "consortium.too_many", yes=43)


def test_an_executor_without_the_genesis_cannot_run_the_consortium() -> None:
    ledger = Ledger()
    ledger.executor = Executor(ledger.app, ledger.genesis.chain_id)
    ledger.fails("consortium.no_genesis", [ledger.alice], [{"type": "consortium/init"}])


def test_the_consortium_org_id_is_reserved_for_the_module(ledger: Ledger) -> None:
    voting = {"support_bp": 5000, "quorum_bp": 0, "period_ms": 60_000, "exec_delay_ms": 0, "early_execution": True}
    squat = sdk.orgs.create(ORG, digest("mine"), [(ledger.alice.address, 1)], voting)
    ledger.fails("orgs.reserved_org", [ledger.alice], [squat])


def test_a_failing_action_rolls_the_set_change_back(council: Council) -> None:
    """design §1.7: [add X, a transfer the treasury cannot pay] leaves no member, no count, no org change."""
    ledger = council.ledger
    ledger.ok([ledger.admin], [sdk.assets.create("CITY", "City Coin")])
    actions = [
        add("water", key("water"), key("voter").address),
        dict(sdk.assets.transfer("CITY", ledger.bob.address, 5)),
    ]
    refused(council, "both", actions, "assets.insufficient_funds")
    assert council.consortium_state() == {}
    assert KEEPER.count(ledger.state) == 0
    assert council.org_members() == {k.address: 1 for k in NODE_KEYS}
