"""State access of the assets module: the public keeper other modules may be handed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from metrobloc.codec import canonical_json_checked
from metrobloc.errors import Conflict, NotFound, Unauthorized
from metrobloc.ledger.limits import MAX_AMOUNT
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.keys import asset_key, balance_key, holders_key

MAX_TRACKED_HOLDERS = 256
"""Most holders of a fixed-supply asset whose holders are tracked: bounds the work of paying them all."""


class Reader(Protocol):
    def get(self, key: bytes) -> bytes | None: ...


class Writer(Reader, Protocol):
    def set(self, key: bytes, value: bytes) -> None: ...
    def delete(self, key: bytes) -> None: ...


@dataclass(frozen=True)
class Asset:
    """An asset record."""

    asset: str
    name: str
    decimals: int
    max_supply: int | None
    transferable: bool
    issuer: str
    supply: int
    """Units in existence: always the sum of all balances."""
    mintable: bool = True
    """False for fixed-supply assets created by other modules (e.g. revenue rights)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "name": self.name,
            "decimals": self.decimals,
            "max_supply": None if self.max_supply is None else str(self.max_supply),
            "transferable": self.transferable,
            "issuer": self.issuer,
            "supply": str(self.supply),
            "mintable": self.mintable,
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Asset:
        return cls(
            rec["asset"],
            rec["name"],
            rec["decimals"],
            None if rec["max_supply"] is None else int(rec["max_supply"]),
            rec["transferable"],
            rec["issuer"],
            int(rec["supply"]),
            rec["mintable"],
        )


class AssetsKeeper:
    """Balances and supplies; every change keeps supply = sum of balances and no balance < 0."""

    def find(self, state: Reader, asset: str) -> Asset | None:
        raw = state.get(asset_key(asset))
        return None if raw is None else Asset.from_json(orjson.loads(raw))

    def get(self, state: Reader, asset: str) -> Asset:
        found = self.find(state, asset)
        if found is None:
            raise NotFound(f"no asset {asset}", errors.UNKNOWN)
        return found

    def exists(self, state: Reader, asset: str) -> bool:
        return state.get(asset_key(asset)) is not None

    def balance(self, state: Reader, asset: str, address: str) -> int:
        raw = state.get(balance_key(asset, address))
        return 0 if raw is None else int(raw)

    def holders(self, state: Reader, asset: str) -> list[tuple[str, int]]:
        """(address, balance) of every holder of a tracked fixed-supply asset, in address order."""
        self.get(state, asset)
        raw = state.get(holders_key(asset))
        if raw is None:
            raise Conflict(f"holders of {asset} are not tracked", errors.NOT_TRACKED)
        return [(a, self.balance(state, asset, a)) for a in orjson.loads(raw)]

    def issue_fixed(
        self, state: Writer, asset: str, name: str, issuer: str, allocations: Sequence[tuple[str, int]]
    ) -> None:
        """Create a non-mintable asset whose whole supply goes to ``allocations`` at once.

        Its holders are tracked (``holders``), at most ``MAX_TRACKED_HOLDERS`` of them. Used by
        modules that tokenize something (a parcel's revenue rights); ``issuer`` should be an address
        nobody holds a key for, so that nobody can ever mint more.
        """
        total = sum(amount for _, amount in allocations)
        assert 0 < total <= MAX_AMOUNT and all(amount >= 0 for _, amount in allocations)
        record = Asset(asset, name, 0, total, True, issuer, total, mintable=False)
        self.create(state, record)
        state.set(holders_key(asset), canonical_json_checked([]))
        for address, amount in allocations:
            if amount:
                self._set_balance(state, record, address, self.balance(state, asset, address) + amount)

    def create(self, state: Writer, asset: Asset) -> None:
        if self.find(state, asset.asset) is not None:
            raise Conflict(f"asset {asset.asset} already exists", errors.EXISTS)
        self._put(state, asset)

    def mint(self, state: Writer, asset: str, to: str, amount: int, *, by: str) -> None:
        record = self.get(state, asset)
        if by != record.issuer:
            raise Unauthorized(f"only the issuer of {asset} can mint it", errors.NOT_ISSUER)
        if not record.mintable and record.supply:
            raise Conflict(f"{asset} has a fixed supply", errors.NOT_MINTABLE)
        supply = record.supply + amount
        cap = MAX_AMOUNT if record.max_supply is None else record.max_supply
        if supply > cap:
            raise Conflict(f"minting {amount} would exceed the maximum supply of {asset}", errors.MAX_SUPPLY)
        self._set_balance(state, record, to, self.balance(state, asset, to) + amount)
        self._put(state, Asset(**{**record.__dict__, "supply": supply}))

    def transfer(self, state: Writer, asset: str, sender: str, to: str, amount: int) -> None:
        record = self.get(state, asset)
        if not record.transferable and record.issuer not in (sender, to):
            raise Conflict(f"{asset} cannot move between holders; only to or from its issuer", errors.NOT_TRANSFERABLE)
        have = self.balance(state, asset, sender)
        if have < amount:
            raise Conflict(f"balance of {asset} is {have}, {amount} needed", errors.INSUFFICIENT)
        if sender == to:
            return
        self._set_balance(state, record, sender, have - amount)
        self._set_balance(state, record, to, self.balance(state, asset, to) + amount)

    def burn(self, state: Writer, asset: str, holder: str, amount: int) -> None:
        record = self.get(state, asset)
        have = self.balance(state, asset, holder)
        if have < amount:
            raise Conflict(f"balance of {asset} is {have}, {amount} needed", errors.INSUFFICIENT)
        self._set_balance(state, record, holder, have - amount)
        self._put(state, Asset(**{**record.__dict__, "supply": record.supply - amount}))

    @staticmethod
    def _set_balance(state: Writer, record: Asset, address: str, value: int) -> None:
        assert 0 <= value <= MAX_AMOUNT
        key = balance_key(record.asset, address)
        if not record.mintable:  # only fixed-supply assets may have tracked holders
            AssetsKeeper._track_holder(state, record.asset, address, value > 0)
        if value:
            state.set(key, str(value).encode())
        else:
            state.delete(key)

    @staticmethod
    def _track_holder(state: Writer, asset: str, address: str, holds: bool) -> None:
        raw = state.get(holders_key(asset))
        if raw is None:
            return
        holders: list[str] = orjson.loads(raw)
        if (address in holders) == holds:
            return
        if holds:
            if len(holders) >= MAX_TRACKED_HOLDERS:
                raise Conflict(f"{asset} already has {MAX_TRACKED_HOLDERS} holders", errors.TOO_MANY_HOLDERS)
            holders = sorted([*holders, address])
        else:
            holders.remove(address)
        state.set(holders_key(asset), canonical_json_checked(holders))

    @staticmethod
    def _put(state: Writer, asset: Asset) -> None:
        state.set(asset_key(asset.asset), canonical_json_checked(asset.to_json()))
