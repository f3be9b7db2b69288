"""How values read on a page: amounts with their asset's decimals, times, hashes, and strings that
users wrote (memos, names), escaped and isolated so that their direction marks are shown, not obeyed."""

from __future__ import annotations

import datetime
import unicodedata

from markupsafe import Markup, escape

INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
"""Direction and zero-width marks: a user string could reorder or hide text around it with them."""


def amount(units: int | str, decimals: int) -> str:
    """``2500`` with 2 decimals -> ``25.00``; thousands grouped (``1,234,567.89``)."""
    value = int(units)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**decimals) if decimals else (abs(value), 0)
    text = f"{whole:,}"
    if decimals:
        text += "." + str(frac).rjust(decimals, "0")
    return sign + text


def _visible(ch: str) -> str:
    if ch in INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
        if ch in "\n\t":
            return ch
        return str(
            Markup('<span class="ctl" title="{}">U+{:04X}</span>').format(unicodedata.name(ch, "control"), ord(ch))
        )
    return str(escape(ch))


def user_text(value: object) -> Markup:
    """A string someone put on the chain: escaped, its invisible and direction marks shown as code
    points, and isolated in ``<bdi>`` so that right-to-left text stays within its box."""
    text = "" if value is None else str(value)
    return Markup("<bdi>") + Markup("".join(_visible(ch) for ch in text)) + Markup("</bdi>")


def time_ms(ms: int | None) -> str:
    """Block time (Unix ms) in UTC, to the second."""
    if ms is None:
        return ""
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def iso_ms(ms: int) -> str:
    """Block time for ``<time datetime>``."""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC).isoformat(timespec="milliseconds")


def short(value: str, head: int = 10, tail: int = 6) -> str:
    """A hash or address shortened for lists: ``ab12cd34ef…9f8e7d``."""
    return value if len(value) <= head + tail + 1 else f"{value[:head]}…{value[-tail:]}"


def counted(values: list[str]) -> str:
    """Repeats counted, first-seen order: ``assets/mint ×50, assets/create``."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return ", ".join(v if n == 1 else f"{v} ×{n}" for v, n in counts.items())


FILTERS = {
    "amount": amount,
    "user": user_text,
    "time": time_ms,
    "iso": iso_ms,
    "short": short,
    "counted": counted,
}
"""The Jinja filters of every template."""
