"""Set changes through the real executor: init creates the consortium org from the genesis members
without writing a consortium key; add, remove and rotate by a two-thirds vote write the records and
events the ledger fold reads, take effect at h + 1, and keep the org's membership the current voters.
"""

from __future__ import annotations

from tests.modules.conftest import CHAIN_ID, NODE_KEYS, Ledger, consortium_genesis
from tests.modules.consortium.conftest import ORG, Council, add, key, remove, rotate

from metrobloc.codec import b64url_encode
from metrobloc.execution import module_authority
from metrobloc.ledger.consortium import KeyHistory, SetChange, genesis_members
from metrobloc.modules import MODULES
from metrobloc.modules.consortium import KEEPER, MODULE
from metrobloc.modules.orgs import KEEPER as ORGS
from metrobloc.modules.orgs import treasury_address


def test_the_module_writes_nothing_at_genesis_and_comes_after_orgs() -> None:
    assert MODULE.init_genesis is None and MODULE.ante is None
    names = [m.name for m in MODULES]
    assert names.index("consortium") == names.index("orgs") + 1
    ledger = Ledger()
    assert not [k for k in ledger.state if k.startswith(b"consortium/")]
    assert KEEPER.members(ledger.state, ledger.genesis) == list(genesis_members(ledger.genesis))


def test_init_creates_the_consortium_org_with_one_vote_per_genesis_member(council: Council) -> None:
    org = ORGS.org(council.ledger.state, ORG)
    assert org is not None
    assert org.created_by == module_authority("consortium")
    assert org.treasury == treasury_address(ORG)
    assert (org.voting.support_bp, org.voting.quorum_bp, org.voting.exec_delay_ms) == (6666, 6666, 0)
    assert org.voting.early_execution is True
    assert council.org_members() == {k.address: 1 for k in NODE_KEYS}
    assert council.consortium_state() == {}  # still derived from the genesis: nothing materialised
    council.ledger.fails("consortium.already_initialised", [council.outsider], [{"type": "consortium/init"}])


def test_two_of_three_add_a_fourth_member_in_force_from_the_next_height(council: Council) -> None:
    water, voter = key("water node"), key("water voter")
    receipt = council.decide("add-water", [add("water", water, voter.address, name="Water Board")], council.voters[:2])
    assert receipt.status == "ok", receipt.error
    h = receipt.height
    [event] = [e for e in receipt.events if e.type == "consortium/add"]
    node_key = water.public_key.to_b64()
    assert event.attributes == {
        "seq": "1",
        "org": "water",
        "name": "Water Board",
        "node_key": node_key,
        "voter": voter.address,
        "effective_height": str(h + 1),
    }
    assert council.records() == [
        {**event.attributes, "kind": "add", "old_key": "", "height": str(h), "tx_hash": receipt.tx_hash}
    ]
    assert SetChange.from_event(event, h) == SetChange.from_record(council.records()[0])
    assert [m.org for m in council.members()] == ["org1", "org2", "org3", "water"]
    seat = KEEPER.seat(council.ledger.state, "water")
    assert seat is not None and (seat.since, seat.until, seat.node_key) == (h + 1, None, node_key)
    assert council.org_members() == {**{k.address: 1 for k in NODE_KEYS}, voter.address: 1}
    history = council.history()
    assert history.at(h).quorum == 2 and history.at(h + 1).quorum == 3
    assert water.public_key.raw not in history.at(h) and water.public_key.raw in history.at(h + 1)


def test_remove_and_rotate_follow_the_fold_and_keep_the_org_in_sync(council: Council) -> None:
    council.decide("add", [add("water", key("water"), key("water voter").address)])
    council.voters.append(key("water voter"))
    removed = council.decide("remove-org3", [remove("org3")], [council.voters[i] for i in (0, 1, 3)])
    assert removed.status == "ok", removed.error
    [event] = [e for e in removed.events if e.type == "consortium/remove"]
    org3_key = NODE_KEYS[2].public_key.to_b64()
    assert event.attributes == {
        "seq": "2",
        "org": "org3",
        "node_key": org3_key,
        "effective_height": str(removed.height + 1),
    }
    assert KEEPER.member(council.ledger.state, council.genesis, "org3") is None
    assert KEEPER.voter(council.ledger.state, NODE_KEYS[2].address) is None
    span = KEEPER.key_span(council.ledger.state, NODE_KEYS[2].public_key.raw)
    assert span is not None and span.until == removed.height + 1
    council.voters.remove(NODE_KEYS[2])

    new_key, new_voter = key("org1 new node"), key("org1 new voter")
    rotated = council.decide("rotate-org1", [rotate("org1", new_key, new_voter.address)])
    assert rotated.status == "ok", rotated.error
    [event] = [e for e in rotated.events if e.type == "consortium/rotate"]
    assert event.attributes == {
        "seq": "3",
        "org": "org1",
        "old_key": NODE_KEYS[0].public_key.to_b64(),
        "node_key": new_key.public_key.to_b64(),
        "voter": new_voter.address,
        "effective_height": str(rotated.height + 1),
    }
    members = council.members()
    assert [(m.org, m.node_key, m.voter) for m in members] == [
        ("org1", new_key.public_key.raw, new_voter.address),
        ("org2", NODE_KEYS[1].public_key.raw, NODE_KEYS[1].address),
        ("water", key("water").public_key.raw, key("water voter").address),
    ]
    assert council.org_members() == {m.voter: 1 for m in members}
    history = council.history()
    assert list(history.at(rotated.height + 1).members) == members
    assert history.count == KEEPER.count(council.ledger.state) == 3
    assert NODE_KEYS[0].public_key.raw in history.at(rotated.height)
    assert NODE_KEYS[0].public_key.raw not in history.at(rotated.height + 1)


def test_a_rotation_without_a_voter_keeps_the_voter_and_says_so_with_an_empty_one(council: Council) -> None:
    receipt = council.decide("rotate", [rotate("org2", key("org2 v2"))])
    assert receipt.status == "ok", receipt.error
    [event] = [e for e in receipt.events if e.type == "consortium/rotate"]
    assert event.attributes["voter"] == ""
    assert [e.type for e in receipt.events if e.type == "orgs/set_member"] == []
    assert council.members()[1].voter == NODE_KEYS[1].address
    assert council.records()[0]["voter"] == "" and council.records()[0]["name"] == ""


def test_changes_of_one_proposal_apply_in_order_at_the_same_height(council: Council) -> None:
    """A key added and rotated in one block gets an empty interval; the second action counts the
    member the first one added (it could not vote), so all three genesis members must say yes."""
    actions = [add("water", key("w1"), key("wv").address), rotate("water", key("w2"))]
    refused = council.decide("two", actions, council.voters[:2])
    assert refused.error is not None and refused.error["code"] == "consortium.no_supermajority"
    council.vote(council.voters[2], "two", "yes")
    done = council.execute("two")
    assert done.status == "ok", done.error
    history = council.history()
    h = done.height
    spans = [(m.node_key, since, until) for m, since, until in history.intervals() if m.org == "water"]
    assert spans == [(key("w1").public_key.raw, h + 1, h + 1), (key("w2").public_key.raw, h + 1, None)]
    assert list(history.at(h + 1).members) == council.members()


def test_a_one_member_genesis_decides_alone() -> None:
    solo = NODE_KEYS[0]
    ledger = Ledger(consortium_genesis([solo]))
    ledger.ok([solo], [{"type": "consortium/init"}])
    council = Council(ledger, [solo], key("outsider"))
    receipt = council.decide("grow", [add("second", key("second"), key("second voter").address)])
    assert receipt.status == "ok", receipt.error
    assert [m.org for m in council.members()] == ["org1", "second"]
    assert council.history().at(receipt.height + 1).quorum == 2


def test_the_default_test_genesis_has_three_organizations() -> None:
    genesis = consortium_genesis()
    assert genesis.chain_id == CHAIN_ID
    assert [m.org for m in genesis_members(genesis)] == ["org1", "org2", "org3"]
    assert KeyHistory.from_genesis(genesis).at(1).quorum == 2
    assert b64url_encode(NODE_KEYS[0].public_key.raw) == genesis.raw["organizations"][0]["node_key"]
