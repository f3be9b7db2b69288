"""Where the CLI finds the data dir, the node and the keys, and how it reports failures."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from metrobloc.errors import MetroblocError
from metrobloc.sdk import Client, Keystore

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DATA_DIR = "~/.metrobloc"
DEFAULT_NODE = "http://127.0.0.1:8700"


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


def keystore(data_dir: Path) -> Keystore:
    return Keystore(Path(data_dir).expanduser() / "keys")


def client(node: str) -> Client:
    return Client(node)


def emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


def reports_errors(f: F) -> F:
    """Turn an expected failure into one readable line on stderr and exit status 1."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except MetroblocError as exc:
            click.echo(f"error: {exc.code}: {exc.message}", err=True)
            sys.exit(1)
        except OSError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def expand(path: Path) -> Path:
    return Path(os.path.expanduser(path))
