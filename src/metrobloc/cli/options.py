"""The click options the commands share, and what they resolve to.

``--data-dir`` and its keystore, ``--node`` and a client for it, a node's ``--log-level``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from metrobloc.sdk import Client, Keystore

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DATA_DIR = "~/.metrobloc"
DEFAULT_NODE = "http://127.0.0.1:8700"
LOG_LEVELS = ("debug", "info", "warning", "error")


def data_dir_option(f: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path),
        envvar="METROBLOC_DATA_DIR",
        default=DEFAULT_DATA_DIR,
        show_default=True,
        help="Node data dir (genesis, keys, state).",
    )(f)


def node_option(f: F) -> F:
    return click.option(
        "--node", envvar="METROBLOC_NODE", default=DEFAULT_NODE, show_default=True, help="URL of the node's API."
    )(f)


def log_level_option(f: F) -> F:
    """``--log-level`` of a node: ``metrobloc up`` and every node of ``metrobloc network up``."""
    return click.option(
        "--log-level",
        default="warning",
        show_default=True,
        type=click.Choice(LOG_LEVELS),
        help="Node log verbosity.",
    )(f)


def keystore(data_dir: Path) -> Keystore:
    return Keystore(Path(data_dir).expanduser() / "keys")


def client(node: str) -> Client:
    return Client(node)


def expand(path: Path) -> Path:
    return Path(os.path.expanduser(path))
