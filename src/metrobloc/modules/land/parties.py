"""Who may act on the land register: the roles the module checks and the co-signer rules.

Every party a message needs must be among the tx's ``signers``; the executor has already checked
each signer's signature and key before any handler runs (ARCHITECTURE.md section 4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from metrobloc.codec import encode_address
from metrobloc.execution import Context, ErrorCode
from metrobloc.modules.land import errors
from metrobloc.modules.land.expected import RoleChecker

REGISTRAR = "land_registrar"
"""The registry authority: registers parcels, witnesses transfers, splits and merges, sets oracle policies."""
LENDER = "lender"
"""Banks and other lenders that may hold liens."""
ORACLE = "oracle"
"""Surveyors, notaries, courts, agencies: may sit on oracle policies and attest claims."""

MODULE_ADDRESS = encode_address(hashlib.sha256(b"metrobloc/module/land").digest()[:20])
"""The issuer of revenue-rights assets: an address no key hashes to, so nobody can mint more."""


class Parties:
    """Signer and role checks over the accounts module's roles."""

    def __init__(self, roles: RoleChecker) -> None:
        self.roles = roles

    @staticmethod
    def require_signed(ctx: Context, addresses: Iterable[str], who: str) -> None:
        """Every address must have signed the tx; the error names those that did not."""
        missing = list(dict.fromkeys(a for a in addresses if a not in ctx.signers))
        if missing:
            raise errors.MISSING_COSIGNER.error(f"{who} must co-sign; missing: {', '.join(missing)}")

    def has_registrar(self, ctx: Context) -> bool:
        return any(self.roles.has_role(ctx, s, REGISTRAR) for s in ctx.signers)

    def require_registrar(self, ctx: Context, action: str) -> None:
        if not self.has_registrar(ctx):
            raise errors.REGISTRAR_REQUIRED.error(f"{action} needs a co-signer with the role {REGISTRAR}")

    def require_role(self, ctx: Context, address: str, role: str, code: ErrorCode) -> None:
        if not self.roles.has_role(ctx, address, role):
            raise code.error(f"{address} does not hold the role {role}")
