"""Secret ballots: exponential ElGamal over ristretto255 with a threshold key generated on chain by the
election's guardians; ballots cast with proofs checked at admission, a running encrypted total where a
re-vote replaces the voter's previous ballot, decryption shares of the final total only, and a result
checked on chain against them (docs/spec/ballots.md)."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.ballots import client, errors
from metrobloc.modules.ballots.handlers import BallotsHandlers
from metrobloc.modules.ballots.keeper import BallotsKeeper, CastBallot, Election, Guardian
from metrobloc.modules.ballots.msgs import MESSAGES

KEEPER = BallotsKeeper()

MODULE = Module(
    name="ballots",
    doc="Secret ballots: threshold keys by guardians, encrypted ballots with proofs, a tally anyone can verify.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda census: BallotsHandlers(KEEPER, census),
    needs={"census": "identity"},
    keeper=KEEPER,
    events=(
        EventSpec(
            "ballots/create",
            ("election", "created_by", "guardians", "threshold", "cast_start_ms", "cast_end_ms"),
            "An election was created; its guardians' key generation opened.",
        ),
        EventSpec("ballots/commit", ("election", "guardian", "index"), "A guardian committed to its polynomial."),
        EventSpec("ballots/deal", ("election", "guardian", "shares"), "A guardian sealed its shares to the others."),
        EventSpec("ballots/ack", ("election", "guardian", "dealer"), "A guardian acknowledged a dealer's share."),
        EventSpec("ballots/key", ("election", "joint_key"), "Every share was acknowledged: the joint key is fixed."),
        EventSpec(
            "ballots/abort", ("election", "reason"), "The election ended without a result (a complaint, or no key)."
        ),
        EventSpec(
            "ballots/cast",
            ("election", "voter", "ballot_digest", "replaced"),
            "A ballot was cast (replaced: how many earlier ballots of the voter it replaces).",
        ),
        EventSpec(
            "ballots/close",
            ("election", "voters", "total_digest"),
            "Casting was closed: the final total (its SHA-256 of JCS) is what guardians decrypt.",
        ),
        EventSpec(
            "ballots/decryption_share",
            ("election", "guardian", "index"),
            "A guardian's decryption share of the final total was accepted.",
        ),
        EventSpec(
            "ballots/result",
            ("election", "counts", "guardians"),
            "The counts were checked against the shares of the listed guardians (indexes) and accepted.",
        ),
    ),
    errors=error_codes(vars(errors)),
    queries=(
        QuerySpec(
            "list",
            "/v1/ballots",
            "Every election, by id (paged).",
            (("cursor", "Cursor: the next of the previous page."), ("limit", "Page size, 1..100.")),
        ),
        QuerySpec(
            "election",
            "/v1/ballots/{election}",
            "An election with its record: guardians' key generation, final total, decryption shares, result.",
        ),
        QuerySpec(
            "ballots",
            "/v1/ballots/{election}/ballots",
            "The current ballot of every voter, with its proofs and the tx that cast it (paged).",
            (("cursor", "Cursor: the next of the previous page."), ("limit", "Page size, 1..100.")),
        ),
    ),
    sdk_helpers={"vote": client.vote},
)

__all__ = ["KEEPER", "MODULE", "BallotsKeeper", "CastBallot", "Election", "Guardian"]
