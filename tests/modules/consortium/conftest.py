"""The consortium on the in-memory ledger (tests/modules/conftest.py): a genesis of n organizations
whose node keys are also their voters (``genesis_members``), the consortium org created by
``consortium/init``, and helpers that propose set changes, vote with chosen members and execute.

``council.reader`` and ``council.members()`` read state as the node will; ``council.history()`` folds
the change records with the ledger's ``KeyHistory`` (the light client's code).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from tests.modules.conftest import CHAIN_ID, NODE_KEYS, Ledger, consortium_genesis

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Receipt
from metrobloc.ledger.consortium import KeyHistory, Member, SetChange
from metrobloc.modules.consortium import KEEPER
from metrobloc.modules.orgs import KEEPER as ORGS

ORG = "consortium"
WEEK_MS = 604_800_000


def node_keys(n: int) -> tuple[PrivateKey, ...]:
    """n distinct node keys (the first three are the default genesis's)."""
    return tuple(
        NODE_KEYS[i] if i < len(NODE_KEYS) else PrivateKey(hashlib.sha256(b"node %d" % i).digest()) for i in range(n)
    )


def key(seed: str) -> PrivateKey:
    return PrivateKey(hashlib.sha256(seed.encode()).digest())


def add(
    org: str,
    node_key: PrivateKey,
    voter: str,
    *,
    name: str | None = None,
    signer: PrivateKey | None = None,
    sign_org: str | None = None,
) -> dict[str, Any]:
    """A ``consortium/add_member`` action; ``signer``/``sign_org`` forge its proof of possession."""
    signature = sdk.consortium.key_signature(CHAIN_ID, sign_org or org, signer or node_key)
    return dict(sdk.consortium.add_member(org, name or f"Org {org}", node_key.public_key.to_b64(), voter, signature))


def remove(org: str) -> dict[str, Any]:
    return dict(sdk.consortium.remove_member(org))


def rotate(
    org: str, node_key: PrivateKey, voter: str | None = None, *, signer: PrivateKey | None = None
) -> dict[str, Any]:
    signature = sdk.consortium.key_signature(CHAIN_ID, org, signer or node_key)
    return dict(sdk.consortium.rotate_key(org, node_key.public_key.to_b64(), signature, voter))


@dataclass
class Council:
    """The ledger and the voters of its genesis organizations (voter i = node key i)."""

    ledger: Ledger
    voters: list[PrivateKey]
    outsider: PrivateKey

    @property
    def genesis(self) -> Any:
        return self.ledger.genesis

    def init(self) -> Receipt:
        return self.ledger.ok([self.outsider], [dict(sdk.consortium.init())])

    def propose(self, proposal: str, actions: list[dict[str, Any]], by: PrivateKey | None = None) -> Receipt:
        msg = sdk.orgs.propose(ORG, proposal, hashlib.sha256(proposal.encode()).hexdigest(), actions)
        return self.ledger.run([by or self.voters[0]], [msg])

    def vote(self, who: PrivateKey, proposal: str, option: str) -> Receipt:
        receipt = self.ledger.run([who], [sdk.orgs.vote(ORG, proposal, option)])
        assert receipt.status == "ok", receipt.error
        return receipt

    def execute(self, proposal: str) -> Receipt:
        return self.ledger.run([self.outsider], [sdk.orgs.execute(ORG, proposal)])

    def decide(self, proposal: str, actions: list[dict[str, Any]], yes: Sequence[PrivateKey] | None = None) -> Receipt:
        """Propose, have ``yes`` (default: every current voter) vote yes, execute at once: the receipt."""
        assert self.propose(proposal, actions).status == "ok"
        for who in self.voters if yes is None else yes:
            self.vote(who, proposal, "yes")
        return self.execute(proposal)

    def after_the_period(self) -> None:
        self.ledger.advance(WEEK_MS)

    # -- reads ---------------------------------------------------------------------------------------
    def members(self) -> list[Member]:
        return KEEPER.members(self.ledger.state, self.genesis)

    def org_members(self) -> dict[str, int]:
        return dict(ORGS.members(self.ledger.state, ORG))

    def records(self) -> list[dict[str, str]]:
        count = KEEPER.count(self.ledger.state)
        found = [KEEPER.change(self.ledger.state, seq) for seq in range(1, count + 1)]
        assert all(r is not None for r in found)
        return [r for r in found if r is not None]

    def history(self) -> KeyHistory:
        history = KeyHistory.from_genesis(self.genesis)
        for record in self.records():
            history = history.apply(SetChange.from_record(record))
        return history

    def consortium_state(self) -> dict[bytes, bytes]:
        return {k: v for k, v in self.ledger.state.items() if k.startswith(b"consortium/")}


def council_of(n: int) -> Council:
    keys = node_keys(n)
    ledger = Ledger(consortium_genesis(keys))
    council = Council(ledger, list(keys), key("outsider"))
    council.init()
    return council


@pytest.fixture
def council() -> Council:
    """Three genesis organizations and the consortium org."""
    return council_of(3)
