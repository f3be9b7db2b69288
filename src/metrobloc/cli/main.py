"""``metrobloc``: init and run a node, manage keys, send txs, query, verify proofs, benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from metrobloc import __version__
from metrobloc.cli import ballots, bench, credential, network, wallet
from metrobloc.cli.options import data_dir_option, expand, keystore, log_level_option
from metrobloc.cli.output import emit, reports_errors
from metrobloc.cli.query import proof, query_group
from metrobloc.cli.spec import spec
from metrobloc.cli.tx import tx_group
from metrobloc.codec import parse_json
from metrobloc.execution import Module
from metrobloc.ledger import Genesis, KeySet, verify_bundle, verify_reads, verify_state_bundle
from metrobloc.modules import MODULES
from metrobloc.sdk import namespaces

if TYPE_CHECKING:
    from collections.abc import Callable

    from metrobloc.demo import Activity
    from metrobloc.node import Node


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="metrobloc")
def core() -> None:
    """MetroBloc: a permissioned ledger for metropolitan governance."""


@core.command()
@data_dir_option
@click.option("--chain-id", required=True, help="Chain id, e.g. metropolis-1.")
@click.option("--org", required=True, help='Your organization, e.g. "City of Metropolis".')
@reports_errors
def init(data_dir: Path, chain_id: str, org: str) -> None:
    """Create a data dir: genesis.json, the node key and keys/admin.json."""
    from metrobloc.node import init_data_dir

    genesis = init_data_dir(expand(data_dir), chain_id, org)
    click.echo(f"initialised chain {genesis.chain_id} in {expand(data_dir)}; admin is {genesis.admin_address}")


@core.command()
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind the API to.")
@click.option("--port", default=8700, show_default=True, type=int, help="API port.")
@click.option("--chain-id", default="metrobloc-dev", show_default=True, help="Chain id if D is new.")
@click.option("--org", default="Dev Organization", show_default=True, help="Organization if D is new.")
@click.option(
    "--demo",
    is_flag=True,
    help="Run the Demo City: a new D is seeded with agencies, citizens, City Coin and land records, "
    "then live activity keeps a few txs per second coming.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**31 - 1),
    default=None,
    help="With --demo: the city's seed (default 1); the same seed gives the same seeded blocks.",
)
@click.option(
    "--max-block-txs",
    default=2000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Cut a block as soon as this many txs wait.",
)
@click.option(
    "--max-block-ms",
    default=50,
    show_default=True,
    type=click.IntRange(1, 60_000),
    help="Cut a block at most this long after its first tx.",
)
@log_level_option
@click.option(
    "--orderer",
    default="solo",
    show_default=True,
    metavar="solo|nats://HOST:PORT,...",
    help="Ordering: the embedded solo log, or a consortium's NATS JetStream servers.",
)
@click.option(
    "--replicas", default=3, show_default=True, type=click.IntRange(1, 5), help="JetStream stream replicas required."
)
@click.option(
    "--nats-monitor",
    multiple=True,
    metavar="URL",
    help="A NATS server's monitoring URL, to check it fsyncs every write (repeatable).",
)
@click.option("--peer", "peers", multiple=True, metavar="URL", help="Another node's API URL, to catch up from.")
@click.option(
    "--catch-up-from-peers",
    is_flag=True,
    help="Before reading the stream, apply the peers' certified blocks (a node joining a running network).",
)
@click.option(
    "--state-root-from",
    type=click.IntRange(1),
    default=None,
    metavar="HEIGHT",
    help="A data dir with v1 headers: the first block with a state root (every consortium node the same).",
)
@click.option(
    "--check-processes",
    default=1,
    show_default=True,
    type=click.IntRange(0, 64),
    help="Worker processes checking txs and signatures (0: a thread of the node; about one per core).",
)
@click.option(
    "--test-clock-offset-ms",
    default=0,
    type=int,
    hidden=True,
    help="Test only: run this node's chain clock (the time it writes into cuts) this many ms ahead.",
)
@click.option(
    "--module",
    "extra_modules",
    multiple=True,
    hidden=True,
    metavar="PACKAGE",
    help="Development only: also run the module of this Python package (every node of the chain must).",
)
@reports_errors
def up(
    data_dir: Path,
    host: str,
    port: int,
    chain_id: str,
    org: str,
    demo: bool,
    seed: int | None,
    max_block_txs: int,
    max_block_ms: int,
    log_level: str,
    orderer: str,
    replicas: int,
    nats_monitor: tuple[str, ...],
    peers: tuple[str, ...],
    catch_up_from_peers: bool,
    state_root_from: int | None,
    check_processes: int,
    test_clock_offset_ms: int,
    extra_modules: tuple[str, ...],
) -> None:
    """Start a node and its API; a new data dir is initialised as a dev chain."""
    from metrobloc.cli.serve import serve
    from metrobloc.node import NodeConfig, init_data_dir
    from metrobloc.node.app import load_modules

    path = expand(data_dir)
    kind, location = _ordering(orderer, path)
    if seed is not None and not demo:
        raise click.UsageError("--seed goes with --demo")
    activity = _demo_activity(path, seed, kind, f"http://{_local(host)}:{port}") if demo else None
    if not (path / "genesis.json").exists():
        genesis = init_data_dir(path, chain_id, org)
        click.echo(f"new dev chain {genesis.chain_id} in {path}; admin key in {path / 'keys' / 'admin.json'}")
    config = NodeConfig(
        data_dir=path,
        host=host,
        port=port,
        orderer=kind,
        orderer_location=location,
        replicas=replicas,
        nats_monitor=nats_monitor,
        peers=peers,
        catch_up_from_peers=catch_up_from_peers,
        state_root_from=state_root_from,
        max_block_txs=max_block_txs,
        max_block_ms=max_block_ms,
        check_processes=check_processes,
        test_clock_offset_ms=test_clock_offset_ms,
    )
    if activity is not None:
        activity.start()
    try:
        serve(config, log_level, (*MODULES, *load_modules(extra_modules)), _played_nodes(activity))
    finally:
        if activity is not None:
            activity.stop()


def _ordering(orderer: str, path: Path) -> tuple[str, str]:
    """(backend, location) of ``--orderer``."""
    if orderer.startswith("nats://"):
        if not (path / "genesis.json").exists():
            raise click.UsageError(f"{path} has no genesis.json: a consortium node needs the consortium's genesis")
        return "jetstream", orderer
    if orderer in ("solo", "memory"):
        return orderer, ""
    raise click.BadParameter("use solo or nats://HOST:PORT[,nats://...]", param_hint="--orderer")


def _demo_activity(path: Path, seed: int | None, orderer: str, url: str) -> Activity:
    """The live activity of the Demo City of ``path``, seeded now if ``path`` holds no chain."""
    from metrobloc.demo import DEFAULT_SEED, Activity, recognise, seed_city

    ctx = click.get_current_context()
    if orderer != "solo":
        raise click.UsageError("--demo runs on the solo orderer")
    named = [
        f"--{n.replace('_', '-')}"
        for n in ("chain_id", "org")
        if ctx.get_parameter_source(n) is ParameterSource.COMMANDLINE
    ]
    if named:
        raise click.UsageError(f"--demo names its own chain; drop {' and '.join(named)}")
    city = recognise(path, seed)
    if city is not None:
        click.echo(f"Demo City (seed {city.seed}) in {path}: resuming; portal on {url}/")
        return Activity(city, url)
    city, seeded = seed_city(path, DEFAULT_SEED if seed is None else seed)
    click.echo(
        f"Demo City (seed {city.seed}) seeded in {path}: {seeded.txs} txs in {seeded.height} blocks "
        f"({seeded.seconds:.1f} s); portal on {url}/"
    )
    return Activity(city, url)


def _played_nodes(activity: Activity | None) -> Callable[[Node], None] | None:
    """The Demo City's other organizations' nodes, played beside the node (``metrobloc.demo.consortium``)."""
    if activity is None:
        return None
    from metrobloc.demo.consortium import PlayedNodes

    return PlayedNodes.of_city(activity.city, activity.city.people.node_key).attach


def _local(host: str) -> str:
    """Where a client on this machine reaches an API bound to ``host``."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)


@core.group()
def keys() -> None:
    """Keys in the data dir's keystore (files mode 0600)."""


@keys.command("new")
@data_dir_option
@click.argument("name")
@reports_errors
def keys_new(data_dir: Path, name: str) -> None:
    """Create key NAME and print its address."""
    key = keystore(data_dir).new(name)
    click.echo(key.address)


@keys.command("list")
@data_dir_option
@reports_errors
def keys_list(data_dir: Path) -> None:
    """List the keys and their addresses."""
    ks = keystore(data_dir)
    for name in ks.names():
        click.echo(f"{name}\t{ks.load(name).address}")


@keys.command("show")
@data_dir_option
@click.argument("name")
@reports_errors
def keys_show(data_dir: Path, name: str) -> None:
    """Print key NAME's address and public key (never the private key)."""
    key = keystore(data_dir).load(name)
    emit({"name": name, "address": key.address, "public_key": key.public_key.to_b64()})


@core.command()
@click.argument("proof_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--genesis",
    "genesis_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The trusted genesis.json of the chain.",
)
@reports_errors
def verify(proof_file: Path, genesis_file: Path) -> None:
    """Verify offline against a genesis a tx's proof bundle, a state bundle (`query state`) or a proven
    query answer (`query ... --prove`): prints "valid" and what it proves, or exits 1 with the reason."""
    genesis = Genesis.load(genesis_file.read_bytes())
    bundle = parse_json(proof_file.read_bytes())
    if isinstance(bundle, dict) and "receipt" in bundle:
        result = verify_bundle(bundle, genesis)
        r = result.receipt
        by = _attested(result.attesters, result.keys, result.header.height, result.set_changes)
        click.echo(f"valid: tx {r.tx_hash} {r.status} at height {r.height}, attested by {by}")
        return
    proven = verify_reads(bundle["proofs"], genesis) if isinstance(bundle, dict) and "proofs" in bundle else None
    state = proven or verify_state_bundle(bundle, genesis)
    by = _attested(state.attesters, state.keys, state.header.height, state.set_changes)
    click.echo(f"valid: {len(state.values)} state read(s) at height {state.header.height}, attested by {by}")
    for key, value in state.values.items():
        click.echo(f"  {key} = {'(absent)' if value is None else value}")


def _attested(attesters: tuple[str, ...], keys: KeySet, height: int, changes: int) -> str:
    """``A, B, D (3 of 4 node keys in force at H; 2 set changes followed from genesis)``."""
    followed = f"{changes} set change{'' if changes == 1 else 's'} followed from genesis"
    in_force = f"{len(attesters)} of {len(keys.members)} node keys in force at {height}"
    return f"{', '.join(attesters)} ({in_force}; {followed})"


core.add_command(proof)
core.add_command(spec)
core.add_command(bench.bench)
core.add_command(network.network)
core.add_command(credential.credential_group)
core.add_command(wallet.wallet_group)
core.add_command(ballots.ballots_group)


def build_cli(modules: tuple[Module, ...] = MODULES) -> click.Group:
    """The ``metrobloc`` command for a chain running ``modules``: their tx and query groups added."""
    group = click.Group(
        "metrobloc",
        help=core.help,
        commands=dict(core.commands),
        context_settings=core.context_settings,
        params=core.params,
    )
    group.add_command(tx_group(modules, namespaces(modules)))
    group.add_command(query_group(modules))
    return group


cli = build_cli()
"""The ``metrobloc`` command of this chain (the built-in modules)."""


def main() -> None:
    cli(prog_name="metrobloc")


if __name__ == "__main__":  # pragma: no cover
    main()
