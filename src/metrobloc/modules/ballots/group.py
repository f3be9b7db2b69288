"""The module's one window on the ballot cryptography (``metrobloc.crypto.elgamal``): what the messages'
stateless checks and the handlers verify and compute, over the JSON forms stored on chain, with the
crypto's refusals turned into the module's error codes.

Everything here is deterministic; the voter's and the guardians' side lives in ``client.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from metrobloc.crypto.elgamal import DecryptionShare as Share
from metrobloc.crypto.elgamal import (
    ElGamalError,
    EncryptedBallot,
    KeyCommitment,
    Point,
    Question,
    Tally,
    ballot_context,
    empty_tally,
    flatten,
    guardian_context,
    joint_public_key,
    public_share,
    tally_from_json,
    tally_to_json,
    verify_ballot,
    verify_commitment,
    verify_decryption_share,
    verify_result,
)
from metrobloc.errors import InvalidInput
from metrobloc.modules.ballots import errors

Total = list[list[list[str]]]
"""An encrypted total: per question, per option, ``[α, β]`` in base64url."""

_PROOF_CODES = {
    "elgamal.bad_selection_proof": errors.BAD_OPTION_PROOF,
    "elgamal.bad_limit_proof": errors.BAD_SELECTION_PROOF,
    "elgamal.bad_weight_proof": errors.BAD_WEIGHT_PROOF,
}
"""The crypto's refusals of a ballot, as this module's codes (anything else is ``ballots.bad_ballot``)."""


class ShapeLike(Protocol):
    """A question's shape (``msgs.Shape``, or its stored JSON read as a mapping)."""

    @property
    def options(self) -> int: ...

    @property
    def min_selections(self) -> int: ...

    @property
    def max_selections(self) -> int: ...

    @property
    def weights(self) -> tuple[int, ...] | None: ...

    @property
    def weight_min(self) -> int | None: ...

    @property
    def weight_max(self) -> int | None: ...


def question(shape: ShapeLike | Mapping[str, Any]) -> Question:
    """The crypto's ``Question`` of a shape (a record or its stored JSON)."""

    def get(name: str) -> Any:
        return shape[name] if isinstance(shape, Mapping) else getattr(shape, name)

    weights = get("weights")
    return Question(
        options=get("options"),
        min_selections=get("min_selections"),
        max_selections=get("max_selections"),
        weights=None if weights is None else tuple(weights),
        weight_min=get("weight_min") or 0,
        weight_max=get("weight_max") or 0,
    )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def binding(chain_id: str, election: str, voter: str) -> str:
    """What a cast states its ballot was made for: SHA-256 (hex) of the proofs' context, JCS of
    ``{chain_id, election, voter}``. A ballot copied into another voter's cast shows it was replayed."""
    return digest(ballot_context(chain_id, election, voter))


# -- ballots: the stateless check -------------------------------------------------------------------


def check_ballot(
    ballot: Sequence[Any],
    joint_key: str,
    shapes: Sequence[ShapeLike | Mapping[str, Any]],
    chain_id: str,
    election: str,
    voter: str,
) -> None:
    """Raise ``InvalidInput`` with the module's code unless every proof of ``ballot`` verifies for
    (chain_id, election, voter) under ``joint_key`` and ``shapes``."""
    try:
        questions = [question(s) for s in shapes]
        key = Point.from_b64(joint_key, "joint_key", allow_identity=False)
        parsed = EncryptedBallot.from_json(list(ballot), questions)
        verify_ballot(key, questions, parsed, ballot_context(chain_id, election, voter))
    except ElGamalError as exc:
        raise InvalidInput(f"ballot: {exc.message}", _PROOF_CODES.get(exc.code, errors.BAD_BALLOT)) from exc


# -- the running total (handlers; ballots were checked at admission) --------------------------------


def empty_total(shapes: Sequence[Mapping[str, Any]]) -> Total:
    return tally_to_json(empty_tally([question(s) for s in shapes]))


def replace_ballot(
    total: Total, shapes: Sequence[Mapping[str, Any]], old: Sequence[Any] | None, new: Sequence[Any]
) -> Total:
    """The total with ``old`` (the voter's previous ballot, if any) taken out and ``new`` counted."""
    questions = [question(s) for s in shapes]
    tally = tally_from_json(total, questions)
    if old is not None:
        tally = tuple(
            tuple(t - c for t, c in zip(row, cts, strict=True))
            for row, cts in zip(tally, _selections(old, questions), strict=True)
        )
    tally = tuple(
        tuple(t + c for t, c in zip(row, cts, strict=True))
        for row, cts in zip(tally, _selections(new, questions), strict=True)
    )
    return tally_to_json(tally)


def _selections(ballot: Sequence[Any], questions: Sequence[Question]) -> Tally:
    """A checked ballot's encrypted selections, per question, per option, without parsing its proofs.

    The proofs were verified at admission (``check_ballot``) and the total needs only the ciphertexts:
    parsing the whole ballot again took a fifth of a cast's execution (``bench/bench_ballots_node.py``).
    """
    return tally_from_json([[row[:2] for row in answer["s"]] for answer in ballot], questions)


# -- key generation -----------------------------------------------------------------------------------


def check_commitment(
    commitments: Sequence[str],
    proofs: Sequence[Sequence[str]],
    threshold: int,
    chain_id: str,
    election: str,
    index: int,
) -> str | None:
    """None when the commitments are valid and each proof of knowledge verifies; else what is wrong."""
    try:
        commitment = KeyCommitment.from_json(
            {"commitments": list(commitments), "proofs": [list(p) for p in proofs]}, threshold
        )
        verify_commitment(commitment, threshold, guardian_context(chain_id, election, index))
    except ElGamalError as exc:
        return exc.message
    return None


def _commitments(rows: Sequence[Mapping[str, Any]], threshold: int) -> list[KeyCommitment]:
    return [KeyCommitment.from_json({"commitments": r["commitments"], "proofs": r["proofs"]}, threshold) for r in rows]


def joint_key(rows: Sequence[Mapping[str, Any]], threshold: int) -> str:
    """K = Σ_i C_i0 over every guardian's commitment (``rows``: ``{commitments, proofs}``)."""
    return joint_public_key(_commitments(rows, threshold)).to_b64()


def guardian_keys(rows: Sequence[Mapping[str, Any]], threshold: int) -> list[str]:
    """P_j = s_j·G of every guardian j (1..n), from the commitments alone."""
    commitments = _commitments(rows, threshold)
    return [public_share(j, commitments).to_b64() for j in range(1, len(rows) + 1)]


# -- decryption and result ----------------------------------------------------------------------------


def check_decryption_share(
    share: Mapping[str, Any],
    total: Total,
    shapes: Sequence[Mapping[str, Any]],
    public: str,
    index: int,
    chain_id: str,
    election: str,
) -> str | None:
    """None when ``share`` is guardian ``index``'s share of the whole ``total`` with every proof
    verifying against its public share; else what is wrong."""
    try:
        cts = flatten(tally_from_json(total, [question(s) for s in shapes]))
        parsed = Share.from_json(dict(share), len(cts))
        if parsed.guardian != index:
            return f"the share names guardian {parsed.guardian}; the sender is guardian {index}"
        verify_decryption_share(parsed, Point.from_b64(public), cts, guardian_context(chain_id, election, index))
    except ElGamalError as exc:
        return exc.message
    return None


def check_counts(
    counts: Sequence[Sequence[int]],
    total: Total,
    shapes: Sequence[Mapping[str, Any]],
    shares: Sequence[Mapping[str, Any]],
) -> bool:
    """counts·G == β − Σ λ_i·D_i for every option of every question (shares already verified)."""
    cts = flatten(tally_from_json(total, [question(s) for s in shapes]))
    parsed = [Share.from_json(dict(s), len(cts)) for s in shares]
    return verify_result(cts, parsed, [n for row in counts for n in row])
