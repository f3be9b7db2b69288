"""Messages of the assets module, each declared once (the parser, SDK, CLI and spec come from here)."""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, Amount, Message, Record, Symbol, Text, field

MAX_DECIMALS = 18
BP = 10_000
"""Basis points in a whole: rates and fees are integers out of 10,000."""
MAX_MS = 2**53 - 1
"""Largest time or duration in milliseconds a policy may name."""
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MAX_LOT_WINDOWS = 64
"""A lot lifetime may span at most this many expiry granules (bounds the lots one account holds)."""
MAX_WATCHLISTS = 8
MAX_REWARDS = 8
MAX_SWEEP = 100


SYMBOL = Symbol.pattern


class MerchantRole(Text):
    """A role an account must hold to receive a restricted asset: as ``accounts/grant_role`` names roles."""

    pattern = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
    code = "assets.bad_merchant_role"
    example = "merchant_food"


class ListName(Text):
    """A watch-list's name, as the watch-list module names lists."""

    pattern = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
    example = "sanctions"


class Action(Text):
    """A message type of another module that earns a reward, ``module/message``."""

    pattern = re.compile(r"^[a-z][a-z0-9_]{0,31}/[a-z][a-z0-9_]{0,47}$")
    example = "timebank/record_service"


class Ref(Text):
    """What a module calls one recorded action (a service id, a vote id): 1 to 64 letters, digits, ``_-.:``."""

    pattern = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
    example = "17"


Ms = Annotated[int, Meta(ge=1, le=MAX_MS)]


class RewardRule(Record, frozen=True):
    """Units minted, once per recorded action, to the account that performed it."""

    action: Annotated[Action, field("The rewarded message type, e.g. timebank/record_service.")]
    amount: Annotated[Amount, field("Units per recorded action.")]


class Policy(Record, frozen=True):
    """The rules an asset's units follow; every field is optional and off when absent (docs/spec/assets.md)."""

    lot_lifetime_ms: Annotated[
        Ms | None, field("Each mint is a lot that expires this long after it.", code="assets.bad_expiry")
    ] = None
    expires_at_ms: Annotated[
        Ms | None, field("Every lot expires by this block time at the latest.", code="assets.bad_expiry")
    ] = None
    expiry_granule_ms: Annotated[
        Ms,
        field("Lot expiries are rounded up to a multiple of this (block time since 1970).", code="assets.bad_expiry"),
    ] = DAY_MS
    demurrage_bp: Annotated[
        int,
        Meta(ge=0, le=BP),
        field("Basis points a lot loses per demurrage period (0: none).", code="assets.bad_demurrage"),
    ] = 0
    demurrage_period_ms: Annotated[
        Annotated[int, Meta(ge=HOUR_MS, le=MAX_MS)] | None,
        field(
            "The demurrage period (at least an hour); periods start at multiples of it.", code="assets.bad_demurrage"
        ),
    ] = None
    merchant_role: Annotated[MerchantRole | None, field("Units move only to holders of this role (or the issuer).")] = (
        None
    )
    merchant_allowlist: Annotated[
        bool, field("Units move only to merchants the issuer lists with assets/set_merchant (or the issuer).")
    ] = False
    spend_limit: Annotated[Amount | None, field("Most units an account may send per spend period.")] = None
    spend_period_ms: Annotated[
        Ms | None, field("The spend-limit period; periods start at multiples of it.", code="assets.bad_spend_limit")
    ] = None
    redeem_fee_bp: Annotated[
        Annotated[int, Meta(ge=0, le=BP)] | None,
        field("Holders may redeem, paying this fee in basis points (null: no).", code="assets.bad_fee"),
    ] = None
    programme: Annotated[Address | None, field("The account redemption fees go to.")] = None
    watchlists: Annotated[
        tuple[ListName, ...], Meta(max_length=MAX_WATCHLISTS), field("Watch-lists whose listed accounts it refuses.")
    ] = ()
    rewards: Annotated[
        tuple[RewardRule, ...], Meta(max_length=MAX_REWARDS), field("Civic actions the issuer may reward, once each.")
    ] = ()

    def __post_init__(self) -> None:
        period = self.demurrage_period_ms
        if not 0 <= self.demurrage_bp <= BP or (self.demurrage_bp > 0) != (period is not None):
            raise InvalidInput(
                "demurrage_bp must be 0..10000 (at most 100% per period), and set together with demurrage_period_ms",
                "assets.bad_demurrage",
            )
        if period is not None and period < HOUR_MS:
            raise InvalidInput("demurrage_period_ms must be at least an hour (3600000)", "assets.bad_demurrage")
        if self.lot_lifetime_ms is not None and self.lot_lifetime_ms > MAX_LOT_WINDOWS * self.expiry_granule_ms:
            raise InvalidInput(
                f"lot_lifetime_ms may span at most {MAX_LOT_WINDOWS} expiry granules; raise expiry_granule_ms",
                "assets.bad_expiry",
            )
        if (self.spend_limit is None) != (self.spend_period_ms is None):
            raise InvalidInput("spend_limit and spend_period_ms go together", "assets.bad_spend_limit")
        if self.redeem_fee_bp is not None and not 0 <= self.redeem_fee_bp <= BP:
            raise InvalidInput("redeem_fee_bp must be 0..10000", "assets.bad_fee")
        if (self.redeem_fee_bp is not None and self.redeem_fee_bp > 0) and self.programme is None:
            raise InvalidInput("a redemption fee needs a programme account to go to", "assets.bad_fee")
        if len(set(self.watchlists)) != len(self.watchlists):
            raise InvalidInput("watchlists must not repeat", "assets.bad_policy")
        if len({r.action for r in self.rewards}) != len(self.rewards):
            raise InvalidInput("each rewarded action appears once", "assets.bad_policy")

    @property
    def has_lots(self) -> bool:
        """Units are held in lots: they expire or lose value with time."""
        return self.lot_lifetime_ms is not None or self.expires_at_ms is not None or self.demurrage_bp > 0

    @property
    def restricts_recipients(self) -> bool:
        return self.merchant_role is not None or self.merchant_allowlist


class Create(Message, tag="assets/create", frozen=True):
    """Create an asset; the sender (role asset_issuer) becomes its issuer."""

    asset: Annotated[Symbol, field("Its symbol, e.g. CITY.")]
    name: Annotated[str, Meta(max_length=64), field("Display name (not blank).")]
    decimals: Annotated[int, Meta(ge=0, le=MAX_DECIMALS), field("Digits wallets show after the point.", default=0)]
    max_supply: Annotated[Amount | None, field("Cap on supply; null for none.", default=None)]
    transferable: Annotated[
        bool,
        field(
            "False: holders cannot move it among themselves, only to or from the issuer.",
            default=True,
            cli="transferable/--non-transferable",
        ),
    ]
    policy: Annotated[Policy | None, field("Its policy (expiry, demurrage, merchants, limits...); null for none.")] = (
        None
    )

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("name must not be empty", "msg.bad_string")


class Mint(Message, tag="assets/mint", frozen=True):
    """Mint new units for an account (the issuer only)."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    to: Annotated[Address, field("The recipient.")]
    amount: Annotated[Amount, field("Units to create.")]


class Transfer(Message, tag="assets/transfer", frozen=True):
    """Move units from the sender to another account."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    to: Annotated[Address, field("The recipient.")]
    amount: Annotated[Amount, field("Units to move.")]


class Burn(Message, tag="assets/burn", frozen=True):
    """Destroy units the sender holds."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    amount: Annotated[Amount, field("Units to destroy.")]


class SetPolicy(Message, tag="assets/set_policy", frozen=True):
    """Replace an asset's policy (the issuer only); lots keep the expiry they were minted with."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    policy: Annotated[Policy, field("The new policy; an empty object removes every rule.")]


class SetMerchant(Message, tag="assets/set_merchant", frozen=True):
    """Add a merchant to an asset's allow-list, or take one off (the issuer only)."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    merchant: Annotated[Address, field("The merchant's account.")]
    allowed: Annotated[bool, field("True to list it, false to take it off.", default=True, cli="allowed/--remove")]


class Redeem(Message, tag="assets/redeem", frozen=True):
    """Give units back to the issuer (who pays out off the ledger); the policy's fee goes to its programme."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    amount: Annotated[Amount, field("Units to redeem, fee included.")]


class Sweep(Message, tag="assets/sweep", frozen=True):
    """Apply expiry and demurrage to accounts now (anyone may; it changes nobody's spendable units)."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    holders: Annotated[
        tuple[Address, ...], Meta(min_length=1, max_length=MAX_SWEEP), field("Accounts to settle.", cli="holder")
    ]


class Reward(Message, tag="assets/reward", frozen=True):
    """Mint a civic reward (the issuer only), once per recorded action, to the account that performed it."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    to: Annotated[Address, field("The account that performed the action.")]
    action: Annotated[Action, field("The action's message type, one of the policy's rewards.")]
    ref: Annotated[Ref, field("The action's id in its module (e.g. the service id of a time-bank service).")]


MESSAGES = (Create, Mint, Transfer, Burn, SetPolicy, SetMerchant, Redeem, Sweep, Reward)
