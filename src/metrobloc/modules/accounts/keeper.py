"""State access of the accounts module; other modules use it through their ``expected.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json_checked
from metrobloc.crypto import address_of
from metrobloc.ledger import Tx
from metrobloc.modules.accounts import errors
from metrobloc.modules.accounts.keys import account_key

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

    def check_signers(self, state: Reader, tx: Tx) -> None:
        """Each signature's key must be its signer account's current key."""
        for i, signer in enumerate(tx.body["signers"]):
            if not self.key_matches(state, signer, tx.signatures[i].public_key):
                raise errors.KEY_MISMATCH.error(f"signature {i} is not by the current key of {signer}")
