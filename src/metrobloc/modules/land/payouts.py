"""Integer pro-rata arithmetic for revenue rights: every split pays out its total exactly.

Both functions floor each part and give the whole remainder (less than the number of parts) to one
documented first recipient, so no unit is created or lost and the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

from metrobloc.modules.land.msgs import TOTAL_BP, Share


def allocate_by_shares(total: int, owners: Sequence[Share]) -> list[tuple[str, int]]:
    """``total`` units split by basis points: floor(total * share_bp / 10000) each, remainder to the
    first owner in deed order. Owners whose part is 0 are left out."""
    parts: list[tuple[str, int]] = [(o.address, total * o.share_bp // TOTAL_BP) for o in owners]
    return _with_remainder(total, parts)


def pro_rata(amount: int, holders: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """``amount`` split by holdings: floor(amount * holding / total holdings) each, remainder to the
    first holder in payout order, which is largest holding first, then address (byte order).
    Holders whose part is 0 are left out. ``holders`` must hold something in all."""
    order = sorted((h for h in holders if h[1] > 0), key=lambda h: (-h[1], h[0]))
    total = sum(balance for _, balance in order)
    assert total > 0
    return _with_remainder(amount, [(address, amount * balance // total) for address, balance in order])


def _with_remainder(total: int, parts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    remainder = total - sum(amount for _, amount in parts)
    assert 0 <= remainder < max(len(parts), 1)
    first, amount = parts[0]
    parts[0] = (first, amount + remainder)
    return [(address, amount) for address, amount in parts if amount > 0]
