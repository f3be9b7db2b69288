"""The portal's lists and search against real nodes: blocks, an account's txs, txs by event type, an
asset's holders, and one search box; stable cursors (every item once, in order), documented refusals,
indexes that survive a restart and are built for a data dir written before they existed."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.http_errors import check_error
from tests.node.test_old_chain_replay import HEIGHTS, NODE_KEY, TXS, extract

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import parse_tx
from metrobloc.node.datadir import NODE_KEY_FILE, key_file, write_private
from metrobloc.sdk import accounts, assets

ASSET = "LISTS"
PARCEL = "LISTS-1:1"
DEED = sdk.land.document_digest(b"deed of LISTS-1:1")
ORG = "lists-assoc"
RULES = {"support_bp": 5000, "quorum_bp": 5000, "period_ms": 3_600_000, "exec_delay_ms": 0, "early_execution": False}


class Setup:
    """A node after: an asset, mints, a batch of transfers (many txs in one block), a failed tx, a
    parcel registered to carol and an org of alice's with one proposal."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.client = node.client()
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.admin = node.admin()
        self.alice, self.bob, self.carol = (PrivateKey(bytes([b]) * 32) for b in (0x31, 0x32, 0x33))
        self.receipts: list[dict[str, Any]] = []
        self.signers: dict[str, list[str]] = {}
        a = self.admin
        self.send([a], [assets.create(ASSET, "List coin", 2), accounts.grant_role(a.address, "land_registrar")])
        self.send([a], [assets.mint(ASSET, self.alice.address, 10_000), assets.mint(ASSET, self.bob.address, 500)])
        batch = [
            self.client.build_tx([self.alice], [assets.transfer(ASSET, self.bob.address, i + 1)]) for i in range(30)
        ]
        batch.append(self.client.build_tx([self.bob], [assets.transfer(ASSET, self.carol.address, 7)]))
        for tx, result in zip(batch, self.client.submit_batch(batch, wait=True), strict=True):
            self.keep(tx.signers, result["receipt"])
        self.failed = self.send([self.carol], [assets.transfer(ASSET, self.alice.address, 10**9)], "failed")
        register = sdk.land.register_parcel(PARCEL, "north", 100, [(self.carol.address, 10_000)], [DEED])
        self.send([a], [register])
        charter = sdk.land.document_digest(b"lists charter")
        self.send([self.alice], [sdk.orgs.create(ORG, charter, [(self.alice.address, 1)], RULES)])
        self.send([self.alice], [sdk.orgs.propose(ORG, "first", charter, [])])

    def send(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], status: str = "ok") -> dict[str, Any]:
        tx = self.client.build_tx(keys, msgs)
        receipt = self.client.submit(tx, wait=True)["receipt"]
        assert receipt["status"] == status, receipt
        self.keep(tx.signers, receipt)
        return dict(receipt)

    def keep(self, signers: list[str], receipt: dict[str, Any]) -> None:
        self.receipts.append(receipt)
        self.signers[receipt["tx_hash"]] = signers

    def touching(self, address: str) -> list[str]:
        """Hashes of the txs ``address`` signed or is named in, newest first (a plain text search)."""
        ordered = sorted(self.receipts, key=lambda r: (r["height"], r["index"]), reverse=True)
        return [
            r["tx_hash"] for r in ordered if address in self.signers[r["tx_hash"]] or address in json.dumps(r["events"])
        ]


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> Any:
    s = Setup(shared_node)
    yield s
    s.http.close()
    s.client.close()


def every_page(http: httpx.Client, path: str, items: str, cursor_name: str, limit: int, **params: Any) -> list[Any]:
    """Follow ``next`` from the first page to the last; each page holds at most ``limit`` items."""
    out: list[Any] = []
    query: dict[str, Any] = {"limit": limit, **params}
    for _ in range(1000):
        r = http.get(path, params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page[items]) <= limit
        out.extend(page[items])
        if page["next"] is None:
            return out
        assert len(page[items]) == limit  # a page before the last is full
        query[cursor_name] = page["next"]
    raise AssertionError("no last page")


# -- blocks -----------------------------------------------------------------------------------------------


def test_blocks_newest_first_with_hash_time_and_tx_count(chain: Setup) -> None:
    tip = chain.client.status()["height"]
    for limit in (1, 2, 5, 100):
        blocks = every_page(chain.http, "/v1/blocks", "blocks", "before", limit, before=tip + 1)
        assert [b["height"] for b in blocks] == list(range(tip, 0, -1))
    for b in blocks:
        full = chain.http.get(f"/v1/blocks/{b['height']}").json()
        assert b == {
            "height": b["height"],
            "block_hash": full["block_hash"],
            "time_ms": full["header"]["time_ms"],
            "tx_count": full["header"]["tx_count"],
        }
    assert chain.http.get("/v1/blocks", params={"before": 1}).json() == {"blocks": [], "next": None}
    first = chain.http.get("/v1/blocks", params={"limit": 3}).json()
    assert first["blocks"][0]["height"] >= tip and first["next"] == first["blocks"][-1]["height"]


# -- an account's txs -------------------------------------------------------------------------------------


def test_an_accounts_txs_are_every_tx_it_signed_or_is_named_in_newest_first(chain: Setup) -> None:
    for who in (chain.alice, chain.bob, chain.carol, chain.admin):
        expected = chain.touching(who.address)
        assert expected
        for limit in (1, 4, 100):
            txs = every_page(chain.http, f"/v1/accounts/{who.address}/txs", "txs", "cursor", limit)
            assert [t["tx_hash"] for t in txs] == expected, (who.address, limit)
    by_hash = {r["tx_hash"]: r for r in chain.receipts}
    for t in txs:
        r = by_hash[t["tx_hash"]]
        assert {k: t[k] for k in ("height", "index", "status", "error")} == {
            k: r[k] for k in ("height", "index", "status", "error")
        }
        assert chain.http.get(f"/v1/txs/{t['tx_hash']}/proof").json()["leaf_index"] == t["seq"]


def test_a_failed_tx_shows_in_its_signers_history_with_its_error_and_message_types(chain: Setup) -> None:
    page = chain.http.get(f"/v1/accounts/{chain.carol.address}/txs").json()
    failed = next(t for t in page["txs"] if t["tx_hash"] == chain.failed["tx_hash"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "assets.insufficient_funds"
    assert failed["msg_types"] == ["assets/transfer"]
    # carol received a transfer and a parcel: both name her, though she signed neither
    assert len(page["txs"]) == 3 and page["next"] is None


def test_an_unused_address_has_no_txs(chain: Setup) -> None:
    unused = PrivateKey(b"\x77" * 32).address
    assert chain.http.get(f"/v1/accounts/{unused}/txs").json() == {"address": unused, "txs": [], "next": None}


def test_txs_committed_while_paging_neither_shift_nor_repeat_the_pages(chain: Setup) -> None:
    path = f"/v1/accounts/{chain.bob.address}/txs"
    before = chain.touching(chain.bob.address)
    first = chain.http.get(path, params={"limit": 5}).json()
    chain.send([chain.alice], [assets.transfer(ASSET, chain.bob.address, 1)])  # newer than every page
    rest = every_page(chain.http, path, "txs", "cursor", 5, cursor=first["next"])
    assert [t["tx_hash"] for t in first["txs"] + rest] == before
    assert chain.http.get(path, params={"limit": 1}).json()["txs"][0]["tx_hash"] == chain.receipts[-1]["tx_hash"]


# -- txs by event type ------------------------------------------------------------------------------------


def test_event_history_lists_the_txs_of_one_event_type_with_those_events(chain: Setup) -> None:
    ordered = sorted(chain.receipts, key=lambda r: (r["height"], r["index"]), reverse=True)
    for event_type in ("assets/transfer", "assets/mint", "land/register_parcel"):
        expected = [r for r in ordered if any(e["type"] == event_type for e in r["events"])]
        txs = every_page(chain.http, "/v1/events/history", "txs", "cursor", 7, type=event_type)
        assert [t["tx_hash"] for t in txs] == [r["tx_hash"] for r in expected]
        for t, r in zip(txs, expected, strict=True):
            assert t["events"] == [e for e in r["events"] if e["type"] == event_type]
    mints = chain.http.get("/v1/events/history", params={"type": "assets/mint"}).json()["txs"]
    assert len(mints) == 1 and len(mints[0]["events"]) == 2  # one tx, two mint events
    assert chain.http.get("/v1/events/history", params={"type": "land/merge"}).json()["txs"] == []


# -- holders ----------------------------------------------------------------------------------------------


def test_holders_by_address_with_balances_that_add_up_to_the_supply(chain: Setup) -> None:
    for limit in (1, 2, 100):
        holders = every_page(chain.http, f"/v1/assets/{ASSET}/holders", "holders", "cursor", limit)
        assert [h["address"] for h in holders] == sorted(h["address"] for h in holders)
        assert len(holders) == 3
    for h in holders:
        assert h["balance"] == chain.http.get(f"/v1/assets/{ASSET}/balances/{h['address']}").json()["balance"]
    supply = chain.http.get(f"/v1/assets/{ASSET}").json()["supply"]
    assert sum(int(h["balance"]) for h in holders) == int(supply)
    assert {h["address"] for h in holders} == {chain.alice.address, chain.bob.address, chain.carol.address}


# -- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/v1/blocks", {"limit": 0}, 400, "request.invalid"),
        ("/v1/blocks", {"limit": 101}, 400, "request.invalid"),
        ("/v1/blocks", {"before": 0}, 400, "request.invalid"),
        ("/v1/blocks", {"before": "x"}, 400, "request.invalid"),
        ("/v1/accounts/{alice}/txs", {"cursor": "abc"}, 400, "lists.bad_cursor"),
        ("/v1/accounts/{alice}/txs", {"cursor": "-1"}, 400, "lists.bad_cursor"),
        ("/v1/accounts/{alice}/txs", {"cursor": "007"}, 400, "lists.bad_cursor"),
        ("/v1/accounts/{alice}/txs", {"cursor": "1" * 17}, 400, "lists.bad_cursor"),
        ("/v1/accounts/{alice}/txs", {"limit": "1000"}, 400, "request.invalid"),
        ("/v1/accounts/mb1notanaddress/txs", {}, 400, "codec.bad_address"),
        ("/v1/events/history", {}, 400, "request.invalid"),
        ("/v1/events/history", {"type": "assets/nothing"}, 400, "events.unknown_type"),
        ("/v1/events/history", {"type": "assets/mint", "cursor": "x"}, 400, "lists.bad_cursor"),
        ("/v1/events/history", {"type": "assets/mint", "limit": -1}, 400, "request.invalid"),
        ("/v1/assets/NOPE/holders", {}, 404, "assets.unknown_asset"),
        ("/v1/assets/nope/holders", {}, 400, "assets.bad_symbol"),
        (f"/v1/assets/{ASSET}/holders", {"cursor": "mb1xyz"}, 400, "codec.bad_address"),
        (f"/v1/assets/{ASSET}/holders", {"limit": 0}, 400, "request.invalid"),
        ("/v1/search", {}, 400, "request.invalid"),
    ],
)
def test_bad_cursors_limits_and_names_are_refused_as_documented(
    chain: Setup, path: str, params: dict[str, Any], status: int, code: str
) -> None:
    check_error(chain.http.get(path.format(alice=chain.alice.address), params=params), status, code)


# -- search -----------------------------------------------------------------------------------------------


def search(chain: Setup, q: str) -> dict[str, Any]:
    r = chain.http.get("/v1/search", params={"q": q})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_search_finds_each_kind_by_exact_match(chain: Setup) -> None:
    tx_hash = chain.receipts[0]["tx_hash"]
    block = chain.http.get("/v1/blocks/2").json()
    cases = {
        tx_hash: ("tx", tx_hash, f"/v1/txs/{tx_hash}"),
        f"  {tx_hash.upper()}\n": ("tx", tx_hash, f"/v1/txs/{tx_hash}"),
        "2": ("block", 2, "/v1/blocks/2"),
        block["block_hash"]: ("block", 2, "/v1/blocks/2"),
        chain.alice.address: ("account", chain.alice.address, f"/v1/accounts/{chain.alice.address}"),
        ASSET: ("asset", ASSET, f"/v1/assets/{ASSET}"),
        PARCEL: ("parcel", PARCEL, f"/v1/land/parcels/{PARCEL}"),
        ORG: ("org", ORG, f"/v1/orgs/{ORG}"),
        f"{ORG}/first ": ("proposal", f"{ORG}/first", f"/v1/orgs/{ORG}/proposals/first"),
    }
    for q, (kind, found, target) in cases.items():
        answer = search(chain, q)
        assert (answer["kind"], answer["id"], answer["target"]) == (kind, found, target), q
        assert answer["matches"][0] == {"kind": kind, "id": found, "target": target}
        assert chain.http.get(target).status_code == 200
    # An address is an account whether or not it was ever used.
    unused = PrivateKey(b"\x78" * 32).address
    assert search(chain, unused)["kind"] == "account"


def test_search_answers_none_for_anything_else_fast(chain: Setup) -> None:
    height = chain.client.status()["height"]
    misses = [
        "",
        "   ",
        "f" * 64,  # a well-formed hash of nothing
        str(height + 1000),
        "0",
        "02",
        chain.alice.address[:-1] + ("q" if chain.alice.address[-1] != "q" else "p"),  # checksum broken
        chain.alice.address.upper(),
        "NOSUCH",
        "NOSUCH-1:1",
        "no-such-org",  # a well-formed org id of nothing
        ORG.upper(),
        f"{ORG}/none-such",
        f"{ORG}/first/votes",
        f"/{ORG}",
        f"{ORG}/",
        "lists",
        "<script>alert(1)</script>",
        "\u202e" + ASSET,
        "x" * 10_000,
        "🙂" * 3000,
    ]
    for q in misses:
        started = time.perf_counter()
        answer = search(chain, q)
        assert answer == {"kind": "none", "id": None, "target": None, "matches": []}, q[:80]
        assert time.perf_counter() - started < 1.0


def test_search_lists_every_match_when_a_query_names_two_things(chain: Setup) -> None:
    height = chain.client.status()["height"]
    register = sdk.land.register_parcel(str(height), "north", 10, [(chain.carol.address, 10_000)], [DEED])
    chain.send([chain.admin], [register])  # a parcel named like a block height
    answer = search(chain, str(height))
    assert answer["kind"] == "block" and [m["kind"] for m in answer["matches"]] == ["block", "parcel"]


# -- durability of the indexes ----------------------------------------------------------------------------


def pages_of(url: str, addresses: list[str]) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=30) as http:
        out: dict[str, Any] = {a: every_page(http, f"/v1/accounts/{a}/txs", "txs", "cursor", 3) for a in addresses}
        out["transfers"] = every_page(http, "/v1/events/history", "txs", "cursor", 3, type="assets/transfer")
        out["blocks"] = every_page(http, "/v1/blocks", "blocks", "before", 3)
        return out


def test_a_restart_keeps_the_indexes(node: NodeProcess) -> None:
    admin, to = node.admin(), PrivateKey(b"\x44" * 32).address
    with node.client() as c:
        c.submit(c.build_tx([admin], [assets.create("KEEP", "Kept"), assets.mint("KEEP", admin.address, 9)]), wait=True)
        for i in range(3):
            c.submit(c.build_tx([admin], [assets.transfer("KEEP", to, i + 1)]), wait=True)
    before = pages_of(node.url, [admin.address, to])
    assert len(before[to]) == 3 and len(before["transfers"]) == 3
    node.stop()
    node.start()
    assert pages_of(node.url, [admin.address, to]) == before


def test_a_data_dir_written_before_the_indexes_gets_them_at_start(
    tmp_path: Any, node_factory: type[NodeProcess]
) -> None:
    data_dir = extract(tmp_path / "old")
    write_private(data_dir / NODE_KEY_FILE, key_file(NODE_KEY))
    node = node_factory(data_dir, extra_args=("--check-processes", "0")).start()
    with httpx.Client(base_url=node.url, timeout=30) as http:
        blocks = every_page(http, "/v1/blocks", "blocks", "before", 10)
        assert [b["height"] for b in blocks] == list(range(HEIGHTS, 0, -1))
        receipts, signers = [], {}
        for height in range(1, HEIGHTS + 1):
            txs = http.get(f"/v1/blocks/{height}/txs").json()["txs"]
            for tx in txs:
                r = http.get(f"/v1/txs/{parse_tx(tx).hash}").json()["receipt"]
                receipts.append(r)
                signers[r["tx_hash"]] = tx["body"]["signers"]
        assert len(receipts) == TXS
        everyone = {a for s in signers.values() for a in s}
        assert len(everyone) > 5
        for address in everyone:
            expected = [
                r["tx_hash"]
                for r in reversed(receipts)
                if address in signers[r["tx_hash"]] or address in json.dumps(r["events"])
            ]
            listed = every_page(http, f"/v1/accounts/{address}/txs", "txs", "cursor", 4)
            assert [t["tx_hash"] for t in listed] == expected, address
        emitted = {e["type"] for r in receipts for e in r["events"]}
        assert len(emitted) > 10  # the chain uses every message of every module
        for event_type in emitted:  # each one declared by its module, so listed by type
            listed = every_page(http, "/v1/events/history", "txs", "cursor", 100, type=event_type)
            assert [t["tx_hash"] for t in listed] == [
                r["tx_hash"] for r in reversed(receipts) if any(e["type"] == event_type for e in r["events"])
            ]
        assert http.get("/v1/search", params={"q": blocks[0]["block_hash"]}).json()["id"] == HEIGHTS
