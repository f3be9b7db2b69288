"""State access of the accounts module; other modules use it through their ``expected.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json_checked
from metrobloc.crypto import address_of
from metrobloc.ledger import Tx
from metrobloc.modules.accounts import errors
from metrobloc.modules.accounts.keys import account_key, key_history_key

ADMIN = "admin"
"""The role that implies every other role and may grant and revoke roles."""


class Reader(Protocol):
    def get(self, key: bytes) -> bytes | None: ...


class Writer(Reader, Protocol):
    def set(self, key: bytes, value: bytes) -> None: ...


@dataclass(frozen=True)
class Account:
    """An account record; an address without a record is a fresh account keyed by its address."""

    address: str
    public_key: bytes | None
    """Current key; None until the account rotates: then its key is the one its address hashes."""
    roles: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "public_key": None if self.public_key is None else b64url_encode(self.public_key),
            "roles": list(self.roles),
        }


ACTIVE, RETIRED, COMPROMISED = "active", "retired", "compromised"


@dataclass(frozen=True)
class KeyEntry:
    """One key of an account's history (docs/spec/did-method.md): in force from ``from_height`` on,
    until ``to_height`` (exclusive; None while current)."""

    public_key: bytes
    from_height: int
    from_time_ms: int
    to_height: int | None = None
    to_time_ms: int | None = None
    status: str = ACTIVE
    """active (the current key), retired (rotated away) or compromised (its owner says so)."""
    compromised_since_ms: int | None = None
    """For a compromised key: signatures it made from this block time on are invalid."""

    def to_json(self) -> dict[str, Any]:
        return {
            "public_key": b64url_encode(self.public_key),
            "from_height": self.from_height,
            "from_time_ms": self.from_time_ms,
            "to_height": self.to_height,
            "to_time_ms": self.to_time_ms,
            "status": self.status,
            "compromised_since_ms": self.compromised_since_ms,
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> KeyEntry:
        return cls(**{**rec, "public_key": b64url_decode(rec["public_key"])})


class AccountsKeeper:
    """Reads and writes account records."""

    def get(self, state: Reader, address: str) -> Account:
        raw = state.get(account_key(address))
        if raw is None:
            return Account(address, None, ())
        rec = orjson.loads(raw)
        key = None if rec["public_key"] is None else b64url_decode(rec["public_key"])
        return Account(address, key, tuple(rec["roles"]))

    def put(self, state: Writer, account: Account) -> None:
        """Store an account; a None key means "the key this address was derived from"."""
        key = None if account.public_key is None else b64url_encode(account.public_key)
        record = {"public_key": key, "roles": sorted(set(account.roles))}
        state.set(account_key(account.address), canonical_json_checked(record))

    def has_role(self, state: Reader, address: str, role: str) -> bool:
        roles = self.get(state, address).roles
        return role in roles or ADMIN in roles

    def key_matches(self, state: Reader, address: str, public_key: bytes) -> bool:
        """True when ``public_key`` is the account's current key."""
        current = self.get(state, address).public_key
        if current is None:
            return address_of(public_key) == address
        return current == public_key

    # -- key history (kept for accounts with a DID; the identity module starts it) ----------------
    def key_history(self, state: Reader, address: str) -> list[KeyEntry]:
        raw = state.get(key_history_key(address))
        return [] if raw is None else [KeyEntry.from_json(r) for r in orjson.loads(raw)]

    def put_key_history(self, state: Writer, address: str, entries: list[KeyEntry]) -> None:
        state.set(key_history_key(address), canonical_json_checked([e.to_json() for e in entries]))

    def start_key_history(self, state: Writer, address: str, public_key: bytes, height: int, time_ms: int) -> None:
        """Begin recording ``address``'s keys with its current key (once)."""
        if not self.key_history(state, address):
            self.put_key_history(state, address, [KeyEntry(public_key, height, time_ms)])

    def rotated(self, state: Writer, address: str, new_key: bytes, height: int, time_ms: int) -> None:
        """Close the current entry and append the new key (for accounts that keep a history)."""
        entries = self.key_history(state, address)
        if not entries:
            return
        closed = [
            KeyEntry(e.public_key, e.from_height, e.from_time_ms, height, time_ms, RETIRED, e.compromised_since_ms)
            if e.to_height is None
            else e
            for e in entries
        ]
        self.put_key_history(state, address, [*closed, KeyEntry(new_key, height, time_ms)])

    def mark_compromised(self, state: Writer, address: str, public_key: bytes, since_ms: int) -> None:
        """Mark a former key compromised from ``since_ms`` on (the caller checked it is a former key)."""
        entries = [
            KeyEntry(e.public_key, e.from_height, e.from_time_ms, e.to_height, e.to_time_ms, COMPROMISED, since_ms)
            if e.public_key == public_key
            else e
            for e in self.key_history(state, address)
        ]
        self.put_key_history(state, address, entries)

    def check_signers(self, state: Reader, tx: Tx) -> None:
        """Each signature's key must be its signer account's current key."""
        for i, signer in enumerate(tx.body["signers"]):
            if not self.key_matches(state, signer, tx.signatures[i].public_key):
                raise errors.KEY_MISMATCH.error(f"signature {i} is not by the current key of {signer}")
