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
    handlers=lambda roles: AssetsHandlers(KEEPER, roles),
    needs={"roles": "accounts"},
    keeper=KEEPER,
    events=(
        EventSpec("assets/create", ("asset", "issuer"), "An asset was created."),
        EventSpec("assets/mint", ("asset", "to", "amount"), "Units were minted."),
        EventSpec("assets/transfer", ("asset", "from", "to", "amount"), "Units moved between accounts."),
        EventSpec("assets/burn", ("asset", "holder", "amount"), "Units were destroyed."),
    ),
    errors=error_codes(vars(errors)),
    init_genesis=genesis.init_genesis,
    queries=(
        QuerySpec("asset", "/v1/assets/{asset}", "An asset's issuer, supply and rules."),
        QuerySpec("balance", "/v1/assets/{asset}/balances/{address}", "An account's balance of an asset."),
    ),
)

__all__ = ["KEEPER", "MODULE", "AssetsKeeper"]
