"""How every ``metrobloc tx <module> <message>`` command signs and sends its message.

One set of options (``--key``, ``--cosigner``, ``--wait``, ``--sign-only``...) and one ``send``, so
that every module's commands do multi-party signing the same way (docs/guide.md section 6).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from metrobloc.cli.options import client, data_dir_option, keystore, node_option
from metrobloc.cli.output import emit


def send_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--key", "key_name", required=True, help="Name of the signing key (the sender)."),
            click.option(
                "--cosigner",
                "cosigners",
                multiple=True,
                metavar="ADDRESS",
                help="Another signer whose signature is added later with `tx sign`.",
            ),
            click.option("--wait", is_flag=True, help="Wait for the commit and print the receipt."),
            click.option("--sign-only", is_flag=True, help="Print the signed tx instead of sending it."),
            click.option("--memo", default="", help="Public memo (no personal data)."),
            click.option(
                "--valid-for",
                default=1000,
                show_default=True,
                type=click.IntRange(1, 100_000),
                help="Blocks the tx stays valid for.",
            ),
            node_option,
            data_dir_option,
        ]
    ):
        f = option(f)
    return f


def send(
    msg: dict[str, Any],
    *,
    key_name: str,
    cosigners: tuple[str, ...],
    wait: bool,
    sign_only: bool,
    memo: str,
    valid_for: int,
    node: str,
    data_dir: Path,
) -> None:
    """Sign ``msg`` as ``--key``; print the tx when it still needs co-signers or ``--sign-only``."""
    key = keystore(data_dir).load(key_name)
    with client(node) as c:
        signed = c.prepare(key, [msg], cosigners=cosigners, memo=memo, valid_for=valid_for)
        if sign_only or cosigners:
            click.echo(json.dumps(signed.to_json(), indent=2))
            return
        report(c.submit(signed, wait=wait))


def report(result: dict[str, Any]) -> None:
    """Print the result; a committed tx that failed exits 1 with its error code on stderr."""
    emit(result)
    receipt = result.get("receipt")
    if receipt and receipt["status"] != "ok":
        click.echo(f"error: {receipt['error']['code']}: {receipt['error']['message']}", err=True)
        sys.exit(1)
