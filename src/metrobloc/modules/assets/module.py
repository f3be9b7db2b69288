"""The assets module as the app sees it."""

from metrobloc.execution import Module, MsgType
from metrobloc.modules.assets import genesis, msgs
from metrobloc.modules.assets.expected import RoleChecker
from metrobloc.modules.assets.handlers import make_handlers
from metrobloc.modules.assets.keeper import AssetsKeeper


def make_module(roles: RoleChecker) -> Module:
    """The module, wired to a role checker (the accounts keeper in the app)."""
    h = make_handlers(AssetsKeeper(), roles)
    return Module(
        name="assets",
        msg_types=(
            MsgType("assets/create", msgs.parse_create, h["create"]),
            MsgType("assets/mint", msgs.parse_mint, h["mint"]),
            MsgType("assets/transfer", msgs.parse_transfer, h["transfer"]),
            MsgType("assets/burn", msgs.parse_burn, h["burn"]),
        ),
        init_genesis=genesis.init_genesis,
    )
