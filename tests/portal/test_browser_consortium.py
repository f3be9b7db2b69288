"""In Chromium, the portal's light client (js/verify/consortium.js through verifyBundle, verifyStateBundle
and verifyReads) follows the consortium's set changes from a trusted genesis alone and gives the
Python verifier's verdict, code for code: on every ``consortium`` vector of tests/vectors/proof_bundle.json,
on synthetic governed chains (tests/ledger/consortium_chain.py) with malformed, reordered and forged
changes, and on random change sequences folded by both KeyHistory implementations."""

from __future__ import annotations

import contextlib
import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.ledger.consortium_chain import KEYS, Chain, add, remove, rotate
from tests.portal.conftest import JsModule

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey, address_of
from metrobloc.errors import InvalidInput, MetroblocError, VerificationFailed
from metrobloc.ledger import Event, Genesis, verify_bundle, verify_reads, verify_state_bundle
from metrobloc.ledger.bundles import SET_PROOF_REQUIRED
from metrobloc.ledger.consortium import KeyHistory, SetChange

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "proof_bundle.json").read_text(encoding="utf-8"))
C = VECTORS["consortium"]
GENESIS = VECTORS["genesis"]
TRANSFER = Event("assets/transfer", {"amount": "1"})
STRANGER = PrivateKey(bytes([0x7F]) * 32)

BUNDLES = "(m, [bundles, genesis]) => bundles.map((b) => m.verifyBundle(b, genesis))"
STATE_BUNDLES = "(m, [bundles, genesis]) => bundles.map((b) => m.verifyStateBundle(b, genesis))"
READS = """(m, [all, genesis]) => all.map((proofs) => {
  try {
    const r = m.verifyReads(proofs, genesis);
    const keys = r.keys.members.map((k) => k.nodeKey);
    return {values: r.values, attesters: r.attesters, setChanges: r.setChanges, keys};
  } catch (e) { if (e instanceof m.Refused) return {code: e.code}; throw e; }
})"""


def python_code(verify: Callable[[Any, Genesis], Any], bundle: Any, genesis: Genesis) -> str | None:
    """The Python verifier's verdict: None when the bundle verifies, else its code."""
    try:
        verify(bundle, genesis)
    except MetroblocError as exc:
        return exc.code
    return None


def js_codes(verify_js: JsModule, bundles: list[Any], genesis: Any, script: str = BUNDLES) -> list[str | None]:
    return [r["code"] for r in verify_js.call(script, [bundles, genesis])]


# -- the vectors -----------------------------------------------------------------------------------


def test_valid_vectors_verify_after_following_three_changes(verify_js: JsModule) -> None:
    genesis = Genesis.from_json(GENESIS)
    for result, bundle in zip(verify_js.call(BUNDLES, [C["valid"], GENESIS]), C["valid"], strict=True):
        python = verify_bundle(bundle, genesis)
        assert result["ok"] and result["code"] is None, result
        assert result["attesters"] == list(python.attesters)
        assert result["setChanges"] == python.set_changes == 3
        keys = [m["nodeKey"] for m in result["keys"]["members"]]
        assert keys == [b64url_encode(m.node_key) for m in python.keys.members] == C["keys_in_force"]
        assert result["keys"]["quorum"] == python.keys.quorum and result["keys"]["height"] == python.header.height
        steps = [step["step"] for step in result["steps"]]
        assert steps[:7] == ["genesis", "bundle", "set-change", "set-change", "set-change", "set-count", "receipt"]
        assert steps[-1] == "quorum" and all(step["ok"] for step in result["steps"])


@pytest.mark.parametrize("case", C["tampered"], ids=lambda c: c["name"])
def test_tampered_vectors_fail_with_the_vector_and_python_code(verify_js: JsModule, case: dict[str, Any]) -> None:
    (result,) = verify_js.call(BUNDLES, [[case["bundle"]], json.dumps(GENESIS)])
    assert not result["ok"] and result["code"] == case["error"], result
    assert python_code(verify_bundle, case["bundle"], Genesis.from_json(GENESIS)) == case["error"]
    failed = [step for step in result["steps"] if step["ok"] is False]
    assert failed and case["error"] in {step["code"] for step in failed}


def test_the_state_bundle_vectors(verify_js: JsModule) -> None:
    sb = C["state_bundles"]
    genesis = Genesis.from_json(GENESIS)
    for result, bundle in zip(verify_js.call(STATE_BUNDLES, [sb["valid"], GENESIS]), sb["valid"], strict=True):
        assert result["ok"] and result["setChanges"] == verify_state_bundle(bundle, genesis).set_changes == 3
        assert [m["nodeKey"] for m in result["keys"]["members"]] == C["keys_in_force"]
        assert "set-count" in [step["step"] for step in result["steps"]]
    got = js_codes(verify_js, [c["bundle"] for c in sb["tampered"]], GENESIS, STATE_BUNDLES)
    assert got == [c["error"] for c in sb["tampered"]]
    assert [python_code(verify_state_bundle, c["bundle"], genesis) for c in sb["tampered"]] == got


def proofs_of(state_bundle: dict[str, Any]) -> dict[str, Any]:
    """The ``proofs`` member of a proven query carrying the same read and consortium member."""
    read = {k: state_bundle[k] for k in ("key", "value", "proof")}
    return {k: state_bundle[k] for k in ("header", "attestations", "consortium")} | {"reads": [read]}


def test_proven_reads_follow_the_set_changes_like_verify_reads(verify_js: JsModule) -> None:
    genesis = Genesis.from_json(GENESIS)
    valid = proofs_of(C["state_bundles"]["valid"][0])
    removed = proofs_of(C["state_bundles"]["tampered"][0]["bundle"])
    stripped = copy.deepcopy(valid)
    stripped["consortium"]["changes"].pop()
    null_member = valid | {"consortium": None}
    ok, *refused = verify_js.call(READS, [[valid, removed, stripped, null_member], GENESIS])
    python = verify_reads(valid, genesis)
    assert ok["values"] == python.values and ok["attesters"] == list(python.attesters)
    assert ok["setChanges"] == 3 and ok["keys"] == C["keys_in_force"]
    assert [r["code"] for r in refused] == ["verify.key_not_in_force", "verify.set_incomplete", "verify.no_set_proof"]
    assert [python_code(verify_reads, p, genesis) for p in (removed, stripped, null_member)] == [
        r["code"] for r in refused
    ]


def test_a_bundle_without_the_member_gets_the_python_verdict(verify_js: JsModule) -> None:
    """Both sides have the same rule (bundles.SET_PROOF_REQUIRED and consortium.js's)."""
    assert verify_js.call("(m) => m.SET_PROOF_REQUIRED") is SET_PROOF_REQUIRED
    genesis = Genesis.from_json(GENESIS)
    stripped = {k: v for k, v in C["valid"][0].items() if k != "consortium"}
    (result,) = verify_js.call(BUNDLES, [[stripped], GENESIS])
    assert result["code"] == python_code(verify_bundle, stripped, genesis)
    assert result["code"] == ("verify.no_set_proof" if SET_PROOF_REQUIRED else "verify.key_not_in_force")
    v1 = {k: v for k, v in VECTORS["bundle"].items() if k != "consortium"}
    (result,) = verify_js.call(BUNDLES, [[v1], GENESIS])
    assert result["ok"] and result["setChanges"] == 0 and python_code(verify_bundle, v1, genesis) is None


# -- synthetic governed chains: Python and JS agree on every code ----------------------------------


def governed_chain() -> Chain:
    """org5 added in block 2, org2's key rotated in block 3, org1 removed in block 4; tip 6."""
    chain = Chain(4)
    chain.block([[TRANSFER]])
    chain.block([[TRANSFER], [add(1, "org5", KEYS[4], 2)]], signers=KEYS[:5])
    chain.block([[rotate(2, "org2", KEYS[1], KEYS[5], 3)]], signers=[KEYS[0], KEYS[5], *KEYS[2:5]])
    chain.block([[remove(3, "org1", KEYS[0], 4)], [TRANSFER]], signers=[KEYS[5], *KEYS[2:5]])
    chain.block([[TRANSFER]])
    chain.block([[TRANSFER], [TRANSFER]])
    return chain


def one_change(events: list[Event], n: int = 4) -> tuple[Chain, dict[str, Any]]:
    """A chain whose block 1 holds one tx with ``events``; the bundle of a transfer in block 2, signed
    from block 2 on by the keys in force after the events (the genesis keys if one is refused)."""
    chain = Chain(n)
    history = KeyHistory.from_genesis(chain.genesis)
    try:
        for event in events:
            history = history.apply(SetChange.from_event(event, 1))
    except (InvalidInput, VerificationFailed):
        history = KeyHistory.from_genesis(chain.genesis)
    signers = [k for k in KEYS if k.public_key.raw in history.at(2)]
    chain.block([events], signers=signers)
    chain.block([[TRANSFER]])
    return chain, chain.bundle(chain.receipts[-1], 2)


def with_attrs(event: Event, **attrs: str | None) -> Event:
    changed = {k: v for k, v in (event.attributes | attrs).items() if v is not None}
    return Event(event.type, changed)


ADD = add(1, "org5", KEYS[4], 1)
ROTATE = rotate(1, "org2", KEYS[1], KEYS[5], 1)
REMOVE = remove(1, "org3", KEYS[2], 1)
EVENT_CASES: dict[str, list[Event]] = {
    "add": [ADD],
    "rotate": [ROTATE],
    "rotate with a new voter": [with_attrs(ROTATE, voter=address_of(KEYS[6].public_key.raw))],
    "remove": [REMOVE],
    "add then rotate in one receipt": [ADD, rotate(2, "org5", KEYS[4], KEYS[5], 1)],
    "add then remove in one receipt": [ADD, remove(2, "org1", KEYS[0], 1)],
    "two adds, the second seq skipped": [ADD, add(3, "org6", KEYS[5], 1)],
    "seq 0": [with_attrs(ADD, seq="0")],
    "seq 2": [with_attrs(ADD, seq="2")],
    "seq with a leading zero": [with_attrs(ADD, seq="01")],
    "seq beyond 2^53": [with_attrs(ADD, seq="900719925474099312")],
    "seq of 19 digits": [with_attrs(ADD, seq="1000000000000000000")],
    "effective height of 20 digits": [with_attrs(ADD, effective_height="10000000000000000000")],
    "effective height not its block + 1": [with_attrs(ADD, effective_height="3")],
    "effective height its own block": [with_attrs(ADD, effective_height="1")],
    "an org id with a capital": [with_attrs(ADD, org="Org5")],
    "an org id too short": [with_attrs(ADD, org="o5")],
    "an org id with a trailing newline": [with_attrs(ADD, org="org5\n")],
    "an empty name": [with_attrs(ADD, name="")],
    "a name with a control character": [with_attrs(ADD, name="Org\x07")],
    "a name of 80 astral characters": [with_attrs(ADD, name="\U0001f3d9" * 80)],
    "a name of 81 characters": [with_attrs(ADD, name="x" * 81)],
    "an add without a voter": [with_attrs(ADD, voter="")],
    "a voter that is not an address": [with_attrs(ADD, voter="mb1xyz")],
    "an extra attribute": [with_attrs(ADD, extra="1")],
    "a missing attribute": [with_attrs(ADD, name=None)],
    "a remove with a name": [with_attrs(REMOVE, name="x")],
    "a node key of 31 bytes": [with_attrs(ADD, node_key=b64url_encode(b"\1" * 31))],
    "a padded node key": [with_attrs(ADD, node_key=KEYS[4].public_key.to_b64() + "=")],
    "an add of a genesis org id": [with_attrs(ADD, org="org2")],
    "an add of a genesis key": [with_attrs(ADD, node_key=KEYS[1].public_key.to_b64())],
    "a remove of a non-member": [with_attrs(REMOVE, org="org9")],
    "a remove with another member's key": [with_attrs(REMOVE, node_key=KEYS[0].public_key.to_b64())],
    "a rotate from a key not current": [with_attrs(ROTATE, old_key=KEYS[0].public_key.to_b64())],
    "a rotate to a genesis key": [with_attrs(ROTATE, node_key=KEYS[3].public_key.to_b64())],
    "a rotate to its own key": [with_attrs(ROTATE, node_key=KEYS[1].public_key.to_b64())],
    "a rotate of a non-member": [with_attrs(ROTATE, org="org7")],
    "a consortium event that is no change": [Event("consortium/rename", {"seq": "1"})],
}


def event_cases() -> list[tuple[str, Genesis, dict[str, Any]]]:
    cases = []
    for name, events in EVENT_CASES.items():
        chain, bundle = one_change(events)
        cases.append((name, chain.genesis, bundle))
    chain, bundle = one_change([remove(1, "org1", KEYS[0], 1)], n=1)
    cases.append(("the last member removed", chain.genesis, bundle))
    return cases


def section_damages() -> dict[str, Callable[[dict[str, Any], Chain], None]]:
    """Damage to the ``consortium`` member of the governed chain's last bundle."""

    def entry(i: int) -> Callable[[dict[str, Any], Chain], None]:
        return lambda s, c: s["changes"].__setitem__(i, c.receipt_bundle(c.change_receipts()[i], c.height))

    return {
        "empty object": lambda s, c: s.clear(),
        "extra member": lambda s, c: s.update(extra=1),
        "changes an object": lambda s, c: s.update(changes={}),
        "an entry with an extra field": lambda s, c: s["changes"][0].update(extra=1),
        "an entry carrying its own consortium": lambda s, c: s["changes"][0].update(consortium=None),
        "an entry's leaf_index as text": lambda s, c: s["changes"][0].update(leaf_index="3"),
        "an entry's header for another chain": lambda s, c: s["changes"][1]["header"].update(chain_id="other"),
        "an entry's attestations an object": lambda s, c: s["changes"][0].update(attestations={}),
        "an entry with no attestations": lambda s, c: s["changes"][0].update(attestations=[]),
        "an entry attested by a stranger too": lambda s, c: s["changes"][0]["attestations"].append(
            {"public_key": STRANGER.public_key.to_b64(), "signature": s["changes"][0]["attestations"][0]["signature"]}
        ),
        "an entry's signature swapped": lambda s, c: s["changes"][0]["attestations"][0].update(
            signature=s["changes"][0]["attestations"][1]["signature"]
        ),
        "an entry's inclusion path dropped": lambda s, c: s["changes"][2].update(inclusion_path=[]),
        "the first entry under the tip header": entry(0),
        "the last entry under the tip header": entry(2),
        "entries reversed": lambda s, c: s["changes"].reverse(),
        "an entry twice": lambda s, c: s["changes"].insert(1, copy.deepcopy(s["changes"][0])),
        "the first entry dropped": lambda s, c: s["changes"].pop(0),
        "no entry": lambda s, c: s["changes"].clear(),
        "count null": lambda s, c: s.update(count=None),
        "count key other": lambda s, c: s["count"].update(key="consortium/other"),
        "count value a number": lambda s, c: s["count"].update(value=3),
        "count value 4": lambda s, c: s["count"].update(value="4"),
        "count value null": lambda s, c: s["count"].update(value=None),
        "count attestations an object": lambda s, c: s["count"].update(attestations={}),
        "count attestations empty": lambda s, c: s["count"].update(attestations=[]),
        "count header a list": lambda s, c: s["count"].update(header=[]),
        "count header v1": lambda s, c: s["count"]["header"].pop("state_root"),
        "count header of another chain": lambda s, c: s["count"]["header"].update(chain_id="other"),
        "count proof a string": lambda s, c: s["count"].update(proof="x"),
        "count under block 5": lambda s, c: s.update(count=c.count_proof(5)),
        "count under block 4 by the genesis keys": lambda s, c: s["count"].update(
            attestations=[a for a in c.attestations(4, KEYS[:4])]
        ),
    }


def test_governed_chain_bundles_agree_with_python_at_every_height(verify_js: JsModule) -> None:
    chain = governed_chain()
    cases = [
        (r, h, chain.receipt_bundle(r, h) | {"consortium": chain.section(h)})
        for r in chain.receipts
        for h in range(r.height, chain.height + 1)
    ]
    results = verify_js.call(BUNDLES, [[b for _, _, b in cases], chain.genesis.raw])
    for (receipt, height, bundle), result in zip(cases, results, strict=True):
        python = verify_bundle(bundle, chain.genesis)
        assert result["ok"], (receipt.tx_hash, height, result)
        assert result["attesters"] == list(python.attesters) and result["setChanges"] == python.set_changes
        assert [m["org"] for m in result["keys"]["members"]] == [m.org for m in python.keys.members]


def test_damaged_sections_get_the_python_code(verify_js: JsModule) -> None:
    chain = governed_chain()
    damages = section_damages()
    bundles = []
    for damage in damages.values():
        bundle = chain.bundle(chain.receipts[-1], chain.height)
        damage(bundle["consortium"], chain)
        bundles.append(bundle)
    expected = [python_code(verify_bundle, b, chain.genesis) for b in bundles]
    got = js_codes(verify_js, bundles, chain.genesis.raw)
    assert dict(zip(damages, got, strict=True)) == dict(zip(damages, expected, strict=True))
    assert None not in expected and len(set(expected)) >= 8


def test_every_kind_of_change_event_gets_the_python_verdict(verify_js: JsModule) -> None:
    cases = event_cases()
    expected = {name: python_code(verify_bundle, bundle, genesis) for name, genesis, bundle in cases}
    got = {}
    for name, genesis, bundle in cases:
        (code,) = js_codes(verify_js, [bundle], genesis.raw)
        got[name] = code
    assert got == expected
    valid = ["add", "rotate", "rotate with a new voter", "remove"]
    valid += ["add then rotate in one receipt", "add then remove in one receipt"]
    assert [expected[name] for name in valid] == [None] * len(valid)
    assert expected["two adds, the second seq skipped"] == "verify.set_gap"
    assert expected["a name of 80 astral characters"] is None and expected["a name of 81 characters"] is not None


# -- the fold itself, on random change sequences ---------------------------------------------------


FOLD = """(m, [genesis, steps]) => {
  let history = m.KeyHistory.fromGenesis(m.parseGenesis(genesis));
  return steps.map(([event, height]) => {
    try {
      history = history.apply(m.changeFromEvent(event, height));
    } catch (e) { if (e instanceof m.Refused) return e.code; throw e; }
    return {count: history.count,
            epochs: history.epochs.map((e) => [e.since, e.members.map((x) => [x.org, x.name, x.text, x.voter])]),
            spans: history.intervals().map((s) => [s.member.org, s.member.text, s.since, s.until])};
  });
}"""


def python_fold(genesis: Genesis, steps: list[tuple[dict[str, Any], int]]) -> list[Any]:
    history = KeyHistory.from_genesis(genesis)
    out: list[Any] = []
    for event, height in steps:  # a refused change leaves the history as it was, in JS too
        try:
            history = history.apply(SetChange.from_event(Event(event["type"], event["attributes"]), height))
        except (InvalidInput, VerificationFailed) as exc:
            out.append(exc.code)
            continue

        def member(m: Any) -> list[Any]:
            return [m.org, m.name, b64url_encode(m.node_key), m.voter]

        out.append({
            "count": history.count,
            "epochs": [[e.since, [member(m) for m in e.members]] for e in history.epochs],
            "spans": [[m.org, b64url_encode(m.node_key), since, until] for m, since, until in history.intervals()],
        })  # fmt: skip
    return out


POOL = [PrivateKey(bytes([0x90 + i]) * 32) for i in range(40)]


def random_steps(rng: random.Random, n: int, genesis: Genesis) -> list[tuple[dict[str, Any], int]]:
    """Changes drawn against the Python history so far: mostly valid, with wrong seqs, heights, orgs,
    reused keys and effective heights mixed in (a refused change leaves the history as it was)."""
    history = KeyHistory.from_genesis(genesis)
    steps: list[tuple[dict[str, Any], int]] = []
    height = 1
    for _ in range(n):
        height = max(1, height + rng.choice([0, 0, 1, 2, 5]) - (3 if rng.random() < 0.05 else 0))
        members = history.epochs[-1].members
        seq = history.count + 1 if rng.random() < 0.9 else rng.choice([history.count, history.count + 2])
        fresh = [k.public_key.raw for k in POOL if not history.ever(k.public_key.raw)]
        new_key = rng.choice(fresh) if fresh and rng.random() < 0.9 else rng.choice(members).node_key
        member = rng.choice(members)
        kind = rng.choice(["add", "add", "remove", "rotate", "rotate"])
        attrs: dict[str, str] = {"seq": str(seq), "effective_height": str(height + 1)}
        if kind == "add":
            org = member.org if rng.random() < 0.05 else f"org{rng.randrange(5, 99)}"
            voter = address_of(new_key)
            attrs |= {"org": org, "name": f"Name {org}", "node_key": b64url_encode(new_key), "voter": voter}
        elif kind == "remove":
            attrs |= {"org": member.org, "node_key": b64url_encode(member.node_key)}
        else:
            voter = rng.choice(["", address_of(new_key)])
            attrs |= {"org": member.org, "old_key": b64url_encode(member.node_key), "node_key": b64url_encode(new_key)}
            attrs |= {"voter": voter}
        if rng.random() < 0.05:
            attrs["effective_height"] = str(height + rng.choice([0, 2]))
        event = Event(f"consortium/{kind}", attrs)
        steps.append((event.to_json(), height))
        with contextlib.suppress(InvalidInput, VerificationFailed):
            history = history.apply(SetChange.from_event(event, height))
    return steps


@pytest.mark.parametrize("seed", range(4))
def test_random_change_sequences_fold_to_the_same_history(verify_js: JsModule, seed: int) -> None:
    genesis = Chain(4).genesis
    steps = random_steps(random.Random(seed), 80, genesis)
    expected = python_fold(genesis, steps)
    assert verify_js.call(FOLD, [genesis.raw, steps]) == expected
    applied = [r for r in expected if isinstance(r, dict)]
    assert len(applied) >= 20 and len(applied) < len(expected), "the sequences mix applied and refused changes"
    assert {"verify.set_gap", "verify.bad_set_change"} <= {r for r in expected if isinstance(r, str)}


# -- what the reader sees --------------------------------------------------------------------------


SHOW = """async (m, [bundle, genesis]) => {
  const view = await import('/static/js/verify-view.js');
  const div = document.createElement('div');
  view.showBundleResult(div, m.verifyBundle(bundle, genesis));
  const group = div.querySelector('[data-step="set-history"] details');
  return {outcome: div.querySelector('.outcome').textContent, open: group ? group.open : null,
          summary: group ? group.querySelector('summary').textContent : null,
          inner: group ? [...group.querySelectorAll('li')].map((li) => [li.dataset.step, li.className]) : []};
}"""


def test_the_set_changes_show_as_one_group(verify_js: JsModule) -> None:
    valid = verify_js.call(SHOW, [C["valid"][0], GENESIS])
    assert "(4 of 4 node keys in force at 7; 3 set change(s) followed from genesis)" in valid["outcome"]
    assert valid["open"] is False and "3 set change entries followed from the genesis, passed" in valid["summary"]
    assert valid["inner"] == [["set-change", "step-ok"]] * 3 + [["set-count", "step-ok"]]
    (gap,) = [c for c in C["tampered"] if c["error"] == "verify.set_gap"][:1]
    failed = verify_js.call(SHOW, [gap["bundle"], GENESIS])
    assert failed["outcome"].startswith("Not valid (verify.set_gap)") and failed["open"] is True
    assert failed["inner"][-1] == ["set-change", "step-failed"]
