"""The solo orderer: one machine's durable ordering log in SQLite (``orderer.db``)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from metrobloc.ordering.log import CUT, LogOrderer, Record
from metrobloc.ordering.orderer import OrdererConfig, register

ROWS_PER_STATEMENT = 300
"""Records per multi-row INSERT: one SQLite step (one GIL release) per 300 records, not per record."""


class SoloOrderer(LogOrderer):
    """Appends are fsynced (WAL, ``synchronous=FULL``) before ``submit`` returns.

    Records appended by this process are also kept in memory until the chain has read them, so
    the chain thread reads new blocks without SQLite; older positions (after a restart) come
    from the database.
    """

    def __init__(self, path: str, config: OrdererConfig) -> None:
        super().__init__(config)
        self.path = Path(path)
        self._writer_conn: sqlite3.Connection | None = None
        self._end = 0
        self._recent: dict[int, Record] = {}
        """Position -> record, for records appended here and not yet read past."""
        self._recent_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def _open(self) -> tuple[int, int]:
        self._writer_conn = self._connect()
        self._writer_conn.execute(
            "CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, data BLOB NOT NULL)"
        )
        self._reader_conn = self._connect()
        row = self._writer_conn.execute("SELECT max(seq) FROM log").fetchone()
        self._end = row[0] or 0
        cut = self._writer_conn.execute("SELECT max(seq) FROM log WHERE kind = ?", (CUT,)).fetchone()
        return int(cut[0] or 0), self._end

    def _end_position(self) -> int:
        return self._end

    def _append(self, records: list[Record]) -> int:
        conn = self._writer_conn
        assert conn is not None
        start = self._end + 1
        conn.execute("BEGIN IMMEDIATE")
        try:
            for i in range(0, len(records), ROWS_PER_STATEMENT):
                chunk = records[i : i + ROWS_PER_STATEMENT]
                conn.execute(
                    "INSERT INTO log VALUES " + ",".join(["(?, ?, ?)"] * len(chunk)),
                    [x for j, (kind, data) in enumerate(chunk, start + i) for x in (j, kind, data)],
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        with self._recent_lock:
            self._recent.update(zip(range(start, start + len(records)), records, strict=True))
        self._end = start + len(records) - 1
        return self._end

    def _read(self, after: int, upto: int) -> Sequence[tuple[int, int, bytes]]:
        with self._recent_lock:
            first = next(iter(self._recent), after + 1)  # appended in order: the lowest comes first
            for position in range(first, after + 1):
                self._recent.pop(position, None)
            if all(p in self._recent for p in (after + 1, upto)):
                return [(p, *self._recent[p]) for p in range(after + 1, upto + 1)]
        rows = self._reader_conn.execute(
            "SELECT seq, kind, data FROM log WHERE seq > ? AND seq <= ? ORDER BY seq", (after, upto)
        ).fetchall()
        return [(int(s), int(k), bytes(d)) for s, k, d in rows]

    def _close(self) -> None:
        for conn in (self._writer_conn, getattr(self, "_reader_conn", None)):
            if conn is not None:
                conn.close()


register("solo", SoloOrderer)
