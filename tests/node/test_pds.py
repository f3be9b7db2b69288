"""The personal-data store in process: signed requests, who may do what, what goes on chain, and erasure
that leaves none of a document's bytes in pds.db or its WAL.

The chain is played by a dict of state (accounts and roles) and a ledger that records the txs the store
submits; tests/api/test_pds_api.py runs the same flows on a real node.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from metrobloc.crypto import PrivateKey
from metrobloc.errors import MetroblocError
from metrobloc.ledger.pds import PDS_TAG, SignedPdsRequest, sign_request
from metrobloc.modules.accounts import AccountsKeeper
from metrobloc.modules.accounts.keeper import Account
from metrobloc.node import pds
from metrobloc.node.datadir import key_file, write_private

CHAIN = "metrobloc-test"
NOW = 1_800_000_000_000
PURPOSE = hashlib.sha256(b"case 2026-114: housing benefit review").hexdigest()
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class State:
    """Committed state as the accounts keeper reads and writes it."""

    def __init__(self) -> None:
        self.kv: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        return self.kv.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.kv[key] = value

    def grant(self, address: str, role: str) -> None:
        account = AccountsKeeper().get(self, address)
        AccountsKeeper().put(self, Account(address, account.public_key, (*account.roles, role)))


class Ledger:
    """Records the txs the store submits; each commits ok unless ``fail`` or ``refuse`` says otherwise."""

    def __init__(self) -> None:
        self.txs: list[tuple[str, dict[str, Any]]] = []
        self.receipts: dict[str, dict[str, Any]] = {}
        self.fail: str | None = None
        self.refuse: MetroblocError | None = None

    async def submit(self, key: PrivateKey, msg: dict[str, Any]) -> str:
        if self.refuse is not None:
            raise self.refuse
        tx_hash = hashlib.sha256(json.dumps([len(self.txs), msg]).encode()).hexdigest()
        self.txs.append((key.address, msg))
        error = None if self.fail is None else {"code": self.fail, "message": "failed"}
        self.receipts[tx_hash] = {"tx_hash": tx_hash, "status": "failed" if self.fail else "ok", "error": error}
        return tx_hash

    async def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        return self.receipts.get(tx_hash)


class World:
    """A store in ``tmp_path`` with a subject, an agency, the node's PDS key (role granted) and a clock."""

    def __init__(self, tmp_path: Path, *, agency_key: bool = True) -> None:
        self.data_dir = tmp_path
        self.state, self.ledger, self.now = State(), Ledger(), NOW
        self.alice, self.bob, self.agency = PrivateKey(b"\x0a" * 32), PrivateKey(b"\x0b" * 32), PrivateKey(b"\x0c" * 32)
        self.node_key = PrivateKey(b"\x0d" * 32)
        self.state.grant(self.agency.address, "pds_agency")
        if agency_key:
            write_private(tmp_path / "keys" / "pds.json", key_file(self.node_key))
            self.state.grant(self.node_key.address, "pds_agency")
        self.store = pds.PersonalDataStore(tmp_path, CHAIN, self.state, self.ledger, "pds", clock=lambda: self.now)

    def sign(self, key: PrivateKey, method: str, subject: str, digest: str = "", **kw: Any) -> SignedPdsRequest:
        path = f"/v1/pds/subjects/{subject}/documents" + (f"/{digest}" if digest else "")
        fields = {"time_ms": self.now, "nonce": os.urandom(16), "digest": digest, **kw}
        return sign_request(key, CHAIN, method, path, **fields)

    def put(self, key: PrivateKey, subject: str, content: bytes, media_type: str = "application/pdf") -> str:
        digest = hashlib.sha256(content).hexdigest()
        run(self.store.put(self.sign(key, "PUT", subject, digest, media_type=media_type), subject, content))
        return digest

    def read(self, key: PrivateKey, subject: str, digest: str, purpose: str = "") -> tuple[pds.Document, str | None]:
        return run(self.store.read(self.sign(key, "GET", subject, digest, purpose_digest=purpose), subject))

    def erase(self, key: PrivateKey, subject: str, digest: str) -> dict[str, Any]:
        return run(self.store.erase(self.sign(key, "DELETE", subject, digest), subject))


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path)
    yield w
    w.store.close()


def refused(code: str, call: Any, *args: Any) -> MetroblocError:
    with pytest.raises(MetroblocError) as caught:
        call(*args)
    assert caught.value.code == code, caught.value
    return caught.value


def test_the_statement_and_its_signature_match_a_reference_implementation() -> None:
    key = PrivateKey(bytes([7]) * 32)
    signed = sign_request(
        key, CHAIN, "GET", "/v1/pds/subjects/x/documents/" + "a" * 64, time_ms=NOW, nonce=bytes(range(16)),
        digest="a" * 64, purpose_digest=PURPOSE,
    )  # fmt: skip
    statement = {
        "chain_id": CHAIN,
        "method": "GET",
        "path": "/v1/pds/subjects/x/documents/" + "a" * 64,
        "digest": "a" * 64,
        "media_type": "",
        "purpose_digest": PURPOSE,
        "signer": key.address,
        "time_ms": NOW,
        "nonce": "AAECAwQFBgcICQoLDA0ODw",
    }
    assert signed.request.sign_bytes == b"metrobloc/pds/v1\x00" + rfc8785.dumps(statement)
    assert PDS_TAG == b"metrobloc/pds/v1\x00"
    assert signed.request.request_digest == hashlib.sha256(rfc8785.dumps(statement)).hexdigest()
    Ed25519PublicKey.from_public_bytes(signed.public_key).verify(signed.signature, signed.request.sign_bytes)
    assert signed.verify()


def test_a_subject_stores_reads_and_lists_its_own_documents(world: World) -> None:
    a = world.alice.address
    digest = world.put(world.alice, a, b"%PDF-1.7 birth certificate")
    doc, access_tx = world.read(world.alice, a, digest)
    assert (doc.content, doc.media_type, doc.subject, access_tx) == (
        b"%PDF-1.7 birth certificate",
        "application/pdf",
        a,
        None,
    )
    listing = run(world.store.listing(world.sign(world.alice, "GET", a), a))
    assert [d["digest"] for d in listing] == [digest] and "content" not in listing[0]
    assert world.ledger.txs == []  # a subject's own reads are not logged on chain


def test_an_agency_stores_for_a_subject_and_others_are_refused(world: World) -> None:
    a = world.alice.address
    digest = world.put(world.agency, a, b"tax assessment 2026")
    assert world.read(world.alice, a, digest)[0].stored_by == world.agency.address
    refused("pds.forbidden", world.put, world.bob, a, b"not bob's to store")
    refused("pds.forbidden", world.read, world.bob, a, digest)
    refused("pds.forbidden", world.erase, world.agency, a, digest)  # erasure is the subject's request
    refused("pds.forbidden", lambda: run(world.store.listing(world.sign(world.agency, "GET", a), a)))


def test_bad_signatures_stale_requests_wrong_keys_and_replays_are_refused(world: World) -> None:
    a = world.alice.address
    digest = world.put(world.alice, a, b"passport scan")
    good = world.sign(world.alice, "GET", a, digest)
    tampered = SignedPdsRequest(good.request, good.public_key, bytes(64))
    refused("pds.bad_signature", lambda: run(world.store.read(tampered, a)))
    old = world.sign(world.alice, "GET", a, digest, time_ms=NOW - pds.REQUEST_WINDOW_MS - 1)
    refused("pds.stale_request", lambda: run(world.store.read(old, a)))
    ahead = world.sign(world.alice, "GET", a, digest, time_ms=NOW + pds.REQUEST_WINDOW_MS + 1)
    refused("pds.stale_request", lambda: run(world.store.read(ahead, a)))
    posing = world.sign(world.bob, "GET", a, digest, signer=a)  # a valid signature, not alice's key
    refused("pds.wrong_key", lambda: run(world.store.read(posing, a)))
    run(world.store.read(good, a))
    refused("pds.replay", lambda: run(world.store.read(good, a)))


def test_a_nonce_is_forgotten_only_once_its_request_is_stale(world: World) -> None:
    a = world.alice.address
    digest = world.put(world.alice, a, b"lease")
    signed = world.sign(world.alice, "GET", a, digest)
    run(world.store.read(signed, a))
    world.now += pds.REQUEST_WINDOW_MS
    refused("pds.replay", lambda: run(world.store.read(signed, a)))
    world.now += 1
    refused("pds.stale_request", lambda: run(world.store.read(signed, a)))


def test_an_agency_read_states_a_purpose_and_is_logged_on_chain_before_it_is_served(world: World) -> None:
    a = world.alice.address
    digest = world.put(world.alice, a, b"medical record")
    refused("pds.no_purpose", world.read, world.agency, a, digest)
    signed = world.sign(world.agency, "GET", a, digest, purpose_digest=PURPOSE)
    doc, access_tx = run(world.store.read(signed, a))
    assert doc.content == b"medical record" and access_tx is not None
    msg = {"type": "identity/log_access", "subject": a, "document_digest": digest}
    assert world.ledger.txs == [(world.node_key.address, {**msg, "purpose_digest": signed.request.request_digest})]
    with sqlite3.connect(world.data_dir / pds.PDS_FILE) as conn:
        rows = conn.execute("SELECT request_digest, signer, statement, tx_hash FROM accesses").fetchall()
    assert rows == [
        (
            signed.request.request_digest,
            world.agency.address,
            json.dumps(signed.request.to_json(), sort_keys=True),
            access_tx,
        )
    ]


def test_an_agency_read_whose_log_fails_is_not_served(world: World) -> None:
    a = world.alice.address
    digest = world.put(world.alice, a, b"school report")
    world.ledger.fail = "identity.not_agency"
    refused("pds.log_failed", world.read, world.agency, a, digest, PURPOSE)
    world.ledger.fail, world.ledger.refuse = None, MetroblocError("key mismatch", "accounts.key_mismatch")
    error = refused("pds.log_failed", world.read, world.agency, a, digest, PURPOSE)
    assert "accounts.key_mismatch" in error.message


def test_agency_reads_and_erasures_wait_for_the_nodes_key_and_its_role(tmp_path: Path) -> None:
    w = World(tmp_path, agency_key=False)
    a = w.alice.address
    digest = w.put(w.alice, a, b"permit application")
    refused("pds.no_agency_key", w.read, w.agency, a, digest, PURPOSE)
    assert w.store.describe()["agency_ready"] is False
    write_private(tmp_path / "keys" / "pds.json", key_file(w.node_key))
    refused("pds.node_not_agency", w.read, w.agency, a, digest, PURPOSE)
    refused("pds.node_not_agency", w.erase, w.alice, a, digest)
    assert w.read(w.alice, a, digest)[0].content == b"permit application"  # its subject still reads it
    w.state.grant(w.node_key.address, "pds_agency")
    assert w.read(w.agency, a, digest, PURPOSE)[1] is not None
    assert w.store.describe() == {
        "agency": w.node_key.address,
        "agency_ready": True,
        "max_document_bytes": pds.MAX_DOCUMENT_BYTES,
        "request_window_ms": pds.REQUEST_WINDOW_MS,
    }
    w.store.close()


def _files_holding(directory: Path, pattern: bytes) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file() and pattern in p.read_bytes())


@pytest.mark.parametrize("size", [200, 300_000], ids=["in-page", "overflow-pages"])
@pytest.mark.parametrize("checkpointed", [False, True], ids=["in-wal", "in-db-file"])
def test_erasure_leaves_none_of_the_documents_bytes_in_pds_db_or_its_wal(
    world: World, size: int, checkpointed: bool
) -> None:
    a = world.alice.address
    pattern = b"\xde\xad-MUST-HOLD-6-" + os.urandom(size)
    digest = world.put(world.alice, a, pattern)
    kept = world.put(world.alice, a, b"another document of alice")
    assert world.read(world.alice, a, digest)[0].content == pattern
    if checkpointed:
        with sqlite3.connect(world.data_dir / pds.PDS_FILE) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert _files_holding(world.data_dir, pattern[:64])  # the scan finds the document while it is stored
    erasure = world.erase(world.alice, a, digest)
    assert erasure["digest"] == digest and erasure["erasure_tx"] is not None
    for probe in (pattern[:64], pattern[-64:], pattern[size // 2 : size // 2 + 32]):
        assert _files_holding(world.data_dir, probe) == []
    assert world.ledger.txs[-1][1] == {"type": "identity/record_erasure", "subject": a, "document_digest": digest}
    assert world.read(world.alice, a, kept)[0].content == b"another document of alice"
    assert hashlib.sha256(pattern).hexdigest() == digest  # the digest stays what it was


def test_an_erased_document_can_be_neither_read_nor_stored_again_and_erasing_again_changes_nothing(
    world: World,
) -> None:
    a = world.alice.address
    digest = world.put(world.alice, a, b"old address record")
    first = world.erase(world.alice, a, digest)
    refused("pds.erased", world.read, world.alice, a, digest)
    refused("pds.erased", world.read, world.agency, a, digest, PURPOSE)
    refused("pds.erased", world.put, world.alice, a, b"old address record")
    assert world.erase(world.alice, a, digest) == first
    assert [m["type"] for _, m in world.ledger.txs] == ["identity/record_erasure"]
    refused("pds.not_found", world.erase, world.bob, world.bob.address, digest)  # not bob's document
    refused("pds.not_found", world.erase, world.alice, a, "0" * 64)


def test_an_erasure_stands_when_its_record_fails_and_is_recorded_when_asked_again(world: World) -> None:
    a = world.alice.address
    digest = world.put(world.alice, a, b"criminal record extract")
    world.ledger.refuse = MetroblocError("the ordering log is down", "ordering.unavailable")
    assert world.erase(world.alice, a, digest)["erasure_tx"] is None
    refused("pds.erased", world.read, world.alice, a, digest)
    world.ledger.refuse = None
    world.ledger.fail = "identity.not_agency"
    assert world.erase(world.alice, a, digest)["erasure_tx"] is None
    world.ledger.fail = None
    recorded = world.erase(world.alice, a, digest)
    assert recorded["erasure_tx"] == list(world.ledger.receipts)[-1]
    assert len(world.ledger.txs) == 2


def test_the_stores_limits(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = world.alice.address, world.bob.address
    world.put(world.alice, a, b"shared bytes")
    refused("pds.exists", world.put, world.bob, b, b"shared bytes")
    digest = hashlib.sha256(b"claimed").hexdigest()
    signed = world.sign(world.alice, "PUT", a, digest, media_type="text/plain")
    refused("pds.digest_mismatch", lambda: run(world.store.put(signed, a, b"other bytes")))
    big = b"x" * (pds.MAX_DOCUMENT_BYTES + 1)
    signed = world.sign(world.alice, "PUT", a, hashlib.sha256(big).hexdigest(), media_type="text/plain")
    refused("pds.too_large", lambda: run(world.store.put(signed, a, big)))
    monkeypatch.setattr(pds, "MAX_DOCUMENTS_PER_SUBJECT", 2)
    world.put(world.alice, a, b"second")
    refused("pds.quota", world.put, world.alice, a, b"third")


def test_the_store_database_is_durable_and_deletes_securely(world: World) -> None:
    conn = world.store.db._conn  # the store's own connection: pragmas are per connection
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert conn.execute("PRAGMA secure_delete").fetchone() == (1,)
    assert conn.execute("PRAGMA temp_store").fetchone() == (2,)  # MEMORY: VACUUM writes no temp file
