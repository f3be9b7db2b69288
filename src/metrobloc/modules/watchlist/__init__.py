"""Watch-list: agencies with the role watchlist_authority list and delist subjects (addresses or
salted hashes of off-chain identifiers) with provenance and expiry, in a full public history; other
modules ask the keeper ``is_listed`` (docs/spec/state.md §watchlist)."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.watchlist import errors
from metrobloc.modules.watchlist.handlers import AUTHORITY, WatchlistHandlers
from metrobloc.modules.watchlist.keeper import Listing, WatchlistKeeper
from metrobloc.modules.watchlist.msgs import MESSAGES
from metrobloc.modules.watchlist.subjects import subject_hash

KEEPER = WatchlistKeeper()
LISTED = ("list", "subject", "authority", "reason_code", "expires_ms")

MODULE = Module(
    name="watchlist",
    doc="Shared watch-lists: subjects listed with provenance and expiry, delisted, with a public history.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda accounts: WatchlistHandlers(KEEPER, accounts),
    needs={"accounts": "accounts"},
    keeper=KEEPER,
    events=(
        EventSpec("watchlist/list", LISTED, "A subject was listed."),
        EventSpec("watchlist/amend", LISTED, "A listed subject's listing was amended (it stayed listed)."),
        EventSpec("watchlist/delist", ("list", "subject", "authority", "reason_code"), "A subject was delisted."),
    ),
    errors=error_codes(vars(errors)),
    queries=(
        QuerySpec("lists", "/v1/watchlist", "Every watch-list in use."),
        QuerySpec(
            "entries",
            "/v1/watchlist/{list}/subjects",
            "A list's current entries.",
            (("after", "Cursor: the next of the previous page."), ("limit", "Page size, 1..100.")),
        ),
        QuerySpec(
            "subject",
            "/v1/watchlist/{list}/subjects/{subject}",
            "Is a subject listed: by whom, since when, why, until when.",
            (("at_ms", "Block time (Unix ms): was it in force then?"),),
        ),
        QuerySpec("history", "/v1/watchlist/{list}/subjects/{subject}/history", "Every listing and delisting."),
    ),
    sdk_helpers={"subject_hash": subject_hash},
)

__all__ = ["AUTHORITY", "KEEPER", "MODULE", "Listing", "WatchlistKeeper", "subject_hash"]
