"""The node-local indexes: who and what a tx is listed under, pages that list every tx once in commit
order, rows written with their block, and a store without indexes building them from its entries."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from metrobloc.codec import encode_address
from metrobloc.merkle import EMPTY_ROOT, leaf_hash
from metrobloc.state import BlockRecord, ChainTip, Listing, Store, listing
from metrobloc.state.indexes import listing_of_entry

ADDRESSES = [encode_address(bytes([i]) * 20) for i in range(12)]
A, B, C, D = ADDRESSES[:4]
TOP = 1 << 62


def receipt(events: list[tuple[str, dict[str, str]]], status: str = "ok") -> dict[str, Any]:
    return {
        "tx_hash": "00" * 32,
        "height": 1,
        "index": 0,
        "status": status,
        "error": None if status == "ok" else {"code": "x.y", "message": "no"},
        "events": [{"type": t, "attributes": a} for t, a in events],
    }


def test_a_tx_is_listed_under_its_signers_and_every_address_its_events_name() -> None:
    found = listing(
        [A, B],
        receipt(
            [
                ("assets/transfer", {"asset": "CITY", "from": A, "to": C, "amount": "5"}),
                ("land/transfer", {"parcel": "P-1", "to": f"{D}:5000,{C}:5000", "from": f"{A}:10000"}),
                ("land/set_oracle_policy", {"oracles": ",".join(ADDRESSES[4:6]), "threshold": "2"}),
                ("assets/transfer", {"asset": "CITY", "from": A, "to": B, "amount": "1"}),
            ]
        ),
    )
    assert found.addresses == (A, B, C, D, *ADDRESSES[4:6])  # signers first, then as named, once each
    assert found.event_types == ("assets/transfer", "land/transfer", "land/set_oracle_policy")


def test_strings_that_only_look_like_addresses_are_not_listed() -> None:
    not_addresses = {
        "memo": "mb1 is the prefix",
        "long": A + "q",  # 39 data characters
        "glued": "x" + A,
        "bad_char": "mb1" + "b" * 38,  # b is not in the bech32 alphabet
        "upper": A.upper(),
    }
    assert listing([A], receipt([("toy/event", not_addresses)])).addresses == (A,)


def test_a_failed_tx_is_listed_under_its_signers_only() -> None:
    assert listing([A, B], receipt([], "failed")) == Listing((A, B), ())


def test_a_stored_entry_is_listed_as_its_parsed_form_is() -> None:
    rc = receipt([("assets/mint", {"asset": "CITY", "to": C, "amount": "1"})])
    tx = orjson.dumps({"body": {"signers": [A], "msgs": [{"type": "assets/mint"}]}, "signatures": []})
    assert listing_of_entry(tx, orjson.dumps(rc)) == listing([A], rc) == Listing((A, C), ("assets/mint",))


class JsonChain:
    """Commits blocks of JSON txs and receipts with random signers and events, and remembers them."""

    def __init__(self, path: Path, seed: int = 7) -> None:
        self.path, self.rng = path, random.Random(seed)
        self.store = Store(path)
        self.store.commit_genesis({b"k": b"v"}, ChainTip(0, "00" * 32, b"\x01" * 32, 0, 0, EMPTY_ROOT, 0))
        self.listings: list[Listing] = []
        """What each seq was listed under when committed."""

    def commit(self, n_txs: int) -> None:
        tip, rng = self.store.tip, self.rng
        entries, listings = [], []
        for i in range(n_txs):
            signers = rng.sample(ADDRESSES, rng.choice([1, 1, 2]))
            events = [
                (rng.choice(["toy/a", "toy/b"]), {"to": rng.choice(ADDRESSES), "n": str(i)})
                for _ in range(rng.choice([0, 1, 1, 2]))
            ]
            rc = receipt(events, "ok" if events else "failed")
            tx = orjson.dumps({"body": {"signers": signers, "nonce": f"{tip.height}.{i}"}})
            entries.append((hashlib.sha256(tx).digest(), tx, orjson.dumps(rc)))
            listings.append(listing(signers, rc))
        size, root, nodes = self.store.log_append([leaf_hash(rc) for _, _, rc in entries])
        height = tip.height + 1
        block_hash = hashlib.sha256(b"block %d" % height).hexdigest()
        self.store.commit_block(
            BlockRecord(
                height,
                block_hash,
                b"{}",
                b"[]",
                entries,
                {},
                listings,
                ChainTip(height, block_hash, b"\x02" * 32, 0, size, root, 0),
            ),
            nodes,
        )
        self.listings.extend(listings)

    def expected_accounts(self, address: str) -> list[int]:
        return [seq for seq, found in enumerate(self.listings) if address in found.addresses][::-1]

    def expected_events(self, event_type: str) -> list[int]:
        return [seq for seq, found in enumerate(self.listings) if event_type in found.event_types][::-1]


def pages(read: Any, key: str, limit: int) -> list[int]:
    """Every seq under ``key``, paging as a client does (cursor = the last seq of a page)."""
    out, before = [], TOP
    while True:
        page = read(key, before, limit)
        assert len(page) <= limit
        out.extend(page)
        if len(page) < limit:
            return out
        before = page[-1]


@pytest.fixture
def chain(tmp_path: Path) -> Any:
    c = JsonChain(tmp_path / "state.db")
    yield c
    c.store.close()


def test_pages_list_every_tx_once_newest_first(chain: JsonChain) -> None:
    for n in (1, 7, 0, 30, 2, 450, 3, 1):
        if n:
            chain.commit(n)
    indexes = chain.store.indexes
    for address in ADDRESSES:
        expected = chain.expected_accounts(address)
        assert expected, address
        for limit in (1, 2, 7, 100):
            assert pages(indexes.account_seqs, address, limit) == expected, (address, limit)
    for event_type in ("toy/a", "toy/b"):
        for limit in (1, 3, 100):
            assert pages(indexes.event_seqs, event_type, limit) == chain.expected_events(event_type)
    assert indexes.account_seqs(encode_address(b"\xee" * 20), TOP, 10) == []
    assert indexes.event_seqs("toy/none", TOP, 10) == []


def test_one_row_per_key_and_block(chain: JsonChain) -> None:
    chain.commit(200)
    conn = chain.store.conn()
    assert conn.execute("SELECT count(*) FROM event_txs").fetchone()[0] == 2  # toy/a and toy/b
    assert conn.execute("SELECT count(*) FROM account_txs").fetchone()[0] == len(ADDRESSES)


def test_reads_use_the_indexes_not_scans(chain: JsonChain) -> None:
    chain.commit(20)
    conn, statements = chain.store.conn(), []
    conn.set_trace_callback(statements.append)
    chain.store.indexes.account_seqs(A, TOP, 5)
    chain.store.indexes.event_seqs("toy/a", TOP, 5)
    chain.store.indexes.height_of("ab" * 32)
    chain.store.indexes.blocks(TOP, 5)
    chain.store.indexes.entries([3, 1, 2])
    conn.set_trace_callback(None)
    assert len(statements) == 5
    for sql in statements:
        plan = str(conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "SCAN" not in plan, (sql, plan)


def drop_indexes(path: Path) -> None:
    """Make the database look like one written before the indexes existed."""
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE account_txs; DROP TABLE event_txs; DROP INDEX blocks_by_hash;")
    conn.close()


def test_a_store_without_indexes_builds_them_from_its_entries(chain: JsonChain) -> None:
    for n in (5, 300, 1, 40):
        chain.commit(n)
    chain.store.close()
    drop_indexes(chain.path)
    chain.store = Store(chain.path)
    for address in ADDRESSES:
        assert pages(chain.store.indexes.account_seqs, address, 13) == chain.expected_accounts(address)
    assert pages(chain.store.indexes.event_seqs, "toy/b", 50) == chain.expected_events("toy/b")
    assert chain.store.indexes.height_of(hashlib.sha256(b"block 3").hexdigest()) == 3
    chain.commit(9)  # and the built indexes keep growing with new blocks
    assert pages(chain.store.indexes.account_seqs, A, 4) == chain.expected_accounts(A)


def test_a_failed_build_leaves_no_index_behind(chain: JsonChain) -> None:
    chain.commit(3)
    chain.store.close()
    drop_indexes(chain.path)
    conn = sqlite3.connect(chain.path)
    conn.execute("UPDATE entries SET tx = ? WHERE seq = 2", (b"not json",))
    conn.commit()
    conn.close()
    with pytest.raises(orjson.JSONDecodeError):
        Store(chain.path)
    conn = sqlite3.connect(chain.path)
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert not tables & {"account_txs", "event_txs", "blocks_by_hash"}, tables
