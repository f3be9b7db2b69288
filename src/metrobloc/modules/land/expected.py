"""What the land module needs from other modules, as narrow protocols the app wiring satisfies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from metrobloc.execution.state_access import Reader, Writer


class RoleChecker(Protocol):
    """Satisfied by the accounts keeper: ``land_registrar``, ``lender`` and ``oracle`` checks."""

    def has_role(self, state: Reader, address: str, role: str) -> bool: ...


class AssetLedger(Protocol):
    """Satisfied by the assets keeper: lien currencies, revenue-rights issue and payouts."""

    def exists(self, state: Reader, asset: str) -> bool: ...

    def issue_fixed(
        self, state: Writer, asset: str, name: str, issuer: str, allocations: Sequence[tuple[str, int]]
    ) -> None:
        """Create a non-mintable asset with its whole supply allocated, holders tracked."""

    def holders(self, state: Reader, asset: str) -> list[tuple[str, int]]:
        """(address, balance) of every holder of an asset made by ``issue_fixed``, in address order."""
        ...

    def transfer(
        self, state: Writer, asset: str, sender: str, to: str, amount: int, *, at_ms: int | None = None
    ) -> object: ...
