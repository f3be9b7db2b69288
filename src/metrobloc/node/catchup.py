"""Catching up from a peer node's blocks over HTTP, verifying every header against attestations.

The NATS stream is not the only copy of the chain: when it no longer holds what this node has
yet to apply (its history was removed, or the node was away too long), the node fetches the
missing blocks from the other nodes' APIs. Each header must carry a quorum of genesis node
attestations, and re-executing the block's txs must reproduce it exactly before it is committed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from metrobloc.codec import canonical_json, parse_json
from metrobloc.errors import MetroblocError, Unavailable, VerificationFailed
from metrobloc.ledger import Attestation, Genesis, Header, check_attestations
from metrobloc.node.chain import CertifiedHeader, Chain
from metrobloc.ordering import OrderedBlock

log = logging.getLogger("metrobloc.catchup")
CERTIFICATION_WAIT_S = 30.0
"""How long to wait for a needed block to gather its quorum on the peer (its announcements travel
a moment behind the block itself)."""


async def catch_up(chain: Chain, genesis: Genesis, peers: tuple[str, ...], *, until_position: int = 0) -> int:
    """Apply certified blocks from the first peer that has them; returns how many were applied.

    Stops at the peer's last certified block, or once this node's log position reaches
    ``until_position`` (where the stream's history begins again).
    """
    applied = 0
    for peer in peers:
        try:
            async with httpx.AsyncClient(base_url=peer, timeout=10.0) as client:
                applied += await _from_peer(client, chain, genesis, until_position)
        except (httpx.HTTPError, MetroblocError, ValueError, KeyError) as exc:
            log.warning("catch-up from %s stopped: %s", peer, exc)
            continue
        if until_position and chain.store.tip.orderer_position >= until_position:
            break
    return applied


async def _from_peer(client: httpx.AsyncClient, chain: Chain, genesis: Genesis, until_position: int) -> int:
    latest = await _get(client, "/v1/blocks/latest")
    target = int(latest["header"]["height"])
    applied = 0
    deadline = time.monotonic() + CERTIFICATION_WAIT_S
    while chain.store.tip.height < target:
        if until_position and chain.store.tip.orderer_position >= until_position:
            break
        height = chain.store.tip.height + 1
        block = await _get(client, f"/v1/blocks/{height}")
        header = Header.from_json(block["header"])
        if header.height != height or header.chain_id != genesis.chain_id:
            raise VerificationFailed(f"peer sent a header for another block than {height}", "catchup.bad_header")
        attestations = [Attestation.from_json(a) for a in block["attestations"]]
        try:
            check_attestations(header, attestations, genesis)
        except VerificationFailed:
            if until_position and time.monotonic() < deadline:
                await asyncio.sleep(0.2)  # the stream resumes only after this block: wait for its quorum
                continue
            log.info("block %d is not certified on the peer; stopping catch-up there", height)
            break
        body = await _get(client, f"/v1/blocks/{height}/txs")
        if body["position"] is None:
            raise Unavailable(f"the peer does not know where block {height} was cut", "catchup.no_position")
        txs = tuple(canonical_json(tx) for tx in body["txs"])
        ordered = OrderedBlock(txs, header.time_ms, int(body["position"]))
        certified = CertifiedHeader(header, [a.to_json() for a in attestations])
        record = await asyncio.to_thread(chain.apply, ordered, certified)
        if record is None:
            raise VerificationFailed(f"block {height} from the peer holds no new tx", "catchup.bad_block")
        applied += 1
    if applied:
        log.info("caught up %d blocks from %s", applied, client.base_url)
    return applied


async def _get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    if response.status_code != 200:
        raise Unavailable(f"peer answered {response.status_code} to {path}", "catchup.peer_error")
    data = parse_json(response.content)
    if not isinstance(data, dict):
        raise ValueError(f"peer sent a non-object for {path}")
    return data
