"""A city's identity registry on the in-memory ledger (tests/modules/conftest.py).

``city.ok`` / ``city.fails`` run one tx as its own block (block h has time GENESIS_TIME_MS + h s);
``city.resolve`` and ``city.issuer`` run the module's queries over the state as the node does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import base58
import pytest
from tests.modules.conftest import CHAIN_ID, GENESIS_TIME_MS, Ledger, OnLedger

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Receipt
from metrobloc.modules.accounts import AccountsKeeper
from metrobloc.modules.accounts.keeper import KeyEntry
from metrobloc.modules.identity import queries

DAY_MS = 86_400_000


def block_time(height: int) -> int:
    """The block time the in-memory ledger gives block ``height``."""
    return GENESIS_TIME_MS + height * 1000


def raw_key(multibase: str) -> bytes:
    """The raw Ed25519 key of a Multikey, decoded here without the module's code: z, base58btc, 0xed01."""
    assert multibase.startswith("z")
    data = base58.b58decode(multibase[1:])
    assert data[:2] == b"\xed\x01" and len(data) == 34, multibase
    return data[2:]


@dataclass
class City(OnLedger):
    """The ledger plus a root authority (role identity_root), a personal-data agency (pds_agency),
    an accreditation authority, a university and a hospital (no roles)."""

    root: PrivateKey
    agency: PrivateKey
    authority: PrivateKey
    university: PrivateKey
    hospital: PrivateKey

    def create_did(self, who: PrivateKey, key: PrivateKey | None = None, **kw: Any) -> Receipt:
        """``who``'s DID, created with its current key ``key`` (``who`` itself unless rotated)."""
        signer = key or who
        return self.ok([signer], [sdk.identity.create_did(signer.public_key.to_b64(), **kw)], signers=[who.address])

    def rotate(self, who: PrivateKey, current: PrivateKey, new: PrivateKey) -> Receipt:
        """``who``'s account moves from ``current`` to ``new``."""
        msg = sdk.accounts.rotate_key(CHAIN_ID, who.address, new)
        return self.ok([current], [msg], signers=[who.address])

    def history(self, who: PrivateKey) -> list[KeyEntry]:
        return AccountsKeeper().key_history(self.ledger.state, who.address)

    def resolve(self, who: PrivateKey | str, **kw: Any) -> dict[str, Any]:
        did = who if isinstance(who, str) else f"did:mb:{who.address}"
        return queries.resolve(self.reader, AccountsKeeper(), did, **kw)

    def accredit(self, by: PrivateKey, subject: PrivateKey, types: Sequence[str], **kw: Any) -> int:
        """Accredit ``subject`` (default window: from genesis for a year); returns the accreditation id."""
        kw.setdefault("valid_from_ms", GENESIS_TIME_MS)
        kw.setdefault("valid_until_ms", GENESIS_TIME_MS + 365 * DAY_MS)
        receipt = self.ok([by], [sdk.identity.accredit(subject.address, list(types), **kw)])
        return int(receipt.events[0].attributes["accreditation"])

    def issuer(self, who: PrivateKey, credential_type: str | None = None, at_ms: int | None = None) -> dict[str, Any]:
        return queries.accreditations(self.reader, who.address, credential_type, at_ms)


@pytest.fixture
def city(ledger: Ledger) -> City:
    c = City(
        ledger,
        root=PrivateKey(b"\x31" * 32),
        agency=PrivateKey(b"\x32" * 32),
        authority=PrivateKey(b"\x33" * 32),
        university=PrivateKey(b"\x34" * 32),
        hospital=PrivateKey(b"\x35" * 32),
    )
    ledger.ok(
        [ledger.admin],
        [
            sdk.accounts.grant_role(c.root.address, "identity_root"),
            sdk.accounts.grant_role(c.agency.address, "pds_agency"),
        ],
    )
    return c
