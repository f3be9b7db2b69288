"""What the watch-list module needs from the accounts module, and what it offers others.

``Accounts`` is satisfied by the accounts keeper (the app wiring hands it over). ``Watchlist`` is the
interface a module that enforces lists (assets) copies into its own ``expected.py``; the watch-list
keeper (``MODULE.keeper``) satisfies it:

    class Watchlist(Protocol):
        def is_listed(self, state: Reader, list_id: str, subject: str, at_ms: int) -> bool:
            '''``subject`` (an mb1 address or sha256:<hex>) is on ``list_id`` and its listing has
            not expired at block time ``at_ms`` (pass ``ctx.block_time_ms``). One state read.'''

        def listing(self, state: Reader, list_id: str, subject: str) -> ListingLike | None:
            '''The listing (authority, reason_code, legal_basis_digest, expires_ms, since_height,
            since_ms, ...), expired or not, or None when the subject is not listed. One state read.'''
"""

from __future__ import annotations

from typing import Protocol

from metrobloc.modules.watchlist.keeper import Listing, Reader


class Accounts(Protocol):
    """Satisfied by the accounts keeper: roles (an admin holds every role)."""

    def has_role(self, state: Reader, address: str, role: str) -> bool: ...


class Watchlist(Protocol):
    """What the watch-list keeper offers other modules (see the module docstring)."""

    def is_listed(self, state: Reader, list_id: str, subject: str, at_ms: int) -> bool: ...

    def listing(self, state: Reader, list_id: str, subject: str) -> Listing | None: ...
