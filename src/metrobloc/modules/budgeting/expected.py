"""What the budgeting module needs from other modules, as narrow protocols the app wiring satisfies.

- ``Assets`` (the assets keeper): the process's asset exists; funds move treasury → escrow → implementer
  or back, with the asset's policies applied.
- ``Identity`` (the identity keeper): the census, ``holds`` (identity README, "The census").
- ``Orgs`` (the orgs keeper): the authority org exists, its treasury address, its members (the reviewers).
  A message only the authority sends is checked against ``treasury(org)``: only a passed proposal of the
  org sends as its treasury (orgs/expected.py).
- ``Ballots`` (the ballots keeper): a secret budget's election result and turnout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from metrobloc.modules.budgeting.keeper import Reader, Writer


class Assets(Protocol):
    def exists(self, state: Reader, asset: str) -> bool: ...

    def transfer(
        self, state: Writer, asset: str, sender: str, to: str, amount: int, *, at_ms: int | None = None
    ) -> object: ...


class Identity(Protocol):
    def holds(self, state: Reader, address: str, credential_type: str, issuers: Sequence[str], at_ms: int) -> bool:
        """Whether ``address`` is enrolled for the type at ``at_ms`` by one of ``issuers`` (any if empty)."""
        ...


class Orgs(Protocol):
    def org(self, state: Reader, org: str) -> object | None:
        """The org, or None."""
        ...

    def treasury(self, org: str) -> str:
        """The org's treasury address, derived from its id: no key controls it."""
        ...

    def members(self, state: Reader, org: str) -> list[tuple[str, int]]:
        """(address, weight) of the current members, in address order."""
        ...


class Ballots(Protocol):
    def tally(self, state: Reader, election: str) -> list[list[tuple[str, int]]] | None:
        """Per question, (option id, count); None until the election's result is accepted."""
        ...

    def voters(self, state: Reader, election: str) -> int:
        """How many voters have a ballot in (turnout; a replaced ballot counts once)."""
        ...
