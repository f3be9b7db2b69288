"""Stable error codes of the land module, each with the class it is raised as (and so its HTTP status).

Stateless problems (raised while decoding ``msgs.py``'s messages at admission, or by a query, 400)
and stateful refusals (raised by the handlers; the tx is kept with status "failed") share one
namespace, ``land.<reason>``.
"""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

# -- stateless (InvalidInput, 400) -------------------------------------------------------------------
BAD_PARCEL = ErrorCode(
    "land.bad_parcel",
    InvalidInput,
    "a parcel id, in a message or a query, that does not match `^[A-Z0-9][A-Z0-9:-]{0,47}$`",
)
BAD_SHARE_TOTAL = ErrorCode(
    "land.bad_share_total",
    InvalidInput,
    "an owner's `share_bp` not an integer 1 … 10000, or shares not adding up to exactly 10000",
)
DUPLICATE_OWNER = ErrorCode("land.duplicate_owner", InvalidInput, "an owner list names an address twice")
BAD_OWNERS = ErrorCode(
    "land.bad_owners",
    InvalidInput,
    "an owner list that is empty, longer than 7, or not a list of `{address, share_bp}`",
)
BAD_DOCUMENTS = ErrorCode(
    "land.bad_documents", InvalidInput, "`documents` not 1 … 16 distinct lower-case SHA-256 hex digests"
)
BAD_DIGEST = ErrorCode(
    "land.bad_digest",
    InvalidInput,
    "a digest field (`deed_digest`, `reference_digest`, `value_digest`) that is not 64 lower-case hex digits",
)
BAD_PARCELS = ErrorCode(
    "land.bad_parcels",
    InvalidInput,
    "a split into fewer than 2 or more than 16 parts, a merge of fewer than 2 or more than 16 parcels, or a parcel"
    " id repeated (a malformed id is `land.bad_parcel`)",
)
BAD_POLICY = ErrorCode(
    "land.bad_policy",
    InvalidInput,
    "oracles not 1 … 16 distinct addresses, or a threshold not an integer 1 … number of oracles",
)
BAD_PRICE = ErrorCode(
    "land.bad_price", InvalidInput, "a transfer's `price` that is neither `{asset, amount}` nor `null`"
)
BAD_QUERY = ErrorCode(
    "land.bad_query",
    InvalidInput,
    "a query parameter other than a parcel id that is missing or malformed (district, claim, subject, `limit`,"
    " `after`, neither or both of `owner=` and `district=`)",
)

# -- stateful -------------------------------------------------------------------------------------
UNKNOWN_PARCEL = ErrorCode("land.unknown_parcel", NotFound, "no parcel has this id")
PARCEL_EXISTS = ErrorCode(
    "land.parcel_exists", Conflict, "the id was registered before (possibly since split or merged away)"
)
PARCEL_RETIRED = ErrorCode("land.parcel_retired", Conflict, "the parcel was split or merged away")
MISSING_COSIGNER = ErrorCode(
    "land.missing_cosigner",
    Unauthorized,
    "an owner, new owner or lender the message needs did not sign the tx (the message names them)",
)
REGISTRAR_REQUIRED = ErrorCode(
    "land.registrar_required",
    Unauthorized,
    "no signer holds `land_registrar` (and, for a registration, no settled `parcel_registration` claim for exactly"
    " this content)",
)
LIEN_ACTIVE = ErrorCode(
    "land.lien_active",
    Conflict,
    "an active lien's holder did not co-sign a transfer, or a split or merge of a parcel with active liens",
)
UNKNOWN_LIEN = ErrorCode("land.unknown_lien", NotFound, "the parcel has no lien with this id")
LIEN_RELEASED = ErrorCode("land.lien_released", Conflict, "the lien was already released")
NOT_LIENHOLDER = ErrorCode("land.not_lienholder", Unauthorized, "only the lien's lender can release it")
NOT_LENDER = ErrorCode("land.not_lender", Unauthorized, "the lender of a new lien does not hold the role `lender`")
UNKNOWN_ASSET = ErrorCode("land.unknown_asset", NotFound, "the asset a lien is denominated in does not exist")
BAD_AREA_TOTAL = ErrorCode(
    "land.bad_area_total",
    Conflict,
    "the parts of a split do not add up to the parcel's area, or a merged area above 10^15 m²",
)
DISTRICT_MISMATCH = ErrorCode("land.district_mismatch", Conflict, "parcels merged together lie in different districts")
OWNERS_MISMATCH = ErrorCode("land.owners_mismatch", Conflict, "parcels merged together have different owners or shares")
UNKNOWN_POLICY = ErrorCode("land.unknown_policy", NotFound, "no oracle policy for this claim name")
NOT_ORACLE = ErrorCode(
    "land.not_oracle",
    Unauthorized,
    "the attester, or a member of a new policy, is not an oracle of the policy holding the role `oracle`",
)
ALREADY_ATTESTED = ErrorCode(
    "land.already_attested",
    Conflict,
    "the oracle already attested this claim for this subject: another value, or its identical attestation re-sent"
    " when a recount does not settle the claim",
)
CLAIM_SETTLED = ErrorCode("land.claim_settled", Conflict, "the claim is already settled for this subject")
RIGHTS_EXIST = ErrorCode(
    "land.revenue_rights_exist",
    Conflict,
    "the parcel's revenue rights were issued before, or they block a split or merge",
)
NO_RIGHTS = ErrorCode("land.no_revenue_rights", NotFound, "a distribution for a parcel without revenue rights")
BAD_PAYMENT_ASSET = ErrorCode(
    "land.bad_payment_asset",
    Conflict,
    "revenue paid in a revenue-rights asset (the parcel's own or another parcel's)",
)
NO_HOLDERS = ErrorCode(
    "land.no_rights_holders", Conflict, "every revenue right of the parcel was burned: nobody to pay"
)
