"""``metrobloc ballots verify``: re-check a secret-ballot election from the chain.

It reads the election's record and every current ballot from a node, ties each ballot to the chain by
the proof bundle of the tx that cast it (a receipt whose event names the ballot's digest, in a header
the consortium attested under the given genesis), then re-checks offline every proof, the total, the
decryption shares and the counts (``metrobloc.modules.ballots.audit``). The node is asked for data,
never for a verdict.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from metrobloc.cli.options import client, node_option
from metrobloc.cli.output import reports_errors
from metrobloc.errors import MetroblocError
from metrobloc.ledger import Genesis, verify_bundle
from metrobloc.modules.ballots.audit import Step, audit, cast_receipt
from metrobloc.sdk import Client

PAGE = 100


@click.group("ballots")
def ballots_group() -> None:
    """Secret-ballot elections: verify one from the chain."""


def _ballots(api: Client, election: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": PAGE} | ({} if cursor is None else {"cursor": cursor})
        page = api.get(f"/v1/ballots/{election}/ballots", params)
        out += page["ballots"]
        cursor = page["next"]
        if cursor is None:
            return out


def _receipts(api: Client, genesis: Genesis, election: str, ballots: list[dict[str, Any]]) -> Step:
    for b in ballots:
        try:
            verified = verify_bundle(api.proof(b["tx_hash"]), genesis)
        except MetroblocError as exc:
            return Step("receipts", False, f"{b['voter']}: proof bundle of {b['tx_hash']}: {exc.message}")
        problem = cast_receipt(verified.receipt, election, b)
        if problem is not None:
            return Step("receipts", False, problem)
    return Step("receipts", True, f"{len(ballots)} casts proven in attested blocks, each naming its ballot's digest")


@ballots_group.command("verify")
@click.argument("election")
@node_option
@click.option(
    "--genesis",
    "genesis_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your trusted copy of the chain's genesis.json (default: the node's, for convenience only).",
)
@reports_errors
def verify(election: str, node: str, genesis_file: Path | None) -> None:
    """Re-check ELECTION from the chain: the guardians' commitments and joint key, every ballot's proofs
    and the receipt that cast it, the total, the decryption shares and the counts. Prints each step;
    exits 1 if any fails."""
    with client(node) as api:
        genesis = Genesis.load(genesis_file.read_bytes()) if genesis_file else api.genesis()
        record = api.get(f"/v1/ballots/{election}")
        ballots = _ballots(api, election)
        steps = [_receipts(api, genesis, election, ballots), *audit(record, ballots, genesis.chain_id)]
    for step in steps:
        click.echo(f"{'ok  ' if step.ok else 'FAIL'} {step.name}: {step.detail}")
    if not all(s.ok for s in steps):
        sys.exit(1)
    click.echo(f"valid: {election} ({record['status']}, {record['voters']} voters)")
