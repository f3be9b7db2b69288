"""The land module as the app sees it."""

from metrobloc.execution import Module, MsgType
from metrobloc.modules.land import genesis, msgs
from metrobloc.modules.land.expected import AssetLedger, RoleChecker
from metrobloc.modules.land.handlers import LandHandlers
from metrobloc.modules.land.keeper import LandKeeper

PARSERS = {
    "register_parcel": msgs.parse_register_parcel,
    "transfer": msgs.parse_transfer,
    "create_lien": msgs.parse_create_lien,
    "release_lien": msgs.parse_release_lien,
    "split": msgs.parse_split,
    "merge": msgs.parse_merge,
    "set_oracle_policy": msgs.parse_set_oracle_policy,
    "attest": msgs.parse_attest,
    "issue_revenue_rights": msgs.parse_issue_revenue_rights,
    "distribute": msgs.parse_distribute,
}
"""Message name -> stateless parser; the handlers use the same names."""


def make_module(roles: RoleChecker, assets: AssetLedger) -> Module:
    """The module, wired to a role checker (accounts keeper) and an asset ledger (assets keeper)."""
    handlers = LandHandlers(LandKeeper(), roles, assets).by_type()
    assert handlers.keys() == PARSERS.keys()
    return Module(
        name="land",
        msg_types=tuple(MsgType(f"land/{name}", parse, handlers[name]) for name, parse in PARSERS.items()),
        init_genesis=genesis.init_genesis,
    )
