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
from metrobloc.codec import canonical_json
from metrobloc.crypto import PrivateKey
from metrobloc.crypto.elgamal import (
    EncryptedBallot,
    Point,
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
PLAIN: dict[str, Any] = {
    "options": 4,
    "min_selections": 0,
    "max_selections": 2,
    "weights": None,
    "weight_min": None,
    "weight_max": None,
}
BUDGET: dict[str, Any] = {
    "options": 4,
    "min_selections": 1,
    "max_selections": 4,
    "weights": [300, 250, 400, 100],
    "weight_min": 200,
    "weight_max": 800,
}
WITHIN: dict[str, Any] = {**BUDGET, "weight_min": 0, "weight_max": 700}
SHAPES = [PLAIN, BUDGET, WITHIN]
SELECTIONS = [[1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 0]]

CHECK = """(m, [ballot, key, shapes, chainId, election, voter]) => {
  try { m.checkBallot(ballot, key, shapes, m.ballotContext(chainId, election, voter)); return 'ok'; }
  catch (e) { if (e instanceof m.BallotRefused) return e.code; throw e; } }"""
ENCRYPT = (
    "(m, [key, shapes, sel, chainId, election, voter]) => m.encryptBallot(key, shapes, sel, chainId, election, voter)"
)
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


def encrypted(key: str, selections: list[list[int]]) -> list[dict[str, Any]]:
    """A ballot made in Python for VOTER in election e1."""
    made = encrypt_ballot(Point.from_b64(key), questions(SHAPES), selections, ballot_context(CHAIN_ID, "e1", VOTER))
    out: list[dict[str, Any]] = json.loads(json.dumps(made.to_json()))
    return out


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
          const refuses = (h) => { try { P.fromBytes(bytes(h)); return false; } catch { return true; } };
          const refused = v.invalid.filter(refuses);
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
    ballot = encrypted(key, SELECTIONS)
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
    ballot = encrypted(key, SELECTIONS)
    other = encrypted(key, [[1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]])
    altered: dict[str, Any] = {}
    flipped = copy.deepcopy(ballot)
    flipped[0]["s"][0][2], flipped[0]["s"][0][4] = flipped[0]["s"][0][4], flipped[0]["s"][0][2]
    altered["a 0/1 proof's challenges swapped"] = flipped
    altered["two options' rows swapped"] = _swap(ballot, 0, 0, 1)
    mixed = copy.deepcopy(ballot)
    mixed[0]["l"] = other[0]["l"]
    altered["another ballot's limit proof"] = mixed
    weight = copy.deepcopy(ballot)
    weight[1]["w"] = other[1]["w"]
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
    verify_ballot(Point.from_b64(key), qs, EncryptedBallot.from_json(ballot, qs), ballot_context(CHAIN_ID, "e1", VOTER))
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


# -- a real election ----------------------------------------------------------------------------------


def election_data(chain: BallotsChain, election: str = ELECTION) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """What the page fetches: the record, every current ballot (all pages) and the chain id."""
    ballots: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str] = {} if cursor is None else {"cursor": cursor}
        page = httpx.get(f"{chain.node.url}/v1/ballots/{election}/ballots", params=params, timeout=10).json()
        ballots += page["ballots"]
        if (cursor := page["next"]) is None:
            break
    with chain.node.client() as c:
        chain_id = c.chain_id
    record = httpx.get(f"{chain.node.url}/v1/ballots/{election}", timeout=10).json()
    return record, ballots, chain_id


def outcomes(steps: list[dict[str, Any]]) -> dict[str, bool]:
    return {s["name"]: s["ok"] for s in steps}


ALL_PASS = {"key generation": True, "ballot proofs": True, "total": True, "decryption shares": True, "counts": True}


def test_a_real_election_verifies_in_the_browser(ballots_js: JsModule, ballots_chain: BallotsChain) -> None:
    record, ballots, chain_id = election_data(ballots_chain)
    steps = ballots_js.call(VERIFY, [record, ballots, chain_id])
    assert outcomes(steps) == ALL_PASS, steps
    assert str(record["counts"]).replace(" ", "") in steps[-1]["detail"]
    # the same record under another chain id fails: every proof is bound to the chain
    assert not any(outcomes(ballots_js.call(VERIFY, [record, ballots, "another-chain"])).values())


def test_an_altered_election_record_is_rejected_in_the_browser(
    ballots_js: JsModule, ballots_chain: BallotsChain
) -> None:
    record, ballots, chain_id = election_data(ballots_chain)

    swapped = copy.deepcopy(ballots)
    rows = swapped[0]["ballot"][0]["s"]
    rows[0], rows[1] = rows[1], rows[0]  # one voter's selections swapped, proofs and all
    swapped[0]["digest"] = group.digest(canonical_json(swapped[0]["ballot"]))
    steps = outcomes(ballots_js.call(VERIFY, [record, swapped, chain_id]))
    assert steps["ballot proofs"] is False and "total" not in steps

    undigested = copy.deepcopy(ballots)
    undigested[0]["ballot"] = swapped[0]["ballot"]
    detail = ballots_js.call(VERIFY, [record, undigested, chain_id])[1]["detail"]
    assert "does not match its digest" in detail

    assert outcomes(ballots_js.call(VERIFY, [record, ballots[1:], chain_id]))["total"] is False

    share = copy.deepcopy(record)
    shared = next(g for g in share["guardian_records"] if g["decryption_share"] is not None)
    d = shared["decryption_share"]["shares"]
    d[0], d[1] = d[1], d[0]
    steps = outcomes(ballots_js.call(VERIFY, [share, ballots, chain_id]))
    assert steps["decryption shares"] is False and "counts" not in steps

    count = copy.deepcopy(record)
    count["counts"][0][0] += 1
    steps = outcomes(ballots_js.call(VERIFY, [count, ballots, chain_id]))
    assert steps == {**ALL_PASS, "counts": False}

    key = copy.deepcopy(record)
    key["guardian_records"][1]["proofs"][0] = key["guardian_records"][1]["proofs"][1]
    assert outcomes(ballots_js.call(VERIFY, [key, ballots, chain_id]))["key generation"] is False


SECOND = "district-4-browser"


@pytest.fixture(scope="module")
def casting(ballots_chain: BallotsChain) -> Iterator[dict[str, Any]]:
    """A second election on the same node, open for casting for ten minutes: its record."""
    from tests.portal.ballots_chain import _round, _sleep_until

    c = ballots_chain
    registry = PrivateKey(b"\xd2" * 32)
    keygen_end = int(time.time() * 1000) + 6_000
    create = sdk.ballots.create(
        SECOND,
        {"credential_type": RESIDENCY, "issuers": [registry.address]},
        [g.address for g in c.guardians],
        [{"question": "Which projects?", "options": [{"id": o} for o in ("a", "b", "c")], "min_selections": 1,
          "max_selections": 2}],
        keygen_end,
        keygen_end,
        keygen_end + 600_000,
    )  # fmt: skip
    _round(c, "create 2", [(c.node.admin(), create)])
    with c.node.client() as client:
        chain_id = client.chain_id
    secrets = [GuardianSecret.new(chain_id, SECOND, i, 2) for i in (1, 2, 3)]
    _round(c, "commit 2", [(g, s.commit_msg()) for g, s in zip(c.guardians, secrets, strict=True)])
    record = httpx.get(f"{c.node.url}/v1/ballots/{SECOND}", timeout=10).json()
    _round(c, "deal 2", [(g, s.deal_msg(record)) for g, s in zip(c.guardians, secrets, strict=True)])
    record = httpx.get(f"{c.node.url}/v1/ballots/{SECOND}", timeout=10).json()
    acks = []
    for g, s in zip(c.guardians, secrets, strict=True):
        good, _ = s.receive(record)
        acks += [(g, sdk.ballots.ack(SECOND, dealer)) for dealer in good]
    _round(c, "ack 2", acks)
    record = httpx.get(f"{c.node.url}/v1/ballots/{SECOND}", timeout=10).json()
    assert record["status"] == "ready", record
    _sleep_until(record["cast_start_ms"])
    yield {**record, "chain_id": chain_id}


def test_a_ballot_encrypted_in_the_browser_is_cast_on_a_real_node(
    ballots_js: JsModule, ballots_chain: BallotsChain, casting: dict[str, Any]
) -> None:
    voter = ballots_chain.residents[4]
    chain_id, key, shapes = casting["chain_id"], casting["joint_key"], casting["shapes"]
    ballot = ballots_js.call(ENCRYPT, [key, shapes, [[0, 1, 1]], chain_id, SECOND, voter.address])
    msg = {**sdk.ballots.vote(chain_id, SECOND, voter.address, key, shapes, [[1, 0, 0]]), "ballot": ballot}
    with ballots_chain.node.client() as client:
        (result,) = client.submit_batch([client.build_tx([voter], [msg])], wait=True)
    assert result["receipt"]["status"] == "ok", result
    record, ballots, _ = election_data(ballots_chain, SECOND)
    assert [b["voter"] for b in ballots] == [voter.address]
    assert ballots[0]["digest"] == group.digest(canonical_json(ballot))
    steps = outcomes(ballots_js.call(VERIFY, [record, ballots, chain_id]))
    assert steps == {"key generation": True, "ballot proofs": True, "total": True}
    # the same ballot cast by another resident is refused at admission: it is bound to its voter
    other = ballots_chain.residents[5]
    stolen = {**sdk.ballots.vote(chain_id, SECOND, other.address, key, shapes, [[1, 0, 0]]), "ballot": ballot}
    with ballots_chain.node.client() as client:
        (refused,) = client.submit_batch([client.build_tx([other], [stolen])], wait=True)
    assert "bad_option_proof" in json.dumps(refused), refused
