"""What the orgs module needs from the assets module, and what it offers others.

``Assets`` is satisfied by the assets keeper (the app wiring hands it over). ``Orgs`` is the interface
a module that builds on organizations (a consortium, participatory budgeting) copies into its own
``expected.py``; the orgs keeper (``MODULE.keeper``) satisfies it:

    class Orgs(Protocol):
        def org(self, state: Reader, org: str) -> OrgLike | None:
            '''The org (charter_digest, treasury, voting, members, total_weight, ...), or None.'''

        def treasury(self, org: str) -> str:
            '''The org's treasury address, derived from its id: no key controls it.'''

        def proposal(self, state: Reader, org: str, proposal: str) -> ProposalLike | None:
            '''The proposal (rules, tally, end_ms, status, ...), or None.'''

        def members(self, state: Reader, org: str) -> list[tuple[str, int]]:
            '''(address, weight) of the current members, in address order.'''

        def ballot(self, state: Reader, org: str, proposal: str, address: str) -> BallotLike | None:
            '''The account's entry in the proposal's snapshot (its weight, its vote ``option`` or None).'''

A module that acts only on an org's decision checks that its message's sender is ``treasury(org)``:
only a passed proposal of that org sends as its treasury, and ``ctx.via`` is then ``(org, proposal)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from metrobloc.modules.orgs.keeper import Ballot, Org, Proposal, Reader, Writer


class Settled(Protocol):
    """Satisfied by the assets keeper's ``Loss``: what an account lost to expiry and demurrage when a
    transfer settled it (the units went to the asset's sink)."""

    @property
    def address(self) -> str: ...

    @property
    def expired(self) -> int: ...

    @property
    def demurrage(self) -> int: ...


class Assets(Protocol):
    """Satisfied by the assets keeper: does an asset exist, and payments from a treasury (policies apply)."""

    def exists(self, state: Reader, asset: str) -> bool: ...

    def transfer(
        self, state: Writer, asset: str, sender: str, to: str, amount: int, *, at_ms: int | None = None
    ) -> Sequence[Settled]: ...


class Orgs(Protocol):
    """What the orgs keeper offers other modules (see the module docstring)."""

    def org(self, state: Reader, org: str) -> Org | None: ...

    def treasury(self, org: str) -> str: ...

    def proposal(self, state: Reader, org: str, proposal: str) -> Proposal | None: ...

    def members(self, state: Reader, org: str) -> list[tuple[str, int]]: ...

    def ballot(self, state: Reader, org: str, proposal: str, address: str) -> Ballot | None: ...
