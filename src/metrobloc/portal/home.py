"""The home page: chain status, the live feed of blocks and txs, the charts and the consortium."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter

from metrobloc.codec import b64url_encode
from metrobloc.node import Node
from metrobloc.portal import charts
from metrobloc.portal import consortium as consortium_page
from metrobloc.portal.records import block_view
from metrobloc.portal.site import Page, Site

FEED_ITEMS = 10
ATTESTATION_BLOCKS = 8
"""Recent blocks shown in the consortium table."""


def recent_txs(node: Node, tip: int, count: int = FEED_ITEMS) -> list[dict[str, Any]]:
    """The last ``count`` committed txs (receipts with their block time), newest first."""
    found: list[dict[str, Any]] = []
    height = tip
    while height >= 1 and len(found) < count:
        block = node.store.block(height)
        time_ms = orjson.loads(block[1])["time_ms"] if block else 0
        receipts = [orjson.loads(rc) for _, rc in node.store.block_entries(height)]
        for receipt in reversed(receipts):
            found.append({**receipt, "time_ms": time_ms})
            if len(found) == count:
                break
        height -= 1
    return found


def consortium(node: Node, tip: int) -> dict[str, Any]:
    """For each of the last blocks, which members signed it: one row per member whose key was in force
    at any of these heights (a cell is None where that key was not in force), and whether each block
    is certified by the keys in force at its height."""
    history = node.consortium.history
    heights = list(range(tip, max(0, tip - ATTESTATION_BLOCKS), -1))
    signed: dict[int, set[str]] = {}
    certified: dict[int, bool] = {}
    for height in heights:
        found = node.store.block(height)
        attestations = node.consortium.in_force(height, orjson.loads(found[2]) if found else [])
        signed[height] = {a["public_key"] for a in attestations}
        certified[height] = node.consortium.certified(height, attestations)
    rows = []
    for member, since, until in history.intervals():
        key = b64url_encode(member.node_key)
        in_force = [since <= h and (until is None or h < until) for h in heights]
        if any(in_force):
            cells = [(key in signed[h]) if f else None for h, f in zip(heights, in_force, strict=True)]
            rows.append({"name": member.name, "org": member.org, "node_key": key, "signed": cells})
    return {"heights": heights, "rows": rows, "certified": [certified[h] for h in heights]}


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node
    r.include_router(consortium_page.router(site))  # the page the home page's consortium section links to

    @r.get("/")
    @site.page("home.html")
    def home() -> Page:
        tip = site.height()
        points = charts.recent_blocks(node, tip)
        latest = [p for p in reversed(points)][:FEED_ITEMS]
        return Page(
            chain=node.status(),
            tip=block_view(node, tip) if tip else None,
            blocks=latest,
            txs=recent_txs(node, tip),
            points=points,
            windows=charts.throughput(points),
            window_s=charts.WINDOW_MS // 1000,
            consortium=consortium(node, tip),
        )

    return r
