"""The orgs module's portal pages (found by the portal by convention, like ``routes.py`` by the API):
every org; an org's page (charter, voting rules in words, members and weights, treasury and budgets,
proposals by status); a proposal's page (its actions in words, the snapshot, the live tally against
the thresholds, every vote, and its history with a link to each tx, whose page has the proof).

What depends on time (a budget's room, a proposal's phase) is answered at the block time of the block
the page reflects, never the server's clock. Templates live in ``templates/orgs/``. The portal hands
``router`` the committed state, a ``Site`` (the narrow part of the portal these pages use) and the
assets keeper the module ``needs`` (the treasury's balances).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any, ParamSpec, Protocol

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.modules.orgs import errors, queries, rules
from metrobloc.modules.orgs.keeper import Org, Proposal, Reader, Scanner

P = ParamSpec("P")
Listing = Callable[[str | None, int], tuple[list[dict[str, Any]], str | None]]
PAGE = 50
"""Orgs per page of the list."""
PROPOSALS_SHOWN = 20
"""Proposals of each status on an org's page (``?status=`` pages through one status)."""
ORG = Path(max_length=80)
PROPOSAL = Path(max_length=80)
CURSOR = Query(None, max_length=80)
STATUS = Query(None, pattern="^(open|executed|rejected)$")
NAV = (("Organizations", "/orgs"),)
"""Links this module adds to the portal's main navigation."""
LINKS = {"org": "/orgs/{}"}
"""Field and event attribute names whose values are org pages (the tx page links them)."""
SEARCH_PAGES = {"org": "/orgs/{}", "proposal": "/orgs/{}/proposals/{}"}
"""Where the search box's exact match of an org id, or of ``<org>/<proposal>``, goes."""
ORG_FIELDS = tuple(f.name for f in fields(Org))
"""The columns of the orgs export: an org's record, as ``GET /v1/orgs`` lists it."""
PROPOSAL_FIELDS = (*(f.name for f in fields(Proposal)), "passes")
"""The columns of an org's proposals export, as ``GET /v1/orgs/{org}/proposals`` lists them."""
UNITS = (("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000), ("second", 1_000), ("millisecond", 1))


class Site(Protocol):
    """What these pages need of the portal."""

    def block_receipts(self, height: int) -> list[dict[str, Any]]: ...

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any]]], Callable[P, Response]]: ...

    def export(self, listing: Listing, fields: Sequence[str], fmt: str, name: str, cursor: str | None) -> Response: ...

    def amount(self, units: int | str, asset: str) -> str: ...

    def height(self) -> int: ...

    def tip_time_ms(self) -> int: ...


class Balances(Protocol):
    """Satisfied by the assets keeper: an account's balance on record in an asset."""

    def balance(self, state: Reader, asset: str, address: str) -> int: ...


# -- words ------------------------------------------------------------------------------------------
def duration(ms: int) -> str:
    """``86_400_000`` -> ``1 day``; ``60_480_000`` -> ``16 hours 48 minutes``: every non-zero unit."""
    parts = []
    for unit, size in UNITS:
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count:,} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts) or "no time"


def percent(bp: int) -> str:
    """Basis points as a percentage, exactly: ``6000`` -> ``60%``, ``6667`` -> ``66.67%``."""
    whole, part = divmod(bp, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def share(part: int, whole: int) -> str:
    """``part / whole`` as a percentage rounded down to 0.01%: at a threshold in basis points it reads
    at or above the threshold exactly when the rule counts it as met."""
    bp = part * rules.BP // whole if whole else 0
    return f"{bp // 100}.{bp % 100:02d}%"


def rules_in_words(voting: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(rule, sentence) for each voting rule (docs/spec/orgs.md §3-4)."""
    period, delay, window = voting["period_ms"], voting["exec_delay_ms"], rules.quiet_window(rules.Rules(**voting))
    quorum = voting["quorum_bp"]
    return [
        (
            "Support",
            f"at least {percent(voting['support_bp'])} of the weight voting yes or no votes yes "
            "(abstentions count for the quorum only).",
        ),
        (
            "Quorum",
            f"the weight that votes (yes, no or abstain) is at least {percent(quorum)} of the members' total "
            "weight when the proposal was made."
            if quorum
            else "none: no minimum turnout.",
        ),
        ("Voting period", f"{duration(period)} from the proposal; a member may change its vote until the end."),
        (
            "Quiet ending",
            f"a vote in the last tenth of the period (the last {duration(window)}) that flips the outcome extends "
            f"voting once, by {duration(window)}.",
        ),
        (
            "Execution delay",
            f"a passed proposal may be executed {duration(delay)} after voting ends, by anyone."
            if delay
            else "none: a passed proposal may be executed by anyone as soon as voting ends.",
        ),
        (
            "Early execution",
            "allowed: once the yes votes alone pass it (even if all the other weight voted no), anyone may execute "
            "it at once."
            if voting["early_execution"]
            else "not allowed: every proposal waits for the end of voting.",
        ),
    ]


def action_view(site: Site, action: Mapping[str, Any]) -> dict[str, Any]:
    """An action (a message the treasury sends) with what its words need: its module and name, its
    amount with the asset's decimals, its period or rules in words, and its other fields."""
    kind = str(action.get("type", ""))
    module, _, name = kind.partition("/")
    view: dict[str, Any] = {"type": kind, "module": module, "name": name.replace("_", " "), "msg": dict(action)}
    if isinstance(action.get("asset"), str) and str(action.get("amount", "")).isdigit():
        view["amount"] = site.amount(action["amount"], action["asset"])
    if isinstance(action.get("period_ms"), int):
        view["period"] = duration(action["period_ms"])
    if isinstance(action.get("voting"), dict):
        view["rules"] = rules_in_words(action["voting"])
    view["fields"] = [(k.replace("_", " "), v) for k, v in action.items() if k != "type"]
    return view


# -- the tally ----------------------------------------------------------------------------------------
def tally_view(p: Mapping[str, Any]) -> dict[str, Any]:
    """The tally against the proposal's thresholds, each part of the pass rule on its own, and the yes
    weight that would decide it early (docs/spec/orgs.md §4)."""
    t, r, total = p["tally"], p["rules"], p["total_weight"]
    yes, no, abstain = t["yes"], t["no"], t["abstain"]
    cast = yes + no + abstain
    return {
        **t,
        "cast": cast,
        "not_cast": total - cast,
        "support_bp": yes * rules.BP // (yes + no) if yes + no else 0,
        "support_now": share(yes, yes + no) if yes + no else None,
        "support_met": yes > 0 and yes * rules.BP >= r["support_bp"] * (yes + no),
        "quorum_bp": cast * rules.BP // total,
        "quorum_now": share(cast, total),
        "quorum_met": cast * rules.BP >= r["quorum_bp"] * total,
        "decide_at": -(-max(r["support_bp"], r["quorum_bp"]) * total // rules.BP),  # the least yes that decides
        "support_needed": percent(r["support_bp"]),
        "quorum_needed": percent(r["quorum_bp"]),
        "shares": {option: share(t[option], total) for option in ("yes", "no", "abstain")},
        "not_cast_share": share(total - cast, total),
    }


# -- history --------------------------------------------------------------------------------------------
def _is(kind: str, item: Mapping[str, Any], about: Mapping[str, str]) -> bool:
    """Whether a message (or an event's type and attributes) is of ``kind`` and names ``about``'s values."""
    return item.get("type") == kind and all(item.get(k) == v for k, v in about.items())


def _votes_in(site: Site, height: int, org: str, proposal: str, voters: set[str]) -> dict[str, dict[str, Any]]:
    """The last vote on ``org/proposal`` in block ``height`` (its ``orgs/vote`` event), for each of
    ``voters``: its tx's hash, position and whether the vote extended voting (``orgs/extend``)."""
    about = {"org": org, "proposal": proposal}
    found: dict[str, dict[str, Any]] = {}
    for receipt in site.block_receipts(height):
        events = [{"type": e["type"], **e["attributes"]} for e in receipt["events"]]
        for vote in (e for e in events if _is("orgs/vote", e, about) and e["voter"] in voters):
            extend = any(_is("orgs/extend", e, about) for e in events)
            found[vote["voter"]] = {"tx_hash": receipt["tx_hash"], "index": receipt["index"], "extended": extend}
    return found


def _step(kind: str, height: int, time_ms: int, tx: str | None, **more: Any) -> dict[str, Any]:
    """One row of a proposal's history (every row has every key: the template reads them all)."""
    base = {"by": None, "option": None, "weight": None, "index": 0, "extended_to": None}
    return {**base, "kind": kind, "height": height, "time_ms": time_ms, "tx": tx, **more}


def history(site: Site, p: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The proposal's txs in chain order: its proposal, each member's standing vote (the tx of its last
    vote), an extension when it came with one of those, and its execution or rejection."""
    by_height: dict[int, set[str]] = {}
    for v in p["votes"]:
        if v["voted_height"] is not None:
            by_height.setdefault(v["voted_height"], set()).add(v["address"])
    txs: dict[str, dict[str, Any]] = {}
    for height, voters in sorted(by_height.items()):
        txs.update(_votes_in(site, height, p["org"], p["proposal"], voters))
    rows = [_step("proposed", p["height"], p["start_ms"], p["tx_hash"], by=p["proposer"])]
    for v in p["votes"]:
        if v["option"] is not None:
            tx = txs.get(v["address"], {})
            rows.append(
                _step(
                    "vote",
                    v["voted_height"],
                    v["voted_ms"],
                    tx.get("tx_hash"),
                    by=v["address"],
                    option=v["option"],
                    weight=v["weight"],
                    index=tx.get("index", 0),
                    extended_to=p["end_ms"] if tx.get("extended") else None,
                )
            )
    if p["closed_tx"] is not None:
        rows.append(_step(p["status"], p["closed_height"], p["closed_ms"], p["closed_tx"]))
    order = {"proposed": 0, "vote": 1}
    return sorted(rows, key=lambda row: (row["height"], order.get(row["kind"], 2), row["index"]))


# -- pages ----------------------------------------------------------------------------------------------
def orgs_listing(state: Scanner) -> Listing:
    def listing(cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        page = queries.orgs(state, cursor, min(limit, queries.MAX_PAGE))
        return page["orgs"], page["next"]

    return listing


def proposals_listing(state: Scanner, org: str, status: str | None = None) -> Listing:
    def listing(cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        if cursor is not None and not cursor.isdigit():
            raise errors.BAD_QUERY.error("cursor is the seq of a proposal")
        page = queries.proposals(
            state, org, status, None if cursor is None else int(cursor), min(limit, queries.MAX_PAGE)
        )
        return page["proposals"], None if page["next"] is None else str(page["next"])

    return listing


def _with_phase(state: Scanner, org: str, items: Iterable[dict[str, Any]], at_ms: int) -> list[dict[str, Any]]:
    """The proposals, each with its phase at ``at_ms`` and when it may execute once passed."""
    out = []
    for p in items:
        phase = queries.proposal(state, org, p["proposal"], at_ms)["phase"] if p["status"] == "open" else p["status"]
        executable_from = rules.executable_from(p["end_ms"], rules.Rules.from_json(p["rules"]))
        out.append({**p, "phase": phase, "executable_from_ms": executable_from})
    return out


def _sections(state: Scanner, org: str, status: str | None, cursor: str | None, at_ms: int) -> list[dict[str, Any]]:
    """The first proposals of each status (or a page of one status), each with a link to the rest."""
    sections = []
    for wanted in (status,) if status else queries.STATUSES:
        items, after = proposals_listing(state, org, wanted)(cursor if status else None, PROPOSALS_SHOWN)
        more = None if after is None else f"/orgs/{org}?status={wanted}&cursor={after}"
        sections.append({"status": wanted, "proposals": _with_phase(state, org, items, at_ms), "next_url": more})
    return sections


def _balances(
    state: Scanner, site: Site, assets: Balances, found: Mapping[str, Any], proposals: Iterable[Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """(asset, balance shown) of the treasury in the assets the org deals in: its budgets' and its actions'."""
    dealt = {str(b["asset"]) for b in found["budgets"]}
    dealt |= {a["asset"] for p in proposals for a in p["actions"] if isinstance(a.get("asset"), str)}
    return [(asset, site.amount(assets.balance(state, asset, found["treasury"]), asset)) for asset in sorted(dealt)]


def org_page(
    state: Scanner, site: Site, assets: Balances, org: str, status: str | None, cursor: str | None
) -> dict[str, Any]:
    """The org at the tip's block time: rules in words, members with their share of the weight, the
    treasury's balances in the assets it deals in, budgets with what is left this period, proposals."""
    at_ms = site.tip_time_ms()
    found = queries.org(state, org, at_ms)
    total = found["total_weight"]
    sections = _sections(state, org, status, cursor, at_ms)
    balances = _balances(state, site, assets, found, [p for s in sections for p in s["proposals"]])
    budgets = [
        {
            **b,
            "amount_shown": site.amount(b["amount"], b["asset"]),
            "spent_shown": site.amount(b["now"]["spent"], b["asset"]),
            "left_shown": site.amount(b["now"]["left"], b["asset"]),
            "period_shown": duration(b["period_ms"]),
        }
        for b in found["budgets"]
    ]
    return {
        **found,
        "created_height": found["height"],  # the page's own "height" is the block it reflects
        "members": [{**m, "share": share(m["weight"], total)} for m in found["members"]],
        "rules": rules_in_words(found["voting"]),
        "balances": balances,
        "budgets": budgets,
        "sections": sections,
        "filtered": status,
        "exports": {f: f"/orgs/{org}/proposals.{f}" for f in ("csv", "json")},
        "api_url": f"/v1/orgs/{org}",
    }


def proposal_page(state: Scanner, site: Site, org: str, proposal: str) -> dict[str, Any]:
    """The proposal at the tip's block time: actions in words, rules, tally, votes and history."""
    at_ms = site.tip_time_ms()
    p = queries.proposal(state, org, proposal, at_ms)
    total = p["total_weight"]
    votes = sorted(p["votes"], key=lambda v: (-v["weight"], v["address"]))
    return {
        **p,
        "proposed_height": p["height"],  # the page's own "height" is the block it reflects
        "actions_shown": [action_view(site, a) for a in p["actions"]],
        "rules_shown": rules_in_words(p["rules"]),
        "tally_shown": tally_view(p),
        "votes": [{**v, "share": share(v["weight"], total)} for v in votes],
        "history": history(site, p),
        "quiet_window_shown": duration(p["quiet_window_ms"]),
        "api_url": f"/v1/orgs/{org}/proposals/{proposal}",
    }


def router(state: Scanner, site: Site, assets: Balances) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    # The exports before the pages: a page's path parameter would also match "<id>.csv".
    @r.get("/orgs.{fmt}")
    def orgs_export(fmt: str, cursor: str | None = CURSOR) -> Response:
        return site.export(orgs_listing(state), ORG_FIELDS, fmt, "orgs", cursor)

    @r.get("/orgs/{org}/proposals.{fmt}")
    def proposals_export(fmt: str, org: str = ORG, cursor: str | None = CURSOR) -> Response:
        return site.export(proposals_listing(state, org), PROPOSAL_FIELDS, fmt, f"orgs-{org}-proposals", cursor)

    @r.get("/orgs")
    @site.page("orgs/orgs.html")
    def orgs(cursor: str | None = CURSOR) -> Mapping[str, Any]:
        items, after = orgs_listing(state)(cursor, PAGE)
        return {
            "orgs": items,
            "next_url": None if after is None else f"/orgs?cursor={after}",
            "exports": {f: f"/orgs.{f}" for f in ("csv", "json")},
        }

    @r.get("/orgs/{org}")
    @site.page("orgs/org.html")
    def org(org: str = ORG, status: str | None = STATUS, cursor: str | None = CURSOR) -> Mapping[str, Any]:
        return org_page(state, site, assets, org, status, cursor)

    @r.get("/orgs/{org}/proposals/{proposal}")
    @site.page("orgs/proposal.html")
    def proposal(org: str = ORG, proposal: str = PROPOSAL) -> Mapping[str, Any]:
        return proposal_page(state, site, org, proposal)

    return r


__all__ = [
    "LINKS",
    "NAV",
    "SEARCH_PAGES",
    "duration",
    "history",
    "percent",
    "router",
    "rules_in_words",
    "share",
    "tally_view",
]
