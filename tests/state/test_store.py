"""The SQLite store: block-atomic commits, log nodes that serve every proof, and reopening.

Blocks here are synthetic (arbitrary tx and receipt bytes): the store does not interpret them, it
keeps them and the log's complete-subtree hashes together, in one transaction per block.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.merkle_reference import mth

from metrobloc.merkle import EMPTY_ROOT, leaf_hash, verify_consistency, verify_inclusion
from metrobloc.state import BlockRecord, ChainTip, Listing, Store


class Chain:
    """Builds and commits synthetic blocks to a store and remembers every leaf."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = Store(path)
        self.leaves: list[bytes] = []
        self.sizes: list[int] = [0]
        """Log size after each height (index = height)."""
        genesis_tip = ChainTip(0, "00" * 32, b"\x01" * 32, 1000, 0, EMPTY_ROOT, 0)
        self.store.commit_genesis({b"k/genesis": b"g", b"k/counter": b"0"}, genesis_tip)

    def record(self, n_txs: int, writes: dict[bytes, bytes | None] | None = None) -> tuple[BlockRecord, list[Any]]:
        """The next block (not committed) with ``n_txs`` entries, and its log nodes."""
        tip = self.store.tip
        height = tip.height + 1
        txs = [f"tx {height}.{i}".encode() for i in range(n_txs)]
        hashes = [hashlib.sha256(t).hexdigest() for t in txs]
        receipts = [f'{{"receipt":"{height}.{i}","tx_hash":"{h}"}}'.encode() for i, h in enumerate(hashes)]
        leaf_hashes = [leaf_hash(r) for r in receipts]
        size, root, nodes = self.store.log_append(leaf_hashes)
        block_hash = hashlib.sha256(b"block %d" % height).hexdigest()
        record = BlockRecord(
            height=height,
            block_hash=block_hash,
            header=b'{"height":%d}' % height,
            attestations=b"[]",
            entries=[(hashlib.sha256(t).digest(), t, r) for t, r in zip(txs, receipts, strict=True)],
            writes={b"k/counter": str(height).encode(), **(writes or {})},
            listings=[Listing((f"account {i % 2}",), ("toy/event",)) for i in range(n_txs)],
            tip=ChainTip(height, block_hash, hashlib.sha256(b"app %d" % height).digest(), 1000 + height, size, root, 0),
        )
        return record, nodes

    def commit(self, n_txs: int, writes: dict[bytes, bytes | None] | None = None) -> BlockRecord:
        record, nodes = self.record(n_txs, writes)
        self.store.commit_block(record, nodes)
        self.leaves.extend(rc for _, _, rc in record.entries)
        self.sizes.append(record.tip.log_size)
        assert record.tip.log_size == len(self.leaves)
        assert record.tip.log_root == mth(self.leaves), "the store's root differs from the reference tree"
        return record


@pytest.fixture
def chain(tmp_path: Path) -> Any:
    c = Chain(tmp_path / "state.db")
    yield c
    c.store.close()


def visible(store: Store, record: BlockRecord) -> list[str]:
    """What of ``record`` a reader can see (should be nothing after a failed commit)."""
    seen = []
    if store.block(record.height) is not None:
        seen.append("block")
    if list(store.block_entries(record.height)):
        seen.append("entries")
    if any(store.has_tx(h) for h, _, _ in record.entries):
        seen.append("tx index")
    if store.committed_among([h for h, _, _ in record.entries]):
        seen.append("committed_among")
    if store.entry(record.tip.log_size - 1) is not None and record.entries:
        seen.append("log entry")
    if record.entries and store.indexes.event_seqs("toy/event", 1 << 62, 1) == [record.tip.log_size - 1]:
        seen.append("event index")
    for key, value in record.writes.items():
        if store.reader.get(key) == value:
            seen.append(f"kv {key!r}")
    return seen


# -- atomicity ----------------------------------------------------------------------------------------


def _bad_write(record: BlockRecord) -> BlockRecord:
    # The kv writes come after the block, entries, tx index and log nodes: a late failure.
    return replace(record, writes={**record.writes, b"k/new": b"new", b"k/bad": object()})  # type: ignore[dict-item]


def _bad_tip(record: BlockRecord) -> BlockRecord:
    # The tip is the very last statement before COMMIT.
    return replace(record, tip=replace(record.tip, app_hash=object()))  # type: ignore[arg-type]


def _duplicate_tx(record: BlockRecord) -> BlockRecord:
    # Two entries with one hash break the tx index's primary key after the entries are in.
    first = record.entries[0]
    return replace(record, entries=[first, (first[0], b"other", b"other receipt"), *record.entries[2:]])


def _existing_height(record: BlockRecord) -> BlockRecord:
    return replace(record, height=record.height - 1)


@pytest.mark.parametrize("corrupt", [_bad_write, _bad_tip, _duplicate_tx, _existing_height])
def test_a_failed_commit_leaves_nothing_behind(chain: Chain, corrupt: Any) -> None:
    for n in (3, 1, 4):
        chain.commit(n, {b"k/keep": b"kept"})
    store = chain.store
    tip_before = store.tip
    assert store.get_cached(b"k/counter") == b"3"
    good, nodes = chain.record(4, {b"k/genesis": None, b"k/new": b"new"})
    bad = corrupt(good)

    with pytest.raises((sqlite3.Error, TypeError, ValueError)):
        store.commit_block(bad, nodes)

    assert store.tip == tip_before
    assert visible(store, good) == []
    assert store.reader.get(b"k/genesis") == b"g"  # the delete did not happen
    assert store.get_cached(b"k/counter") == b"3" and store.get_cached(b"k/new") is None
    new_level0 = [(lv, ix) for lv, ix, _ in nodes]
    for level, index in new_level0:
        with pytest.raises(KeyError):
            store.log_node(level, index)
    # Another connection, and a reopened store, see the same.
    other = Store(chain.path)
    assert other.tip == tip_before and visible(other, good) == []
    other.close()
    # The store is still usable: the correct block commits at that height.
    store.commit_block(good, nodes)
    chain.leaves.extend(rc for _, _, rc in good.entries)
    assert store.tip == good.tip
    assert store.reader.get(b"k/genesis") is None and store.reader.get(b"k/new") == b"new"
    assert store.tip.log_root == mth(chain.leaves)
    for i in range(len(chain.leaves)):
        path = store.inclusion_path(i, store.tip.log_size)
        assert verify_inclusion(leaf_hash(chain.leaves[i]), i, store.tip.log_size, path, store.tip.log_root)


def test_a_record_with_an_inconsistent_log_size_is_refused_before_anything_is_written(chain: Chain) -> None:
    chain.commit(3)
    tip_before = chain.store.tip
    good, nodes = chain.record(2)
    bad = replace(good, tip=replace(good.tip, log_size=good.tip.log_size + 1))
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; silently half-committing will not
        chain.store.commit_block(bad, nodes)
    assert chain.store.tip == tip_before
    reopened = Store(chain.path)
    try:
        assert reopened.tip == tip_before and visible(reopened, good) == []
    finally:
        reopened.close()


# -- the log -------------------------------------------------------------------------------------------


def test_log_nodes_prove_every_leaf_after_many_blocks(chain: Chain) -> None:
    rng = random.Random(5)
    for _ in range(60):
        chain.commit(rng.choice([1, 1, 2, 3, 5, 8, 13]))
    store, n = chain.store, len(chain.leaves)
    assert n == store.tip.log_size > 200
    roots = {size: mth(chain.leaves[:size]) for size in set(chain.sizes)}
    # Every leaf, against the final tree and against the tree right after its own block.
    for i, leaf in enumerate(chain.leaves):
        lh = leaf_hash(leaf)
        assert verify_inclusion(lh, i, n, store.inclusion_path(i, n), roots[n]), i
        own = next(s for s in chain.sizes if s > i)
        assert verify_inclusion(lh, i, own, store.inclusion_path(i, own), roots[own]), (i, own)
        assert not verify_inclusion(lh, i, n, store.inclusion_path((i + 1) % n, n), roots[n])
    # Consistency between block boundaries.
    for _ in range(300):
        a, b = sorted(rng.sample(chain.sizes, 2))
        proof = store.consistency(a, b)
        assert verify_consistency(a, b, proof, roots[a], roots[b]), (a, b)


def test_block_reads_return_what_was_committed(chain: Chain) -> None:
    chain.commit(2)
    record = chain.commit(3, {b"k/a": b"1", b"k/b": b"2"})
    block_hash, header, attestations, first_seq = chain.store.block(record.height)
    assert (block_hash, header, attestations, first_seq) == (record.block_hash, record.header, b"[]", 2)
    assert list(chain.store.block_entries(record.height)) == [(tx, rc) for _, tx, rc in record.entries]
    for i, (h, tx, rc) in enumerate(record.entries):
        assert chain.store.tx_seq(h) == first_seq + i
        assert chain.store.entry(first_seq + i) == (record.height, tx, rc)
    assert chain.store.reader.scan(b"k/") == [
        (b"k/a", b"1"), (b"k/b", b"2"), (b"k/counter", b"2"), (b"k/genesis", b"g"),
    ]  # fmt: skip
    assert chain.store.block(record.height + 1) is None


# -- reopening -------------------------------------------------------------------------------------------


def test_blocks_of_any_size_read_back_in_order(chain: Chain) -> None:
    """Blocks are written 200 rows per statement; reads go by log sequence, not by scanning."""
    records = [chain.commit(n) for n in (1, 450, 199, 200, 201)]
    for record in records:
        assert list(chain.store.block_entries(record.height)) == [(tx, rc) for _, tx, rc in record.entries]
        assert chain.store.block_tx_hashes(record.height) == [h.hex() for h, _, _ in record.entries]
    assert chain.store.block_tx_hashes(records[-1].height + 1) == []
    assert list(chain.store.block_entries(records[-1].height + 1)) == []
    # Reading a block costs the same however long the chain: no statement scans the entries.
    conn, statements = chain.store.conn(), []
    conn.set_trace_callback(statements.append)
    list(chain.store.block_entries(3))
    chain.store.block_tx_hashes(3)
    conn.set_trace_callback(None)
    for sql in statements:
        plan = str(conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "SCAN entries" not in plan, (sql, plan)


def test_hundreds_of_writes_and_deletes_in_one_block(chain: Chain) -> None:
    keys = [b"k/%04d" % i for i in range(450)]
    chain.commit(1, dict.fromkeys(keys, b"v"))
    chain.commit(1, {**{k: None for k in keys[:430]}, **{k: b"w" for k in keys[430:]}})
    assert chain.store.reader.scan(b"k/0") == [(k, b"w") for k in keys[430:]]
    assert all(chain.store.get_cached(k) is None for k in keys[:430])


def test_reopening_restores_the_tip_and_the_frontier(chain: Chain) -> None:
    # Stop at log sizes around powers of two, where the frontier changes shape the most.
    for n in (1, 1, 2, 4, 1, 7, 16, 1, 31, 1):
        chain.commit(n, {b"k/%d" % len(chain.leaves): b"v"})
        reopened = Store(chain.path)
        try:
            assert reopened.tip == chain.store.tip
            assert reopened.is_initialised()
            # Appending to the reopened store gives the reference root over old and new leaves.
            extra = [b"extra %d" % i for i in range(3)]
            size, root, _ = reopened.log_append([leaf_hash(e) for e in extra])
            assert size == len(chain.leaves) + 3
            assert root == mth(chain.leaves + extra)
        finally:
            reopened.close()
    chain.store.close()
    final = Store(chain.path)
    chain.store = final
    assert final.tip.log_size == len(chain.leaves) and final.tip.log_root == mth(chain.leaves)
    chain.commit(5)  # and it keeps committing where it left off
    assert final.tip.height == 11


def test_a_new_store_is_empty_until_genesis(tmp_path: Path) -> None:
    store = Store(tmp_path / "fresh.db")
    try:
        assert not store.is_initialised()
        assert store.tip.height == 0 and store.tip.log_size == 0 and store.tip.log_root == EMPTY_ROOT
        assert store.block(1) is None
    finally:
        store.close()
