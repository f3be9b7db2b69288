"""Stable error codes of the accounts module, each with the class it is raised as."""

from metrobloc.errors import InvalidTx, Unauthorized
from metrobloc.execution import ErrorCode

KEY_MISMATCH = ErrorCode(
    "accounts.key_mismatch",
    Unauthorized,
    "a signature's key is not the signer account's current key (e.g. rotated away)",
)
MISSING_ROLE = ErrorCode("accounts.missing_role", Unauthorized, "only an admin can grant or revoke roles")
BAD_ROTATION = ErrorCode("accounts.bad_rotation", Unauthorized, "the new key did not sign the rotation statement")
SELF_REVOKE = ErrorCode(
    "accounts.cannot_revoke_own_admin",
    InvalidTx,
    "an admin cannot drop their own admin role (the chain would risk having none)",
)
KEY_COMPROMISED = ErrorCode(
    "accounts.key_compromised",
    InvalidTx,
    "a rotation to a key the account itself marked compromised (identity/mark_key_compromised)",
)
