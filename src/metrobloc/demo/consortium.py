"""The Demo City's consortium: four organizations certify its blocks, and they vote in a fifth.

The city's genesis names four organizations, each with a node key derived from the seed: City Hall,
the Land Registry, Metro Savings Bank and Metro University (``FOUNDERS``). Each votes in the
consortium org with its node key's address (the consortium module's rule for genesis members). Late
in the history they create the consortium org and vote in the Demo City Red Cross and its node: three
of the four vote yes, which is two thirds, so the proposal executes at once; an execution after only
two yes votes is refused first (``orgs.too_early``: the outcome could still change). From the block
after, headers need 4 of the 5 node keys.

The Demo City runs as one process, so the other organizations' nodes are *played* (``PlayedNodes``):
after each block the node commits, the demo signs its header with each played node key in force at
that height and hands the announcement to the node's certifier, exactly as the announcement of a
peer arriving over the consortium's stream (node/certify.py). A real consortium runs one node per
organization (``metrobloc network``); nothing else in the chain knows the difference, and proof
bundles carry the attestations like any others, so that a verifier follows the set change from the
genesis alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from metrobloc.crypto import PrivateKey
from metrobloc.demo.people import derive_key
from metrobloc.demo.timebank import digest
from metrobloc.ledger import Header, attest
from metrobloc.node.certify import announcement
from metrobloc.sdk import consortium, orgs

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity
    from metrobloc.node import Node

log = logging.getLogger("metrobloc.demo")

ORG = "consortium"
FOUNDERS = (
    ("Demo City Hall", "city-hall-node"),
    ("Land Registry", "land-registry-node"),
    ("Metro Savings Bank", "bank-node"),
    ("Metro University", "university-node"),
)
"""The genesis organizations (display name, node key name), in genesis order: org1 to org4."""
NEWCOMER = ("red-cross", "Demo City Red Cross", "red-cross-node")
"""The organization voted in: (org id, name, node key name); its voter is the Red Cross's own account."""
PROPOSAL = "admit-red-cross"
CHAPTERS = ("The consortium proposes to admit the Red Cross", "The consortium votes in a fifth organization")
"""The consortium's blocks' titles, in order."""
BACKFILL_BLOCKS = 256
"""At start, the played nodes sign this many last blocks again (a stop may have cut their signing short)."""


def node_keys(seed: int) -> dict[str, PrivateKey]:
    """Every node key of the city of ``seed`` (the founders' and the newcomer's), by key name."""
    names = [name for _, name in FOUNDERS] + [NEWCOMER[2]]
    return {name: derive_key(seed, name) for name in names}


def founders(seed: int) -> list[tuple[str, PrivateKey]]:
    """(display name, node key) of the genesis organizations, in genesis order."""
    keys = node_keys(seed)
    return [(title, keys[name]) for title, name in FOUNDERS]


class Historian(Protocol):
    """What the consortium chapters need of ``history.py``'s historian."""

    city: DemoCity

    def tx(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], memo: str, expect: str = "ok") -> None: ...


def chapters(h: Historian) -> list[tuple[str, Callable[[], None]]]:
    """The consortium's blocks, in order: each a title and the function that writes its txs."""
    c = _Consortium(h)
    return list(zip(CHAPTERS, (c.proposal, c.vote), strict=True))


class _Consortium:
    def __init__(self, h: Historian) -> None:
        self.h = h
        self.voters = [key for _, key in founders(h.city.seed)]
        """The founders' voters: their node keys."""

    def proposal(self) -> None:
        h = self.h
        h.tx([h.city.people.city_hall.key], [consortium.init()], "City Hall creates the consortium org (one vote each)")
        org, name, key_name = NEWCOMER
        node_key = node_keys(h.city.seed)[key_name]
        red_cross = derive_key(h.city.seed, "red-cross")
        signature = consortium.key_signature(h.city.genesis.chain_id, org, node_key)
        admit = consortium.add_member(org, name, node_key.public_key.to_b64(), red_cross.address, signature)
        summary = digest("Admit the Demo City Red Cross and its node to the consortium, before its relief campaign")
        h.tx([self.voters[0]], [orgs.propose(ORG, PROPOSAL, summary, [admit])], "City Hall proposes the Red Cross")

    def vote(self) -> None:
        h, (city_hall, registry, bank, _) = self.h, self.voters
        for voter, who in ((city_hall, "City Hall"), (registry, "the Land Registry")):
            h.tx([voter], [orgs.vote(ORG, PROPOSAL, "yes")], f"{who} votes yes")
        early = orgs.execute(ORG, PROPOSAL)
        h.tx([city_hall], [early], "two of four is short of two thirds: not yet", "orgs.too_early")
        h.tx([bank], [orgs.vote(ORG, PROPOSAL, "yes")], "Metro Savings Bank votes yes: three of four")
        h.tx([city_hall], [orgs.execute(ORG, PROPOSAL)], "the Red Cross's node certifies from the next block")


@dataclass
class PlayedNodes:
    """The other organizations' nodes of a one-process Demo City: they sign each block the node commits."""

    keys: dict[bytes, PrivateKey]
    """Played node keys by public key (each signs only where it is in force)."""

    @classmethod
    def of_city(cls, city: DemoCity, own: PrivateKey) -> PlayedNodes:
        keys = {k.public_key.raw: k for k in node_keys(city.seed).values() if k.public_key.raw != own.public_key.raw}
        return cls(keys)

    def sign(self, node: Node, height: int) -> None:
        """Announce each played node's attestation of block ``height`` to ``node`` (on its event loop)."""
        found = node.store.block(height)
        if found is None:
            return
        header = Header.from_json(orjson.loads(found[1]))
        for member in node.consortium.at(height).members:
            played = self.keys.get(member.node_key)
            if played is not None:
                node.certifier.receive(announcement(header, attest(header, played)))

    def attach(self, node: Node) -> None:
        """Sign the node's last blocks again, then every block it commits, until the node stops."""
        tip = node.store.tip.height
        for height in range(max(1, tip - BACKFILL_BLOCKS + 1), tip + 1):
            self.sign(node, height)
        node.background(self._follow(node))

    async def _follow(self, node: Node) -> None:
        sub = node.hub.subscribe(frozenset({"block"}))
        try:
            while True:
                event = await sub.queue.get()
                if event is None:  # fell behind: start over from the tip
                    node.hub.unsubscribe(sub)
                    sub = node.hub.subscribe(frozenset({"block"}))
                    continue
                self.sign(node, int(event["height"]))
        except asyncio.CancelledError:
            node.hub.unsubscribe(sub)
            raise


__all__ = ["CHAPTERS", "FOUNDERS", "NEWCOMER", "ORG", "PROPOSAL", "PlayedNodes", "chapters", "founders", "node_keys"]
