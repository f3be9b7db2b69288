"""In Chromium, the portal's state-proof checks (js/verify/smt.js, verifyStateBundle, verifyReads) give
the Python verifier's verdict, code for code: on proofs that ``SparseMerkleTree`` makes for random
states (membership, absence at an empty subtree, absence at another leaf), on tampered copies of
them, on state bundles under v2 headers, and on every case of tests/vectors/state_proof.json.
Receipt bundles under v2 headers (proof_bundle.json 'v2') verify as the node says too."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from tests.portal.conftest import JsModule

from metrobloc.crypto import PrivateKey
from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Genesis, Header, attest
from metrobloc.ledger.bundles import verify_bundle, verify_reads, verify_state_bundle
from metrobloc.merkle.smt import EMPTY, BadStateProof, SparseMerkleTree, parse_state_proof, verify_state_proof

VECTORS = Path(__file__).parents[1] / "vectors"
STATE_VECTORS = VECTORS / "state_proof.json"
NODES = [PrivateKey(bytes([0x31 + i]) * 32) for i in range(4)]
ADMIN = PrivateKey(bytes([0x01]) * 32)
CHAIN = "metrobloc-test"
GENESIS = {
    "chain_id": CHAIN,
    "genesis_time_ms": 0,
    "organizations": [{"name": f"org {i}", "node_key": k.public_key.to_b64()} for i, k in enumerate(NODES)],
    "admin": {"address": ADMIN.address, "public_key": ADMIN.public_key.to_b64()},
}

PROOF_CODES = """(m, cases) => cases.map(([root, key, value, proof]) => {
  try { m.verifyStateProof(root, key, value, proof); return null; }
  catch (e) { if (e instanceof m.Refused) return e.code; throw e; }
})"""
BUNDLE_RESULTS = "(m, [bundles, genesis]) => bundles.map((b) => m.verifyStateBundle(b, genesis))"
READS = """(m, [proofs, genesis]) => {
  try {
    const r = m.verifyReads(proofs, genesis);
    return {values: r.values, attesters: r.attesters, height: r.header.height};
  } catch (e) { if (e instanceof m.Refused) return {code: e.code}; throw e; }
}"""

Case = list[Any]
"""[root hex, key text, value text or None, proof in its wire form]."""


def python_code(case: Case) -> str | None:
    """The Python verifier's verdict: None when the proof holds, else its code."""
    root, key, value, proof = case
    try:
        verify_state_proof(
            bytes.fromhex(root), key.encode(), None if value is None else value.encode(), parse_state_proof(proof)
        )
    except BadStateProof as exc:
        return exc.code
    return None


def random_state(rng: random.Random, size: int) -> dict[str, str]:
    """Keys and values as the state holds them: ASCII keys, digits or JSON text (some of it not ASCII)."""
    state = {}
    for n in range(size):
        kind = rng.choice(["bal", "lien", "parcel"])
        if kind == "bal":
            state[f"assets/bal/CITY/mb1{rng.randbytes(16).hex()}"] = str(rng.randrange(1, 10**20))
        elif kind == "lien":
            state[f"land/lien/P-{n}/{rng.randrange(10**10):010d}"] = json.dumps({"amount": str(n), "status": "active"})
        else:
            state[f"land/parcel/P-{n}"] = json.dumps(
                {"owners": [], "name": f"Söder {n} \U0001f3e0"}, ensure_ascii=False
            )
    return state


def tree_of(state: dict[str, str]) -> SparseMerkleTree:
    tree = SparseMerkleTree()
    tree.update({k.encode(): v.encode() for k, v in state.items()})
    return tree


def valid_cases(rng: random.Random) -> list[tuple[str, Case]]:
    """(where the path ends, case) for members and absent keys of random states of many sizes."""
    out: list[tuple[str, Case]] = []
    for size in (0, 1, 2, 3, 9, 60, 400):
        state = random_state(rng, size)
        tree = tree_of(state)
        root = tree.root().hex()
        for key in rng.sample(sorted(state), min(size, 12)):
            out.append(("member", [root, key, state[key], tree.prove(key.encode()).to_json()]))
        for n in range(24):
            key = f"assets/bal/CITY/mb1absent{size}x{n}"
            proof = tree.prove(key.encode()).to_json()
            out.append(("empty" if proof["leaf"] is None else "other_leaf", [root, key, None, proof]))
    return out


def flip(hex_text: str, at: int) -> str:
    return hex_text[:at] + format(int(hex_text[at], 16) ^ 1, "x") + hex_text[at + 1 :]


def tampered_cases(rng: random.Random, cases: list[tuple[str, Case]]) -> list[Case]:
    """Each valid case changed: a sibling byte flipped, another value, another key's proof, a sibling
    more or fewer, the leaf side and the root side."""
    out: list[Case] = []
    members = [c for ends, c in cases if ends == "member"]
    for ends, (root, key, value, proof) in cases:
        siblings = proof["siblings"]
        leaf = proof["leaf"]
        if siblings:
            i = rng.randrange(len(siblings))
            out.append(
                [
                    root,
                    key,
                    value,
                    dict(leaf=leaf, siblings=[*siblings[:i], flip(siblings[i], rng.randrange(64)), *siblings[i + 1 :]]),
                ]
            )
            out += [
                [root, key, value, dict(leaf=leaf, siblings=siblings[1:])],
                [root, key, value, dict(leaf=leaf, siblings=siblings[:-1])],
            ]
        out += [
            [root, key, value, dict(leaf=leaf, siblings=[*siblings, EMPTY.hex()])],
            [root, key, value, dict(leaf=leaf, siblings=[rng.randbytes(32).hex(), *siblings])],
            [root, key, "1" if value is None else value + " ", proof],
        ]
        if ends == "member":
            out.append([root, key, None, proof])
        other = rng.choice(members)
        if other[0] == root and other[3] != proof:  # another key whose path ends elsewhere
            out += [[root, key, other[2], other[3]], [root, key, None, other[3]], [root, other[1], other[2], proof]]
    return out


def test_proofs_of_random_states_verify_and_tampered_ones_fail_with_the_python_code(verify_js: JsModule) -> None:
    rng = random.Random(2024)
    cases = valid_cases(rng)
    assert {ends for ends, _ in cases} == {"member", "empty", "other_leaf"}
    assert verify_js.call(PROOF_CODES, [c for _, c in cases]) == [None] * len(cases)
    assert [python_code(c) for _, c in cases] == [None] * len(cases)
    tampered = tampered_cases(rng, cases)
    expected = [python_code(c) for c in tampered]
    assert None not in expected
    assert set(expected) == {"verify.bad_state_proof", "verify.state_value_mismatch", "verify.state_root_mismatch"}
    assert verify_js.call(PROOF_CODES, tampered) == expected


def test_malformed_proofs_are_refused_as_the_python_parser_refuses_them(verify_js: JsModule) -> None:
    tree = tree_of({"a": "1", "b": "2", "c": "3"})
    root, proof = tree.root().hex(), tree.prove(b"a").to_json()
    sibling = proof["siblings"][0]
    malformed = [
        {"leaf": proof["leaf"]},
        {**proof, "depth": 1},
        {**proof, "siblings": [sibling.upper()]},
        {**proof, "siblings": [sibling[:-2]]},
        {**proof, "siblings": [EMPTY.hex()] * 257},
        {**proof, "siblings": sibling},
        {**proof, "leaf": {"key_hash": proof["leaf"]["key_hash"]}},
        {**proof, "leaf": []},
        [],
        None,
    ]
    cases = [[root, "a", "1", p] for p in malformed]
    expected = [python_code(c) for c in cases]
    assert expected == ["verify.bad_state_proof"] * len(cases)
    assert verify_js.call(PROOF_CODES, cases) == expected


# -- state bundles and proven reads ----------------------------------------------------------------


def v2_header(state_root: bytes, chain: str = CHAIN) -> Header:
    return Header(chain, 7, 7000, "11" * 32, "22" * 32, 1, 9, "33" * 32, "44" * 32, state_root.hex())


def no_set_change(tree: SparseMerkleTree, header: Header) -> dict[str, Any]:
    """The ``consortium`` member a node serves on a chain without set change: no change, and
    ``consortium/count`` proven absent under the bundle's own header (a v2 bundle needs it)."""
    count = {"key": "consortium/count", "value": None, "proof": tree.prove(b"consortium/count").to_json()}
    attestations = [attest(header, k).to_json() for k in NODES[:3]]
    return {"changes": [], "count": count | {"header": header.to_json(), "attestations": attestations}}


def bundle_of(
    tree: SparseMerkleTree, header: Header, key: str, value: str | None, signers: list[int]
) -> dict[str, Any]:
    return {
        "key": key,
        "value": value,
        "proof": tree.prove(key.encode()).to_json(),
        "header": header.to_json(),
        "attestations": [attest(header, NODES[i]).to_json() for i in signers],
        "consortium": no_set_change(tree, header),
    }


def python_bundle_code(bundle: Any) -> str | None:
    try:
        verify_state_bundle(bundle, Genesis.from_json(GENESIS))
    except VerificationFailed as exc:
        return exc.code
    return None


def test_state_bundles_under_v2_headers_agree_with_verify_state_bundle(verify_js: JsModule) -> None:
    state = random_state(random.Random(7), 40)
    tree = tree_of(state)
    header = v2_header(tree.root())
    member = next(iter(state))
    good = [
        bundle_of(tree, header, member, state[member], [0, 1, 2]),
        bundle_of(tree, header, "nothing/here", None, [3, 2, 1, 0]),
    ]
    v1 = Header(
        *(
            getattr(header, f)
            for f in (
                "chain_id",
                "height",
                "time_ms",
                "prev_hash",
                "tx_root",
                "tx_count",
                "log_size",
                "log_root",
                "app_hash",
            )
        )
    )
    changes = {
        "extra member": lambda b: b.update(height=7),
        "v1 header": lambda b: b.update(header=v1.to_json(), attestations=[attest(v1, k).to_json() for k in NODES]),
        "other chain": lambda b: b.update(
            header=(h := v2_header(tree.root(), "other")).to_json(),
            attestations=[attest(h, k).to_json() for k in NODES],
        ),
        "unknown attester": lambda b: b["attestations"].append(attest(header, ADMIN).to_json()),
        "below quorum": lambda b: b["attestations"].pop(),
        "wrong value": lambda b: b.update(value=b["value"] + "0"),
        "claimed absent": lambda b: b.update(value=None),
        "key not text": lambda b: b.update(key=5),
        "other root": lambda b: b["header"].update(state_root="55" * 32),
    }
    tampered = []
    for change in changes.values():
        bundle = copy.deepcopy(good[0])
        change(bundle)
        tampered.append(bundle)
    genesis = json.dumps(GENESIS)
    results = verify_js.call(BUNDLE_RESULTS, [good + tampered, genesis])
    assert [r["code"] for r in results] == [python_bundle_code(b) for b in good + tampered]
    assert [r["code"] for r in results[2:]] == [
        "verify.bad_bundle", "verify.no_state_root", "verify.wrong_chain", "verify.unknown_attester",
        "verify.no_quorum", "verify.state_value_mismatch", "verify.state_value_mismatch", "verify.bad_bundle",
        "verify.bad_attestation",
    ]  # fmt: skip
    for result, bundle in zip(results[:2], good, strict=True):
        assert result["ok"] and result["header"]["height"] == 7 and result["value"] == bundle["value"]
        assert result["blockHash"] == header.block_hash
    assert results[0]["attesters"] == ["org 0", "org 1", "org 2"] and results[1]["attesters"] == [
        f"org {i}" for i in range(4)
    ]
    assert [s["step"] for s in results[0]["steps"]][-1] == "proof" and all(s["ok"] for s in results[0]["steps"])
    assert "set-count" in [s["step"] for s in results[0]["steps"]] and results[0]["setChanges"] == 0


def test_proven_reads_give_the_values_verify_reads_gives(verify_js: JsModule) -> None:
    state = random_state(random.Random(8), 30)
    tree = tree_of(state)
    header = v2_header(tree.root())
    keys = [*sorted(state)[:5], "land/lien/P-1/0000000009"]
    reads = [{"key": k, "value": state.get(k), "proof": tree.prove(k.encode()).to_json()} for k in keys]
    proofs = {
        "header": header.to_json(),
        "attestations": [attest(header, k).to_json() for k in NODES[:3]],
        "reads": reads,
        "consortium": no_set_change(tree, header),
    }
    got = verify_js.call(READS, [proofs, GENESIS])
    assert got == {
        "values": verify_reads(proofs, Genesis.from_json(GENESIS)).values,
        "attesters": ["org 0", "org 1", "org 2"],
        "height": 7,
    }
    assert got["values"]["land/lien/P-1/0000000009"] is None
    swapped = copy.deepcopy(proofs)
    swapped["reads"][0]["proof"], swapped["reads"][1]["proof"] = reads[1]["proof"], reads[0]["proof"]
    assert verify_js.call(READS, [swapped, GENESIS]) == {"code": "verify.state_value_mismatch"}
    assert verify_js.call(READS, [{**proofs, "reads": {}}, GENESIS]) == {"code": "verify.bad_bundle"}
    stripped = {k: v for k, v in proofs.items() if k != "consortium"}
    with pytest.raises(VerificationFailed) as refused:
        verify_reads(stripped, Genesis.from_json(GENESIS))
    assert verify_js.call(READS, [stripped, GENESIS]) == {"code": refused.value.code}


# -- the vectors -----------------------------------------------------------------------------------


def state_vectors() -> Any:
    if not STATE_VECTORS.exists():
        pytest.skip("tests/vectors/state_proof.json is not written yet")
    return json.loads(STATE_VECTORS.read_text(encoding="utf-8"))


def test_state_proof_vectors(verify_js: JsModule) -> None:
    v = state_vectors()
    valid = [[c["root"], c["key"], c["value"], c["proof"]] for c in v["valid"]]
    assert verify_js.call(PROOF_CODES, valid) == [None] * len(valid)
    assert {c["ends"] for c in v["valid"]} == {"member", "empty", "other_leaf"}
    tampered = [[c["root"], c["key"], c["value"], c["proof"]] for c in v["tampered"]]
    got = verify_js.call(PROOF_CODES, tampered)
    assert dict(zip([c["name"] for c in v["tampered"]], got, strict=True)) == {
        c["name"]: c["error"] for c in v["tampered"]
    }
    assert verify_js.call("(m) => m.bytesToHex(m.STATE_EMPTY)") == v["states"]["empty"]["root"]


def test_state_bundle_vectors(verify_js: JsModule) -> None:
    b = state_vectors()["bundles"]
    results = verify_js.call(BUNDLE_RESULTS, [b["valid"], b["genesis"]])
    genesis = Genesis.from_json(b["genesis"])
    for result, bundle in zip(results, b["valid"], strict=True):
        assert result["ok"] and result["code"] is None, result
        assert result["genesisSha256"] == b["genesis_hash"]
        assert result["attesters"] == list(verify_state_bundle(bundle, genesis).attesters)
    results = verify_js.call(BUNDLE_RESULTS, [[c["bundle"] for c in b["tampered"]], json.dumps(b["genesis"])])
    got = {c["name"]: r["code"] for c, r in zip(b["tampered"], results, strict=True)}
    assert got == {c["name"]: c["error"] for c in b["tampered"]}


def test_receipt_bundles_under_v2_headers_verify(verify_js: JsModule) -> None:
    bundles = json.loads((VECTORS / "proof_bundle.json").read_text(encoding="utf-8"))
    genesis, v2 = bundles["genesis"], bundles["v2"]
    check = "(m, [bundles, genesis]) => bundles.map((b) => m.verifyBundle(b, genesis))"
    for result, bundle in zip(verify_js.call(check, [v2["valid"], genesis]), v2["valid"], strict=True):
        assert result["ok"], result
        assert result["blockHash"] == Header.from_json(bundle["header"]).block_hash
        assert result["attesters"] == list(verify_bundle(bundle, Genesis.from_json(genesis)).attesters)
    results = verify_js.call(check, [[c["bundle"] for c in v2["tampered"]], genesis])
    assert {c["name"]: r["code"] for c, r in zip(v2["tampered"], results, strict=True)} == {
        c["name"]: c["error"] for c in v2["tampered"]
    }
