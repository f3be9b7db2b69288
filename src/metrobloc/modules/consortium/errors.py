"""Stable error codes of the consortium module, each with the class it is raised as (and so its HTTP status)."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized, Unavailable
from metrobloc.execution import ErrorCode

# -- at admission (stateless checks) ---------------------------------------------------------------
BAD_ORG = ErrorCode("consortium.bad_org", InvalidInput, "a member's org id is [a-z][a-z0-9-]{2,47}")
BAD_NAME = ErrorCode("consortium.bad_name", InvalidInput, "a member name is 1 to 80 characters without control ones")

# -- at execution ----------------------------------------------------------------------------------
NOT_AUTHORITY = ErrorCode(
    "consortium.not_authority",
    Unauthorized,
    "only the consortium org's treasury sends this, as the action of a passed proposal of that org",
)
NO_SUPERMAJORITY = ErrorCode(
    "consortium.no_supermajority",
    Unauthorized,
    "fewer than two thirds of the member organizations voted yes on the proposal (3·yes < 2·members)",
)
ALREADY_INITIALISED = ErrorCode(
    "consortium.already_initialised", Conflict, "the consortium org exists already (consortium/init runs once)"
)
NOT_INITIALISED = ErrorCode(
    "consortium.not_initialised", Conflict, "the consortium org does not exist yet: send consortium/init first"
)
ORG_EXISTS = ErrorCode("consortium.org_exists", Conflict, "the org id is or was a member of the consortium")
NOT_MEMBER = ErrorCode("consortium.not_member", NotFound, "the org is not a current member of the consortium")
LAST_MEMBER = ErrorCode(
    "consortium.last_member", Conflict, "removing the last member would leave no node key to certify headers"
)
KEY_USED = ErrorCode("consortium.key_used", Conflict, "the node key is or was in force once: a key is never reused")
VOTER_USED = ErrorCode("consortium.voter_used", Conflict, "the address votes for another member already")
BAD_KEY_SIGNATURE = ErrorCode(
    "consortium.bad_key_signature",
    Unauthorized,
    "the node key did not sign the key statement (chain id, org, node key) of docs/spec/consortium.md",
)
TOO_MANY = ErrorCode("consortium.too_many", Conflict, "the consortium has 64 members at most")
NO_GENESIS = ErrorCode(
    "consortium.no_genesis",
    Unavailable,
    "the executor was built without the chain's genesis, where the first members come from",
)
