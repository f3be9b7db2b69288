"""The solo orderer: one machine's durable ordering log in SQLite (``orderer.db``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from metrobloc.ordering.base import OrdererConfig, register
from metrobloc.ordering.records import CUT, LogOrderer, Record


class SoloOrderer(LogOrderer):
    """Appends are fsynced (WAL, ``synchronous=FULL``) before ``submit`` returns."""

    def __init__(self, path: str, config: OrdererConfig) -> None:
        super().__init__(config)
        self.path = Path(path)
        self._writer_conn: sqlite3.Connection | None = None
        self._end = 0

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
            conn.executemany(
                "INSERT INTO log VALUES (?, ?, ?)",
                ((start + i, kind, data) for i, (kind, data) in enumerate(records)),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._end = start + len(records) - 1
        return self._end

    def _read(self, after: int, upto: int) -> Sequence[tuple[int, int, bytes]]:
        rows = self._reader_conn.execute(
            "SELECT seq, kind, data FROM log WHERE seq > ? AND seq <= ? ORDER BY seq", (after, upto)
        ).fetchall()
        return [(int(s), int(k), bytes(d)) for s, k, d in rows]

    def _close(self) -> None:
        for conn in (self._writer_conn, getattr(self, "_reader_conn", None)):
            if conn is not None:
                conn.close()


register("solo", SoloOrderer)
