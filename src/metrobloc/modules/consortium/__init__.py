"""The consortium governs itself: the organizations whose node keys certify headers, seeded from the
genesis and changed only by a passed proposal of the consortium org on which at least two thirds of the
members voted yes; a change executed in block h is in force from h + 1 (docs/spec/consortium.md)."""

from metrobloc.execution import EventSpec, Module, error_codes
from metrobloc.modules.consortium import errors
from metrobloc.modules.consortium.handlers import AUTHORITY, ORG, ConsortiumHandlers
from metrobloc.modules.consortium.keeper import ConsortiumKeeper, KeySpan, Seat
from metrobloc.modules.consortium.msgs import MESSAGES, key_signature

KEEPER = ConsortiumKeeper()

_CHANGE = "Every value is a string: seq and effective_height (= height + 1) decimal, keys base64url."

MODULE = Module(
    name="consortium",
    doc="The consortium's organizations and node keys: added, removed or rotated by a two-thirds vote.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda orgs: ConsortiumHandlers(KEEPER, orgs),
    needs={"orgs": "orgs"},
    keeper=KEEPER,
    events=(
        EventSpec("consortium/init", ("org",), "The consortium org was created with the members' voters."),
        EventSpec(
            "consortium/add",
            ("seq", "org", "name", "node_key", "voter", "effective_height"),
            f"An organization and its node key joined. {_CHANGE}",
        ),
        EventSpec(
            "consortium/remove",
            ("seq", "org", "node_key", "effective_height"),
            f"A member left; its node key stops counting at effective_height. {_CHANGE}",
        ),
        EventSpec(
            "consortium/rotate",
            ("seq", "org", "old_key", "node_key", "voter", "effective_height"),
            f"A member's node key was replaced (voter: the new voter, empty when unchanged). {_CHANGE}",
        ),
    ),
    errors=error_codes(vars(errors)),
    sdk_helpers={"key_signature": key_signature},
)

__all__ = ["AUTHORITY", "KEEPER", "MODULE", "ORG", "ConsortiumKeeper", "KeySpan", "Seat"]
