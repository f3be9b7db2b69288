"""``metrobloc tx``: build, sign, co-sign and broadcast transactions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from metrobloc.cli.land_tx import land
from metrobloc.cli.options import client, data_dir_option, keystore, node_option
from metrobloc.cli.output import reports_errors
from metrobloc.cli.sending import report, send, send_options
from metrobloc.codec import parse_json
from metrobloc.ledger import add_signature, parse_tx
from metrobloc.sdk import missing_signers, msgs


@click.group()
def tx() -> None:
    """Send transactions (each module's messages), or sign and broadcast prepared ones."""


@tx.group()
def assets() -> None:
    """Create, mint, transfer and burn assets."""


@assets.command("create")
@click.option("--asset", required=True, help="Symbol, e.g. CITY.")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--decimals", default=0, show_default=True, type=click.IntRange(0, 18), help="Digits wallets show after the point."
)
@click.option("--max-supply", default=None, help="Cap on supply (decimal); none if omitted.")
@click.option("--non-transferable", is_flag=True, help="Holders cannot move it among themselves.")
@send_options
@reports_errors
def assets_create(
    asset: str, name: str, decimals: int, max_supply: str | None, non_transferable: bool, **opts: Any
) -> None:
    """Create an asset (needs role asset_issuer)."""
    msg = msgs.create_asset(asset, name, decimals, None, not non_transferable)
    msg["max_supply"] = max_supply
    send(msg, **opts)


@assets.command("mint")
@click.option("--asset", required=True, help="Asset symbol, e.g. CITY.")
@click.option("--to", required=True, help="Recipient address.")
@click.option("--amount", required=True, help="Decimal integer amount.")
@send_options
@reports_errors
def assets_mint(asset: str, to: str, amount: str, **opts: Any) -> None:
    """Mint new units (issuer only)."""
    send({"type": "assets/mint", "asset": asset, "to": to, "amount": amount}, **opts)


@assets.command("transfer")
@click.option("--asset", required=True, help="Asset symbol, e.g. CITY.")
@click.option("--to", required=True, help="Recipient address.")
@click.option("--amount", required=True, help="Decimal integer amount.")
@send_options
@reports_errors
def assets_transfer(asset: str, to: str, amount: str, **opts: Any) -> None:
    """Transfer units to another account."""
    send({"type": "assets/transfer", "asset": asset, "to": to, "amount": amount}, **opts)


@assets.command("burn")
@click.option("--asset", required=True, help="Asset symbol, e.g. CITY.")
@click.option("--amount", required=True, help="Decimal integer amount.")
@send_options
@reports_errors
def assets_burn(asset: str, amount: str, **opts: Any) -> None:
    """Destroy units you hold."""
    send({"type": "assets/burn", "asset": asset, "amount": amount}, **opts)


@tx.group()
def accounts() -> None:
    """Roles and key rotation."""


@accounts.command("grant-role")
@click.option("--address", required=True, help="Account address (mb1...).")
@click.option("--role", required=True, help="e.g. asset_issuer, land_registrar.")
@send_options
@reports_errors
def accounts_grant(address: str, role: str, **opts: Any) -> None:
    """Grant a role (admin only)."""
    send(msgs.grant_role(address, role), **opts)


@accounts.command("revoke-role")
@click.option("--address", required=True, help="Account address (mb1...).")
@click.option("--role", required=True, help="Role name, e.g. asset_issuer.")
@send_options
@reports_errors
def accounts_revoke(address: str, role: str, **opts: Any) -> None:
    """Revoke a role (admin only)."""
    send(msgs.revoke_role(address, role), **opts)


@accounts.command("rotate-key")
@click.option("--new-key", "new_key_name", required=True, help="Keystore name of the new key.")
@send_options
@reports_errors
def accounts_rotate(new_key_name: str, **opts: Any) -> None:
    """Move your account to a new key; the address stays, the old key stops working."""
    ks = keystore(opts["data_dir"])
    old, new = ks.load(opts["key_name"]), ks.load(new_key_name)
    with client(opts["node"]) as c:
        msg = msgs.rotate_key(c.chain_id, old.address, new)
    send(msg, **opts)


@tx.command("sign")
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


@tx.command("broadcast")
@click.argument("tx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wait", is_flag=True, help="Wait for the commit and print the receipt.")
@node_option
@reports_errors
def broadcast(tx_file: Path, wait: bool, node: str) -> None:
    """Submit a signed tx file."""
    signed = parse_tx(parse_json(tx_file.read_bytes()))
    with client(node) as c:
        report(c.submit(signed, wait=wait))


tx.add_command(land)
