"""The accounts module as the app sees it."""

from metrobloc.execution import Module, MsgType
from metrobloc.modules.accounts import genesis, handlers, msgs

module = Module(
    name="accounts",
    msg_types=(
        MsgType("accounts/grant_role", msgs.parse_grant_role, handlers.grant_role),
        MsgType("accounts/revoke_role", msgs.parse_revoke_role, handlers.revoke_role),
        MsgType("accounts/rotate_key", msgs.parse_rotate_key, handlers.rotate_key),
    ),
    init_genesis=genesis.init_genesis,
)
