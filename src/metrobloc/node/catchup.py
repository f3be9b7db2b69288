"""Catching up from a peer node's blocks over HTTP, verifying every header against attestations.

The NATS stream is not the only copy of the chain: when it no longer holds what this node has
yet to apply (its history was removed, or the node was away too long), the node fetches the
missing blocks from the other nodes' APIs. Each header must carry a quorum of the node keys in
force at its height, and re-executing the block's txs must reproduce it exactly before it is
committed. The set at height h only depends on blocks below h, which this node has just executed
itself, so a catch-up from genesis is a full verification of every set change on the way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

import httpx

from metrobloc.codec import canonical_json, parse_json
from metrobloc.errors import MetroblocError, Unavailable, VerificationFailed
from metrobloc.ledger import Attestation, Header, check_attestations
from metrobloc.node.chain import CertifiedHeader, Chain
from metrobloc.ordering import OrderedBlock

log = logging.getLogger("metrobloc.catchup")
CERTIFICATION_WAIT_S = 30.0
"""How long to wait for a needed block to gather its quorum on the peer (its announcements travel
a moment behind the block itself)."""


async def catch_up(chain: Chain, peers: tuple[str, ...], *, until_position: int = 0) -> int:
    """Apply certified blocks from the first peer that has them; returns how many were applied.

    Stops at the peer's last certified block, or once this node's log position reaches
    ``until_position`` (where the stream's history begins again).
    """
    applied = 0
    for peer in peers:
        try:
            async with httpx.AsyncClient(base_url=peer, timeout=10.0) as client:
                applied += await _from_peer(client, chain, until_position)
        except (httpx.HTTPError, MetroblocError, ValueError, KeyError) as exc:
            log.warning("catch-up from %s stopped: %s", peer, exc)
            continue
        if until_position and chain.store.tip.orderer_position >= until_position:
            break
    return applied


async def _from_peer(client: httpx.AsyncClient, chain: Chain, until_position: int) -> int:
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
        if header.height != height or header.chain_id != chain.genesis.chain_id:
            raise VerificationFailed(f"peer sent a header for another block than {height}", "catchup.bad_header")
        attestations = [Attestation.from_json(a) for a in block["attestations"]]
        try:
            check_attestations(header, attestations, chain.consortium.history)
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


class _Backfilling(Protocol):
    """What the backfill needs of a node (kept structural so that catch-up does not import the node)."""

    chain: Chain
    config: Any


async def backfill_change_heights(node: _Backfilling, *, rounds: int = 30, pause_s: float = 2.0) -> None:
    """Fetch the peers' attestations of set-change blocks this node holds short of a quorum.

    A change block that never gathers a quorum leaves every later bundle unverifiable (design §5.1);
    the announce stream keeps only days, the peers' stored blocks keep theirs for ever. Each
    attestation is checked against the header and the keys in force before it is stored.
    """
    chain = node.chain
    for _ in range(rounds):
        missing = _uncertified_change_heights(chain)
        if not missing:
            return
        for peer in node.config.peers:
            try:
                async with httpx.AsyncClient(base_url=peer, timeout=10.0) as client:
                    for height in missing:
                        await _backfill(client, chain, height)
            except (httpx.HTTPError, MetroblocError, ValueError, KeyError) as exc:
                log.info("backfill from %s stopped: %s", peer, exc)
        await asyncio.sleep(pause_s)


def _uncertified_change_heights(chain: Chain) -> list[int]:
    out = []
    for _, _, height in chain.consortium.changes():
        found = chain.store.block(height)
        if found is not None and not chain.consortium.certified(height, parse_json(found[2])):
            out.append(height)
    return sorted(set(out))


async def _backfill(client: httpx.AsyncClient, chain: Chain, height: int) -> None:
    found = chain.store.block(height)
    if found is None:
        return
    block = await _get(client, f"/v1/blocks/{height}")
    header = Header.from_json(block["header"])
    if header.block_hash != found[0]:
        return
    keys = chain.consortium.at(height)
    good = []
    for obj in block["attestations"]:
        att = Attestation.from_json(obj)
        if att.public_key in keys and att.verifies(header):
            good.append(att.to_json())
    if good:
        await asyncio.to_thread(chain.store.add_attestations, height, found[0], good)
