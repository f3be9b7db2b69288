"""`metrobloc up --demo`: a seeded, reproducible Demo City on real node processes, then live activity."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import NodeProcess, metrobloc_cmd

from metrobloc.demo import DemoCity, association, budget, consortium, money, watchlist
from metrobloc.demo.association import AssociationParties
from metrobloc.demo.identity import WALLET_DIR, IdentityParties
from metrobloc.demo.money import MoneyParties
from metrobloc.demo.timebank import SERVICES, TRUST_ACCREDITATION, TimebankParties
from metrobloc.modules.ballots import audit as ballots_audit
from metrobloc.modules.ballots import client as ballots_client
from metrobloc.sdk import Client, orgs, verify_proof
from metrobloc.sdk import credentials as creds

README = Path(__file__).resolve().parents[2] / "src" / "metrobloc" / "demo" / "README.md"
SEED = 7
CITY = DemoCity(SEED)


def test_the_seeded_history_is_a_function_of_the_seed_alone() -> None:
    again, other = DemoCity(SEED), DemoCity(SEED + 1)
    hashes = [[s.tx.hash for s in b.txs] for b in CITY.blocks]
    assert hashes == [[s.tx.hash for s in b.txs] for b in again.blocks]
    assert hashes != [[s.tx.hash for s in b.txs] for b in other.blocks]
    assert CITY.genesis.hash == again.genesis.hash != other.genesis.hash
    times = [CITY.genesis_time_ms] + [b.time_ms for b in CITY.blocks]
    assert times == sorted(set(times)) and times[-1] < time.time() * 1000  # in the past: live blocks come after


DEMO_STARTUP_S = 120.0
"""A demo node seeds its city before it answers (a few seconds; more on a machine shared with other work)."""


def demo_node(base: Path, *args: str) -> NodeProcess:
    return NodeProcess(base / "node", extra_args=("--demo", *args), startup_timeout_s=DEMO_STARTUP_S)


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    """Two Demo Cities of seed 7, each seeded by its own process in its own fresh data dir."""
    started: list[NodeProcess] = []
    try:
        for name in ("city-a", "city-b"):
            started.append(demo_node(tmp_path_factory.mktemp(name), "--seed", str(SEED)).start())
        yield started[0], started[1]
    finally:
        for node in started:
            node.stop()


def height_of(title: str) -> int:
    return next(b.height for b in CITY.blocks if b.title == title)


def receipts(c: Client, title: str) -> list[dict[str, Any]]:
    """The receipts of the seeded block ``title``, in order."""
    return [c.tx(s.tx.hash)["receipt"] for s in CITY.blocks[height_of(title) - 1].txs]


def events(receipt: dict[str, Any], kind: str) -> list[dict[str, str]]:
    return [e["attributes"] for e in receipt["events"] if e["type"] == kind]


def seeded_blocks(node: NodeProcess) -> list[dict[str, Any]]:
    with node.client() as c:
        return [c.block(height) for height in range(1, CITY.seeded_height + 1)]


def test_the_same_seed_gives_the_same_seeded_blocks(cities: tuple[NodeProcess, NodeProcess]) -> None:
    a, b = cities
    for node in cities:
        record = json.loads((node.data_dir / "demo.json").read_text())
        assert record == {"seed": SEED, "seeded_height": 57, "seeded_txs": 885, "finished": True}
        assert json.loads(node.genesis_path().read_text()) == CITY.genesis.raw
    ours, theirs = seeded_blocks(a), seeded_blocks(b)
    assert [x["block_hash"] for x in ours] == [x["block_hash"] for x in theirs]
    for block, planned in zip(ours, CITY.blocks, strict=True):
        assert block["header"]["time_ms"] == planned.time_ms
        assert block["tx_hashes"] == [s.tx.hash for s in planned.txs]
    # The seeded part is the chain's own history: its proofs verify offline like any other.
    first_sale = CITY.blocks[4].txs[0].tx.hash
    with a.client() as c:
        verified = verify_proof(c.proof(first_sale), CITY.genesis)
    assert verified.receipt.status == "ok" and verified.receipt.height == 5


def test_the_city_has_its_agencies_assets_and_land_records(cities: tuple[NodeProcess, NodeProcess]) -> None:
    people = CITY.people
    with cities[0].client() as c:
        roles = {a.name: c.account(a.address)["roles"] for a in people.agencies}
        assert roles == {
            "City Hall": ["admin"],
            "Land Registry": ["land_registrar"],
            "Metro Savings Bank": ["lender", "watchlist_authority"],  # the latter from block 32
            "Metro University": ["asset_issuer", "oracle"],
        }
        assert c.asset("CITY")["issuer"] == people.city_hall.address and c.asset("CITY")["decimals"] == 2
        assert c.asset("CREDIT")["transferable"] is False and c.asset("RENT1")["mintable"] is False
        for district in ("old-town", "riverside", "harbour", "university-hill", "north-park"):
            assert len(c.land_parcels(district=district)["parcels"]) >= 8
        assert c.land_liens(people.bank.address)["liens"], "the bank holds mortgages"
        harbour = c.land_parcel("HARBOUR-9:1")
        assert harbour["claims"][0]["claim"] == "parcel_registration"
        assert sorted(harbour["claims"][0]["oracles"]) == sorted([people.university.address, people.city_hall.address])
        disputed = c.land_claim("parcel_registration", "NORTHPARK-9:1")
        assert disputed["status"] == "pending" and disputed["disagreement"] is True
        refused = c.tx(CITY.blocks[4].txs[-1].tx.hash)["receipt"]
        assert refused["status"] == "failed" and refused["error"]["code"] == "land.lien_active"


def test_the_city_has_its_identity_part(cities: tuple[NodeProcess, NodeProcess]) -> None:
    """Agencies' DIDs with websites, accredited issuers (one through the University, one revoked),
    schemas, residents' DIDs, the Population Register's rotation, and a demo wallet whose credentials
    (signed before the rotation) verify against the genesis; the same in both cities."""
    people, parties = CITY.people, IdentityParties.of_seed(SEED)
    a, b = cities
    wallets = [
        sorted((p.relative_to(n.data_dir), p.read_bytes()) for p in (n.data_dir / WALLET_DIR).rglob("*.json"))
        for n in cities
    ]
    assert wallets[0] == wallets[1] and len(wallets[0]) == 6
    with a.client() as c:
        for agency in (*people.agencies, parties.register, parties.hospital):
            document = c.get(f"/1.0/identifiers/did:mb:{agency.address}")["didDocument"]
            assert document["service"][0]["serviceEndpoint"] == f"https://{agency.key_name}.demo-city.example/"
        register = c.get(f"/1.0/identifiers/did:mb:{parties.register.address}")["didDocument"]
        assert len(register["verificationMethod"]) == 2 and register["assertionMethod"][0].endswith("#key-2")
        hospital = c.get(
            f"/v1/identity/issuers/{parties.hospital.address}",
            {"type": "StudentCredential", "at_ms": CITY.blocks[-1].time_ms},
        )
        assert hospital["accredited"] and [link["id"] for link in hospital["chain"]] == [5, 2]
        mistaken = c.get("/v1/identity/accreditations/4")
        assert mistaken["subject"] == people.registry.address
        assert mistaken["revoked_height"] == height_of("Schemas, and a revoked accreditation")
        assert c.get("/v1/identity/schemas/residency-v1")["credential_type"] == "ResidencyCredential"
        for _, body in wallets[0]:
            verified = creds.verify(json.loads(body), genesis=CITY.genesis, client=c)
            assert verified.verification_method.endswith("#key-1") and verified.status == "none"
    for path in ("/identity/issuers", f"/identity/dids/did:mb:{parties.register.address}", "/identity/verify"):
        assert httpx.get(a.url + path).status_code == 200


def test_the_city_has_its_time_banks_and_watch_list(cities: tuple[NodeProcess, NodeProcess]) -> None:
    """Two banks registered by the accredited trust, five residents admitted, services (one between
    the banks, one refused unsigned), a sanctioned account listed and a customer's hash delisted."""
    parties, residents = TimebankParties.of_seed(SEED), CITY.people.citizens[:5]
    river, harbour = parties.riverside.address, parties.harbour.address
    with cities[0].client() as c:
        banks = {b["name"]: b for b in c.get("/v1/timebank/banks")["banks"]}
        assert sorted(banks) == ["Harbour Time Bank", "Riverside Time Bank"]
        assert {b["accreditation"] for b in banks.values()} == {TRUST_ACCREDITATION}
        assert [banks["Riverside Time Bank"]["members"], banks["Harbour Time Bank"]["members"]] == [3, 2]
        assert c.get(f"/v1/timebank/banks/{river}/clearing")["positions"] == [{"bank": harbour, "minutes": 30}]
        minutes = [c.get(f"/v1/timebank/members/{r.address}")["total_minutes"] for r in residents]
        assert minutes == [120 + 90 - 60 + 30, 120 - 90, 120 + 60, 60 + 45 - 30, 60 - 45]
        refused = c.tx(CITY.blocks[height_of("Neighbours trade hours") - 1].txs[-1].tx.hash)["receipt"]
        assert refused["error"]["code"] == "timebank.needs_both_signatures"
        listed = c.get(f"/v1/watchlist/sanctions/subjects/{watchlist.sanctioned(SEED)}")["listing"]
        assert listed["authority"] == CITY.people.bank.address
        assert c.get(f"/v1/watchlist/fraud/subjects/{watchlist.customer()}")["listing"] is None
    pages = ("/timebank", f"/timebank/banks/{river}", f"/timebank/members/{residents[0].address}", "/watchlist")
    for path in (*pages, f"/watchlist/fraud/subjects/{watchlist.customer()}"):
        assert httpx.get(cities[0].url + path).status_code == 200


def test_the_city_has_its_money(cities: tuple[NodeProcess, NodeProcess]) -> None:
    """City Coin with demurrage taken on its first demurrage day, a fee to the fund and a payment to
    the sanctioned account refused; a food voucher in lots that food shops take and a neighbour
    cannot; CIVIC points rewarded once per time-bank service and spent at the coalition's merchants."""
    parties, people, residents = MoneyParties.of_seed(SEED), CITY.people, CITY.people.citizens[:5]
    fund = parties.fund.address
    coin_title, voucher_title, food_title, _, points_title, day_title = money.CHAPTERS
    with cities[0].client() as c:
        policy = c.asset("CITY")["policy"]["policy"]
        assert (policy["demurrage_bp"], policy["watchlists"], policy["programme"]) == (200, ["sanctions"], fund)
        refused = receipts(c, coin_title)[-1]
        assert refused["status"] == "failed" and refused["error"]["code"] == "assets.sanctioned"
        assert c.balance("CITY", watchlist.sanctioned(SEED)) == 0
        # The demurrage day is in a later period than the policy: every swept holder paid, into the sink.
        day, since = (CITY.blocks[height_of(t) - 1].time_ms for t in (day_title, coin_title))
        assert day // money.DEMURRAGE_PERIOD_MS > since // money.DEMURRAGE_PERIOD_MS
        sweep, cash_out = receipts(c, day_title)
        settled = events(sweep, "assets/settle")
        assert [e["holder"] for e in settled] == [people.bank.address, *(r.address for r in residents)]
        assert all(int(e["demurrage"]) > 0 and e["expired"] == "0" for e in settled)
        assert int(events(cash_out, "assets/settle")[0]["demurrage"]) > 0  # a spend settles too
        [redeemed] = events(cash_out, "assets/redeem")
        assert (redeemed["fee"], redeemed["programme"]) == ("5000", fund)
        assert int(c.asset("CITY")["sink"]) >= sum(int(e["demurrage"]) for e in settled)

        voucher = c.asset("FOODV")
        assert voucher["issuer"] == parties.red_cross.address and voucher["policy"]["policy"]["merchant_role"]
        assert voucher["supply"] == str(5 * 60_00 - 125_00)  # the grocery redeemed what it took
        [lot] = c.get(f"/v1/assets/FOODV/balances/{residents[4].address}")["lots"]
        minted = CITY.blocks[height_of(voucher_title) - 1].time_ms
        assert lot["amount"] == "6000" and minted + 90 * 86_400_000 <= lot["expires_ms"] < minted + 97 * 86_400_000
        neighbour = receipts(c, food_title)[-2]
        assert neighbour["error"]["code"] == "assets.not_merchant"
        assert [c.balance("FOODV", a.address) for a in (parties.grocery, parties.bakery)] == [0, 12_50]

        rewarding = receipts(c, points_title)
        rewards = [e for r in rewarding for e in events(r, "assets/reward")]
        assert [(e["ref"], e["to"]) for e in rewards] == [
            (str(ref), residents[s.provider].address) for ref, s in enumerate(SERVICES, 1)
        ]
        assert rewarding[len(SERVICES)]["error"]["code"] == "assets.already_rewarded"
        points = [c.balance("CIVIC", r.address) for r in residents]
        assert points == [2 * 50 - 30, 0, 50 - 20, 50, 0]
        assert [c.balance("CIVIC", m.address) for m in (parties.cafe, parties.museum)] == [30, 20]

        # A resident's wallet: City Coin, the voucher's lot with its expiry, CIVIC points, time-bank minutes.
        wallet = c.wallet(residents[0].address)
        held = {a["asset"]: a for a in wallet["assets"]}
        assert {"CITY", "FOODV", "CIVIC"} <= set(held)
        assert all(lot["expires_ms"] for lot in held["FOODV"]["lots"]) and held["CIVIC"]["balance"] == "70"
        assert wallet["timebank"]["banks"] and wallet["listings"] == []
    for symbol in ("CITY", "FOODV", "CIVIC"):
        assert httpx.get(f"{cities[0].url}/assets/{symbol}").status_code == 200
    page = httpx.get(f"{cities[0].url}/accounts/{residents[0].address}/wallet")
    assert page.status_code == 200 and "FOODV" in page.text and "CIVIC" in page.text


def test_the_city_has_its_neighbourhood_association(cities: tuple[NodeProcess, NodeProcess]) -> None:
    """Five residents' association with weighted members and a City Coin treasury: the garden proposal,
    passed by vote, paid the supplier from the treasury after the vote and the delay, set the petty-cash
    budget and made a treasurer; the fireworks were rejected; a non-member's vote, an early execution and
    a payment beyond the budget were refused."""
    parties, org = AssociationParties.of_seed(SEED), association.ORG
    members, treasurer = association.members(CITY), association.treasurer(CITY)
    treasury, supplier = orgs.treasury(org), parties.supplier.address
    _, proposing, voting, executing, petty_cash = association.CHAPTERS
    with cities[0].client() as c:
        record = c.get(f"/v1/orgs/{org}", {"at_ms": CITY.blocks[-1].time_ms})
        assert record["treasury"] == treasury and record["total_weight"] == 8
        weights = sorted((m.address, w) for m, w in zip(members, association.WEIGHTS, strict=True))
        assert [(m["address"], m["weight"]) for m in record["members"]] == weights
        assert record["roles"] == {"treasurer": [treasurer.address]}
        [budget] = record["budgets"]
        assert (budget["asset"], budget["amount"], budget["period_ms"]) == ("CITY", "30000", 30 * 86_400_000)
        assert (budget["now"]["spent"], budget["now"]["left"]) == ("12000", "18000")

        listed = {p["proposal"]: p for p in c.get(f"/v1/orgs/{org}/proposals")["proposals"]}
        garden, fireworks = listed[association.GARDEN], listed[association.FIREWORKS]
        assert (garden["status"], garden["tally"], garden["extended"]) == (
            "executed",
            {"yes": 4, "no": 2, "abstain": 1},  # the outsider's vote counted for nothing
            False,
        )
        assert (fireworks["status"], fireworks["passes"]) == ("rejected", False)
        proposed, executed = (CITY.blocks[height_of(t) - 1].time_ms for t in (proposing, executing))
        assert garden["start_ms"] == proposed and executed == proposed + (7 + 2) * 86_400_000  # vote + delay

        run, rejected = receipts(c, executing)
        assert events(run, "orgs/pay") == [
            {"org": org, "asset": "CITY", "to": supplier, "amount": "180000", "by": treasury}
        ]
        assert [events(r, "orgs/execute")[0]["status"] for r in (run, rejected)] == ["executed", "rejected"]
        assert [c.balance("CITY", a) for a in (supplier, treasury)] == [1_800_00 + 120_00, 5_000_00 - 1_920_00]
        assert c.balance("CITY", parties.fireworks.address) == 0

        votes, payments = receipts(c, voting), receipts(c, petty_cash)
        assert [r["status"] for r in votes[:-2]] == ["ok"] * 7 and payments[0]["status"] == "ok"
        refused = [votes[-2], votes[-1], payments[-1]]
        assert [r["error"]["code"] for r in refused] == ["orgs.not_member", "orgs.too_early", "orgs.over_budget"]
    if find_spec("metrobloc.modules.orgs.pages") is not None:  # the org pages, once the portal has them
        assert httpx.get(f"{cities[0].url}/orgs/{org}").status_code == 200


def test_the_consortium_votes_in_a_fifth_organization(cities: tuple[NodeProcess, NodeProcess]) -> None:
    """Four organizations certify the genesis; three of four vote in the Red Cross (an execution after two
    is refused), whose node key counts from the next block: live blocks are then certified by 4 of 5,
    and a live tx's proof verifies offline from the original genesis alone, following the change."""
    assert [o["name"] for o in CITY.genesis.raw["organizations"]] == [name for name, _ in consortium.FOUNDERS]
    proposing, voting = consortium.CHAPTERS
    with cities[0].client() as c:
        [init, propose] = receipts(c, proposing)
        assert init["status"] == propose["status"] == "ok"
        votes = receipts(c, voting)
        assert [r["error"]["code"] if r["error"] else r["status"] for r in votes] == [
            "ok",
            "ok",
            "orgs.too_early",  # two of four yes: short of two thirds, and the outcome could still change
            "ok",
            "ok",
        ]
        [added] = events(votes[-1], "consortium/add")
        effective = int(added["effective_height"])
        assert (added["org"], added["name"], effective) == ("red-cross", "Demo City Red Cross", height_of(voting) + 1)
        listed = c.get("/v1/consortium")
        assert [m["org"] for m in listed["members"]] == ["org1", "org2", "org3", "org4", "red-cross"]
        assert listed["quorum"] == 4
        before = c.block(effective - 1)
        assert (len(before["attestations"]), before["certified"]) == (4, True)
        deadline = time.monotonic() + 20
        while int(c.status()["height"]) < effective + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        live = next(
            (b for b in (c.block(h) for h in range(effective, int(c.status()["height"]))) if b["tx_hashes"]), None
        )
        assert live is not None, "no live tx after the change"
        assert (live["quorum"], len(live["attestations"]), live["certified"]) == (4, 5, True)
        verified = verify_proof(c.proof(live["tx_hashes"][0]), CITY.genesis)
    assert verified.receipt.height >= effective


def test_the_city_has_its_district_budget(cities: tuple[NodeProcess, NodeProcess]) -> None:
    """The harbour council's budget went from its opening to payouts: 200 residents chose in a secret ballot
    whose key three agencies generated on chain; two of them decrypted the total (the Land Registry stayed
    offline), the counts were checked on chain and are what the shares decrypt to; finalize took the winners by
    the module's rule; inspectors' attestations paid the builders, and a cancellation refunded the rest. Each
    refusal is on the chain with its code."""
    titles = budget.CHAPTERS
    parties = budget.BudgetParties.of_city(CITY)
    with cities[0].client() as c:
        record = c.get(f"/v1/ballots/{budget.ELECTION}")
        assert (record["status"], record["voters"], record["casts"], record["threshold"]) == ("decided", 200, 212, 2)
        assert record["guardians"] == [
            a.address for a in (CITY.people.city_hall, CITY.people.registry, CITY.people.bank)
        ]
        shared = [g["decryption_share"] is not None for g in record["guardian_records"]]
        assert shared == [True, False, True]  # the Land Registry was offline
        [counts] = record["counts"]
        assert ballots_client.counts(record) == [counts]  # what the two shares decrypt the total to
        assert sum(counts) > 200  # a ballot selects one project or more
        cast: list[dict[str, Any]] = []
        cursor = None
        while True:  # anyone re-checks the whole election from the chain: keys, ballots, total, shares, counts
            page = c.get(f"/v1/ballots/{budget.ELECTION}/ballots", {"cursor": cursor} if cursor else None)
            cast += page["ballots"]
            if (cursor := page["next"]) is None:
                break
        steps = ballots_audit.audit(record, cast, CITY.genesis.chain_id)
        assert len(cast) == 200 and len(steps) == 5 and [s.name for s in steps if not s.ok] == []

        process = c.get(f"/v1/budgeting/processes/{budget.PROCESS}")
        [harbour] = process["budgets"]
        tally = dict(record["tally"][0])
        weights = {p["project"]: int(p["cost"]) // budget.UNIT for p in process["projects"]}
        assert harbour["finalized"] and harbour["winners"] == budget.select(tally, weights, 20)
        assert harbour["turnout"] == 200
        status = {p["project"]: p["status"] for p in process["projects"]}
        assert status["cruise-terminal"] == "rejected" and list(status.values()).count("cancelled") == 1
        assert all(status[w] in ("selected", "cancelled") for w in harbour["winners"])
        funded, paid, refunded = (int(process[k]) for k in ("funded", "paid", "refunded"))
        escrow = c.balance("CITY", process["escrow"])
        assert funded == 200_000_00 and escrow + paid + refunded == funded and paid > 0
        builders = sum(c.balance("CITY", b.address) for b in parties.builders)
        assert builders == paid

        outcomes = {t: [r["error"]["code"] if r["error"] else r["status"] for r in receipts(c, t)] for t in titles}
        refused = {t: [o for o in found if o != "ok"] for t, found in outcomes.items()}
        assert refused == dict.fromkeys(titles, []) | {
            "Residents submit projects": ["budgeting.not_resident"],
            "More ballots, and changed minds": ["ballots.not_in_census"],
            "The ballot closes: two of three guardians decrypt": ["ballots.too_few_shares"],
            "The budget is decided": ["ballots.wrong_result"],
            "First milestones inspected and paid": ["budgeting.not_inspector"],
        }
    if find_spec("metrobloc.modules.budgeting.pages") is not None:
        assert httpx.get(f"{cities[0].url}/budgeting/{budget.PROCESS}").status_code == 200


def test_live_activity_commits_new_blocks(cities: tuple[NodeProcess, NodeProcess]) -> None:
    with cities[0].client() as c:
        start = int(c.status()["height"])
        deadline = time.monotonic() + 15
        while int(c.status()["height"]) < max(start, CITY.seeded_height) + 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        height = int(c.status()["height"])
        assert height >= max(start, CITY.seeded_height) + 3, "no live activity"
        assert c.block(height)["header"]["time_ms"] > CITY.blocks[-1].time_ms  # the wall clock again


def test_the_readme_example_runs_as_written(cities: tuple[NodeProcess, NodeProcess], tmp_path: Path) -> None:
    [example] = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    script = tmp_path / "example.py"
    script.write_text(example)
    env = {**os.environ, "METROBLOC_NODE": cities[0].url}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"seeded: 57 blocks, the last {seeded_blocks(cities[0])[-1]['block_hash'][:16]}"
    assert lines[1:] == [
        f"City Coin: City Coin issued by {CITY.people.city_hall.address}",
        "City Coin demurrage: 200 bp per 30 days",
        "HARBOUR-9:1 settled by 2 oracles",
        "community garden: executed (4 of 8 yes)",
        "harbour budget: harbour-playground, ferry-shelter, seawall-lights (200 voters, 2 of 3 guardians decrypted)",
        "study credits: ok",
    ]


def refusal(data_dir: Path, *args: str) -> str:
    """Run `metrobloc up` expecting it to refuse: its one line on stderr."""
    cmd = metrobloc_cmd("up", "--data-dir", str(data_dir), "--port", "1", *args)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [line] = proc.stderr.splitlines()
    return line


def test_a_demo_restarts_as_itself_and_refuses_any_other_chain(tmp_path: Path) -> None:
    city = DemoCity(3)
    node = demo_node(tmp_path, "--seed", "3").start()
    try:
        first = seeded_blocks(node)
    finally:
        node.stop()
    again = demo_node(tmp_path).start()  # no --seed: the city's own
    try:
        assert [b["block_hash"] for b in seeded_blocks(again)] == [b["block_hash"] for b in first]
        with Client(again.url) as c:
            height = int(c.status()["height"])
            deadline = time.monotonic() + 15
            while int(c.status()["height"]) <= height and time.monotonic() < deadline:
                time.sleep(0.2)
            assert int(c.status()["height"]) > height, "the activity did not resume"
            assert c.genesis().hash == city.genesis.hash
    finally:
        again.stop()

    assert refusal(node.data_dir, "--demo", "--seed", "8").startswith(
        f"error: demo.other_seed: {node.data_dir} holds the Demo City of seed 3, not seed 8"
    )
    dev = tmp_path / "dev"
    subprocess.run(metrobloc_cmd("init", "--data-dir", str(dev), "--chain-id", "dev-1", "--org", "Dev"), check=True)
    assert refusal(dev, "--demo").startswith("error: demo.not_a_demo_chain: ")
    (tmp_path / "node" / "demo.json").write_text(json.dumps({"seed": 3, "finished": False}))
    assert refusal(node.data_dir, "--demo").startswith("error: demo.unfinished: ")
