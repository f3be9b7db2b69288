"""Stable error codes of the identity module, each with the class it is raised as."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

BAD_KEY = ErrorCode(
    "identity.not_current_key", Unauthorized, "a DID is created with the account's current key, which signs the tx"
)
DID_EXISTS = ErrorCode("identity.did_exists", Conflict, "the account already has a DID")
NO_DID = ErrorCode("identity.no_did", NotFound, "the account has no DID (identity/create_did first)")
DEACTIVATED = ErrorCode("identity.deactivated", Conflict, "the DID is deactivated: it can change no more")
UNKNOWN_KEY = ErrorCode("identity.unknown_key", NotFound, "the key is not in the account's key history")
KEY_CURRENT = ErrorCode(
    "identity.key_current",
    Conflict,
    "the current key cannot be marked compromised: rotate to a new key first (accounts/rotate_key)",
)
BAD_SINCE = ErrorCode(
    "identity.bad_since", InvalidInput, "since_ms lies outside the key's time in force, or in the future"
)
NOT_ROOT = ErrorCode(
    "identity.not_root", Unauthorized, "only the root authority (role identity_root) may do this without a parent"
)
BAD_PARENT = ErrorCode(
    "identity.bad_parent",
    Unauthorized,
    "the parent accreditation is not the sender's, does not allow accrediting, is not in force, or does not cover"
    " the types or the window",
)
UNKNOWN_ACCREDITATION = ErrorCode("identity.unknown_accreditation", NotFound, "no accreditation with this id")
NOT_ACCREDITOR = ErrorCode(
    "identity.not_accreditor", Unauthorized, "only whoever granted an accreditation, or the root, may revoke it"
)
REVOKED = ErrorCode("identity.already_revoked", Conflict, "the accreditation is already revoked")
BAD_WINDOW = ErrorCode("identity.bad_window", InvalidInput, "valid_until_ms must be after valid_from_ms")
SCHEMA_EXISTS = ErrorCode("identity.schema_exists", Conflict, "a schema with this id is registered")
BAD_SCHEMA = ErrorCode("identity.bad_schema", InvalidInput, "the schema is not a JSON Schema document (a JSON object)")
NOT_ISSUER = ErrorCode(
    "identity.not_accredited",
    Unauthorized,
    "the sender holds no accreditation in force for this credential type (or for any type, to anchor a status list)",
)
STALE_VERSION = ErrorCode("identity.stale_version", Conflict, "a status list version must exceed the last anchored")
BAD_VALID_UNTIL = ErrorCode("identity.bad_valid_until", InvalidInput, "valid_until_ms must be after the block time")
NOT_AGENCY = ErrorCode(
    "identity.not_agency", Unauthorized, "logging access to personal data or erasures needs the role pds_agency"
)
ERASED = ErrorCode("identity.already_erased", Conflict, "this document's erasure is already recorded")
INVALID_DID = ErrorCode("identity.invalid_did", InvalidInput, "not a DID, or a did:mb DID whose address is invalid")
METHOD_NOT_SUPPORTED = ErrorCode(
    "identity.method_not_supported", InvalidInput, "a DID of another method than did:mb (HTTP 501 at /1.0/identifiers)"
)
DID_NOT_FOUND = ErrorCode("identity.not_found", NotFound, "no DID document for this DID (at that version)")
UNKNOWN_SCHEMA = ErrorCode("identity.unknown_schema", NotFound, "no schema with this id")
UNKNOWN_STATUS_LIST = ErrorCode("identity.unknown_status_list", NotFound, "no anchored status list with this id")
BAD_QUERY = ErrorCode("identity.bad_query", InvalidInput, "a query parameter is out of range or malformed")
TOO_MANY = ErrorCode("identity.too_many_accreditations", Conflict, "an issuer holds at most 64 accreditations")
BAD_PARENT_ID = ErrorCode("identity.bad_parent_id", InvalidInput, "parent is an accreditation id, from 1")
NOT_ENROLLED = ErrorCode(
    "identity.not_enrolled", NotFound, "the sender has no enrolment in force of this holder for this credential type"
)
BAD_UNTIL = ErrorCode("identity.bad_until", InvalidInput, "until_ms must be after the block time")
TOO_MANY_ISSUERS = ErrorCode(
    "identity.too_many_enrolling_issuers", Conflict, "at most 64 issuers may enrol one holder for one credential type"
)
