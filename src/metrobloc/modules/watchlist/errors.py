"""Stable error codes of the watch-list module, each with the class it is raised as."""

from metrobloc.errors import InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

MISSING_ROLE = ErrorCode(
    "watchlist.missing_role", Unauthorized, "listing and delisting need the role watchlist_authority"
)
EXPIRY_IN_PAST = ErrorCode("watchlist.expiry_in_past", InvalidInput, "expires_ms must be after the block time")
NOT_LISTED = ErrorCode("watchlist.not_listed", NotFound, "the subject is not on this list (never, or delisted)")
BAD_SUBJECT = ErrorCode(
    "watchlist.bad_subject", InvalidInput, "a subject is an mb1 address or sha256: and 64 lower-case hex digits"
)
BAD_LIST = ErrorCode("watchlist.bad_list", InvalidInput, "a list id is [a-z][a-z0-9_-]{0,31}")
BAD_REASON = ErrorCode("watchlist.bad_reason", InvalidInput, "a reason code outside the module's vocabulary")
BAD_DIGEST = ErrorCode("watchlist.bad_digest", InvalidInput, "legal_basis_digest is 64 lower-case hex digits")
BAD_QUERY = ErrorCode("watchlist.bad_query", InvalidInput, "a query parameter is out of range or malformed")
