"""Must-hold 1 of issue 13: support, quorum, quiet ending, execution delay and early execution, at their
exact integer boundaries, agree with a plain model of the rules.

The model below is written from the issue and docs/spec/orgs.md with fractions (``Fraction(yes, yes +
no) >= support_bp / 10^4``), not with the module's cross-multiplied integers, and knows nothing of its
code. Random sequences of votes (members and an outsider), jumps of block time to just before, at and
just after the end, the quiet window and the execution time, and execute attempts run through the
real executor; after every step the receipt (ok, or the model's code) and the proposal as the query
answers it (tally, end, extension, status, passes, phase) must be the model's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.modules.conftest import Ledger
from tests.modules.orgs.conftest import Civic

from metrobloc.crypto import PrivateKey

EXACT = sorted({10_000 * a // b for b in (1, 2, 3, 4, 5, 8) for a in range(1, b + 1)})
"""Thresholds small tallies can meet exactly (1/2, 3/4, 2/5, 3/8, ...) and 1/3, 2/3 that they cannot."""
SUPPORTS = st.one_of(st.sampled_from([2500, 5000, 7500, 10000]), st.sampled_from(EXACT), st.integers(1, 10000))
QUORUMS = st.one_of(st.sampled_from([0, *EXACT]), st.integers(0, 10000))
PERIODS = st.sampled_from([60_000, 90_000, 600_000])
DELAYS = st.sampled_from([0, 1, 1000, 60_000])
OPTIONS = st.sampled_from(["yes", "no", "abstain"])

WHEN = st.one_of(
    st.none(),
    st.none(),
    st.none(),
    st.tuples(st.sampled_from(["quiet", "end", "exec"]), st.sampled_from([-1000, -1, 0, 0, 0, 1, 999])),
)
"""When a step's block comes: mostly next (None), else just before, at or just after an anchor of the proposal."""
VOTERS = st.one_of(st.integers(0, 1), st.integers(0, 4))
"""Mostly the first two people, members in every example; 2 to 4 are members or not, 4 never."""
vote = st.tuples(st.just("vote"), WHEN, VOTERS, OPTIONS)
execute = st.tuples(st.just("execute"), WHEN)
advance = st.tuples(st.just("advance"), st.integers(0, 30_000))
steps = st.lists(st.one_of(vote, vote, vote, execute, advance), min_size=4, max_size=16)


@dataclass
class Model:
    """The rules of the issue, plainly: fractions, a dict of votes, one proposal."""

    weights: dict[str, int]
    support_bp: int
    quorum_bp: int
    period_ms: int
    exec_delay_ms: int
    early: bool
    start_ms: int
    end_ms: int = 0
    extended: bool = False
    status: str = "open"
    votes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.end_ms = self.start_ms + self.period_ms

    @property
    def total(self) -> int:
        return sum(self.weights.values())

    def tally(self) -> dict[str, int]:
        out = {"yes": 0, "no": 0, "abstain": 0}
        for who, option in self.votes.items():
            out[option] += self.weights[who]
        return out

    def passes(self) -> bool:
        t = self.tally()
        if t["yes"] == 0:
            return False
        support = Fraction(t["yes"], t["yes"] + t["no"]) >= Fraction(self.support_bp, 10_000)
        quorum = Fraction(t["yes"] + t["no"] + t["abstain"], self.total) >= Fraction(self.quorum_bp, 10_000)
        return support and quorum

    def decided(self) -> bool:
        """Even if every other unit of weight voted no, it would pass."""
        yes = Fraction(self.tally()["yes"], self.total)
        return yes >= Fraction(self.support_bp, 10_000) and yes >= Fraction(self.quorum_bp, 10_000)

    def vote(self, who: str, option: str, now: int) -> str | None:
        if who not in self.weights:
            return "orgs.not_member"
        if self.status != "open" or now >= self.end_ms:
            return "orgs.voting_closed"
        before = self.passes()
        self.votes[who] = option
        in_window = now >= self.end_ms - self.period_ms // 10
        if not self.extended and in_window and before != self.passes():
            self.end_ms += self.period_ms // 10
            self.extended = True
        return None

    def execute(self, now: int) -> str | None:
        if self.status != "open":
            return "orgs.closed"
        if self.early and self.decided():
            self.status = "executed"
        elif now < self.end_ms:
            return "orgs.too_early"
        elif not self.passes():
            self.status = "rejected"
        elif now >= self.end_ms + self.exec_delay_ms:
            self.status = "executed"
        else:
            return "orgs.too_early"
        return None


def _target(model: Model, anchor: str) -> int:
    window = model.period_ms // 10
    return {
        "quiet": model.end_ms - window,
        "end": model.end_ms,
        "exec": model.end_ms + model.exec_delay_ms,
    }[anchor]


def _boundaries(model: Model, now: int) -> None:
    """Count the exact boundaries an example reaches (``--hypothesis-show-statistics`` lists them)."""
    t, total = model.tally(), model.total
    if t["yes"] and t["yes"] * 10_000 == model.support_bp * (t["yes"] + t["no"]):
        event("support exactly at its threshold")
    if (t["yes"] + t["no"] + t["abstain"]) * 10_000 == model.quorum_bp * total:
        event("quorum exactly at its threshold")
    if t["yes"] * 10_000 in (model.support_bp * total, model.quorum_bp * total):
        event("early decision exactly at its threshold")
    if now == model.end_ms - model.period_ms // 10 and not model.extended:
        event("a step exactly at the start of the quiet window")
    if now == model.end_ms + model.exec_delay_ms:
        event("a step exactly at the end of the execution delay")


def _check(civic: Civic, model: Model) -> None:
    answer = civic.proposal("p", at_ms=civic.ledger.next_time_ms)
    assert answer["tally"] == model.tally()
    assert (answer["end_ms"], answer["extended"], answer["status"]) == (model.end_ms, model.extended, model.status)
    assert answer["passes"] == model.passes()
    assert answer["decided"] == model.decided()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    weights=st.one_of(
        st.lists(st.just(1), min_size=2, max_size=4), st.lists(st.integers(1, 3), min_size=2, max_size=4)
    ),
    support=SUPPORTS,
    quorum=QUORUMS,
    period=PERIODS,
    delay=DELAYS,
    early=st.booleans(),
    plan=steps,
)
def test_votes_time_and_execution_follow_the_model(
    weights: list[int], support: int, quorum: int, period: int, delay: int, early: bool, plan: list[tuple[Any, ...]]
) -> None:
    ledger = Ledger()
    people = [PrivateKey(bytes([0x70 + i]) * 32) for i in range(5)]  # the last is never a member
    civic = Civic(ledger, people[0], people[1], people[2], people[3])
    members = list(zip(people, weights, strict=False))
    civic.create(
        members=members,
        support_bp=support,
        quorum_bp=quorum,
        period_ms=period,
        exec_delay_ms=delay,
        early_execution=early,
    )
    start = ledger.next_time_ms
    assert civic.propose("p", []).status == "ok"
    model = Model({k.address: w for k, w in members}, support, quorum, period, delay, early, start)
    for step in plan:
        if step[0] == "advance":
            ledger.advance(step[1])
            continue
        if step[1] is not None:
            civic.wait_until(_target(model, step[1][0]) + step[1][1])
        now = ledger.next_time_ms
        _boundaries(model, now)
        if step[0] == "vote":
            who, option = people[step[2]], step[3]
            expected = model.vote(who.address, option, now)
            receipt = civic.vote(who, "p", option)
        else:
            expected = model.execute(now)
            receipt = civic.execute("p")
        if expected is None:
            assert receipt.status == "ok", (step, receipt.error)
        else:
            assert receipt.status == "failed" and receipt.error is not None, (step, receipt)
            assert receipt.error["code"] == expected, (step, receipt.error)
        _check(civic, model)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ballots=st.lists(
        st.tuples(st.integers(1, 5), st.sampled_from(["yes", "no", "abstain", None])), min_size=1, max_size=5
    ),
    support_delta=st.sampled_from([-1, 0, 0, 1]),
    quorum_delta=st.sampled_from([-1, 0, 0, 1]),
    early=st.booleans(),
)
def test_support_and_quorum_at_their_thresholds_follow_the_model(
    ballots: list[tuple[int, str | None]], support_delta: int, quorum_delta: int, early: bool
) -> None:
    """Thresholds put exactly where the tally meets them (floor(yes·10⁴/(yes+no)), floor(cast·10⁴/total):
    equal whenever the division is exact), or one basis point either side; the proposal closes as the
    model says: executed early, too early, executed after the delay, or rejected."""
    weights = [w for w, _ in ballots]
    yes = sum(w for w, o in ballots if o == "yes")
    no = sum(w for w, o in ballots if o == "no")
    cast = sum(w for w, o in ballots if o is not None)
    support = min(10_000, max(1, (yes * 10_000 // (yes + no) if yes + no else 5000) + support_delta))
    quorum = min(10_000, max(0, cast * 10_000 // sum(weights) + quorum_delta))
    ledger = Ledger()
    people = [PrivateKey(bytes([0x80 + i]) * 32) for i in range(len(ballots))]
    civic = Civic(ledger, people[0], people[0], people[0], people[0])
    members = list(zip(people, weights, strict=True))
    civic.create(members=members, support_bp=support, quorum_bp=quorum, early_execution=early)
    model = Model({k.address: w for k, w in members}, support, quorum, 600_000, 120_000, early, ledger.next_time_ms)
    assert civic.propose("p", []).status == "ok"
    for who, (_, option) in zip(people, ballots, strict=True):
        if option is not None:
            assert model.vote(who.address, option, ledger.next_time_ms) is None
            assert civic.vote(who, "p", option).status == "ok"
    _check(civic, model)
    _boundaries(model, ledger.next_time_ms)
    expected = model.execute(ledger.next_time_ms)  # before the end: early, or too early
    receipt = civic.execute("p")
    assert (receipt.error or {}).get("code") == expected, receipt
    if expected is not None:
        civic.wait_until(model.end_ms + model.exec_delay_ms)
        assert model.execute(ledger.next_time_ms) is None
        assert civic.execute("p").status == "ok"
    _check(civic, model)
    assert civic.proposal("p")["status"] == ("executed" if model.passes() else "rejected")


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ballots=st.lists(
        st.tuples(st.integers(1, 3), st.sampled_from(["yes", "no", "abstain", None])), min_size=2, max_size=4
    ),
    support=st.sampled_from([2500, 5000, 7500, 10000]),
    quorum=st.sampled_from([0, 2500, 5000, 7500]),
    late=st.lists(
        st.tuples(st.integers(0, 3), OPTIONS, st.sampled_from(["quiet", "end"]), st.sampled_from([-1, 0, 1])),
        min_size=1,
        max_size=4,
    ),
)
def test_a_late_vote_that_flips_the_outcome_extends_voting_once(
    ballots: list[tuple[int, str | None]], support: int, quorum: int, late: list[tuple[int, str, str, int]]
) -> None:
    """Votes in the period, then late votes just before, at and just after the start of the quiet window
    (end − period/10) and the end: the end moves as the model says, once at most."""
    weights = [w for w, _ in ballots]
    ledger = Ledger()
    people = [PrivateKey(bytes([0x90 + i]) * 32) for i in range(4)]
    civic = Civic(ledger, people[0], people[1], people[2], people[3])
    members = list(zip(people, weights, strict=False))
    civic.create(members=members, support_bp=support, quorum_bp=quorum)
    model = Model({k.address: w for k, w in members}, support, quorum, 600_000, 120_000, False, ledger.next_time_ms)
    assert civic.propose("p", []).status == "ok"
    for who, (_, option) in zip(people, ballots, strict=False):
        if option is not None:
            assert model.vote(who.address, option, ledger.next_time_ms) is None
            assert civic.vote(who, "p", option).status == "ok"
    for index, option, anchor, offset in late:
        civic.wait_until(_target(model, anchor) + offset)
        _boundaries(model, ledger.next_time_ms)
        expected = model.vote(people[index].address, option, ledger.next_time_ms)
        receipt = civic.vote(people[index], "p", option)
        assert (receipt.error or {}).get("code") == expected, receipt
        _check(civic, model)
