"""``metrobloc bench``: measured throughput and latency against a running node."""

from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Benchmarks against a running node."""
