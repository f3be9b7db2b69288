"""``metrobloc query`` and ``metrobloc proof``: read the chain through a node's API."""

from __future__ import annotations

import click

from metrobloc.cli.messages import module_query_group
from metrobloc.cli.options import client, node_option
from metrobloc.cli.output import emit, reports_errors
from metrobloc.cli.shortcuts import QUERY_SHORTCUTS
from metrobloc.execution import Module


@click.group()
def query() -> None:
    """Read txs, blocks and status, and each module's records (balances, accounts, land, ...)."""


def query_group(modules: tuple[Module, ...]) -> click.Group:
    """``query``: the chain's own reads, then one group per module that declares queries."""
    group = click.Group("query", help=query.help, commands=dict(query.commands))
    for module in modules:
        extra = QUERY_SHORTCUTS.get(module.name, ())
        if module.queries or extra:
            module_group = module_query_group(module)
            for command in extra:
                module_group.add_command(command)
            group.add_command(module_group)
    return group


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


@query.command("state")
@click.argument("key")
@node_option
@reports_errors
def state(key: str, node: str) -> None:
    """A state key's value with its state proof (save it; `metrobloc verify` checks it offline)."""
    with client(node) as c:
        emit(c.state_proof(key))


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
