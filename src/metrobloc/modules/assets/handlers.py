"""Stateful handlers of the assets module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metrobloc.errors import Unauthorized
from metrobloc.execution import Context
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.expected import RoleChecker
from metrobloc.modules.assets.keeper import Asset, AssetsKeeper
from metrobloc.modules.assets.msgs import Burn, Create, Mint, Transfer

ISSUER_ROLE = "asset_issuer"


def make_handlers(keeper: AssetsKeeper, roles: RoleChecker) -> dict[str, Callable[[Context, Any], None]]:
    """The handlers, closed over the keepers the app hands in."""

    def create(ctx: Context, msg: Create) -> None:
        if not roles.has_role(ctx, ctx.sender, ISSUER_ROLE):
            raise Unauthorized(f"creating an asset needs the role {ISSUER_ROLE}", errors.MISSING_ROLE)
        keeper.create(ctx, Asset(msg.asset, msg.name, msg.decimals, msg.max_supply, msg.transferable, ctx.sender, 0))
        ctx.emit("assets/create", asset=msg.asset, issuer=ctx.sender)

    def mint(ctx: Context, msg: Mint) -> None:
        keeper.mint(ctx, msg.asset, msg.to, msg.amount, by=ctx.sender)
        ctx.emit("assets/mint", asset=msg.asset, to=msg.to, amount=str(msg.amount))

    def transfer(ctx: Context, msg: Transfer) -> None:
        keeper.transfer(ctx, msg.asset, ctx.sender, msg.to, msg.amount)
        ctx.emit("assets/transfer", asset=msg.asset, **{"from": ctx.sender}, to=msg.to, amount=str(msg.amount))

    def burn(ctx: Context, msg: Burn) -> None:
        keeper.burn(ctx, msg.asset, ctx.sender, msg.amount)
        ctx.emit("assets/burn", asset=msg.asset, holder=ctx.sender, amount=str(msg.amount))

    return {"create": create, "mint": mint, "transfer": transfer, "burn": burn}
