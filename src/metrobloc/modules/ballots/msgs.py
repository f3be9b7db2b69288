"""Messages of the ballots module, each declared once (the parser, SDK, CLI and spec come from here).

Who may send what (README "Messages"): ``create`` anyone (an org's treasury by proposal, a module's
authority); ``commit``, ``deal``, ``ack``, ``complain`` and ``decryption_share`` a guardian of the
election; ``cast`` a voter of the census; ``close`` and ``result`` anyone.

``cast`` carries what its proofs were made for (chain, election, voter, joint key, question shapes), so
that its proofs are checked here, statelessly, in the node's admission workers; the handler then only
compares those with the stored election.
"""

from __future__ import annotations

import re
import threading
from typing import Annotated, Any

from msgspec import Meta

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, Message, Record, Text, field
from metrobloc.modules.ballots import errors, group

MAX_GUARDIANS = 16
MAX_ISSUERS = 16
MAX_QUESTIONS = 8
MAX_OPTIONS = 32
MAX_WEIGHT = 2**40
"""The largest option weight and weight bound (a budget in whole units; JSON integers stay exact)."""
MAX_COUNT = 2**40
MAX_TIME_MS = 2**53 - 1
MAX_QUESTION_CHARS = 500


class ElectionId(Text):
    """An election id: a lower-case letter, then 2 to 47 lower-case letters, digits and -."""

    pattern = re.compile(r"^[a-z][a-z0-9-]{2,47}$")
    code = "ballots.bad_election"
    example = "district-4-budget-2027"


class OptionId(Text):
    """An option id, unique within its question: lower-case letters, digits, _ and -, 1 to 32 characters."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
    code = "ballots.bad_option_id"
    example = "playground"


class Point(Text):
    """A ristretto255 element or scalar: 32 bytes in unpadded base64url (43 characters)."""

    pattern = re.compile(r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")
    code = "ballots.bad_point"
    example = "4uvf6LY-QoCMiYm7cakwfcE3ukMPlFMLe6nPWnIrKys"


class CredentialType(Text):
    """A credential type (the identity module's): an upper-case letter, then letters and digits."""

    pattern = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
    code = "ballots.bad_census"
    example = "ResidencyCredential"


class Digest(Text):
    """A SHA-256 digest in lower-case hex."""

    pattern = re.compile(r"^[0-9a-f]{64}$")
    code = "ballots.bad_digest"
    example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class ChainId(Text):
    """A chain id (the tx's ``chain_id``): what a ballot's proofs are bound to."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
    code = "ballots.bad_ballot"
    example = "metrobloc-dev"


TimeMs = Annotated[int, Meta(ge=0, le=MAX_TIME_MS)]
Weight = Annotated[int, Meta(ge=0, le=MAX_WEIGHT)]


class Census(Record, frozen=True):
    """Who may vote: holders of a credential type from one of the listed (accredited) issuers."""

    credential_type: Annotated[CredentialType, field("The credential type, e.g. ResidencyCredential.")]
    issuers: Annotated[
        tuple[Address, ...],
        Meta(min_length=1, max_length=MAX_ISSUERS),
        field("1 to 16 distinct issuers whose credentials count.", code=errors.BAD_CENSUS),
    ]


class Option(Record, frozen=True):
    """An answer a voter may select; ``weight`` (a project's cost) counts against a weight range."""

    id: Annotated[OptionId, field("The option's id within its question.")]
    weight: Annotated[Weight | None, field("Its weight (a cost), 0..2^40, or null.", code=errors.BAD_QUESTIONS)] = None


class Question(Record, frozen=True):
    """A question: its options, how many a voter selects, and for a budget ballot the weight range."""

    question: Annotated[
        str, Meta(min_length=1, max_length=MAX_QUESTION_CHARS), field("Its text.", code=errors.BAD_QUESTIONS)
    ]
    options: Annotated[
        tuple[Option, ...],
        Meta(min_length=1, max_length=MAX_OPTIONS),
        field("1 to 32 options with distinct ids.", code=errors.BAD_QUESTIONS),
    ]
    min_selections: Annotated[
        int, Meta(ge=0, le=MAX_OPTIONS), field("The fewest options a ballot selects.", code=errors.BAD_QUESTIONS)
    ]
    max_selections: Annotated[
        int, Meta(ge=0, le=MAX_OPTIONS), field("The most options a ballot selects.", code=errors.BAD_QUESTIONS)
    ]
    weight_min: Annotated[
        Weight | None, field("The least total weight selected (needs weights), or null.", code=errors.BAD_QUESTIONS)
    ] = None
    weight_max: Annotated[
        Weight | None, field("The most total weight selected (the budget), or null.", code=errors.BAD_QUESTIONS)
    ] = None

    def shape(self) -> Shape:
        """What the ballot's proofs depend on; weights only for a question with a weight range."""
        ranged = self.weight_min is not None
        return Shape(
            options=len(self.options),
            min_selections=self.min_selections,
            max_selections=self.max_selections,
            weights=tuple(o.weight or 0 for o in self.options) if ranged else None,
            weight_min=self.weight_min,
            weight_max=self.weight_max,
        )


class Shape(Record, frozen=True):
    """What a ballot's proofs depend on in a question: its option count, selection limits and weights."""

    options: Annotated[int, Meta(ge=1, le=MAX_OPTIONS), field("How many options.", code=errors.BAD_BALLOT)]
    min_selections: Annotated[int, Meta(ge=0, le=MAX_OPTIONS), field("Fewest selections.", code=errors.BAD_BALLOT)]
    max_selections: Annotated[int, Meta(ge=0, le=MAX_OPTIONS), field("Most selections.", code=errors.BAD_BALLOT)]
    weights: Annotated[
        tuple[Weight, ...] | None,
        field("The options' weights (a question with a weight range), or null.", code=errors.BAD_BALLOT),
    ] = None
    weight_min: Annotated[Weight | None, field("Least weight, or null.", code=errors.BAD_BALLOT)] = None
    weight_max: Annotated[Weight | None, field("Most weight, or null.", code=errors.BAD_BALLOT)] = None

    def __post_init__(self) -> None:
        if self.weights is not None and len(self.weights) != self.options:
            raise InvalidInput("shapes: one weight per option", errors.BAD_BALLOT)


def _check_question(i: int, q: Question) -> None:
    ids = [o.id for o in q.options]
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"questions[{i}]: an option id is listed twice", errors.BAD_QUESTIONS)
    if not q.min_selections <= q.max_selections <= len(q.options):
        raise InvalidInput(
            f"questions[{i}]: need 0 <= min_selections <= max_selections <= {len(q.options)}", errors.BAD_QUESTIONS
        )
    weighted = [o.weight is not None for o in q.options]
    if any(weighted) and not all(weighted):
        raise InvalidInput(f"questions[{i}]: weights on every option or on none", errors.BAD_QUESTIONS)
    ranged = (q.weight_min is not None, q.weight_max is not None)
    if any(ranged) and not (all(ranged) and all(weighted)):
        raise InvalidInput(
            f"questions[{i}]: a weight range gives weight_min and weight_max, and weights on every option",
            errors.BAD_QUESTIONS,
        )
    if q.weight_min is not None and q.weight_max is not None and q.weight_min > q.weight_max:
        raise InvalidInput(f"questions[{i}]: weight_min > weight_max", errors.BAD_QUESTIONS)


def default_threshold(guardians: int) -> int:
    """A majority of the guardians, floor(n/2)+1: no minority can decrypt, any majority can."""
    return guardians // 2 + 1


class Create(Message, tag="ballots/create", frozen=True):
    """Create a secret-ballot election: census, guardians and threshold, questions, and its phases in chain time."""

    election: Annotated[ElectionId, field("The election's id (first come, first served).")]
    census: Annotated[Census, field("Who may vote (JSON object).", code=errors.BAD_CENSUS)]
    guardians: Annotated[
        tuple[Address, ...],
        Meta(min_length=1, max_length=MAX_GUARDIANS),
        field(
            "1 to 16 distinct guardians (agencies) who generate the key and decrypt.",
            code=errors.BAD_GUARDIANS,
            cli="guardian",
        ),
    ]
    questions: Annotated[
        tuple[Question, ...],
        Meta(min_length=1, max_length=MAX_QUESTIONS),
        field("1 to 8 questions (JSON objects).", code=errors.BAD_QUESTIONS, cli="question"),
    ]
    keygen_end_ms: Annotated[TimeMs, field("Key generation must be done before this time.", code=errors.BAD_WINDOW)]
    cast_start_ms: Annotated[TimeMs, field("Casting opens at this time.", code=errors.BAD_WINDOW)]
    cast_end_ms: Annotated[TimeMs, field("Casting closes at this time.", code=errors.BAD_WINDOW)]
    threshold: Annotated[
        Annotated[int, Meta(ge=1, le=MAX_GUARDIANS)] | None,
        field(
            "Guardians needed to decrypt, floor(n/2)+1..n; null: floor(n/2)+1.", code=errors.BAD_THRESHOLD, default=None
        ),
    ] = None
    decrypt_end_ms: Annotated[
        TimeMs | None,
        field(
            "Decryption shares are accepted until this time; null: no deadline.", code=errors.BAD_WINDOW, default=None
        ),
    ] = None

    def __post_init__(self) -> None:
        if len(set(self.guardians)) != len(self.guardians):
            raise InvalidInput("guardians: an address is listed twice", errors.BAD_GUARDIANS)
        if len(set(self.census.issuers)) != len(self.census.issuers):
            raise InvalidInput("census.issuers: an address is listed twice", errors.BAD_CENSUS)
        n = len(self.guardians)
        if self.threshold is not None and not default_threshold(n) <= self.threshold <= n:
            raise InvalidInput(
                f"threshold must be in {default_threshold(n)}..{n} for {n} guardians", errors.BAD_THRESHOLD
            )
        for i, q in enumerate(self.questions):
            _check_question(i, q)
        if not self.keygen_end_ms <= self.cast_start_ms < self.cast_end_ms:
            raise InvalidInput("need keygen_end_ms <= cast_start_ms < cast_end_ms", errors.BAD_WINDOW)
        if self.decrypt_end_ms is not None and self.decrypt_end_ms <= self.cast_end_ms:
            raise InvalidInput("need cast_end_ms < decrypt_end_ms", errors.BAD_WINDOW)

    @property
    def t(self) -> int:
        return self.threshold if self.threshold is not None else default_threshold(len(self.guardians))


class SchnorrProof(Record, frozen=True):
    """A Schnorr proof of knowledge of a coefficient a_k (docs/spec/ballots.md)."""

    challenge: Annotated[Point, field("The challenge c (a scalar).", code=errors.BAD_COMMITMENT)]
    response: Annotated[Point, field("The response z (a scalar).", code=errors.BAD_COMMITMENT)]


class Commit(Message, tag="ballots/commit", frozen=True):
    """A guardian's commitments to its secret polynomial, with proofs of knowledge, and its encryption key."""

    election: Annotated[ElectionId, field("The election.")]
    commitments: Annotated[
        tuple[Point, ...],
        Meta(min_length=1, max_length=MAX_GUARDIANS),
        field(
            "threshold commitments a_k·G to the polynomial's coefficients.",
            code=errors.BAD_COMMITMENT,
            cli="commitment",
        ),
    ]
    proofs: Annotated[
        tuple[SchnorrProof, ...],
        Meta(min_length=1, max_length=MAX_GUARDIANS),
        field("A proof of knowledge of each coefficient (JSON objects).", code=errors.BAD_COMMITMENT, cli="proof"),
    ]
    encryption_key: Annotated[Point, field("The guardian's X25519 key, which its shares are sealed to.")]

    def __post_init__(self) -> None:
        if len(self.proofs) != len(self.commitments):
            raise InvalidInput("proofs: one per commitment", errors.BAD_COMMITMENT)


class SealedShare(Record, frozen=True):
    """A dealer's share of its secret for one other guardian, sealed to that guardian's encryption key."""

    to: Annotated[Address, field("The guardian it is for.")]
    sealed: Annotated[
        str, Meta(min_length=1, max_length=400), field("The sealed box, base64url.", code=errors.BAD_SHARES)
    ]


class Deal(Message, tag="ballots/deal", frozen=True):
    """A guardian's encrypted shares, one for every other guardian (once all have committed)."""

    election: Annotated[ElectionId, field("The election.")]
    shares: Annotated[
        tuple[SealedShare, ...],
        Meta(min_length=0, max_length=MAX_GUARDIANS),
        field("One sealed share per other guardian.", code=errors.BAD_SHARES, cli="share"),
    ]

    def __post_init__(self) -> None:
        to = [s.to for s in self.shares]
        if len(set(to)) != len(to):
            raise InvalidInput("shares: a guardian is named twice", errors.BAD_SHARES)


class Ack(Message, tag="ballots/ack", frozen=True):
    """A guardian says the share a dealer sealed to it matches the dealer's commitments."""

    election: Annotated[ElectionId, field("The election.")]
    dealer: Annotated[Address, field("The guardian whose share it checked.")]


class Complain(Message, tag="ballots/complain", frozen=True):
    """A guardian says the share a dealer sealed to it does not match the commitments: key generation is aborted."""

    election: Annotated[ElectionId, field("The election.")]
    dealer: Annotated[Address, field("The guardian whose share is wrong.")]
    reason_digest: Annotated[Digest, field("SHA-256 of the complaint's evidence kept off the ledger.")]


class Cast(Message, tag="ballots/cast", frozen=True):
    """Cast (or replace) one's encrypted ballot, with proofs bound to (chain, election, voter)."""

    election: Annotated[ElectionId, field("The election.")]
    chain_id: Annotated[ChainId, field("The chain the ballot was made for (the tx's).")]
    voter: Annotated[Address, field("The voter: the tx's sender.")]
    joint_key: Annotated[Point, field("The election's joint key the ballot was encrypted to.")]
    shapes: Annotated[
        tuple[Shape, ...],
        Meta(min_length=1, max_length=MAX_QUESTIONS),
        field("The question shapes the ballot was made for, in order.", code=errors.BAD_BALLOT, cli="shape"),
    ]
    binding: Annotated[
        Digest,
        field("SHA-256 of the proofs' context, JCS of {chain_id, election, voter}: what the ballot was made for."),
    ]
    ballot: Annotated[
        tuple[dict[str, Any], ...],
        Meta(min_length=1, max_length=MAX_QUESTIONS),
        field(
            "Per question, the encrypted selections with their proofs (docs/spec/ballots.md).", code=errors.BAD_BALLOT
        ),
    ]

    def __post_init__(self) -> None:
        if self.binding != group.binding(self.chain_id, self.election, self.voter):
            raise InvalidInput(
                "binding: the ballot was made for another chain, election or voter", errors.REPLAYED_PROOF
            )
        if not getattr(_checked, "unpickling", False):
            group.check_ballot(self.ballot, self.joint_key, self.shapes, self.chain_id, self.election, self.voter)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_checked_cast, tuple(getattr(self, f) for f in self.__struct_fields__))


_checked = threading.local()


def _checked_cast(*values: Any) -> Cast:
    """A cast as a node's check worker sends it back, pickled, after its proofs verified: rebuilt without
    verifying them again. Unpickling re-runs ``__post_init__``, and did the whole check a second time in
    the node's own process (a third of its CPU per cast, ``bench/bench_ballots_node.py``). Pickles only
    ever come from the node's own workers; every other way in (JSON) checks."""
    _checked.unpickling = True
    try:
        return Cast(*values)
    finally:
        _checked.unpickling = False


class Close(Message, tag="ballots/close", frozen=True):
    """Close casting (anyone, from cast_end_ms): the running total becomes the final total to decrypt."""

    election: Annotated[ElectionId, field("The election.")]


class DecryptionShare(Message, tag="ballots/decryption_share", frozen=True):
    """A guardian's partial decryption of the final total, with a proof per option."""

    election: Annotated[ElectionId, field("The election.")]
    share: Annotated[
        dict[str, Any],
        field(
            "{guardian, shares, proofs}: s·α of every ciphertext of the final total (question, then option order) "
            "with a Chaum-Pedersen proof each.",
            code=errors.BAD_DECRYPTION_SHARE,
        ),
    ]


class Result(Message, tag="ballots/result", frozen=True):
    """Publish the counts (anyone, once threshold guardians shared): checked on chain against the shares."""

    election: Annotated[ElectionId, field("The election.")]
    counts: Annotated[
        tuple[Annotated[int, Meta(ge=0, le=MAX_COUNT)], ...],
        Meta(min_length=1, max_length=MAX_QUESTIONS * MAX_OPTIONS),
        field("The count of every option, question after question, in order.", code=errors.BAD_COUNTS, cli="count"),
    ]


MESSAGES = (Create, Commit, Deal, Ack, Complain, Cast, Close, DecryptionShare, Result)
