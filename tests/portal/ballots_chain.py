"""A secret-ballot election run to its result on a real node, for the election page and ``metrobloc ballots
verify``: the city registry (accredited by an identity root) enrols a dozen residents of district 4;
three agencies are the guardians (threshold 2); the residents vote on which of four projects to fund
(up to two), three of them change their vote; casting closes; guardians 1 and 3 send decryption shares
and anyone publishes the counts. Chain time is real time here: the windows are seconds long.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import NodeProcess

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.modules.ballots.client import GuardianSecret

ELECTION = "district-4-projects"
RESIDENCY = "ResidencyCredential"
OPTIONS = ["park", "library", "bikes", "lights"]
YEAR_MS = 365 * 86_400_000
KEYGEN_S, CAST_S = 6.0, 8.0
"""How long key generation and casting stay open (chain time is the node's clock)."""
CHOICES = [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 1]]
REVOTES = [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]


@dataclass
class BallotsChain:
    """The node and what was put on its chain, for the tests to look for."""

    node: NodeProcess
    residents: list[PrivateKey]
    guardians: list[PrivateKey]
    secrets: list[GuardianSecret] = field(default_factory=list)
    final: dict[str, list[int]] = field(default_factory=dict)
    """Each voter's last selections (address -> 0/1 per option)."""
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def expected_counts(self) -> list[int]:
        rows = list(self.final.values())
        return [sum(r[o] for r in rows) for o in range(len(OPTIONS))]

    def record(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.node.url}/v1/ballots/{ELECTION}", timeout=10).json())


def _round(chain: BallotsChain, name: str, steps: list[tuple[PrivateKey, dict[str, Any]]]) -> None:
    """Submit one tx per step as one batch (they execute in that order) and wait for all."""
    with chain.node.client() as c:
        results = c.submit_batch([c.build_tx([key], [msg]) for key, msg in steps], wait=True)
    for i, result in enumerate(results):
        assert result.get("receipt", {}).get("status") == "ok", (name, i, result)
        chain.receipts[f"{name} {i}"] = result["receipt"]


def _sleep_until(ms: int) -> None:
    time.sleep(max(0.0, ms / 1000 - time.time()) + 0.3)


def run_election(chain: BallotsChain, admin: PrivateKey) -> None:
    root, registry = PrivateKey(b"\xd1" * 32), PrivateKey(b"\xd2" * 32)
    now = int(time.time() * 1000)
    _round(chain, "root", [(admin, sdk.accounts.grant_role(root.address, "identity_root"))])
    _round(
        chain, "accredit", [(root, sdk.identity.accredit(registry.address, [RESIDENCY], now - 60_000, now + YEAR_MS))]
    )
    _round(chain, "enrol", [(registry, sdk.identity.enrol(RESIDENCY, [r.address for r in chain.residents]))])
    start = int(time.time() * 1000)
    keygen_end = start + int(KEYGEN_S * 1000)
    create = sdk.ballots.create(
        ELECTION,
        {"credential_type": RESIDENCY, "issuers": [registry.address]},
        [g.address for g in chain.guardians],
        [
            {
                "question": "Which projects should district 4 fund next year?",
                "options": [{"id": o} for o in OPTIONS],
                "min_selections": 0,
                "max_selections": 2,
            }
        ],
        keygen_end,
        keygen_end,
        keygen_end + int(CAST_S * 1000),
    )
    _round(chain, "create", [(admin, create)])
    chain_id = chain.node.client().chain_id
    chain.secrets = [GuardianSecret.new(chain_id, ELECTION, i, 2) for i in (1, 2, 3)]
    _round(chain, "commit", [(g, s.commit_msg()) for g, s in zip(chain.guardians, chain.secrets, strict=True)])
    record = chain.record()
    _round(chain, "deal", [(g, s.deal_msg(record)) for g, s in zip(chain.guardians, chain.secrets, strict=True)])
    record = chain.record()
    acks = []
    for g, s in zip(chain.guardians, chain.secrets, strict=True):
        good, bad = s.receive(record)
        assert bad == []
        acks += [(g, sdk.ballots.ack(ELECTION, dealer)) for dealer in good]
    _round(chain, "ack", acks)
    record = chain.record()
    assert record["status"] == "ready", record
    _sleep_until(record["cast_start_ms"])
    casts = []
    for voter, sel in zip(chain.residents, CHOICES + REVOTES, strict=False):
        casts.append(
            (voter, sdk.ballots.vote(chain_id, ELECTION, voter.address, record["joint_key"], record["shapes"], [sel]))
        )
        chain.final[voter.address] = sel
    for voter, sel in zip(chain.residents, REVOTES, strict=False):  # three change their minds
        casts.append(
            (voter, sdk.ballots.vote(chain_id, ELECTION, voter.address, record["joint_key"], record["shapes"], [sel]))
        )
        chain.final[voter.address] = sel
    _round(chain, "cast", casts)
    _sleep_until(record["cast_end_ms"])
    _round(chain, "close", [(admin, sdk.ballots.close(ELECTION))])
    record = chain.record()
    _round(chain, "share", [(chain.guardians[i], chain.secrets[i].decryption_share_msg(record)) for i in (0, 2)])
    _round(chain, "result", [(admin, sdk.ballots.result(ELECTION, chain.expected_counts))])


@pytest.fixture(scope="module", name="ballots_chain")
def ballots_chain_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BallotsChain]:
    """The election above on a node of its own, for a whole test module."""
    data_dir: Path = tmp_path_factory.mktemp("ballots") / "node"
    node = NodeProcess(data_dir).start()
    chain = BallotsChain(
        node,
        residents=[PrivateKey(bytes([0xE0 + i]) * 32) for i in range(9)],
        guardians=[PrivateKey(bytes([0xF0 + i]) * 32) for i in range(3)],
    )
    try:
        run_election(chain, node.admin())
        yield chain
    finally:
        node.stop()
