"""Time bank: accredited time banks, their members (residents whose residency credential the bank
checked off the ledger), offers and requests, and services recorded when provider and receiver both
sign, in integer minutes 1:1, cleared between banks. Minutes are not money: nothing converts them."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.timebank import errors
from metrobloc.modules.timebank.handlers import ACCREDITATION, TimebankHandlers
from metrobloc.modules.timebank.keeper import TimebankKeeper
from metrobloc.modules.timebank.msgs import MESSAGES

KEEPER = TimebankKeeper()

MODULE = Module(
    name="timebank",
    doc="Accredited time banks, members, offers and requests, co-signed services in minutes, inter-bank clearing.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda identity, accounts: TimebankHandlers(KEEPER, identity, accounts),
    needs={"identity": "identity", "accounts": "accounts"},
    keeper=KEEPER,
    events=(
        EventSpec("timebank/register_bank", ("bank", "registered_by"), "A time bank was registered."),
        EventSpec(
            "timebank/admit", ("bank", "member", "starter_minutes"), "A member was admitted with starter minutes."
        ),
        EventSpec("timebank/offer", ("bank", "listing_id", "author"), "A member offered a service."),
        EventSpec("timebank/request", ("bank", "listing_id", "author"), "A member asked for a service."),
        EventSpec("timebank/close_listing", ("bank", "listing_id"), "An offer or request was closed."),
        EventSpec(
            "timebank/record_service",
            ("service", "provider", "receiver", "minutes", "provider_bank", "receiver_bank"),
            "A service was recorded: the provider gained the minutes, the receiver gave them.",
        ),
    ),
    errors=error_codes(vars(errors)),
    queries=(
        QuerySpec("banks", "/v1/timebank/banks", "The registry of time banks."),
        QuerySpec("bank", "/v1/timebank/banks/{bank}", "A bank, its book and its clearing positions."),
        QuerySpec("members", "/v1/timebank/banks/{bank}/members", "A bank's members and their balances."),
        QuerySpec(
            "listings",
            "/v1/timebank/banks/{bank}/listings",
            "A bank's offers and requests.",
            options=(("kind", "offer or request"), ("open", "true: open listings only")),
        ),
        QuerySpec("clearing", "/v1/timebank/banks/{bank}/clearing", "A bank's clearing positions with other banks."),
        QuerySpec("member", "/v1/timebank/members/{address}", "An account's minutes per bank (what a wallet shows)."),
        QuerySpec(
            "history",
            "/v1/timebank/members/{address}/history",
            "An account's entries at its banks, newest first.",
            options=(("bank", "one bank only"),),
        ),
        QuerySpec("service", "/v1/timebank/services/{service}", "A recorded service."),
    ),
)

__all__ = ["ACCREDITATION", "KEEPER", "MODULE", "TimebankKeeper"]
