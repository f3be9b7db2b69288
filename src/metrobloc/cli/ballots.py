"""``metrobloc ballots``: vote, act as a guardian, publish the result, and verify an election.

``vote`` encrypts the selections with their proofs on this machine; ``guardian commit|deal|ack|decrypt``
keep the guardian's secret (polynomial, box key, share) in a file of its own, never on chain;
``result`` decrypts the final total from the accepted shares off chain and publishes the counts.

``verify`` reads the election's record and every current ballot from a node, ties each ballot to the chain by
the proof bundle of the tx that cast it (a receipt whose event names the ballot's digest, in a header
the consortium attested under the given genesis), then re-checks offline every proof, the total, the
decryption shares and the counts (``metrobloc.modules.ballots.audit``). The node is asked for data,
never for a verdict.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from metrobloc.cli.options import client, keystore, node_option
from metrobloc.cli.output import reports_errors
from metrobloc.cli.sending import send, send_options
from metrobloc.errors import InvalidInput, MetroblocError
from metrobloc.ledger import Genesis, verify_bundle
from metrobloc.modules.ballots.audit import Step, audit, cast_receipt
from metrobloc.modules.ballots.client import GuardianSecret, counts
from metrobloc.sdk import Client, ballots

PAGE = 100


@click.group("ballots")
def ballots_group() -> None:
    """Secret-ballot elections: vote, act as a guardian, publish the result, verify."""


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


def _record(node: str, election: str) -> dict[str, Any]:
    with client(node) as api:
        return dict(api.get(f"/v1/ballots/{election}"))


def _selections(record: dict[str, Any], chosen: tuple[str, ...]) -> list[list[int]]:
    """``--select`` per question (comma-separated option ids, empty for none) as 0/1 per option."""
    questions = record["questions"]
    if len(chosen) != len(questions):
        raise InvalidInput(f"give --select once per question ({len(questions)})", "cli.bad_selection")
    out = []
    for q, text in zip(questions, chosen, strict=True):
        ids = [o["id"] for o in q["options"]]
        picked = [p for p in text.split(",") if p]
        unknown = [p for p in picked if p not in ids]
        if unknown:
            raise InvalidInput(f"no option {unknown[0]!r}; the options are {', '.join(ids)}", "cli.bad_selection")
        out.append([1 if i in picked else 0 for i in ids])
    return out


@ballots_group.command("vote")
@click.argument("election")
@click.option("--select", "chosen", multiple=True, help="Option ids chosen, comma-separated; once per question.")
@send_options
@reports_errors
def vote(election: str, chosen: tuple[str, ...], **opts: Any) -> None:
    """Encrypt your selections in ELECTION with their proofs, here, and cast them (again to replace them)."""
    record = _record(opts["node"], election)
    voter = keystore(opts["data_dir"]).load(opts["key_name"]).address
    with client(opts["node"]) as api:
        chain_id = api.chain_id
    msg = ballots.vote(chain_id, election, voter, record["joint_key"], record["shapes"], _selections(record, chosen))
    send(msg, **opts)


@ballots_group.group("guardian")
def guardian_group() -> None:
    """A guardian's steps; its secret lives in --secret, a file only it reads."""


SECRET = click.option(
    "--secret", "secret_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The secret's file."
)


def _load(path: Path) -> GuardianSecret:
    return GuardianSecret.from_json(json.loads(path.read_text()))


def _save(path: Path, secret: GuardianSecret) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(secret.to_json(), f)


@guardian_group.command("commit")
@click.argument("election")
@SECRET
@send_options
@reports_errors
def guardian_commit(election: str, secret_file: Path, **opts: Any) -> None:
    """Draw a secret polynomial (saved to --secret) and commit to it with proofs and a box key."""
    record = _record(opts["node"], election)
    address = keystore(opts["data_dir"]).load(opts["key_name"]).address
    if address not in record["guardians"]:
        raise InvalidInput(f"{address} is not a guardian of {election}", "cli.not_guardian")
    with client(opts["node"]) as api:
        chain_id = api.chain_id
    secret = GuardianSecret.new(chain_id, election, record["guardians"].index(address) + 1, record["threshold"])
    _save(secret_file, secret)
    send(secret.commit_msg(), **opts)


@guardian_group.command("deal")
@click.argument("election")
@SECRET
@send_options
@reports_errors
def guardian_deal(election: str, secret_file: Path, **opts: Any) -> None:
    """Seal a share of the secret to every other guardian (once all have committed)."""
    send(_load(secret_file).deal_msg(_record(opts["node"], election)), **opts)


@guardian_group.command("ack")
@click.argument("election")
@SECRET
@send_options
@reports_errors
def guardian_ack(election: str, secret_file: Path, **opts: Any) -> None:
    """Open the shares dealt to you, check each against its dealer's commitments, and acknowledge the
    good ones (complain about a bad one); your secret share is saved to --secret."""
    secret = _load(secret_file)
    good, bad = secret.receive(_record(opts["node"], election))
    _save(secret_file, secret)
    for dealer in bad:
        evidence = f"{election}: the share {dealer} sealed to guardian {secret.index} does not match its commitments"
        send(ballots.complain(election, dealer, hashlib.sha256(evidence.encode()).hexdigest()), **opts)
    for dealer in good:
        send(ballots.ack(election, dealer), **opts)


@guardian_group.command("decrypt")
@click.argument("election")
@SECRET
@send_options
@reports_errors
def guardian_decrypt(election: str, secret_file: Path, **opts: Any) -> None:
    """Send your decryption share of ELECTION's final total, with its proofs (after close)."""
    send(_load(secret_file).decryption_share_msg(_record(opts["node"], election)), **opts)


@ballots_group.command("result")
@click.argument("election")
@send_options
@reports_errors
def result(election: str, **opts: Any) -> None:
    """Decrypt the final total from the accepted shares, here, and publish the counts (checked on chain)."""
    found = counts(_record(opts["node"], election))
    send(ballots.result(election, [n for row in found for n in row]), **opts)
