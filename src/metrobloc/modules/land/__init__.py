"""Land registry: parcels, titles, multi-party transfers, liens, consensus oracles, revenue rights."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.land import errors, genesis
from metrobloc.modules.land.handlers import LandHandlers
from metrobloc.modules.land.keeper import LandKeeper
from metrobloc.modules.land.msgs import MESSAGES, document_digest, registration_digest
from metrobloc.modules.land.parties import LENDER, MODULE_ADDRESS, ORACLE, REGISTRAR

KEEPER = LandKeeper()

_PAGE = (("after", "Cursor: the `next` of the previous page."), ("limit", "Page size, 1..100 (default 100)."))

MODULE = Module(
    name="land",
    doc="Land registry: parcels, transfers, liens, splits and merges, oracles, revenue rights.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda roles, assets: LandHandlers(KEEPER, roles, assets),
    needs={"roles": "accounts", "assets": "assets"},
    keeper=KEEPER,
    events=(
        EventSpec(
            "land/register_parcel",
            ("parcel", "district", "area_m2", "owners", "authority"),
            "A parcel was registered; owners as address:share_bp,...; authority registrar or oracles.",
        ),
        EventSpec(
            "land/transfer",
            ("parcel", "from", "to", "deed_digest", "price_asset", "price_amount"),
            "A title changed hands; owners as address:share_bp,...; the price attributes only when declared.",
        ),
        EventSpec(
            "land/create_lien",
            ("parcel", "lien_id", "lender", "amount", "asset", "rank", "prior_liens"),
            "A lien was registered, ranked after the active liens whose ids prior_liens lists.",
        ),
        EventSpec("land/release_lien", ("parcel", "lien_id", "lender"), "The lienholder released a lien."),
        EventSpec("land/split", ("parcel", "into"), "A parcel was retired into the parcels listed in into."),
        EventSpec("land/merge", ("parcels", "into", "area_m2"), "Parcels were retired into one new parcel."),
        EventSpec(
            "land/set_oracle_policy", ("claim", "oracles", "threshold"), "A claim's oracle policy was set or replaced."
        ),
        EventSpec(
            "land/attest",
            ("claim", "subject", "oracle", "value_digest", "agreeing", "threshold", "disagreement"),
            "An oracle's vote was recorded; agreeing counts the votes for its value that count now.",
        ),
        EventSpec(
            "land/claim_settled",
            ("claim", "subject", "value_digest", "oracles"),
            "A claim settled on a value, with the oracles whose votes counted.",
        ),
        EventSpec(
            "land/issue_revenue_rights",
            ("parcel", "asset", "shares", "holders"),
            "A parcel's revenue rights were issued to its owners; holders as address:amount,...",
        ),
        EventSpec("land/payout", ("parcel", "asset", "to", "amount"), "One holder's part of a revenue distribution."),
        EventSpec(
            "land/distribute",
            ("parcel", "asset", "amount", "rights_asset", "payer", "payees"),
            "Revenue was paid to the holders of a parcel's rights (after its land/payout events).",
        ),
    ),
    errors=error_codes(vars(errors)),
    init_genesis=genesis.init_genesis,
    queries=(
        QuerySpec(
            "parcel", "/v1/land/parcels/{parcel}", "A parcel: owners, liens in rank order, settled claims, lineage."
        ),
        QuerySpec(
            "history",
            "/v1/land/parcels/{parcel}/history",
            "Every event of a parcel with its tx hash, height and proof link.",
            (("after", "Show events after this seq."), ("limit", "Page size, 1..100 (default 100).")),
        ),
        QuerySpec("by-owner", "/v1/land/parcels?owner={address}", "Active parcels ADDRESS owns a share of.", _PAGE),
        QuerySpec("by-district", "/v1/land/parcels?district={district}", "Active parcels of DISTRICT.", _PAGE),
        QuerySpec(
            "liens",
            "/v1/land/liens?lender={lender}",
            "LENDER's active liens, each with every lien ranked before it.",
            _PAGE,
        ),
        QuerySpec("policy", "/v1/land/policies/{claim}", "The oracle policy of CLAIM: its oracles and threshold."),
    ),
    sdk_helpers={"registration_digest": registration_digest, "document_digest": document_digest},
)

__all__ = [
    "KEEPER",
    "LENDER",
    "MODULE",
    "MODULE_ADDRESS",
    "ORACLE",
    "REGISTRAR",
    "LandKeeper",
    "document_digest",
    "registration_digest",
]
