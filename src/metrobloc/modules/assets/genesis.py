"""Genesis section of the assets module.

``{"assets": [{asset, name, decimals, max_supply, transferable, issuer}],
   "balances": [{asset, address, amount}]}``: assets and opening balances, supply summed from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrobloc.errors import InvalidInput
from metrobloc.execution import Context, fields
from metrobloc.modules.assets.keeper import Asset, AssetsKeeper
from metrobloc.modules.assets.msgs import parse_create


def init_genesis(ctx: Context, section: Mapping[str, Any]) -> None:
    keeper = AssetsKeeper()
    for entry in section.get("assets", []):
        spec = parse_create({k: v for k, v in entry.items() if k != "issuer"})
        issuer = fields.address(entry, "issuer")
        keeper.create(ctx, Asset(spec.asset, spec.name, spec.decimals, spec.max_supply, spec.transferable, issuer, 0))
    for entry in section.get("balances", []):
        asset = keeper.find(ctx, str(entry.get("asset")))
        if asset is None:
            raise InvalidInput(f"genesis balance for unknown asset {entry.get('asset')!r}", "genesis.bad_asset")
        keeper.mint(ctx, asset.asset, fields.address(entry, "address"), fields.amount(entry, "amount"), by=asset.issuer)
