"""An in-memory ledger for module tests: the real app and executor over a dict, no HTTP, no SQLite;
and ``on_node``, the module's shared real node reached over HTTP, for the modules' route tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.conftest import NodeProcess

from metrobloc.crypto import PrivateKey
from metrobloc.execution import BlockResult, Executor, PreparedTx
from metrobloc.ledger import Genesis, Receipt, build_body, sign_body
from metrobloc.modules.accounts import AccountsKeeper
from metrobloc.modules.assets.keeper import Asset, AssetsKeeper
from metrobloc.node.app import build_app
from metrobloc.state import app_hash_link
from metrobloc.state.apphash import ZERO_HASH

CHAIN_ID = "modules-test"
GENESIS_TIME_MS = 1_700_000_000_000
ADMIN = PrivateKey(b"\x01" * 32)
NODE_KEYS = tuple(PrivateKey(bytes([0x51 + i]) * 32) for i in range(3))
"""The node keys of the default genesis's organizations (the consortium signs and votes with them)."""


def consortium_genesis(node_keys: Sequence[PrivateKey] = NODE_KEYS, admin: PrivateKey = ADMIN) -> Genesis:
    """A genesis of ``len(node_keys)`` organizations, "Organization i", and ``admin`` as the first admin."""
    account = {"address": admin.address, "public_key": admin.public_key.to_b64(), "roles": ["admin"]}
    return Genesis.from_json(
        {
            "chain_id": CHAIN_ID,
            "genesis_time_ms": GENESIS_TIME_MS,
            "organizations": [
                {"name": f"Organization {i}", "node_key": k.public_key.to_b64()} for i, k in enumerate(node_keys, 1)
            ],
            "admin": {"address": admin.address, "public_key": admin.public_key.to_b64()},
            "app_state": {"accounts": {"accounts": [account]}},
        }
    )


class Ledger:
    """Genesis with one admin; ``run`` executes one tx as its own block and applies the writes.

    ``genesis`` is what handlers see as ``ctx.genesis`` (its organizations are the consortium's first
    members); by default three organizations with the node keys ``NODE_KEYS``.
    """

    def __init__(self, genesis: Genesis | None = None) -> None:
        self.app = build_app()
        self.genesis = consortium_genesis() if genesis is None else genesis
        self.executor = Executor(self.app, CHAIN_ID, self.genesis)
        self.admin = ADMIN
        self.alice = PrivateKey(b"\x02" * 32)
        self.bob = PrivateKey(b"\x03" * 32)
        self.carol = PrivateKey(b"\x04" * 32)
        self.state: dict[bytes, bytes] = {}
        section = {"address": self.admin.address, "public_key": self.admin.public_key.to_b64(), "roles": ["admin"]}
        writes = self.executor.init_genesis(self.state.get, {"accounts": {"accounts": [section]}}, GENESIS_TIME_MS)
        self.apply(writes)
        self.app_hash = app_hash_link(ZERO_HASH, writes)
        self.height = 0
        self.skew_ms = 0
        """Added to every later block's time (``advance``), for rules that follow chain time."""
        self._nonce = 0

    def advance(self, ms: int) -> None:
        """Later blocks come ``ms`` later than one second apart (expiry, demurrage, deadlines)."""
        self.skew_ms += ms

    @property
    def next_time_ms(self) -> int:
        """The block time of the next block."""
        return GENESIS_TIME_MS + (self.height + 1) * 1000 + self.skew_ms

    def apply(self, writes: Mapping[bytes, bytes | None]) -> None:
        for key, value in writes.items():
            if value is None:
                self.state.pop(key, None)
            else:
                self.state[key] = value

    def tx(
        self,
        keys: Sequence[PrivateKey],
        msgs: list[dict[str, Any]],
        *,
        signers: Sequence[str] | None = None,
        valid_until: int | None = None,
        chain_id: str = CHAIN_ID,
    ) -> PreparedTx:
        self._nonce += 1
        body = build_body(
            chain_id,
            list(signers) if signers is not None else [k.address for k in keys],
            msgs,
            self.height + 100 if valid_until is None else valid_until,
            self._nonce.to_bytes(16, "big"),
        )
        tx = sign_body(body, list(keys))
        tx.verify_signatures()
        return PreparedTx(tx, tuple(self.app.parse_msgs(tx.msgs)))

    def block(self, *txs: PreparedTx) -> BlockResult:
        self.height += 1
        time_ms = GENESIS_TIME_MS + self.height * 1000 + self.skew_ms
        result = self.executor.execute_block(self.state.get, txs, self.height, time_ms)
        self.apply(result.writes)
        self.app_hash = app_hash_link(self.app_hash, result.writes)
        return result

    def run(self, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        [receipt] = self.block(self.tx(keys, msgs, **kw)).receipts
        return receipt

    def ok(self, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        receipt = self.run(keys, msgs, **kw)
        assert receipt.status == "ok", receipt.error
        assert receipt.error is None
        return receipt

    def fails(self, code: str, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        """The tx fails with ``code`` and leaves state exactly as it was."""
        before = dict(self.state)
        receipt = self.run(keys, msgs, **kw)
        assert receipt.status == "failed", receipt
        assert receipt.error is not None and receipt.error["code"] == code, receipt.error
        assert receipt.error["message"]
        assert receipt.events == ()
        assert self.state == before
        return receipt

    # -- reads ----------------------------------------------------------------------------------
    def balance(self, asset: str, who: PrivateKey | str) -> int:
        address = who if isinstance(who, str) else who.address
        return AssetsKeeper().balance(self.state, asset, address)

    def asset(self, asset: str) -> Asset | None:
        return AssetsKeeper().find(self.state, asset)

    def roles(self, who: PrivateKey | str) -> tuple[str, ...]:
        address = who if isinstance(who, str) else who.address
        return AccountsKeeper().get(self.state, address).roles

    def public_key(self, address: str) -> bytes | None:
        return AccountsKeeper().get(self.state, address).public_key


class DictReader:
    """``StateReader.get``/``scan`` over a dict: keys in byte order, strictly after ``after``."""

    def __init__(self, state: dict[bytes, bytes]) -> None:
        self.state = state

    def get(self, key: bytes) -> bytes | None:
        return self.state.get(key)

    def scan(self, prefix: bytes, limit: int = 1000, after: bytes | None = None) -> list[tuple[bytes, bytes]]:
        keys = sorted(k for k in self.state if k.startswith(prefix) and (after is None or k > after))
        return [(k, self.state[k]) for k in keys[:limit]]


@dataclass
class OnLedger:
    """What a module's test fixture builds on: the ledger's keys, its state as a reader, ``ok`` and ``fails``."""

    ledger: Ledger

    @property
    def admin(self) -> PrivateKey:
        return self.ledger.admin

    @property
    def alice(self) -> PrivateKey:
        return self.ledger.alice

    @property
    def bob(self) -> PrivateKey:
        return self.ledger.bob

    @property
    def carol(self) -> PrivateKey:
        return self.ledger.carol

    @property
    def height(self) -> int:
        return self.ledger.height

    @property
    def reader(self) -> DictReader:
        return DictReader(self.ledger.state)

    def ok(self, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        return self.ledger.ok(keys, msgs, **kw)

    def fails(self, code: str, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        return self.ledger.fails(code, keys, msgs, **kw)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()


class OnNode:
    """A real node for a module's route tests: ``http`` for its routes, ``client`` (the SDK) and the
    ``genesis`` a proof is checked against; ``submit`` waits for a tx's receipt, ``commit`` also
    asserts that the tx succeeded."""

    def __init__(self, node: NodeProcess) -> None:
        self.process = node
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.client = node.client()
        self.genesis = Genesis.load(node.genesis_path().read_bytes())

    def admin(self) -> PrivateKey:
        return self.process.admin()

    def submit(self, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]]) -> dict[str, Any]:
        receipt: dict[str, Any] = self.client.submit(self.client.build_tx(keys, msgs), wait=True)["receipt"]
        return receipt

    def commit(self, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]]) -> dict[str, Any]:
        receipt = self.submit(keys, msgs)
        assert receipt["status"] == "ok", receipt
        return receipt

    def close(self) -> None:
        self.http.close()
        self.client.close()


@pytest.fixture(scope="module")
def on_node(shared_node: NodeProcess) -> Iterator[OnNode]:
    """The module's shared node (``tests/conftest.py``'s ``shared_node``) as an ``OnNode``."""
    node = OnNode(shared_node)
    yield node
    node.close()
