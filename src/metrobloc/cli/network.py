"""``metrobloc network``: a local consortium (NATS JetStream cluster and one node per organization)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from metrobloc.cli.options import expand, log_level_option
from metrobloc.cli.output import reports_errors


@click.group()
def network() -> None:
    """Create and run a local consortium network on 127.0.0.1."""


@network.command("init")
@click.option("--dir", "net_dir", required=True, type=click.Path(path_type=Path), help="Network directory to create.")
@click.option("--orgs", default=3, show_default=True, type=click.IntRange(1, 32), help="Organizations (one node each).")
@click.option("--nats", default=3, show_default=True, type=click.IntRange(1, 7), help="NATS servers in the cluster.")
@click.option("--chain-id", default="metrobloc-net", show_default=True, help="Chain id.")
@click.option(
    "--replicas", default=None, type=click.IntRange(1, 5), help="Stream replicas [default: min(3, NATS servers)]."
)
@click.option("--nats-port", default=4222, show_default=True, type=int, help="First NATS client port.")
@click.option("--cluster-port", default=6222, show_default=True, type=int, help="First NATS cluster port.")
@click.option("--monitor-port", default=8222, show_default=True, type=int, help="First NATS monitoring port.")
@click.option("--api-port", default=8701, show_default=True, type=int, help="First node API port.")
@reports_errors
def network_init(
    net_dir: Path,
    orgs: int,
    nats: int,
    chain_id: str,
    replicas: int | None,
    nats_port: int,
    cluster_port: int,
    monitor_port: int,
    api_port: int,
) -> None:
    """Write genesis (every organization's node key), NATS configs and one data dir per node."""
    from metrobloc.node.local_network import init_network

    path = expand(net_dir)
    layout = init_network(
        path,
        orgs=orgs,
        nats=nats,
        chain_id=chain_id,
        nats_ports=[(nats_port + i, cluster_port + i, monitor_port + i) for i in range(nats)],
        api_ports=[api_port + i for i in range(orgs)],
        replicas=replicas,
    )
    click.echo(
        f"network {layout.chain_id} in {path}: {len(layout.nodes)} nodes, {len(layout.nats)} NATS servers, "
        f"R{layout.replicas}; start it with `metrobloc network up --dir {net_dir}`"
    )


@network.command("up")
@click.option("--dir", "net_dir", required=True, type=click.Path(path_type=Path), help="Network directory.")
@log_level_option
@click.option("--timeout", default=60.0, show_default=True, type=float, help="Seconds to wait for every process.")
@reports_errors
def network_up(net_dir: Path, log_level: str, timeout: float) -> None:
    """Start the NATS servers and the nodes; print each node's API URL; Ctrl-C stops them all."""
    from metrobloc.node.local_network import Network, write_pid_file

    path = expand(net_dir)
    done = threading.Event()
    previous = {s: signal.signal(s, lambda *_: done.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    net = Network(path, log_level=log_level)
    try:
        net.start(timeout)
        write_pid_file(path, net)
        for spec in net.layout.nodes:
            click.echo(f"{spec.org}: {spec.url}")
        click.echo(f"NATS: {net.layout.nats_urls}; logs in {path / 'logs'}; Ctrl-C stops the network", err=True)
        while not done.wait(0.5):
            for proc in [*net.nats.values(), *net.nodes.values()]:
                if proc.poll() is not None:
                    click.echo(f"a process (pid {proc.pid}) exited with status {proc.returncode}", err=True)
                    done.set()
    finally:
        net.stop_all()
        (path / "run.pids").unlink(missing_ok=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("network stopped", err=True)


@network.command("join")
@click.option("--dir", "net_dir", required=True, type=click.Path(path_type=Path), help="Network directory.")
@click.option("--org", default=None, help="The new organization's id [default: org{N+1}].")
@click.option("--name", default=None, help="Its display name [default: Organization {N+1}].")
@click.option("--api-port", default=None, type=int, help="Its node's API port [default: the highest + 1].")
@reports_errors
def network_join(net_dir: Path, org: str | None, name: str | None, api_port: int | None) -> None:
    """Add a new organization's node: its keys and the join request the consortium votes on."""
    import json

    from metrobloc.node.local_network import Layout, join_network

    path = expand(net_dir)
    spec, request = join_network(path, org=org, name=name, api_port=api_port)
    layout = Layout.load(path)
    data_dir = path / spec.data_dir
    peers = " ".join(f"--peer {n.url}" for n in layout.nodes if n != spec)
    click.echo(json.dumps(request, indent=2))
    org_id = request["org"]
    click.echo(
        f"""
{spec.org} ({org_id}) will run a node from {data_dir} on {spec.url}; its request is in
{data_dir / "join-request.json"}. Next (``--key K --data-dir D``: a member's voter key in D/keys; a genesis
member votes with its node key, node_key.json):
0. once per chain:        metrobloc tx consortium init --key K --data-dir D
1. any member proposes:   metrobloc tx orgs propose --org consortium --proposal add-{org_id} --summary-digest HEX \\
                              --action "$(jq -c .action {data_dir / "join-request.json"})" --key K --data-dir D
2. members vote (2/3):    metrobloc tx orgs vote --org consortium --proposal add-{org_id} --option yes \\
                              --key K --data-dir D
3. anyone executes:       metrobloc tx orgs execute --org consortium --proposal add-{org_id} --key K --data-dir D
4. start the node:        metrobloc up --data-dir {data_dir} --port {spec.port} --orderer {layout.nats_urls} \\
                              {peers} --catch-up-from-peers
                          (or `metrobloc network up --dir {net_dir}`: it starts every node of network.json)
The node may start before the vote: it follows the chain as an observer until its key is in force."""
    )


@network.command("request")
@click.option(
    "--genesis", "genesis_file", required=True, type=click.Path(path_type=Path), help="The chain's genesis.json."
)
@click.option(
    "--data-dir", "data_dir", required=True, type=click.Path(path_type=Path), help="The new node's data dir to create."
)
@click.option("--org", required=True, help="The new organization's id (lower case, 3 to 48 characters).")
@click.option("--name", required=True, help="Its display name.")
@reports_errors
def network_request(genesis_file: Path, data_dir: Path, org: str, name: str) -> None:
    """Prepare a new organization's node for any running consortium: prints the action to vote on.

    Writes the data dir (the chain's genesis, a new node key, a voter key ``keys/voter.json``,
    ``join-request.json``) and prints the ``consortium/add_member`` action as one JSON line, for a
    member's ``metrobloc tx orgs propose --org consortium --action``; the steps go to stderr.
    """
    import json

    from metrobloc.codec import parse_json
    from metrobloc.errors import InvalidInput
    from metrobloc.modules.consortium.msgs import OrgId, OrgName
    from metrobloc.node.datadir import JOIN_REQUEST_FILE, init_joining_data_dir

    if not OrgId.pattern.match(org):
        raise InvalidInput(f"--org {org!r}: {OrgId.__doc__}", OrgId.code)
    if not OrgName.pattern.match(name):
        raise InvalidInput(f"--name: {OrgName.__doc__}", OrgName.code)
    source = expand(genesis_file)
    try:
        genesis_doc = parse_json(source.read_bytes())
    except OSError as exc:
        raise InvalidInput(f"cannot read {source}: {exc.strerror}", "network.no_genesis") from None
    if not isinstance(genesis_doc, dict):
        raise InvalidInput(f"{source} is not a genesis document", "network.bad_genesis")
    path = expand(data_dir)
    request = init_joining_data_dir(path, genesis_doc, org, name)
    click.echo(json.dumps(request["action"], separators=(",", ":")))
    click.echo(
        f"""{name} ({org}): node key and voter key in {path}; the request is {path / JOIN_REQUEST_FILE}.
1. a member proposes it:  metrobloc tx orgs propose --org consortium --proposal add-{org} \\
                              --summary-digest HEX --action "$ACTION" --key K
2. two thirds of the member organizations vote yes; then anyone executes it
3. start the node:        metrobloc up --data-dir {path} --orderer nats://... --peer URL --catch-up-from-peers""",
        err=True,
    )
