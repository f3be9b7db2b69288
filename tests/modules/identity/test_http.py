"""The identity module's HTTP routes on a real node: the W3C DID Resolution HTTP binding
(``/1.0/identifiers/{did}``: shapes, media types, versions, error types, proofs) and the registries
under ``/v1/identity`` (docs/spec/did-method.md §3.3)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pydid
import pytest
from tests.conftest import NodeProcess
from tests.http_errors import check_error
from tests.modules.identity.conftest import raw_key

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Genesis, verify_reads
from metrobloc.modules.accounts.keys import key_history_key
from metrobloc.modules.identity import queries
from metrobloc.modules.identity.keys import did_key

DIPLOMA = "DiplomaCredential"
DAY_MS = 86_400_000
W3C = "https://www.w3.org/ns/did#"
RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation")


class Chain:
    """A shared node: alice's DID (created, then her key rotated), carol's (deactivated), a university
    accredited for diplomas with a schema and a status list; dave has no DID."""

    def __init__(self, node: NodeProcess) -> None:
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.client = node.client()
        self.genesis = Genesis.load(node.genesis_path().read_bytes())
        self.alice, self.alice2, self.bob, self.carol, self.dave, self.root, self.university = (
            PrivateKey(bytes([0x80 + i]) * 32) for i in range(7)
        )
        admin = node.admin()
        self.commit([admin], [sdk.accounts.grant_role(self.root.address, "identity_root")])
        website = {"id": "website", "type": "LinkedDomains", "endpoint": "https://alice.example/"}
        self.created = self.commit([self.alice], [sdk.identity.create_did(self.alice.public_key.to_b64(), [website])])
        self.commit([self.bob], [sdk.identity.create_did(self.bob.public_key.to_b64())])
        rotation = sdk.accounts.rotate_key(self.client.chain_id, self.alice.address, self.alice2)
        self.rotated = self.commit([self.alice], [rotation])
        self.commit([self.carol], [sdk.identity.create_did(self.carol.public_key.to_b64())])
        self.commit([self.carol], [sdk.identity.deactivate_did()])
        now = int(self.client.block(self.rotated["height"])["header"]["time_ms"])
        self.window = (now - DAY_MS, now + DAY_MS)
        self.commit([self.root], [sdk.identity.accredit(self.university.address, [DIPLOMA], *self.window)])
        schema = '{"type": "object", "required": ["degree"]}'
        self.commit([self.university], [sdk.identity.register_schema("diploma-v1", DIPLOMA, schema)])
        digest = hashlib.sha256(b"list v1").hexdigest()
        anchor = sdk.identity.anchor_status("revocation-1", "bitstring", 1, digest, now + DAY_MS)
        self.commit([self.university], [anchor])

    def commit(self, keys: list[PrivateKey], msgs: list[dict[str, Any]]) -> dict[str, Any]:
        receipt: dict[str, Any] = self.client.submit(self.client.build_tx(keys, msgs), wait=True)["receipt"]
        assert receipt["status"] == "ok", receipt
        return receipt

    def did(self, who: PrivateKey) -> str:
        return f"did:mb:{who.address}"

    def resolve(self, did: str, accept: str | None = None, **params: Any) -> httpx.Response:
        headers = {} if accept is None else {"Accept": accept}
        return self.http.get(f"/1.0/identifiers/{did}", params=params, headers=headers)


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> Iterator[Chain]:
    c = Chain(shared_node)
    yield c
    c.http.close()
    c.client.close()


def check_document(doc: dict[str, Any], did: str, keys: list[bytes], current: bytes | None) -> None:
    """A W3C DID document (pydid) listing ``keys`` as Multikeys, ``current`` in every relationship."""
    parsed = pydid.DIDDocument.deserialize(doc)
    assert str(parsed.id) == did and doc["@context"] == queries.DID_CONTEXT
    assert [raw_key(vm["publicKeyMultibase"]) for vm in doc["verificationMethod"]] == keys
    assert all(vm["type"] == "Multikey" and vm["controller"] == did for vm in doc["verificationMethod"])
    if current is None:
        assert not any(name in doc for name in RELATIONSHIPS)
        return
    [vm] = [vm for vm in doc["verificationMethod"] if raw_key(vm["publicKeyMultibase"]) == current]
    assert all(doc[name] == [vm["id"]] for name in RELATIONSHIPS)


# -- resolution ------------------------------------------------------------------------------------------


def test_resolution_answers_the_w3c_result_in_the_media_type_asked(chain: Chain) -> None:
    did = chain.did(chain.alice)
    plain = chain.resolve(did)
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    result = plain.json()
    assert set(result) == {"didDocument", "didResolutionMetadata", "didDocumentMetadata"}
    check_document(
        result["didDocument"],
        did,
        [chain.alice.public_key.raw, chain.alice2.public_key.raw],
        chain.alice2.public_key.raw,
    )
    assert result["didDocument"]["service"] == [
        {"id": f"{did}#website", "type": "LinkedDomains", "serviceEndpoint": "https://alice.example/"}
    ]
    meta = result["didDocumentMetadata"]
    assert meta["versionId"] == str(chain.rotated["height"]) and meta["deactivated"] is False
    assert set(meta) == {"created", "updated", "versionId", "deactivated"}
    assert result["didResolutionMetadata"]["contentType"] == "application/did+json"

    full = chain.resolve(did, "application/did-resolution")
    assert full.status_code == 200 and full.headers["content-type"] == "application/did-resolution"
    assert full.json() == result
    for media_type in ("application/did+json", "application/did+ld+json"):
        only = chain.resolve(did, media_type)
        assert only.status_code == 200 and only.headers["content-type"] == media_type
        assert only.json() == result["didDocument"]
    # A DID sent URL-encoded resolves the same.
    assert chain.resolve(did.replace(":", "%3A")).json() == result


def test_versions_show_the_key_in_force_then(chain: Chain) -> None:
    did = chain.did(chain.alice)
    old, new = chain.alice.public_key.raw, chain.alice2.public_key.raw
    created, rotated = chain.created["height"], chain.rotated["height"]
    for params, keys, current in (
        ({"versionId": created}, [old], old),
        ({"versionId": rotated - 1}, [old], old),
        ({"versionId": rotated}, [old, new], new),
    ):
        r = chain.resolve(did, **params)
        assert r.status_code == 200, r.text
        check_document(r.json()["didDocument"], did, keys, current)
    created_ms, rotated_ms = (int(chain.client.block(h)["header"]["time_ms"]) for h in (created, rotated))
    assert created_ms < rotated_ms
    latest = chain.resolve(did).json()["didDocumentMetadata"]
    for params, keys, current in (
        ({"versionTime": iso_ms(created_ms)}, [old], old),
        ({"versionTime": iso_ms(rotated_ms - 1)}, [old], old),
        ({"versionTime": iso_ms(rotated_ms)}, [old, new], new),
        ({"versionTime": latest["updated"]}, [old, new], new),  # to the second: that whole second
    ):
        r = chain.resolve(did, **params)
        assert r.status_code == 200, r.text
        check_document(r.json()["didDocument"], did, keys, current)


def iso_ms(ms: int) -> str:
    """Unix ms as a date-time with milliseconds, e.g. 2026-11-29T05:38:06.123Z."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def test_a_deactivated_did_answers_410_without_relationships(chain: Chain) -> None:
    did = chain.did(chain.carol)
    for accept in (None, "application/did-resolution"):
        r = chain.resolve(did, accept)
        assert r.status_code == 410
        result = r.json()
        assert result["didDocumentMetadata"]["deactivated"] is True
        check_document(result["didDocument"], did, [chain.carol.public_key.raw], None)
    only = chain.resolve(did, "application/did+json")
    assert only.status_code == 410 and only.headers["content-type"] == "application/did+json"
    check_document(only.json(), did, [chain.carol.public_key.raw], None)


@pytest.mark.parametrize(
    "did, params, status, name, code",
    [
        ("not-a-did", {}, 400, "INVALID_DID", "identity.invalid_did"),
        ("did:mb:", {}, 400, "INVALID_DID", "identity.invalid_did"),
        ("did:mb:mb1notanaddress", {}, 400, "INVALID_DID", "identity.invalid_did"),
        ("did:mb:{alice}:extra", {}, 400, "INVALID_DID", "identity.invalid_did"),
        ("did:web:city.example", {}, 501, "METHOD_NOT_SUPPORTED", "identity.method_not_supported"),
        (
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            {},
            501,
            "METHOD_NOT_SUPPORTED",
            "identity.method_not_supported",
        ),
        ("did:mb:" + "q" * 250, {}, 400, "INVALID_DID", "identity.invalid_did"),
        ("did:mb:{dave}", {}, 404, "NOT_FOUND", "identity.not_found"),
        ("did:mb:{alice}", {"versionId": 1}, 404, "NOT_FOUND", "identity.not_found"),
        ("did:mb:{alice}", {"versionTime": "2001-01-01T00:00:00Z"}, 404, "NOT_FOUND", "identity.not_found"),
        ("did:mb:{alice}", {"versionTime": "yesterday"}, 400, "INVALID_OPTIONS", "identity.bad_query"),
        (
            "did:mb:{alice}",
            {"versionTime": "2030-01-01T00:00:00" + "0" * 30 + "Z"},
            400,
            "INVALID_OPTIONS",
            "identity.bad_query",
        ),
        ("did:mb:{alice}", {"versionId": "abc"}, 400, "INVALID_OPTIONS", "identity.bad_query"),
        ("did:mb:{alice}", {"versionId": 0}, 400, "INVALID_OPTIONS", "identity.bad_query"),
        ("did:mb:{alice}", {"versionId": "07"}, 400, "INVALID_OPTIONS", "identity.bad_query"),
        ("did:mb:{alice}", {"versionTime": "2030-01-01T00:00:00"}, 400, "INVALID_OPTIONS", "identity.bad_query"),
        (
            "did:mb:{alice}",
            {"versionId": 2, "versionTime": "2030-01-01T00:00:00Z"},
            400,
            "INVALID_OPTIONS",
            "identity.bad_query",
        ),
    ],
)
def test_resolution_errors_have_the_w3c_types(
    chain: Chain, did: str, params: dict[str, Any], status: int, name: str, code: str
) -> None:
    did = did.format(alice=chain.alice.address, dave=chain.dave.address)
    for accept, media_type in (
        (None, "application/json"),
        ("application/did-resolution", "application/did-resolution"),
    ):
        r = chain.resolve(did, accept, **params)
        assert (r.status_code, r.headers["content-type"]) == (status, media_type), r.text
        body = r.json()
        assert set(body) == {"didDocument", "didResolutionMetadata", "didDocumentMetadata", "error"}
        assert body["didDocument"] is None and body["didDocumentMetadata"] == {}
        problem = body["didResolutionMetadata"]["error"]
        assert (problem["type"], problem["title"]) == (W3C + name, name) and problem["detail"]
        assert body["error"] == {"code": code, "message": problem["detail"]}


def test_a_proven_resolution_verifies_against_the_genesis(chain: Chain) -> None:
    did = chain.did(chain.alice)
    r = chain.resolve(did, prove="true")
    assert r.status_code == 200, r.text
    answer = r.json()
    proven = verify_reads(answer.pop("proofs"), chain.genesis)
    assert answer == chain.resolve(did).json()
    history = proven.values[key_history_key(chain.alice.address).decode()]
    record = proven.values[did_key(chain.alice.address).decode()]
    assert history is not None and record is not None
    assert [e["public_key"] for e in orjson.loads(history)] == [
        chain.alice.public_key.to_b64(),
        chain.alice2.public_key.to_b64(),
    ]
    assert proven.header.height >= chain.rotated["height"]


# -- the registries --------------------------------------------------------------------------------------


def test_an_issuer_is_accredited_for_its_types_within_its_window(chain: Chain) -> None:
    path = f"/v1/identity/issuers/{chain.university.address}"
    start, end = chain.window
    answer = chain.http.get(path, params={"type": DIPLOMA, "at_ms": start}).json()
    assert answer["accredited"] is True and [a["types"] for a in answer["chain"]] == [[DIPLOMA]]
    for params in ({"type": "ResidencyCredential", "at_ms": start}, {"type": DIPLOMA, "at_ms": end}):
        assert chain.http.get(path, params=params).json()["accredited"] is False
    acc = answer["by"]
    assert chain.http.get(f"/v1/identity/accreditations/{acc}").json() == answer["chain"][0]
    schema = chain.http.get("/v1/identity/schemas/diploma-v1").json()
    assert schema["credential_type"] == DIPLOMA and schema["registered_by"] == chain.university.address
    status = chain.http.get(f"/v1/identity/status/{chain.university.address}/revocation-1").json()
    assert status["anchor"]["version"] == 1


def test_registry_errors(chain: Chain) -> None:
    uni = chain.university.address
    check_error(chain.http.get("/v1/identity/issuers/mb1nope"), 400, "identity.bad_query")
    check_error(chain.http.get(f"/v1/identity/issuers/{uni}", params={"at_ms": -1}), 400, "request.invalid")
    for bad_type in ("", "diploma", "Diploma Credential"):
        check_error(chain.http.get(f"/v1/identity/issuers/{uni}", params={"type": bad_type}), 400, "identity.bad_query")
    check_error(chain.http.get("/v1/identity/accreditations/999"), 404, "identity.unknown_accreditation")
    check_error(chain.http.get("/v1/identity/accreditations/0"), 400, "request.invalid")
    check_error(chain.http.get("/v1/identity/schemas/nope"), 404, "identity.unknown_schema")
    check_error(chain.http.get("/v1/identity/schemas/Bad!"), 400, "identity.bad_query")
    check_error(chain.http.get(f"/v1/identity/status/{uni}/nope"), 404, "identity.unknown_status_list")
    check_error(chain.http.get(f"/v1/identity/status/{uni}/Bad!"), 400, "identity.bad_query")
