"""The election pages in Chromium on a real node (tests/portal/ballots_chain.py): the list of elections and
an election's page (phase, census, windows, turnout, result, guardians, who voted but never what, and the
verification steps, checked in the reader's browser by js/verify/ballots.js, never by the node); a record
the browser is served altered fails the step it should; axe-core finds no WCAG 2.1 AA violation at 1280
and 375 px; an unknown election answers 404."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, Route, expect
from tests.portal.ballots_chain import ELECTION, OPTIONS, BallotsChain, ballots_chain_fixture  # noqa: F401
from tests.portal.test_pages_access import page_problems

PAGE = f"/ballots/{ELECTION}"


@pytest.mark.parametrize("width", [1280, 375])
def test_the_election_pages_pass_axe_and_fit(
    page_factory: Callable[..., Page], ballots_chain: BallotsChain, width: int
) -> None:
    page = page_factory(viewport={"width": width, "height": 900})
    problems = {}
    for path in ("/ballots", PAGE):
        response = page.goto(ballots_chain.node.url + path)
        assert response is not None and response.status == 200, path
        expect(page.locator("footer .height")).to_contain_text("This page reflects the chain at height")
        if (found := page_problems(page, width)) is not None:
            problems[path] = found
    assert problems == {}


def test_the_election_page_shows_the_result_and_the_verification(page: Page, ballots_chain: BallotsChain) -> None:
    c = ballots_chain
    page.goto(c.node.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Elections").click()
    page.get_by_role("link", name=ELECTION, exact=True).click()
    expect(page.locator("p.phase")).to_have_attribute("data-phase", "decided")
    expect(page.locator("dl.about")).to_contain_text("ResidencyCredential")
    expect(page.locator("dd.turnout")).to_have_text("9 voters (12 ballots cast, re-votes included)")
    for option, count in zip(OPTIONS, c.expected_counts, strict=True):
        expect(page.locator(f"table.results tr[data-option='{option}'] td.num")).to_have_text(str(count))
    expect(page.locator("table.guardians tbody tr")).to_have_count(3)
    expect(page.locator("table.guardians td.share").filter(has_text="in block")).to_have_count(2)
    steps = page.locator("ol.steps li")
    expect(steps).to_have_count(6)
    expect(page.locator("section.ballots-verify")).to_have_attribute("data-verified", "passed", timeout=30_000)
    for step in ("key generation", "ballot proofs", "total", "decryption shares", "counts"):
        expect(page.locator(f"li[data-step='{step}'] .outcome.ok")).to_contain_text("Your browser's check: passed")
    expect(page.locator("li[data-step='receipts'] .outcome")).to_have_count(0)  # the CLI's step, with proof bundles
    expect(page.locator("li[data-step='ballot proofs'] .outcome")).to_contain_text("9 ballots")
    expect(page.locator(".verify-status")).to_contain_text("All 5 steps passed in your browser")
    expect(page.locator("p.command")).to_contain_text(f"metrobloc ballots verify {ELECTION}")
    voters = page.locator("table.voters tbody tr")
    expect(voters).to_have_count(9)
    revoter = voters.filter(has=page.locator(f"a[href='/accounts/{c.residents[0].address}']"))
    expect(revoter.locator("td.num")).to_have_text("1")
    ballots = httpx.get(f"{c.node.url}/v1/ballots/{ELECTION}/ballots", timeout=10).json()["ballots"]
    html = page.content()
    assert all(b["ballot"][0]["s"][0][1] not in html for b in ballots)  # no ballot's content is on the page


def test_the_node_does_not_check_the_election_itself(ballots_chain: BallotsChain) -> None:
    html = httpx.get(ballots_chain.node.url + PAGE, timeout=10).text
    assert "passed" not in html and "Not yet checked in your browser." in html
    assert "js/ballots-verify.js" in html and "integrity=" in html


@pytest.mark.parametrize(
    ("alter", "failed"),
    [("count", "counts"), ("share", "decryption shares"), ("ballot", "ballot proofs")],
)
def test_the_browser_rejects_an_altered_record(
    page: Page, ballots_chain: BallotsChain, alter: str, failed: str
) -> None:
    """The page is served a record or ballots altered in one place: the browser's check fails that step."""
    url = ballots_chain.node.url
    record = httpx.get(f"{url}/v1/ballots/{ELECTION}", timeout=10).json()
    ballots = httpx.get(f"{url}/v1/ballots/{ELECTION}/ballots", params={"limit": 100}, timeout=10).json()
    if alter == "count":
        record["counts"][0][0] += 1
    elif alter == "share":
        d = next(g for g in record["guardian_records"] if g["decryption_share"])["decryption_share"]["shares"]
        d[0], d[1] = d[1], d[0]
    else:
        rows = ballots["ballots"][0]["ballot"][0]["s"]
        rows[0][2], rows[0][4] = rows[0][4], rows[0][2]

    def serve(route: Route) -> None:
        body = ballots if "/ballots?" in route.request.url else record
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(f"{url}/v1/ballots/{ELECTION}**", serve)
    page.goto(url + PAGE)
    expect(page.locator("section.ballots-verify")).to_have_attribute("data-verified", "failed", timeout=30_000)
    expect(page.locator(f"li[data-step='{failed}'] .outcome.failed")).to_contain_text("FAILED")
    expect(page.locator(".verify-status")).to_contain_text("FAILED in your browser")


def test_an_unknown_election_is_404(ballots_chain: BallotsChain) -> None:
    assert httpx.get(ballots_chain.node.url + "/ballots/no-such-election", timeout=10).status_code == 404
