"""The SQLite store: current state, blocks, receipts, the tx index and the log's node hashes.

One SQLite transaction per block (WAL, ``synchronous=FULL``): after ``commit_block`` returns, the
block, its receipts, its state writes, its log nodes and its lines in the node-local indexes
(``indexes.py``) are on disk together, or none of them is. Readers on other threads use their own
connections and see only committed blocks.
"""

from __future__ import annotations

import contextvars
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from metrobloc.errors import Unavailable
from metrobloc.merkle import EMPTY_ROOT, consistency_proof, inclusion_proof
from metrobloc.merkle.tree import Node, append_to_frontier, frontier_of, frontier_root
from metrobloc.state import indexes
from metrobloc.state.indexes import IndexReader, Listing
from metrobloc.state.tree import new_state_tree

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    height INTEGER PRIMARY KEY, block_hash TEXT NOT NULL, header BLOB NOT NULL,
    first_seq INTEGER NOT NULL, attestations BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY, height INTEGER NOT NULL, tx BLOB NOT NULL, receipt BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tx_index (hash BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS block_positions (height INTEGER PRIMARY KEY, position INTEGER NOT NULL);
"""
LEVEL_SHIFT = 40  # log node id = level << 40 | index: each level is written in ascending order
CACHE_ENTRIES = 1 << 21
"""Committed key-values kept in memory for execution and admission (cleared when full)."""
ROWS_PER_STATEMENT = 200
"""Rows per multi-row INSERT (at most 5 columns: far below SQLite's 32,766 parameters).

Python's sqlite3 releases the GIL around every step; ``executemany`` steps once per row, and
under load each step then waits for the GIL again (up to the 5 ms switch interval). Writing a
block with one step per 200 rows keeps the chain thread from stalling behind the API's threads.
"""


@dataclass(frozen=True)
class ChainTip:
    """Where the committed chain stands."""

    height: int
    """Last committed block; 0 before the first."""
    block_hash: str
    """Hash of that block (the genesis hash at height 0)."""
    app_hash: bytes
    """State commitment after it."""
    time_ms: int
    """Its block time."""
    log_size: int
    """Receipts in the log."""
    log_root: bytes
    """Log root."""
    orderer_position: int
    """The ordering log position consumed up to (persisted with the block)."""
    state_root: bytes = b""
    """Root of the state tree after it (docs/spec/state-proofs.md); empty for a v1 block."""


@dataclass(frozen=True)
class BlockRecord:
    """Everything one block commits."""

    height: int
    block_hash: str
    header: bytes
    """JCS(header)."""
    attestations: bytes
    """JSON list of attestations."""
    entries: list[tuple[bytes, bytes, bytes]]
    """(tx hash raw, JCS(tx), JCS(receipt)) in block order."""
    writes: Mapping[bytes, bytes | None]
    """State writes (None deletes)."""
    listings: Sequence[Listing]
    """Where each entry is listed in the node-local indexes, in block order."""
    tip: ChainTip
    """The tip after this block."""


Reads = dict[bytes, bytes | None]
"""Key → value (None: absent) of every key a query read, in the order first read."""
_recording: contextvars.ContextVar[Reads | None] = contextvars.ContextVar("metrobloc_state_reads", default=None)


@contextmanager
def recording_reads() -> Iterator[Reads]:
    """Record every key ``StateReader`` reads in this context (and threads it hands work to)."""
    reads: Reads = {}
    token = _recording.set(reads)
    try:
        yield reads
    finally:
        _recording.reset(token)


class StateReader:
    """Read-only access to committed state, for queries (thread-local connections)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: bytes) -> bytes | None:
        row = self._store.conn().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        value = None if row is None else bytes(row[0])
        reads = _recording.get()
        if reads is not None:
            reads.setdefault(key, value)
        return value

    def scan(self, prefix: bytes, limit: int = 1000, after: bytes | None = None) -> list[tuple[bytes, bytes]]:
        """Key-values whose key starts with ``prefix``, in key order, after ``after``."""
        start = after + b"\x00" if after else prefix
        rows = (
            self._store.conn()
            .execute(
                "SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?",
                (start, prefix + b"\xff" * 8, limit),
            )
            .fetchall()
        )
        found = [(bytes(k), bytes(v)) for k, v in rows]
        reads = _recording.get()
        if reads is not None:
            for k, v in found:
                reads.setdefault(k, v)
        return found


class Store:
    """The node's SQLite database (``state.db`` in the data dir)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        conn = self.conn()
        conn.executescript(SCHEMA)
        indexes.ensure(conn, self._write_listings)
        self.indexes = IndexReader(self.conn)
        self._frontier: list[bytes] = []
        self._tip = self._load_tip()
        self._frontier = frontier_of(self._tip.log_size, self.log_node)
        self.reader = StateReader(self)
        self._cache: dict[bytes, bytes | None] = {}
        self.tree_lock = threading.RLock()
        """Held while the tree and the tip change together, and while a proof is read from them."""
        self.tree = new_state_tree()
        self._load_tree()
        row = self.conn().execute("SELECT value FROM meta WHERE key = 'state_root_from'").fetchone()
        self._state_root_from = 0 if row is None else int(row[0])

    # -- the state tree ----------------------------------------------------------------------
    def _load_tree(self) -> None:
        """Build the state tree from ``kv``; refuse a store whose tree differs from its tip's root."""
        root = self.tree.update(self.conn().execute("SELECT key, value FROM kv").fetchall())
        tip = self._tip
        if tip.state_root and root != tip.state_root:
            raise Unavailable(
                f"{self.path}: its key-values give state root {root.hex()}, but block {tip.height} "
                f"certifies {tip.state_root.hex()}: the kv table was changed or damaged; restore the data dir "
                "from a backup or sync it afresh from the other nodes",
                "node.state_root_mismatch",
            )

    @contextmanager
    def staged_state(self, writes: Mapping[bytes, bytes | None]) -> Iterator[bytes]:
        """Apply a block's writes to the state tree under ``tree_lock`` and yield the new root.

        The body commits the block; if it raises instead, the tree is put back to the committed
        state. Readers that take ``tree_lock`` see the tree and the tip change together.
        """
        with self.tree_lock:
            root = self.tree.update(writes)
            try:
                yield root
            except BaseException:
                self.tree.update({k: self.reader.get(k) for k in writes})
                raise

    @property
    def state_root_from(self) -> int:
        """The first height whose header carries ``state_root`` (0 while not chosen)."""
        return self._state_root_from

    def set_state_root_from(self, height: int) -> None:
        """Record the state root height, once (docs/spec/state-proofs.md §5)."""
        if self._state_root_from and self._state_root_from != height:
            raise ValueError(f"the state root height is {self._state_root_from}, not {height}")
        self.conn().execute("INSERT OR IGNORE INTO meta VALUES ('state_root_from', ?)", (height,))
        self._state_root_from = height

    def get_cached(self, key: bytes) -> bytes | None:
        """Committed value of ``key`` through a write-through memory cache (absent keys too).

        For the writer's thread only (the chain thread). Commits update the cache after the
        SQLite commit, so it never shows a value that is not durable.
        """
        try:
            return self._cache[key]
        except KeyError:
            pass
        value = self.reader.get(key)
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.clear()
        self._cache[key] = value
        return value

    def peek_cached(self, key: bytes) -> bytes | None:
        """Like ``get_cached`` but never fills the cache: for threads other than the writer's.

        (A value read here might be overwritten by a commit before it could be cached.)
        """
        try:
            return self._cache[key]
        except KeyError:
            return self.reader.get(key)

    def committed_among(self, hashes: list[bytes]) -> set[bytes]:
        """Which of these raw tx hashes are already committed (one query per 500)."""
        found: set[bytes] = set()
        conn = self.conn()
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT hash FROM tx_index WHERE hash IN ({marks})", chunk).fetchall()
            found.update(bytes(r[0]) for r in rows)
        return found

    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA cache_size=-65536")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- tip -------------------------------------------------------------------------------
    @property
    def tip(self) -> ChainTip:
        return self._tip

    def _load_tip(self) -> ChainTip:
        rows = dict(self.conn().execute("SELECT key, value FROM meta").fetchall())
        if "height" not in rows:
            return ChainTip(0, "", b"", 0, 0, EMPTY_ROOT, 0)
        return ChainTip(
            height=int(rows["height"]),
            block_hash=str(rows["block_hash"]),
            app_hash=bytes(rows["app_hash"]),
            time_ms=int(rows["time_ms"]),
            log_size=int(rows["log_size"]),
            log_root=bytes(rows["log_root"]),
            orderer_position=int(rows["orderer_position"]),
            state_root=bytes(rows.get("state_root", b"")),
        )

    def is_initialised(self) -> bool:
        return bool(self._tip.app_hash)

    # -- commit ----------------------------------------------------------------------------
    def log_append(self, leaf_hashes: list[bytes]) -> tuple[int, bytes, list[Node]]:
        """The log size and root after appending, and the nodes to store (nothing is written)."""
        frontier = list(self._frontier)
        size, nodes = append_to_frontier(frontier, self._tip.log_size, leaf_hashes)
        return size, frontier_root(frontier), nodes

    def commit_genesis(self, writes: Mapping[bytes, bytes | None], tip: ChainTip) -> None:
        """Write the genesis state and the height-0 tip, once."""
        with self._write_lock:
            conn = self.conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._write_kv(conn, writes)
                self._write_tip(conn, tip)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._cache.update(writes)
            self._tip = tip

    def commit_block(self, block: BlockRecord, nodes: list[Node]) -> None:
        """Write one block atomically and durably; a record that does not follow the tip is refused."""
        with self._write_lock:
            tip = self._tip
            if len(block.listings) != len(block.entries):
                raise ValueError(
                    f"block {block.height} has {len(block.entries)} entries, {len(block.listings)} listings"
                )
            if block.height != tip.height + 1 or block.tip.log_size != tip.log_size + len(block.entries):
                raise ValueError(
                    f"block {block.height} with log size {block.tip.log_size} does not follow "
                    f"height {tip.height}, log size {tip.log_size}"
                )
            conn = self.conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                first_seq = self._tip.log_size
                conn.execute(
                    "INSERT INTO blocks VALUES (?, ?, ?, ?, ?)",
                    (block.height, block.block_hash, block.header, first_seq, block.attestations),
                )
                conn.execute("INSERT INTO block_positions VALUES (?, ?)", (block.height, block.tip.orderer_position))
                height = block.height
                insert_rows(
                    conn,
                    "INSERT INTO entries VALUES",
                    [(first_seq + i, height, tx, rc) for i, (_, tx, rc) in enumerate(block.entries)],
                )
                insert_rows(
                    conn,
                    "INSERT INTO tx_index VALUES",
                    [(h, first_seq + i) for i, (h, _, _) in enumerate(block.entries)],
                )
                self._write_listings(conn, *indexes.rows(first_seq, block.listings))
                insert_rows(
                    conn,
                    "INSERT INTO log_nodes VALUES",
                    [(level << LEVEL_SHIFT | index, h) for level, index, h in nodes],
                )
                self._write_kv(conn, block.writes)
                self._write_tip(conn, block.tip)
                # Inside the transaction: a record whose nodes do not cover its log fails here.
                frontier = frontier_of(block.tip.log_size, self._frontier_lookup(nodes))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._cache.update(block.writes)
            self._frontier = frontier
            self._tip = block.tip

    def _frontier_lookup(self, nodes: list[Node]) -> _NodeCache:
        return _NodeCache(self, {(lv, ix): h for lv, ix, h in nodes})

    @staticmethod
    def _write_listings(conn: sqlite3.Connection, accounts: indexes.Rows, events: indexes.Rows) -> None:
        insert_rows(conn, "INSERT INTO account_txs VALUES", accounts)
        insert_rows(conn, "INSERT INTO event_txs VALUES", events)

    @staticmethod
    def _write_kv(conn: sqlite3.Connection, writes: Mapping[bytes, bytes | None]) -> None:
        insert_rows(
            conn,
            "INSERT INTO kv VALUES",
            [(k, v) for k, v in writes.items() if v is not None],
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        deleted = [k for k, v in writes.items() if v is None]
        for i in range(0, len(deleted), ROWS_PER_STATEMENT):
            chunk = deleted[i : i + ROWS_PER_STATEMENT]
            conn.execute(f"DELETE FROM kv WHERE key IN ({','.join('?' * len(chunk))})", chunk)

    @staticmethod
    def _write_tip(conn: sqlite3.Connection, tip: ChainTip) -> None:
        insert_rows(
            conn,
            "INSERT INTO meta VALUES",
            [
                ("height", tip.height),
                ("block_hash", tip.block_hash),
                ("app_hash", tip.app_hash),
                ("time_ms", tip.time_ms),
                ("log_size", tip.log_size),
                ("log_root", tip.log_root),
                ("orderer_position", tip.orderer_position),
                *([("state_root", tip.state_root)] if tip.state_root else []),
            ],
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )

    # -- reads -----------------------------------------------------------------------------
    def log_node(self, level: int, index: int) -> bytes:
        row = self.conn().execute("SELECT hash FROM log_nodes WHERE id = ?", (level << LEVEL_SHIFT | index,)).fetchone()
        if row is None:
            raise KeyError(f"log node {level}/{index} is not stored")
        return bytes(row[0])

    def node(self, level: int, index: int) -> bytes:
        return self.log_node(level, index)

    def inclusion_path(self, seq: int, size: int) -> list[bytes]:
        return inclusion_proof(self, seq, size)

    def consistency(self, first: int, second: int) -> list[bytes]:
        return consistency_proof(self, first, second)

    def tx_seq(self, tx_hash: bytes) -> int | None:
        row = self.conn().execute("SELECT seq FROM tx_index WHERE hash = ?", (tx_hash,)).fetchone()
        return None if row is None else int(row[0])

    def has_tx(self, tx_hash: bytes) -> bool:
        return self.tx_seq(tx_hash) is not None

    def entry(self, seq: int) -> tuple[int, bytes, bytes] | None:
        """(height, JCS(tx), JCS(receipt)) of log entry ``seq``."""
        row = self.conn().execute("SELECT height, tx, receipt FROM entries WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]), bytes(row[2]))

    def block(self, height: int) -> tuple[str, bytes, bytes, int] | None:
        """(block hash, JCS(header), attestations JSON, first log seq) of a block."""
        row = (
            self.conn()
            .execute("SELECT block_hash, header, attestations, first_seq FROM blocks WHERE height = ?", (height,))
            .fetchone()
        )
        return None if row is None else (str(row[0]), bytes(row[1]), bytes(row[2]), int(row[3]))

    def block_position(self, height: int) -> int | None:
        """The ordering log position a block was cut at (where a node resumes after it)."""
        row = self.conn().execute("SELECT position FROM block_positions WHERE height = ?", (height,)).fetchone()
        return None if row is None else int(row[0])

    def add_attestations(self, height: int, block_hash: str, attestations: list[dict[str, str]]) -> int:
        """Merge other nodes' attestations into a stored block (one per key); returns how many it has.

        The caller has checked each signature against this block's header.
        """
        with self._write_lock:
            conn = self.conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT attestations FROM blocks WHERE height = ? AND block_hash = ?", (height, block_hash)
                ).fetchone()
                if row is None:
                    conn.execute("ROLLBACK")
                    return 0
                merged = {a["public_key"]: a for a in orjson.loads(row[0])}
                before = len(merged)
                for a in attestations:
                    merged.setdefault(a["public_key"], a)
                if len(merged) != before:
                    ordered = sorted(merged.values(), key=lambda a: a["public_key"])
                    conn.execute("UPDATE blocks SET attestations = ? WHERE height = ?", (orjson.dumps(ordered), height))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return len(merged)

    def block_entries(self, height: int) -> Iterator[tuple[bytes, bytes]]:
        """(JCS(tx), JCS(receipt)) of every tx of a block, in order."""
        first, end = self._block_seqs(height)
        rows = self.conn().execute(
            "SELECT tx, receipt FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq", (first, end)
        )
        for tx, rc in rows:
            yield bytes(tx), bytes(rc)

    def block_tx_hashes(self, height: int) -> list[str]:
        """The hashes of a block's txs, in order (read in one SQLite step, not one per tx)."""
        first, end = self._block_seqs(height)
        row = (
            self.conn()
            .execute(
                "SELECT group_concat(h, ',') FROM (SELECT json_extract(CAST(receipt AS TEXT), '$.tx_hash') AS h "
                "FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq)",
                (first, end),
            )
            .fetchone()
        )
        return [] if row[0] is None else str(row[0]).split(",")

    def _block_seqs(self, height: int) -> tuple[int, int]:
        """[first, end) log sequence numbers of a block's entries (empty for an unknown block)."""
        row = (
            self.conn()
            .execute(
                "SELECT first_seq, (SELECT first_seq FROM blocks WHERE height = ?) FROM blocks WHERE height = ?",
                (height + 1, height),
            )
            .fetchone()
        )
        if row is None:
            return 0, 0
        return int(row[0]), (1 << 62) if row[1] is None else int(row[1])  # the last block runs to the end


class _NodeCache:
    """Looks up just-written nodes first, so updating the frontier needs no reads."""

    def __init__(self, store: Store, fresh: dict[tuple[int, int], bytes]) -> None:
        self._store, self._fresh = store, fresh

    def __call__(self, level: int, index: int) -> bytes:
        h = self._fresh.get((level, index))
        return h if h is not None else self._store.log_node(level, index)


def insert_rows(conn: sqlite3.Connection, insert: str, rows: list[tuple[object, ...]], suffix: str = "") -> None:
    """``insert`` (``INSERT INTO t VALUES``) for every row, with one statement per 200 rows."""
    if not rows:
        return
    marks = "(" + ",".join("?" * len(rows[0])) + ")"
    for i in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[i : i + ROWS_PER_STATEMENT]
        conn.execute(f"{insert} {','.join([marks] * len(chunk))}{suffix}", [x for row in chunk for x in row])
