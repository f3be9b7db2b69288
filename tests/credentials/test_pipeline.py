"""The credential pipeline end to end on a real node: issue, publish and anchor status lists, present,
and verify online and offline against the genesis (must-holds 2-5 of issue 11).

Each test uses its own issuer (a fresh key with its own DID and accreditation) on one shared node.
Times are the node's block times; verification passes its own ``at_ms`` so no test waits on a clock.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from tests.conftest import NodeProcess

from metrobloc import sdk
from metrobloc.codec import b64url_encode
from metrobloc.credentials import di, published, sdjwt, status
from metrobloc.credentials.verify import Verified, iso_ms
from metrobloc.crypto import PrivateKey
from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Genesis
from metrobloc.sdk import Client
from metrobloc.sdk import credentials as creds

RESIDENCY, DIPLOMA = "ResidencyCredential", "DiplomaCredential"
DAY_MS, HOUR_MS = 86_400_000, 3_600_000
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "district"],
    "properties": {"id": {"type": "string"}, "district": {"type": "string", "minLength": 1}},
}


@dataclass
class Chain:
    node: NodeProcess
    client: Client
    genesis: Genesis
    admin: PrivateKey

    def ok(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], signers: list[str] | None = None) -> int:
        """Commit one tx; its block time (Unix ms)."""
        tx = self.client.build_tx(keys, msgs, signers=signers)
        receipt = self.client.submit(tx, wait=True)["receipt"]
        assert receipt["status"] == "ok", receipt
        return int(self.client.block(receipt["height"])["header"]["time_ms"])


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> Iterator[Chain]:
    client = shared_node.client()
    yield Chain(shared_node, client, Genesis.load(shared_node.genesis_path().read_bytes()), shared_node.admin())
    client.close()


@dataclass
class Issuer:
    """An agency with a DID, accredited for some types, and a revocation list."""

    chain: Chain
    key: PrivateKey
    created_ms: int

    @property
    def did(self) -> str:
        return f"did:mb:{self.key.address}"

    def list_url(self, list_id: str) -> str:
        return creds.status_list_url(self.chain.node.url, self.key.address, list_id)

    def publish_bitstring(
        self, list_id: str, version: int, bits: bytearray, *, valid_until_ms: int, method: str = "#key-1"
    ) -> bytes:
        body = published.bitstring_list(
            list_url=self.list_url(list_id),
            issuer=self.did,
            encoded_list=status.encode_list(bits),
            key=self.key,
            verification_method=self.did + method,
            valid_from=iso_ms(now()),
        )
        return self.publish(list_id, "bitstring", version, body, valid_until_ms)

    def publish(self, list_id: str, kind: str, version: int, body: bytes, valid_until_ms: int) -> bytes:
        creds.publish_status_list(
            self.chain.client,
            self.key,
            list_id=list_id,
            kind=kind,
            version=version,
            body=body,
            valid_until_ms=valid_until_ms,
        )
        return body

    def vc(self, credential_type: str = RESIDENCY, *, valid_from_ms: int | None = None, **kw: Any) -> dict[str, Any]:
        return creds.issue_vc(
            kw.pop("key", self.key),
            verification_method=self.did + kw.pop("method", "#key-1"),
            credential_type=credential_type,
            subject=kw.pop("subject", {"id": "did:mb:" + PrivateKey(b"\x51" * 32).address, "district": "Harbor"}),
            valid_from=iso_ms(valid_from_ms if valid_from_ms is not None else self.created_ms + 1),
            **kw,
        )


def now() -> int:
    return int(time.time() * 1000)


def new_issuer(chain: Chain, types: list[str], *, window: tuple[int, int] | None = None) -> Issuer:
    key = PrivateKey(os.urandom(32))
    created = chain.ok([key], [sdk.identity.create_did(key.public_key.to_b64())])
    start, end = window or (created - DAY_MS, created + 365 * DAY_MS)
    chain.ok([chain.admin], [sdk.identity.accredit(key.address, types, start, end)])
    return Issuer(chain, key, created)


@pytest.fixture
def issuer(chain: Chain) -> Issuer:
    return new_issuer(chain, [RESIDENCY])


def online(chain: Chain, item: dict[str, Any] | str, **kw: Any) -> Verified:
    return creds.verify(item, genesis=chain.genesis, client=chain.client, **kw)


def offline(chain: Chain, bundle: dict[str, Any], **kw: Any) -> Verified:
    """Offline: a JSON round trip of the bundle, and no client at all."""
    return creds.verify(json.loads(json.dumps(bundle)), genesis=chain.genesis, **kw)


def refused(code: str, check: Any, *args: Any, **kw: Any) -> None:
    with pytest.raises(VerificationFailed) as caught:
        check(*args, **kw)
    assert caught.value.code == code, caught.value


# -- VC-DI ------------------------------------------------------------------------------------------


def test_a_vc_di_credential_verifies_online_and_offline_with_its_schema_and_status(chain: Chain) -> None:
    issuer = new_issuer(chain, [RESIDENCY])
    schema_id = f"residency-{issuer.key.address[-8:]}"
    chain.ok([issuer.key], [sdk.identity.register_schema(schema_id, RESIDENCY, json.dumps(SCHEMA))])
    issuer.publish_bitstring("revocation-1", 1, status.new_bitstring(), valid_until_ms=now() + HOUR_MS)
    credential = issuer.vc(
        schema_url=f"{chain.node.url}/v1/identity/schemas/{schema_id}",
        status=creds.vc.status_entry(issuer.list_url("revocation-1"), 7),
    )
    verified = online(chain, credential)
    assert (verified.kind, verified.issuer, verified.credential_type, verified.status) == (
        "vc-di", issuer.did, RESIDENCY, "valid"
    )  # fmt: skip
    assert verified.verification_method == issuer.did + "#key-1"
    bundle, error = creds.fetch_evidence(credential, client=chain.client, genesis=chain.genesis)
    assert error is None and set(bundle) == {"type", "credential", "answers", "status_lists"}
    assert offline(chain, bundle) == verified
    # The same credential with a subject its schema refuses: the schema step catches it.
    wrong = issuer.vc(
        subject={"id": "did:mb:" + issuer.key.address, "district": ""},
        schema_url=f"{chain.node.url}/v1/identity/schemas/{schema_id}",
    )
    refused("credential.schema_mismatch", online, chain, wrong)


def test_revocation_fails_verification_once_the_new_version_is_anchored(chain: Chain) -> None:
    issuer = new_issuer(chain, [RESIDENCY])
    bits = status.new_bitstring()
    issuer.publish_bitstring("revocation-1", 1, bits, valid_until_ms=now() + HOUR_MS)
    credential = issuer.vc(status=creds.vc.status_entry(issuer.list_url("revocation-1"), 42))
    before, _ = creds.fetch_evidence(credential, client=chain.client, genesis=chain.genesis)
    assert online(chain, credential).status == "valid"
    status.set_status(bits, 42)
    issuer.publish_bitstring("revocation-1", 2, bits, valid_until_ms=now() + HOUR_MS)
    refused("credential.revoked", online, chain, credential)
    after, error = creds.fetch_evidence(credential, client=chain.client, genesis=chain.genesis)
    assert error is not None and error.code == "credential.revoked"
    refused("credential.revoked", offline, chain, after)
    # Evidence is a snapshot: the earlier bundle still shows the earlier, anchored state.
    assert offline(chain, before).status == "valid"


def test_status_lists_fail_closed(chain: Chain) -> None:
    issuer = new_issuer(chain, [RESIDENCY])
    url = issuer.list_url("revocation-1")
    issuer.publish_bitstring("revocation-1", 1, status.new_bitstring(), valid_until_ms=now() + 5_000)
    credential = issuer.vc(status=creds.vc.status_entry(url, 1))
    bundle, error = creds.fetch_evidence(credential, client=chain.client, genesis=chain.genesis)
    assert error is None
    # Past the anchor's valid_until: stale, online and offline.
    refused("credential.status_stale", online, chain, credential, at_ms=now() + 60_000)
    refused("credential.status_stale", offline, chain, bundle, at_ms=now() + 60_000)
    # Bytes other than the anchored ones: not anchored.
    tampered = copy.deepcopy(bundle)
    body = published.bitstring_list(
        list_url=url,
        issuer=issuer.did,
        encoded_list=status.encode_list(status.new_bitstring()),
        key=issuer.key,
        verification_method=issuer.did + "#key-1",
        valid_from=iso_ms(now() - 1),
    )
    tampered["status_lists"] = {ref: b64url_encode(body) for ref in bundle["status_lists"]}
    refused("credential.status_not_anchored", offline, chain, tampered)
    # No bytes at all in the evidence, or a version anchored but never published: unavailable.
    refused("credential.status_unavailable", offline, chain, {**bundle, "status_lists": {}})
    digest = published.digest(b"never published")
    chain.ok([issuer.key], [sdk.identity.anchor_status("revocation-1", "bitstring", 2, digest, now() + HOUR_MS)])
    refused("credential.status_unavailable", online, chain, credential)
    # A list anchored and served, but unsigned.
    unsigned = status.status_list_credential(
        list_id=url, issuer=issuer.did, purpose="revocation", encoded_list=status.encode_list(status.new_bitstring())
    )
    issuer.publish(
        "revocation-1", "bitstring", 3, orjson.dumps({**unsigned, "validFrom": iso_ms(now())}), now() + HOUR_MS
    )
    refused("credential.status_unsigned", online, chain, credential)
    # A list id nobody anchored.
    other = issuer.vc(status=creds.vc.status_entry(issuer.list_url("never-anchored"), 1))
    refused("credential.status_not_anchored", online, chain, other)


def test_the_node_stores_only_the_anchored_bytes(chain: Chain, issuer: Issuer) -> None:
    body = b'{"a":1}'
    with pytest.raises(sdk.ApiError) as caught:
        chain.client._call("PUT", f"/v1/identity/status-lists/{issuer.key.address}/l-1/1", content=body)
    assert (caught.value.status, caught.value.code) == (404, "statuslist.not_anchored")
    chain.ok([issuer.key], [sdk.identity.anchor_status("l-1", "bitstring", 1, published.digest(body), now() + HOUR_MS)])
    with pytest.raises(sdk.ApiError) as caught:
        chain.client._call("PUT", f"/v1/identity/status-lists/{issuer.key.address}/l-1/1", content=body + b" ")
    assert (caught.value.status, caught.value.code) == (409, "statuslist.digest_mismatch")
    chain.client._call("PUT", f"/v1/identity/status-lists/{issuer.key.address}/l-1/1", content=body)
    latest = httpx.get(issuer.list_url("l-1"))
    assert latest.content == body and latest.headers["content-type"] == "application/vc"
    assert latest.headers["metrobloc-status-version"] == "1"


# -- keys: rotation and compromise ------------------------------------------------------------------------


def test_key_rotation_keeps_old_credentials_and_a_compromised_key_signs_nothing_after(chain: Chain) -> None:
    issuer = new_issuer(chain, [RESIDENCY])
    before = issuer.vc()  # signed with key-1, dated just after the DID was created
    time.sleep(1.2)  # `revoked` is written to the second: leave a second between the two dates
    second = PrivateKey(os.urandom(32))
    msg = sdk.accounts.rotate_key(chain.genesis.chain_id, issuer.key.address, second)
    rotated_ms = chain.ok([issuer.key], [msg], signers=[issuer.key.address])
    after = issuer.vc(key=second, method="#key-2", valid_from_ms=rotated_ms + 1)
    assert online(chain, before).verification_method == issuer.did + "#key-1"
    assert online(chain, after).verification_method == issuer.did + "#key-2"
    # The old key after the rotation is no longer an assertion method.
    refused("credential.key_not_authorized", online, chain, issuer.vc(valid_from_ms=rotated_ms + 1))
    # Marked compromised since the rotation: a signature dated from then on is refused, one before is not.
    since = rotated_ms // 1000 * 1000
    chain.ok([second], [sdk.identity.mark_key_compromised(issuer.key.public_key.to_b64(), since)],
             signers=[issuer.key.address])  # fmt: skip
    backdated = issuer.vc(valid_from_ms=since)
    refused("credential.key_compromised", online, chain, backdated)
    assert online(chain, before).status == "none"
    # Another DID's key, or a key the document never had.
    other = "did:mb:" + PrivateKey(b"\x52" * 32).address + "#key-1"
    unsigned = {name: value for name, value in before.items() if name != "proof"}
    refused("credential.bad_issuer", online, chain, di.add_proof(unsigned, issuer.key, other))
    refused("credential.unknown_key", online, chain, issuer.vc(method="#key-9"))


# -- accreditation -----------------------------------------------------------------------------------------


def test_an_issuer_verifies_only_for_its_types_and_window(chain: Chain) -> None:
    start = now() - DAY_MS
    issuer = new_issuer(chain, [DIPLOMA], window=(start, now() + 2_000))
    assert online(chain, issuer.vc(DIPLOMA)).credential_type == DIPLOMA
    refused("credential.not_accredited", online, chain, issuer.vc(RESIDENCY))
    late = issuer.vc(DIPLOMA, valid_from_ms=now() + 10_000)
    refused("credential.not_accredited", online, chain, late, at_ms=now() + 20_000)


# -- bad input ---------------------------------------------------------------------------------------------


def test_bad_credentials_are_refused_with_specific_codes(chain: Chain, issuer: Issuer) -> None:
    good = issuer.vc(valid_until=iso_ms(now() + HOUR_MS))
    assert online(chain, good).status == "none"
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("credential.unknown_context", {"@context": [*good["@context"], "https://example.org/ctx"]}, {}),
        ("credential.bad_type", {"type": ["VerifiableCredential"]}, {}),
        ("credential.bad_issuer", {"issuer": "did:web:city.example"}, {}),
        ("credential.unknown_member", {"evidence": []}, {}),
        ("credential.wrong_cryptosuite", {"proof": {**good["proof"], "cryptosuite": "ecdsa-rdfc-2019"}}, {}),
        ("credential.bad_signature", {"credentialSubject": {**good["credentialSubject"], "district": "Uptown"}}, {}),
        ("credential.bad_signature", {"validUntil": iso_ms(now() + DAY_MS)}, {}),
        ("credential.expired", {}, {"at_ms": now() + 2 * HOUR_MS}),
        ("credential.not_yet_valid", {}, {"at_ms": issuer.created_ms - 1}),
    ]
    for code, change, kw in cases:
        refused(code, online, chain, {**good, **change}, **kw)


# -- SD-JWT VC ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("holder_kind", ["EdDSA", "ES256"])
def test_sd_jwt_issue_present_with_selective_disclosure_verify_offline(chain: Chain, holder_kind: str) -> None:
    issuer = new_issuer(chain, [RESIDENCY])
    holder: sdjwt.SigningKey = (
        PrivateKey(os.urandom(32)) if holder_kind == "EdDSA" else ec.generate_private_key(ec.SECP256R1())
    )
    url = issuer.list_url("tokens-1")
    token = published.token_list(
        list_url=url, status_list=status.encode_token_list([0] * 16), key=issuer.key, kid=issuer.did + "#key-1",
        iat=issuer.created_ms // 1000 + 1,
    )  # fmt: skip
    issuer.publish("tokens-1", "token", 1, token, now() + HOUR_MS)
    credential = creds.issue_sd_jwt(
        issuer.key,
        verification_method=issuer.did + "#key-1",
        vct=RESIDENCY,
        claims={"given_name": "Ada", "family_name": "Lovelace", "district": "Harbor"},
        disclosable=["given_name", "family_name", "district"],
        holder_jwk=sdjwt.public_jwk(holder),
        iat=issuer.created_ms // 1000 + 1,
        exp=now() // 1000 + 3600,
        status_url=url,
        status_index=3,
    )
    bundle, error = creds.present(
        credential, client=chain.client, genesis=chain.genesis, disclose=["district"], holder_key=holder,
        aud="https://verifier.example", nonce="n-123",
    )  # fmt: skip
    assert error is None, error
    text = json.dumps(bundle)
    assert "Lovelace" not in text and "Ada" not in text  # undisclosed claims are not in the bundle at all
    verified = offline(chain, bundle)
    assert verified.kind == "sd-jwt" and verified.claims["district"] == "Harbor" and verified.status == "valid"
    assert "family_name" not in verified.claims and "given_name" not in verified.claims
    refused("sdjwt.kb_wrong_nonce", offline, chain, bundle, nonce="another")
    # Revoking the token: a new anchored version with status 1 at index 3.
    statuses = [0] * 16
    statuses[3] = 1
    token2 = published.token_list(
        list_url=url, status_list=status.encode_token_list(statuses), key=issuer.key, kid=issuer.did + "#key-1",
        iat=issuer.created_ms // 1000 + 1,
    )  # fmt: skip
    issuer.publish("tokens-1", "token", 2, token2, now() + HOUR_MS)
    presentation = bundle["presentation"]
    refused("credential.revoked", online, chain, presentation, aud="https://verifier.example", nonce="n-123")


def test_sd_jwt_from_an_issuer_not_accredited_for_its_vct_is_refused(chain: Chain) -> None:
    issuer = new_issuer(chain, [DIPLOMA])
    holder = PrivateKey(os.urandom(32))
    credential = creds.issue_sd_jwt(
        issuer.key, verification_method=issuer.did + "#key-1", vct=RESIDENCY, claims={"district": "Harbor"},
        disclosable=["district"], holder_jwk=sdjwt.public_jwk(holder), iat=issuer.created_ms // 1000 + 1,
        exp=now() // 1000 + 3600,
    )  # fmt: skip
    bundle, error = creds.present(
        credential, client=chain.client, genesis=chain.genesis, disclose=["district"], holder_key=holder, aud="a",
        nonce="n",
    )  # fmt: skip
    assert error is not None and error.code == "credential.not_accredited"
    refused("credential.not_accredited", offline, chain, bundle)


# -- offers ------------------------------------------------------------------------------------------------


def test_offers_by_reference(chain: Chain) -> None:
    offer = {"credential_issuer": chain.node.url, "credential_configuration_ids": [RESIDENCY]}
    url = creds.post_offer(chain.client, offer)
    assert len(url.rsplit("/", 1)[1]) == 16 and creds.get_offer(url) == offer
    with pytest.raises(sdk.ApiError) as caught:
        creds.get_offer(url[:-16] + "A" * 16)
    assert caught.value.status == 404
