"""State access of the watch-list module: the listings in force and the public history of each
(list, subject). ``is_listed`` and ``listing`` are what other modules use (through their
``expected.py``): one state read each."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import orjson

from metrobloc.execution.state_access import Reader, Scanner, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.modules.watchlist import keys


@dataclass(frozen=True)
class Listing:
    """A subject on a list, as it stands (docs/spec/state.md §watchlist)."""

    list: str
    subject: str
    authority: str
    """The account that listed it, or last amended the listing."""
    reason_code: str
    legal_basis_digest: str
    expires_ms: int
    """Block time from which the listing lapses (exclusive end)."""
    since_height: int
    """The block of the listing; an amendment keeps it (the subject stayed listed)."""
    since_ms: int
    updated_height: int
    """The block of the last listing or amendment."""
    updated_ms: int
    tx_hash: str
    """The tx of the last listing or amendment."""

    def in_force(self, at_ms: int) -> bool:
        """Listed and not yet expired at block time ``at_ms``."""
        return at_ms < self.expires_ms

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Listing:
        return cls(**rec)


@dataclass(frozen=True)
class HistoryEvent:
    """One listing, amendment or delisting of a (list, subject)."""

    seq: int
    action: str
    """``list``, ``amend`` or ``delist``."""
    authority: str
    reason_code: str
    legal_basis_digest: str | None
    """None for a delisting."""
    expires_ms: int | None
    """None for a delisting."""
    height: int
    time_ms: int
    tx_hash: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class WatchlistKeeper:
    """Reads and writes watch-list records; ``is_listed`` and ``listing`` serve other modules."""

    def listing(self, state: Reader, list_id: str, subject: str) -> Listing | None:
        """The subject's listing on ``list_id`` (in force or expired), or None when it is not listed."""
        raw = state.get(keys.entry_key(list_id, subject))
        return None if raw is None else Listing.from_json(orjson.loads(raw))

    def is_listed(self, state: Reader, list_id: str, subject: str, at_ms: int) -> bool:
        """True when ``subject`` is on ``list_id`` and its listing has not expired at block time ``at_ms``."""
        found = self.listing(state, list_id, subject)
        return found is not None and found.in_force(at_ms)

    def put_listing(self, state: Writer, listing: Listing) -> None:
        store(state, keys.entry_key(listing.list, listing.subject), listing.to_json())

    def remove_listing(self, state: Writer, list_id: str, subject: str) -> None:
        state.delete(keys.entry_key(list_id, subject))

    def note_list(self, state: Writer, list_id: str, height: int, time_ms: int) -> None:
        """Record that ``list_id`` exists (the portal and ``/v1/watchlist`` list the lists)."""
        if state.get(keys.list_key(list_id)) is None:
            store(state, keys.list_key(list_id), {"created_height": height, "created_ms": time_ms})

    def append_history(self, state: Writer, list_id: str, subject: str, event: dict[str, Any]) -> int:
        """Append an event (without ``seq``) to the pair's history; its seq."""
        raw = state.get(keys.history_count_key(list_id, subject))
        seq = 0 if raw is None else int(raw)
        store(state, keys.history_key(list_id, subject, seq), {"seq": seq, **event})
        state.set(keys.history_count_key(list_id, subject), str(seq + 1).encode())
        return seq


__all__ = [
    "HistoryEvent",
    "Listing",
    "Reader",
    "Scanner",
    "WatchlistKeeper",
    "Writer",
    "load",
    "store",
]
