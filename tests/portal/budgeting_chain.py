"""A participatory budget's life on a real node, for the budgeting pages: the Riverside council (alice 3,
bob 1, early execution) opens two processes by one proposal, funded in CITY (2 decimals).

Run one (wall-clock time): residents submit park (300 + 200), library (400) and fountain (600) to
riverside-2027's north budget (1,000, spend at least 40%), and bench (100) to riverside-2028; bob
accepts all but the fountain. Run two, the chain clock 2 h 10 min ahead (voting in both): three
residents vote in 2027, two in 2028. Run three, 3 h 10 min ahead: 2027 is over and finalized (park and
library win), the builder implements park, reports milestone 0 complete and milestone 1 half done, and
two of three inspectors attest milestone 0, which pays it; 2028 is still voting.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import NodeProcess

from metrobloc import sdk
from metrobloc.crypto import PrivateKey

ORG = "riverside-council"
ASSET = "CITY"
RESIDENCY = "ResidencyCredential"
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
FUNDS = 10_000_00
SPEND = {"kind": "spend", "min_bp": 4000}
ONE = {"kind": "projects", "min": 1, "max": 1}
RULES = {"support_bp": 5000, "quorum_bp": 0, "period_ms": HOUR_MS, "exec_delay_ms": 0, "early_execution": True}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class BudgetChain:
    node: NodeProcess
    alice: PrivateKey
    bob: PrivateKey
    registry: PrivateKey
    builder: PrivateKey
    residents: list[PrivateKey]
    inspectors: list[PrivateKey]
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    proposals: int = 0


Step = tuple[str, list[PrivateKey], dict[str, Any]]


def submit_round(chain: BudgetChain, *steps: Step) -> None:
    with chain.node.client() as c:
        results = c.submit_batch([c.build_tx(keys, [msg]) for _, keys, msg in steps], wait=True)
    for (name, _, _), result in zip(steps, results, strict=True):
        assert result.get("receipt", {}).get("status") == "ok", (name, result)
        chain.receipts[name] = result["receipt"]


def _authority(chain: BudgetChain, name: str, actions: list[dict[str, Any]]) -> None:
    """The council's treasury sends ``actions``: a proposal, alice's deciding yes and its execution, in one block."""
    o = sdk.orgs
    submit_round(
        chain,
        (f"propose {name}", [chain.alice], o.propose(ORG, name, digest(name), actions)),
        (f"vote {name}", [chain.alice], o.vote(ORG, name, "yes")),
        (name, [chain.bob], o.execute(ORG, name)),
    )


def _process(
    process: str, now: int, until: int, rule: dict[str, Any], inspectors: list[PrivateKey], registry: str
) -> dict[str, Any]:
    return {
        "type": "budgeting/create",
        "process": process,
        "org": ORG,
        "asset": ASSET,
        "budgets": [{"budget": "north", "amount": "100000", "rule": rule, "mode": "public"}],
        "phases": {
            "submit_from_ms": now - MINUTE_MS,
            "review_from_ms": now + HOUR_MS,
            "vote_from_ms": now + 2 * HOUR_MS,
            "vote_until_ms": now + until,
        },
        "census": {"credential_type": RESIDENCY, "issuers": [registry]},
        "inspection": {"inspectors": [i.address for i in inspectors], "threshold": 2},
        "description_digest": digest(process),
    }


def _submit(process: str, project: str, *amounts: int) -> dict[str, Any]:
    return {
        "type": "budgeting/submit",
        "process": process,
        "budget": "north",
        "project": project,
        "summary_digest": digest(project),
        "milestones": [
            {"amount": str(a), "deliverable_digest": digest(f"{project} {i}")} for i, a in enumerate(amounts)
        ],
    }


def _review(process: str, project: str, decision: str) -> dict[str, Any]:
    return {
        "type": "budgeting/review",
        "process": process,
        "project": project,
        "decision": decision,
        "reason_digest": digest(f"{decision} {project}"),
    }


def vote_msg(process: str, *projects: str) -> dict[str, Any]:
    return {"type": "budgeting/vote", "process": process, "budget": "north", "projects": list(projects)}


def run_one(chain: BudgetChain, admin: PrivateKey) -> None:
    r = chain.residents
    treasury = str(sdk.orgs.treasury(ORG))
    submit_round(
        chain,
        (
            "create org",
            [chain.alice],
            sdk.orgs.create(ORG, digest("charter"), [(chain.alice.address, 3), (chain.bob.address, 1)], RULES),
        ),
        ("create asset", [admin], sdk.assets.create(ASSET, "City coin", 2)),
        ("fund", [admin], sdk.assets.mint(ASSET, treasury, FUNDS)),
        ("accredit", [admin], sdk.identity.accredit(chain.registry.address, [RESIDENCY], 0, 2**53 - 1)),
        ("enrol", [chain.registry], sdk.identity.enrol(RESIDENCY, [k.address for k in r])),
    )
    now = int(time.time() * 1000)
    registry = chain.registry.address
    _authority(
        chain,
        "open",
        [
            _process("riverside-2027", now, 3 * HOUR_MS, SPEND, chain.inspectors, registry),
            _process("riverside-2028", now, 10 * HOUR_MS, ONE, chain.inspectors, registry),
        ],
    )
    submit_round(
        chain,
        ("submit park", [r[0]], _submit("riverside-2027", "park", 30000, 20000)),
        ("submit library", [r[1]], _submit("riverside-2027", "library", 40000)),
        ("submit fountain", [r[2]], _submit("riverside-2027", "fountain", 60000)),
        ("submit bench", [r[3]], _submit("riverside-2028", "bench", 10000)),
        ("review park", [chain.bob], _review("riverside-2027", "park", "accept")),
        ("review library", [chain.bob], _review("riverside-2027", "library", "accept")),
        ("review fountain", [chain.bob], _review("riverside-2027", "fountain", "reject")),
        ("review bench", [chain.bob], _review("riverside-2028", "bench", "accept")),
    )


def run_two(chain: BudgetChain) -> None:
    r = chain.residents
    submit_round(
        chain,
        ("vote 0", [r[0]], vote_msg("riverside-2027", "park", "library")),
        ("vote 1", [r[1]], vote_msg("riverside-2027", "park")),
        ("vote 2", [r[2]], vote_msg("riverside-2027", "library")),
        ("vote 2028 0", [r[0]], vote_msg("riverside-2028", "bench")),
        ("vote 2028 1", [r[1]], vote_msg("riverside-2028", "bench")),
    )


def run_three(chain: BudgetChain) -> None:
    p = "riverside-2027"
    submit_round(chain, ("finalize", [chain.bob], {"type": "budgeting/finalize", "process": p, "budget": "north"}))
    assign = {"type": "budgeting/assign", "process": p, "project": "park", "implementer": chain.builder.address}
    _authority(chain, "assign", [assign])

    def report(m: int, percent: int) -> dict[str, Any]:
        evidence = digest(f"evidence {m}")
        return {
            "type": "budgeting/report",
            "process": p,
            "project": "park",
            "milestone": m,
            "percent": percent,
            "evidence_digest": evidence,
        }

    attest = {
        "type": "budgeting/attest",
        "process": p,
        "project": "park",
        "milestone": 0,
        "evidence_digest": digest("evidence 0"),
    }
    submit_round(
        chain,
        ("report 0", [chain.builder], report(0, 100)),
        ("report 1", [chain.builder], report(1, 50)),
        ("attest 0 a", [chain.inspectors[0]], attest),
        ("attest 0 b", [chain.inspectors[2]], attest),
    )


@pytest.fixture(scope="module", name="budget_chain")
def budget_chain_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BudgetChain]:
    data_dir: Path = tmp_path_factory.mktemp("budgeting") / "node"
    node = NodeProcess(data_dir).start()
    keys = [PrivateKey(bytes([0xD1 + i]) * 32) for i in range(12)]
    chain = BudgetChain(node, keys[0], keys[1], keys[2], keys[3], residents=keys[4:9], inspectors=keys[9:12])
    try:
        run_one(chain, node.admin())
    finally:
        node.stop()
    for offset, run in ((2 * HOUR_MS + 10 * MINUTE_MS, run_two), (3 * HOUR_MS + 10 * MINUTE_MS, run_three)):
        chain.node = NodeProcess(data_dir, extra_args=("--test-clock-offset-ms", str(offset))).start()
        try:
            run(chain)
        finally:
            if run is not run_three:
                chain.node.stop()
    try:
        yield chain
    finally:
        chain.node.stop()
