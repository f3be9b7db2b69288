"""The orgs routes on a real node (block time is the node's clock, so the org decides early): an
association pays from its treasury by a proposal that executes as soon as its yes votes decide it;
the org, its proposals and the proposal answer over HTTP, a proven answer checks offline against the
genesis, refused txs carry their codes, and bad paths and parameters answer 400 or 404."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from tests.http_errors import check_error
from tests.modules.conftest import OnNode

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import verify_reads
from metrobloc.modules.orgs.keys import proposal_key

ORG = "harbour-assoc"
RULES = {"support_bp": 5000, "quorum_bp": 5000, "period_ms": 3_600_000, "exec_delay_ms": 0, "early_execution": True}


class Harbour:
    """A node where the harbour association (alice 2, bob 1, carol 2) is funded with HBR and passes
    ``pay-dave`` early (alice and bob yes); ``idle`` stays open; dave is outside."""

    def __init__(self, node: OnNode) -> None:
        self.node = node
        self.alice, self.bob, self.carol, self.dave = (PrivateKey(bytes([0xA0 + i]) * 32) for i in range(4))
        self.treasury = str(sdk.orgs.treasury(ORG))
        members = [(self.alice.address, 2), (self.bob.address, 1), (self.carol.address, 2)]
        charter = hashlib.sha256(b"harbour charter").hexdigest()
        node.commit([self.alice], [sdk.orgs.create(ORG, charter, members, RULES)])
        admin = node.admin()
        node.commit([admin], [sdk.assets.create("HBR", "Harbour coin"), sdk.assets.mint("HBR", self.treasury, 1000)])
        pay = dict(sdk.orgs.pay(ORG, "HBR", self.dave.address, 120))
        node.commit([self.alice], [sdk.orgs.propose(ORG, "pay-dave", charter, [pay])])
        node.commit([self.alice], [sdk.orgs.propose(ORG, "idle", charter, [])])
        node.commit([self.alice], [sdk.orgs.vote(ORG, "pay-dave", "yes")])
        self.too_early = node.submit([self.dave], [sdk.orgs.execute(ORG, "pay-dave")])
        node.commit([self.bob], [sdk.orgs.vote(ORG, "pay-dave", "yes")])
        self.executed = node.commit([self.dave], [sdk.orgs.execute(ORG, "pay-dave")])


@pytest.fixture(scope="module")
def harbour(on_node: OnNode) -> Harbour:
    return Harbour(on_node)


def test_a_decided_proposal_executes_early_and_pays_from_the_treasury(harbour: Harbour) -> None:
    assert harbour.too_early["error"]["code"] == "orgs.too_early"
    types = [e["type"] for e in harbour.executed["events"]]
    assert types == ["orgs/pay", "orgs/execute"]
    balance = harbour.node.http.get(f"/v1/assets/HBR/balances/{harbour.dave.address}").json()
    assert balance["balance"] == "120"
    answer = harbour.node.http.get(f"/v1/orgs/{ORG}/proposals/pay-dave").json()
    assert (answer["status"], answer["tally"], answer["decided"]) == (
        "executed",
        {"yes": 3, "no": 0, "abstain": 0},
        True,
    )
    assert answer["closed_height"] == harbour.executed["height"]
    assert {v["address"]: v["option"] for v in answer["votes"]}[harbour.carol.address] is None


def test_the_org_and_its_proposals_answer_over_http(harbour: Harbour) -> None:
    org = harbour.node.http.get(f"/v1/orgs/{ORG}").json()
    assert (org["treasury"], org["total_weight"], org["voting"]) == (harbour.treasury, 5, RULES)
    expected = {harbour.alice.address: 2, harbour.bob.address: 1, harbour.carol.address: 2}
    assert {m["address"]: m["weight"] for m in org["members"]} == expected
    listed = harbour.node.http.get("/v1/orgs", params={"limit": 100}).json()
    assert ORG in [o["org"] for o in listed["orgs"]]
    open_ones = harbour.node.http.get(f"/v1/orgs/{ORG}/proposals", params={"status": "open"}).json()
    assert [p["proposal"] for p in open_ones["proposals"]] == ["idle"]
    page = harbour.node.http.get(f"/v1/orgs/{ORG}/proposals", params={"limit": 1}).json()
    assert [p["proposal"] for p in page["proposals"]] == ["pay-dave"] and page["next"] == 0
    idle = harbour.node.http.get(f"/v1/orgs/{ORG}/proposals/idle", params={"at_ms": 0}).json()
    assert idle["phase"] == "voting" and idle["passes"] is False


def test_a_proven_proposal_answer_verifies_offline(harbour: Harbour) -> None:
    path = f"/v1/orgs/{ORG}/proposals/pay-dave"
    answer = harbour.node.http.get(path).json()
    proven = harbour.node.http.get(path, params={"prove": "true"}).json()
    reads = verify_reads(proven.pop("proofs"), harbour.node.genesis)
    assert proven == answer
    stored = orjson.loads(reads.values[proposal_key(ORG, "pay-dave").decode()] or b"null")
    assert stored["status"] == "executed" and stored["actions"] == answer["actions"]


def test_refused_txs_carry_specific_codes(harbour: Harbour) -> None:
    assert (
        harbour.node.submit([harbour.dave], [sdk.orgs.vote(ORG, "idle", "yes")])["error"]["code"] == "orgs.not_member"
    )
    again = harbour.node.submit([harbour.dave], [sdk.orgs.execute(ORG, "pay-dave")])
    assert again["error"]["code"] == "orgs.closed"
    direct = harbour.node.submit([harbour.alice], [sdk.orgs.pay(ORG, "HBR", harbour.alice.address, 1)])
    assert direct["error"]["code"] == "orgs.not_treasurer"
    internal = harbour.node.submit([harbour.alice], [sdk.orgs.set_member(ORG, harbour.dave.address, 5)])
    assert internal["error"]["code"] == "orgs.not_authority"


def test_bad_paths_and_parameters_answer_400_or_404(harbour: Harbour) -> None:
    check_error(harbour.node.http.get("/v1/orgs/No_Such"), 400, "orgs.bad_org")
    check_error(harbour.node.http.get("/v1/orgs/no-such-org"), 404, "orgs.unknown_org")
    check_error(harbour.node.http.get(f"/v1/orgs/{ORG}/proposals/missing"), 404, "orgs.unknown_proposal")
    check_error(harbour.node.http.get(f"/v1/orgs/{ORG}/proposals/Bad!"), 400, "orgs.bad_proposal")
    assert harbour.node.http.get(f"/v1/orgs/{ORG}/proposals", params={"status": "pending"}).status_code == 400
    assert harbour.node.http.get(f"/v1/orgs/{ORG}/proposals", params={"limit": 0}).status_code == 400
