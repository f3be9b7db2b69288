"""Genesis section of the assets module.

``{"assets": [{asset, name, decimals, max_supply, transferable, policy, issuer}],
   "balances": [{asset, address, amount}]}``: assets and opening balances, supply summed from them.
An asset entry is an ``assets/create`` message's fields plus its ``issuer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from metrobloc.codec import is_address
from metrobloc.errors import InvalidInput
from metrobloc.execution import Context
from metrobloc.execution.messages import Address, Amount, Record, Symbol, decode, field
from metrobloc.modules.assets.keeper import Asset, AssetsKeeper
from metrobloc.modules.assets.msgs import Create


class OpeningBalance(Record, frozen=True):
    """An account's balance at genesis."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    address: Annotated[Address, field("The holder.")]
    amount: Annotated[Amount, field("Its opening balance.")]


def init_genesis(ctx: Context, section: Mapping[str, Any]) -> None:
    keeper = AssetsKeeper()
    policies = []
    for entry in section.get("assets", []):
        spec = decode(Create, {"type": "assets/create", **{k: v for k, v in entry.items() if k != "issuer"}})
        issuer = entry.get("issuer")
        if not is_address(issuer):
            raise InvalidInput("issuer must be an mb1 address", "msg.bad_address")
        keeper.create(ctx, Asset(spec.asset, spec.name, spec.decimals, spec.max_supply, spec.transferable, issuer, 0))
        if spec.policy is not None:
            policies.append((spec.asset, spec.policy, issuer))
    for entry in section.get("balances", []):
        opening = decode(OpeningBalance, entry)
        asset = keeper.find(ctx, opening.asset)
        if asset is None:
            raise InvalidInput(f"genesis balance for unknown asset {opening.asset!r}", "genesis.bad_asset")
        keeper.mint(ctx, asset.asset, opening.address, opening.amount, by=asset.issuer)
    for symbol, policy, issuer in policies:  # after the opening balances: they become never-expiring lots
        keeper.set_policy(ctx, symbol, policy, by=issuer, at_ms=ctx.block_time_ms)
