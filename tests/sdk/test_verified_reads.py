"""``client.verified(genesis)``: reads the SDK returns only once they verify against the caller's genesis.

A node that lies (simulated by altering what the client's transport hands back) is caught: the SDK
raises ``VerificationFailed`` instead of returning the altered value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.conftest import NodeProcess

from metrobloc.crypto import PrivateKey
from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Genesis
from metrobloc.modules.assets.keys import balance_key
from metrobloc.sdk import Client, accounts, assets, land
from metrobloc.sdk.verified import VerifiedReads

ASSET = "CITY"
PARCEL = "VERIFIED-1:1"
DEED = land.document_digest(b"title deed of VERIFIED-1:1")
ALICE, BOB, REGISTRAR = (PrivateKey(bytes([0x60 + i]) * 32) for i in range(3))


@pytest.fixture(scope="module")
def client(shared_node: NodeProcess) -> Iterator[Client]:
    c = shared_node.client()
    admin = shared_node.admin()
    for keys, msgs in (
        ([admin], [assets.create(ASSET, "City Coin"), assets.mint(ASSET, ALICE.address, 300),
                   accounts.grant_role(REGISTRAR.address, "land_registrar")]),
        ([ALICE], [assets.transfer(ASSET, BOB.address, 100)]),
        ([REGISTRAR], [land.register_parcel(PARCEL, "verified", 250, [(ALICE.address, 10_000)], [DEED])]),
    ):  # fmt: skip
        assert c.submit(c.build_tx(keys, msgs), wait=True)["receipt"]["status"] == "ok"
    yield c
    c.close()


@pytest.fixture
def verified(client: Client, shared_node: NodeProcess) -> VerifiedReads:
    return client.verified(Genesis.load(shared_node.genesis_path().read_bytes()))


def test_verified_reads_return_the_proven_records(verified: VerifiedReads, client: Client) -> None:
    assert verified.balance(ASSET, ALICE.address) == 200 == client.balance(ASSET, ALICE.address)
    assert verified.balance(ASSET, BOB.address) == 100
    assert verified.balance(ASSET, PrivateKey(b"\x6f" * 32).address) == 0  # proven absent
    for who in (ALICE, REGISTRAR):
        answer = client.account(who.address)
        assert verified.account(who.address) == {"public_key": answer["public_key"], "roles": answer["roles"]}
    assert verified.account(REGISTRAR.address)["roles"] == ["land_registrar"]
    assert verified.account(PrivateKey(b"\x6e" * 32).address) == {"public_key": None, "roles": []}
    parcel = verified.parcel(PARCEL)
    assert parcel is not None and parcel["liens"] == [] and parcel["owners"][0]["address"] == ALICE.address
    assert verified.parcel("VERIFIED-9:9") is None
    assert verified.state(balance_key(ASSET, ALICE.address).decode()) == "200"


def test_verified_get_returns_the_answer_and_its_proven_reads(verified: VerifiedReads) -> None:
    answer, proven = verified.get(f"/v1/assets/{ASSET}/balances/{BOB.address}")
    assert "proofs" not in answer and answer["balance"] == "100"
    assert proven.values[balance_key(ASSET, BOB.address).decode()] == "100"
    assert proven.header.state_root is not None


def lying(original: Callable[..., Any], alter: Callable[[Any], None]) -> Callable[..., Any]:
    """What a lying node would send: the real answer, altered."""

    def call(*args: Any, **kwargs: Any) -> Any:
        answer = original(*args, **kwargs)
        alter(answer)
        return answer

    return call


def _richer(bundle: dict[str, Any]) -> None:
    bundle["value"] = "1000000"


def _no_parcel(bundle: dict[str, Any]) -> None:
    bundle["value"] = None


def _forged_answer(answer: dict[str, Any]) -> None:
    for read in answer["proofs"]["reads"]:
        if read["key"].startswith("assets/bal/"):
            read["value"] = "999"


def test_a_lying_node_raises_verification_failed(
    verified: VerifiedReads, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "state_proof", lying(client.state_proof, _richer))
    for read in (
        lambda: verified.balance(ASSET, ALICE.address),
        lambda: verified.balance(ASSET, PrivateKey(b"\x6f" * 32).address),  # a balance for someone holding none
        lambda: verified.account(ALICE.address),
        lambda: verified.state(balance_key(ASSET, BOB.address).decode()),
    ):
        with pytest.raises(VerificationFailed) as failed:
            read()
        assert failed.value.code == "verify.state_value_mismatch"
    monkeypatch.undo()

    monkeypatch.setattr(client, "state_proof", lying(client.state_proof, _no_parcel))
    with pytest.raises(VerificationFailed) as failed:
        verified.parcel(PARCEL)  # "not registered" from a node hiding the record
    assert failed.value.code == "verify.state_value_mismatch"
    monkeypatch.undo()

    monkeypatch.setattr(client, "get", lying(client.get, _forged_answer))
    with pytest.raises(VerificationFailed) as failed:
        verified.get(f"/v1/assets/{ASSET}/balances/{ALICE.address}")
    assert failed.value.code == "verify.state_value_mismatch"


def test_a_header_not_attested_by_the_genesis_keys_is_refused(
    verified: VerifiedReads, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "state_proof", lying(client.state_proof, lambda b: b["attestations"].clear()))
    with pytest.raises(VerificationFailed) as failed:
        verified.balance(ASSET, ALICE.address)
    assert failed.value.code == "verify.no_quorum"


def test_a_query_answer_without_proofs_is_refused(
    verified: VerifiedReads, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node that ignores ``prove=true`` must not get its unproven answer through."""
    monkeypatch.setattr(client, "get", lying(client.get, lambda a: a.pop("proofs")))
    with pytest.raises(VerificationFailed) as failed:
        verified.get(f"/v1/assets/{ASSET}")
    assert failed.value.code == "verify.bad_bundle"


def test_a_bundle_for_another_key_is_refused(
    verified: VerifiedReads, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid proof of bob's balance is no answer about alice's."""
    original = client.state_proof
    monkeypatch.setattr(client, "state_proof", lambda key: original(balance_key(ASSET, BOB.address).decode()))
    with pytest.raises(VerificationFailed) as failed:
        verified.balance(ASSET, ALICE.address)
    assert failed.value.code == "verify.wrong_key"
