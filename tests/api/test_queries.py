"""Read endpoints of a real node: blocks, txs, accounts, assets, status, health, metrics, OpenAPI, SSE."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.http_errors import check_error

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Attestation, Genesis, Header, parse_tx, tx_root
from metrobloc.ledger.blocks import HEADER_V2_FIELDS
from metrobloc.sdk import ApiError, accounts, assets

ASSET = "CITY"


class Setup:
    """A shared node after a few blocks: CITY created, minted, transferred; bob is an issuer."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.client = node.client()
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.admin = node.admin()
        self.alice = PrivateKey(b"\x21" * 32)
        self.bob = PrivateKey(b"\x22" * 32)
        self.genesis = Genesis.load(node.genesis_path().read_bytes())
        self.receipts: list[dict[str, Any]] = []
        for keys, msgs in (
            ([self.admin], [assets.create(ASSET, "City Coin", 2, max_supply=1_000_000)]),
            ([self.admin], [assets.mint(ASSET, self.alice.address, 1000)]),
            ([self.alice], [assets.transfer(ASSET, self.bob.address, 250)]),
            ([self.admin], [accounts.grant_role(self.bob.address, "asset_issuer")]),
        ):
            result = self.client.submit(self.client.build_tx(keys, msgs), wait=True)
            assert result["receipt"]["status"] == "ok", result
            self.receipts.append(result["receipt"])

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for family in text_string_to_metric_families(self.http.get("/metrics").text):
            for s in family.samples:
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return out


@pytest.fixture(scope="module")
def chain(shared_node: Any) -> Any:
    s = Setup(shared_node)
    yield s
    s.http.close()
    s.client.close()


# -- blocks --------------------------------------------------------------------------------------


def check_block(chain: Setup, block: dict[str, Any], height: int) -> Header:
    assert set(block) == {"header", "block_hash", "attestations", "certified", "quorum", "keys_in_force", "tx_hashes"}
    assert block["certified"] is True  # one node of one: its own attestation is the quorum
    assert (block["quorum"], block["keys_in_force"]) == (1, 1)
    assert set(block["header"]) == set(HEADER_V2_FIELDS)  # a new chain has v2 headers from block 1
    header = Header.from_json(block["header"])
    assert header.height == height
    assert header.chain_id == chain.genesis.chain_id
    assert header.block_hash == block["block_hash"]
    assert header.tx_count == len(block["tx_hashes"]) >= 1
    assert header.tx_root == tx_root(block["tx_hashes"])
    node_keys = {o.node_key for o in chain.genesis.organizations}
    assert block["attestations"], "every header is attested by the node"
    for a in block["attestations"]:
        att = Attestation.from_json(a)
        assert att.public_key in node_keys
        assert att.verifies(header)
    return header


def test_blocks_form_a_hash_chain_from_genesis(chain: Setup) -> None:
    latest = chain.client.block("latest")
    tip = latest["header"]["height"]
    assert tip >= len(chain.receipts)
    prev_hash, prev_time, prev_log = chain.genesis.hash, chain.genesis.genesis_time_ms, 0
    for height in range(1, tip + 1):
        block = chain.client.block(height)
        header = check_block(chain, block, height)
        assert header.prev_hash == prev_hash
        assert header.time_ms >= prev_time
        assert header.log_size == prev_log + header.tx_count
        prev_hash, prev_time, prev_log = block["block_hash"], header.time_ms, header.log_size
    assert latest["block_hash"] == prev_hash


def test_block_hash_is_sha256_of_tagged_jcs_header(chain: Setup) -> None:
    import hashlib

    import rfc8785

    block = chain.client.block(1)
    expected = hashlib.sha256(b"metrobloc/header/v2\x00" + rfc8785.dumps(block["header"])).hexdigest()
    assert block["block_hash"] == expected == Header.from_json(block["header"]).block_hash


def test_each_committed_tx_is_listed_in_its_block(chain: Setup) -> None:
    for receipt in chain.receipts:
        block = chain.client.block(receipt["height"])
        assert block["tx_hashes"][receipt["index"]] == receipt["tx_hash"]


def test_missing_blocks_are_404(chain: Setup) -> None:
    tip = chain.client.status()["height"]
    check_error(chain.http.get(f"/v1/blocks/{tip + 1}"), 404, "blocks.not_found")
    check_error(chain.http.get("/v1/blocks/0"), 400, "blocks.bad_height")
    check_error(chain.http.get(f"/v1/blocks/{tip + 1}/txs"), 404, "blocks.not_found")
    check_error(chain.http.get("/v1/blocks/0/txs"), 400, "blocks.bad_height")


def test_a_blocks_txs_are_the_signed_txs_it_executed(chain: Setup) -> None:
    """What a catching-up peer re-executes: the txs in block order, and the log position of the cut."""
    receipt = chain.receipts[0]
    body = chain.http.get(f"/v1/blocks/{receipt['height']}/txs").json()
    assert body["height"] == receipt["height"] and body["position"] >= 1
    hashes = [parse_tx(tx).hash for tx in body["txs"]]
    assert hashes == chain.client.block(receipt["height"])["tx_hashes"]


def test_blocks_latest_is_404_before_the_first_block(node_factory: Any, tmp_path: Any) -> None:
    fresh = node_factory(tmp_path / "empty").start()
    check_error(httpx.get(f"{fresh.url}/v1/blocks/latest"), 404, "blocks.not_found")
    assert httpx.get(f"{fresh.url}/v1/status").json()["height"] == 0


# -- txs -----------------------------------------------------------------------------------------


def test_tx_receipt_by_hash(chain: Setup) -> None:
    for receipt in chain.receipts:
        assert chain.client.tx(receipt["tx_hash"]) == {"receipt": receipt}
    missing = "ab" * 32
    check_error(chain.http.get(f"/v1/txs/{missing}"), 404, "txs.not_found")
    check_error(chain.http.get(f"/v1/txs/{missing}/proof"), 404, "txs.not_found")


def test_failed_tx_has_a_failed_receipt_with_the_error(chain: Setup) -> None:
    tx = chain.client.build_tx([chain.bob], [assets.mint(ASSET, chain.bob.address, 1)])
    receipt = chain.client.submit(tx, wait=True)["receipt"]
    assert receipt["status"] == "failed"
    assert receipt["error"]["code"] == "assets.not_issuer"
    assert receipt["events"] == []
    assert chain.client.tx(tx.hash)["receipt"] == receipt
    assert chain.client.balance(ASSET, chain.bob.address) == 250


def test_tx_is_pending_until_its_block_commits(node_factory: Any, tmp_path: Any) -> None:
    # Blocks are cut 1.5 s after their first tx, so the tx is observably pending in between.
    slow = node_factory(tmp_path / "slow", extra_args=("--max-block-ms", "1500")).start()
    with slow.client() as c:
        tx = c.build_tx([slow.admin()], [assets.create("SLOW", "Slow")])
        assert c.submit(tx) == {"tx_hash": tx.hash}
        assert c.tx(tx.hash) == {"status": "pending"}
        assert c.status()["pending_txs"] == 1
        # wait=true with a short timeout answers 202 pending rather than hanging.
        other = c.build_tx([slow.admin()], [assets.create("SLO", "S")])
        response = httpx.post(f"{slow.url}/v1/txs?wait=true&timeout=0.1", json=other.to_json())
        assert response.status_code == 202 and response.json()["status"] == "pending"
        receipt = c.wait(tx.hash, timeout=10)
        assert receipt["status"] == "ok" and receipt["height"] == 1
        assert c.tx(tx.hash) == {"receipt": receipt}


# -- accounts and assets -------------------------------------------------------------------------


def test_account_queries(chain: Setup) -> None:
    admin = chain.client.account(chain.admin.address)
    assert admin == {
        "address": chain.admin.address,
        "public_key": chain.admin.public_key.to_b64(),
        "roles": ["admin"],
    }
    bob = chain.client.account(chain.bob.address)
    assert bob["roles"] == ["asset_issuer"]
    stranger = PrivateKey(b"\x23" * 32).address
    assert chain.client.account(stranger) == {"address": stranger, "public_key": None, "roles": []}
    check_error(chain.http.get("/v1/accounts/mb1notanaddress"), 400, "codec.bad_address")


def test_asset_queries(chain: Setup) -> None:
    asset = chain.client.asset(ASSET)
    assert asset == {
        "asset": ASSET,
        "name": "City Coin",
        "decimals": 2,
        "max_supply": "1000000",
        "transferable": True,
        "issuer": chain.admin.address,
        "supply": "1000",
        "mintable": True,
        "policy": None,
        "sink": "0",
    }
    r = chain.http.get(f"/v1/assets/{ASSET}/balances/{chain.alice.address}")
    assert r.status_code == 200
    assert r.json() == {"asset": ASSET, "address": chain.alice.address, "balance": "750"}
    assert chain.client.balance(ASSET, chain.bob.address) == 250
    assert chain.client.balance(ASSET, PrivateKey(b"\x24" * 32).address) == 0
    check_error(chain.http.get("/v1/assets/NOPE"), 404, "assets.unknown_asset")
    check_error(chain.http.get(f"/v1/assets/NOPE/balances/{chain.alice.address}"), 404, "assets.unknown_asset")
    check_error(chain.http.get("/v1/assets/cty"), 400, "assets.bad_symbol")
    check_error(chain.http.get(f"/v1/assets/{ASSET}/balances/xyz"), 400, "codec.bad_address")


def test_sdk_raises_api_error_with_status_and_code(chain: Setup) -> None:
    with pytest.raises(ApiError) as info:
        chain.client.asset("NOPE")
    assert info.value.status == 404 and info.value.code == "assets.unknown_asset"


# -- node endpoints -------------------------------------------------------------------------------


def test_status_reports_the_chain_tip(chain: Setup) -> None:
    status = chain.client.status()
    latest = chain.client.block("latest")
    header = latest["header"]
    assert status["chain_id"] == chain.genesis.chain_id
    assert status["height"] == header["height"]
    assert status["block_hash"] == latest["block_hash"]
    assert status["last_block_time_ms"] == header["time_ms"]
    assert status["log_size"] == header["log_size"]
    assert status["log_root"] == header["log_root"]
    assert status["app_hash"] == header["app_hash"]
    assert status["node_key"] in {b64url_encode(o.node_key) for o in chain.genesis.organizations}
    assert status["healthy"] is True
    assert chain.http.get("/v1/genesis").json() == chain.genesis.raw


def test_health(chain: Setup) -> None:
    r = chain.http.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "height": chain.client.status()["height"]}


def test_metrics_follow_admissions_commits_and_rejections(chain: Setup) -> None:
    before = chain.metrics()
    ok = chain.client.build_tx([chain.alice], [assets.transfer(ASSET, chain.bob.address, 1)])
    failing = chain.client.build_tx([chain.bob], [assets.transfer(ASSET, chain.alice.address, 10**6)])
    bad = chain.client.build_tx([chain.admin], [assets.transfer(ASSET, chain.bob.address, 1)]).to_json()
    bad["body"] = {**bad["body"], "memo": "tampered"}
    results = chain.client.submit_batch([ok, failing, bad], wait=True)
    assert [r.get("receipt", {}).get("status") for r in results] == ["ok", "failed", None]
    after = chain.metrics()

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("metrobloc_txs_admitted_total") == 2
    assert delta("metrobloc_txs_committed_total", status="ok") == 1
    assert delta("metrobloc_txs_committed_total", status="failed") == 1
    assert delta("metrobloc_txs_rejected_total", code="tx.bad_signature") == 1
    assert delta("metrobloc_commit_latency_seconds_count") == 2
    assert after[("metrobloc_block_height", ())] > before[("metrobloc_block_height", ())]
    height = results[0]["receipt"]["height"]
    assert after[("metrobloc_block_height", ())] == max(height, results[1]["receipt"]["height"])
    assert after[("metrobloc_block_height", ())] == chain.client.status()["height"]


def test_openapi_lists_every_route(chain: Setup) -> None:
    spec = chain.http.get("/openapi.json").json()
    expected = {
        "/v1/txs": {"post"},
        "/v1/txs/batch": {"post"},
        "/v1/txs/{tx_hash}": {"get"},
        "/v1/txs/{tx_hash}/proof": {"get"},
        "/v1/log/consistency": {"get"},
        "/v1/blocks/latest": {"get"},
        "/v1/blocks/{height}": {"get"},
        "/v1/events": {"get"},
        "/v1/status": {"get"},
        "/v1/genesis": {"get"},
        "/health": {"get"},
        "/metrics": {"get"},
        "/v1/accounts/{address}": {"get"},
        "/v1/assets/{asset}": {"get"},
        "/v1/assets/{asset}/balances/{address}": {"get"},
    }
    paths = spec["paths"]
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
        for op in paths[path].values():
            assert op.get("summary"), f"{path} has no summary"
    # The tx endpoints document their JSON request bodies.
    assert "requestBody" in paths["/v1/txs"]["post"]
    assert "requestBody" in paths["/v1/txs/batch"]["post"]


# -- server-sent events ----------------------------------------------------------------------------


def read_events(url: str, types: str, want: set[str], ready: threading.Event, timeout: float) -> list[dict[str, Any]]:
    """Events of the stream until every type in ``want`` was seen (or ``timeout``)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    with httpx.stream("GET", f"{url}/v1/events", params={"types": types}, timeout=httpx.Timeout(timeout)) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith(":"):
                ready.set()
            elif line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                event = json.loads(line[len("data: ") :])
                assert event["type"] == name
                got.append(event)
            if want <= {e["type"] for e in got} or time.monotonic() > deadline:
                break
    return got


def test_event_stream_filters_by_type(chain: Setup) -> None:
    ready = threading.Event()
    box: list[list[dict[str, Any]]] = []
    reader = threading.Thread(
        target=lambda: box.append(
            read_events(chain.node.url, "block,assets/transfer", {"block", "assets/transfer"}, ready, 20)
        ),
        daemon=True,
    )
    reader.start()
    assert ready.wait(10), "the stream did not open"
    tx = chain.client.build_tx(
        [chain.admin],
        [assets.mint(ASSET, chain.admin.address, 5), assets.transfer(ASSET, chain.bob.address, 3)],
    )
    receipt = chain.client.submit(tx, wait=True)["receipt"]
    assert receipt["status"] == "ok"
    reader.join(25)
    assert not reader.is_alive() and box, "no events arrived"
    events = box[0]
    types = [e["type"] for e in events]
    assert "assets/mint" not in types, "the type filter let a mint event through"
    blocks = [e for e in events if e["type"] == "block"]
    assert any(b["height"] == receipt["height"] for b in blocks)
    block = next(b for b in blocks if b["height"] == receipt["height"])
    assert block["block_hash"] == chain.client.block(receipt["height"])["block_hash"]
    assert block["tx_count"] >= 1
    [moved] = [e for e in events if e["type"] == "assets/transfer" and e["tx_hash"] == tx.hash]
    assert moved["attributes"] == {
        "asset": ASSET,
        "from": chain.admin.address,
        "to": chain.bob.address,
        "amount": "3",
    }
    assert moved["height"] == receipt["height"]
