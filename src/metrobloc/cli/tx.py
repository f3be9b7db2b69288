"""``metrobloc tx``: each module's messages (generated from their schemas), and co-signing prepared txs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from metrobloc.cli.messages import module_tx_group
from metrobloc.cli.options import client, data_dir_option, keystore, node_option
from metrobloc.cli.output import reports_errors
from metrobloc.cli.sending import report
from metrobloc.cli.shortcuts import TX_SHORTCUTS
from metrobloc.codec import parse_json
from metrobloc.execution import Module
from metrobloc.ledger import add_signature, parse_tx
from metrobloc.sdk import Namespace, missing_signers


def tx_group(modules: tuple[Module, ...], namespaces: dict[str, Namespace]) -> click.Group:
    """The ``tx`` group for these modules: theirs, then ``sign`` and ``broadcast``."""
    group = click.Group("tx", help="Send transactions (each module's messages), or sign and broadcast prepared ones.")
    for module in modules:
        module_group = module_tx_group(module, namespaces[module.name])
        for command in TX_SHORTCUTS.get(module.name, ()):
            module_group.add_command(command)  # replaces a generated command of the same name
        group.add_command(module_group)
    group.add_command(sign)
    group.add_command(broadcast)
    return group


@click.command("sign")
@click.argument("tx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_name", required=True, help="Name of the co-signing key.")
@data_dir_option
@reports_errors
def sign(tx_file: Path, key_name: str, data_dir: Path) -> None:
    """Add your signature to a prepared tx file (rewritten in place)."""
    signed = add_signature(parse_tx(parse_json(tx_file.read_bytes())), keystore(data_dir).load(key_name))
    tx_file.write_text(json.dumps(signed.to_json(), indent=2) + "\n")
    missing = missing_signers(signed)
    waiting = f": {', '.join(missing)}" if missing else ""
    click.echo(f"signed {signed.hash}; {len(missing)} signature(s) still missing{waiting}", err=True)


@click.command("broadcast")
@click.argument("tx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wait", is_flag=True, help="Wait for the commit and print the receipt.")
@node_option
@reports_errors
def broadcast(tx_file: Path, wait: bool, node: str) -> None:
    """Submit a signed tx file."""
    signed = parse_tx(parse_json(tx_file.read_bytes()))
    with client(node) as c:
        report(c.submit(signed, wait=wait))
