"""Stable error codes of the assets module, each with the class it is raised as."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

MISSING_ROLE = ErrorCode("assets.missing_role", Unauthorized, "creating an asset needs the role `asset_issuer`")
EXISTS = ErrorCode("assets.exists", Conflict, "an asset with this symbol exists")
UNKNOWN = ErrorCode("assets.unknown_asset", NotFound, "no asset with this symbol")
NOT_ISSUER = ErrorCode(
    "assets.not_issuer", Unauthorized, "only the issuer can mint, reward, or change the policy or merchant list"
)
NOT_MINTABLE = ErrorCode("assets.not_mintable", Conflict, "a fixed-supply asset cannot be minted again")
MAX_SUPPLY = ErrorCode("assets.max_supply_exceeded", Conflict, "minting would exceed `max_supply` (or 2^128−1)")
NOT_TRANSFERABLE = ErrorCode(
    "assets.not_transferable", Conflict, "a non-transferable asset moves only to or from its issuer"
)
INSUFFICIENT = ErrorCode("assets.insufficient_funds", Conflict, "the balance is below the amount")
TOO_MANY_HOLDERS = ErrorCode(
    "assets.too_many_holders",
    Conflict,
    "a transfer would give a fixed-supply asset issued by a module (e.g. land revenue rights), whose holders are"
    " tracked, more than 256 holders",
)
NOT_TRACKED = ErrorCode(
    "assets.holders_not_tracked",
    Conflict,
    "a module asked for the holders of an asset it did not issue with a fixed supply (not reachable through the"
    " built-in messages)",
)
BAD_SYMBOL = ErrorCode("assets.bad_symbol", InvalidInput, "a query for a symbol that does not match the pattern")

BAD_POLICY = ErrorCode(
    "assets.bad_policy",
    InvalidInput,
    "a policy that cannot hold: on a non-transferable or fixed-supply asset, or a repeated list or action",
)
BAD_DEMURRAGE = ErrorCode(
    "assets.bad_demurrage",
    InvalidInput,
    "demurrage over 100% (10,000 bp) per period, a rate without a period, or a period under an hour",
)
BAD_EXPIRY = ErrorCode("assets.bad_expiry", InvalidInput, "a lot lifetime longer than 64 expiry granules")
EXPIRY_IN_PAST = ErrorCode(
    "assets.expiry_in_past", Conflict, "the policy's `expires_at_ms` is at or before the block time: no lot could live"
)
BAD_MERCHANT_ROLE = ErrorCode(
    "assets.bad_merchant_role", InvalidInput, "an empty or malformed merchant role (a role name, e.g. merchant_food)"
)
BAD_SPEND_LIMIT = ErrorCode("assets.bad_spend_limit", InvalidInput, "a spend limit without its period, or the reverse")
BAD_FEE = ErrorCode(
    "assets.bad_fee", InvalidInput, "a redemption fee over 10,000 bp, or a fee with no programme account"
)
LOT_EXPIRED = ErrorCode(
    "assets.lot_expired", Conflict, "the balance would cover the amount, but some of its lots have expired"
)
NOT_MERCHANT = ErrorCode(
    "assets.not_merchant", Conflict, "the asset moves only to its merchants (the policy's role or allow-list)"
)
SANCTIONED = ErrorCode(
    "assets.sanctioned", Conflict, "the sender or recipient is on a watch-list the asset's policy enforces"
)
SPEND_LIMIT = ErrorCode("assets.spend_limit", Conflict, "the transfer would pass the account's spend limit this period")
NOT_REDEEMABLE = ErrorCode("assets.not_redeemable", Conflict, "the asset's policy allows no redemption")
NO_LOTS = ErrorCode("assets.no_lots", Conflict, "a sweep of an asset whose policy neither expires nor demurs")
TOO_MANY_LOTS = ErrorCode(
    "assets.too_many_lots", Conflict, "the recipient would hold more than 80 lots of the asset (ask it to spend first)"
)
NOT_REWARDED = ErrorCode("assets.not_rewarded", Conflict, "the asset's policy does not reward this action")
NO_SUCH_ACTION = ErrorCode(
    "assets.no_such_action", NotFound, "the named module has no record of this action (or no such module rewards)"
)
NOT_ACTOR = ErrorCode("assets.not_actor", Conflict, "the reward's recipient did not perform the action")
ALREADY_REWARDED = ErrorCode("assets.already_rewarded", Conflict, "this action was already rewarded in this asset")
