"""Creating and reading a node's data dir: genesis, the node key, the admin key (and a joining node's request)."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.errors import Conflict, InvalidInput
from metrobloc.ledger import Genesis
from metrobloc.ledger.consortium import key_statement

GENESIS_FILE = "genesis.json"
NODE_KEY_FILE = "node_key.json"
KEYS_DIR = "keys"


def write_private(path: Path, data: dict[str, Any]) -> None:
    """Write a secret file readable by its owner only (mode 0600), never world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def key_file(key: PrivateKey) -> dict[str, str]:
    """``{"address", "public_key", "private_key"}``: the keystore's file format."""
    return {"address": key.address, "public_key": key.public_key.to_b64(), "private_key": key.to_b64()}


def single_org_genesis(
    chain_id: str, org: str, node_key: PrivateKey, admin: PrivateKey, genesis_time_ms: int
) -> Genesis:
    """The genesis of a one-organization chain: its node key, and ``admin`` as the first admin."""
    return consortium_genesis(chain_id, [(org, node_key)], admin, genesis_time_ms)


def consortium_genesis(
    chain_id: str, orgs: list[tuple[str, PrivateKey]], admin: PrivateKey, genesis_time_ms: int
) -> Genesis:
    """The genesis of a chain certified by ``orgs`` (display name, node key), ``admin`` as the first admin."""
    return Genesis.from_json(
        {
            "chain_id": chain_id,
            "genesis_time_ms": genesis_time_ms,
            "organizations": [{"name": name, "node_key": key.public_key.to_b64()} for name, key in orgs],
            "admin": {"address": admin.address, "public_key": admin.public_key.to_b64()},
            "app_state": {
                "accounts": {
                    "accounts": [
                        {"address": admin.address, "public_key": admin.public_key.to_b64(), "roles": ["admin"]}
                    ]
                },
            },
        }
    )


def init_data_dir(
    data_dir: Path,
    chain_id: str,
    org: str,
    *,
    genesis_time_ms: int | None = None,
    node_key: PrivateKey | None = None,
    admin: PrivateKey | None = None,
    genesis: Genesis | None = None,
) -> Genesis:
    """Create a new single-organization data dir; refuses one that already has a genesis.

    The node and admin keys are new random keys unless given (the demo city derives them from its seed);
    ``genesis``, when given, replaces the one-organization genesis (the demo city's lists four; the
    caller checks that it names ``node_key`` and ``admin``).
    """
    data_dir = Path(data_dir)
    if (data_dir / GENESIS_FILE).exists():
        raise InvalidInput(f"{data_dir} already holds a chain (genesis.json exists)", "node.already_initialised")
    data_dir.mkdir(parents=True, exist_ok=True)
    node_key = node_key or PrivateKey.generate()
    admin = admin or PrivateKey.generate()
    start_ms = time.time_ns() // 1_000_000 if genesis_time_ms is None else genesis_time_ms
    if genesis is None:
        genesis = single_org_genesis(chain_id, org, node_key, admin, start_ms)  # checked before writing anything
    write_private(data_dir / NODE_KEY_FILE, key_file(node_key))
    write_private(data_dir / KEYS_DIR / "admin.json", key_file(admin))
    (data_dir / GENESIS_FILE).write_text(json.dumps(genesis.raw, indent=2) + "\n")
    return genesis


def init_consortium(
    data_dirs: list[Path], chain_id: str, orgs: list[str], *, genesis_time_ms: int | None = None
) -> Genesis:
    """Create one data dir per organization, sharing one genesis that lists every node key.

    Each dir gets its own node key; the admin key is written to every dir's keystore so that a
    local network can be driven from any of them (a real consortium hands it to one operator).
    """
    if len(data_dirs) != len(orgs) or not orgs:
        raise InvalidInput("one data dir per organization", "node.bad_network")
    for d in data_dirs:
        if (Path(d) / GENESIS_FILE).exists():
            raise InvalidInput(f"{d} already holds a chain (genesis.json exists)", "node.already_initialised")
    node_keys = [PrivateKey.generate() for _ in orgs]
    admin = PrivateKey.generate()
    start_ms = time.time_ns() // 1_000_000 if genesis_time_ms is None else genesis_time_ms
    genesis = consortium_genesis(chain_id, list(zip(orgs, node_keys, strict=True)), admin, start_ms)
    for d, key in zip(data_dirs, node_keys, strict=True):
        d = Path(d)
        d.mkdir(parents=True, exist_ok=True)
        write_private(d / NODE_KEY_FILE, key_file(key))
        write_private(d / KEYS_DIR / "admin.json", key_file(admin))
        (d / GENESIS_FILE).write_text(json.dumps(genesis.raw, indent=2) + "\n")
    return genesis


def load_genesis(data_dir: Path) -> Genesis:
    path = Path(data_dir) / GENESIS_FILE
    if not path.exists():
        raise InvalidInput(f"{data_dir} has no genesis.json; run `metrobloc init` first", "node.no_genesis")
    return Genesis.load(path.read_bytes())


def load_node_key(data_dir: Path) -> PrivateKey:
    doc = json.loads((Path(data_dir) / NODE_KEY_FILE).read_text())
    return PrivateKey.from_b64(doc["private_key"])


def lock_data_dir(data_dir: Path) -> int:
    """Take the data dir's exclusive lock for this process's life; refuse one already in use.

    Two nodes on one data dir would share state.db and orderer.db and corrupt each other's view.
    """
    fd = os.open(Path(data_dir) / "LOCK", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise Conflict(f"{data_dir} is in use by another running node", "node.data_dir_in_use") from exc
    return fd


JOIN_REQUEST_FILE = "join-request.json"


def init_joining_data_dir(data_dir: Path, genesis_doc: dict[str, Any], org: str, name: str) -> dict[str, Any]:
    """A data dir for a new organization's node joining a running chain (design §4.2).

    Writes the chain's ``genesis.json`` (as the members have it), a new ``node_key.json``, a new voter
    key ``keys/voter.json`` and ``join-request.json``, which holds the ``consortium/add_member``
    action the consortium votes on, with the node key's proof of possession. Returns the request.
    """
    data_dir = Path(data_dir)
    if (data_dir / GENESIS_FILE).exists():
        raise InvalidInput(f"{data_dir} already holds a chain (genesis.json exists)", "node.already_initialised")
    genesis = Genesis.from_json(genesis_doc)  # checked before writing anything
    node_key, voter = PrivateKey.generate(), PrivateKey.generate()
    signature = b64url_encode(node_key.sign(key_statement(genesis.chain_id, org, node_key.public_key.raw)))
    action = {
        "type": "consortium/add_member",
        "org": org,
        "name": name,
        "node_key": node_key.public_key.to_b64(),
        "voter": voter.address,
        "key_signature": signature,
    }
    request = {
        "org": org,
        "name": name,
        "node_key": node_key.public_key.to_b64(),
        "voter": voter.address,
        "key_signature": signature,
        "genesis_hash": genesis.hash,
        "action": action,
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    write_private(data_dir / NODE_KEY_FILE, key_file(node_key))
    write_private(data_dir / KEYS_DIR / "voter.json", key_file(voter))
    (data_dir / GENESIS_FILE).write_text(json.dumps(genesis_doc, indent=2) + "\n")
    (data_dir / JOIN_REQUEST_FILE).write_text(json.dumps(request, indent=2) + "\n")
    return request
