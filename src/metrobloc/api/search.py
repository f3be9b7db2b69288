"""One search box: what an exact tx hash, block height or hash, address, asset symbol, parcel id, org id or
``<org>/<proposal>`` names.

Only exact matches count, and only of things that exist (any valid address is an account). The work
is bounded whatever the query: nothing longer than ``MAX_QUERY_CHARS`` can match, so it is not
looked at, and each kind costs at most one indexed read.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from metrobloc.api.bodies import json_response
from metrobloc.api.openapi import errors_doc
from metrobloc.codec import is_address
from metrobloc.execution.messages import Symbol
from metrobloc.execution.state_access import Reader
from metrobloc.modules import assets, land, orgs
from metrobloc.modules.land.msgs import ParcelId
from metrobloc.modules.orgs.msgs import OrgId, ProposalId
from metrobloc.node import Node

MAX_QUERY_CHARS = 128
"""Longer than anything that can match (an address is 42 characters, a hash 64)."""
HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
HEIGHT = re.compile(r"^[1-9][0-9]{0,15}$")
SYMBOL = re.compile(Symbol.pattern)
PARCEL = re.compile(ParcelId.pattern)
ORG = re.compile(OrgId.pattern)
PROPOSAL = re.compile(ProposalId.pattern)
KINDS = ("tx", "block", "account", "asset", "parcel", "org", "proposal", "none")
MATCH_FIELDS: dict[str, Any] = {
    "kind": {"type": "string", "enum": list(KINDS)},
    "id": {
        "type": ["string", "integer", "null"],
        "description": "The tx hash, height, address, symbol, parcel, org, or org/proposal.",
    },
    "target": {"type": ["string", "null"], "description": "The API path of what was found."},
}
MATCH = {"type": "object", "required": list(MATCH_FIELDS), "properties": MATCH_FIELDS}
ANSWER = {
    "type": "object",
    "required": ["kind", "id", "target", "matches"],
    "properties": {
        **MATCH_FIELDS,
        "matches": {
            "type": "array",
            "items": MATCH,
            "description": "Every match, the first one repeated in kind, id and target ([] for none).",
        },
    },
}


def _match(kind: str, found: str | int) -> dict[str, Any]:
    paths = {
        "tx": "/v1/txs/{}",
        "block": "/v1/blocks/{}",
        "account": "/v1/accounts/{}",
        "asset": "/v1/assets/{}",
        "parcel": "/v1/land/parcels/{}",
        "org": "/v1/orgs/{}",
        "proposal": "/v1/orgs/{}/proposals/{}",
    }
    return {"kind": kind, "id": found, "target": paths[kind].format(*str(found).split("/"))}


def matches(node: Node, query: str) -> list[dict[str, Any]]:
    """Every exact match of ``query`` (surrounding blanks ignored), most specific first."""
    q = query.strip() if len(query) <= 2 * MAX_QUERY_CHARS else ""
    if not q or len(q) > MAX_QUERY_CHARS:
        return []
    found = []
    if HEIGHT.fullmatch(q) and int(q) <= node.store.tip.height:
        found.append(_match("block", int(q)))
    if HEX64.fullmatch(q):
        digest = q.lower()
        if node.store.has_tx(bytes.fromhex(digest)):
            found.append(_match("tx", digest))
        height = node.store.indexes.height_of(digest)
        if height is not None:
            found.append(_match("block", height))
    if q.startswith("mb1") and is_address(q):
        found.append(_match("account", q))
    state, modules = node.store.reader, {m.name for m in node.app.modules}
    if "assets" in modules and SYMBOL.fullmatch(q) and assets.KEEPER.exists(state, q):
        found.append(_match("asset", q))
    if "land" in modules and PARCEL.fullmatch(q) and land.KEEPER.find_parcel(state, q) is not None:
        found.append(_match("parcel", q))
    if "orgs" in modules:
        found += _orgs(state, q)
    return found


def _orgs(state: Reader, q: str) -> list[dict[str, Any]]:
    """An org id, or ``<org>/<proposal>`` (a proposal's id is unique only within its org)."""
    org, slash, proposal = q.partition("/")
    if not ORG.fullmatch(org):
        return []
    if not slash:
        return [_match("org", q)] if orgs.KEEPER.org(state, org) is not None else []
    if PROPOSAL.fullmatch(proposal) and orgs.KEEPER.proposal(state, org, proposal) is not None:
        return [_match("proposal", q)]
    return []


def search(node: Node, query: str) -> dict[str, Any]:
    """``GET /v1/search``: the first match (``kind`` "none" if nothing matches) and all of them."""
    found = matches(node, query)
    first = found[0] if found else {"kind": "none", "id": None, "target": None}
    return {**first, "matches": found}


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["search"])

    @r.get(
        "/v1/search",
        summary="What a tx hash, block height or hash, address, asset, parcel, org or proposal names (exact match)",
        responses={
            200: {"description": "The matches", "content": {"application/json": {"schema": ANSWER}}},
            **errors_doc({400: ["request.invalid"]}),
        },
    )
    async def get_search(q: str = Query(..., description="The text searched for, e.g. a tx hash or CITY.")) -> Response:
        return json_response(search(node, q))

    return r
