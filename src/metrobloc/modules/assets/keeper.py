"""State access of the assets module: the public keeper other modules may be handed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from metrobloc.errors import Conflict, NotFound, Unauthorized
from metrobloc.execution.state_access import Reader, Writer, load_json, store_json
from metrobloc.ledger.limits import MAX_AMOUNT
from metrobloc.modules.assets import errors, lots
from metrobloc.modules.assets.expected import RoleChecker, Watchlist
from metrobloc.modules.assets.keys import asset_key, balance_key, holders_key, merchant_key, sink_key, spent_key
from metrobloc.modules.assets.lots import BP, Holding, Lot
from metrobloc.modules.assets.msgs import Policy
from metrobloc.modules.assets.policies import StoredPolicy, load_holding, load_policy, store_holding, store_policy

MAX_TRACKED_HOLDERS = 256
"""Most holders of a fixed-supply asset whose holders are tracked: bounds the work of paying them all."""


@dataclass(frozen=True)
class Loss:
    """Units an account lost to expiry and demurrage when it was settled (they went to the sink)."""

    address: str
    expired: int
    demurrage: int


Losses = list[Loss]


@dataclass(frozen=True)
class Guards:
    """The checks of other modules a policy relies on."""

    roles: RoleChecker
    watchlist: Watchlist


def _now(at_ms: int | None) -> int:
    assert at_ms is not None, "an asset with a policy moves only at a known block time (pass at_ms)"
    return at_ms


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
    """Balances and supplies; every change keeps supply = sum of balances + sink and no balance < 0.

    An asset with a policy (``set_policy``) moves only at a known block time (``at_ms``) and, when
    its policy names merchants' roles or watch-lists, through the checks ``bind`` hands over.
    """

    def __init__(self) -> None:
        self._guards: Guards | None = None

    def find(self, state: Reader, asset: str) -> Asset | None:
        stored = load_json(state, asset_key(asset))
        return None if stored is None else Asset.from_json(stored)

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
        tracked = load_json(state, holders_key(asset))
        if tracked is None:
            raise Conflict(f"holders of {asset} are not tracked", errors.NOT_TRACKED)
        return [(a, self.balance(state, asset, a)) for a in tracked]

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
        store_json(state, holders_key(asset), [])
        for address, amount in allocations:
            if amount:
                self._set_balance(state, record, address, self.balance(state, asset, address) + amount)

    def create(self, state: Writer, asset: Asset) -> None:
        if self.find(state, asset.asset) is not None:
            raise Conflict(f"asset {asset.asset} already exists", errors.EXISTS)
        self._put(state, asset)

    # -- policies ---------------------------------------------------------------------------------
    def bind(self, roles: RoleChecker, watchlist: Watchlist) -> AssetsKeeper:
        """Hand over the role and watch-list checks policies need (the app wiring does, once per app)."""
        self._guards = Guards(roles, watchlist)
        return self

    def policy(self, state: Reader, asset: str) -> StoredPolicy | None:
        return load_policy(state, asset)

    def set_policy(self, state: Writer, asset: str, policy: Policy, *, by: str, at_ms: int) -> StoredPolicy:
        record = self.get(state, asset)
        if by != record.issuer:
            raise Unauthorized(f"only the issuer of {asset} can change its policy", errors.NOT_ISSUER)
        if not record.transferable or not record.mintable:
            raise errors.BAD_POLICY.error(f"{asset} is non-transferable or has a fixed supply: it takes no policy")
        if policy.expires_at_ms is not None and policy.expires_at_ms <= at_ms:
            raise errors.EXPIRY_IN_PAST.error(f"expires_at_ms {policy.expires_at_ms} is not after block time {at_ms}")
        old = load_policy(state, asset)
        stored = StoredPolicy.first(policy, at_ms) if old is None else old.succeed(policy, at_ms)
        store_policy(state, asset, stored)
        return stored

    def sink(self, state: Reader, asset: str) -> int:
        raw = state.get(sink_key(asset))
        return 0 if raw is None else int(raw)

    def is_merchant(self, state: Reader, asset: str, address: str) -> bool:
        return state.get(merchant_key(asset, address)) is not None

    def set_merchant(self, state: Writer, asset: str, merchant: str, allowed: bool, *, by: str) -> None:
        if by != self.get(state, asset).issuer:
            raise Unauthorized(f"only the issuer of {asset} keeps its merchant list", errors.NOT_ISSUER)
        if allowed:
            state.set(merchant_key(asset, merchant), b"1")
        else:
            state.delete(merchant_key(asset, merchant))

    def holding(self, state: Reader, asset: str, address: str, at_ms: int | None = None) -> Holding | None:
        """An account's lots (settled at ``at_ms`` when given, without writing), or None for an asset without lots."""
        stored = load_policy(state, asset)
        if stored is None or not stored.lots:
            return None
        holding = load_holding(state, asset, address, stored, self.balance(state, asset, address))
        if at_ms is None:
            return holding
        return lots.settle(holding, at_ms, stored.demurrage).holding

    # -- moving units -----------------------------------------------------------------------------
    def mint(self, state: Writer, asset: str, to: str, amount: int, *, by: str, at_ms: int | None = None) -> Losses:
        record = self.get(state, asset)
        if by != record.issuer:
            raise Unauthorized(f"only the issuer of {asset} can mint it", errors.NOT_ISSUER)
        if not record.mintable and record.supply:
            raise Conflict(f"{asset} has a fixed supply", errors.NOT_MINTABLE)
        supply = record.supply + amount
        cap = MAX_AMOUNT if record.max_supply is None else record.max_supply
        if supply > cap:
            raise Conflict(f"minting {amount} would exceed the maximum supply of {asset}", errors.MAX_SUPPLY)
        stored = load_policy(state, asset)
        losses: Losses = []
        if stored is None:
            self._set_balance(state, record, to, self.balance(state, asset, to) + amount)
        else:
            now = _now(at_ms)
            self._guard_lists(state, stored.policy, now, to)
            policy = stored.policy
            expiry = lots.lot_expiry(now, policy.lot_lifetime_ms, policy.expires_at_ms, policy.expiry_granule_ms)
            if expiry is not None and expiry <= now:
                raise errors.EXPIRY_IN_PAST.error(f"every lot of {asset} expired at {expiry}: nothing can be minted")
            self._credit(state, record, stored, to, ((expiry, amount),), now, losses)
        self._put(state, Asset(**{**record.__dict__, "supply": supply}))
        return losses

    def transfer(
        self, state: Writer, asset: str, sender: str, to: str, amount: int, *, at_ms: int | None = None
    ) -> Losses:
        record = self.get(state, asset)
        if not record.transferable and record.issuer not in (sender, to):
            raise Conflict(f"{asset} cannot move between holders; only to or from its issuer", errors.NOT_TRANSFERABLE)
        stored = load_policy(state, asset)
        if stored is not None:
            return self._policy_transfer(state, record, stored, sender, to, amount, _now(at_ms))
        have = self.balance(state, asset, sender)
        if have < amount:
            raise Conflict(f"balance of {asset} is {have}, {amount} needed", errors.INSUFFICIENT)
        if sender == to:
            return []
        self._set_balance(state, record, sender, have - amount)
        self._set_balance(state, record, to, self.balance(state, asset, to) + amount)
        return []

    def burn(self, state: Writer, asset: str, holder: str, amount: int, *, at_ms: int | None = None) -> Losses:
        record = self.get(state, asset)
        stored = load_policy(state, asset)
        losses: Losses = []
        if stored is None:
            have = self.balance(state, asset, holder)
            if have < amount:
                raise Conflict(f"balance of {asset} is {have}, {amount} needed", errors.INSUFFICIENT)
            self._set_balance(state, record, holder, have - amount)
        else:
            self._debit(state, record, stored, holder, amount, _now(at_ms), losses)
        self._put(state, Asset(**{**record.__dict__, "supply": record.supply - amount}))
        return losses

    def redeem(
        self, state: Writer, asset: str, holder: str, amount: int, *, at_ms: int
    ) -> tuple[int, str | None, Losses]:
        """Take ``amount`` from ``holder``: the fee goes to the programme account, the rest leaves supply.

        Returns (fee, programme, losses); fee = floor(amount × redeem_fee_bp / 10⁴).
        """
        record = self.get(state, asset)
        stored = load_policy(state, asset)
        fee_bp = None if stored is None else stored.policy.redeem_fee_bp
        if stored is None or fee_bp is None:
            raise errors.NOT_REDEEMABLE.error(f"{asset} cannot be redeemed")
        policy = stored.policy
        programme = policy.programme
        self._guard_lists(state, policy, at_ms, holder, *([programme] if programme else []))
        fee = amount * fee_bp // BP
        losses: Losses = []
        taken = self._debit(state, record, stored, holder, amount, at_ms, losses)
        if fee:
            assert programme is not None
            fee_lots = lots.take(lots.Holding(0, taken), fee)[1]
            self._credit(state, record, stored, programme, fee_lots, at_ms, losses)
        self._put(state, Asset(**{**record.__dict__, "supply": record.supply - (amount - fee)}))
        return fee, programme if fee else None, losses

    def sweep(self, state: Writer, asset: str, holders: Sequence[str], *, at_ms: int) -> Losses:
        record = self.get(state, asset)
        stored = load_policy(state, asset)
        if stored is None or not stored.lots:
            raise errors.NO_LOTS.error(f"{asset} has neither expiry nor demurrage: there is nothing to sweep")
        losses: Losses = []
        for holder in dict.fromkeys(holders):
            self._store(state, record, stored, holder, self._settled(state, record, stored, holder, at_ms, losses))
        return losses

    # -- policy internals -------------------------------------------------------------------------
    def _policy_transfer(
        self, state: Writer, record: Asset, stored: StoredPolicy, sender: str, to: str, amount: int, now: int
    ) -> Losses:
        policy = stored.policy
        self._guard_lists(state, policy, now, sender, to)
        exempt = record.issuer in (sender, to)
        if policy.restricts_recipients and not exempt and not self._merchant(state, record, policy, to):
            raise errors.NOT_MERCHANT.error(f"{record.asset} can only be paid to its merchants; {to} is not one")
        if policy.spend_limit is not None and policy.spend_period_ms is not None and sender != record.issuer:
            self._count_spend(state, record.asset, sender, amount, policy.spend_limit, now // policy.spend_period_ms)
        losses: Losses = []
        if not stored.lots:
            have = self.balance(state, record.asset, sender)
            if have < amount:
                raise Conflict(f"balance of {record.asset} is {have}, {amount} needed", errors.INSUFFICIENT)
            if sender != to:
                self._set_balance(state, record, sender, have - amount)
                self._set_balance(state, record, to, self.balance(state, record.asset, to) + amount)
            return losses
        taken = self._debit(state, record, stored, sender, amount, now, losses)
        self._credit(state, record, stored, to, taken, now, losses)
        return losses

    def _merchant(self, state: Reader, record: Asset, policy: Policy, to: str) -> bool:
        if policy.merchant_allowlist and self.is_merchant(state, record.asset, to):
            return True
        return policy.merchant_role is not None and self._guards_bound().roles.has_role(state, to, policy.merchant_role)

    def _guard_lists(self, state: Reader, policy: Policy, now: int, *addresses: str) -> None:
        if not policy.watchlists:
            return
        watchlist = self._guards_bound().watchlist
        for address in addresses:
            for name in policy.watchlists:
                if watchlist.is_listed(state, name, address, now):
                    raise errors.SANCTIONED.error(f"{address} is on the watch-list {name}, which this asset enforces")

    def _count_spend(self, state: Writer, asset: str, sender: str, amount: int, limit: int, period: int) -> None:
        rec = load_json(state, spent_key(asset, sender))
        spent = int(rec["spent"]) if rec is not None and rec["period"] == period else 0
        if spent + amount > limit:
            raise errors.SPEND_LIMIT.error(f"{sender} may send {limit - spent} more {asset} this period, not {amount}")
        store_json(state, spent_key(asset, sender), {"period": period, "spent": str(spent + amount)})

    def _settled(
        self, state: Writer, record: Asset, stored: StoredPolicy, address: str, now: int, losses: Losses
    ) -> Holding:
        """The account's holding settled at ``now``; its losses go to the sink (the caller stores the holding)."""
        holding = load_holding(state, record.asset, address, stored, self.balance(state, record.asset, address))
        done = lots.settle(holding, now, stored.demurrage)
        lost = done.expired + done.demurrage
        if lost:
            state.set(sink_key(record.asset), str(self.sink(state, record.asset) + lost).encode())
            losses.append(Loss(address, done.expired, done.demurrage))
        return done.holding

    def _debit(
        self, state: Writer, record: Asset, stored: StoredPolicy, address: str, amount: int, now: int, losses: Losses
    ) -> tuple[Lot, ...]:
        """Take ``amount`` from the account, soonest-expiring lots first; returns the lots taken."""
        if not stored.lots:
            have = self.balance(state, record.asset, address)
            if have < amount:
                raise Conflict(f"balance of {record.asset} is {have}, {amount} needed", errors.INSUFFICIENT)
            self._set_balance(state, record, address, have - amount)
            return ((None, amount),)
        holding = self._settled(state, record, stored, address, now, losses)
        if holding.total < amount:
            if self.balance(state, record.asset, address) >= amount:  # settling stored no balance yet
                raise errors.LOT_EXPIRED.error(
                    f"{address} holds {holding.total} {record.asset} once expired and demurred units are gone;"
                    f" {amount} needed"
                )
            raise Conflict(f"balance of {record.asset} is {holding.total}, {amount} needed", errors.INSUFFICIENT)
        kept, taken = lots.take(holding, amount)
        self._store(state, record, stored, address, kept)
        return taken

    def _credit(
        self,
        state: Writer,
        record: Asset,
        stored: StoredPolicy,
        address: str,
        given: Sequence[Lot],
        now: int,
        losses: Losses,
    ) -> None:
        if not stored.lots:
            amount = sum(a for _, a in given)
            self._set_balance(state, record, address, self.balance(state, record.asset, address) + amount)
            return
        holding = self._settled(state, record, stored, address, now, losses)
        try:
            holding = lots.give(holding, given)
        except lots.TooManyLots as too_many:
            too_many_lots = f"{address} would hold more than {lots.MAX_LOTS} lots of {record.asset}"
            raise errors.TOO_MANY_LOTS.error(too_many_lots) from too_many
        self._store(state, record, stored, address, holding)

    def _store(self, state: Writer, record: Asset, stored: StoredPolicy, address: str, holding: Holding) -> None:
        store_holding(state, record.asset, address, stored, holding)
        self._set_balance(state, record, address, holding.total)

    def _guards_bound(self) -> Guards:
        assert self._guards is not None, "AssetsKeeper.bind was not called (the app wiring binds it)"
        return self._guards

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
        holders: list[str] | None = load_json(state, holders_key(asset))
        if holders is None:
            return
        if (address in holders) == holds:
            return
        if holds:
            if len(holders) >= MAX_TRACKED_HOLDERS:
                raise Conflict(f"{asset} already has {MAX_TRACKED_HOLDERS} holders", errors.TOO_MANY_HOLDERS)
            holders = sorted([*holders, address])
        else:
            holders.remove(address)
        store_json(state, holders_key(asset), holders)

    @staticmethod
    def _put(state: Writer, asset: Asset) -> None:
        store_json(state, asset_key(asset.asset), asset.to_json())
