"""``metrobloc query`` and ``metrobloc proof``: read the chain through a node's API."""

from __future__ import annotations

import click

from metrobloc.cli import land_query
from metrobloc.cli.options import client, node_option
from metrobloc.cli.output import emit, reports_errors


@click.group()
def query() -> None:
    """Read balances, accounts, assets, land records, txs and blocks."""


query.add_command(land_query.land)


@query.command("balance")
@click.option("--asset", required=True, help="Asset symbol, e.g. CITY.")
@click.argument("address")
@node_option
@reports_errors
def balance(asset: str, address: str, node: str) -> None:
    """Print ADDRESS's balance of an asset."""
    with client(node) as c:
        click.echo(c.balance(asset, address))


@query.command("account")
@click.argument("address")
@node_option
@reports_errors
def account(address: str, node: str) -> None:
    """An account's key and roles."""
    with client(node) as c:
        emit(c.account(address))


@query.command("asset")
@click.argument("asset")
@node_option
@reports_errors
def asset(asset: str, node: str) -> None:
    """An asset's issuer, supply and rules."""
    with client(node) as c:
        emit(c.asset(asset))


@query.command("tx")
@click.argument("tx_hash")
@node_option
@reports_errors
def tx(tx_hash: str, node: str) -> None:
    """A tx's receipt (or pending)."""
    with client(node) as c:
        emit(c.tx(tx_hash))


@query.command("block")
@click.argument("height", default="latest")
@node_option
@reports_errors
def block(height: str, node: str) -> None:
    """A block's header, hash, attestations and txs."""
    with client(node) as c:
        emit(c.block(height))


@query.command("status")
@node_option
@reports_errors
def status(node: str) -> None:
    """The node's chain id, height and key."""
    with client(node) as c:
        emit(c.status())


@click.command()
@click.argument("tx_hash")
@click.option("--at", type=int, default=None, help="Prove against this later block's header.")
@node_option
@reports_errors
def proof(tx_hash: str, at: int | None, node: str) -> None:
    """Fetch the proof bundle of a committed tx (for `metrobloc verify`)."""
    with client(node) as c:
        emit(c.proof(tx_hash, at))
