"""Credential offers and requests by reference: a wallet or verifier stores a JSON object on a node and
passes around its short id (a small QR code) instead of the object (docs/spec/credentials.md §8).

Offers are kept node-locally in ``offers.db``, never on the chain, for ``OFFER_TTL_MS``.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from metrobloc.errors import InvalidInput, NotFound, TooLarge, Unavailable

MAX_OFFER_BYTES = 16 * 1024
"""The largest offer (a credential offer or presentation request is a few hundred bytes)."""
MAX_OFFERS = 100_000
"""Offers kept at once; beyond, new ones are refused until old ones expire."""
OFFER_TTL_MS = 7 * 86_400_000
"""How long an offer can be fetched."""
ID_PATTERN = "^[A-Za-z0-9_-]{16}$"


class OfferStore:
    """Offers by id (SQLite); ids are 12 random bytes, base64url."""

    def __init__(self, path: Path | str) -> None:
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS offers (id TEXT PRIMARY KEY, body BLOB NOT NULL, created_ms INTEGER NOT NULL)"
        )
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def put(self, body: bytes) -> dict[str, Any]:
        """Store one JSON object; ``{"id", "expires_ms"}``."""
        if len(body) > MAX_OFFER_BYTES:
            raise TooLarge(f"an offer is at most {MAX_OFFER_BYTES} bytes", "offers.too_large")
        try:  # any JSON object: an offer is kept and handed back, never hashed or signed here
            offer = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"an offer is JSON: {exc}", "offers.bad_offer") from exc
        if not isinstance(offer, dict) or not offer:
            raise InvalidInput("an offer is a non-empty JSON object", "offers.bad_offer")
        now = int(time.time() * 1000)
        offer_id = secrets.token_urlsafe(12)
        with self._lock:
            self._conn.execute("DELETE FROM offers WHERE created_ms < ?", (now - OFFER_TTL_MS,))
            (count,) = self._conn.execute("SELECT COUNT(*) FROM offers").fetchone()
            if count >= MAX_OFFERS:
                raise Unavailable("this node holds too many offers; try later", "offers.full")
            self._conn.execute("INSERT INTO offers VALUES (?, ?, ?)", (offer_id, orjson.dumps(offer), now))
        return {"id": offer_id, "expires_ms": now + OFFER_TTL_MS}

    def get(self, offer_id: str) -> dict[str, Any]:
        """The offer stored under ``offer_id``; ``offers.not_found`` (unknown or expired)."""
        now = int(time.time() * 1000)
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM offers WHERE id = ? AND created_ms >= ?", (offer_id, now - OFFER_TTL_MS)
            ).fetchone()
        if row is None:
            raise NotFound("no offer with this id (or it expired)", "offers.not_found")
        return dict(orjson.loads(row[0]))
