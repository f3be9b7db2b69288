"""Routes about the consortium's node-key set (design §2.6): served by the node, not by the module's
queries, because the genesis members are derived from the genesis and never written to state.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from metrobloc.api.bodies import json_response
from metrobloc.api.openapi import errors_doc
from metrobloc.codec import b64url_encode
from metrobloc.errors import NotFound
from metrobloc.ledger.consortium import KeySet
from metrobloc.node import Node

MAX_HEIGHT = 2**53 - 1


def key_set(keys: KeySet, height: int) -> dict[str, Any]:
    """``{height, since, quorum, members: [{org, name, node_key, voter}]}``."""
    return {
        "height": height,
        "since": keys.since,
        "quorum": keys.quorum,
        "members": [
            {"org": m.org, "name": m.name, "node_key": b64url_encode(m.node_key), "voter": m.voter}
            for m in keys.members
        ],
    }


def known(node: Node, height: int | None) -> int:
    """A height whose set is known: at most the block after the tip (later changes may yet come)."""
    next_height = node.store.tip.height + 1
    if height is None:
        return next_height
    if height > next_height:
        raise NotFound(
            f"the chain is at block {next_height - 1}: the set of height {height} is not known yet", "blocks.not_found"
        )
    return height


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["consortium"])

    @r.get("/v1/consortium", summary="The members in force for the next block, its quorum, and the changes so far")
    async def consortium() -> Response:
        history = node.consortium.history
        height = known(node, None)
        return json_response({**key_set(history.at(height), height), "count": history.count})

    @r.get("/v1/consortium/changes", summary="The set changes in seq order (after seq `after`)")
    async def changes(
        after: int = Query(0, ge=0, le=MAX_HEIGHT, description="Only changes with a larger seq."),
        limit: int = Query(100, ge=1, le=1000, description="At most this many changes."),
    ) -> Response:
        records = node.consortium.records()
        out = [
            {
                "seq": c.seq,
                "kind": c.kind,
                "org": c.org,
                "height": c.height,
                "effective_height": c.effective_height,
                "tx_hash": tx_hash,
            }
            for c, tx_hash in records
            if c.seq > after
        ][:limit]
        return json_response({"changes": out, "count": len(records)})

    @r.get(
        "/v1/consortium/keys",
        summary="The node keys in force at a height (default: the next block)",
        responses=errors_doc({404: ["blocks.not_found"]}),
    )
    async def keys(
        height: int | None = Query(None, ge=1, le=MAX_HEIGHT, description="A block height, from 1."),
    ) -> Response:
        at = known(node, height)
        return json_response(key_set(node.consortium.at(at), at))

    @r.get(
        "/v1/consortium/proof",
        tags=["proofs"],
        summary="The bundles' `consortium` member alone: the set changes and their count, proven",
        responses=errors_doc({404: ["blocks.not_found"]}),
    )
    async def proof(
        height: int | None = Query(None, ge=1, le=MAX_HEIGHT, description="The count is proven at or after it."),
    ) -> Response:
        at = min(known(node, height), node.store.tip.height)
        count = await asyncio.to_thread(node.state_prover.count_proof, at)
        return json_response(await asyncio.to_thread(node.set_proofs.section, count))

    return r
