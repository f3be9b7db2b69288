"""The wallet page in Chromium on a real node (issue 12, must-hold 5): reached from the account page, it
shows every asset with its lots, their expiry (UTC) and what is spendable, minutes per time bank and the
watch-list listings, at 375 px; axe-core finds no WCAG 2.1 AA violation and nothing is wider than the
viewport, at 1280 and 375 px, for a full wallet and an empty one."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.conftest import NodeProcess
from tests.portal.test_pages_access import page_problems
from tests.portal.wallet_chain import BANK_NAME, FLOOR, SERVICE, STARTER, WalletChain, seed

from metrobloc.crypto import PrivateKey
from metrobloc.portal.display import time_ms

NOBODY = PrivateKey(b"\x5e" * 32).address


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> WalletChain:
    return seed(shared_node)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_wallet_pages_pass_axe_and_fit(page_factory: Callable[..., Page], chain: WalletChain, width: int) -> None:
    page = page_factory(viewport={"width": width, "height": 900})
    problems = {}
    for who in (chain.alice.address, NOBODY):
        page.goto(f"{chain.node.url}/accounts/{who}/wallet")
        expect(page.locator("footer .height")).to_contain_text("This page reflects the chain at height")
        if (found := page_problems(page, width)) is not None:
            problems[who] = found
    assert problems == {}


def test_the_wallet_shows_lots_expiry_spendable_minutes_and_listings_at_375_px(
    page_factory: Callable[..., Page], chain: WalletChain
) -> None:
    page = page_factory(viewport={"width": 375, "height": 800})
    page.goto(f"{chain.node.url}/accounts/{chain.alice.address}")
    page.locator("#wallet-link").click()
    expect(page).to_have_url(f"{chain.node.url}/accounts/{chain.alice.address}/wallet")

    food = page.locator("#asset-FOOD")
    expect(food.locator("dd.spendable")).to_have_text("15.00 FOOD")
    expect(food.locator("dd.balance")).to_have_text("20.00 FOOD")
    lots = food.locator("table.lots tbody tr")
    expect(lots).to_have_count(2)
    expect(lots.first).to_have_attribute("data-expired", "true")
    expect(lots.first).to_contain_text(time_ms(chain.soon_ms))
    expect(lots.first.locator("td").nth(1)).to_contain_text("expired")
    expect(lots.first.locator("td").last).to_have_text("0.00")
    expect(lots.last).to_have_attribute("data-expired", "false")
    expect(lots.last.locator("td").first).to_have_text("15.00")
    expect(lots.last.locator("td").nth(1)).to_contain_text(" UTC")
    expect(page.locator("#asset-CITY dd.spendable")).to_have_text("1,234.56 CITY")
    expect(page.locator("#asset-CITY")).to_contain_text("Its units never expire.")

    expect(page.locator("#total-minutes")).to_have_text(str(STARTER + SERVICE))
    expect(page.locator("table.minutes tbody tr")).to_have_text(
        f"{BANK_NAME}{STARTER + SERVICE}{STARTER + SERVICE + FLOOR}"
    )
    listings = page.locator("section.listing")
    expect(listings).to_have_count(2)
    expect(listings.first).to_have_attribute("data-in-force", "false")
    expect(listings.first.locator("h3")).to_have_text("fraud: lapsed")
    expect(listings.last.locator("h3")).to_have_text("sanctions: in force")
    expect(listings.last).to_contain_text(chain.agency.address)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_an_empty_wallet_and_a_bad_address(page: Page, chain: WalletChain) -> None:
    page.goto(f"{chain.node.url}/accounts/{NOBODY}/wallet")
    expect(page.locator("#no-assets")).to_be_visible()
    expect(page.locator("#no-bank")).to_be_visible()
    expect(page.locator("#no-listing")).to_be_visible()
    refused = httpx.get(f"{chain.node.url}/accounts/mb1xyz/wallet")
    assert refused.status_code == 400 and "not a valid mb1 address" in refused.text
