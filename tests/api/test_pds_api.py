"""The personal-data store over HTTP on a real node: the SDK's signed requests, agency reads logged on
chain, erasure that leaves no trace of a document on disk while the chain still verifies (issue 11,
must-hold 6), and every refusal a documented 4xx with its own code."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.http_errors import check_error

from metrobloc.api.pds import METHODS
from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Genesis, verify_bundle, verify_state_bundle
from metrobloc.ledger.pds import SIGNATURE, SignedPdsRequest, sign_request
from metrobloc.modules.identity.keys import access_key, erasure_key
from metrobloc.node import init_data_dir
from metrobloc.node.pds import CODES, MAX_DOCUMENT_BYTES
from metrobloc.sdk import ApiError, Keystore, accounts

PURPOSE = hashlib.sha256(b"case 2026-114: housing benefit review").hexdigest()


class City:
    """A node whose PDS key holds pds_agency; alice is a data subject, the agency an account with the role."""

    def __init__(self, node: NodeProcess) -> None:
        self.node, self.client = node, node.client()
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.genesis = Genesis.load(node.genesis_path().read_bytes())  # our own trusted copy
        self.alice, self.bob, self.agency = PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate()

    def grant(self, address: str) -> None:
        tx = self.client.build_tx([self.node.admin()], [accounts.grant_role(address, "pds_agency")])
        assert self.client.submit(tx, wait=True)["receipt"]["status"] == "ok"

    def signed(self, key: PrivateKey, method: str, path: str, **kw: Any) -> SignedPdsRequest:
        fields: dict[str, Any] = {"time_ms": time.time_ns() // 1_000_000, "nonce": os.urandom(16), **kw}
        return sign_request(key, self.client.chain_id, method, path, **fields)

    def send(self, signed: SignedPdsRequest, content: bytes | None = None, **headers: str) -> httpx.Response:
        r = signed.request
        sent = {**signed.headers(), **({"Content-Type": r.media_type} if r.media_type else {}), **headers}
        return self.http.request(r.method, r.path, content=content, headers=sent)


def start(tmp: Path) -> NodeProcess:
    init_data_dir(tmp / "node", "metrobloc-dev", "City of Metropolis")  # so keys/ exists before the node starts
    return NodeProcess(tmp / "node").start()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    node = start(tmp_path_factory.mktemp("pds"))
    c = City(node)
    c.grant(Keystore(node.data_dir / "keys").new("pds").address)
    c.grant(c.agency.address)
    yield c
    node.stop()


def documents(subject: str, digest: str = "") -> str:
    return f"/v1/pds/subjects/{subject}/documents" + (f"/{digest}" if digest else "")


def _files_holding(directory: Path, probes: list[bytes]) -> list[str]:
    return sorted(str(p) for p in directory.rglob("*") if p.is_file() and any(x in p.read_bytes() for x in probes))


def test_must_hold_6_erasure_leaves_no_trace_on_disk_and_the_chain_verifies(city: City) -> None:
    c, a = city.client, city.alice.address
    pattern = b"MUST-HOLD-6:" + os.urandom(4096)
    stored = c.pds_put(city.alice, a, pattern, "application/pdf")
    digest = stored["digest"]
    assert digest == hashlib.sha256(pattern).hexdigest() and stored["size"] == len(pattern)
    own = c.pds_read(city.alice, a, digest)
    assert (own["content"], own["media_type"], own["access_tx"]) == (pattern, "application/pdf", None)
    read = c.pds_read(city.agency, a, digest, purpose_digest=PURPOSE)
    assert read["content"] == pattern and read["access_tx"] is not None
    probes = [pattern[:48], pattern[-48:], pattern[2000:2048].hex().encode(), b64url_encode(pattern[:48]).encode()]
    data_dir = city.node.data_dir
    assert _files_holding(data_dir, probes[:2]), "the scan must find the document while it is stored"

    erasure = c.pds_erase(city.alice, a, digest)
    assert erasure["digest"] == digest and erasure["erasure_tx"] is not None
    assert _files_holding(data_dir, probes) == []
    assert _files_holding(data_dir.parent, probes) == []  # the node's log beside the data dir too
    with pytest.raises(ApiError) as gone:
        c.pds_read(city.alice, a, digest)
    assert gone.value.code == "pds.erased"

    for tx_hash, event in (
        (read["access_tx"], "identity/log_access"),
        (erasure["erasure_tx"], "identity/record_erasure"),
    ):
        verified = verify_bundle(c.proof(tx_hash), city.genesis)
        assert verified.receipt.status == "ok"
        [logged] = [e for e in verified.receipt.events if e.type == event]
        assert logged.attributes["document_digest"] == digest == hashlib.sha256(pattern).hexdigest()
    record = verify_state_bundle(c.state_proof(erasure_key(digest).decode()), city.genesis)
    assert record.values[erasure_key(digest).decode()] is not None  # the erasure, under the digest, proven
    entry = verify_state_bundle(c.state_proof(access_key(a, 0).decode()), city.genesis).values[
        access_key(a, 0).decode()
    ]
    assert (
        entry is not None and digest in entry and PURPOSE not in entry
    )  # the signed request's digest, not the purpose


def test_an_agency_stores_for_a_subject_and_the_subject_lists_its_documents(city: City) -> None:
    c, b = city.client, city.bob.address
    first = c.pds_put(city.agency, b, b"tax assessment 2026", "text/plain")
    assert first["stored_by"] == city.agency.address
    assert c.pds_put(city.bob, b, b"tax assessment 2026", "text/plain") == first  # already held: 200, same
    listing = c.pds_list(city.bob, b)
    assert listing == {"subject": b, "documents": [{k: v for k, v in first.items() if k != "subject"}]}
    answer = city.send(city.signed(city.bob, "GET", documents(b, first["digest"]), digest=first["digest"]))
    assert answer.status_code == 200 and answer.content == b"tax assessment 2026"
    assert answer.headers["cache-control"] == "no-store" and answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"] == "attachment"


def test_every_refusal_is_a_documented_4xx_with_its_own_code(city: City) -> None:
    a = city.alice.address
    content = b"refusals " + os.urandom(16)
    digest = city.client.pds_put(city.alice, a, content, "text/plain")["digest"]
    path = documents(a, digest)

    def get(key: PrivateKey, **kw: Any) -> httpx.Response:
        return city.send(city.signed(key, "GET", path, digest=digest, **kw))

    good = city.signed(city.alice, "GET", path, digest=digest)
    check_error(city.send(good, **{SIGNATURE: b64url_encode(bytes(64))}), 401, "pds.bad_signature")
    check_error(get(city.alice, time_ms=time.time_ns() // 1_000_000 - 300_000), 401, "pds.stale_request")
    check_error(get(city.bob, signer=a), 401, "pds.wrong_key")
    check_error(get(city.bob), 401, "pds.forbidden")
    check_error(get(city.agency), 400, "pds.no_purpose")
    assert city.send(good).status_code == 200
    check_error(city.send(good), 409, "pds.replay")
    missing = "0" * 64
    check_error(city.send(city.signed(city.alice, "GET", documents(a, missing), digest=missing)), 404, "pds.not_found")
    no_header = {k: v for k, v in city.signed(city.alice, "GET", path, digest=digest).headers().items()}
    no_header.pop(SIGNATURE)
    check_error(city.http.get(path, headers=no_header), 400, "request.invalid")
    check_error(
        city.http.get(documents("mb1nope", digest), headers=no_header | {SIGNATURE: "A" * 85 + "A"}),
        400,
        "pds.bad_request",
    )


def test_uploads_that_are_refused(city: City) -> None:
    a, b = city.alice.address, city.bob.address

    def put(
        key: PrivateKey, subject: str, body: bytes, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        digest = kw.pop("digest", hashlib.sha256(body).hexdigest())
        signed = city.signed(key, "PUT", documents(subject, digest), digest=digest, media_type="text/plain", **kw)
        return city.send(signed, body, **(headers or {}))

    check_error(put(city.alice, a, b"claimed", digest="1" * 64), 400, "pds.digest_mismatch")
    check_error(put(city.alice, a, b"x", {"Content-Type": "Text/Plain; charset=utf-8"}), 400, "pds.bad_media_type")
    check_error(put(city.alice, a, b"x" * (MAX_DOCUMENT_BYTES + 1)), 413, "pds.too_large")
    check_error(put(city.bob, a, b"not bob's to store"), 401, "pds.forbidden")
    assert put(city.alice, a, b"alice's deed").status_code == 201
    check_error(put(city.bob, b, b"alice's deed"), 409, "pds.exists")
    digest = hashlib.sha256(b"erased deed").hexdigest()
    assert put(city.alice, a, b"erased deed").status_code == 201
    city.client.pds_erase(city.alice, a, digest)
    check_error(put(city.alice, a, b"erased deed"), 409, "pds.erased")
    erase_again = city.send(city.signed(city.alice, "DELETE", documents(a, digest), digest=digest))
    assert erase_again.status_code == 200 and erase_again.json()["erasure_tx"]


def test_agency_reads_and_erasures_wait_for_the_nodes_key_and_its_role(tmp_path: Path) -> None:
    node = start(tmp_path)
    try:
        city = City(node)
        c, a = city.client, city.alice.address
        city.grant(city.agency.address)
        digest = c.pds_put(city.alice, a, b"permit application", "text/plain")["digest"]
        path = documents(a, digest)
        read = city.signed(city.agency, "GET", path, digest=digest, purpose_digest=PURPOSE)
        check_error(city.send(read), 409, "pds.no_agency_key")
        assert city.http.get("/v1/pds").json()["agency_ready"] is False
        key = Keystore(node.data_dir / "keys").new("pds")
        read = city.signed(city.agency, "GET", path, digest=digest, purpose_digest=PURPOSE)
        check_error(city.send(read), 409, "pds.node_not_agency")
        check_error(city.send(city.signed(city.alice, "DELETE", path, digest=digest)), 409, "pds.node_not_agency")
        city.grant(key.address)
        assert city.http.get("/v1/pds").json() == {
            "agency": key.address,
            "agency_ready": True,
            "max_document_bytes": MAX_DOCUMENT_BYTES,
            "request_window_ms": 60_000,
        }
        assert c.pds_read(city.agency, a, digest, purpose_digest=PURPOSE)["access_tx"] is not None
    finally:
        node.stop()


def test_the_document_and_errors_md_list_every_code_of_the_store(city: City) -> None:
    doc = httpx.get(f"{city.node.url}/openapi.json").json()
    pds_paths = {path: ops for path, ops in doc["paths"].items() if path.startswith("/v1/pds")}
    assert {path: tuple(sorted(m.upper() for m in ops)) for path, ops in pds_paths.items()} == METHODS
    described = " ".join(
        a.get("description", "") for ops in pds_paths.values() for op in ops.values() for a in op["responses"].values()
    )
    errors_md = (Path(__file__).parents[2] / "docs" / "spec" / "errors.md").read_text()
    for code in [*map(str, CODES), "pds.bad_request"]:
        assert f"`{code}`" in described, code
        assert f"| `{code}` |" in errors_md, code
    allowed = city.http.request("OPTIONS", documents(city.alice.address, "0" * 64))
    check_error(allowed, 405, "request.method_not_allowed")
    assert allowed.headers["allow"] == "DELETE, GET, PUT"
