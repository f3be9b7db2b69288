"""Proofs fetched over HTTP: offline verification with the real CLI, tampering, consistency.

A verifier trusts only its own copy of genesis.json. Any change to a proof bundle (receipt,
inclusion path, header, attestations) must make `metrobloc verify` fail with one readable line.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import rfc8785
from tests.conftest import metrobloc_cmd
from tests.merkle_reference import mth

from metrobloc.crypto import PrivateKey
from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Genesis, verify_bundle, verify_log_consistency
from metrobloc.sdk import assets

ASSET = "CITY"
BLOCKS = 20
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class Chain:
    """~20 blocks of mixed txs (some failing) on a shared node."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.client = node.client()
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.genesis_path = node.genesis_path()
        self.genesis = Genesis.load(self.genesis_path.read_bytes())
        admin = node.admin()
        people = [PrivateKey(bytes([0x30 + i]) * 32) for i in range(4)]
        rng = random.Random(7)
        self.receipts: list[dict[str, Any]] = []
        first = [assets.create(ASSET, "City Coin"), *(assets.mint(ASSET, p.address, 1000) for p in people)]
        self._commit([self.client.build_tx([admin], first)])
        while self.client.status()["height"] < BLOCKS:
            batch = []
            for _ in range(rng.randint(1, 4)):
                sender, to = rng.sample(people, 2)
                amount = rng.choice([1, 5, 50, 5000])  # 5000 fails: insufficient funds
                batch.append(self.client.build_tx([sender], [assets.transfer(ASSET, to.address, amount)]))
            self._commit(batch)
        self.heights = self.client.status()["height"]
        self.headers = {h: self.client.block(h)["header"] for h in range(1, self.heights + 1)}

    def _commit(self, txs: list[Any]) -> None:
        for result in self.client.submit_batch(txs, wait=True):
            self.receipts.append(result["receipt"])

    def proof(self, tx_hash: str, at: int | None = None) -> dict[str, Any]:
        r = self.http.get(f"/v1/txs/{tx_hash}/proof", params={"at": at} if at else {})
        assert r.status_code == 200, r.text
        return dict(r.json())

    def verify_cli(self, bundle: Any, tmp: Path, genesis: Path | None = None) -> subprocess.CompletedProcess[str]:
        path = tmp / "proof.json"
        path.write_text(json.dumps(bundle))
        cmd = metrobloc_cmd("verify", str(path), "--genesis", str(genesis or self.genesis_path))
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def chain(shared_node: Any) -> Iterator[Chain]:
    c = Chain(shared_node)
    yield c
    c.http.close()
    c.client.close()


def assert_refused(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode != 0, f"{what}: verify accepted a tampered proof: {result.stdout}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"{what}: expected one line, got {result.stderr!r}"
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr, (what, lines[0])
    assert "valid" not in result.stdout


def middle_receipt(chain: Chain, status: str = "ok") -> dict[str, Any]:
    candidates = [r for r in chain.receipts if r["status"] == status and 1 < r["height"] < chain.heights]
    return candidates[len(candidates) // 2]


# -- must-hold 4: offline verification with the CLI -------------------------------------------------


def test_proof_over_http_verifies_offline_with_the_cli(chain: Chain, tmp_path: Path) -> None:
    receipt = middle_receipt(chain)
    bundle = chain.proof(receipt["tx_hash"])
    assert bundle["receipt"] == receipt
    assert bundle["header"] == chain.headers[receipt["height"]]
    assert len(bundle["inclusion_path"]) >= 2
    result = chain.verify_cli(bundle, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid")
    assert receipt["tx_hash"] in result.stdout
    # The SDK shares the CLI's verification code and agrees.
    verified = verify_bundle(bundle, chain.genesis)
    assert verified.receipt.to_json() == receipt
    assert verified.attesters == tuple(o.name for o in chain.genesis.organizations)


def test_failed_tx_and_later_header_proofs_verify(chain: Chain, tmp_path: Path) -> None:
    failed = middle_receipt(chain, "failed")
    result = chain.verify_cli(chain.proof(failed["tx_hash"]), tmp_path)
    assert result.returncode == 0 and "failed" in result.stdout, result
    # Against the latest header instead of the tx's own block.
    early = chain.receipts[0]
    later = chain.proof(early["tx_hash"], at=chain.heights)
    assert later["header"]["height"] == chain.heights
    assert chain.verify_cli(later, tmp_path).returncode == 0
    r = chain.http.get(f"/v1/txs/{failed['tx_hash']}/proof", params={"at": failed["height"] - 1})
    assert r.status_code == 404 and r.json()["error"]["code"] == "txs.not_in_block"


def _flip_hex(s: str, i: int) -> str:
    return s[:i] + ("0" if s[i] != "0" else "1") + s[i + 1 :]


def _flip_b64(s: str, i: int) -> str:
    return s[:i] + B64[(B64.index(s[i]) + 1) % 64] + s[i + 1 :]


CLI_TAMPERINGS: list[tuple[tuple[Any, ...], Any]] = [
    (("receipt", "tx_hash"), lambda v: _flip_hex(v, 10)),
    (("receipt", "index"), lambda v: v + 1),
    (("receipt", "status"), lambda v: "failed"),
    (("receipt", "events", 0, "attributes", "amount"), lambda v: "999999"),
    (("inclusion_path", 0), lambda v: _flip_hex(v, 63)),
    (("inclusion_path", -1), lambda v: _flip_hex(v, 0)),
    (("inclusion_path",), lambda v: v[:-1]),
    (("leaf_index",), lambda v: v + 1),
    (("header", "log_root"), lambda v: _flip_hex(v, 5)),
    (("header", "app_hash"), lambda v: _flip_hex(v, 33)),
    (("header", "time_ms"), lambda v: v + 1),
    (("header", "log_size"), lambda v: v + 1),
    (("attestations", 0, "signature"), lambda v: _flip_b64(v, 20)),
    (("attestations", 0, "public_key"), lambda v: _flip_b64(v, 3)),
    (("attestations",), lambda v: []),
]
"""(where, change): a few byte flips in each part of the bundle, for the CLI."""


def edited(bundle: dict[str, Any], path: tuple[Any, ...], change: Any) -> dict[str, Any]:
    b = copy.deepcopy(bundle)
    target: Any = b
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = change(target[path[-1]])
    return b


def test_tampered_proofs_fail_in_the_cli_with_one_line(chain: Chain, tmp_path: Path) -> None:
    bundle = chain.proof(middle_receipt(chain)["tx_hash"])
    assert chain.verify_cli(bundle, tmp_path).returncode == 0
    cases = []
    for i, (path, change) in enumerate(CLI_TAMPERINGS):
        file = tmp_path / f"tampered-{i}.json"
        file.write_text(json.dumps(edited(bundle, path, change)))
        cases.append((".".join(map(str, path)), file))
    (tmp_path / "junk.json").write_text("{not json")
    cases.append(("not JSON", tmp_path / "junk.json"))
    # A few CLI processes at a time: each is a fresh interpreter.
    width = os.cpu_count() or 2
    for start in range(0, len(cases), width):
        running = [
            (what, subprocess.Popen(
                metrobloc_cmd("verify", str(file), "--genesis", str(chain.genesis_path)),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ))
            for what, file in cases[start : start + width]
        ]  # fmt: skip
        for what, proc in running:
            out, err = proc.communicate(timeout=60)
            assert_refused(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), what)
    assert {p[0] for p, _ in CLI_TAMPERINGS} == {"receipt", "inclusion_path", "leaf_index", "header", "attestations"}


def every_flip(bundle: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every single-character flip of every string and +/-1 of every integer in the bundle."""

    def leaves(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if isinstance(v, dict | list):
                yield from leaves(v, (*path, k))
            else:
                yield (*path, k)

    for path in leaves(bundle, ()):
        target: Any = bundle
        for k in path:
            target = target[k]
        if type(target) is int:
            for d in (-1, 1):
                yield path, edited(bundle, path, lambda v, d=d: v + d)
        elif isinstance(target, str):
            hexlike = len(target) == 64 and all(c in "0123456789abcdef" for c in target)
            for i in range(len(target)):
                if hexlike:
                    yield path, edited(bundle, path, lambda v, i=i: _flip_hex(v, i))
                elif path[0] == "attestations":
                    yield path, edited(bundle, path, lambda v, i=i: _flip_b64(v, i))
                else:
                    yield path, edited(bundle, path, lambda v, i=i: v[:i] + chr(ord(v[i]) ^ 1) + v[i + 1 :])


def test_every_byte_flip_of_the_bundle_is_detected(chain: Chain) -> None:
    bundle = chain.proof(middle_receipt(chain)["tx_hash"])
    verify_bundle(bundle, chain.genesis)
    sections = set()
    count = 0
    for path, tampered in every_flip(bundle):
        with pytest.raises(VerificationFailed):
            verify_bundle(tampered, chain.genesis)
            pytest.fail(f"accepted after changing {path}")
        sections.add(path[0])
        count += 1
    assert sections == {"receipt", "leaf_index", "inclusion_path", "header", "attestations", "consortium"}
    assert count > 500


def test_proof_fails_against_the_genesis_of_another_chain(chain: Chain, tmp_path: Path) -> None:
    bundle = chain.proof(middle_receipt(chain)["tx_hash"])
    other = tmp_path / "other"
    init = metrobloc_cmd("init", "--data-dir", str(other), "--chain-id", "metropolis-2", "--org", "Other City")
    subprocess.run(init, check=True, capture_output=True, timeout=30)
    result = chain.verify_cli(bundle, tmp_path, other / "genesis.json")
    assert_refused(result, "other chain")
    assert "verify.wrong_chain" in result.stderr
    # Same chain id, but another consortium's node keys: the attestation is by an unknown key.
    impostor = tmp_path / "impostor"
    init = metrobloc_cmd("init", "--data-dir", str(impostor), "--chain-id", chain.genesis.chain_id, "--org", "Fake")
    subprocess.run(init, check=True, capture_output=True, timeout=30)
    result = chain.verify_cli(bundle, tmp_path, impostor / "genesis.json")
    assert_refused(result, "impostor genesis")
    assert "verify.unknown_attester" in result.stderr


# -- consistency -------------------------------------------------------------------------------------


def all_leaves(chain: Chain) -> list[bytes]:
    """JCS(receipt) of every log entry, in log order, read block by block."""
    leaves = []
    for height in range(1, chain.heights + 1):
        for tx_hash in chain.client.block(height)["tx_hashes"]:
            leaves.append(rfc8785.dumps(chain.client.tx(tx_hash)["receipt"]))
    return leaves


def test_header_log_roots_match_a_reference_tree_over_all_receipts(chain: Chain) -> None:
    leaves = all_leaves(chain)
    assert len(leaves) == chain.headers[chain.heights]["log_size"]
    for header in chain.headers.values():
        assert mth(leaves[: header["log_size"]]).hex() == header["log_root"], header["height"]


def test_consistency_between_random_block_sizes_verifies(chain: Chain) -> None:
    rng = random.Random(99)
    heights = sorted(chain.headers)
    for _ in range(40):
        a, b = sorted(rng.choices(heights, k=2))
        first, second = chain.headers[a], chain.headers[b]
        proof = chain.client.consistency(first["log_size"], second["log_size"])
        assert proof["first_root"] == first["log_root"] and proof["second_root"] == second["log_root"]
        verify_log_consistency(proof, first["log_root"], second["log_root"])
        if first["log_size"] == second["log_size"]:
            continue
        for bad_first, bad_second in (
            (_flip_hex(first["log_root"], 7), second["log_root"]),
            (first["log_root"], _flip_hex(second["log_root"], 60)),
            (second["log_root"], first["log_root"]),
        ):
            with pytest.raises(VerificationFailed):
                verify_log_consistency(proof, bad_first, bad_second)
        if proof["proof"]:
            cut = {**proof, "proof": proof["proof"][:-1]}
            with pytest.raises(VerificationFailed):
                verify_log_consistency(cut, first["log_root"], second["log_root"])


def test_consistency_between_any_sizes_verifies_against_reference_roots(chain: Chain) -> None:
    leaves = all_leaves(chain)
    n = len(leaves)
    rng = random.Random(1234)
    pairs = [(0, n), (n, n), (1, n), (n - 1, n)] + [tuple(sorted(rng.choices(range(n + 1), k=2))) for _ in range(60)]
    for first, second in pairs:
        proof = chain.client.consistency(first, second)
        root1, root2 = mth(leaves[:first]).hex(), mth(leaves[:second]).hex()
        verify_log_consistency(proof, root1, root2)
        if 0 < first < second:
            other = mth(leaves[: first - 1] + [b"forged"]).hex()
            with pytest.raises(VerificationFailed):
                verify_log_consistency(proof, other, root2)
    r = chain.http.get("/v1/log/consistency", params={"first": 1, "second": n + 1})
    assert r.status_code == 400 and r.json()["error"]["code"] == "log.bad_range"
