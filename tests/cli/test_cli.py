"""The real ``metrobloc`` command, run as a subprocess against a real node.

Failures must be one readable line on stderr (``error: <code>: <message>``) and exit status 1, never
a traceback. Every command must have help text and a mention in docs/guide.md (as in sqlite-utils).
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from tests.conftest import NodeProcess, free_port, metrobloc_cmd

from metrobloc.codec import b64url_decode, is_address
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Genesis

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def mb(*args: str | Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run ``metrobloc ARGS``; check the exit status (and, for failures, the one-line report)."""
    proc = subprocess.run(metrobloc_cmd(*map(str, args)), capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, f"metrobloc {' '.join(map(str, args))} -> {proc.returncode}\n{proc.stderr}"
    if code == 1:
        assert_one_error_line(proc)
    return proc


def assert_one_error_line(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr


def mb_json(*args: str | Path, code: int = 0) -> Any:
    return json.loads(mb(*args, code=code).stdout)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@dataclass(frozen=True)
class Chain:
    """A shared node with an asset CITY; alice holds 1000 of it, bob nothing."""

    node: NodeProcess
    alice: str
    bob: str

    @property
    def dir(self) -> tuple[str, str]:
        return ("--data-dir", str(self.node.data_dir))

    @property
    def url(self) -> tuple[str, str]:
        return ("--node", self.node.url)

    @property
    def both(self) -> tuple[str, ...]:
        return (*self.dir, *self.url)


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> Chain:
    d = ("--data-dir", str(shared_node.data_dir))
    alice = mb("keys", "new", "alice", *d).stdout.strip()
    bob = mb("keys", "new", "bob", *d).stdout.strip()
    c = Chain(shared_node, alice, bob)
    created = mb_json("tx", "assets", "create", "--asset", "CITY", "--name", "City Coin", "--key", "admin", *c.both,
                      "--wait")  # fmt: skip
    assert created["receipt"]["status"] == "ok", created
    minted = mb_json("tx", "assets", "mint", "--asset", "CITY", "--to", alice, "--amount", "1000", "--key", "admin",
                     *c.both, "--wait")  # fmt: skip
    assert minted["receipt"]["status"] == "ok", minted
    return c


def balance(c: Chain, address: str, asset: str = "CITY") -> int:
    return int(mb("query", "balance", "--asset", asset, address, *c.url).stdout)


# -- init and keys (no node needed) ---------------------------------------------------------------
def test_init_creates_genesis_node_key_and_admin_key(tmp_path: Path) -> None:
    d = tmp_path / "chain"
    out = mb("init", "--data-dir", d, "--chain-id", "metropolis-1", "--org", "City of Metropolis").stdout
    admin = json.loads((d / "keys" / "admin.json").read_text())
    assert out.strip().splitlines() == [out.strip()] and "metropolis-1" in out and admin["address"] in out

    assert set(admin) == {"address", "public_key", "private_key"}
    key = PrivateKey.from_b64(admin["private_key"])
    assert len(b64url_decode(admin["private_key"])) == 32
    assert (key.address, key.public_key.to_b64()) == (admin["address"], admin["public_key"])
    assert mode(d / "keys" / "admin.json") == 0o600 and mode(d / "keys") == 0o700

    node_key = json.loads((d / "node_key.json").read_text())
    assert mode(d / "node_key.json") == 0o600
    genesis = Genesis.load((d / "genesis.json").read_bytes())
    assert genesis.chain_id == "metropolis-1" and genesis.admin_address == admin["address"]
    [org] = genesis.organizations
    assert org.name == "City of Metropolis"
    assert PrivateKey.from_b64(node_key["private_key"]).public_key.raw == org.node_key


def test_init_twice_fails_with_one_line_and_changes_nothing(tmp_path: Path) -> None:
    d = tmp_path / "chain"
    mb("init", "--data-dir", d, "--chain-id", "metropolis-1", "--org", "City")
    before = {p: p.read_bytes() for p in d.rglob("*") if p.is_file()}
    proc = mb("init", "--data-dir", d, "--chain-id", "other-2", "--org", "Other", code=1)
    assert "already" in proc.stderr
    assert {p: p.read_bytes() for p in d.rglob("*") if p.is_file()} == before


def test_keys_new_list_show(tmp_path: Path) -> None:
    d = ("--data-dir", str(tmp_path / "chain"))
    mb("init", *d, "--chain-id", "metropolis-1", "--org", "City")
    alice = mb("keys", "new", "alice", *d).stdout.strip()
    assert is_address(alice)
    assert mode(tmp_path / "chain" / "keys" / "alice.json") == 0o600
    assert "exists" in mb("keys", "new", "alice", *d, code=1).stderr
    mb("keys", "new", "../escape", *d, code=1)

    admin = json.loads((tmp_path / "chain" / "keys" / "admin.json").read_text())["address"]
    listed = mb("keys", "list", *d).stdout.strip().splitlines()
    assert listed == [f"admin\t{admin}", f"alice\t{alice}"]

    shown = mb_json("keys", "show", "alice", *d)
    assert set(shown) == {"name", "address", "public_key"} and shown["address"] == alice
    mb("keys", "show", "nobody", *d, code=1)

    (tmp_path / "chain" / "keys" / "alice.json").chmod(0o644)
    assert "keys.unsafe_permissions" in mb("keys", "show", "alice", *d, code=1).stderr


# -- transactions and queries -------------------------------------------------------------------
def test_transfer_and_queries(chain: Chain) -> None:
    sent = mb_json("tx", "assets", "transfer", "--asset", "CITY", "--to", chain.bob, "--amount", "25",
                   "--key", "alice", *chain.both, "--wait")  # fmt: skip
    receipt = sent["receipt"]
    assert receipt["status"] == "ok" and receipt["tx_hash"] == sent["tx_hash"]
    assert receipt["events"][0]["attributes"] == {"asset": "CITY", "from": chain.alice, "to": chain.bob, "amount": "25"}
    assert balance(chain, chain.bob) >= 25

    assert mb_json("query", "tx", sent["tx_hash"], *chain.url) == {"receipt": receipt}
    block = mb_json("query", "block", str(receipt["height"]), *chain.url)
    assert sent["tx_hash"] in block["tx_hashes"] and block["header"]["height"] == receipt["height"]
    latest = mb_json("query", "block", *chain.url)
    assert latest["header"]["height"] >= receipt["height"]
    status = mb_json("query", "status", *chain.url)
    assert status["chain_id"] == "metrobloc-dev" and status["height"] >= receipt["height"]

    account = mb_json("query", "account", chain.alice, *chain.url)
    assert account == {"address": chain.alice, "public_key": None, "roles": []}
    asset = mb_json("query", "asset", "CITY", *chain.url)
    assert asset["issuer"] == chain.node.admin().address and int(asset["supply"]) >= 1000


def test_burn_lowers_balance_and_supply(chain: Chain) -> None:
    before, supply = balance(chain, chain.alice), int(mb_json("query", "asset", "CITY", *chain.url)["supply"])
    burned = mb_json("tx", "assets", "burn", "--asset", "CITY", "--amount", "3", "--key", "alice", *chain.both,
                     "--wait")  # fmt: skip
    assert burned["receipt"]["status"] == "ok"
    assert balance(chain, chain.alice) == before - 3
    assert int(mb_json("query", "asset", "CITY", *chain.url)["supply"]) == supply - 3


def test_roles_and_key_rotation(chain: Chain) -> None:
    carol = mb("keys", "new", "carol", *chain.dir).stdout.strip()
    mb("keys", "new", "carol2", *chain.dir)
    granted = mb_json("tx", "accounts", "grant-role", "--address", carol, "--role", "asset_issuer",
                      "--key", "admin", *chain.both, "--wait")  # fmt: skip
    assert granted["receipt"]["status"] == "ok"
    assert mb_json("query", "account", carol, *chain.url)["roles"] == ["asset_issuer"]
    park = mb_json("tx", "assets", "create", "--asset", "PARK", "--name", "Park Hours", "--non-transferable",
                   "--max-supply", "500", "--key", "carol", *chain.both, "--wait")  # fmt: skip
    assert park["receipt"]["status"] == "ok"
    assert mb_json("query", "asset", "PARK", *chain.url)["max_supply"] == "500"

    revoked = mb_json("tx", "accounts", "revoke-role", "--address", carol, "--role", "asset_issuer",
                      "--key", "admin", *chain.both, "--wait")  # fmt: skip
    assert revoked["receipt"]["status"] == "ok"
    # A committed but failed tx prints its receipt and exits 1 with the error code.
    refused = mb_json("tx", "assets", "create", "--asset", "PARK2", "--name", "More Hours", "--key", "carol",
                      *chain.both, "--wait", code=1)  # fmt: skip
    assert refused["receipt"]["status"] == "failed"
    assert refused["receipt"]["error"]["code"] == "assets.missing_role"

    rotated = mb_json("tx", "accounts", "rotate-key", "--new-key", "carol2", "--key", "carol", *chain.both, "--wait")
    assert rotated["receipt"]["status"] == "ok"
    shown = mb_json("keys", "show", "carol2", *chain.dir)
    assert mb_json("query", "account", carol, *chain.url)["public_key"] == shown["public_key"]
    proc = mb("tx", "assets", "burn", "--asset", "CITY", "--amount", "1", "--key", "carol", *chain.both, code=1)
    assert "accounts.key_mismatch" in proc.stderr


def test_cosigned_transfer_sign_then_broadcast(chain: Chain, tmp_path: Path) -> None:
    before = balance(chain, chain.bob)
    t = tmp_path / "t.json"
    out = mb("tx", "assets", "transfer", "--asset", "CITY", "--to", chain.bob, "--amount", "5", "--key", "alice",
             "--cosigner", chain.bob, *chain.both).stdout  # fmt: skip
    t.write_text(out)
    prepared = json.loads(out)
    assert prepared["body"]["signers"] == [chain.alice, chain.bob] and len(prepared["signatures"]) == 2

    assert "accounts.key_mismatch" in mb("tx", "broadcast", str(t), *chain.url, code=1).stderr
    mb("tx", "sign", str(t), "--key", "admin", *chain.dir, code=1)  # not a signer of this tx
    assert json.loads(t.read_text()) == prepared

    signed = mb("tx", "sign", str(t), "--key", "bob", *chain.dir)
    assert "0 signature(s) still missing" in signed.stderr
    sent = mb_json("tx", "broadcast", str(t), *chain.url, "--wait")
    assert sent["receipt"]["status"] == "ok"
    assert sent["receipt"]["events"][0]["attributes"]["from"] == chain.alice
    assert balance(chain, chain.bob) == before + 5
    assert "tx.duplicate" in mb("tx", "broadcast", str(t), *chain.url, code=1).stderr


def test_sign_only_prints_a_tx_that_broadcasts(chain: Chain, tmp_path: Path) -> None:
    t = tmp_path / "t.json"
    t.write_text(mb("tx", "assets", "transfer", "--asset", "CITY", "--to", chain.bob, "--amount", "1",
                    "--key", "alice", "--sign-only", "--memo", "rent", *chain.both).stdout)  # fmt: skip
    assert json.loads(t.read_text())["body"]["memo"] == "rent"
    assert mb_json("tx", "broadcast", str(t), *chain.url, "--wait")["receipt"]["status"] == "ok"


# -- proofs -------------------------------------------------------------------------------------
def tamperings(bundle: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(what, file text) for bundles that must not verify."""

    def changed(edit: Any) -> str:
        copy = json.loads(json.dumps(bundle))
        edit(copy)
        return json.dumps(copy)

    def flip(s: str) -> str:
        return ("1" if s[0] != "1" else "2") + s[1:]

    yield "amount", changed(lambda b: b["receipt"]["events"][0]["attributes"].update(amount="9999"))
    yield "status", changed(lambda b: b["receipt"].update(status="failed"))
    yield "leaf index", changed(lambda b: b.update(leaf_index=b["leaf_index"] + 1))
    yield "path", changed(lambda b: b["inclusion_path"].__setitem__(0, flip(b["inclusion_path"][0])))
    yield "header", changed(lambda b: b["header"].update(time_ms=b["header"]["time_ms"] + 1))
    yield "log root", changed(lambda b: b["header"].update(log_root=flip(b["header"]["log_root"])))
    attestation = bundle["attestations"][0]
    yield "attestation", changed(lambda b: b["attestations"][0].update(signature=flip(attestation["signature"])))
    yield "no attestation", changed(lambda b: b.update(attestations=[]))
    yield "not json", json.dumps(bundle)[:-1]


def test_proof_verifies_offline_and_tampering_is_caught(chain: Chain, tmp_path: Path) -> None:
    sent = mb_json("tx", "assets", "transfer", "--asset", "CITY", "--to", chain.bob, "--amount", "2",
                   "--key", "alice", *chain.both, "--wait")  # fmt: skip
    genesis = str(chain.node.genesis_path())
    proof = tmp_path / "proof.json"
    proof.write_text(mb("proof", sent["tx_hash"], *chain.url).stdout)
    bundle = json.loads(proof.read_text())
    assert bundle["inclusion_path"], "the log holds earlier receipts, so the path is not empty"
    out = mb("verify", str(proof), "--genesis", genesis).stdout
    assert out.startswith("valid") and sent["tx_hash"] in out

    cases = list(tamperings(bundle))
    for i, (_, text) in enumerate(cases):
        (tmp_path / f"bad{i}.json").write_text(text)
    with ThreadPoolExecutor(4) as pool:
        procs = list(pool.map(lambda i: mb("verify", tmp_path / f"bad{i}.json", "--genesis", genesis, code=1),
                              range(len(cases))))  # fmt: skip
    for (what, _), proc in zip(cases, procs, strict=True):
        assert proc.stdout == "", what

    other = tmp_path / "other"
    mb("init", "--data-dir", other, "--chain-id", "other-1", "--org", "Elsewhere")
    assert "verify.wrong_chain" in mb("verify", proof, "--genesis", other / "genesis.json", code=1).stderr


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, code",
    [
        ("query balance --asset CITY mb1notanaddress", "codec.bad_address"),
        ("query balance --asset city {alice}", "assets.bad_symbol"),
        ("query account alice", "codec.bad_address"),
        ("query asset NOSUCH", "assets.unknown_asset"),
        ("query tx abc", "txs.bad_hash"),
        (f"query tx {'0' * 64}", "txs.not_found"),
        ("query block 1000000", "blocks.not_found"),
        (f"proof {'0' * 64}", "txs.not_found"),
        ("tx assets transfer --asset CITY --to mb1xyz --amount 5 --key alice", "msg.bad_address"),
        ("tx assets transfer --asset CITY --to {bob} --amount -5 --key alice", "msg.bad_amount"),
        ("tx assets transfer --asset CITY --to {bob} --amount 1.5 --key alice", "msg.bad_amount"),
        ("tx assets transfer --asset CITY --to {bob} --amount 1 --key nobody", "keys.not_found"),
        ("tx assets transfer --asset CITY --to {bob} --amount 1 --key alice --cosigner mb1bad", "tx.bad_signers"),
    ],
)
def test_bad_input_is_one_readable_line(chain: Chain, args: str, code: str) -> None:
    argv = args.format(alice=chain.alice, bob=chain.bob).split()
    extra = chain.both if argv[0] == "tx" else chain.url
    assert mb(*argv, *extra, code=1).stderr.startswith(f"error: {code}: ")


def test_unreachable_node_is_one_readable_line(tmp_path: Path) -> None:
    proc = mb("query", "status", "--node", f"http://127.0.0.1:{free_port()}", code=1)
    assert "client.unreachable" in proc.stderr


# -- the command tree: help and documentation ---------------------------------------------------
def commands() -> list[tuple[str, click.Command]]:
    from metrobloc.cli.main import cli

    found: list[tuple[str, click.Command]] = []

    def walk(cmd: click.Command, path: str) -> None:
        found.append((path, cmd))
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, f"{path} {name}")

    walk(cli, "metrobloc")
    return found


def test_the_command_tree_is_complete() -> None:
    paths = {p for p, _ in commands()}
    expected = {
        "metrobloc init", "metrobloc up", "metrobloc keys new", "metrobloc keys list", "metrobloc keys show",
        "metrobloc tx assets transfer", "metrobloc tx sign", "metrobloc tx broadcast", "metrobloc query balance",
        "metrobloc proof", "metrobloc verify", "metrobloc bench",
    }  # fmt: skip
    assert expected <= paths


@pytest.mark.parametrize("path, cmd", commands(), ids=[p for p, _ in commands()])
def test_every_command_has_help_and_is_documented(path: str, cmd: click.Command) -> None:
    assert (cmd.help or cmd.short_help or "").strip(), f"`{path}` has no help text"
    assert path in GUIDE.read_text(), f"`{path}` is not mentioned in docs/guide.md"


def test_help_and_version() -> None:
    out = mb("--help").stdout
    for name in ("init", "up", "keys", "tx", "query", "proof", "verify", "bench"):
        assert name in out
    assert mb("tx", "assets", "transfer", "--help").stdout.count("--cosigner") == 1
    assert "0.1.0" in mb("--version").stdout
