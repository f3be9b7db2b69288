"""The budgeting pages in Chromium on a real node (tests/portal/budgeting_chain.py): the list of
processes; a process in delivery (phase, money, budget with its rule in words, turnout, results in the
order finalize took them, then delivery per project with milestones, evidence, attestations and
payments) and a process still voting (turnout, and no count); axe-core finds no WCAG 2.1 AA violation
at 1280 and 375 px; an unknown process answers 404."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.portal.budgeting_chain import (  # noqa: F401 - the fixture
    BudgetChain,
    budget_chain_fixture,
    submit_round,
    vote_msg,
)
from tests.portal.test_pages_access import page_problems

PATHS = ["/budgeting", "/budgeting/riverside-2027", "/budgeting/riverside-2028"]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_budgeting_pages_pass_axe_and_fit(
    page_factory: Callable[..., Page], budget_chain: BudgetChain, width: int
) -> None:
    page = page_factory(viewport={"width": width, "height": 900})
    problems = {}
    for path in PATHS:
        response = page.goto(budget_chain.node.url + path)
        assert response is not None and response.status == 200, path
        expect(page.locator("footer .height")).to_contain_text("This page reflects the chain at height")
        if (found := page_problems(page, width)) is not None:
            problems[path] = found
    assert problems == {}


def test_a_process_in_delivery_shows_results_then_milestones_and_payments(
    page: Page, budget_chain: BudgetChain
) -> None:
    c = budget_chain
    page.goto(c.node.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Budgets").click()
    page.get_by_role("link", name="riverside-2027", exact=True).click()
    expect(page.locator("#phase")).to_have_attribute("data-phase", "delivery")
    expect(page.locator("#funded")).to_have_text("1,000.00 CITY")
    expect(page.locator("#paid")).to_have_text("300.00 CITY")  # park's first milestone
    expect(page.locator("#refunded")).to_have_text("100.00 CITY")  # park 500 + library 400 of 1,000
    expect(page.locator("#in-escrow")).to_have_text("600.00 CITY")
    north = page.locator("#budget-north")
    expect(north.locator(".rule")).to_have_text("spend at least 40% of the budget and at most all of it")
    expect(north.locator(".turnout")).to_have_text("3 residents voted")
    expect(north.locator(".results")).to_contain_text("2 winners costing 900.00 CITY")
    rows = north.locator("table.projects tbody tr")
    expect(rows).to_have_count(3)
    for i, (project, status, votes) in enumerate(
        (("library", "selected", "2"), ("park", "selected", "2"), ("fountain", "rejected", "—"))
    ):
        expect(rows.nth(i)).to_have_attribute("data-project", project)
        expect(rows.nth(i).locator(".status")).to_have_text(status)
        expect(rows.nth(i).locator(".votes")).to_have_text(votes)
    # park: 300 paid (100%) + 200 reported 50% = (30,000 + 10,000) / 500 = 80%
    park = page.locator("#delivery-park")
    expect(park.locator("h3")).to_have_text("park: 80% delivered, 300.00 CITY of 500.00 CITY paid")
    expect(park.locator(".implementer")).to_contain_text("Implemented by")
    m0, m1 = park.locator("tr[data-milestone='0']"), park.locator("tr[data-milestone='1']")
    expect(m0.locator(".attested")).to_have_text("2 of 2")
    expect(m0.locator(".payment")).to_contain_text(f"paid in block {c.receipts['attest 0 b']['height']}")
    expect(m1.locator(".attested")).to_have_text("0 of 2")
    expect(m1.locator(".payment")).to_have_text("not paid")
    expect(page.locator("#delivery-library .implementer")).to_have_text("No implementer assigned yet.")


def test_a_process_still_voting_shows_turnout_and_no_count(page: Page, budget_chain: BudgetChain) -> None:
    page.goto(budget_chain.node.url + "/budgeting/riverside-2028")
    expect(page.locator("#phase")).to_have_attribute("data-phase", "voting")
    north = page.locator("#budget-north")
    expect(north.locator(".turnout")).to_have_text("2 residents voted")
    expect(north.locator(".results")).to_contain_text("no count is shown before")
    expect(north.locator("tr[data-project='bench'] .votes")).to_have_text("—")
    with httpx.Client(base_url=budget_chain.node.url, timeout=10) as http:
        csv_text = http.get("/v1/budgeting/processes/riverside-2028/export.csv").text
        assert csv_text.splitlines()[1].split(",")[9] == ""  # votes: empty before results
        assert http.get("/budgeting/nowhere").status_code == 404


def test_the_turnout_is_live(page: Page, budget_chain: BudgetChain) -> None:
    """Last in this file: it adds a vote to riverside-2028, which the page shows without a reload."""
    c = budget_chain
    page.goto(c.node.url + "/budgeting/riverside-2028")
    turnout = page.locator("#budget-north .turnout")
    expect(turnout).to_have_text("2 residents voted")
    page.wait_for_timeout(500)  # the event stream connects
    submit_round(c, ("vote 2028 2", [c.residents[2]], vote_msg("riverside-2028", "bench")))
    expect(turnout).to_have_text("3 residents voted", timeout=15_000)
    expect(page.locator("#budget-north tr[data-project='bench'] .votes")).to_have_text("—")
