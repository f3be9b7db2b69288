"""The orgs pages in Chromium on a real node (tests/portal/orgs_chain.py): the list of orgs, an org's
page (rules in words, members and weights, treasury, budgets at the tip's block time, proposals by
status) and a proposal's page (actions in words, the live tally against the thresholds, votes, history
linked to each tx); axe-core finds no WCAG 2.1 AA violation, at 1280 and 375 px; unknown ids answer
404 and malformed ones 400."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect
from tests.portal.orgs_chain import CLUB, ORG, OrgsChain, orgs_chain_fixture  # noqa: F401 - the fixture
from tests.portal.test_pages_access import page_problems

from metrobloc.portal.display import iso_ms as iso

ORG_PAGE = f"/orgs/{ORG}"


def proposal_page(proposal: str) -> str:
    return f"{ORG_PAGE}/proposals/{proposal}"


def row(table: Locator, name: str) -> Locator:
    return table.locator("tr", has=table.page.get_by_text(name, exact=True))


@pytest.mark.parametrize("width", [1280, 375])
def test_the_orgs_pages_pass_axe_and_fit(page_factory: Callable[..., Page], orgs_chain: OrgsChain, width: int) -> None:
    page = page_factory(viewport={"width": width, "height": 900})
    problems = {}
    proposals = [proposal_page(p) for p in ("playground", "fence", "benches")]
    paths = ["/orgs", ORG_PAGE, f"{ORG_PAGE}?status=open", *proposals, f"/orgs/{CLUB}/proposals/mural"]
    for path in paths:
        response = page.goto(orgs_chain.node.url + path)
        assert response is not None and response.status == 200, path
        expect(page.locator("footer .height")).to_contain_text("This page reflects the chain at height")
        if (found := page_problems(page, width)) is not None:
            problems[path] = found
    assert problems == {}


def test_the_org_page_shows_rules_members_treasury_budgets_and_proposals(page: Page, orgs_chain: OrgsChain) -> None:
    c = orgs_chain
    page.goto(c.node.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organizations").click()
    expect(row(page.locator("table.orgs"), ORG)).to_contain_text("3")
    page.get_by_role("link", name=ORG, exact=True).click()
    created = c.receipts["create"]
    expect(page.locator("dl.about")).to_contain_text(f"in block {created['height']}")
    expect(page.locator("dl.about")).to_contain_text(created["tx_hash"][:10])
    rules = page.locator("dl.rules")
    expect(rules).to_contain_text("at least 60% of the weight voting yes or no votes yes")
    expect(rules).to_contain_text("at least 50% of the members' total weight")
    expect(rules).to_contain_text("1 day from the proposal")
    expect(rules).to_contain_text("the last 2 hours 24 minutes) that flips the outcome extends voting once")
    expect(rules).to_contain_text("executed 1 hour after voting ends")
    expect(rules).to_contain_text("allowed: once the yes votes alone pass it")
    members = page.locator("table.members tbody tr")
    expect(members).to_have_count(3)
    carol = page.locator("table.members tr", has=page.locator(f"a[href='/accounts/{c.carol.address}']"))
    expect(carol).to_contain_text("16.66%")
    expect(carol).to_contain_text("treasurer")
    expect(page.locator("#treasury")).to_have_attribute("href", f"/accounts/{c.treasury}/wallet")
    expect(page.locator("dl.balances")).to_contain_text("3,550.00 NBHD")  # 5,000 - 1,200 by proposal - 250 by carol
    budget = page.locator("table.budgets tr[data-asset='NBHD']")
    expect(budget).to_contain_text("300.00 NBHD every 1 day")
    expect(budget.locator(".spent")).to_have_text("250.00 NBHD")  # carol's payment, in the tip's day
    expect(budget.locator(".left")).to_have_text("50.00 NBHD")
    for status, proposal, words in (
        ("open", "benches", "voting until"),
        ("executed", "playground", "executed in block"),
        ("rejected", "fence", "rejected in block"),
    ):
        listed = page.locator(f"#proposals-{status} tbody tr")
        expect(listed).to_have_count(1)
        expect(listed).to_have_attribute("data-proposal", proposal)
        expect(listed).to_contain_text(words)


def test_the_org_and_wallet_pages_answer_at_the_block_time_of_the_height_they_reflect(
    page: Page, orgs_chain: OrgsChain
) -> None:
    """Both pages take the tip time from the portal's snapshot (``Site.tip_time_ms``): the header's
    time of the block whose height the footer names, never the server's clock."""
    c = orgs_chain
    for path, time in ((ORG_PAGE, "#as-of time"), (f"/accounts/{c.treasury}/wallet", "#wallet-time")):
        page.goto(c.node.url + path)
        height = page.locator("footer .height").get_attribute("data-height")
        header = httpx.get(f"{c.node.url}/v1/blocks/{height}").json()["header"]
        expect(page.locator(time)).to_have_attribute("datetime", iso(header["time_ms"]))


def test_the_open_proposal_shows_its_live_tally_actions_and_history(page: Page, orgs_chain: OrgsChain) -> None:
    c = orgs_chain
    page.goto(c.node.url + ORG_PAGE)
    page.locator("#proposals-open").get_by_role("link", name="benches").click()
    expect(page.locator("#phase")).to_have_attribute("data-phase", "voting")
    expect(page.locator("dl.about")).to_contain_text(f"in block {c.receipts['propose benches']['height']}")
    tally = page.locator("table.tally")
    for option, weight in (("yes", "3"), ("no", "1"), ("abstain", "0"), ("none", "2")):
        expect(tally.locator(f"tr[data-option='{option}'] td").first).to_have_text(weight)
    expect(page.locator("#support")).to_contain_text("yes 3 of yes + no 4 = 75.00%; needs 60%: met")
    expect(page.locator("#quorum")).to_contain_text("cast 4 of 6 = 66.66%; needs 50%: met")
    expect(page.locator("#passes")).to_have_text("yes")
    expect(page.locator("#decided")).to_contain_text("no: the yes votes alone would decide it at 4 of 6")
    expect(page.locator("#ends")).to_contain_text("not extended: a vote from")
    actions = page.locator("ol.actions > li")
    expect(actions).to_have_count(3)
    expect(actions.nth(0)).to_contain_text("Pay 450.00 NBHD from the treasury to")
    expect(actions.nth(1)).to_contain_text("a member with weight 1")
    expect(actions.nth(2)).to_contain_text("Transfer 75.50 NBHD from the treasury to")
    expect(page.locator(f"table.votes tr[data-voter='{c.carol.address}']")).to_have_attribute("data-option", "no")
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(3)  # proposed, alice's vote, carol's vote (the one that counts)
    expected = [c.receipts[name]["tx_hash"] for name in ("propose benches", "vote benches alice", "vote benches carol")]
    hrefs = page.locator("table.history a[href^='/txs/']").evaluate_all("(as) => as.map((a) => a.href)")
    assert [href.rpartition("/txs/")[2] for href in hrefs] == expected


def test_the_closed_proposals_link_their_txs_and_proofs(page: Page, orgs_chain: OrgsChain) -> None:
    c = orgs_chain
    page.goto(c.node.url + proposal_page("fence"))
    expect(page.locator("#phase")).to_have_attribute("data-phase", "rejected")
    expect(page.locator("#support")).to_contain_text("yes 3 of yes + no 6 = 50.00%; needs 60%: not met")
    expect(page.locator("#passes")).to_have_text("no")
    expect(page.locator("table.history tbody tr").last).to_have_attribute("data-kind", "rejected")
    page.goto(c.node.url + proposal_page("playground"))
    expect(page.locator("#phase")).to_contain_text("Executed")
    expect(page.locator("#decided")).to_contain_text("yes: the yes votes alone pass it")
    expect(page.locator("ol.actions > li").nth(1)).to_contain_text("treasurers may pay up to 300.00 NBHD every 1 day")
    expect(page.locator("ol.actions > li").nth(2)).to_contain_text("the role treasurer")
    executed = page.locator("table.history tbody tr").last
    expect(executed).to_have_attribute("data-kind", "executed")
    executed.locator("a[href^='/txs/']").click()
    expect(page.locator("#tx-hash")).to_have_text(c.receipts["execute playground"]["tx_hash"])
    expect(page.get_by_role("link", name="Download proof")).to_be_visible()
    expect(page.locator(f"a[href='{ORG_PAGE}']").first).to_be_visible()  # the tx page links the org


def test_search_lands_on_an_org_and_on_org_slash_proposal(page: Page, orgs_chain: OrgsChain) -> None:
    url = orgs_chain.node.url
    for text, path in ((ORG, ORG_PAGE), (f"{ORG}/benches", proposal_page("benches"))):
        page.goto(url)
        page.get_by_label("Search the chain").fill(text)
        page.get_by_role("button", name="Search").click()
        page.wait_for_load_state()
        assert page.url == url + path, text
    expect(page.locator("#phase")).to_have_attribute("data-phase", "voting")
    page.goto(f"{url}/search?q={ORG}/no-such-proposal")
    expect(page.locator("main")).to_contain_text("Nothing found")


def test_exports_and_bad_or_unknown_ids(orgs_chain: OrgsChain) -> None:
    with httpx.Client(base_url=orgs_chain.node.url) as http:
        orgs = list(csv.DictReader(io.StringIO(http.get("/orgs.csv").text)))
        assert [(o["org"], o["member_count"]) for o in orgs] == [(CLUB, "2"), (ORG, "3")]
        proposals = http.get(f"{ORG_PAGE}/proposals.json").json()
        assert [(p["proposal"], p["status"]) for p in proposals] == [
            ("playground", "executed"),
            ("fence", "rejected"),
            ("benches", "open"),
        ]
        for path, status in (
            ("/orgs/no-such-org", 404),
            (proposal_page("no-such-proposal"), 404),
            ("/orgs/Not_An_Org", 400),
            (proposal_page("Not!A!Proposal"), 400),
            (f"{ORG_PAGE}?cursor=x&status=open", 400),
        ):
            answer = http.get(path)
            assert (answer.status_code, answer.headers["content-type"].split(";")[0]) == (status, "text/html"), path


def test_a_flip_in_the_quiet_ending_shows_the_extension(page: Page, orgs_chain: OrgsChain) -> None:
    vote = orgs_chain.receipts["vote mural alice"]
    extended_to = int(next(e for e in vote["events"] if e["type"] == "orgs/extend")["attributes"]["end_ms"])
    page.goto(f"{orgs_chain.node.url}/orgs/{CLUB}/proposals/mural")
    expect(page.locator("#ends")).to_contain_text("extended once by the quiet ending")
    expect(page.locator("#ends time")).to_have_attribute("datetime", iso(extended_to))
    expect(page.locator("#passes")).to_have_text("yes")
    step = page.locator("table.history tr[data-kind='vote']")
    expect(step).to_contain_text("votes yes (weight 1); voting extended to")
    expect(step.locator("a[href^='/txs/']")).to_have_attribute("href", f"/txs/{vote['tx_hash']}")


def test_the_pages_need_no_javascript(page_factory: Callable[..., Page], orgs_chain: OrgsChain) -> None:
    page = page_factory(java_script_enabled=False)
    page.goto(orgs_chain.node.url + ORG_PAGE)
    page.get_by_role("link", name="benches").click()
    expect(page.locator("#passes")).to_have_text("yes")
    expect(page.locator("table.votes tbody tr")).to_have_count(3)
