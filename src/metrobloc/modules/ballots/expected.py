"""What the ballots module needs from the identity module, and what it offers others.

``Census`` is satisfied by the identity keeper (the app wiring hands it over as ``census``): whether an
address holds a credential of a type from one of the listed issuers at a block time. ``Ballots`` is the
interface a module that builds on elections (participatory budgeting) copies into its own
``expected.py``; the ballots keeper (``MODULE.keeper``) satisfies it:

    class Ballots(Protocol):
        def tally(self, state: Reader, election: str) -> list[list[tuple[str, int]]] | None:
            '''Per question, (option id, count) in option order; None until the result is accepted.'''

        def voters(self, state: Reader, election: str) -> int:
            '''How many distinct voters have a ballot in the total.'''
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from metrobloc.modules.ballots.keeper import Reader


class Census(Protocol):
    """Satisfied by the identity keeper: does ``address`` hold a ``credential_type`` credential from one of
    ``issuers`` (accredited for that type) at ``at_ms``."""

    def holds(self, state: Reader, address: str, credential_type: str, issuers: Sequence[str], at_ms: int) -> bool: ...


class Ballots(Protocol):
    """What the ballots keeper offers other modules (see the module docstring)."""

    def tally(self, state: Reader, election: str) -> list[list[tuple[str, int]]] | None: ...

    def voters(self, state: Reader, election: str) -> int: ...
