"""Encrypted ballots: per-option 0/1 ciphertexts with proofs, their canonical JSON, and the tally.

A question has ``n`` options; a voter selects each option or not (0/1), between ``min_selections``
and ``max_selections`` options, and, for a weighted (budget) question, with ``Σ wᵢ·xᵢ`` between
``weight_min`` and ``weight_max``. Every proof is bound to the caller's context (chain id, election,
voter) and to its place in the ballot (``q<i>/o<j>``, ``q<i>/limit``, ``q<i>/weight``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from metrobloc.codec import canonical_json
from metrobloc.crypto.elgamal.ciphertext import ZERO, Ciphertext, encrypt, sum_ciphertexts
from metrobloc.crypto.elgamal.group import ElGamalError, Point, Scalar
from metrobloc.crypto.elgamal.proofs import (
    OneOfProof,
    RangeProof,
    prove_one_of,
    prove_range,
    range_sides,
    verify_one_of,
    verify_range,
)

MAX_OPTIONS = 64
MAX_WEIGHT_BITS = 48
BINARY = (0, 1)


def ballot_context(chain_id: str, election: str, voter: str) -> bytes:
    """The context every proof of a ballot is bound to: JCS of ``{chain_id, election, voter}``."""
    return canonical_json({"chain_id": chain_id, "election": election, "voter": voter})


@dataclass(frozen=True, slots=True)
class Question:
    """The public shape of one question, fixed when the election is created."""

    options: int
    """Number of options (1..64)."""
    min_selections: int = 0
    """Fewest options a voter must select."""
    max_selections: int = 1
    """Most options a voter may select."""
    weights: tuple[int, ...] | None = None
    """Per-option weight (a project's cost) for a budget question, else None."""
    weight_min: int = 0
    """Least total weight of the selected options (budget questions)."""
    weight_max: int = 0
    """Greatest total weight of the selected options (budget questions)."""

    def __post_init__(self) -> None:
        if not 1 <= self.options <= MAX_OPTIONS or not 0 <= self.min_selections <= self.max_selections <= self.options:
            raise ElGamalError("question needs 1..64 options and 0 <= min <= max <= options", "elgamal.bad_question")
        if self.weights is not None:
            if len(self.weights) != self.options or any(not 0 <= w < 1 << MAX_WEIGHT_BITS for w in self.weights):
                raise ElGamalError("question needs one weight in [0, 2^48) per option", "elgamal.bad_question")
            if not 0 <= self.weight_min <= self.weight_max or (self.weight_max - self.weight_min) >> MAX_WEIGHT_BITS:
                raise ElGamalError("question needs 0 <= weight_min <= weight_max < 2^48", "elgamal.bad_question")

    def to_json(self) -> dict[str, object]:
        """``{options, min_selections, max_selections}`` plus ``weights, weight_min, weight_max`` if weighted."""
        out: dict[str, object] = {
            "options": self.options,
            "min_selections": self.min_selections,
            "max_selections": self.max_selections,
        }
        if self.weights is not None:
            out.update(weights=list(self.weights), weight_min=self.weight_min, weight_max=self.weight_max)
        return out

    @staticmethod
    def from_json(value: object) -> Question:
        """Parse ``to_json``'s form; unknown fields, non-integers and impossible limits raise ``ElGamalError``."""
        plain = {"options", "min_selections", "max_selections"}
        if not isinstance(value, dict) or set(value) not in (plain, plain | {"weights", "weight_min", "weight_max"}):
            raise ElGamalError(f"question must have the fields {sorted(plain)} (and weights)", "elgamal.bad_question")
        ints = [value[k] for k in sorted(set(value) - {"weights"})]
        weights = value.get("weights")
        if weights is not None and not isinstance(weights, list):
            raise ElGamalError("weights must be a list of integers", "elgamal.bad_question")
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in ints + (weights or [])):
            raise ElGamalError("question limits and weights must be integers", "elgamal.bad_question")
        return Question(
            options=value["options"],
            min_selections=value["min_selections"],
            max_selections=value["max_selections"],
            weights=None if weights is None else tuple(weights),
            weight_min=value.get("weight_min", 0),
            weight_max=value.get("weight_max", 0),
        )

    def weight_sides(self) -> tuple[int, int]:
        """Bit rows of the weight proof's low and high sides (spec section 4.4 with ``known_max = Σ weights``)."""
        assert self.weights is not None, "only a weighted question has a weight proof"
        return range_sides(self.weight_min, self.weight_max, sum(self.weights))

    def limit_values(self) -> tuple[int, ...]:
        """The admissible numbers of selected options."""
        return tuple(range(self.min_selections, self.max_selections + 1))


@dataclass(frozen=True, slots=True)
class EncryptedAnswer:
    """One question's encrypted selections and their proofs."""

    selections: tuple[Ciphertext, ...]
    """One ciphertext of 0 or 1 per option."""
    selection_proofs: tuple[OneOfProof, ...]
    """Per option: the ciphertext encrypts 0 or 1."""
    limit_proof: OneOfProof
    """The sum of the selections is one of ``min_selections..max_selections``."""
    weight_proof: RangeProof | None
    """For a weighted question: ``Σ wᵢ·xᵢ`` lies in ``[weight_min, weight_max]``."""


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    """A voter's encrypted answers, one per question, in the election's order."""

    answers: tuple[EncryptedAnswer, ...]

    def to_json(self) -> list[dict[str, object]]:
        """The canonical JSON form: per question ``{"s": [[α, β, c0, z0, c1, z1], ...], "l": [...], "w"?}``."""
        out: list[dict[str, object]] = []
        for a in self.answers:
            item: dict[str, object] = {
                "s": [c.to_json() + p.to_json() for c, p in zip(a.selections, a.selection_proofs, strict=True)],
                "l": a.limit_proof.to_json(),
            }
            if a.weight_proof is not None:
                item["w"] = a.weight_proof.to_json()
            out.append(item)
        return out

    @staticmethod
    def from_json(value: object, questions: Sequence[Question]) -> EncryptedBallot:
        """Parse the JSON form against the election's questions; a wrong shape raises ``ElGamalError``."""
        if not isinstance(value, list) or len(value) != len(questions):
            raise ElGamalError("ballot must have one answer per question", "elgamal.bad_ballot")
        return EncryptedBallot(tuple(_answer_from_json(v, q) for v, q in zip(value, questions, strict=True)))


def _answer_from_json(value: object, q: Question) -> EncryptedAnswer:
    keys = {"s", "l", "w"} if q.weights is not None else {"s", "l"}
    if not isinstance(value, dict) or set(value) != keys:
        raise ElGamalError(f"answer must have the fields {sorted(keys)}", "elgamal.bad_ballot")
    rows = value["s"]
    if not isinstance(rows, list) or len(rows) != q.options or not all(isinstance(r, list) for r in rows):
        raise ElGamalError("answer must have one selection per option", "elgamal.bad_ballot")
    weight = RangeProof.from_json(value["w"], *q.weight_sides()) if "w" in value else None
    return EncryptedAnswer(
        selections=tuple(Ciphertext.from_json(r[:2]) for r in rows),
        selection_proofs=tuple(OneOfProof.from_json(r[2:], 2) for r in rows),
        limit_proof=OneOfProof.from_json(value["l"], len(q.limit_values())),
        weight_proof=weight,
    )


def check_selections(questions: Sequence[Question], selections: Sequence[Sequence[int]]) -> None:
    """Refuse plaintext choices the proofs could not cover (wrong shape, not 0/1, over a limit)."""
    if len(selections) != len(questions):
        raise ElGamalError("one answer per question is needed", "elgamal.bad_selection")
    for q, sel in zip(questions, selections, strict=True):
        if len(sel) != q.options or any(x not in BINARY for x in sel):
            raise ElGamalError("each option is selected (1) or not (0)", "elgamal.bad_selection")
        if not q.min_selections <= sum(sel) <= q.max_selections:
            raise ElGamalError("number of selections is outside the question's limits", "elgamal.bad_selection")
        if q.weights is not None and not q.weight_min <= _weighted(q.weights, sel) <= q.weight_max:
            raise ElGamalError("selected weight is outside the question's range", "elgamal.bad_selection")


def _weighted(weights: Sequence[int], values: Sequence[int]) -> int:
    return sum(w * x for w, x in zip(weights, values, strict=True))


def encrypt_ballot(
    public_key: Point, questions: Sequence[Question], selections: Sequence[Sequence[int]], context: bytes
) -> EncryptedBallot:
    """Encrypt a voter's 0/1 selections under the election key, with every proof bound to ``context``."""
    check_selections(questions, selections)
    answers = []
    for i, (q, sel) in enumerate(zip(questions, selections, strict=True)):
        rs = [Scalar.random() for _ in sel]
        cts = tuple(encrypt(public_key, x, r) for x, r in zip(sel, rs, strict=True))
        proofs = tuple(
            prove_one_of(public_key, ct, x, r, BINARY, context, f"q{i}/o{j}".encode())
            for j, (ct, x, r) in enumerate(zip(cts, sel, rs, strict=True))
        )
        limit = prove_one_of(
            public_key,
            sum_ciphertexts(cts),
            sum(sel),
            sum(rs, Scalar(0)),
            q.limit_values(),
            context,
            f"q{i}/limit".encode(),
        )
        weight = None
        if q.weights is not None:
            r_w = sum((r * Scalar.of(w) for r, w in zip(rs, q.weights, strict=True)), Scalar(0))
            weight = prove_range(
                public_key, _weighted_sum(cts, q.weights), _weighted(q.weights, sel), r_w,
                q.weight_min, q.weight_max, context, f"q{i}/weight".encode(), known_max=sum(q.weights),
            )  # fmt: skip
        answers.append(EncryptedAnswer(cts, proofs, limit, weight))
    return EncryptedBallot(tuple(answers))


def _weighted_sum(cts: Sequence[Ciphertext], weights: Sequence[int]) -> Ciphertext:
    return sum_ciphertexts([c.scale(w) for c, w in zip(cts, weights, strict=True) if w])


def verify_ballot(public_key: Point, questions: Sequence[Question], ballot: EncryptedBallot, context: bytes) -> None:
    """Check every proof of ``ballot`` against the election key, questions and ``context``; raise on failure.

    Codes: ``elgamal.bad_ballot`` (shape), ``elgamal.bad_selection_proof`` (an option is not 0/1),
    ``elgamal.bad_limit_proof`` (selection count), ``elgamal.bad_weight_proof`` (weighted range).
    """
    if len(ballot.answers) != len(questions):
        raise ElGamalError("ballot must have one answer per question", "elgamal.bad_ballot")
    for i, (q, a) in enumerate(zip(questions, ballot.answers, strict=True)):
        if len(a.selections) != q.options or len(a.selection_proofs) != q.options:
            raise ElGamalError(f"question {i} needs {q.options} selections", "elgamal.bad_ballot")
        if (a.weight_proof is None) != (q.weights is None):
            raise ElGamalError(f"question {i}: weight proof present iff the question is weighted", "elgamal.bad_ballot")
        for j, (ct, proof) in enumerate(zip(a.selections, a.selection_proofs, strict=True)):
            if not verify_one_of(public_key, ct, BINARY, proof, context, f"q{i}/o{j}".encode()):
                raise ElGamalError(f"question {i} option {j}: not a proof of 0 or 1", "elgamal.bad_selection_proof")
        total = sum_ciphertexts(a.selections)
        if not verify_one_of(public_key, total, q.limit_values(), a.limit_proof, context, f"q{i}/limit".encode()):
            raise ElGamalError(f"question {i}: selection count outside the limits", "elgamal.bad_limit_proof")
        if q.weights is not None and a.weight_proof is not None:
            weighted = _weighted_sum(a.selections, q.weights)
            label = f"q{i}/weight".encode()
            bound = sum(q.weights)  # the rows are proven 0/1 above, so 0 <= W <= Σ weights
            if not verify_range(
                public_key, weighted, q.weight_min, q.weight_max, a.weight_proof, context, label, bound
            ):
                raise ElGamalError(f"question {i}: selected weight outside the range", "elgamal.bad_weight_proof")


Tally = tuple[tuple[Ciphertext, ...], ...]
"""The running encrypted total: per question, per option, the sum of the cast selections."""


def empty_tally(questions: Sequence[Question]) -> Tally:
    """The tally of no ballots (every entry the trivial encryption of 0)."""
    return tuple((ZERO,) * q.options for q in questions)


def add_ballot(tally: Tally, ballot: EncryptedBallot) -> Tally:
    """The tally with ``ballot`` counted (the ballot must already be verified)."""
    return tuple(
        tuple(t + c for t, c in zip(row, a.selections, strict=True))
        for row, a in zip(tally, ballot.answers, strict=True)
    )


def subtract_ballot(tally: Tally, ballot: EncryptedBallot) -> Tally:
    """The tally without ``ballot`` (a re-vote replaces the voter's previous ballot: subtract, then add)."""
    return tuple(
        tuple(t - c for t, c in zip(row, a.selections, strict=True))
        for row, a in zip(tally, ballot.answers, strict=True)
    )


def tally_to_json(tally: Tally) -> list[list[list[str]]]:
    """Per question, per option, ``[α, β]``."""
    return [[c.to_json() for c in row] for row in tally]


def tally_from_json(value: object, questions: Sequence[Question]) -> Tally:
    """Parse a tally of the election's shape."""
    if not isinstance(value, list) or len(value) != len(questions):
        raise ElGamalError("tally must have one row per question", "elgamal.bad_tally")
    rows = []
    for row, q in zip(value, questions, strict=True):
        if not isinstance(row, list) or len(row) != q.options:
            raise ElGamalError("tally row must have one ciphertext per option", "elgamal.bad_tally")
        rows.append(tuple(Ciphertext.from_json(c) for c in row))
    return tuple(rows)


def flatten(tally: Tally) -> tuple[Ciphertext, ...]:
    """The tally's ciphertexts in question-then-option order (what guardians decrypt)."""
    return tuple(c for row in tally for c in row)
