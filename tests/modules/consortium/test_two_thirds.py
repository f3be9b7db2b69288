"""The two-thirds rule at its exact integer boundary, against a plain model: for any n ≤ 64 genesis
members and any votes, a set change (here a key rotation) applies iff 3·yes ≥ 2·n, and then at once (early execution);
otherwise the early execute is too early and, after the period, the proposal is either rejected by
the orgs rule or refused by the module with ``consortium.no_supermajority``; never applied.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.consortium.conftest import ORG, council_of, key, rotate

from metrobloc.ledger import quorum
from metrobloc.modules.consortium import KEEPER
from metrobloc.modules.orgs import KEEPER as ORGS

OPTIONS = ("yes", "no", "abstain", None)


def orgs_passes(votes: list[str | None]) -> bool:
    """The orgs pass rule with the consortium's rules (6666 bp support and quorum), as fractions."""
    yes, no, abstain = (votes.count(o) for o in ("yes", "no", "abstain"))
    bar = Fraction(6666, 10_000)
    return yes > 0 and Fraction(yes, yes + no) >= bar and Fraction(yes + no + abstain, len(votes)) >= bar


def check(votes: list[str | None]) -> None:
    n = len(votes)
    council = council_of(n)
    assert council.propose("change", [rotate("org1", key("org1 v2"))]).status == "ok"
    for who, option in zip(council.voters, votes, strict=True):
        if option is not None:
            council.vote(who, "change", option)
    yes = votes.count("yes")
    two_thirds = Fraction(yes, n) >= Fraction(2, 3)
    assert two_thirds == (3 * yes >= 2 * n) == (yes >= quorum(n))
    early = council.execute("change")
    if two_thirds:
        assert early.status == "ok", early.error
        assert KEEPER.count(council.ledger.state) == 1
        assert council.members()[0].node_key == key("org1 v2").public_key.raw
        return
    assert early.error is not None and early.error["code"] == "orgs.too_early"
    council.after_the_period()
    late = council.execute("change")
    assert KEEPER.count(council.ledger.state) == 0
    if orgs_passes(votes):
        assert late.error is not None and late.error["code"] == "consortium.no_supermajority"
    else:
        assert late.status == "ok", late.error
        assert ORGS.proposal(council.ledger.state, ORG, "change").status == "rejected"  # type: ignore[union-attr]


@st.composite
def ballots(draw: st.DrawFn) -> list[str | None]:
    """n votes, the yes count near the boundary ceil(2n/3) more often than not."""
    n = draw(st.integers(1, 64))
    if draw(st.booleans()):
        return draw(st.lists(st.sampled_from(OPTIONS), min_size=n, max_size=n))
    yes = min(n, max(0, quorum(n) + draw(st.integers(-2, 1))))
    rest = draw(st.lists(st.sampled_from(OPTIONS[1:]), min_size=n - yes, max_size=n - yes))
    return draw(st.permutations(["yes"] * yes + rest))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ballots())
def test_a_change_applies_iff_three_yes_reach_two_members(votes: list[str | None]) -> None:
    check(votes)


@pytest.mark.parametrize(
    "votes",
    [
        ["yes", "yes", None],  # n=3, yes=2: 6 >= 6
        ["yes", "yes", "yes", "yes", "no", "no"],  # n=6, yes=4: 12 >= 12
        ["yes", "yes", "yes", "abstain", "abstain", None],  # n=6, yes=3 + abstain: passes orgs, refused
        ["yes", "yes", "abstain", None],  # n=4, yes=2 + abstain: refused after the period
        ["yes", "yes", "yes", None],  # n=4, yes=3: 9 >= 8
        ["yes"] * 42 + ["no"] * 22,  # n=64, yes=42: 126 < 128
        ["yes"] * 43 + [None] * 21,  # n=64, yes=43: 129 >= 128
        ["yes"],  # n=1
    ],
)
def test_the_boundaries_named_in_the_design(votes: list[str | None]) -> None:
    check(votes)
