"""Re-checking an election from its public record alone (what ``metrobloc ballots verify`` and the portal's
verification steps run): the guardians' commitments and the joint key, every ballot's proofs, the total
as the sum of the current ballots, every decryption share, and the counts against the shares.

Pure: the caller fetches the record (``GET /v1/ballots/{election}``), the ballots
(``.../ballots``) and, to tie each ballot to the chain, the proof bundles of the txs that cast them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import canonical_json_checked
from metrobloc.crypto.elgamal import (
    ElGamalError,
    EncryptedBallot,
    KeyCommitment,
    add_ballot,
    empty_tally,
    joint_public_key,
    public_share,
    tally_to_json,
)
from metrobloc.errors import InvalidInput
from metrobloc.ledger import Receipt
from metrobloc.modules.ballots import group


@dataclass(frozen=True)
class Step:
    """One verification step and its outcome."""

    name: str
    ok: bool
    detail: str


def _keygen(record: Mapping[str, Any], chain_id: str) -> Step:
    rows = record["guardian_records"]
    t = record["threshold"]
    try:
        commitments = []
        for g in rows:
            c = KeyCommitment.from_json({"commitments": g["commitments"], "proofs": g["proofs"]}, t)
            problem = group.check_commitment(g["commitments"], g["proofs"], t, chain_id, record["election"], g["index"])
            if problem is not None:
                return Step("key generation", False, f"guardian {g['index']}: {problem}")
            commitments.append(c)
        if joint_public_key(commitments).to_b64() != record["joint_key"]:
            return Step("key generation", False, "the joint key is not the sum of the guardians' C_i0")
        keys = [public_share(j, commitments).to_b64() for j in range(1, len(rows) + 1)]
        if keys != record["guardian_keys"]:
            return Step("key generation", False, "a guardian's public share does not follow from the commitments")
    except ElGamalError as exc:
        return Step("key generation", False, exc.message)
    return Step("key generation", True, f"{len(rows)} commitments with proofs; joint key = Σ C_i0")


def _ballots(record: Mapping[str, Any], ballots: Sequence[Mapping[str, Any]], chain_id: str) -> Step:
    shapes = record["shapes"]
    for b in ballots:
        if group.digest(canonical_json_checked(b["ballot"])) != b["digest"]:
            return Step("ballot proofs", False, f"{b['voter']}: the ballot does not match its digest")
        try:
            group.check_ballot(b["ballot"], record["joint_key"], shapes, chain_id, record["election"], b["voter"])
        except InvalidInput as exc:
            return Step("ballot proofs", False, f"{b['voter']}: {exc.code}: {exc.message}")
    return Step("ballot proofs", True, f"{len(ballots)} ballots: every 0/1, limit and weight proof verifies")


def _total(record: Mapping[str, Any], ballots: Sequence[Mapping[str, Any]]) -> Step:
    questions = [group.question(s) for s in record["shapes"]]
    tally = empty_tally(questions)
    for b in ballots:
        tally = add_ballot(tally, EncryptedBallot.from_json(b["ballot"], questions))
    if tally_to_json(tally) != record["total"]:
        return Step("total", False, "the total is not the sum of the voters' current ballots")
    if len(ballots) != record["voters"]:
        return Step("total", False, f"{len(ballots)} ballots listed for {record['voters']} voters")
    return Step("total", True, f"the total is the sum of the {len(ballots)} current ballots")


def _shares(record: Mapping[str, Any], chain_id: str) -> Step:
    shared = [g for g in record["guardian_records"] if g["decryption_share"] is not None]
    for g in shared:
        public = record["guardian_keys"][g["index"] - 1]
        problem = group.check_decryption_share(
            g["decryption_share"], record["total"], record["shapes"], public, g["index"], chain_id, record["election"]
        )
        if problem is not None:
            return Step("decryption shares", False, f"guardian {g['index']}: {problem}")
    return Step("decryption shares", True, f"{len(shared)} shares of the final total, every proof verifies")


def _counts(record: Mapping[str, Any]) -> Step:
    counts = record["counts"]
    if counts is None:
        return Step("counts", False, "no result accepted yet")
    shared = [g["decryption_share"] for g in record["guardian_records"] if g["decryption_share"] is not None]
    chosen = shared[: record["threshold"]]
    if len(chosen) < record["threshold"] or not group.check_counts(counts, record["total"], record["shapes"], chosen):
        return Step("counts", False, "counts·G != B - Σ λ_i·D_i")
    return Step("counts", True, f"counts·G = B - Σ λ_i·D_i for {sum(len(c) for c in counts)} options: {counts}")


def audit(record: Mapping[str, Any], ballots: Sequence[Mapping[str, Any]], chain_id: str) -> list[Step]:
    """Every step of the election's verification, in order, from its record and current ballots."""
    if record["joint_key"] is None:
        return [Step("key generation", False, f"no joint key (status {record['status']})")]
    steps = [_keygen(record, chain_id), _ballots(record, ballots, chain_id), _total(record, ballots)]
    if record["status"] in ("closed", "decided"):
        steps.append(_shares(record, chain_id))
        steps.append(_counts(record))
    return steps


def cast_receipt(receipt: Receipt, election: str, ballot: Mapping[str, Any]) -> str | None:
    """None when ``receipt`` (from a verified proof bundle) is an ok cast of ``ballot`` in ``election``."""
    if receipt.tx_hash != ballot["tx_hash"] or receipt.status != "ok":
        return f"{ballot['voter']}: the receipt of {ballot['tx_hash']} is not an ok cast"
    wanted = {"election": election, "voter": ballot["voter"], "ballot_digest": ballot["digest"]}
    for event in receipt.events:
        attrs = dict(event.attributes)
        if event.type == "ballots/cast" and all(attrs.get(k) == v for k, v in wanted.items()):
            return None
    return f"{ballot['voter']}: the chain's receipt does not name this ballot's digest"
