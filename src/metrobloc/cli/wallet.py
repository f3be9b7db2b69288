"""``metrobloc wallet show``: an account's wallet (docs/wallet.md) as tables people read, or the raw JSON.

Amounts are shown with their asset's decimals and times in UTC, as the portal shows them (one copy of
those rules, ``portal.display``). Names come from the chain, so anything in them that a terminal would
obey (escape sequences, direction marks) is printed as a ``\\u`` code instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from metrobloc.cli.options import client, data_dir_option, keystore, node_option
from metrobloc.cli.output import emit, reports_errors
from metrobloc.codec import decode_address, is_address
from metrobloc.portal.display import amount, time_ms

Row = Sequence[str]


@click.group("wallet")
def wallet_group() -> None:
    """An account's assets (lots, expiry, spendable), time-bank minutes and watch-list listings."""


def address_of(who: str, data_dir: Path) -> str:
    """``who`` itself if it is an address, else the address of the keystore's key of that name."""
    if is_address(who):
        return who
    keys = keystore(data_dir)
    if who.lower().startswith("mb1") and who not in keys.names():
        decode_address(who)  # an address with a typo: say what is wrong with it (codec.bad_address)
    return keys.load(who).address


def plain(text: str) -> str:
    """Chain text made safe for a terminal: control, format and private-use characters as ``\\uXXXX``."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") else c for c in text)


def table(header: Row, rows: Sequence[Row], right: frozenset[int] = frozenset()) -> list[str]:
    """Columns padded to their widest cell; the columns in ``right`` (numbers) aligned right."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def cell(i: int, value: str) -> str:
        return value.rjust(widths[i]) if i in right else value.ljust(widths[i])

    return ["  ".join(cell(i, v) for i, v in enumerate(r)).rstrip() for r in (header, *rows)]


def _assets(w: dict[str, Any]) -> list[str]:
    if not w["assets"]:
        return ["No assets."]
    rows = [
        (a["asset"], plain(a["name"]), amount(a["balance"], a["decimals"]), amount(a["spendable"], a["decimals"]))
        for a in w["assets"]
    ]
    out = table(("ASSET", "NAME", "BALANCE", "SPENDABLE NOW"), rows, frozenset({2, 3}))
    for a in w["assets"]:
        if a["lots"]:
            lots = [
                (
                    amount(lot["amount"], a["decimals"]),
                    "never" if lot["expires_ms"] is None else time_ms(lot["expires_ms"]),
                    amount(lot["spendable"], a["decimals"]),
                    "expired" if lot["expired"] else "",
                )
                for lot in a["lots"]
            ]
            out += ["", f"Lots of {a['asset']}, soonest-expiring first:"]
            out += ["  " + line for line in table(("AMOUNT", "EXPIRES", "SPENDABLE NOW", ""), lots, frozenset({0, 2}))]
    return out


def _minutes(w: dict[str, Any]) -> list[str]:
    banks = w["timebank"]["banks"]
    if not banks:
        return ["Member of no time bank."]
    rows = [(plain(b["name"]), b["bank"], str(b["balance"]), str(b["can_receive"])) for b in banks]
    out = table(("BANK", "ADDRESS", "MINUTES", "MAY RECEIVE"), rows, frozenset({2, 3}))
    return [*out, f"Total: {w['timebank']['total_minutes']} minutes"]


def _listings(w: dict[str, Any]) -> list[str]:
    if not w["listings"]:
        return ["Not listed on any watch-list."]
    rows = [
        (
            x["list"],
            x["reason_code"],
            x["authority"],
            time_ms(x["since_ms"]),
            time_ms(x["expires_ms"]),
            "yes" if x["in_force"] else "no (lapsed)",
        )
        for x in w["listings"]
    ]
    return table(("LIST", "REASON", "LISTED BY", "SINCE", "EXPIRES", "IN FORCE"), rows)


def render(w: dict[str, Any]) -> str:
    """The wallet as text: a heading line, then assets (with their lots), minutes and listings."""
    lines = [f"Wallet of {w['address']} at block {w['height']} ({time_ms(w['time_ms'])})"]
    for title, part in (("Assets", _assets), ("Time-bank minutes", _minutes), ("Watch-list listings", _listings)):
        lines += ["", title, "-" * len(title), *part(w)]
    return "\n".join(lines)


@wallet_group.command("show")
@click.argument("who", metavar="ADDRESS_OR_KEYNAME")
@click.option("--json", "as_json", is_flag=True, help="Print the node's answer (GET /v1/accounts/{address}/wallet).")
@data_dir_option
@node_option
@reports_errors
def show(who: str, as_json: bool, data_dir: Path, node: str) -> None:
    """Show an account's wallet at the node's tip: every asset with its lots, their expiry (UTC) and what
    is spendable now, minutes per time bank, and the watch-list listings about it. ADDRESS_OR_KEYNAME is
    an mb1 address or the name of a key in the data dir's keystore."""
    address = address_of(who, data_dir)
    with client(node) as c:
        found = c.wallet(address)
    if as_json:
        emit(found)
    else:
        click.echo(render(found))
