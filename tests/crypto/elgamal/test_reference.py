"""The independent checker of tests/elgamal_reference.py (written from docs/spec/ballots.md) agrees
with the library: it accepts an honest election record and rejects one altered ballot, share or count."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import tests.elgamal_reference as ref
from tests.crypto.elgamal.simulate import CHAIN, ELECTION, counts_of, key_ceremony

from metrobloc.codec import b64url_encode
from metrobloc.crypto.elgamal import (
    Point,
    Polynomial,
    Question,
    add_ballot,
    ballot_context,
    commit,
    empty_tally,
    encrypt_ballot,
    flatten,
    public_share,
    verify_result,
)

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "rfc9496" / "ristretto255.json").read_text())

QUESTIONS = [
    Question(4, 0, 2),
    Question(3, 1, 3, weights=(500, 300, 200), weight_min=300, weight_max=800),
    Question(2, 0, 2, weights=(7, 5), weight_min=0, weight_max=10),
]
REF_QUESTIONS: list[dict[str, Any]] = [
    {"options": 4, "min": 0, "max": 2},
    {"options": 3, "min": 1, "max": 3, "weights": [500, 300, 200], "wmin": 300, "wmax": 800},
    {"options": 2, "min": 0, "max": 2, "weights": [7, 5], "wmin": 0, "wmax": 10},
]
VOTES = [[[1, 0, 1, 0], [1, 1, 0], [1, 0]], [[0, 0, 0, 1], [0, 1, 1], [0, 1]], [[0, 1, 1, 0], [1, 0, 0], [0, 0]]]


def flip(text: str, kind: str) -> str:
    """Another canonical encoding: the point plus G, or the scalar plus one."""
    raw = ref.b64(text)
    if kind == "p":
        p = ref.decode(raw)
        assert p is not None
        out = ref.encode(ref.add(p, ref.BASE))
    else:
        out = ((int.from_bytes(raw, "little") + 1) % ref.L).to_bytes(32, "little")
    return b64url_encode(out)


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    """A whole election as the chain would hold it, in JSON."""
    ceremony = key_ceremony(3)
    tally = empty_tally(QUESTIONS)
    ballots = []
    for v, sel in enumerate(VOTES):
        ballot = encrypt_ballot(ceremony.key, QUESTIONS, sel, ballot_context(CHAIN, ELECTION, f"mb1v{v}"))
        ballots.append(ballot.to_json())
        tally = add_ballot(tally, ballot)
    cts = flatten(tally)
    shares = ceremony.decrypt(cts, [1, 3])
    counts = counts_of(cts, shares, len(VOTES))
    assert verify_result(cts, shares, counts)
    commitments = list(ceremony.commitments.values())
    return {
        "key": ceremony.key.to_b64(),
        "commitments": [c.to_json() for c in commitments],
        "public_shares": {j: public_share(j, commitments).to_b64() for j in (1, 2, 3)},
        "secret_shares": {j: ceremony.shares[j].value for j in (1, 2, 3)},
        "ballots": ballots,
        "shares": [s.to_json() for s in shares],
        "counts": counts,
    }


def test_the_reference_group_reproduces_rfc_9496() -> None:
    for k, h in enumerate(VECTORS["multiples_of_generator"]):
        assert ref.encode(ref.mul(k, ref.BASE)).hex() == h
    for group in VECTORS["invalid_encodings"].values():
        assert all(ref.decode(bytes.fromhex(h)) is None for h in group)
    for uniform, expected in VECTORS["from_uniform_bytes"]:
        assert ref.encode(ref.from_uniform_bytes(bytes.fromhex(uniform))).hex() == expected


_BALLOT_VERDICTS: dict[str, bool] = {}


def ballot_ok(key: str, ballot: list[dict[str, Any]], voter: str) -> bool:
    """The reference's verdict on one ballot, remembered so that each altered record re-checks only what changed."""
    memo = json.dumps([key, ballot, voter])
    if memo not in _BALLOT_VERDICTS:
        ctx = ref.ballot_context(CHAIN, ELECTION, voter)
        _BALLOT_VERDICTS[memo] = ref.ballot_ok(key, REF_QUESTIONS, ballot, ctx)
    return _BALLOT_VERDICTS[memo]


def check_record(r: dict[str, Any]) -> bool:
    """Everything `metrobloc ballots verify` re-checks, by the reference alone."""
    for i, c in enumerate(r["commitments"], start=1):
        if not ref.commitment_ok(c, 2, ref.guardian_context(CHAIN, ELECTION, i)):
            return False
    if ref.joint_key(r["commitments"]) != ref.b64(r["key"]):
        return False
    for v, ballot in enumerate(r["ballots"]):
        if not ballot_ok(r["key"], ballot, f"mb1v{v}"):
            return False
    cts = ref.tally(r["ballots"])
    for share in r["shares"]:
        public = ref.public_share(share["guardian"], r["commitments"])
        if not ref.decryption_share_ok(share, public, cts, ref.guardian_context(CHAIN, ELECTION, share["guardian"])):
            return False
    return ref.result_ok(cts, r["shares"], r["counts"])


def test_the_reference_accepts_the_honest_record(record: dict[str, Any]) -> None:
    assert check_record(record)
    assert record["counts"] == [1, 1, 2, 1, 2, 2, 1, 1, 1]
    commitments = record["commitments"]
    for j in (1, 2, 3):
        assert ref.encode(ref.public_share(j, commitments)) == Point.from_b64(record["public_shares"][j]).data
        assert ref.equal(ref.mul(record["secret_shares"][j], ref.BASE), ref.public_share(j, commitments))


def test_the_reference_checks_a_dealt_share_against_the_commitment() -> None:
    poly = Polynomial.random(3)
    commitment = commit(poly, b"ctx").to_json()
    assert all(ref.share_ok(poly.evaluate(j).value, j, commitment) for j in (1, 2, 5))
    assert not ref.share_ok(poly.evaluate(2).value + 1, 2, commitment)
    assert not ref.share_ok(poly.evaluate(2).value, 3, commitment)


def test_ballot_proofs_are_bound_to_the_voter_in_the_reference_too(record: dict[str, Any]) -> None:
    other = ref.ballot_context(CHAIN, ELECTION, "mb1v1")
    assert not ref.ballot_ok(record["key"], REF_QUESTIONS, record["ballots"][0], other)


FLIPS: list[tuple[str, str, tuple[str | int, ...]]] = [
    ("ballot alpha", "p", ("ballots", 1, 0, "s", 2, 0)),
    ("ballot beta", "p", ("ballots", 0, 1, "s", 0, 1)),
    ("ballot 0/1 proof", "s", ("ballots", 2, 0, "s", 3, 4)),
    ("ballot limit proof", "s", ("ballots", 0, 0, "l", 1)),
    ("ballot weight bit", "p", ("ballots", 1, 1, "w", "low", 0, 1)),
    ("ballot weight proof", "s", ("ballots", 1, 1, "w", "high", 1, 5)),
    ("ballot high-only weight bit", "p", ("ballots", 2, 2, "w", "high", 3, 0)),
    ("commitment", "p", ("commitments", 1, "commitments", 1)),
    ("commitment proof", "s", ("commitments", 0, "proofs", 0, 0)),
    ("decryption share", "p", ("shares", 0, "shares", 3)),
    ("decryption proof", "s", ("shares", 1, "proofs", 5, 1)),
]


def flip_at(r: dict[str, Any], kind: str, path: tuple[str | int, ...]) -> None:
    node: Any = r
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = flip(node[path[-1]], kind)


ALTERATIONS: list[tuple[str, Any]] = [
    *((what, lambda r, k=kind, p=path: flip_at(r, k, p)) for what, kind, path in FLIPS),
    ("ballots swapped", lambda r: r["ballots"].reverse()),
    ("weight side dropped", lambda r: r["ballots"][0][1]["w"].__setitem__("low", [])),
    ("weight side added", lambda r: r["ballots"][0][2]["w"].__setitem__("low", r["ballots"][0][2]["w"]["high"])),
    ("share guardian", lambda r: r["shares"][1].__setitem__("guardian", 2)),
    ("count", lambda r: r["counts"].__setitem__(4, r["counts"][4] + 1)),
    ("counts swapped", lambda r: r["counts"].reverse()),
]


@pytest.mark.parametrize(("what", "alter"), ALTERATIONS, ids=[a[0] for a in ALTERATIONS])
def test_the_reference_rejects_one_altered_ballot_share_or_count(record: dict[str, Any], what: str, alter: Any) -> None:
    altered = copy.deepcopy(record)
    alter(altered)
    assert altered != record, what
    assert not check_record(altered), what
