"""The personal-data store an agency node keeps beside its chain (docs/spec/personal-data.md).

Documents are personal data: they live in ``pds.db`` in the data dir, by SHA-256 digest, and never
go on the ledger. Requests are signed by an account key (``metrobloc.ledger.pds``); an agency's
read is logged on chain (``identity/log_access``) before the document is returned, and an erasure
deletes the document and its database pages before it is recorded (``identity/record_erasure``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from metrobloc.crypto import PrivateKey
from metrobloc.errors import Conflict, InvalidInput, MetroblocError, NotFound, TooLarge, Unauthorized, Unavailable
from metrobloc.execution import ErrorCode
from metrobloc.ledger import build_body, sign_body
from metrobloc.ledger.pds import SignedPdsRequest
from metrobloc.modules.accounts import AccountsKeeper
from metrobloc.modules.identity import AGENCY
from metrobloc.node.admission import Admission
from metrobloc.node.events import EventHub
from metrobloc.state import Store

log = logging.getLogger("metrobloc.pds")

PDS_FILE = "pds.db"
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""Largest document the store takes."""
MAX_DOCUMENTS_PER_SUBJECT = 1000
"""Most documents one subject may hold in this store (a listing returns them all)."""
REQUEST_WINDOW_MS = 60_000
"""A request is accepted while the node's clock is within this many ms of its ``time_ms``."""
LOG_VALIDITY_BLOCKS = 100
"""Blocks an access-log or erasure tx of the node stays valid for."""

BAD_MEDIA_TYPE = ErrorCode(
    "pds.bad_media_type", InvalidInput, "Content-Type is not a lower-case type/subtype without parameters"
)
DIGEST_MISMATCH = ErrorCode("pds.digest_mismatch", InvalidInput, "the body's SHA-256 is not the digest in the path")
NO_PURPOSE = ErrorCode("pds.no_purpose", InvalidInput, "an agency's read states no purpose (Metrobloc-Purpose)")
BAD_SIGNATURE = ErrorCode("pds.bad_signature", Unauthorized, "the signature does not verify over the request")
WRONG_KEY = ErrorCode("pds.wrong_key", Unauthorized, "the signing key is not the signer account's current key")
STALE = ErrorCode("pds.stale_request", Unauthorized, "the request's time is more than 60 s from the node's clock")
FORBIDDEN = ErrorCode(
    "pds.forbidden", Unauthorized, "the signer is neither the data subject nor an agency with the role pds_agency"
)
REPLAY = ErrorCode("pds.replay", Conflict, "this signer already used this nonce: the request is a replay")
NOT_FOUND = ErrorCode("pds.not_found", NotFound, "the store holds no such document of this subject")
ERASED = ErrorCode("pds.erased", Conflict, "the document was erased: it can be neither read nor stored again")
EXISTS = ErrorCode("pds.exists", Conflict, "a document with this digest is stored for another subject")
QUOTA = ErrorCode("pds.quota", Conflict, "the subject holds the most documents this store keeps for one subject")
NO_AGENCY_KEY = ErrorCode(
    "pds.no_agency_key",
    Conflict,
    "this node has no PDS agency key (keys/pds.json): it refuses agency reads and erasures",
)
NODE_NOT_AGENCY = ErrorCode(
    "pds.node_not_agency", Conflict, "this node's PDS agency key does not hold the role pds_agency on chain"
)
LOG_FAILED = ErrorCode(
    "pds.log_failed", Conflict, "the tx logging the access on chain failed: the document was not handed over"
)
TOO_LARGE = ErrorCode("pds.too_large", TooLarge, "the document exceeds the store's limit (4 MiB)")
LOG_PENDING = ErrorCode(
    "pds.log_pending",
    Unavailable,
    "the access-log tx was not committed in time (the document was not handed over): ask again",
)
BUSY = ErrorCode("pds.busy", Unavailable, "pds.db's WAL could not be truncated after an erasure: ask again")
CODES = (
    BAD_MEDIA_TYPE, DIGEST_MISMATCH, NO_PURPOSE, BAD_SIGNATURE, WRONG_KEY, STALE, FORBIDDEN, REPLAY, NOT_FOUND,
    ERASED, EXISTS, QUOTA, NO_AGENCY_KEY, NODE_NOT_AGENCY, LOG_FAILED, TOO_LARGE, LOG_PENDING, BUSY,
)  # fmt: skip

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    digest TEXT PRIMARY KEY, subject TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
    stored_ms INTEGER NOT NULL, stored_by TEXT NOT NULL, content BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS documents_by_subject ON documents (subject, digest);
CREATE TABLE IF NOT EXISTS erasures (
    digest TEXT PRIMARY KEY, subject TEXT NOT NULL, erased_ms INTEGER NOT NULL, request_digest TEXT NOT NULL,
    tx_hash TEXT, recorded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS accesses (
    request_digest TEXT PRIMARY KEY, digest TEXT NOT NULL, subject TEXT NOT NULL, signer TEXT NOT NULL,
    statement TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL, tx_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (
    signer TEXT NOT NULL, nonce TEXT NOT NULL, time_ms INTEGER NOT NULL, PRIMARY KEY (signer, nonce)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (time_ms);
"""


@dataclass(frozen=True)
class Document:
    """A personal document in the store."""

    digest: str
    """hex(SHA-256(content))."""
    subject: str
    """The data subject's address."""
    media_type: str
    """How the document is served, e.g. ``application/pdf``."""
    stored_ms: int
    """When it was stored (the node's clock, Unix ms)."""
    stored_by: str
    """Who uploaded it: the subject or an agency."""
    content: bytes
    """The document's bytes."""

    def info(self) -> dict[str, Any]:
        """What a listing shows: everything but the content."""
        return {
            "digest": self.digest,
            "subject": self.subject,
            "media_type": self.media_type,
            "size": len(self.content),
            "stored_ms": self.stored_ms,
            "stored_by": self.stored_by,
        }


@dataclass(frozen=True)
class Erasure:
    """An erasure done in this store, recorded on chain or still to be."""

    digest: str
    """The erased document's digest (it stays valid as a digest)."""
    subject: str
    """Whose document it was."""
    erased_ms: int
    """When the rows and pages were deleted (the node's clock)."""
    tx_hash: str | None
    """The ``identity/record_erasure`` tx last submitted for it."""
    recorded: bool
    """True once that tx committed with status ok."""

    def to_json(self) -> dict[str, Any]:
        tx = self.tx_hash if self.recorded else None
        return {"digest": self.digest, "subject": self.subject, "erased_ms": self.erased_ms, "erasure_tx": tx}


class DocumentStore:
    """``pds.db``: documents, erasures, the agencies' signed read requests and used nonces.

    One connection (WAL, ``synchronous=FULL``, ``secure_delete=ON``) behind a lock; callers on the
    event loop go through ``asyncio.to_thread``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON", "temp_store=MEMORY"):
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def document(self, digest: str) -> Document | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT digest, subject, media_type, stored_ms, stored_by, content FROM documents WHERE digest = ?",
                (digest,),
            ).fetchone()
        if row is None:
            return None
        digest, subject, media_type, stored_ms, stored_by, content = row
        return Document(digest, subject, media_type, stored_ms, stored_by, bytes(content))

    def put(self, doc: Document) -> bool:
        """Store ``doc``; False when the subject already holds it. Refuses a digest erased or held by another."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            if self._conn.execute("SELECT 1 FROM erasures WHERE digest = ?", (doc.digest,)).fetchone():
                raise ERASED.error(f"document {doc.digest} was erased; it cannot be stored again")
            row = self._conn.execute("SELECT subject FROM documents WHERE digest = ?", (doc.digest,)).fetchone()
            if row is not None:
                if row[0] != doc.subject:
                    raise EXISTS.error(f"document {doc.digest} is stored for another subject")
                return False
            (held,) = self._conn.execute("SELECT count(*) FROM documents WHERE subject = ?", (doc.subject,)).fetchone()
            if held >= MAX_DOCUMENTS_PER_SUBJECT:
                raise QUOTA.error(f"{doc.subject} holds {held} documents here, the most this store keeps")
            self._conn.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc.digest, doc.subject, doc.media_type, len(doc.content), doc.stored_ms, doc.stored_by, doc.content),
            )
            return True

    def listing(self, subject: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT digest, media_type, size, stored_ms, stored_by FROM documents WHERE subject = ? "
                "ORDER BY digest",
                (subject,),
            ).fetchall()
        keys = ("digest", "media_type", "size", "stored_ms", "stored_by")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def erase(self, digest: str, erased_ms: int, request_digest: str) -> None:
        """Delete the document, then rebuild the file and empty the WAL, so its bytes leave the disk.

        ``secure_delete`` zeroes the freed cells and pages; ``VACUUM`` rewrites the database without
        them; ``wal_checkpoint(TRUNCATE)`` moves the rewrite into the file and truncates the WAL,
        which still held frames with the document.
        """
        with self._lock:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                row = self._conn.execute("SELECT subject FROM documents WHERE digest = ?", (digest,)).fetchone()
                if row is None:
                    if self._conn.execute("SELECT 1 FROM erasures WHERE digest = ?", (digest,)).fetchone():
                        return  # erased by a concurrent request
                    raise NOT_FOUND.error(f"no document {digest}")
                self._conn.execute("DELETE FROM documents WHERE digest = ?", (digest,))
                self._conn.execute(
                    "INSERT INTO erasures (digest, subject, erased_ms, request_digest) VALUES (?, ?, ?, ?)",
                    (digest, row[0], erased_ms, request_digest),
                )
            self._conn.execute("VACUUM")
            busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise BUSY.error("pds.db's WAL could not be truncated after an erasure (a reader holds it)")

    def erasure(self, digest: str) -> Erasure | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT digest, subject, erased_ms, tx_hash, recorded FROM erasures WHERE digest = ?", (digest,)
            ).fetchone()
        return None if row is None else Erasure(row[0], row[1], row[2], row[3], bool(row[4]))

    def set_erasure_tx(self, digest: str, tx_hash: str, recorded: bool) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE erasures SET tx_hash = ?, recorded = ? WHERE digest = ?", (tx_hash, int(recorded), digest)
            )

    def add_access(self, signed: SignedPdsRequest, subject: str, tx_hash: str) -> None:
        """Keep an agency's signed request: the preimage of the ``purpose_digest`` logged on chain."""
        r = signed.request
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO accesses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r.request_digest,
                    r.digest,
                    subject,
                    r.signer,
                    json.dumps(r.to_json(), sort_keys=True),
                    signed.public_key.hex(),
                    signed.signature.hex(),
                    tx_hash,
                ),
            )

    def use_nonce(self, signer: str, nonce: str, time_ms: int, forget_before_ms: int) -> bool:
        """Remember ``(signer, nonce)``; False when it was already used. Drops nonces too old to be replayed."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("DELETE FROM nonces WHERE time_ms < ?", (forget_before_ms,))
            try:
                self._conn.execute("INSERT INTO nonces VALUES (?, ?, ?)", (signer, nonce, time_ms))
            except sqlite3.IntegrityError:
                return False
            return True


class Reader(Protocol):
    def get(self, key: bytes) -> bytes | None: ...


class LedgerWriter(Protocol):
    """How the store puts its access-log and erasure txs on chain (``LocalLedger`` in a node)."""

    async def submit(self, key: PrivateKey, msg: dict[str, Any]) -> str:
        """Admit a tx carrying ``msg`` signed by ``key``; its hash."""
        ...

    async def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        """The tx's receipt once committed, or None when it is not committed within the wait."""
        ...


class LocalLedger:
    """Submits the node's own txs through its admission, and waits for their receipts."""

    def __init__(self, chain_id: str, store: Store, admission: Admission, hub: EventHub, wait_s: float) -> None:
        self.chain_id, self.store, self.admission, self.hub, self.wait_s = chain_id, store, admission, hub, wait_s

    async def submit(self, key: PrivateKey, msg: dict[str, Any]) -> str:
        valid_until = self.store.tip.height + LOG_VALIDITY_BLOCKS
        tx = sign_body(build_body(self.chain_id, [key.address], [msg], valid_until, os.urandom(16)), [key])
        return (await self.admission.admit_one(tx.canonical())).tx_hash

    async def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        future = self.hub.waiter(tx_hash)
        try:
            seq = self.store.tx_seq(bytes.fromhex(tx_hash))
            if seq is not None:
                entry = self.store.entry(seq)
                assert entry is not None
                found: dict[str, Any] = orjson.loads(entry[2])
                return found
            if tx_hash not in self.admission.pending:
                return None
            return await asyncio.wait_for(asyncio.shield(future), self.wait_s)
        except TimeoutError:
            return None
        finally:
            self.hub.forget(tx_hash, future)


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class PersonalDataStore:
    """Who may do what with the documents, and what goes on chain about it."""

    def __init__(
        self,
        data_dir: Path,
        chain_id: str,
        state: Reader,
        ledger: LedgerWriter,
        key_name: str,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.db = DocumentStore(Path(data_dir) / PDS_FILE)
        self.chain_id, self.state, self.ledger, self.clock = chain_id, state, ledger, clock
        self.key_path = Path(data_dir) / "keys" / f"{key_name}.json"
        self.accounts = AccountsKeeper()
        self._key: PrivateKey | None = None

    def close(self) -> None:
        self.db.close()

    # -- requests ----------------------------------------------------------------------------
    async def put(self, signed: SignedPdsRequest, subject: str, content: bytes) -> tuple[dict[str, Any], bool]:
        """Store a document for ``subject`` (signed by the subject or an agency); (its info, created)."""
        return await asyncio.to_thread(self._put, signed, subject, content)

    async def read(self, signed: SignedPdsRequest, subject: str) -> tuple[Document, str | None]:
        """The document, and for an agency the hash of the ``identity/log_access`` tx that logged the read
        (committed before the document is handed over)."""
        doc, key = await asyncio.to_thread(self._check_read, signed, subject)
        if key is None:
            return doc, None
        msg = {"type": "identity/log_access", "subject": subject, "document_digest": doc.digest}
        tx_hash = await self._commit(key, {**msg, "purpose_digest": signed.request.request_digest})
        await asyncio.to_thread(self.db.add_access, signed, subject, tx_hash)
        return doc, tx_hash

    async def erase(self, signed: SignedPdsRequest, subject: str) -> dict[str, Any]:
        """Erase a document at its subject's request, then record the erasure on chain (again, if asked again)."""
        key = await asyncio.to_thread(self._erase, signed, subject)
        erasure = await self._record_erasure(key, subject, signed.request.digest)
        return erasure.to_json()

    async def listing(self, signed: SignedPdsRequest, subject: str) -> list[dict[str, Any]]:
        """The subject's documents (no content), for the subject."""
        return await asyncio.to_thread(self._listing, signed, subject)

    def describe(self) -> dict[str, Any]:
        """The store's agency account, whether it may log reads, and the limits (``GET /v1/pds``)."""
        try:
            ready = bool(self.agency_key())
        except MetroblocError:
            ready = False
        return {
            "agency": None if self._key is None else self._key.address,
            "agency_ready": ready,
            "max_document_bytes": MAX_DOCUMENT_BYTES,
            "request_window_ms": REQUEST_WINDOW_MS,
        }

    # -- the checks of each request (on a worker thread: they read pds.db and the chain's state) --
    def _put(self, signed: SignedPdsRequest, subject: str, content: bytes) -> tuple[dict[str, Any], bool]:
        r = signed.request
        self._authenticate(signed)
        if r.signer != subject and not self._is_agency(r.signer):
            raise FORBIDDEN.error("only the data subject or an agency (role pds_agency) may store its documents")
        if len(content) > MAX_DOCUMENT_BYTES:
            raise TOO_LARGE.error(f"a document is at most {MAX_DOCUMENT_BYTES} bytes")
        if hashlib.sha256(content).hexdigest() != r.digest:
            raise DIGEST_MISMATCH.error("the body's SHA-256 is not the digest in the path")
        doc = Document(r.digest, subject, r.media_type, self.clock(), r.signer, content)
        if self.db.put(doc):
            return doc.info(), True
        held = self.db.document(r.digest)
        assert held is not None  # documents are only deleted by erasure, which keeps the digest out
        return held.info(), False

    def _check_read(self, signed: SignedPdsRequest, subject: str) -> tuple[Document, PrivateKey | None]:
        r = signed.request
        self._authenticate(signed)
        if r.signer == subject:
            return self._held(subject, r.digest), None
        if not self._is_agency(r.signer):
            raise FORBIDDEN.error("only the data subject or an agency (role pds_agency) may read its documents")
        if not r.purpose_digest:
            raise NO_PURPOSE.error("an agency states the digest of its purpose in Metrobloc-Purpose")
        key = self.agency_key()
        return self._held(subject, r.digest), key

    def _erase(self, signed: SignedPdsRequest, subject: str) -> PrivateKey:
        r = signed.request
        self._authenticate(signed)
        if r.signer != subject:
            raise FORBIDDEN.error("only the data subject may ask for the erasure of its document")
        key = self.agency_key()
        done = self.db.erasure(r.digest)
        if done is None:
            self._held(subject, r.digest)
            self.db.erase(r.digest, self.clock(), r.request_digest)
        elif done.subject != subject:
            raise NOT_FOUND.error(f"no document {r.digest} of {subject}")
        return key

    def _listing(self, signed: SignedPdsRequest, subject: str) -> list[dict[str, Any]]:
        self._authenticate(signed)
        if signed.request.signer != subject:
            raise FORBIDDEN.error("only the data subject may list its documents")
        return self.db.listing(subject)

    def _authenticate(self, signed: SignedPdsRequest) -> None:
        r = signed.request
        if not signed.verify():
            raise BAD_SIGNATURE.error("the signature does not verify over the request statement")
        now = self.clock()
        if abs(now - r.time_ms) > REQUEST_WINDOW_MS:
            raise STALE.error(f"time_ms {r.time_ms} is more than {REQUEST_WINDOW_MS} ms from the node's {now}")
        if not self.accounts.key_matches(self.state, r.signer, signed.public_key):
            raise WRONG_KEY.error(f"the signing key is not the current key of {r.signer}")
        if not self.db.use_nonce(r.signer, r.nonce, r.time_ms, now - REQUEST_WINDOW_MS):
            raise REPLAY.error("this signer already used this nonce")

    def _is_agency(self, address: str) -> bool:
        return self.accounts.has_role(self.state, address, AGENCY)

    def _held(self, subject: str, digest: str) -> Document:
        doc = self.db.document(digest)
        if doc is not None and doc.subject == subject:
            return doc
        erased = self.db.erasure(digest)
        if doc is None and erased is not None and erased.subject == subject:
            raise ERASED.error(f"document {digest} was erased at {erased.erased_ms}")
        raise NOT_FOUND.error(f"no document {digest} of {subject}")

    def agency_key(self) -> PrivateKey:
        """The node's PDS agency key, once it holds the role pds_agency on chain."""
        if self._key is None:
            self._key = _load_key(self.key_path)
        if not self._is_agency(self._key.address):
            raise NODE_NOT_AGENCY.error(
                f"this node's PDS key {self._key.address} does not hold the role {AGENCY}: it cannot log agency "
                "reads or record erasures until an admin grants it (accounts/grant_role)"
            )
        return self._key

    # -- on chain ----------------------------------------------------------------------------
    async def _commit(self, key: PrivateKey, msg: dict[str, Any]) -> str:
        try:
            tx_hash = await self.ledger.submit(key, msg)
        except Unavailable:
            raise
        except MetroblocError as exc:  # e.g. the key file is no longer the account's current key
            raise LOG_FAILED.error(f"the node's {msg['type']} tx was refused: {exc.code}: {exc.message}") from None
        receipt = await self.ledger.receipt(tx_hash)
        if receipt is None:
            raise LOG_PENDING.error(f"tx {tx_hash} ({msg['type']}) is not committed yet")
        if receipt["status"] != "ok":
            raise LOG_FAILED.error(f"tx {tx_hash} ({msg['type']}) failed: {receipt['error']['code']}")
        return tx_hash

    async def _record_erasure(self, key: PrivateKey, subject: str, digest: str) -> Erasure:
        """Record the erasure on chain unless a tx already did; the erasure stands either way."""
        erasure = await asyncio.to_thread(self.db.erasure, digest)
        assert erasure is not None
        if erasure.recorded:
            return erasure
        if erasure.tx_hash is not None:
            earlier = await self.ledger.receipt(erasure.tx_hash)
            if earlier is not None and earlier["status"] == "ok":
                await asyncio.to_thread(self.db.set_erasure_tx, digest, erasure.tx_hash, True)
                return await asyncio.to_thread(self._erasure, digest)
        msg = {"type": "identity/record_erasure", "subject": subject, "document_digest": digest}
        try:
            tx_hash = await self.ledger.submit(key, msg)
        except MetroblocError as exc:  # the erasure stands; asking again records it
            log.warning("recording the erasure of %s failed: %s", digest, exc.code)
            return erasure
        await asyncio.to_thread(self.db.set_erasure_tx, digest, tx_hash, False)
        receipt = await self.ledger.receipt(tx_hash)
        if receipt is not None and receipt["status"] == "ok":
            await asyncio.to_thread(self.db.set_erasure_tx, digest, tx_hash, True)
        return await asyncio.to_thread(self._erasure, digest)

    def _erasure(self, digest: str) -> Erasure:
        found = self.db.erasure(digest)
        assert found is not None
        return found


def _load_key(path: Path) -> PrivateKey:
    if not path.exists():
        raise NO_AGENCY_KEY.error(
            f"this node has no PDS agency key at {path}: create it (metrobloc keys new {path.stem}) and have an "
            f"admin grant its address the role {AGENCY}"
        )
    if path.stat().st_mode & 0o077:
        raise NO_AGENCY_KEY.error(f"{path} is readable by others; chmod 600 it")
    try:
        return PrivateKey.from_b64(json.loads(path.read_text())["private_key"])
    except (KeyError, ValueError) as exc:
        raise NO_AGENCY_KEY.error(f"{path} is not a key file") from exc
