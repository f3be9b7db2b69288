"""What the assets module needs from other modules: only a role check."""

from __future__ import annotations

from typing import Protocol

from metrobloc.modules.assets.keeper import Reader


class RoleChecker(Protocol):
    """Satisfied by the accounts keeper."""

    def has_role(self, state: Reader, address: str, role: str) -> bool: ...
