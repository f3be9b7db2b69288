"""What the assets module needs from other modules: a role check, watch-lists, and records of civic actions."""

from __future__ import annotations

from typing import Protocol

from metrobloc.execution.state_access import Reader


class RoleChecker(Protocol):
    """Satisfied by the accounts keeper."""

    def has_role(self, state: Reader, address: str, role: str) -> bool: ...


class Watchlist(Protocol):
    """Satisfied by the watch-list keeper (its expected.py documents the offer)."""

    def is_listed(self, state: Reader, list_id: str, subject: str, at_ms: int) -> bool: ...


class CivicActions(Protocol):
    """Satisfied by a module whose recorded actions may be rewarded (the time-bank keeper).

    ``civic_actors(state, "record_service", "17")``: the accounts that performed the recorded action
    of that message type and id, or None when there is no such record.
    """

    def civic_actors(self, state: Reader, message: str, ref: str) -> tuple[str, ...] | None: ...
