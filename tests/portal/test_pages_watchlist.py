"""The watch-list pages in Chromium on a real node: the lists, a list's entries (and their CSV), a
listed subject's page whose listing verifies in the browser (state proof), a delisted subject's page
whose absence verifies, its history; axe-core finds no WCAG 2.1 AA violation, at 1280 and 375 px."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.conftest import NodeProcess
from tests.portal.test_pages_access import page_problems

from metrobloc import sdk
from metrobloc.crypto import PrivateKey

BASIS = "cd" * 32


@dataclass
class Lists:
    node: NodeProcess
    fiu: PrivateKey
    listed: str
    """An account on ``sanctions``."""
    delisted: str
    """A hashed customer listed on ``fraud``, then delisted."""


@pytest.fixture(scope="module")
def lists(shared_node: NodeProcess) -> Iterator[Lists]:
    fiu, alice = PrivateKey(b"\xa1" * 32), PrivateKey(b"\xa2" * 32)
    customer = sdk.watchlist.subject_hash(b"portal test salt", "customer 42")
    expires = int(time.time() * 1000) + 30 * 86_400_000
    steps = [
        ([shared_node.admin()], sdk.accounts.grant_role(fiu.address, "watchlist_authority")),
        ([fiu], sdk.watchlist.list("sanctions", alice.address, "sanctions", BASIS, expires)),
        ([fiu], sdk.watchlist.list("fraud", customer, "fraud", BASIS, expires)),
        ([fiu], sdk.watchlist.delist("fraud", customer, "listed_in_error")),
    ]
    with shared_node.client() as c:
        for keys, msg in steps:
            assert c.submit(c.build_tx(keys, [msg]), wait=True)["receipt"]["status"] == "ok"
    yield Lists(shared_node, fiu, alice.address, customer)


def pages(ls: Lists) -> dict[str, str]:
    return {
        "lists": "/watchlist",
        "list": "/watchlist/sanctions",
        "listed": f"/watchlist/sanctions/subjects/{ls.listed}",
        "delisted": f"/watchlist/fraud/subjects/{ls.delisted}",
    }


@pytest.mark.parametrize("width", [1280, 375])
def test_the_watchlist_pages_pass_axe_and_fit(page_factory: Callable[..., Page], lists: Lists, width: int) -> None:
    page = page_factory(viewport={"width": width, "height": 900})
    problems = {}
    for kind, path in pages(lists).items():
        page.goto(lists.node.url + path)
        expect(page.locator("footer .height")).to_contain_text("This page reflects the chain at height")
        if (found := page_problems(page, width)) is not None:
            problems[kind] = found
    assert problems == {}


def test_from_the_navigation_to_a_listing_verified_in_the_browser(page: Page, lists: Lists) -> None:
    page.goto(lists.node.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Watch-lists").click()
    page.get_by_role("link", name="sanctions").click()
    page.locator("table.entries tbody tr a").first.click()
    expect(page.locator("#listed")).to_contain_text("Listed")
    expect(page.locator("dl.fields")).to_contain_text(lists.fiu.address)
    page.get_by_role("button", name="Verify the listing in your browser").click()
    expect(page.locator(".state-result")).to_contain_text("1 of 1 verified in your browser")
    expect(page.locator("table.history tbody tr")).to_have_count(1)


def test_a_delisting_is_in_the_history_and_the_absence_verifies(page: Page, lists: Lists) -> None:
    page.goto(lists.node.url + pages(lists)["delisted"])
    expect(page.locator("#not-listed")).to_be_visible()
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-action", "delist")
    expect(rows.first).to_contain_text("listed_in_error")
    page.get_by_role("button", name="Verify the listing in your browser").click()
    expect(page.locator(".state-result")).to_contain_text("1 of 1 verified in your browser")


def test_a_list_exports_as_csv_and_bad_ids_get_the_error_page(lists: Lists) -> None:
    csv = httpx.get(lists.node.url + "/watchlist/sanctions.csv")
    assert csv.status_code == 200 and lists.listed in csv.text and csv.text.startswith("subject,authority")
    assert httpx.get(lists.node.url + "/watchlist/Bad%20List").status_code == 400
