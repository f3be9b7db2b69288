"""The voting rules as integer arithmetic, pure functions of a tally, the rules and block time
(docs/spec/orgs.md §3). Handlers and queries both decide with these, so an answer never disagrees
with what executing would do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BP = 10_000


@dataclass(frozen=True)
class Rules:
    """The voting rules a proposal was made under (the org's ``voting`` at that block)."""

    support_bp: int
    quorum_bp: int
    period_ms: int
    exec_delay_ms: int
    early_execution: bool

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Rules:
        return cls(**rec)


@dataclass(frozen=True)
class Tally:
    """The weight of the votes cast on a proposal, by option."""

    yes: int = 0
    no: int = 0
    abstain: int = 0

    def moved(self, weight: int, old: str | None, new: str) -> Tally:
        """The tally after a voter of ``weight`` moved its vote from ``old`` (None: had not voted) to ``new``."""
        counts = {"yes": self.yes, "no": self.no, "abstain": self.abstain}
        if old is not None:
            counts[old] -= weight
        counts[new] += weight
        return Tally(**counts)


def passes(t: Tally, total: int, r: Rules) -> bool:
    """The pass rule: some yes, enough support among yes + no, and a quorum of the snapshot's weight.

    ``yes > 0 and yes·10⁴ ≥ support_bp·(yes + no) and (yes + no + abstain)·10⁴ ≥ quorum_bp·total``.
    """
    return (
        t.yes > 0
        and t.yes * BP >= r.support_bp * (t.yes + t.no)
        and (t.yes + t.no + t.abstain) * BP >= r.quorum_bp * total
    )


def decided(t: Tally, total: int, r: Rules) -> bool:
    """The yes votes alone pass it, even if all the other weight voted no: ``yes·10⁴ ≥ support_bp·total`` and
    ``yes·10⁴ ≥ quorum_bp·total``. Early execution needs this (and the rules to allow it)."""
    return t.yes * BP >= r.support_bp * total and t.yes * BP >= r.quorum_bp * total


def quiet_window(r: Rules) -> int:
    """The last part of the period in which a vote that flips the outcome extends it; also the extension."""
    return r.period_ms // 10


def extends(before: Tally, after: Tally, total: int, r: Rules, end_ms: int, extended: bool, now_ms: int) -> bool:
    """A vote at ``now_ms`` moving ``before`` to ``after`` extends the end by ``quiet_window``: it came in the
    window (``now_ms ≥ end_ms − window``), flipped whether the proposal passes, and none did before."""
    if extended or now_ms < end_ms - quiet_window(r):
        return False
    return passes(before, total, r) != passes(after, total, r)


def executable_from(end_ms: int, r: Rules) -> int:
    """The first block time at which a passed proposal executes without deciding early."""
    return end_ms + r.exec_delay_ms


def outcome(t: Tally, total: int, r: Rules, end_ms: int, now_ms: int) -> str:
    """What ``orgs/execute`` at block time ``now_ms`` does with an open proposal.

    ``execute`` (it passed and may execute: early, or after end + delay), ``reject`` (voting is over and
    it did not pass), or ``wait`` (too early: ``orgs.too_early``).
    """
    if r.early_execution and decided(t, total, r):
        return "execute"
    if now_ms < end_ms:
        return "wait"
    if not passes(t, total, r):
        return "reject"
    return "execute" if now_ms >= executable_from(end_ms, r) else "wait"


def budget_period(now_ms: int, period_ms: int) -> int:
    """The index of the budget period holding block time ``now_ms``: periods are aligned on multiples of it."""
    return now_ms // period_ms
