"""The ``metrobloc bench`` command group: measured throughput and latency against running nodes.

``bench transfers`` parses its options here and runs the load of ``cli/transfer_load.py``;
``bench/bench_transfers.py`` is the script that starts fresh nodes and calls this command.
"""

from __future__ import annotations

from pathlib import Path

import click

from metrobloc.cli.options import data_dir_option, expand, keystore, node_option
from metrobloc.cli.output import reports_errors


@click.group()
def bench() -> None:
    """Benchmarks against a running node."""


@bench.command("transfers")
@click.option(
    "--txs", default=20_000, show_default=True, type=click.IntRange(100, 10_000_000), help="Transfers per mode."
)
@click.option(
    "--accounts",
    default=1000,
    show_default=True,
    type=click.IntRange(2, 100_000),
    help="Accounts the transfers move between.",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(["single", "batch"]),
    help="single: one tx per request; batch: POST /v1/txs/batch. Default: both.",
)
@click.option(
    "--batch-size", default=500, show_default=True, type=click.IntRange(2, 5000), help="Txs per request, batch mode."
)
@click.option(
    "--concurrency",
    default=64,
    show_default=True,
    type=click.IntRange(1, 1024),
    help="Requests in flight, single mode.",
)
@click.option(
    "--batch-concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Batches in flight, batch mode.",
)
@click.option(
    "--asset",
    "asset_kind",
    default="plain",
    show_default=True,
    type=click.Choice(["plain", "policy"]),
    help="plain: an asset without a policy; policy: one with lot expiry (30 days), a merchant role every account"
    " holds and an enforced watch-list with one unrelated entry.",
)
@click.option(
    "--key", "key_name", default="admin", show_default=True, help="Key that can create assets (the genesis admin)."
)
@click.option(
    "--network",
    "net_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="A running `metrobloc network` dir: submit round-robin to all its nodes (admin key from org1).",
)
@node_option
@data_dir_option
@reports_errors
def transfers(
    txs: int,
    accounts: int,
    modes: tuple[str, ...],
    batch_size: int,
    concurrency: int,
    batch_concurrency: int,
    asset_kind: str,
    key_name: str,
    net_dir: Path | None,
    node: str,
    data_dir: Path,
) -> None:
    """Pre-sign transfers between many accounts, submit them over HTTP, print tx/s and p50/p99 latency."""
    from metrobloc.cli.transfer_load import run_transfers

    urls = [node]
    if net_dir is not None:
        from metrobloc.node.local_network import Layout

        layout = Layout.load(expand(net_dir))
        urls = [n.url for n in layout.nodes]
        data_dir = expand(net_dir) / layout.nodes[0].data_dir
    admin = keystore(data_dir).load(key_name)
    run_transfers(
        urls,
        admin,
        txs=txs,
        accounts=accounts,
        modes=list(modes) or ["single", "batch"],
        batch=batch_size,
        concurrency=concurrency,
        batch_concurrency=batch_concurrency,
        asset_kind=asset_kind,
        echo=click.echo,
    )
