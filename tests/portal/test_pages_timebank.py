"""The time-bank pages in Chromium on a real node: the registry of banks, a bank's page (its book,
members and clearing positions) and a member's page (minutes per bank and history), reached from the
navigation; axe-core finds no WCAG 2.1 AA violation, at 1280 and 375 px."""

from __future__ import annotations

import hashlib
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

YEAR_MS = 365 * 86_400_000


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Banks:
    node: NodeProcess
    north: PrivateKey
    south: PrivateKey
    alice: PrivateKey
    """A North member who gave 90 minutes to Bob and 30 to Carol (of South)."""
    carol: PrivateKey


@pytest.fixture(scope="module")
def banks(shared_node: NodeProcess) -> Iterator[Banks]:
    reg, north, south = PrivateKey(b"\xb1" * 32), PrivateKey(b"\xb2" * 32), PrivateKey(b"\xb3" * 32)
    alice, bob, carol = PrivateKey(b"\xb4" * 32), PrivateKey(b"\xb5" * 32), PrivateKey(b"\xb6" * 32)
    now = int(time.time() * 1000)
    accredit = sdk.identity.accredit(reg.address, ["TimeBankAccreditation"], now - 60_000, now + YEAR_MS)
    steps = [
        ([shared_node.admin()], accredit),
        ([reg, north], sdk.timebank.register_bank(north.address, "Portal North Time Bank", 120, 300)),
        ([reg, south], sdk.timebank.register_bank(south.address, "Portal South Time Bank", 60, 0)),
        ([north], sdk.timebank.admit(north.address, alice.address, digest("residency of alice"))),
        ([north], sdk.timebank.admit(north.address, bob.address, digest("residency of bob"))),
        ([south], sdk.timebank.admit(south.address, carol.address, digest("residency of carol"))),
        ([alice, bob], sdk.timebank.record_service(alice.address, bob.address, 90, digest("gardening"))),
        ([carol, alice], sdk.timebank.record_service(alice.address, carol.address, 30, digest("repair"))),
    ]
    with shared_node.client() as c:
        for keys, msg in steps:
            assert c.submit(c.build_tx(keys, [msg]), wait=True)["receipt"]["status"] == "ok"
    yield Banks(shared_node, north, south, alice, carol)


def pages(b: Banks) -> dict[str, str]:
    return {
        "registry": "/timebank",
        "north": f"/timebank/banks/{b.north.address}",
        "south": f"/timebank/banks/{b.south.address}",
        "alice": f"/timebank/members/{b.alice.address}",
        "carol": f"/timebank/members/{b.carol.address}",
    }


@pytest.mark.parametrize("width", [1280, 375])
def test_the_timebank_pages_pass_axe_and_fit(page_factory: Callable[..., Page], banks: Banks, width: int) -> None:
    page = page_factory(viewport={"width": width, "height": 900})
    problems = {}
    for kind, path in pages(banks).items():
        page.goto(banks.node.url + path)
        expect(page.locator("footer .height")).to_contain_text("This page reflects the chain at height")
        if (found := page_problems(page, width)) is not None:
            problems[kind] = found
    assert problems == {}


def test_from_the_navigation_to_a_bank_and_its_member(page: Page, banks: Banks) -> None:
    page.goto(banks.node.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Time banks").click()
    page.get_by_role("link", name="Portal North Time Bank").click()
    book = page.locator("dl.book")
    expect(book).to_contain_text("Bank's own balance-240 minutes")
    expect(book).to_contain_text("Members' balances270 minutes")
    expect(book).to_contain_text("Net clearing position30 minutes")
    expect(page.locator("table.clearing")).to_contain_text("Portal South Time Bank")
    expect(page.locator("table.clearing")).to_contain_text("owes this bank 30 minutes")
    expect(page.locator("table.members tbody tr")).to_have_count(2)
    page.locator(f"table.members a[href='/timebank/members/{banks.alice.address}']").click()
    expect(page.locator("#total-minutes")).to_have_text("240")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-kind", "provided")
    expect(rows.first).to_contain_text("Portal South Time Bank")
    expect(rows.last).to_have_attribute("data-kind", "starter")


def test_the_south_side_of_the_clearing_and_bad_addresses(page: Page, banks: Banks) -> None:
    page.goto(banks.node.url + pages(banks)["south"])
    expect(page.locator("table.clearing")).to_contain_text("is owed 30 minutes by this bank")
    page.goto(banks.node.url + pages(banks)["carol"])
    expect(page.locator("#total-minutes")).to_have_text("30")
    assert httpx.get(banks.node.url + "/timebank/banks/not-an-address").status_code == 400
    assert httpx.get(banks.node.url + f"/timebank/banks/{banks.alice.address}").status_code == 404
