"""The Demo City of one seed: its genesis, its people, and the seeded blocks with their planned times.

Everything here is a pure function of the seed: keys, genesis time, every tx (nonces included)
and every block time. Running the blocks on a fresh node (``seeding.py``) therefore gives the same
block hashes on every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from metrobloc.crypto import PrivateKey
from metrobloc.demo.people import People
from metrobloc.ledger import Genesis, Tx, build_body, sign_body
from metrobloc.node.datadir import consortium_genesis

CHAIN_ID = "demo-city"
ORGANIZATION = "Demo City Hall"
"""The organization whose node the demo runs (the other founders' nodes are played: ``consortium.py``)."""
DEFAULT_SEED = 1
EPOCH_MS = 1_735_718_400_000
"""2025-01-01T08:00:00Z: the city of seed s starts (s mod 365) days later."""
DAY_MS = 86_400_000
BLOCK_INTERVAL_MS = 10_000
"""A seeded block comes 10 s after the one before (genesis time + k × 10 s), unless its chapter waits for a later
time (``history.py``'s ``wait_until``): then the blocks after it follow it 10 s apart."""
VALIDITY_BLOCKS = 100
"""A seeded tx is valid until 100 blocks after the block it is planned for."""
NONCE_TAG = b"metrobloc/demo/nonce/v1\x00"


@dataclass(frozen=True)
class SeededTx:
    """A signed tx of the seeded history and the outcome it must have."""

    tx: Tx
    """The signed tx, exactly as it is submitted."""
    expect: str
    """``"ok"``, or the error code its receipt must carry (a refusal the city shows on purpose)."""
    what: str
    """What it does, in a few words (for a failure of the seeding)."""


@dataclass(frozen=True)
class SeededBlock:
    """The txs that form one seeded block, and the time it must carry."""

    height: int
    """Its height: seeded blocks are the chain's first, from 1."""
    time_ms: int
    """Its block time, Unix ms: the orderer writes it into the block's cut."""
    title: str
    """What happens in the city in this block."""
    txs: tuple[SeededTx, ...]
    """In execution order."""


class DemoCity:
    """The city of ``seed``: ``DemoCity(7).blocks`` are the same on every machine."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        if seed < 0:
            raise ValueError("a demo seed is a non-negative integer")
        self.seed = seed
        self.people = People.of_seed(seed)

    @property
    def genesis_time_ms(self) -> int:
        return EPOCH_MS + (self.seed % 365) * DAY_MS

    @cached_property
    def genesis(self) -> Genesis:
        """The chain of the four founding organizations (``consortium.FOUNDERS``), City Hall's key the first admin."""
        from metrobloc.demo.consortium import founders

        return consortium_genesis(CHAIN_ID, founders(self.seed), self.people.city_hall.key, self.genesis_time_ms)

    @cached_property
    def blocks(self) -> tuple[SeededBlock, ...]:
        """The seeded history, block by block (``history.py`` writes it)."""
        from metrobloc.demo.history import write_history

        return tuple(
            SeededBlock(height, time_ms, title, tuple(txs))
            for height, (title, txs, time_ms) in enumerate(write_history(self), 1)
        )

    @property
    def seeded_height(self) -> int:
        return len(self.blocks)

    def sign(
        self,
        height: int,
        index: int,
        keys: list[PrivateKey],
        msgs: list[dict[str, Any]],
        memo: str = "",
        signers: list[str] | None = None,
    ) -> Tx:
        """The ``index``-th tx of seeded block ``height``, signed by ``keys`` (the first is the sender).

        ``signers`` names the accounts when a key is not its account's first (after a key rotation).
        Its nonce comes from the seed and its place, so its hash is the same on every run.
        """
        nonce = hashlib.sha256(NONCE_TAG + f"{self.seed}/{height}/{index}".encode()).digest()[:16]
        signers = [k.address for k in keys] if signers is None else signers
        body = build_body(CHAIN_ID, signers, msgs, height + VALIDITY_BLOCKS, nonce, memo)
        return sign_body(body, keys)
