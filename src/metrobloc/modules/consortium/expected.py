"""What the consortium module needs from the orgs module (satisfied by the orgs keeper, wired by name).

The consortium is an org: its members' voters are the org's members, one vote each, and a set change
is the action of one of its passed proposals. The module reads who voted yes on that proposal itself,
so that the bar is exactly two thirds of the members (docs/spec/consortium.md §4).
"""

from __future__ import annotations

from typing import Protocol

from metrobloc.execution.state_access import Reader


class BallotLike(Protocol):
    """One account of a proposal's snapshot."""

    @property
    def option(self) -> str | None:
        """``yes``, ``no``, ``abstain``, or None while it has not voted."""
        ...


class Orgs(Protocol):
    """Satisfied by the orgs keeper."""

    def org(self, state: Reader, org: str) -> object | None:
        """The org, or None if it does not exist."""
        ...

    def treasury(self, org: str) -> str:
        """The org's treasury address, derived from its id: no key controls it."""
        ...

    def ballot(self, state: Reader, org: str, proposal: str, address: str) -> BallotLike | None:
        """``address``'s entry in the proposal's snapshot, or None if it was not a member then."""
        ...
