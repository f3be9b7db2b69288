"""eddsa-jcs-2022: the W3C vc-di-eddsa vectors byte for byte, re-ordered documents verify, every
tampered field and every wrong suite, context or shape is refused with its code, and sign -> verify
round-trips for random credential subjects (checked against the rfc8785 reference package)."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base58
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.codec import MAX_SAFE_INTEGER
from metrobloc.credentials.di import (
    KNOWN_CONTEXTS,
    VerifiedProof,
    add_proof,
    canonical_proof_config,
    hash_data,
    transform,
    verify_proof,
)
from metrobloc.credentials.multikey import decode_ed25519
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput, MetroblocError, NotFound, VerificationFailed

VECTORS = Path(__file__).parents[1] / "vectors" / "w3c-vc-di-eddsa"
JCS = VECTORS / "eddsa-jcs-2022"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
CONTEXTS = KNOWN_CONTEXTS | {EXAMPLES_CONTEXT}
CREATED = "2023-02-24T23:36:38Z"


def text(name: str) -> str:
    return (JCS / name).read_text(encoding="utf-8")


def did_key(method: str) -> bytes:
    """A did:key resolver for the vectors: the key is the fragment's Multikey."""
    did, _, fragment = method.partition("#")
    if did != "did:key:" + fragment:
        raise NotFound(f"no verification method {method}", "identity.unknown_verification_method")
    return decode_ed25519(fragment)


def vector_key() -> PrivateKey:
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    secret = base58.b58decode(pair["privateKeyMultibase"][1:])
    assert secret[:2] == b"\x80\x26" and len(secret) == 34  # multicodec ed25519-priv, then the seed
    key = PrivateKey(secret[2:])
    assert did_key("did:key:{0}#{0}".format(pair["publicKeyMultibase"])) == key.public_key.raw
    return key


def unsigned() -> dict[str, Any]:
    return dict(json.loads((VECTORS / "unsigned.json").read_text()))


def signed() -> dict[str, Any]:
    return dict(json.loads(text("signedJCS.json")))


def verify(document: dict[str, Any], **options: Any) -> VerifiedProof:
    return verify_proof(document, did_key, contexts=CONTEXTS, **options)


# The vectors, step by step.


def test_canonical_document_and_its_hash() -> None:
    transformed = transform(unsigned())
    assert transformed == text("canonDocJCS.txt").encode("utf-8")
    assert hashlib.sha256(transformed).hexdigest() == text("docHashJCS.txt")


def test_canonical_proof_config_and_its_hash() -> None:
    config = canonical_proof_config(json.loads(text("proofConfigJCS.json")))
    assert config == text("proofCanonJCS.txt").encode("utf-8")
    assert hashlib.sha256(config).hexdigest() == text("proofHashJCS.txt")


def test_hash_data_signature_and_proof_value() -> None:
    data = hash_data(text("canonDocJCS.txt").encode(), text("proofCanonJCS.txt").encode())
    assert data.hex() == text("combinedHashJCS.txt")
    signature = vector_key().sign(data)
    assert signature.hex() == text("sigHexJCS.txt")
    assert "z" + base58.b58encode(signature).decode() == text("sigBTC58JCS.txt")


def test_add_proof_reproduces_the_signed_credential_byte_for_byte() -> None:
    vm = json.loads(text("proofConfigJCS.json"))["verificationMethod"]
    secured = add_proof(unsigned(), vector_key(), vm, created=CREATED)
    assert json.dumps(secured, indent=2, ensure_ascii=False) == text("signedJCS.json")
    assert list(secured["proof"]) == list(signed()["proof"])  # member order too
    assert secured["proof"]["proofValue"] == text("sigBTC58JCS.txt")


def test_the_signed_vector_verifies() -> None:
    result = verify(signed())
    assert result.document == unsigned()
    assert result.verification_method == signed()["proof"]["verificationMethod"]
    assert (result.proof_purpose, result.created, result.expires) == ("assertionMethod", CREATED, None)


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@pytest.mark.parametrize("seed", range(20))
def test_a_reordered_credential_verifies(seed: int) -> None:
    document = shuffled(signed(), random.Random(seed))
    assert verify(document).document == unsigned()


# Tampering: every leaf, added and removed members.


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaves(child, (*path, index))
    else:
        yield path


def tampered(path: tuple[Any, ...]) -> dict[str, Any]:
    document = signed()
    parent: Any = document
    for step in path[:-1]:
        parent = parent[step]
    old = parent[path[-1]]
    parent[path[-1]] = old[:-1] + ("X" if old[-1] != "X" else "Y")
    return document


EXPECTED_CODE = {
    ("proof", "type"): "credential.wrong_proof_type",
    ("proof", "cryptosuite"): "credential.wrong_cryptosuite",
    ("proof", "proofPurpose"): "credential.wrong_proof_purpose",
    ("proof", "verificationMethod"): "identity.unknown_verification_method",  # the resolver's own error
    ("proof", "created"): "credential.bad_proof",  # "...38X" is no dateTimeStamp
    ("proof", "proofValue"): "credential.bad_signature",
    ("proof", "@context", 0): "credential.context_mismatch",
    ("proof", "@context", 1): "credential.context_mismatch",
    ("@context", 0): "credential.unknown_context",
    ("@context", 1): "credential.unknown_context",
}


@pytest.mark.parametrize("path", list(leaves(signed())), ids=lambda p: "/".join(map(str, p)))
def test_every_tampered_field_is_refused(path: tuple[Any, ...]) -> None:
    with pytest.raises(MetroblocError) as caught:
        verify(tampered(path))
    assert caught.value.code == EXPECTED_CODE.get(path, "credential.bad_signature")


def test_a_tampered_field_under_known_contexts_fails_on_the_signature() -> None:
    document = signed()
    document["proof"]["created"] = "2023-02-24T23:36:39Z"
    with pytest.raises(VerificationFailed, match="signature") as caught:
        verify(document)
    assert caught.value.code == "credential.bad_signature"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(extra="member"),
        lambda d: d.pop("name"),
        lambda d: d["credentialSubject"].update(alumniOf=["The School of Examples"]),
        lambda d: d["type"].reverse(),
        lambda d: d["proof"].update(nonce="abc"),  # an added proof option is signed over too
        lambda d: d["proof"].update(proofValue="z" + base58.b58encode(bytes(64)).decode()),
    ],
)
def test_added_removed_or_moved_content_is_refused(change: Any) -> None:
    document = signed()
    change(document)
    with pytest.raises(VerificationFailed) as caught:
        verify(document)
    assert caught.value.code == "credential.bad_signature"


def test_a_flipped_signature_bit_is_refused() -> None:
    signature = bytearray(base58.b58decode(signed()["proof"]["proofValue"][1:]))
    for bit in (0, 255, 511):
        flipped = bytearray(signature)
        flipped[bit // 8] ^= 1 << (bit % 8)
        document = signed()
        document["proof"]["proofValue"] = "z" + base58.b58encode(bytes(flipped)).decode()
        with pytest.raises(VerificationFailed) as caught:
            verify(document)
        assert caught.value.code == "credential.bad_signature"


# Wrong suite, shape, contexts, options.


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-jcs-2019", "EDDSA-JCS-2022", "", None, 2022])
def test_a_wrong_cryptosuite_is_refused(suite: Any) -> None:
    document = signed()
    document["proof"]["cryptosuite"] = suite
    with pytest.raises(VerificationFailed) as caught:
        verify(document)
    assert caught.value.code == "credential.wrong_cryptosuite"


@pytest.mark.parametrize("proof_type", ["Ed25519Signature2020", "dataintegrityproof", None])
def test_a_wrong_proof_type_is_refused(proof_type: Any) -> None:
    document = signed()
    document["proof"]["type"] = proof_type
    with pytest.raises(VerificationFailed) as caught:
        verify(document)
    assert caught.value.code == "credential.wrong_proof_type"


PROOF_VALUE = signed()["proof"]["proofValue"]


@pytest.mark.parametrize(
    "proof_value",
    [
        PROOF_VALUE[1:],  # no multibase prefix
        "u" + PROOF_VALUE[1:],  # another multibase
        PROOF_VALUE + " ",  # the base58 package would forgive this
        PROOF_VALUE[:-1] + "0",  # outside the alphabet
        "z" + base58.b58encode(bytes(63) + b"\x01").decode()[:-2],  # too short
        "z" + base58.b58encode(b"\x01" * 65).decode(),  # too long
        "z" + "1" * 200,
        "z",
        7,
        None,
    ],
)
def test_a_malformed_proof_value_is_refused(proof_value: Any) -> None:
    document = signed()
    document["proof"]["proofValue"] = proof_value
    with pytest.raises(VerificationFailed) as caught:
        verify(document)
    assert caught.value.code == "credential.bad_proof"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("proof"),
        lambda d: d.update(proof=[d["proof"]]),  # proof sets are not supported
        lambda d: d.update(proof="proof"),
        lambda d: d["proof"].pop("verificationMethod"),
        lambda d: d["proof"].pop("proofPurpose"),
        lambda d: d["proof"].update(verificationMethod=""),
        lambda d: d["proof"].update(domain=["a"]),
        lambda d: d["proof"].update(created="2023-02-24T23:36:38"),  # no time zone
        lambda d: d["proof"].update(created="2023-02-30 23:36:38Z"),
        lambda d: d["proof"].update(expires="tomorrow"),
    ],
)
def test_a_malformed_proof_is_refused(change: Any) -> None:
    document = signed()
    change(document)
    with pytest.raises(VerificationFailed) as caught:
        verify(document)
    assert caught.value.code == "credential.bad_proof"


def test_documents_that_are_not_objects_or_not_canonical_are_refused() -> None:
    not_objects: list[Any] = [[signed()], "credential", None]
    for value in not_objects:
        with pytest.raises(VerificationFailed) as caught:
            verify(value)
        assert caught.value.code == "credential.bad_document"
    document = signed()
    document["credentialSubject"]["gpa"] = 3.5  # JCS here has integers only: fail closed
    with pytest.raises(VerificationFailed) as caught:
        verify(document)
    assert caught.value.code == "credential.bad_document"


def test_contexts_are_pinned_strings() -> None:
    with pytest.raises(VerificationFailed) as caught:
        verify_proof(signed(), did_key)  # the examples context is not known by default
    assert caught.value.code == "credential.unknown_context"
    inline = signed()
    inline["@context"].append({"alumniOf": "https://evil.example/term"})
    with pytest.raises(VerificationFailed) as caught:
        verify(inline)
    assert caught.value.code == "credential.unknown_context"


def test_the_proof_context_must_begin_the_document_context() -> None:
    swapped = signed()
    swapped["@context"].reverse()
    dropped = signed()
    del dropped["@context"]
    for document in (swapped, dropped):
        with pytest.raises(VerificationFailed) as caught:
            verify(document)
        assert caught.value.code == "credential.context_mismatch"


def test_a_context_appended_after_signing_is_not_part_of_the_verified_document() -> None:
    extended = signed()
    extended["@context"].append("https://w3id.org/security/data-integrity/v2")
    assert verify(extended).document == unsigned()  # §3.3.2 step 4: the proof's context is used


def test_purpose_domain_challenge_and_expiry() -> None:
    key = PrivateKey(bytes(range(32)))
    method = "did:mb:test#key-1"
    document = add_proof(
        unsigned(), key, method, "authentication", CREATED,
        expires="2030-01-01T00:00:00.1234567+01:00", domain="city.example", challenge="n-0S6",
    )  # fmt: skip

    def resolve(vm: str) -> bytes:
        assert vm == method
        return key.public_key.raw

    def check(code: str, **options: Any) -> None:
        with pytest.raises(VerificationFailed) as caught:
            verify_proof(document, resolve, contexts=CONTEXTS, **options)
        assert caught.value.code == code

    check("credential.wrong_proof_purpose")
    check("credential.wrong_domain", proof_purpose="authentication", domain="other.example")
    check("credential.wrong_challenge", proof_purpose="authentication", challenge="n-0S7")
    check("credential.proof_expired", proof_purpose="authentication", at=datetime(2030, 1, 1, tzinfo=UTC))
    result = verify_proof(
        document, resolve, contexts=CONTEXTS, proof_purpose="authentication", domain="city.example",
        challenge="n-0S6", at=datetime(2029, 12, 31, 22, 59, 59, tzinfo=UTC),
    )  # fmt: skip
    assert result.expires == "2030-01-01T00:00:00.1234567+01:00"


def test_the_resolved_key_must_be_an_ed25519_key() -> None:
    for key in (b"", bytes(31), bytes(33), "z6Mk"):
        with pytest.raises(VerificationFailed) as caught:
            verify_proof(signed(), lambda _vm, k=key: k, contexts=CONTEXTS)  # type: ignore[misc]
        assert caught.value.code == "credential.bad_key"
    other = PrivateKey(bytes(32)).public_key.raw
    with pytest.raises(VerificationFailed) as caught:
        verify_proof(signed(), lambda _vm: other, contexts=CONTEXTS)
    assert caught.value.code == "credential.bad_signature"


def test_add_proof_refuses_what_it_cannot_sign() -> None:
    key = vector_key()
    with pytest.raises(InvalidInput) as caught:
        add_proof(signed(), key, "did:key:z#z", created=CREATED)
    assert caught.value.code == "credential.bad_document"
    with pytest.raises(InvalidInput) as caught:
        add_proof(unsigned(), key, "did:key:z#z", created="24 February 2023")
    assert caught.value.code == "credential.bad_proof"


def test_add_proof_leaves_its_input_alone_and_omits_created_when_none() -> None:
    document = unsigned()
    before = copy.deepcopy(document)
    secured = add_proof(document, vector_key(), "did:key:z#z")
    assert document == before and "created" not in secured["proof"]
    secured["@context"].append("x")
    assert document == before


# Round trips for random credential subjects.

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    subject=st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=12), json_values, max_size=6),
    seed=st.binary(min_size=32, max_size=32),
    order=st.randoms(use_true_random=False),
)
def test_sign_then_verify_round_trips(subject: dict[str, Any], seed: bytes, order: random.Random) -> None:
    key = PrivateKey(seed)
    document = unsigned()
    document["credentialSubject"] = subject
    secured = add_proof(document, key, "did:mb:holder#k", created=CREATED)
    assert transform(document) == rfc8785.dumps(document)  # our JCS agrees with the reference
    result = verify_proof(shuffled(secured, order), lambda _vm: key.public_key.raw, contexts=CONTEXTS)
    assert result.document == document
    if subject:
        changed = copy.deepcopy(secured)
        changed["credentialSubject"][next(iter(subject))] = (
            "changed" if subject[next(iter(subject))] != "changed" else 0
        )
        with pytest.raises(VerificationFailed):
            verify_proof(changed, lambda _vm: key.public_key.raw, contexts=CONTEXTS)


def test_expiry_needs_a_time_zone_and_a_comparable_year() -> None:
    key = PrivateKey(bytes(range(32)))
    for expires, code in (
        ("2030-01-01T00:00:00", "credential.bad_proof"),
        ("10000-01-01T00:00:00Z", "credential.bad_proof"),
    ):
        document = add_proof(unsigned(), key, "did:mb:test#key-1", created=CREATED)
        document["proof"]["expires"] = expires
        with pytest.raises(VerificationFailed) as caught:
            verify_proof(
                document, lambda _vm: key.public_key.raw, contexts=CONTEXTS, at=datetime(2029, 1, 1, tzinfo=UTC)
            )
        assert caught.value.code == code
