"""The watch-list routes on a real node: the subject answer (by whom, since when, why, until when),
proven with ``?prove=true`` and checked offline against the genesis (also the proof that a subject
is *not* listed), the history, a list's entries, the failed txs' codes, and the 4xx answers."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import orjson
import pytest
from tests.http_errors import check_error
from tests.modules.conftest import OnNode

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import verify_reads
from metrobloc.modules.watchlist.keys import entry_key

DAY_MS = 86_400_000
SALT = b"shared-by-the-fiu-and-banks"
BASIS = hashlib.sha256(b"Council decision 2025/17").hexdigest()


class Desk:
    """A node where the FIU (watchlist_authority) lists alice on sanctions, a hashed customer on fraud,
    and lists then delists bob; carol, without the role, fails to list anyone."""

    def __init__(self, node: OnNode) -> None:
        self.node = node
        self.fiu, self.alice, self.bob, self.carol = (PrivateKey(bytes([0x90 + i]) * 32) for i in range(4))
        node.commit([node.admin()], [sdk.accounts.grant_role(self.fiu.address, "watchlist_authority")])
        self.expires = int(time.time() * 1000) + 365 * DAY_MS  # the node's block time is its clock's
        self.customer = sdk.watchlist.subject_hash(SALT, "UTO:L898902C")
        self.listed = node.commit([self.fiu], [self.listing("sanctions", self.alice.address, "sanctions")])
        node.commit([self.fiu], [self.listing("fraud", self.customer, "fraud")])
        node.commit([self.fiu], [self.listing("sanctions", self.bob.address, "court_order")])
        self.delisted = node.commit([self.fiu], [sdk.watchlist.delist("sanctions", self.bob.address, "appeal_granted")])

    def listing(self, list_id: str, subject: str, reason: str) -> dict[str, Any]:
        return dict(sdk.watchlist.list(list_id, subject, reason, BASIS, self.expires))


@pytest.fixture(scope="module")
def desk(on_node: OnNode) -> Desk:
    return Desk(on_node)


def test_a_subject_answer_says_by_whom_since_when_why_until_when_and_verifies(desk: Desk) -> None:
    path = f"/v1/watchlist/sanctions/subjects/{desk.alice.address}"
    answer = desk.node.http.get(path).json()
    assert answer["listed"] is True
    listing = answer["listing"]
    assert (listing["authority"], listing["reason_code"], listing["legal_basis_digest"]) == (
        desk.fiu.address,
        "sanctions",
        BASIS,
    )
    assert (listing["since_height"], listing["expires_ms"]) == (desk.listed["height"], desk.expires)
    proven = desk.node.http.get(path, params={"prove": "true"}).json()
    reads = verify_reads(proven.pop("proofs"), desk.node.genesis)
    assert proven == answer
    assert orjson.loads(reads.values[entry_key("sanctions", desk.alice.address).decode()] or b"null") == listing
    at = desk.node.http.get(path, params={"at_ms": desk.expires}).json()
    assert at["in_force"] is False and at["listed"] is True


def test_not_being_listed_is_proven_too(desk: Desk) -> None:
    path = f"/v1/watchlist/sanctions/subjects/{desk.bob.address}"
    proven = desk.node.http.get(path, params={"prove": "true"}).json()
    reads = verify_reads(proven.pop("proofs"), desk.node.genesis)
    assert proven == {"list": "sanctions", "subject": desk.bob.address, "listed": False, "listing": None}
    assert reads.values[entry_key("sanctions", desk.bob.address).decode()] is None
    events = desk.node.http.get(path + "/history").json()["events"]
    assert [(e["action"], e["reason_code"]) for e in events] == [("list", "court_order"), ("delist", "appeal_granted")]
    assert events[1]["height"] == desk.delisted["height"]


def test_a_hashed_customer_is_found_by_whoever_knows_the_salt(desk: Desk) -> None:
    again = "sha256:" + hashlib.sha256(SALT + b"UTO:L898902C").hexdigest()
    assert again == desk.customer
    assert desk.node.http.get(f"/v1/watchlist/fraud/subjects/{again}").json()["listed"] is True
    entries = desk.node.http.get("/v1/watchlist/fraud/subjects", params={"limit": 1}).json()
    assert [e["subject"] for e in entries["entries"]] == [again] and entries["next"] == again
    lists = [entry["list"] for entry in desk.node.http.get("/v1/watchlist").json()["lists"]]
    assert lists == ["fraud", "sanctions"]


def test_refused_txs_carry_specific_codes(desk: Desk) -> None:
    receipt = desk.node.submit([desk.carol], [desk.listing("sanctions", desk.bob.address, "fraud")])
    assert (receipt["status"], receipt["error"]["code"]) == ("failed", "watchlist.missing_role")
    receipt = desk.node.submit([desk.fiu], [sdk.watchlist.delist("fraud", desk.bob.address, "other")])
    assert receipt["error"]["code"] == "watchlist.not_listed"
    past = dict(sdk.watchlist.list("sanctions", desk.bob.address, "fraud", BASIS, 1))
    assert desk.node.submit([desk.fiu], [past])["error"]["code"] == "watchlist.expiry_in_past"


def test_bad_paths_and_parameters_answer_400(desk: Desk) -> None:
    check_error(desk.node.http.get("/v1/watchlist/Sanctions/subjects"), 400, "watchlist.bad_list")
    check_error(desk.node.http.get("/v1/watchlist/sanctions/subjects/mb1xyz"), 400, "watchlist.bad_subject")
    bad_checksum = desk.alice.address[:-1] + ("q" if desk.alice.address[-1] != "q" else "p")
    assert desk.node.http.get(f"/v1/watchlist/sanctions/subjects/{bad_checksum}").json()["listed"] is False
    check_error(desk.node.http.get("/v1/watchlist/sanctions/subjects/sha256:00"), 400, "watchlist.bad_subject")
