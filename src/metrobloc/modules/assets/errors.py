"""Stable error codes of the assets module, each with the class it is raised as."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

MISSING_ROLE = ErrorCode("assets.missing_role", Unauthorized, "creating an asset needs the role `asset_issuer`")
EXISTS = ErrorCode("assets.exists", Conflict, "an asset with this symbol exists")
UNKNOWN = ErrorCode("assets.unknown_asset", NotFound, "no asset with this symbol")
NOT_ISSUER = ErrorCode("assets.not_issuer", Unauthorized, "only the issuer can mint")
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
