"""A synthetic chain whose consortium changes its key set, built block by block for light-client tests.

Independent of the node: receipts, log, v2 headers and state roots come from the ledger and merkle
helpers, and who may sign each header is tracked here with a plain dict, not with ``KeyHistory``.
"""

from __future__ import annotations

import copy
from typing import Any

from metrobloc.crypto import PrivateKey, address_of
from metrobloc.ledger import Event, Genesis, Header, Receipt, attest, tx_root
from metrobloc.merkle import MemoryLog, inclusion_proof
from metrobloc.merkle.smt import SparseMerkleTree

CHAIN = "metrobloc-test"
ADMIN = PrivateKey(bytes([0x01]) * 32)
KEYS = [PrivateKey(bytes([0x40 + i]) * 32) for i in range(12)]
"""Node keys: the first ``n`` are the genesis organizations', the rest are for later members."""


def make_genesis(n: int) -> Genesis:
    return Genesis.from_json(
        {
            "chain_id": CHAIN,
            "genesis_time_ms": 0,
            "organizations": [{"name": f"Org {i + 1}", "node_key": KEYS[i].public_key.to_b64()} for i in range(n)],
            "admin": {"address": ADMIN.address, "public_key": ADMIN.public_key.to_b64()},
        }
    )


def b64(key: PrivateKey) -> str:
    return key.public_key.to_b64()


def add(seq: int, org: str, key: PrivateKey, height: int) -> Event:
    attrs = {"seq": str(seq), "org": org, "name": f"Name of {org}", "node_key": b64(key)}
    voter = address_of(key.public_key.raw)
    return Event("consortium/add", attrs | {"voter": voter, "effective_height": str(height + 1)})


def remove(seq: int, org: str, key: PrivateKey, height: int) -> Event:
    attrs = {"seq": str(seq), "org": org, "node_key": b64(key), "effective_height": str(height + 1)}
    return Event("consortium/remove", attrs)


def rotate(seq: int, org: str, old: PrivateKey, new: PrivateKey, height: int) -> Event:
    attrs = {"seq": str(seq), "org": org, "old_key": b64(old), "node_key": b64(new), "voter": ""}
    return Event("consortium/rotate", attrs | {"effective_height": str(height + 1)})


class Chain:
    """Blocks 1, 2, ... each with some receipts; every header is v2 and attested on demand."""

    def __init__(self, n: int) -> None:
        self.genesis = make_genesis(n)
        self.log = MemoryLog()
        self.tree = SparseMerkleTree()
        self.headers: list[Header] = []
        self.receipts: list[Receipt] = []
        self.roots: list[SparseMerkleTree] = []
        self.count = 0
        self.in_force: dict[int, list[PrivateKey]] = {1: KEYS[:n]}
        """Signers per height from which they apply, kept by the test's own plain bookkeeping."""

    @property
    def height(self) -> int:
        return len(self.headers)

    def block(self, txs: list[list[Event]], *, status: str = "ok", signers: list[PrivateKey] | None = None) -> Header:
        """Append a block with one receipt per tx; ``signers`` is the set from the next height on."""
        height = self.height + 1
        error = None if status == "ok" else {"code": "x.y", "message": "no"}
        receipts = [
            Receipt(f"{height:032x}{i:032x}", height, i, status, error, tuple(evs)) for i, evs in enumerate(txs)
        ]
        changes = sum(1 for r in receipts if r.status == "ok" for e in r.events if _is_change(e))
        if changes:
            self.count += changes  # the proven consortium/count
            self.tree.update({b"consortium/count": str(self.count).encode()})
        self.tree.update({f"block/{height}".encode(): b"x"})
        self.log.append([r.leaf_hash() for r in receipts])
        prev = self.headers[-1].block_hash if self.headers else self.genesis.hash
        header = Header(
            CHAIN, height, 1000 * height, prev, tx_root([r.tx_hash for r in receipts]), len(receipts),
            self.log.size, self.log.root().hex(), "44" * 32, self.tree.root().hex(),
        )  # fmt: skip
        self.headers.append(header)
        self.receipts.extend(receipts)
        self.roots.append(copy.deepcopy(self.tree))
        if signers is not None:
            self.in_force[height + 1] = signers
        return header

    def signers(self, height: int) -> list[PrivateKey]:
        return self.in_force[max(h for h in self.in_force if h <= height)]

    def attestations(self, height: int, signers: list[PrivateKey] | None = None) -> list[dict[str, str]]:
        header = self.headers[height - 1]
        return [attest(header, k).to_json() for k in (self.signers(height) if signers is None else signers)]

    def receipt_bundle(self, receipt: Receipt, height: int, signers: list[PrivateKey] | None = None) -> dict[str, Any]:
        """Today's bundle shape: ``receipt`` under the header at ``height``."""
        header = self.headers[height - 1]
        index = self.receipts.index(receipt)
        return {
            "receipt": receipt.to_json(),
            "leaf_index": index,
            "inclusion_path": [p.hex() for p in inclusion_proof(self.log, index, header.log_size)],
            "header": header.to_json(),
            "attestations": self.attestations(height, signers),
        }

    def change_receipts(self) -> list[Receipt]:
        return [r for r in self.receipts if r.status == "ok" and any(_is_change(e) for e in r.events)]

    def count_proof(self, height: int) -> dict[str, Any]:
        tree = self.roots[height - 1]
        value = tree.get_hash(b"consortium/count")
        count = None if value is None else self._count_at(height)
        return {
            "header": self.headers[height - 1].to_json(),
            "attestations": self.attestations(height),
            "key": "consortium/count",
            "value": count,
            "proof": tree.prove(b"consortium/count").to_json(),
        }

    def _count_at(self, height: int) -> str:
        changes = [e for r in self.change_receipts() if r.height <= height for e in r.events]
        return str(sum(1 for e in changes if _is_change(e)))

    def section(self, top: int | None = None) -> dict[str, Any]:
        """The ``consortium`` member: every change receipt under its own header, the count at ``top``."""
        top = self.height if top is None else top
        changes = [self.receipt_bundle(r, r.height) for r in self.change_receipts() if r.height <= top]
        return {"changes": changes, "count": self.count_proof(top)}

    def bundle(self, receipt: Receipt, height: int, signers: list[PrivateKey] | None = None) -> dict[str, Any]:
        return self.receipt_bundle(receipt, height, signers) | {"consortium": self.section()}

    def state_bundle(self, key: bytes, height: int) -> dict[str, Any]:
        tree = self.roots[height - 1]
        return {
            "key": key.decode(),
            "value": "x",
            "proof": tree.prove(key).to_json(),
            "header": self.headers[height - 1].to_json(),
            "attestations": self.attestations(height),
            "consortium": self.section(),
        }


def _is_change(event: Event) -> bool:
    return event.type in ("consortium/add", "consortium/remove", "consortium/rotate")
