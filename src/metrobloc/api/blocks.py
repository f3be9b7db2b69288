"""Routes for blocks and proofs: headers and their txs, proof bundles, log consistency."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.api.bodies import json_response
from metrobloc.api.openapi import errors_doc
from metrobloc.api.txs import TX_HASH, tx_hash_param
from metrobloc.errors import InvalidInput, NotFound
from metrobloc.node import Node


def _height(height: int) -> int:
    if height < 1:
        raise InvalidInput("heights start at 1", "blocks.bad_height")
    return height


HEIGHT = Path(description="A block height, from 1.", json_schema_extra={"minimum": 1, "maximum": 2**53 - 1})
BLOCK_ANSWERS = errors_doc({400: ["blocks.bad_height", "request.invalid"], 404: ["blocks.not_found"]})


def router(node: Node) -> APIRouter:
    r = APIRouter()

    @r.get(
        "/v1/txs/{tx_hash}/proof",
        tags=["proofs"],
        summary="Proof bundle of a committed tx",
        responses=errors_doc({400: ["txs.bad_hash", "request.invalid"], 404: ["txs.not_found", "txs.not_in_block"]}),
    )
    async def get_proof(
        tx_hash: str = TX_HASH,
        at: int | None = Query(None, ge=1, le=2**53 - 1, description="Prove against this later block's header."),
    ) -> Response:
        # A thread: the bundle's count proof may wait a moment for the tip's certification,
        # whose announcements arrive on this event loop.
        return json_response(await asyncio.to_thread(node.proof, tx_hash_param(tx_hash), at))

    @r.get(
        "/v1/log/consistency",
        tags=["proofs"],
        summary="Consistency proof between two log sizes (0 <= first <= second <= the log's size)",
        responses=errors_doc({400: ["log.bad_range", "request.invalid"]}),
    )
    async def get_consistency(
        first: int = Query(..., ge=0, le=2**53 - 1), second: int = Query(..., ge=0, le=2**53 - 1)
    ) -> Response:
        return json_response(node.consistency(first, second))

    @r.get(
        "/v1/blocks/latest",
        tags=["blocks"],
        summary="The last committed block",
        responses=errors_doc({404: ["blocks.not_found"]}),
    )
    async def latest_block() -> Response:
        height = node.store.tip.height
        if height == 0:
            raise NotFound("no block has been committed yet", "blocks.not_found")
        return json_response(node.block(height))

    @r.get(
        "/v1/blocks/{height}",
        tags=["blocks"],
        summary="Header, hash, attestations and tx hashes",
        responses=BLOCK_ANSWERS,
    )
    async def get_block(height: int = HEIGHT) -> Response:
        return json_response(node.block(_height(height)))

    @r.get(
        "/v1/blocks/{height}/txs",
        tags=["blocks"],
        summary="A block's txs as executed (for catch-up)",
        responses=BLOCK_ANSWERS,
    )
    async def get_block_txs(height: int = HEIGHT) -> Response:
        return Response(node.block_txs(_height(height)), media_type="application/json")

    return r
