"""js/verify/di.js and js/verify/vc.js in Chromium against the Python they mirror: the W3C vc-di-eddsa
eddsa-jcs-2022 vectors byte for byte (canonical forms, hashes, hash data, signature, proofValue),
credentials signed by metrobloc.credentials.di.add_proof verify, and every tampered or malformed one
is refused with the code di.py gives; the credential model, Multikeys and status bits the same way."""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Callable
from typing import Any

import base58
import pytest
from tests.credentials.test_di import EXAMPLES_CONTEXT, JCS, leaves, signed, tampered, text, unsigned, vector_key
from tests.portal.conftest import JsModule

from metrobloc.credentials import di, status, vc
from metrobloc.credentials.multikey import decode_ed25519, encode_ed25519
from metrobloc.crypto import PrivateKey
from metrobloc.errors import MetroblocError

DI = "js/verify/di.js"
VC = "js/verify/vc.js"
# A did:key resolver in the page, as test_di.py's: the key is the fragment's Multikey.
JS_VERIFY = """async (m, arg) => {
  const { Refused } = await import('/static/js/verify/canonical.js');
  const resolve = (method) => {
    const [did, fragment] = method.split('#');
    if (did !== 'did:key:' + fragment) {
      throw new Refused('no verification method ' + method, 'identity.unknown_verification_method');
    }
    return m.decodeEd25519Multikey(fragment);
  };
  try {
    const out = await m.verifyProof(arg.document, resolve, { contexts: arg.contexts });
    return { ok: true, method: out.verificationMethod, document: out.document };
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    return { ok: false, code: err.code };
  }
}"""


def did_key(method: str) -> bytes:
    did, _, fragment = method.partition("#")
    if did != "did:key:" + fragment:
        raise MetroblocError(f"no verification method {method}", "identity.unknown_verification_method")
    return decode_ed25519(fragment)


def python_code(document: Any, contexts: frozenset[str]) -> str | None:
    try:
        di.verify_proof(document, did_key, contexts=contexts)
    except MetroblocError as exc:
        return exc.code
    return None


@pytest.fixture
def di_js(js_module: Callable[[str], JsModule]) -> JsModule:
    return js_module(DI)


def js_code(mod: JsModule, document: Any, contexts: frozenset[str]) -> str | None:
    answer = mod.call(JS_VERIFY, {"document": document, "contexts": sorted(contexts)})
    return None if answer["ok"] else str(answer["code"])


CONTEXTS = di.KNOWN_CONTEXTS | {EXAMPLES_CONTEXT}


def test_the_w3c_vectors_reproduce_byte_for_byte(di_js: JsModule) -> None:
    steps = di_js.call(
        """(m, doc) => {
          const bytes = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
          const p = m.prepareProof(doc.signed, { contexts: doc.contexts });
          const text = (b) => new TextDecoder().decode(b);
          return { canonDoc: text(p.canonicalDocument), proofCanon: text(p.canonicalProofConfig),
                   hashData: bytes(p.hashData), signature: bytes(p.signature),
                   reencoded: 'z' + m.base58Encode(p.signature), transform: text(m.transform(doc.unsigned)) };
        }""",
        {"signed": signed(), "unsigned": unsigned(), "contexts": sorted(CONTEXTS)},
    )
    assert steps["canonDoc"] == text("canonDocJCS.txt") == steps["transform"]
    assert hashlib.sha256(steps["canonDoc"].encode()).hexdigest() == text("docHashJCS.txt")
    assert steps["proofCanon"] == text("proofCanonJCS.txt")
    assert hashlib.sha256(steps["proofCanon"].encode()).hexdigest() == text("proofHashJCS.txt")
    assert steps["hashData"] == text("combinedHashJCS.txt")
    assert steps["signature"] == text("sigHexJCS.txt")
    assert steps["reencoded"] == text("sigBTC58JCS.txt") == signed()["proof"]["proofValue"]
    assert (JCS / "proofConfigJCS.json").exists()
    assert js_code(di_js, signed(), CONTEXTS) is None


def test_every_tampered_vector_field_fails_with_the_python_code(di_js: JsModule) -> None:
    documents = [tampered(path) for path in leaves(signed())]
    documents.append(signed())
    documents[-1]["credentialSubject"]["gpa"] = 3.5  # JCS here has integers only: fail closed
    for document in documents:
        expected = python_code(copy.deepcopy(document), CONTEXTS)
        assert expected is not None
        assert js_code(di_js, document, CONTEXTS) == expected, document
    assert js_code(di_js, signed(), di.KNOWN_CONTEXTS) == "credential.unknown_context"  # pinned by default


def malformed() -> list[Any]:
    value = signed()["proof"]["proofValue"]
    changes: list[Callable[[dict[str, Any]], Any]] = [
        lambda d: d["proof"].update(proofValue=value[1:]),
        lambda d: d["proof"].update(proofValue=value + " "),
        lambda d: d["proof"].update(proofValue=value[:-1] + "0"),
        lambda d: d["proof"].update(proofValue="z" + base58.b58encode(b"\x01" * 65).decode()),
        lambda d: d["proof"].update(proofValue="z" + "1" * 200),
        lambda d: d["proof"].update(proofValue=7),
        lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022"),
        lambda d: d["proof"].update(type="Ed25519Signature2020"),
        lambda d: d.pop("proof"),
        lambda d: d.update(proof=[d["proof"]]),
        lambda d: d["proof"].pop("proofPurpose"),
        lambda d: d["proof"].update(domain=["a"]),
        lambda d: d["proof"].update(created="2023-02-24T23:36:38"),
        lambda d: d["proof"].update(created="2023-02-30T23:36:38Z"),
        lambda d: d["proof"].update(expires="tomorrow"),
        lambda d: d["proof"].update(created="2023-02-24T23:36:39Z"),
        lambda d: d.update(extra="member"),
        lambda d: d["type"].reverse(),
        lambda d: d["proof"].update(nonce="abc"),
        lambda d: d["proof"].update(proofPurpose="authentication"),
        lambda d: d.update({"@context": [di.VC_V2_CONTEXT, EXAMPLES_CONTEXT, {"inline": 1}]}),
    ]
    documents = []
    for change in changes:
        document = signed()
        change(document)
        documents.append(document)
    return [*documents, [signed()], "credential", None]


def test_malformed_proofs_fail_with_the_python_code(di_js: JsModule) -> None:
    for document in malformed():
        expected = python_code(copy.deepcopy(document), CONTEXTS)
        assert expected is not None, document
        assert js_code(di_js, document, CONTEXTS) == expected, document


def test_python_signed_credentials_verify_in_the_browser(di_js: JsModule) -> None:
    for n in range(5):
        key = PrivateKey(os.urandom(32))
        multikey = encode_ed25519(key.public_key.raw)
        method = f"did:key:{multikey}#{multikey}"
        document = {
            "@context": [di.VC_V2_CONTEXT],
            "type": ["VerifiableCredential", "ResidencyCredential"],
            "issuer": f"did:key:{multikey}",
            "validFrom": "2026-01-02T03:04:05.678Z",
            "credentialSubject": {"id": "did:example:holder", "district": "Hafen ✓ \u00e9\U0001f3e0", "n": n * 1000},
        }
        created = None if n % 2 else "2026-01-02T03:04:05Z"
        secured = di.add_proof(document, key, method, created=created)
        assert js_code(di_js, secured, di.KNOWN_CONTEXTS) is None
        answer = di_js.call(JS_VERIFY, {"document": secured, "contexts": sorted(di.KNOWN_CONTEXTS)})
        assert answer["method"] == method and answer["document"] == document
        for path in leaves(secured):
            changed = _tamper(secured, path)
            assert js_code(di_js, changed, di.KNOWN_CONTEXTS) == python_code(changed, di.KNOWN_CONTEXTS)


def _tamper(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for step in path[:-1]:
        parent = parent[step]
    old = parent[path[-1]]
    parent[path[-1]] = old + 1 if isinstance(old, int) else old[:-1] + ("X" if old[-1] != "X" else "Y")
    return changed


def test_the_vector_key_and_multikeys_match_python(di_js: JsModule) -> None:
    keys = [vector_key().public_key.raw, *(PrivateKey(os.urandom(32)).public_key.raw for _ in range(5)), bytes(32)]
    for raw in keys:
        text_ = encode_ed25519(raw)
        assert (
            di_js.call(
                "(m, hex) => m.encodeEd25519Multikey(Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16)))",
                raw.hex(),
            )
            == text_
        )
        back = di_js.call("(m, t) => Array.from(m.decodeEd25519Multikey(t))", text_)
        assert bytes(back) == raw
    for bad in [
        "z6Mk",
        "u" + encode_ed25519(keys[0])[1:],
        encode_ed25519(keys[0]) + "1",
        "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
    ]:
        code = di_js.call(
            "(m, t) => { try { m.decodeEd25519Multikey(t); return null; } catch (e) { return e.code; } }", bad
        )
        assert code == "identity.bad_multikey"


STATUS_URL = "https://node.example/v1/identity/status-lists/" + PrivateKey(b"\x01" * 32).address + "/rev-1"
GOOD: dict[str, Any] = {
    "@context": [di.VC_V2_CONTEXT],
    "type": ["VerifiableCredential", "ResidencyCredential"],
    "issuer": "did:mb:" + PrivateKey(b"\x01" * 32).address,
    "validFrom": "2026-01-02T03:04:05Z",
    "validUntil": "2027-01-02T03:04:05.5+02:00",
    "credentialSubject": {"id": "did:example:x"},
    "credentialSchema": {"id": "https://node.example/v1/identity/schemas/residency-v1", "type": "JsonSchema"},
    "credentialStatus": vc.status_entry(STATUS_URL, 42),
}


def model_variants() -> list[Any]:
    changes: list[Callable[[dict[str, Any]], Any]] = [
        lambda c: None,
        lambda c: c.update({"@context": [EXAMPLES_CONTEXT]}),
        lambda c: c.update(extra=1),
        lambda c: c.update(type=["VerifiableCredential"]),
        lambda c: c.update(issuer="did:key:z6Mk"),
        lambda c: c.update(issuer={"id": c["issuer"]}),
        lambda c: c.pop("validFrom"),
        lambda c: c.update(validFrom="2026-02-30T00:00:00Z"),
        lambda c: c.update(validUntil="2025-01-01T00:00:00Z"),
        lambda c: c.update(credentialSubject={}),
        lambda c: c.update(credentialSchema={"id": "https://x.example/schemas/a", "type": "JsonSchema"}),
        lambda c: c["credentialStatus"].update(statusPurpose="refresh"),
        lambda c: c["credentialStatus"].update(statusListIndex="01"),
        lambda c: c["credentialStatus"].update(statusSize=2),
    ]
    out = []
    for change in changes:
        credential = copy.deepcopy(GOOD)
        change(credential)
        out.append(credential)
    return out


@pytest.mark.parametrize("now_ms", [None, 1_700_000_000_000, 1_780_000_000_000, 1_900_000_000_000])
def test_the_credential_model_is_checked_as_vc_py_does(
    js_module: Callable[[str], JsModule], now_ms: int | None
) -> None:
    mod = js_module(VC)
    for credential in model_variants():
        try:
            model = vc.check_credential(credential, now_ms=now_ms)
            expected: Any = [model.valid_from_ms, model.valid_until_ms, model.schema_id, model.credential_type]
        except MetroblocError as exc:
            expected = exc.code
        got = mod.call(
            MODEL_OF,
            {"c": credential, "now": now_ms},
        )
        assert got == expected, credential


STATUS_OF = (
    "async (m, a) => { try { return await m.statusBit(m.parseStatusEntry(a.e), a.l); } catch (e) { return e.code; } }"
)
MODEL_OF = """(m, a) => {
  try { const r = m.checkModel(a.c, a.now); return [r.validFrom, r.validUntil, r.schema, r.type]; }
  catch (e) { return e.code; }
}"""
ENCODE = "(m, hex) => m.encodeEd25519Multikey(Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16)))"
DECODE_CODE = "(m, t) => { try { m.decodeEd25519Multikey(t); return null; } catch (e) { return e.code; } }"
P256_KEY = "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"


def test_status_bits_are_read_as_status_py_does(js_module: Callable[[str], JsModule]) -> None:
    mod = js_module(VC)
    bits = status.new_bitstring()
    for index in (0, 7, 8, 1000, 131_071):
        status.set_status(bits, index)
    url = vc.status_entry(STATUS_URL, 0)["statusListCredential"]
    subject = {"type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": status.encode_list(bits)}
    lst = {"id": url, "type": ["VerifiableCredential", "BitstringStatusListCredential"], "credentialSubject": subject}
    for index in (0, 1, 6, 7, 8, 9, 999, 1000, 131_071, 131_072):
        entry = vc.status_entry(url, index)
        try:
            expected: Any = status.check_status_entry(entry, lst).status
        except MetroblocError as exc:
            expected = exc.code
        got = mod.call(
            STATUS_OF,
            {"e": entry, "l": lst},
        )
        assert got == expected, index
    short = {**lst, "credentialSubject": {**subject, "encodedList": status.encode_list(bytearray(16))}}
    got = mod.call(
        STATUS_OF,
        {"e": vc.status_entry(url, 1), "l": short},
    )
    assert got == "credential.status_list_too_short"


SUBJECT_OF = """(m, a) => {
  try { return m.checkSubject(a.subject, a.schema).unsupported ?? 'ok'; }
  catch (e) { return e.code; }
}"""
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "district"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "district": {"enum": ["harbour", "old-town"]},
        "name": {"type": "string", "minLength": 1, "maxLength": 5},
        "age": {"type": "integer", "minimum": 18},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


@pytest.mark.parametrize(
    "subject",
    [
        {"id": "x", "district": "harbour"},
        {"id": "x"},
        {"id": 1, "district": "harbour"},
        {"id": "x", "district": "uptown"},
        {"id": "x", "district": "harbour", "other": 1},
        {"id": "x", "district": "harbour", "name": ""},
        {"id": "x", "district": "harbour", "name": "\U0001f3e0" * 5},
        {"id": "x", "district": "harbour", "name": "abcdef"},
        {"id": "x", "district": "harbour", "age": 17},
        {"id": "x", "district": "harbour", "tags": ["a", 2]},
    ],
)
def test_subjects_are_checked_against_their_schema_as_vc_py_does(
    js_module: Callable[[str], JsModule], subject: dict[str, Any]
) -> None:
    record = {"credential_type": "ResidencyCredential", "document": SCHEMA}
    try:
        vc.check_subject({"credentialSubject": subject}, "ResidencyCredential", record)
        expected = "ok"
    except MetroblocError as exc:
        expected = exc.code
    assert js_module(VC).call(SUBJECT_OF, {"subject": subject, "schema": SCHEMA}) == expected


def test_a_schema_with_other_keywords_is_not_judged(js_module: Callable[[str], JsModule]) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string", "pattern": "^did:"}}}
    assert js_module(VC).call(SUBJECT_OF, {"subject": {"id": "x"}, "schema": schema}) == "pattern"
