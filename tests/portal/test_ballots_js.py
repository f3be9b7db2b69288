"""In Chromium, js/verify/ballots.js agrees with the Python ballot cryptography (docs/spec/ballots.md):

- the vendored @noble/curves ristretto255 passes the RFC 9496 vectors (multiples of G, every refused
  encoding, element derivation);
- ballots made in Python (plain and budget questions) verify in the browser, and each altered one is
  refused with the node's code;
- a ballot encrypted in the browser passes ``metrobloc.crypto.elgamal``, the module's admission check and
  the independent reference checker (tests/elgamal_reference.py);
- a real election's record (tests/portal/ballots_chain.py) passes every step in the browser, and a record
  with one altered ballot, decryption share or count fails the step it should;
- a ballot encrypted in the browser is cast on a real node (``ballots/cast``, checked at admission).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests import elgamal_reference as ref
from tests.portal.ballots_chain import ELECTION, RESIDENCY, BallotsChain, ballots_chain_fixture  # noqa: F401
from tests.portal.conftest import JsModule

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.crypto.elgamal import (
    EncryptedBallot,
    Polynomial,
    Question,
    ballot_context,
    commit,
    encrypt_ballot,
    joint_public_key,
    verify_ballot,
)
from metrobloc.errors import InvalidInput
from metrobloc.modules.ballots import group
from metrobloc.modules.ballots.client import GuardianSecret

VECTORS = Path(__file__).parents[1] / "vectors" / "rfc9496" / "ristretto255.json"
CHAIN_ID = "metrobloc-test"
VOTER = PrivateKey(b"\x01" * 32).address
OTHER = PrivateKey(b"\x02" * 32).address
PLAIN = {"options": 4, "min_selections": 0, "max_selections": 2, "weights": None, "weight_min": None, "weight_max": None}
BUDGET = {
    "options": 4,
    "min_selections": 1,
    "max_selections": 4,
    "weights": [300, 250, 400, 100],
    "weight_min": 200,
    "weight_max": 800,
}
WITHIN = {**BUDGET, "weight_min": 0, "weight_max": 700}
SHAPES = [PLAIN, BUDGET, WITHIN]
SELECTIONS = [[1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 0]]

CHECK = """(m, [ballot, key, shapes, chainId, election, voter]) => {
  try { m.checkBallot(ballot, key, shapes, m.ballotContext(chainId, election, voter)); return 'ok'; }
  catch (e) { if (e instanceof m.BallotRefused) return e.code; throw e; } }"""
ENCRYPT = "(m, [key, shapes, selections, chainId, election, voter]) => m.encryptBallot(key, shapes, selections, chainId, election, voter)"
VERIFY = "(m, [record, ballots, chainId]) => m.verifyElection(record, ballots, chainId)"


@pytest.fixture
def ballots_js(js_module: Callable[[str], JsModule]) -> JsModule:
    return js_module("js/verify/ballots.js")


@pytest.fixture(scope="module")
def key() -> str:
    polys = [Polynomial.random(2) for _ in range(3)]
    return joint_public_key([commit(p, b"test") for p in polys]).to_b64()


def questions(shapes: list[dict[str, Any]]) -> list[Question]:
    return [group.question(s) for s in shapes]


def python_code(ballot: Any, key: str, shapes: list[dict[str, Any]], voter: str = VOTER) -> str:
    """The node's verdict on a ballot: ok or the module's code."""
    try:
        group.check_ballot(ballot, key, shapes, CHAIN_ID, "e1", voter)
    except InvalidInput as exc:
        return exc.code
    return "ok"


# -- the vendored group against RFC 9496 ------------------------------------------------------------


def test_noble_ristretto255_passes_the_rfc_9496_vectors(js_module: Callable[[str], JsModule]) -> None:
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    noble = js_module("vendor/noble-curves/ed25519.js")
    got = noble.call(
        """(m, v) => {
          const P = m.ristretto255.Point;
          const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
          const bytes = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
          const multiples = v.multiples.map((_, i) => hex(P.BASE.multiplyUnsafe(BigInt(i)).toBytes()));
          const decoded = v.multiples.map((h) => hex(P.fromBytes(bytes(h)).toBytes()));
          const refused = v.invalid.filter((h) => { try { P.fromBytes(bytes(h)); return false; } catch { return true; } });
          const derived = v.uniform.map((c) => hex(m.ristretto255_hasher.deriveToCurve(bytes(c[0])).toBytes()));
          return { multiples, decoded, refused: refused.length, derived };
        }""",
        {
            "multiples": vectors["multiples_of_generator"],
            "invalid": [h for hs in vectors["invalid_encodings"].values() for h in hs],
            "uniform": vectors["from_uniform_bytes"],
        },
    )
    assert got["multiples"] == vectors["multiples_of_generator"]
    assert got["decoded"] == vectors["multiples_of_generator"]
    assert got["refused"] == sum(len(v) for v in vectors["invalid_encodings"].values()) > 0
    assert got["derived"] == [output for _, output in vectors["from_uniform_bytes"]]


# -- ballots both ways ----------------------------------------------------------------------------------


def test_python_ballots_verify_in_the_browser(ballots_js: JsModule, key: str) -> None:
    ballot = encrypt_ballot(
        group.Point.from_b64(key), questions(SHAPES), SELECTIONS, ballot_context(CHAIN_ID, "e1", VOTER)
    ).to_json()
    assert python_code(ballot, key, SHAPES) == "ok"
    assert ballots_js.call(CHECK, [ballot, key, SHAPES, CHAIN_ID, "e1", VOTER]) == "ok"
    # bound to the chain, the election and the voter
    for chain_id, election, voter in [("other-chain", "e1", VOTER), (CHAIN_ID, "e2", VOTER), (CHAIN_ID, "e1", OTHER)]:
        assert ballots_js.call(CHECK, [ballot, key, SHAPES, chain_id, election, voter]) == "ballots.bad_option_proof"


def _swap(ballot: list[dict[str, Any]], q: int, a: int, b: int) -> list[dict[str, Any]]:
    out = copy.deepcopy(ballot)
    out[q]["s"][a], out[q]["s"][b] = out[q]["s"][b], out[q]["s"][a]
    return out


def test_altered_ballots_are_refused_in_the_browser_as_on_the_node(ballots_js: JsModule, key: str) -> None:
    ctx = ballot_context(CHAIN_ID, "e1", VOTER)
    ballot = encrypt_ballot(group.Point.from_b64(key), questions(SHAPES), SELECTIONS, ctx).to_json()
    other = encrypt_ballot(group.Point.from_b64(key), questions(SHAPES), [[1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]], ctx)
    altered: dict[str, Any] = {}
    flipped = copy.deepcopy(ballot)
    flipped[0]["s"][0][2], flipped[0]["s"][0][4] = flipped[0]["s"][0][4], flipped[0]["s"][0][2]
    altered["a 0/1 proof's challenges swapped"] = flipped
    altered["two options' rows swapped"] = _swap(ballot, 0, 0, 1)
    mixed = copy.deepcopy(ballot)
    mixed[0]["l"] = other.to_json()[0]["l"]
    altered["another ballot's limit proof"] = mixed
    weight = copy.deepcopy(ballot)
    weight[1]["w"] = other.to_json()[1]["w"]
    altered["another ballot's weight proof"] = weight
    short = copy.deepcopy(ballot)
    short[2]["w"]["high"] = short[2]["w"]["high"][:-1]
    altered["a range side one row short"] = short
    extra = copy.deepcopy(ballot)
    extra[0]["w"] = ballot[1]["w"]
    altered["a weight proof on a plain question"] = extra
    bad_point = copy.deepcopy(ballot)
    bad_point[0]["s"][1][0] = "_" * 43
    altered["a point that is not canonical"] = bad_point
    altered["a question missing"] = ballot[:2]
    for name, value in altered.items():
        python = python_code(value, key, SHAPES)
        assert python != "ok", name
        assert ballots_js.call(CHECK, [value, key, SHAPES, CHAIN_ID, "e1", VOTER]) == python, name


def test_a_ballot_encrypted_in_the_browser_passes_the_python_verifiers(ballots_js: JsModule, key: str) -> None:
    ballot = ballots_js.call(ENCRYPT, [key, SHAPES, SELECTIONS, CHAIN_ID, "e1", VOTER])
    assert python_code(ballot, key, SHAPES) == "ok"
    qs = questions(SHAPES)
    verify_ballot(
        group.Point.from_b64(key), qs, EncryptedBallot.from_json(ballot, qs), ballot_context(CHAIN_ID, "e1", VOTER)
    )
    ref_questions = [
        {"options": s["options"], "min": s["min_selections"], "max": s["max_selections"]}
        | ({"weights": s["weights"], "wmin": s["weight_min"], "wmax": s["weight_max"]} if s["weights"] else {})
        for s in SHAPES
    ]
    assert ref.ballot_ok(key, ref_questions, ballot, ref.ballot_context(CHAIN_ID, "e1", VOTER))
    assert python_code(ballot, key, SHAPES, voter=OTHER) != "ok"
    # and the browser refuses to encrypt what the proofs could not cover
    too_many = "(m, a) => { try { m.encryptBallot(...a); return 'made'; } catch (e) { return e.constructor.name; } }"
    over = [[1, 1, 1, 0], SELECTIONS[1], SELECTIONS[2]]
    assert ballots_js.call(too_many, [key, SHAPES, over, CHAIN_ID, "e1", VOTER]) == "RangeError"
