"""The voter's and the guardians' side, off chain, as message builders over ``metrobloc.crypto.elgamal``:
a voter's encrypted ballot (``vote``, also ``sdk.ballots.vote``), a guardian's key generation (commit,
deal sealed shares, check the shares it received), its decryption share of the final total, and the
counts read back by a bounded discrete-log search. Randomness is used here, never on chain.

The election's record (``GET /v1/ballots/{election}``) is the input of every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import nacl.public

from metrobloc.codec import b64url_decode, b64url_encode
from metrobloc.crypto.elgamal import DecryptionShare as Share
from metrobloc.crypto.elgamal import (
    ElGamalError,
    KeyCommitment,
    Point,
    Polynomial,
    Scalar,
    ballot_context,
    combine,
    commit,
    decryption_share,
    discrete_log,
    encrypt_ballot,
    flatten,
    guardian_context,
    open_share,
    seal_share,
    secret_share,
    tally_from_json,
    verify_share,
)
from metrobloc.modules.ballots import group

Selections = Sequence[Sequence[int]]
"""Per question, per option: 1 selected, 0 not."""


def _shape(shape: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("options", "min_selections", "max_selections", "weights", "weight_min", "weight_max")
    return {k: shape.get(k) for k in keys}


def vote(
    chain_id: str,
    election: str,
    voter: str,
    joint_key: str,
    shapes: Sequence[Mapping[str, Any]],
    selections: Selections,
) -> dict[str, Any]:
    """``sdk.ballots.vote``: the ``ballots/cast`` message for ``selections`` (per question, 0/1 per option),
    encrypted to the election's ``joint_key`` with every proof bound to (chain_id, election, voter).
    ``joint_key`` and ``shapes`` come from ``GET /v1/ballots/{election}``."""
    questions = [group.question(s) for s in shapes]
    context = ballot_context(chain_id, election, voter)
    ballot = encrypt_ballot(Point.from_b64(joint_key), questions, selections, context)
    return {
        "type": "ballots/cast",
        "election": election,
        "chain_id": chain_id,
        "voter": voter,
        "joint_key": joint_key,
        "shapes": [_shape(s) for s in shapes],
        "binding": group.binding(chain_id, election, voter),
        "ballot": ballot.to_json(),
    }


@dataclass
class GuardianSecret:
    """What one guardian keeps to itself: its polynomial, its box key, and its secret share once dealt."""

    chain_id: str
    election: str
    index: int
    """Its position in the election's guardians, from 1."""
    polynomial: Polynomial
    box_key: nacl.public.PrivateKey = field(default_factory=nacl.public.PrivateKey.generate)
    share: Scalar | None = None

    @staticmethod
    def new(chain_id: str, election: str, index: int, threshold: int) -> GuardianSecret:
        return GuardianSecret(chain_id, election, index, Polynomial.random(threshold))

    def to_json(self) -> dict[str, Any]:
        """What the guardian keeps in its own safe (never on chain): polynomial, box key, share."""
        return {
            "chain_id": self.chain_id,
            "election": self.election,
            "index": self.index,
            "coefficients": [a.to_b64() for a in self.polynomial.coefficients],
            "box_key": b64url_encode(bytes(self.box_key)),
            "share": None if self.share is None else self.share.to_b64(),
        }

    @staticmethod
    def from_json(rec: Mapping[str, Any]) -> GuardianSecret:
        return GuardianSecret(
            rec["chain_id"],
            rec["election"],
            rec["index"],
            Polynomial(tuple(Scalar.from_b64(a) for a in rec["coefficients"])),
            nacl.public.PrivateKey(b64url_decode(rec["box_key"], length=32)),
            None if rec["share"] is None else Scalar.from_b64(rec["share"]),
        )

    def commit_msg(self) -> dict[str, Any]:
        """``ballots/commit``: a_k·G of every coefficient with its proof of knowledge, and the box key."""
        c = commit(self.polynomial, guardian_context(self.chain_id, self.election, self.index))
        return {
            "type": "ballots/commit",
            "election": self.election,
            "commitments": [p.to_b64() for p in c.commitments],
            "proofs": [{"challenge": p.challenge.to_b64(), "response": p.response.to_b64()} for p in c.proofs],
            "encryption_key": b64url_encode(bytes(self.box_key.public_key)),
        }

    def deal_msg(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """``ballots/deal``: f(j) sealed to every other guardian j's box key."""
        shares = [
            {
                "to": g["address"],
                "sealed": b64url_encode(
                    seal_share(self.polynomial, g["index"], b64url_decode(g["encryption_key"], length=32))
                ),
            }
            for g in record["guardian_records"]
            if g["index"] != self.index
        ]
        return {"type": "ballots/deal", "election": self.election, "shares": shares}

    def receive(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """Open the shares dealt to this guardian and check each against its dealer's commitments:
        (dealers to acknowledge, dealers to complain about). Sets ``share`` when all are good."""
        me = record["guardians"][self.index - 1]
        good: list[str] = []
        bad: list[str] = []
        received = [self.polynomial.evaluate(self.index)]
        for g in record["guardian_records"]:
            if g["index"] == self.index:
                continue
            sealed = next(s["sealed"] for s in g["sealed"] if s["to"] == me)
            commitment = KeyCommitment.from_json(
                {"commitments": g["commitments"], "proofs": g["proofs"]}, record["threshold"]
            )
            try:
                value = open_share(b64url_decode(sealed), self.box_key)
            except ElGamalError:
                bad.append(g["address"])
                continue
            (good if verify_share(value, self.index, commitment) else bad).append(g["address"])
            received.append(value)
        if not bad:
            self.share = secret_share(received)
        return good, bad

    def decryption_share_msg(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """``ballots/decryption_share`` of the election's final total (``record["total"]``)."""
        assert self.share is not None, "a guardian decrypts once every share it received checked out"
        questions = [group.question(s) for s in record["shapes"]]
        cts = flatten(tally_from_json(record["total"], questions))
        context = guardian_context(self.chain_id, self.election, self.index)
        share = decryption_share(self.index, self.share, cts, context)
        return {"type": "ballots/decryption_share", "election": self.election, "share": share.to_json()}


def counts(record: Mapping[str, Any], bound: int | None = None) -> list[list[int]]:
    """The counts of the final total from the first ``threshold`` accepted decryption shares, by a
    discrete-log search up to ``bound`` (default: the number of voters)."""
    shapes = record["shapes"]
    cts = flatten(tally_from_json(record["total"], [group.question(s) for s in shapes]))
    shared = [g for g in record["guardian_records"] if g["decryption_share"] is not None][: record["threshold"]]
    points = combine(cts, [Share.from_json(g["decryption_share"], len(cts)) for g in shared])
    flat = [discrete_log(p, record["voters"] if bound is None else bound) for p in points]
    out, i = [], 0
    for s in shapes:
        out.append(flat[i : i + s["options"]])
        i += s["options"]
    return out
