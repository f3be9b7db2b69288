"""State and the shared fold agree: after any sequence of adds, removals and rotations (with or without a
new voter), ``KeyHistory`` folded from the change records, and folded from the receipts' events, says the
same set as the keeper, at the effective height of every change; and the consortium org's members are
always exactly the current voters, one vote each.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.conftest import NODE_KEYS
from tests.modules.consortium.conftest import CHAIN_ID, add, council_of, key, remove, rotate

from metrobloc.crypto import PrivateKey
from metrobloc.ledger.consortium import CHANGE_EVENTS, KeyHistory, SetChange

STEPS = st.lists(
    st.tuples(st.sampled_from(("add", "remove", "rotate", "rotate_voter")), st.integers(0, 63)), max_size=10
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_records_events_and_the_keeper_say_the_same_set(steps: list[tuple[str, int]]) -> None:
    council = council_of(3)
    voters: dict[str, PrivateKey] = {f"org{i}": k for i, k in enumerate(NODE_KEYS, 1)}
    from_events = KeyHistory.from_genesis(council.genesis)
    for i, (kind, pick) in enumerate(steps):
        orgs = sorted(voters)
        org = orgs[pick % len(orgs)]
        if kind == "add":
            new_org, voter = f"new{i}", key(f"voter {i}")
            action = add(new_org, key(f"node {i}"), voter.address)
        elif kind == "remove":
            if len(voters) == 1:
                continue
            action = remove(org)
        else:
            voter = key(f"voter {i}") if kind == "rotate_voter" else None
            action = rotate(org, key(f"node {i}"), None if voter is None else voter.address)
        council.voters = list(voters.values())
        receipt = council.decide(f"p{i}", [action])
        assert receipt.status == "ok", receipt.error
        if kind == "add":
            voters[new_org] = voter
        elif kind == "remove":
            del voters[org]
        elif kind == "rotate_voter":
            voters[org] = voter  # type: ignore[assignment]
        for event in receipt.events:
            if event.type in CHANGE_EVENTS:
                from_events = from_events.apply(SetChange.from_event(event, receipt.height))
        members = council.members()
        assert list(council.history().at(receipt.height + 1).members) == members
        assert from_events == council.history()
        assert council.org_members() == {m.voter: 1 for m in members}
        assert {m.org: m.voter for m in members} == {o: k.address for o, k in voters.items()}
    assert council.ledger.genesis.chain_id == CHAIN_ID
