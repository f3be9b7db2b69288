"""What the time-bank module needs from the identity and accounts modules, as narrow protocols the app
wiring satisfies (the identity keeper and the accounts keeper)."""

from __future__ import annotations

from typing import Protocol

from metrobloc.modules.timebank.keeper import Reader


class AccreditationLike(Protocol):
    """An identity accreditation (the identity keeper's ``Accreditation``): only its id is kept here."""

    id: int


class Identity(Protocol):
    """Satisfied by the identity keeper: is an account accredited now for a credential type?"""

    def in_force_for(
        self, state: Reader, subject: str, at_ms: int, credential_type: str | None
    ) -> AccreditationLike | None: ...


class Accounts(Protocol):
    """Satisfied by the accounts keeper: roles (the root authority holds ``identity_root``)."""

    def has_role(self, state: Reader, address: str, role: str) -> bool: ...
