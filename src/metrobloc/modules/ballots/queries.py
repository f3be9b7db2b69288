"""Read-only queries of the ballots module over committed state: the elections, an election with its whole
record (what ``metrobloc ballots verify`` re-checks), and the voters' current ballots.

Who voted is public; what is not: a ballot is its ciphertexts and proofs. Lists are paged: at most
``limit`` items (1..100) after ``cursor``; ``next`` is the cursor of the following page, or null.
"""

from __future__ import annotations

from typing import Any

import orjson

from metrobloc.codec import is_address
from metrobloc.modules.ballots import errors, keys
from metrobloc.modules.ballots.keeper import BallotsKeeper, Election, Scanner
from metrobloc.modules.ballots.msgs import ElectionId

KEEPER = BallotsKeeper()
MAX_PAGE = 100


def election_id(value: str) -> str:
    if not ElectionId.pattern.fullmatch(value):
        raise errors.BAD_ELECTION.error(f"election must match {ElectionId.pattern.pattern}")
    return value


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise errors.BAD_QUERY.error(f"limit must be in 1..{MAX_PAGE}")
    return limit


def _election(state: Scanner, election: str) -> Election:
    found = KEEPER.election(state, election_id(election))
    if found is None:
        raise errors.UNKNOWN_ELECTION.error(f"no election {election}")
    return found


def elections(state: Scanner, cursor: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """A page of every election's record, by id."""
    start = None if cursor is None else keys.election_key(election_id(cursor))
    rows = state.scan(keys.election_prefix(), _limit(limit) + 1, start)
    items = [orjson.loads(v) for _, v in rows[:limit]]
    return {"elections": items, "next": items[-1]["election"] if len(rows) > limit else None}


def election(state: Scanner, election: str) -> dict[str, Any]:
    """The election, each guardian's key generation and decryption share, the total (final once closed),
    and the result with the option ids."""
    e = _election(state, election)
    return {
        **e.to_json(),
        "guardian_records": [g.to_json() for g in KEEPER.guardians(state, e)],
        "total": KEEPER.total(state, e.election),
        "tally": None if e.counts is None else KEEPER.tally(state, e.election),
    }


def ballots(state: Scanner, election: str, cursor: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """A page of the voters' current ballots, by voter address."""
    e = _election(state, election)
    if cursor is not None and not is_address(cursor):
        raise errors.BAD_QUERY.error("cursor must be an mb1 address (the next of the previous page)")
    start = None if cursor is None else keys.ballot_key(e.election, cursor)
    rows = state.scan(keys.ballot_prefix(e.election), _limit(limit) + 1, start)
    items = [orjson.loads(v) for _, v in rows[:limit]]
    return {"election": e.election, "ballots": items, "next": items[-1]["voter"] if len(rows) > limit else None}
