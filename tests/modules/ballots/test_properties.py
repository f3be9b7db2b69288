"""Property: whatever sequence of casts and re-casts residents make, the result the chain accepts is the
plaintext tally of each voter's last ballot, and no other counts are accepted."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.ballots.conftest import REGISTRY, Election, Residents, ballots_app, person
from tests.modules.conftest import Ledger

from metrobloc import sdk
from metrobloc.modules.ballots import KEEPER
from metrobloc.modules.ballots.client import counts

SELECTIONS = st.lists(st.integers(0, 1), min_size=3, max_size=3).filter(lambda s: sum(s) <= 2)
CASTS = st.lists(st.tuples(st.integers(0, 4), SELECTIONS), min_size=1, max_size=12)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(casts=CASTS, offline=st.integers(0, 2))
def test_the_accepted_result_is_the_tally_of_last_ballots(casts: list[tuple[int, list[int]]], offline: int) -> None:
    residents = Residents()
    ledger = Ledger()
    ledger.app = ballots_app(residents)
    ledger.executor.app = ledger.app
    election = Election(ledger, residents)
    for i in range(5):
        residents.holders[person(i).address] = REGISTRY.address
    question = {
        "question": "q",
        "options": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "min_selections": 0,
        "max_selections": 2,
    }
    election.create([question])
    election.keygen()
    election.open_casting()
    last: dict[int, list[int]] = {}
    for who, sel in casts:
        assert election.cast(person(who), [sel]).status == "ok"
        last[who] = sel
    election.close()
    for i in range(3):
        if i != offline:
            assert election.share(i).status == "ok"
    expected = [sum(s[o] for s in last.values()) for o in range(3)]
    assert counts(election.record()) == [expected]
    wrong = [expected[0] + 1, *expected[1:]] if expected[0] < len(last) else [expected[0] - 1, *expected[1:]]
    ledger.fails("ballots.wrong_result", [ledger.bob], [sdk.ballots.result(election.election, wrong)])
    ledger.ok([ledger.bob], [sdk.ballots.result(election.election, expected)])
    assert KEEPER.voters(ledger.state, election.election) == len(last)
