"""The ballots module's portal pages (found by the portal by convention): every election, and an
election's page: its questions and census, its phases in chain time, the guardians' key generation,
turnout and who voted (never what), the result, and the verification steps with how to run them
yourself (``metrobloc ballots verify``).

The steps are checked in the reader's browser, never by this node (ARCHITECTURE.md §7):
``js/ballots-verify.js`` fetches the record and the ballots this node serves and re-checks them with
``js/verify/ballots.js`` (docs/spec/ballots.md §9), on its own for elections of up to
``AUTO_VERIFIED_VOTERS`` voters and on a button press beyond.

The phase is answered at the block time of the block the page reflects, never the server's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, Protocol

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.modules.ballots import queries
from metrobloc.modules.ballots.keeper import Scanner

P = ParamSpec("P")
PAGE = 50
VOTERS_SHOWN = 100
AUTO_VERIFIED_VOTERS = 300
"""Up to this many voters, the reader's browser re-checks the election as soon as the page loads."""
ELECTION = Path(max_length=80)
CURSOR = Query(None, max_length=80)
NAV = (("Elections", "/ballots"),)
LINKS = {"election": "/ballots/{}"}
BROWSER_STEPS = ("key generation", "ballot proofs", "total", "decryption shares", "counts")
"""The steps js/verify/ballots.js checks (the receipts need proof bundles: the CLI's step)."""
STEPS = {
    "receipts": "Each ballot's cast is in an attested block: its receipt's event names the ballot's SHA-256.",
    "key generation": "Each guardian's commitments carry proofs of knowledge; the joint key is the sum of "
    "their constant terms, and each guardian's public share follows from all commitments.",
    "ballot proofs": "Every ballot's proofs verify for its voter, this election and this chain: each option "
    "encrypts 0 or 1, the number of selections is within the limits, the selected weight within the budget.",
    "total": "The final total is the sum of every voter's last ballot (a re-vote replaced the earlier one).",
    "decryption shares": "Each guardian's share of the final total proves (Chaum-Pedersen) that it used the "
    "secret behind its public share.",
    "counts": "The counts satisfy counts·G = B − Σ λᵢ·Dᵢ over threshold shares: no discrete log is trusted.",
}


class Site(Protocol):
    """What these pages need of the portal."""

    @property
    def chain_id(self) -> str: ...

    def tip_time_ms(self) -> int: ...

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any]]], Callable[P, Response]]: ...

    def height(self) -> int: ...


def phase(e: Mapping[str, Any], at_ms: int) -> str:
    """keygen, waiting (key fixed, casting not open), casting, counting (casting over or closed), decided, aborted."""
    status = str(e["status"])
    if status in ("decided", "aborted", "keygen"):
        return status
    if status == "closed" or at_ms >= e["cast_end_ms"]:
        return "counting"
    return "casting" if at_ms >= e["cast_start_ms"] else "waiting"


def election_page(state: Scanner, election: str, at_ms: int, chain_id: str) -> dict[str, Any]:
    record = queries.election(state, election)
    listed = queries.ballots(state, election, None, VOTERS_SHOWN)
    results = None
    if record["tally"] is not None:
        results = [
            {
                "question": q["question"],
                "rows": [{"id": i, "count": n} for i, n in rows],
                "total": sum(n for _, n in rows),
            }
            for q, rows in zip(record["questions"], record["tally"], strict=True)
        ]
    return {
        **record,
        "phase": phase(record, at_ms),
        "at_ms": at_ms,
        "voters_listed": listed["ballots"],
        "more_voters": listed["next"] is not None,
        "results": results,
        "chain_id": chain_id,
        "verifiable": record["joint_key"] is not None,
        "auto_verify": record["voters"] <= AUTO_VERIFIED_VOTERS,
        "browser_steps": BROWSER_STEPS,
        "step_words": STEPS,
    }


def router(state: Scanner, site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/ballots")
    @site.page("ballots/elections.html")
    def elections(cursor: str | None = CURSOR) -> Mapping[str, Any]:
        page = queries.elections(state, cursor, PAGE)
        return {
            "elections": page["elections"],
            "next_url": None if page["next"] is None else f"/ballots?cursor={page['next']}",
        }

    @r.get("/ballots/{election}")
    @site.page("ballots/election.html")
    def election(election: str = ELECTION) -> Mapping[str, Any]:
        return election_page(state, election, site.tip_time_ms(), site.chain_id)

    return r


__all__ = ["LINKS", "NAV", "router"]
