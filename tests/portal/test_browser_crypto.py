"""In Chromium, the portal's verify.js agrees with the node: strict JSON, JCS bytes, strict Ed25519
(every ed25519-speccheck case against PyNaCl), RFC 9162 proofs, and proof bundles from the vectors and
from a real node, tampered or not. The node's own code is the reference every answer is compared with.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Request
from tests.portal.conftest import JsModule

from metrobloc.codec import canonical_json, parse_json
from metrobloc.crypto import PrivateKey, verify_signature
from metrobloc.errors import MetroblocError
from metrobloc.ledger import Genesis, Header, verify_bundle
from metrobloc.ledger.genesis import quorum
from metrobloc.sdk import assets

VECTORS = Path(__file__).parents[1] / "vectors"
MAX_SAFE = 2**53 - 1
L = 2**252 + 27742317777372353535851937790883648493

JCS_HEX = "(m, text) => m.bytesToHex(m.jcs(m.parseStrictJSON(text)))"
PARSE_CODE = """(m, text) => {
  const code = (input) => { try { m.parseStrictJSON(input); return 'ok'; }
                            catch (e) { if (e instanceof m.Refused) return e.code; throw e; } };
  return [code(text), code(new TextEncoder().encode(text))];
}"""
VERIFY_STRICT = """(m, cases) => cases.map(([pk, msg, sig]) =>
  m.verifyStrict(m.hexToBytes(pk), m.hexToBytes(msg), m.hexToBytes(sig)))"""
VERIFY_BUNDLE = "(m, [bundle, genesis]) => m.verifyBundle(bundle, genesis)"


def jcs_code(expression: str) -> str:
    """JavaScript that runs jcs on the value of ``expression`` (the page's CSP forbids eval)."""
    return f"""(m) => {{ try {{ m.jcs({expression}); return 'ok'; }}
                     catch (e) {{ if (e instanceof m.Refused) return e.code; throw e; }} }}"""


def vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def node_parse_code(text: str) -> str:
    try:
        parse_json(text)
    except MetroblocError as exc:
        return exc.code
    return "ok"


def node_bundle_code(bundle_text: str, genesis_text: str) -> str | None:
    """The node's verdict on a bundle: None when valid, else the error code."""
    try:
        verify_bundle(parse_json(bundle_text), Genesis.load(genesis_text))
    except MetroblocError as exc:
        return exc.code
    return None


# -- JCS and strict JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", vectors("canonical_json.json")["cases"], ids=lambda c: c["name"])
def test_jcs_bytes_equal_the_vectors_and_the_node(verify_js: JsModule, case: dict[str, str]) -> None:
    got = verify_js.call(JCS_HEX, case["input"])
    assert got == case["output_hex"] == canonical_json(parse_json(case["input"])).hex()


TRICKY: dict[str, Any] = {
    "every control character": "".join(map(chr, range(0x20))) + "\x7f",
    "escapes and look-alikes": "quote\" backslash\\ slash/ apostrophe' <script>&amp; \u2028\u2029",
    "non-BMP characters": ["\U0001f600", "\U00010000", "\U0010ffff", "a\U0001d11eb"],
    "BOM, bidi override, combining mark": ["\ufeff", "\u202e evil \u202c", "e\u0301", "\u00e9", "\u0000"],
    "keys by UTF-16 code units": {
        "\ue000": 1, "\U0001f600": 2, "\uffff": 3, "z": 4, "a": 5, "\U0001f600x": 6, "\u00e9": 7,
        "\ufb33": 8, "\u20ac": 9, "\r": 10, "": 11,
    },
    "integer-like keys keep string order": {"10": 0, "2": 1, "1": 2, "-1": 3, "01": 4, "1.5": 5},
    "keys that are object properties": {"__proto__": {"constructor": 1}, "toString": 2, "hasOwnProperty": 3},
    "nested objects": {"b": [{"\U00010000": {"\ufb33": "x", "\u20ac": "y"}}, []], "a": {"": {}}},
    "integers at the edges": [0, 1, -1, MAX_SAFE, -MAX_SAFE, 10**15],
    "amount strings": {"amount": str(2**128 - 1), "decimals": 2},
}


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "raw"])
@pytest.mark.parametrize("name", TRICKY)
def test_jcs_bytes_equal_the_node_on_tricky_values(verify_js: JsModule, name: str, ascii_only: bool) -> None:
    text = json.dumps(TRICKY[name], ensure_ascii=ascii_only)
    assert verify_js.call(JCS_HEX, text) == canonical_json(TRICKY[name]).hex()


def test_jcs_refuses_lone_surrogates_like_the_node(verify_js: JsModule) -> None:
    for text in ['"\\ud800"', '"\\udc00"', '["a\\ud83d"]', '{"\\udfff": 1}', '"\\ude00\\ud83d"']:
        assert verify_js.call(PARSE_CODE, text) == ["codec.bad_json"] * 2, text
        assert node_parse_code(text) == "codec.bad_json", text
    # Values built in JavaScript, never parsed: jcs checks them itself.
    for make in ['"\\ud800"', '["\\udc00"]', '({"\\ud800": 1})', 'String.fromCharCode(0xd83d) + "x"']:
        assert verify_js.call(jcs_code(make)) == "codec.bad_json", make
    with pytest.raises(MetroblocError) as refused:
        canonical_json("\ud800")
    assert refused.value.code == "codec.bad_json"


def test_jcs_refuses_values_the_node_cannot_hold(verify_js: JsModule) -> None:
    refused = {
        "1.5": "codec.float_not_allowed",
        "[NaN]": "codec.float_not_allowed",
        "2 ** 53": "codec.integer_out_of_range",
        "({a: -(2 ** 53)})": "codec.integer_out_of_range",
        "10n": "codec.bad_json",
        "[undefined]": "codec.bad_json",
        "({f: () => 1})": "codec.bad_json",
        "new Date(0)": "codec.bad_json",
    }
    for make, code in refused.items():
        assert verify_js.call(jcs_code(make)) == code, make
    assert verify_js.call(jcs_code("[2 ** 53 - 1, -0, {}]")) == "ok"


@pytest.mark.parametrize("case", vectors("canonical_json.json")["refused"], ids=lambda c: c["name"])
def test_parse_refuses_what_the_node_refuses(verify_js: JsModule, case: dict[str, str]) -> None:
    assert verify_js.call(PARSE_CODE, case["input"]) == [case["error"]] * 2


EDGE_TEXTS = [
    "9007199254740991", "-9007199254740991", "9007199254740992", "-9007199254740992", "[1e400]",
    "12345678901234567", "00", "-", "-0", "[-0]", "1.", ".5", "1E+2", "0e0", "[1,2", "{\"a\" 1}",
    '{"a":1,}', '{"a":1 "b":2}', '"\\x"', '"\\u12"', '"\\uD83D\\uDE00"', '"\\u00E9"', "nul", "truex",
    " ", "\u00a0{}", "{}\n", "[1,\n2]", '"a\nb"', '"\u2028"', "{1: 2}", '{"__proto__": 1}',
    '{"__proto__": 1, "__proto__": 2}', '{"a": {"b": 1, "b": 1}}', '[{"a": 1}, {"a": 1}]',
    "[" * 32 + "]" * 32, "[" * 33 + "]" * 33, "[" * 40, "[" * 1100 + "]" * 1100, '{"a": [1.5, {"a": 1, "a": 2}]}',
]


@pytest.mark.parametrize("text", EDGE_TEXTS, ids=lambda t: repr(t[:24]))
def test_strict_parser_agrees_with_the_node(verify_js: JsModule, text: str) -> None:
    assert verify_js.call(PARSE_CODE, text) == [node_parse_code(text)] * 2
    if node_parse_code(text) == "ok":
        assert verify_js.call(JCS_HEX, text) == canonical_json(parse_json(text)).hex()


def test_parse_refuses_2_53_and_duplicate_keys_that_json_parse_hides(verify_js: JsModule) -> None:
    hidden = verify_js.call("() => [JSON.parse('9007199254740993'), JSON.parse('{\"a\": 1, \"a\": 2}').a]")
    assert hidden == [2**53, 2]  # what JSON.parse makes of them, silently
    assert verify_js.call(PARSE_CODE, "9007199254740992")[0] == "codec.integer_out_of_range"
    assert verify_js.call(PARSE_CODE, '{"amount": 18446744073709551616}')[0] == "codec.integer_out_of_range"
    assert verify_js.call(PARSE_CODE, '{"a": 1, "a": 2}')[0] == "codec.duplicate_key"
    assert verify_js.call(PARSE_CODE, '{"x": [{"to": "a", "to": "a"}]}')[0] == "codec.duplicate_key"
    assert verify_js.call("(m) => m.parseStrictJSON('[9007199254740991, -0]')") == [MAX_SAFE, 0]
    assert verify_js.call("(m) => Object.keys(m.parseStrictJSON('{\"__proto__\": 1}'))") == ["__proto__"]


# -- Ed25519 ---------------------------------------------------------------------------------------


SPECCHECK = vectors("ed25519_speccheck.json")


@pytest.mark.parametrize("number", range(len(SPECCHECK)))
def test_verify_strict_agrees_with_pynacl_on_speccheck(verify_js: JsModule, number: int) -> None:
    case = SPECCHECK[number]
    triple = [case["pub_key"], case["message"], case["signature"]]
    expected = verify_signature(*(bytes.fromhex(h) for h in triple))
    assert verify_js.call(VERIFY_STRICT, [triple]) == [expected]


def test_speccheck_cases_are_the_ones_libsodium_refuses() -> None:
    triples = [[bytes.fromhex(c[k]) for k in ("pub_key", "message", "signature")] for c in SPECCHECK]
    accepted = [n for n, triple in enumerate(triples) if verify_signature(*triple)]
    assert len(SPECCHECK) == 12 and accepted == [3]


SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


def mutated_signatures() -> list[list[str]]:
    """Valid signatures and variants: S + L, small-order and non-canonical R and A, flipped bits."""
    rng = random.Random(9162)
    out = []
    for n in range(6):
        key = PrivateKey(bytes([0x40 + n]) * 32)
        msg = rng.randbytes(n * 7)
        sig = key.sign(msg)
        pk = key.public_key.raw
        s_plus_l = (int.from_bytes(sig[32:], "little") + L).to_bytes(32, "little")
        out += [[pk, msg, sig], [pk, msg + b"!", sig], [pk, msg, sig[:32] + s_plus_l]]
        small_r, small_a = (bytes.fromhex(rng.choice(SMALL_ORDER)) for _ in range(2))
        out += [[pk, msg, small_r + sig[32:]], [small_a, msg, sig]]
        for _ in range(4):
            parts = [bytearray(pk), bytearray(msg or b"\0"), bytearray(sig)]
            which = rng.randrange(3)
            parts[which][rng.randrange(len(parts[which]))] ^= 1 << rng.randrange(8)
            out.append([bytes(p) for p in parts])
    return [[p.hex() for p in triple] for triple in out]


def test_verify_strict_agrees_with_pynacl_on_real_and_mutated_signatures(verify_js: JsModule) -> None:
    triples = mutated_signatures()
    expected = [verify_signature(*(bytes.fromhex(h) for h in t)) for t in triples]
    assert verify_js.call(VERIFY_STRICT, triples) == expected
    assert 6 <= sum(expected) < len(expected)


def test_keys_vectors_addresses_and_signatures(verify_js: JsModule) -> None:
    keys = vectors("keys.json")["keys"]
    got = verify_js.call(
        """(m, keys) => keys.map((k) => {
             const pk = m.b64urlDecode(k.public_key, 32);
             return [m.bytesToHex(pk), m.b64urlEncode(pk), m.addressOf(pk), m.isAddress(k.address),
                     m.verifyStrict(pk, m.hexToBytes(k.message_hex), m.hexToBytes(k.signature_hex))];
           })""",
        keys,
    )
    assert got == [[k["public_key_hex"], k["public_key"], k["address"], True, True] for k in keys]
    refused = verify_js.call(
        """(m) => ['AB', 'A', 'AA==', 'A+', 'a b'].map((t) => { try { m.b64urlDecode(t); return 'ok'; }
                                                         catch (e) { return e.code; } })"""
    )
    assert refused == ["codec.bad_base64url"] * 5


# -- RFC 9162 --------------------------------------------------------------------------------------


MERKLE_CHECKS = """(m, v) => {
  const h = (x) => m.hexToBytes(x);
  const root = (size) => h(v.roots[size]);
  const bad = [];
  v.leaves.forEach((leaf, i) => {
    if (m.bytesToHex(m.leafHash(h(leaf))) !== v.leaf_hashes[i]) bad.push(`leaf ${i}`);
  });
  for (const c of v.inclusion) {
    const ok = m.verifyInclusion(h(v.leaf_hashes[c.index]), c.index, c.size, c.path.map(h), root(c.size));
    if (!ok) bad.push(`inclusion ${c.index}/${c.size}`);
  }
  for (const c of v.consistency) {
    const proof = c.proof.map(h);
    if (!m.verifyConsistency(c.first, c.second, proof, root(c.first), root(c.second))) {
      bad.push(`consistency ${c.first}-${c.second}`);
    }
    if (c.first !== c.second && m.verifyConsistency(c.first, c.second, proof, root(c.second), root(c.second))) {
      bad.push(`wrong first root ${c.first}-${c.second}`);
    }
  }
  return bad;
}"""


def test_merkle_vectors(verify_js: JsModule) -> None:
    assert verify_js.call(MERKLE_CHECKS, vectors("merkle.json")) == []


def test_log_consistency_answer(verify_js: JsModule) -> None:
    c = vectors("proof_bundle.json")["consistency"]
    check = "(m, [answer, a, b]) => m.checkLogConsistency(answer, a, b).code"
    assert verify_js.call(check, [c, c["first_root"], c["second_root"]]) is None
    assert verify_js.call(check, [c, c["second_root"], c["first_root"]]) == "verify.inconsistent"
    assert verify_js.call(check, [{**c, "proof": ["AB"]}, c["first_root"], c["second_root"]]) == "verify.bad_bundle"
    assert verify_js.call(check, [json.dumps(c), c["first_root"], c["second_root"]]) is None


# -- proof bundles: vectors ------------------------------------------------------------------------


BUNDLES = vectors("proof_bundle.json")


def test_valid_bundle_vectors_verify(verify_js: JsModule) -> None:
    genesis = Genesis.from_json(BUNDLES["genesis"])
    for bundle in [BUNDLES["bundle"], *BUNDLES["also_valid"]]:
        result = verify_js.call(VERIFY_BUNDLE, [bundle, BUNDLES["genesis"]])
        assert result["ok"] and result["code"] is None, result
        assert result["genesisSha256"] == BUNDLES["genesis_hash"] == genesis.hash
        assert result["attesters"] == list(verify_bundle(bundle, genesis).attesters)
        assert all(step["ok"] for step in result["steps"])


def test_quorum_matches_the_node(verify_js: JsModule) -> None:
    got = verify_js.call("(m) => [...Array(12).keys()].map((n) => m.quorum(n + 1))")
    assert got == [quorum(n) for n in range(1, 13)]


@pytest.mark.parametrize("case", BUNDLES["tampered"], ids=lambda c: c["name"])
def test_tampered_bundle_vectors_fail_with_the_node_code(verify_js: JsModule, case: dict[str, Any]) -> None:
    result = verify_js.call(VERIFY_BUNDLE, [case["bundle"], BUNDLES["genesis"]])
    assert not result["ok"] and result["code"] == case["error"], result
    failed = [step for step in result["steps"] if step["ok"] is False]
    assert failed and result["code"] in {step["code"] for step in failed}


# -- proof bundles from a real node ----------------------------------------------------------------


class RealProof:
    """A transfer of 25.00 CITY on a real node, its proof bundle text and the node's genesis text."""

    def __init__(self, node: Any) -> None:
        admin = node.admin()
        bob = PrivateKey(bytes([0x5B]) * 32)
        with node.client() as client:
            client.submit(client.build_tx([admin], [assets.create("CITY", "City Coin")]), wait=True)
            client.submit(client.build_tx([admin], [assets.mint("CITY", admin.address, 10_000)]), wait=True)
            tx = client.build_tx([admin], [assets.transfer("CITY", bob.address, 2500)])
            self.receipt = client.submit(tx, wait=True)["receipt"]
            self.tx_hash = tx.hash
        self.bundle_text = httpx.get(f"{node.url}/v1/txs/{self.tx_hash}/proof", timeout=30).text
        self.genesis_text = node.genesis_path().read_text(encoding="utf-8")

    def bundle(self) -> dict[str, Any]:
        return dict(json.loads(self.bundle_text))


@pytest.fixture(scope="module")
def real_proof(shared_node: Any) -> RealProof:
    return RealProof(shared_node)


def test_a_real_bundle_verifies_in_the_browser_without_fetching(verify_js: JsModule, real_proof: RealProof) -> None:
    verify_js.call("() => null")  # the module and its imports are loaded now
    requests: list[Request] = []
    verify_js.page.on("request", lambda request: requests.append(request))
    result = verify_js.call(VERIFY_BUNDLE, [real_proof.bundle_text, real_proof.genesis_text])
    assert requests == [], "verifyBundle fetched something"
    assert result["ok"] and result["code"] is None, result
    assert node_bundle_code(real_proof.bundle_text, real_proof.genesis_text) is None
    genesis = Genesis.load(real_proof.genesis_text)
    assert result["genesisSha256"] == genesis.hash
    assert result["blockHash"] == Header.from_json(real_proof.bundle()["header"]).block_hash
    assert result["attesters"] == [o.name for o in genesis.organizations]
    steps = [step["step"] for step in result["steps"]]
    # The node serves the consortium member: no set change on this chain, its absence proven.
    assert steps[:7] == ["genesis", "bundle", "set-count", "receipt", "inclusion", "order", "header"]
    assert result["setChanges"] == 0 and result["keys"]["size"] == len(genesis.organizations)
    assert steps[-1] == "quorum" and "attestation" in steps and all(step["ok"] for step in result["steps"])


def check_tampered(verify_js: JsModule, bundle: Any, genesis_text: str, code: str) -> dict[str, Any]:
    """Run a bundle that must fail with ``code`` (in the browser and in the node); its steps by name."""
    text = json.dumps(bundle)
    result = verify_js.call(VERIFY_BUNDLE, [text, genesis_text])
    assert not result["ok"] and result["code"] == code, result
    assert node_bundle_code(text, genesis_text) == code
    return {step["step"]: step for step in result["steps"]}


def test_a_changed_amount_fails_at_inclusion(verify_js: JsModule, real_proof: RealProof) -> None:
    bundle = real_proof.bundle()
    (event,) = [e for e in bundle["receipt"]["events"] if e["attributes"].get("amount") == "2500"]
    event["attributes"]["amount"] = "250000"
    steps = check_tampered(verify_js, bundle, real_proof.genesis_text, "verify.bad_inclusion")
    assert steps["inclusion"]["ok"] is False and steps["quorum"]["ok"] and steps["attestation"]["ok"]


def test_a_changed_header_fails_at_the_attestation(verify_js: JsModule, real_proof: RealProof) -> None:
    bundle = real_proof.bundle()
    bundle["header"]["time_ms"] += 1
    steps = check_tampered(verify_js, bundle, real_proof.genesis_text, "verify.bad_attestation")
    assert steps["attestation"]["ok"] is False and steps["inclusion"]["ok"] and steps["quorum"]["ok"] is False


def test_a_wrong_genesis_fails(verify_js: JsModule, real_proof: RealProof) -> None:
    other_chain = json.dumps(BUNDLES["genesis"])
    steps = check_tampered(verify_js, real_proof.bundle(), other_chain, "verify.wrong_chain")
    assert steps["set-count"]["ok"] is False, "the count's header is the first one checked against the chain"
    assert "chain" not in steps
    same_chain = copy.deepcopy(json.loads(real_proof.genesis_text))
    same_chain["organizations"][0]["node_key"] = PrivateKey(bytes([0x77]) * 32).public_key.to_b64()
    impostor = json.dumps(same_chain)
    steps = check_tampered(verify_js, real_proof.bundle(), impostor, "verify.unknown_attester")
    result = verify_js.call(VERIFY_BUNDLE, [real_proof.bundle_text, impostor])
    assert result["genesisSha256"] == Genesis.load(impostor).hash != Genesis.load(real_proof.genesis_text).hash


def test_an_integer_above_2_53_is_refused(verify_js: JsModule, real_proof: RealProof) -> None:
    text = real_proof.bundle_text.replace('"leaf_index":', '"leaf_index": 9007199254740993, "x":', 1)
    assert text != real_proof.bundle_text
    result = verify_js.call(VERIFY_BUNDLE, [text, real_proof.genesis_text])
    assert result["code"] == "codec.integer_out_of_range" and result["steps"][-1]["step"] == "bundle"
    duplicate = real_proof.bundle_text.replace('"leaf_index":', '"leaf_index": 0, "leaf_index":', 1)
    assert verify_js.call(VERIFY_BUNDLE, [duplicate, real_proof.genesis_text])["code"] == "codec.duplicate_key"
