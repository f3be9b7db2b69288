"""The budgeting rules as pure integer functions (docs/spec/budgeting.md §3–§5): a ballot against its
budget's voting rule, finalize's selection of winners, and a project's progress. Handlers, queries and
the tests' plain models all go through these, so an answer never disagrees with what executing does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from metrobloc.execution import ErrorCode
from metrobloc.modules.budgeting import errors

BP = 10_000


@dataclass(frozen=True)
class VotingRule:
    """A budget's voting rule (the ``Rule`` record of ``msgs.py``, as stored)."""

    kind: str
    """``spend``, ``min_projects`` or ``projects``."""
    min_bp: int = 0
    min: int = 0
    max: int = 0


def ballot_error(rule: VotingRule, amount: int, costs: Sequence[int]) -> ErrorCode | None:
    """Why a ballot selecting projects of these ``costs`` breaks ``rule`` for a budget of ``amount``, or None.

    - ``spend``: ``sum(costs) * 10000 >= min_bp * amount`` and ``sum(costs) <= amount``;
    - ``min_projects``: ``len(costs) >= min`` and ``sum(costs) <= amount``;
    - ``projects``: ``min <= len(costs) <= max``, whatever they cost.
    """
    spent, n = sum(costs), len(costs)
    if rule.kind == "spend":
        if spent > amount:
            return errors.SPEND_TOO_HIGH
        return errors.SPEND_TOO_LOW if spent * BP < rule.min_bp * amount else None
    if rule.kind == "min_projects":
        if spent > amount:
            return errors.SPEND_TOO_HIGH
        return errors.TOO_FEW if n < rule.min else None
    if n < rule.min:
        return errors.TOO_FEW
    return errors.TOO_MANY if n > rule.max else None


def select(candidates: Sequence[tuple[str, int, int]], amount: int) -> list[str]:
    """The winners among ``(project, cost, votes)``: by votes descending, then cost ascending, then id;
    each project with at least one vote is taken if its cost fits what is left of ``amount``, else
    skipped (a cheaper one further down may still fit). Returned in that order."""
    left, winners = amount, []
    for project, cost, votes in sorted(candidates, key=lambda c: (-c[2], c[1], c[0])):
        if votes > 0 and cost <= left:
            winners.append(project)
            left -= cost
    return winners


def progress(milestones: Sequence[tuple[int, int]], cost: int) -> int:
    """A project's progress in whole percent: the average of its milestones' percents weighted by their
    amounts, ``floor(sum(amount * percent) / cost)`` (rounded down: 100 only when every milestone is)."""
    return sum(amount * percent for amount, percent in milestones) // cost if cost else 0
