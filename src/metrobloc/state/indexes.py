"""The node-local indexes behind the public lists: txs by account, txs by event type, blocks by hash.

They are written in the block's own SQLite transaction (``Store.commit_block``), so a list never
shows a tx whose block is not durable, nor misses one that is. They are derived from the committed
entries alone and are no part of the app hash: a node that opens a data dir without them builds them
from ``entries`` before it serves anything (``ensure``).

- ``account_txs``: an account *touches* a tx when it signed it or when its ``mb1`` address appears
  in an attribute of one of the receipt's events (a transfer's recipient, a parcel's new owner, an
  oracle named in a policy...); failed txs are listed under their signers.
- ``event_txs``: the txs whose receipt holds at least one event of a type.
- ``blocks_by_hash``: an SQL index on ``blocks.block_hash``, for search.

A tx is named by ``seq``, its position in the log, so seq order is commit order. Both tables hold
one row per key (address, event type) per block, not per tx: ``(key, seq, more)`` lists the seqs
``seq`` and ``seq + offset`` for each offset in ``more`` (big-endian u32, empty for one tx). A block
of 2,000 transfers among 1,000 accounts writes ~1,000 account rows and one event row instead of
4,000 and 2,000; the rows of different blocks cover disjoint ranges of seqs, so reading them in
``(key, seq)`` order gives the txs in commit order.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

log = logging.getLogger("metrobloc.state")

TABLES = (
    "CREATE TABLE account_txs (address TEXT NOT NULL, seq INTEGER NOT NULL, more BLOB NOT NULL,"
    " PRIMARY KEY (address, seq)) WITHOUT ROWID",
    "CREATE TABLE event_txs (type TEXT NOT NULL, seq INTEGER NOT NULL, more BLOB NOT NULL,"
    " PRIMARY KEY (type, seq)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS blocks_by_hash ON blocks (block_hash)",
)
ADDRESS = re.compile(r"mb1[02-9ac-hj-np-z]{38}")
"""An ``mb1`` address of 20 bytes: the bech32 alphabet, the checksum not verified (modules emit
addresses they have checked; any other string of that shape is a harmless extra row)."""
ADDRESS_IN_TEXT = re.compile(r"(?<![0-9a-z])mb1[02-9ac-hj-np-z]{38}(?![0-9a-z])")
"""Such an address standing alone in an attribute value that joins several (``a,b``) or pairs one
with a number (``address:share_bp``)."""
BACKFILL_CHUNK = 5000
"""Entries read per step while building the indexes of an old data dir."""

Rows = list[tuple[object, ...]]
Connect = Callable[[], sqlite3.Connection]


@dataclass(frozen=True)
class Listing:
    """Where one committed tx is listed."""

    addresses: tuple[str, ...]
    """The accounts it touches, without repeats."""
    event_types: tuple[str, ...]
    """The types of its receipt's events, without repeats."""


def listing(signers: Sequence[str], receipt: Mapping[str, Any]) -> Listing:
    """Where a tx with these signers and this receipt (its JSON form) is listed."""
    events = receipt["events"]
    if not events:
        return Listing(tuple(signers), ())
    addresses = dict.fromkeys(signers)
    types: dict[str, None] = {}
    for event in events:
        types[event["type"]] = None
        for value in event["attributes"].values():
            if "mb1" not in value:
                continue
            if len(value) == 42 and ADDRESS.fullmatch(value):
                addresses[value] = None
            else:
                addresses.update(dict.fromkeys(ADDRESS_IN_TEXT.findall(value)))
    return Listing(tuple(addresses), tuple(types))


def listing_of_entry(tx: bytes, receipt: bytes) -> Listing:
    """``listing`` of a stored entry (JCS of the tx and of its receipt)."""
    return listing(orjson.loads(tx)["body"]["signers"], orjson.loads(receipt))


def rows(first_seq: int, listings: Iterable[Listing]) -> tuple[Rows, Rows]:
    """The ``account_txs`` and ``event_txs`` rows of consecutive entries from ``first_seq``."""
    by_address: dict[str, list[int]] = {}
    by_type: dict[str, list[int]] = {}
    for seq, found in enumerate(listings, first_seq):
        for address in found.addresses:
            by_address.setdefault(address, []).append(seq)
        for event_type in found.event_types:
            by_type.setdefault(event_type, []).append(seq)
    return _grouped(by_address), _grouped(by_type)


def _grouped(seqs_by_key: dict[str, list[int]]) -> Rows:
    out: Rows = []
    for key, seqs in seqs_by_key.items():
        first = seqs[0]
        more = struct.pack(f">{len(seqs) - 1}I", *[s - first for s in seqs[1:]]) if len(seqs) > 1 else b""
        out.append((key, first, more))
    return out


def _expanded(seq: int, more: bytes) -> list[int]:
    """The seqs of one row, newest first."""
    if not more:
        return [seq]
    return [seq + offset for offset in reversed(struct.unpack(f">{len(more) // 4}I", more))] + [seq]


def ensure(conn: sqlite3.Connection, write: Callable[[sqlite3.Connection, Rows, Rows], None]) -> None:
    """Create the indexes if this database has none, filled from every stored entry, in one transaction.

    A data dir written before the indexes existed gets them at its first start; a crash midway
    leaves no half-built index (the tables are created inside the same transaction).
    """
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'account_txs'").fetchone():
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in TABLES:
            conn.execute(statement)
        done = 0
        while True:
            chunk = conn.execute(
                "SELECT seq, tx, receipt FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?", (done, BACKFILL_CHUNK)
            ).fetchall()
            if not chunk:
                break
            write(conn, *rows(chunk[0][0], (listing_of_entry(tx, rc) for _, tx, rc in chunk)))
            done = chunk[-1][0] + 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if done:
        log.warning("built the account and event indexes of %d stored txs", done)


class IndexReader:
    """Pages of the indexes, newest first (thread-local connections, committed blocks only)."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def account_seqs(self, address: str, before: int, limit: int) -> list[int]:
        """Log seqs of the txs ``address`` touches, below ``before``, newest first."""
        return self._seqs("account_txs", "address", address, before, limit)

    def event_seqs(self, event_type: str, before: int, limit: int) -> list[int]:
        """Log seqs of the txs with an event of ``event_type``, below ``before``, newest first."""
        return self._seqs("event_txs", "type", event_type, before, limit)

    def _seqs(self, table: str, column: str, value: str, before: int, limit: int) -> list[int]:
        # Each row's first seq is below ``before``, so ``limit`` rows hold at least ``limit`` seqs.
        found = self._connect().execute(
            f"SELECT seq, more FROM {table} WHERE {column} = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (value, before, limit),
        )
        seqs = [s for seq, more in found for s in _expanded(int(seq), bytes(more)) if s < before]
        return seqs[:limit]

    def entries(self, seqs: Sequence[int]) -> list[tuple[int, int, bytes, bytes]]:
        """(seq, height, JCS(tx), JCS(receipt)) of these log entries, in the order given."""
        if not seqs:
            return []
        marks = ",".join("?" * len(seqs))
        found = self._connect().execute(f"SELECT seq, height, tx, receipt FROM entries WHERE seq IN ({marks})", seqs)
        by_seq = {int(s): (int(s), int(h), bytes(tx), bytes(rc)) for s, h, tx, rc in found}
        return [by_seq[s] for s in seqs]

    def blocks(self, before: int, limit: int) -> list[tuple[int, str, bytes]]:
        """(height, block hash, JCS(header)) of the blocks below ``before``, newest first."""
        found = self._connect().execute(
            "SELECT height, block_hash, header FROM blocks WHERE height < ? ORDER BY height DESC LIMIT ?",
            (before, limit),
        )
        return [(int(h), str(bh), bytes(header)) for h, bh, header in found]

    def height_of(self, block_hash: str) -> int | None:
        """The height of the block with this hash (lower-case hex), if stored."""
        row = self._connect().execute("SELECT height FROM blocks WHERE block_hash = ?", (block_hash,)).fetchone()
        return None if row is None else int(row[0])
