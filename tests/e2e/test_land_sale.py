"""A full sale on a real node through the SDK: every party signs its own copy, and every step of the
parcel's history is proven by a bundle that verifies offline against the trusted genesis."""

from __future__ import annotations

from typing import Any

import httpx
from tests.conftest import NodeProcess
from tests.http_errors import check_error

from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Genesis, Tx
from metrobloc.sdk import Client, accounts, add_signature, assets, land, missing_signers, parse_tx, verify_proof

DEED = land.document_digest(b"title deed of KUNGSHOLMEN-1:23")
LOAN = land.document_digest(b"mortgage agreement 2024-7731")
SALE = land.document_digest(b"deed of sale, 2025")


def cosign(c: Client, sender: PrivateKey, others: list[PrivateKey], msgs: list[dict[str, Any]]) -> dict[str, Any]:
    """The parties' round trip: the sender prepares, each co-signer signs the JSON it receives."""
    wire = c.prepare(sender, msgs, cosigners=[k.address for k in others]).to_json()
    for key in others:
        tx: Tx = add_signature(parse_tx(wire), key)
        wire = tx.to_json()
    assert missing_signers(parse_tx(wire)) == []
    return c.submit(wire, wait=True)["receipt"]  # type: ignore[no-any-return]


def test_register_mortgage_refused_sale_then_sale_with_proven_history(node: NodeProcess) -> None:
    admin = node.admin()
    registrar, bank, seller, buyer = (PrivateKey(bytes([0x40 + i]) * 32) for i in range(4))
    genesis = Genesis.load(node.genesis_path().read_bytes())  # the verifier's own trusted copy
    parcel = "KUNGSHOLMEN-1:23"
    with node.client() as c:
        setup = [accounts.grant_role(registrar.address, "land_registrar"), accounts.grant_role(bank.address, "lender")]
        assert (
            c.submit(c.build_tx([admin], [*setup, assets.create("SEK", "Krona", 2)]), wait=True)["receipt"]["status"]
            == "ok"
        )

        owners = [(seller.address, 10_000)]
        registered = c.submit(
            c.build_tx([registrar], [land.register_parcel(parcel, "kungsholmen", 412, owners, [DEED])]), wait=True
        )["receipt"]
        assert registered["status"] == "ok"

        mortgage = land.create_lien(parcel, bank.address, 3_000_000_00, "SEK", LOAN)
        pledged = cosign(c, seller, [bank], [mortgage])
        assert pledged["status"] == "ok" and pledged["events"][0]["attributes"]["rank"] == "1"

        sale = land.transfer(parcel, [(buyer.address, 10_000)], SALE, ("SEK", 4_100_000_00))
        refused = cosign(c, seller, [buyer, registrar], [sale])
        assert refused["status"] == "failed" and refused["error"]["code"] == "land.lien_active"
        assert c.land_parcel(parcel)["owners"] == [{"address": seller.address, "share_bp": 10_000}]

        # The bank is paid off at closing: it releases its lien in the very tx that moves the title.
        sold = cosign(c, seller, [buyer, registrar, bank], [land.release_lien(parcel, 1), sale])
        assert sold["status"] == "ok", sold["error"]
        record = c.land_parcel(parcel)
        assert record["owners"] == [{"address": buyer.address, "share_bp": 10_000}] and record["liens"] == []
        assert c.land_parcels(owner=buyer.address)["parcels"][0]["parcel"] == parcel
        assert c.land_parcels(owner=seller.address)["parcels"] == []
        assert c.land_parcels(district="kungsholmen")["parcels"][0]["parcel"] == parcel

        events = c.land_history(parcel)["events"]
        assert [e["type"] for e in events] == [
            "land/register_parcel",
            "land/create_lien",
            "land/release_lien",
            "land/transfer",
        ]
        expected = [registered, pledged, sold, sold]
        for event, receipt in zip(events, expected, strict=True):
            assert (event["tx_hash"], event["height"]) == (receipt["tx_hash"], receipt["height"])
            assert event["proof"] == f"/v1/txs/{event['tx_hash']}/proof"
            bundle = httpx.get(node.url + event["proof"]).json()
            verified = verify_proof(bundle, genesis)
            assert verified.receipt.tx_hash == event["tx_hash"] and verified.receipt.status == "ok"
            assert verified.receipt.height == event["height"]
            assert event["type"] in [e.type for e in verified.receipt.events]
            assert all(e.attributes.get("parcel", parcel) == parcel for e in verified.receipt.events)

        # The refused attempt is on the chain too, provably failed with its code.
        failed = verify_proof(c.proof(refused["tx_hash"]), genesis).receipt
        assert failed.status == "failed" and failed.error == refused["error"]


def test_land_http_errors_have_one_format(node: NodeProcess) -> None:
    cases = [
        ("/v1/land/parcels/NOPE-1", 404, "land.unknown_parcel"),
        ("/v1/land/parcels/NOPE-1/history", 404, "land.unknown_parcel"),
        ("/v1/land/parcels/not%20an%20id", 400, "land.bad_parcel"),
        ("/v1/land/parcels/P-1%0A", 400, "land.bad_parcel"),
        ("/v1/land/parcels", 400, "land.bad_query"),
        ("/v1/land/parcels?owner=mb1nope", 400, "codec.bad_address"),
        ("/v1/land/parcels?district=North", 400, "land.bad_query"),
        ("/v1/land/parcels?district=north&limit=1000", 400, "land.bad_query"),
        ("/v1/land/liens?lender=mb1nope", 400, "codec.bad_address"),
        ("/v1/land/attestations?claim=Survey&subject=P-1", 400, "land.bad_query"),
        ("/v1/land/attestations?claim=survey&subject=P-1", 404, "land.unknown_policy"),
        ("/v1/land/policies/survey", 404, "land.unknown_policy"),
    ]
    for path, status, code in cases:
        check_error(httpx.get(node.url + path), status, code)
    r = httpx.get(node.url + "/v1/land/parcels?district=north")
    assert r.status_code == 200 and r.json() == {"district": "north", "parcels": [], "next": None}
    r = httpx.get(node.url + "/v1/land/attestations/pending")
    assert r.json() == {"status": "pending", "claim": None, "claims": [], "next": None}
