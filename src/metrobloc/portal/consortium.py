"""The consortium page: the members in force, every node key over time, and the set changes with
their tx and proof, as of the height the page reflects (design §2.5).

The node folds the set from the committed change records (``node.consortium``); the page shows the
part of that history a reader at height H can check: the changes executed in blocks up to H, and
the set they put in force for block H + 1.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from metrobloc.codec import b64url_encode
from metrobloc.ledger.consortium import KeyHistory
from metrobloc.node import Node
from metrobloc.portal.site import Page, Site


def consortium_view(node: Node, height: int) -> dict[str, Any]:
    """What the page shows at ``height``: ``members`` (in force for block height + 1), ``quorum``,
    ``spans`` (each node key's org, name, since, until; until None while in force) and ``changes``."""
    history: KeyHistory = node.consortium.history
    next_height = height + 1
    in_force = history.at(next_height)
    members = [
        {"org": m.org, "name": m.name, "node_key": b64url_encode(m.node_key), "voter": m.voter}
        for m in in_force.members
    ]
    spans = [
        {
            "org": m.org,
            "name": m.name,
            "node_key": b64url_encode(m.node_key),
            "since": since,
            "until": until if until is not None and until <= next_height else None,
        }
        for m, since, until in history.intervals()
        if since <= next_height
    ]
    changes = [
        {
            "seq": c.seq,
            "kind": c.kind,
            "org": c.org,
            "name": c.name,
            "node_key": b64url_encode(c.node_key),
            "height": c.height,
            "effective_height": c.effective_height,
            "tx_hash": tx_hash,
        }
        for c, tx_hash in node.consortium.records()
        if c.height <= height
    ]
    return {"members": members, "quorum": in_force.quorum, "spans": spans, "changes": changes}


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/consortium")
    @site.page("consortium.html")
    def consortium() -> Page:
        return Page(consortium=consortium_view(site.node, site.height()))

    return r
