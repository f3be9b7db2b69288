"""Issue 2, must-hold #2: a real node killed with SIGKILL under load loses nothing it acknowledged.

One chain, one data dir, two crashes (eight under `make test-slow`). Before the load: an asset,
mints to 50 accounts, a transfer and a co-signed tx (and the refusal of badly co-signed ones).
Then, at each crash: threads submit pre-signed transfers through the single and the batch
endpoint, the node is killed in the middle, restarted on the same data dir, and the whole chain is
audited from block 1 over HTTP. The state tree survives too: after each kill the data dir's kv
table gives the tip's ``state_root`` (rebuilt here, independently of the node), the node restarts
(it refuses a tree that differs from its tip) and its state proofs of every balance verify.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import (
    Attestation,
    Genesis,
    Header,
    Tx,
    build_body,
    check_attestations,
    parse_tx,
    sign_body,
    tx_root,
    verify_state_bundle,
)
from metrobloc.merkle.smt import state_root_of
from metrobloc.modules.assets.keys import balance_key
from metrobloc.sdk import ApiError, Client, assets, verify_proof

ASSET = "CITY"
ACCOUNTS = 50
MINTED = 1_000_000
LOAD_S = 3.0
"""How long the load threads run, per crash."""
KILL_AT_S = 1.5
"""When, within the load, the node is killed."""
SINGLE_THREADS, SINGLES_PER_THREAD = 3, 700
BATCH_THREADS, BATCHES_PER_THREAD, BATCH_SIZE = 2, 40, 50
RECEIPT_TIMEOUT_S = 20.0


# -- building txs without asking the node for each one -------------------------------------------
def signed(chain_id: str, valid_until: int, keys: list[PrivateKey], msgs: list[dict[str, Any]]) -> Tx:
    body = build_body(chain_id, [k.address for k in keys], msgs, valid_until, os.urandom(16))
    return sign_body(body, keys)


def load_tx(rng: random.Random, chain_id: str, valid_until: int, keys: list[PrivateKey], n: int) -> Tx:
    """A transfer between two accounts; every 10th is co-signed, every 50th overdraws (fails)."""
    sender, other, to = rng.sample(keys, 3)
    amount = MINTED * 10 if n % 50 == 49 else rng.randint(1, 5)
    signers = [sender, other] if n % 10 == 9 else [sender]
    return signed(chain_id, valid_until, signers, [assets.transfer(ASSET, to.address, amount)])


@dataclass
class Pools:
    singles: list[list[Tx]]
    batches: list[list[list[Tx]]]


def presign(rng: random.Random, chain_id: str, valid_until: int, keys: list[PrivateKey]) -> Pools:
    counter = iter(range(10**9))

    def one() -> Tx:
        return load_tx(rng, chain_id, valid_until, keys, next(counter))

    singles = [[one() for _ in range(SINGLES_PER_THREAD)] for _ in range(SINGLE_THREADS)]
    batches = [[[one() for _ in range(BATCH_SIZE)] for _ in range(BATCHES_PER_THREAD)] for _ in range(BATCH_THREADS)]
    return Pools(singles, batches)


# -- the load -----------------------------------------------------------------------------------
@dataclass
class LoadLog:
    """What the clients saw: only a 202/200 answer naming the tx counts as an acknowledgement."""

    acked: set[str] = field(default_factory=set)
    rejected: list[str] = field(default_factory=list)
    unreachable: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, tx_hash: str) -> None:
        with self.lock:
            self.acked.add(tx_hash)

    def reject(self, what: str) -> None:
        with self.lock:
            self.rejected.append(what)

    def failed_to_reach(self) -> None:
        with self.lock:
            self.unreachable += 1


def submit_singles(url: str, txs: list[Tx], stop: threading.Event, log: LoadLog) -> None:
    with Client(url, timeout=10) as c:
        for tx in txs:
            if stop.is_set():
                return
            try:
                result = c.submit(tx)
            except ApiError as exc:
                if exc.status:
                    log.reject(str(exc))
                else:  # the node is down: expected after the kill, never an acknowledgement
                    log.failed_to_reach()
                    time.sleep(0.02)
                continue
            if result.get("tx_hash") == tx.hash:
                log.ack(tx.hash)
            else:
                log.reject(f"unexpected answer {result}")


def submit_batches(url: str, batches: list[list[Tx]], stop: threading.Event, log: LoadLog) -> None:
    with Client(url, timeout=10) as c:
        for batch in batches:
            if stop.is_set():
                return
            try:
                results = c.submit_batch(batch)
            except ApiError as exc:
                if exc.status:
                    log.reject(str(exc))
                else:
                    log.failed_to_reach()
                    time.sleep(0.02)
                continue
            for tx, result in zip(batch, results, strict=True):
                if result.get("tx_hash") == tx.hash and "error" not in result:
                    log.ack(tx.hash)
                else:
                    log.reject(f"batch result {result}")


def height_of(url: str) -> int | None:
    try:
        return int(httpx.get(f"{url}/v1/status", timeout=2).json()["height"])
    except (httpx.HTTPError, ValueError, KeyError):
        return None


def load_and_kill(node: Any, pools: Pools) -> tuple[LoadLog, int, int]:
    """Run the load, SIGKILL the node at KILL_AT_S; (log, acks before the kill, last height seen)."""
    log, stop = LoadLog(), threading.Event()
    threads = [threading.Thread(target=submit_singles, args=(node.url, p, stop, log)) for p in pools.singles]
    threads += [threading.Thread(target=submit_batches, args=(node.url, p, stop, log)) for p in pools.batches]
    started = time.monotonic()
    for t in threads:
        t.start()
    seen_height = 0
    while time.monotonic() < started + KILL_AT_S:
        seen_height = max(seen_height, height_of(node.url) or 0)
        time.sleep(0.1)
    with log.lock:
        acked_before_kill = len(log.acked)
    node.kill()
    time.sleep(max(0.0, started + LOAD_S - time.monotonic()))
    stop.set()
    for t in threads:
        t.join(timeout=20)
        assert not t.is_alive(), "a load thread did not finish"
    return log, acked_before_kill, seen_height


# -- reading the chain back ---------------------------------------------------------------------
def fetch_receipts(url: str, hashes: list[str]) -> dict[str, dict[str, Any] | None]:
    """Receipt of each hash (None while pending or unknown), fetched by four clients at once."""

    def fetch(part: list[str]) -> dict[str, dict[str, Any] | None]:
        out: dict[str, dict[str, Any] | None] = {}
        with httpx.Client(base_url=url, timeout=10) as http:
            for h in part:
                r = http.get(f"/v1/txs/{h}")
                assert r.status_code in (200, 404), r.text
                out[h] = r.json().get("receipt") if r.status_code == 200 else None
        return out

    parts = [hashes[i::4] for i in range(4)]
    found: dict[str, dict[str, Any] | None] = {}
    with ThreadPoolExecutor(4) as pool:
        for part in pool.map(fetch, parts):
            found.update(part)
    return found


def wait_for_receipts(url: str, hashes: set[str], cache: dict[str, dict[str, Any]]) -> None:
    missing = sorted(hashes - set(cache))
    deadline = time.monotonic() + RECEIPT_TIMEOUT_S
    while missing:
        for h, receipt in fetch_receipts(url, missing).items():
            if receipt is not None:
                cache[h] = receipt
        missing = sorted(hashes - set(cache))
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not missing, f"{len(missing)} acknowledged tx(s) have no receipt after restart, e.g. {missing[:3]}"


def audit_blocks(url: str, genesis: Genesis) -> dict[str, tuple[int, int]]:
    """Check every block from 1 to the tip; return each committed tx's (height, index)."""
    placed: dict[str, tuple[int, int]] = {}
    prev_hash, log_size = genesis.hash, 0
    with httpx.Client(base_url=url, timeout=10) as http:
        tip = int(http.get("/v1/status").json()["height"])
        for height in range(1, tip + 1):
            block = http.get(f"/v1/blocks/{height}").json()
            header = Header.from_json(block["header"])
            assert header.height == height
            assert header.prev_hash == prev_hash, f"block {height} does not link to block {height - 1}"
            assert header.block_hash == block["block_hash"]
            check_attestations(header, [Attestation.from_json(a) for a in block["attestations"]], genesis)
            hashes = block["tx_hashes"]
            assert header.tx_count == len(hashes) > 0
            assert header.tx_root == tx_root(hashes)
            log_size += len(hashes)
            assert header.log_size == log_size, f"block {height}: log size {header.log_size}, expected {log_size}"
            for index, h in enumerate(hashes):
                assert h not in placed, f"tx {h} is in block {placed[h][0]} and again in block {height}"
                placed[h] = (height, index)
            prev_hash = header.block_hash
    return placed


def audit_chain(url: str, genesis: Genesis, addresses: set[str], cache: dict[str, dict[str, Any]]) -> int:
    """Blocks link, every tx is applied once, balances and supply match the receipts; the tip height."""
    placed = audit_blocks(url, genesis)
    unknown = sorted(set(placed) - set(cache))
    for h, receipt in fetch_receipts(url, unknown).items():
        assert receipt is not None, f"tx {h} is in a block but has no receipt"
        cache[h] = receipt
    expected: Counter[str] = Counter()
    for h, (height, index) in placed.items():
        receipt = cache[h]
        assert (receipt["tx_hash"], receipt["height"], receipt["index"]) == (h, height, index)
        if receipt["status"] != "ok":
            continue
        for event in receipt["events"]:
            a = event["attributes"]
            if event["type"] == "assets/mint" and a["asset"] == ASSET:
                expected[a["to"]] += int(a["amount"])
            elif event["type"] == "assets/transfer" and a["asset"] == ASSET:
                expected[a["from"]] -= int(a["amount"])
                expected[a["to"]] += int(a["amount"])
    assert all(v >= 0 for v in expected.values())
    with Client(url) as c:
        everyone = addresses | set(expected)
        actual = {a: c.balance(ASSET, a) for a in everyone}
        assert actual == {a: expected[a] for a in everyone}, "balances differ from the committed receipts"
        supply = int(c.asset(ASSET)["supply"])
    assert supply == sum(actual.values()) == ACCOUNTS * MINTED
    return max(height for height, _ in placed.values())


def assert_kv_gives_the_tip_state_root(data_dir: Path) -> None:
    """The root of the data dir's kv table, rebuilt here by the reference tree, is its tip's state_root."""
    db = sqlite3.connect(f"file:{data_dir / 'state.db'}?mode=ro", uri=True)
    try:
        kv = {bytes(k): bytes(v) for k, v in db.execute("SELECT key, value FROM kv")}
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('height', 'state_root')").fetchall())
    finally:
        db.close()
    assert state_root_of(kv) == bytes(meta["state_root"]), f"kv does not give the state root of block {meta['height']}"


def assert_balances_proven(c: Client, genesis: Genesis, addresses: set[str]) -> None:
    """Each balance comes with a state proof that verifies; an account that never held CITY is proven absent."""
    for address in sorted(addresses) + [PrivateKey.generate().address]:
        key = balance_key(ASSET, address).decode()
        verified = verify_state_bundle(c.state_proof(key), genesis)
        value = verified.values[key]
        assert (0 if value is None else int(value)) == c.balance(ASSET, address), address
        assert verified.header.height >= 1 and verified.header.state_root


# -- setup before the load ----------------------------------------------------------------------
def check_cosigning(c: Client, alice: PrivateKey, bob: PrivateKey, carol: PrivateKey) -> None:
    """A [alice, bob] tx commits with alice as sender; a missing or wrong co-signature is refused."""
    tx = c.build_tx([alice, bob], [assets.transfer(ASSET, carol.address, 7)])
    receipt = c.submit(tx, wait=True)["receipt"]
    assert receipt["status"] == "ok", receipt
    [event] = receipt["events"]
    assert event["attributes"] == {"asset": ASSET, "from": alice.address, "to": carol.address, "amount": "7"}

    good = c.build_tx([alice, bob], [assets.transfer(ASSET, carol.address, 7)]).to_json()
    carol_signed = sign_body(good["body"], [alice, carol]).to_json()["signatures"][1]
    zero = {"public_key": b64url_encode(bytes(32)), "signature": b64url_encode(bytes(64))}
    bad = {
        "bob's signature missing": ([good["signatures"][0]], 400, "tx.signature_count"),
        "bob's slot left empty": ([good["signatures"][0], zero], 401, "accounts.key_mismatch"),
        "carol signs bob's slot": ([good["signatures"][0], carol_signed], 401, "accounts.key_mismatch"),
        "bob's key, carol's signature": (
            [good["signatures"][0], {**carol_signed, "public_key": bob.public_key.to_b64()}],
            401,
            "tx.bad_signature",
        ),
    }
    for what, (signatures, status, code) in bad.items():
        with pytest.raises(ApiError) as refused:
            c.submit({"body": good["body"], "signatures": signatures})
        assert (refused.value.status, refused.value.code) == (status, code), what
    with pytest.raises(ApiError) as unknown:
        c.tx(parse_tx(good).hash)
    assert unknown.value.status == 404, "a refused tx must leave no trace"


def set_up_chain(c: Client, admin: PrivateKey, keys: list[PrivateKey]) -> None:
    receipt = c.submit(c.build_tx([admin], [assets.create(ASSET, "City Coin", 2)]), wait=True)["receipt"]
    assert receipt["status"] == "ok", receipt
    mints = [c.build_tx([admin], [assets.mint(ASSET, k.address, MINTED)]) for k in keys]
    for result in c.submit_batch(mints, wait=True):
        assert result["receipt"]["status"] == "ok", result
    alice, bob, carol = keys[:3]
    receipt = c.submit(c.build_tx([alice], [assets.transfer(ASSET, bob.address, 25)]), wait=True)["receipt"]
    assert receipt["status"] == "ok", receipt
    assert (c.balance(ASSET, alice.address), c.balance(ASSET, bob.address)) == (MINTED - 25, MINTED + 25)
    check_cosigning(c, alice, bob, carol)


# -- the tests ----------------------------------------------------------------------------------
def test_acknowledged_txs_survive_sigkill_under_load(tmp_path: Path, node_factory: Any) -> None:
    crash_under_load(tmp_path, node_factory, crashes=2)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_acknowledged_txs_and_the_state_root_survive_eight_sigkills_under_load(
    tmp_path: Path, node_factory: Any
) -> None:
    crash_under_load(tmp_path, node_factory, crashes=8)


def crash_under_load(tmp_path: Path, node_factory: Any, crashes: int) -> None:
    data_dir = tmp_path / "node"
    node = node_factory(data_dir).start()
    genesis = Genesis.load(node.genesis_path().read_bytes())
    admin, rng = node.admin(), random.Random(2)
    keys = [PrivateKey.generate() for _ in range(ACCOUNTS)]
    addresses = {k.address for k in keys} | {admin.address}
    cache: dict[str, dict[str, Any]] = {}
    with node.client() as c:
        set_up_chain(c, admin, keys)
    all_acked: set[str] = set()

    for crash in range(1, crashes + 1):
        try:
            node = _crash_and_recover(
                node, node_factory, data_dir, genesis, admin, rng, keys, addresses, cache, all_acked, crash
            )
        except AssertionError as exc:  # a rare failure must say what the node saw
            raise AssertionError(f"{exc}\n--- node log (tail) ---\n{node.log()}") from exc
        assert "chain thread stopped" not in node.log(), node.log()
    node.stop()
    assert_kv_gives_the_tip_state_root(data_dir)


def _crash_and_recover(
    node: Any,
    node_factory: Any,
    data_dir: Path,
    genesis: Genesis,
    admin: PrivateKey,
    rng: random.Random,
    keys: list[PrivateKey],
    addresses: set[str],
    cache: dict[str, dict[str, Any]],
    all_acked: set[str],
    crash: int,
) -> Any:
    with node.client() as c:
        height = int(c.status()["height"])
    pools = presign(rng, genesis.chain_id, height + 5_000, keys)
    log, acked_before_kill, seen_height = load_and_kill(node, pools)
    assert not log.rejected, f"crash {crash}: valid txs were refused: {log.rejected[:3]}"
    assert acked_before_kill >= 100, f"crash {crash}: only {acked_before_kill} txs acknowledged before the kill"
    assert log.unreachable > 0, f"crash {crash}: the load did not run into the kill"
    all_acked |= log.acked
    assert_kv_gives_the_tip_state_root(data_dir)  # what the kill left on disk

    node = node_factory(data_dir, port=node.port).start()
    with node.client() as c:
        restarted_at = int(c.status()["height"])
        assert restarted_at >= seen_height, "committed blocks were lost"
        # No new traffic is needed: the restarted node commits what it acknowledged by itself.
        wait_for_receipts(node.url, all_acked, cache)
        before_new_tx = audit_chain(node.url, genesis, addresses, cache)
        # A new tx after the restart commits above every pre-crash height.
        after = c.submit(c.build_tx([keys[1]], [assets.transfer(ASSET, keys[0].address, 1)]), wait=True)["receipt"]
        assert after["status"] == "ok" and after["height"] > max(restarted_at, before_new_tx), after
        tip = audit_chain(node.url, genesis, addresses, cache)
        assert tip >= after["height"]
        for h in (after["tx_hash"], sorted(log.acked)[0]):
            assert verify_proof(c.proof(h), genesis).receipt.tx_hash == h
        assert_balances_proven(c, genesis, addresses)
    return node


def test_acked_tx_after_the_last_cut_commits_after_restart_without_new_traffic(
    tmp_path: Path, node_factory: Any
) -> None:
    data_dir = tmp_path / "node"
    # Cuts only after 60 s: the tx is durably in the ordering log but in no block when the node dies.
    node = node_factory(data_dir, extra_args=("--max-block-ms", "60000")).start()
    with node.client() as c:
        tx = c.build_tx([node.admin()], [assets.create(ASSET, "City Coin", 2)])
        assert c.submit(tx) == {"tx_hash": tx.hash}
        assert c.tx(tx.hash) == {"status": "pending"}
    node.kill()

    node = node_factory(data_dir, port=node.port).start()
    with node.client() as c:
        first = c.tx(tx.hash)  # pending or committed already, never 404: the node knows what it acknowledged
        assert first == {"status": "pending"} or first["receipt"]["status"] == "ok", first
        assert c.wait(tx.hash, timeout=5)["status"] == "ok"
        assert c.asset(ASSET)["issuer"] == node.admin().address


def test_a_second_node_on_a_data_dir_in_use_is_refused(tmp_path: Path, node_factory: Any) -> None:
    # A restart racing the old process (a supervisor restarting a node that has not died yet).
    data_dir = tmp_path / "node"
    node_factory(data_dir).start()
    with pytest.raises(RuntimeError, match="exited"):
        node_factory(data_dir).start()
