"""A small chain for the page tests: a coin with decimals, transfers (one with a right-to-left
override in its memo), a failed transfer, a parcel with two liens, all on a real node."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.conftest import NodeProcess

from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Tx
from metrobloc.sdk import Client, accounts, add_signature, assets, land, parse_tx

PARCEL = "PORTAL-1:7"
DISTRICT = "old-town"
MEMO = "rent \u202egnp.exe\u202c <script>alert(1)</script>"


@dataclass
class PortalChain:
    """What was put on the chain, for the tests to look for."""

    admin: PrivateKey
    alice: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x61]) * 32))
    bob: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x62]) * 32))
    registrar: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x63]) * 32))
    bank: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x64]) * 32))
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)


def _cosign(c: Client, sender: PrivateKey, others: list[PrivateKey], msgs: list[dict[str, Any]]) -> dict[str, Any]:
    wire = c.prepare(sender, msgs, cosigners=[k.address for k in others]).to_json()
    for key in others:
        tx: Tx = add_signature(parse_tx(wire), key)
        wire = tx.to_json()
    return c.submit(wire, wait=True)["receipt"]  # type: ignore[no-any-return]


def seed(node: NodeProcess) -> PortalChain:
    chain = PortalChain(node.admin())
    admin, alice, bob = chain.admin, chain.alice, chain.bob
    with node.client() as c:

        def run(name: str, signers: list[PrivateKey], msgs: list[dict[str, Any]], memo: str = "") -> None:
            chain.receipts[name] = c.submit(c.build_tx(signers, msgs, memo=memo), wait=True)["receipt"]

        roles = [
            accounts.grant_role(chain.registrar.address, "land_registrar"),
            accounts.grant_role(chain.bank.address, "lender"),
        ]
        run(
            "setup",
            [admin],
            [*roles, assets.create("CITY", "City Coin", 2), assets.mint("CITY", alice.address, 1_000_00)],
        )
        run("transfer", [alice], [assets.transfer("CITY", bob.address, 25_50)], memo=MEMO)
        run("failed", [bob], [assets.transfer("CITY", alice.address, 999_999_00)])
        run("burn", [alice], [assets.burn("CITY", 100)])
        owners = [(alice.address, 7_500), (bob.address, 2_500)]
        deed = land.document_digest(b"deed of PORTAL-1:7")
        run("parcel", [chain.registrar], [land.register_parcel(PARCEL, DISTRICT, 640, owners, [deed])])
        loan = land.document_digest(b"loan")
        chain.receipts["lien"] = _cosign(
            c, alice, [bob, chain.bank], [land.create_lien(PARCEL, chain.bank.address, 300_000_00, "CITY", loan)]
        )
    return chain


@pytest.fixture(scope="module", name="portal")
def portal_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeProcess, PortalChain]]:
    """A node with ``seed``'s chain, for a whole test module."""
    node = NodeProcess(tmp_path_factory.mktemp("portal") / "node").start()
    try:
        yield node, seed(node)
    finally:
        node.stop()
