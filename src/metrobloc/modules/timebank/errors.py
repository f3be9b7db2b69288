"""Stable error codes of the time-bank module, each with the class it is raised as (and so its HTTP status)."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

NOT_ACCREDITED = ErrorCode(
    "timebank.not_accredited",
    Unauthorized,
    "registering a bank needs an identity accreditation in force for TimeBankAccreditation, or the root authority",
)
BANK_MUST_SIGN = ErrorCode(
    "timebank.bank_must_sign", Unauthorized, "the bank's own account must sign the tx (sender or co-signer)"
)
BANK_EXISTS = ErrorCode("timebank.bank_exists", Conflict, "this account is a registered bank already")
BANK_IS_MEMBER = ErrorCode(
    "timebank.bank_is_member", Conflict, "a bank cannot be a member, and a member cannot become a bank"
)
UNKNOWN_BANK = ErrorCode("timebank.unknown_bank", NotFound, "no registered bank at this address")
ALREADY_MEMBER = ErrorCode("timebank.already_member", Conflict, "the account is a member of this bank already")
TOO_MANY_BANKS = ErrorCode("timebank.too_many_banks", Conflict, "an account is a member of at most 8 banks")
NOT_MEMBER = ErrorCode("timebank.not_member", NotFound, "the account is not a member of this bank (or of any)")
AMBIGUOUS_BANK = ErrorCode(
    "timebank.ambiguous_bank", InvalidInput, "a party of several banks: name its bank (provider_bank, receiver_bank)"
)
NEEDS_BOTH = ErrorCode(
    "timebank.needs_both_signatures", Unauthorized, "a service is recorded only when provider and receiver both sign"
)
BELOW_FLOOR = ErrorCode(
    "timebank.below_floor", Conflict, "the receiver's balance would pass below its bank's floor (-floor_minutes)"
)
LISTING_EXISTS = ErrorCode("timebank.listing_exists", Conflict, "the bank has a listing with this id already")
UNKNOWN_LISTING = ErrorCode("timebank.unknown_listing", NotFound, "the bank has no listing with this id")
NOT_AUTHOR = ErrorCode("timebank.not_author", Unauthorized, "only the listing's author or its bank may close it")
CLOSED = ErrorCode("timebank.listing_closed", Conflict, "the listing is closed already")
BAD_QUERY = ErrorCode("timebank.bad_query", InvalidInput, "a query parameter is out of range or malformed")
UNKNOWN_SERVICE = ErrorCode("timebank.unknown_service", NotFound, "no recorded service with this id")
