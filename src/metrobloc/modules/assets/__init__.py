"""Assets: multi-asset balances (municipal currency, loyalty points, time-bank hours, credits)."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.assets import errors, genesis
from metrobloc.modules.assets.handlers import AssetsHandlers
from metrobloc.modules.assets.keeper import AssetsKeeper
from metrobloc.modules.assets.msgs import MESSAGES

KEEPER = AssetsKeeper()

MODULE = Module(
    name="assets",
    doc="Create, mint, transfer and burn assets: city coin, vouchers, loyalty points, time-bank hours.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda roles, watchlist, timebank: AssetsHandlers(
        KEEPER.bind(roles, watchlist), roles, {"timebank": timebank}
    ),
    needs={"roles": "accounts", "watchlist": "watchlist", "timebank": "timebank"},
    keeper=KEEPER,
    events=(
        EventSpec("assets/create", ("asset", "issuer"), "An asset was created."),
        EventSpec("assets/mint", ("asset", "to", "amount"), "Units were minted."),
        EventSpec("assets/transfer", ("asset", "from", "to", "amount"), "Units moved between accounts."),
        EventSpec("assets/burn", ("asset", "holder", "amount"), "Units were destroyed."),
        EventSpec("assets/set_policy", ("asset", "version"), "The issuer set the asset's policy (its new version)."),
        EventSpec(
            "assets/set_merchant", ("asset", "merchant", "allowed"), "The issuer listed a merchant or took it off."
        ),
        EventSpec(
            "assets/redeem",
            ("asset", "holder", "amount", "fee", "programme"),
            "Units went back to the issuer; the fee went to the programme account (empty: no fee).",
        ),
        EventSpec(
            "assets/settle",
            ("asset", "holder", "expired", "demurrage"),
            "An account's expired lots and demurrage went to the asset's sink.",
        ),
        EventSpec("assets/reward", ("asset", "to", "amount", "action", "ref"), "A civic action was rewarded."),
    ),
    errors=error_codes(vars(errors)),
    init_genesis=genesis.init_genesis,
    queries=(
        QuerySpec("asset", "/v1/assets/{asset}", "An asset's issuer, supply and rules."),
        QuerySpec("balance", "/v1/assets/{asset}/balances/{address}", "An account's balance of an asset."),
    ),
)

__all__ = ["KEEPER", "MODULE", "AssetsKeeper"]
