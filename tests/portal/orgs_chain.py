"""An organization's life on a real node, for the orgs pages: the Riverside association (alice 3, bob 2,
carol 1; support 60%, quorum 50%, voting one day, execution delay one hour, early execution) with a
funded treasury in an asset with decimals.

Day one: ``playground`` pays the fixer, sets a daily budget and makes carol treasurer, and executes
early once alice and bob vote yes; ``fence`` ties 3 yes to 3 no. The node then restarts with its chain
clock a day and two hours ahead (block time is chain time, so ``fence``'s voting is over): ``fence`` is
rejected, carol pays within her budget, and ``benches`` (a payment, a new member and another module's
message) stands open with alice yes and carol no, after carol first voted yes: it passes now but is
not decided. A second org, the mural club (alice 1, bob 1, voting 27 hours, no early execution), made
``mural`` on day one: alice's yes on day two comes in its quiet ending and flips it, so voting is
extended once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import NodeProcess

from metrobloc import sdk
from metrobloc.crypto import PrivateKey

ORG = "riverside-assoc"
ASSET = "NBHD"
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
RULES = {"support_bp": 6000, "quorum_bp": 5000, "period_ms": DAY_MS, "exec_delay_ms": HOUR_MS, "early_execution": True}
FUNDED, PLAYGROUND, FENCE, PAINT, BENCHES, PLANTS = 5_000_00, 1_200_00, 800_00, 250_00, 450_00, 75_50
"""Units of NBHD (2 decimals): the treasury's funding, what each proposal or payment moves."""
BUDGET = 300_00
CLUB = "mural-club"
CLUB_RULES = {
    "support_bp": 5000,
    "quorum_bp": 5000,
    "period_ms": 27 * HOUR_MS,
    "exec_delay_ms": 0,
    "early_execution": False,
}
AHEAD_MS = DAY_MS + 2 * HOUR_MS
"""How far the restarted node's chain clock runs ahead: past ``fence``'s end, into a new budget day, and
inside ``mural``'s quiet ending (its last 2.7 hours of 27)."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class OrgsChain:
    """The node (after its restart) and what was put on its chain, for the tests to look for."""

    node: NodeProcess
    alice: PrivateKey
    bob: PrivateKey
    carol: PrivateKey
    fixer: PrivateKey
    dave: PrivateKey
    treasury: str
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Receipts by step name (``propose playground``, ``vote benches carol``, ``pay paint``...)."""


Step = tuple[str, list[PrivateKey], dict[str, Any]]
"""A tx of one message: (its name in ``OrgsChain.receipts``, its signers, the message)."""


def _round(chain: OrgsChain, *steps: Step) -> None:
    """Submit the steps' txs as one batch, in order (they execute in that order), and wait for them all."""
    with chain.node.client() as c:
        results = c.submit_batch([c.build_tx(keys, [msg]) for _, keys, msg in steps], wait=True)
    for (name, _, _), result in zip(steps, results, strict=True):
        assert result.get("receipt", {}).get("status") == "ok", (name, result)
        chain.receipts[name] = result["receipt"]


def day_one(chain: OrgsChain, admin: PrivateKey) -> None:
    alice, bob, carol, fixer = chain.alice, chain.bob, chain.carol, chain.fixer
    o = sdk.orgs
    members = [(alice.address, 3), (bob.address, 2), (carol.address, 1)]
    playground = [
        o.pay(ORG, ASSET, fixer.address, PLAYGROUND),
        o.set_budget(ORG, ASSET, BUDGET, DAY_MS),
        o.grant_role(ORG, carol.address, "treasurer"),
    ]
    _round(
        chain,
        ("create", [alice], o.create(ORG, digest("Riverside charter, 2025"), members, RULES)),
        ("create asset", [admin], sdk.assets.create(ASSET, "Neighbourhood grant", 2)),
        ("fund", [admin], sdk.assets.mint(ASSET, chain.treasury, FUNDED)),
        ("propose playground", [alice], o.propose(ORG, "playground", digest("the playground"), playground)),
    )
    # alice's yes does not decide it (3 of 6); bob's does (5 of 6): early execution.
    _round(
        chain,
        ("vote playground alice", [alice], o.vote(ORG, "playground", "yes")),
        ("vote playground bob", [bob], o.vote(ORG, "playground", "yes")),
    )
    club = [(alice.address, 1), (bob.address, 1)]
    fence = [o.pay(ORG, ASSET, fixer.address, FENCE)]
    _round(
        chain,
        ("execute playground", [fixer], o.execute(ORG, "playground")),
        ("propose fence", [bob], o.propose(ORG, "fence", digest("a new fence"), fence)),
        ("vote fence alice", [alice], o.vote(ORG, "fence", "yes")),
        ("vote fence bob", [bob], o.vote(ORG, "fence", "no")),
        ("vote fence carol", [carol], o.vote(ORG, "fence", "no")),
        ("create club", [bob], o.create(CLUB, digest("Mural club charter"), club, CLUB_RULES)),
        ("propose mural", [bob], o.propose(CLUB, "mural", digest("a mural on the bridge"), [])),
    )


def day_two(chain: OrgsChain) -> None:
    alice, bob, carol, fixer = chain.alice, chain.bob, chain.carol, chain.fixer
    o = sdk.orgs
    benches = [
        o.pay(ORG, ASSET, fixer.address, BENCHES),
        o.set_member(ORG, chain.dave.address, 1),
        sdk.assets.transfer(ASSET, chain.dave.address, PLANTS),
    ]
    _round(
        chain,
        ("execute fence", [fixer], o.execute(ORG, "fence")),
        ("pay paint", [carol], o.pay(ORG, ASSET, fixer.address, PAINT)),
        ("propose benches", [bob], o.propose(ORG, "benches", digest("benches by the river"), benches)),
    )
    # carol's two votes in one block: the page links the later one, the vote that counts.
    _round(
        chain,
        ("vote benches alice", [alice], o.vote(ORG, "benches", "yes")),
        ("vote benches carol yes", [carol], o.vote(ORG, "benches", "yes")),
        ("vote benches carol", [carol], o.vote(ORG, "benches", "no")),
        ("vote mural alice", [alice], o.vote(CLUB, "mural", "yes")),
    )


@pytest.fixture(scope="module", name="orgs_chain")
def orgs_chain_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgsChain]:
    """The chain above, on a node of its own (it restarts with its clock ahead), for a whole test module."""
    data_dir: Path = tmp_path_factory.mktemp("orgs") / "node"
    first = NodeProcess(data_dir).start()
    keys = [PrivateKey(bytes([0xC1 + i]) * 32) for i in range(5)]
    chain = OrgsChain(first, *keys, treasury=str(sdk.orgs.treasury(ORG)))
    try:
        day_one(chain, first.admin())
    finally:
        first.stop()
    chain.node = NodeProcess(data_dir, extra_args=("--test-clock-offset-ms", str(AHEAD_MS))).start()
    try:
        day_two(chain)
        yield chain
    finally:
        chain.node.stop()
