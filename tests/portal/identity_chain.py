"""A small identity chain for the portal's identity tests, on a real node: agencies with DIDs and
websites, the root authority's accreditations (one through an accreditation authority, one revoked),
a registered schema, a status list published and anchored, credentials signed by the Population
Register's first key, then a rotation of that key; the hospital's DID is deactivated last."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.conftest import NodeProcess

from metrobloc import sdk
from metrobloc.credentials import published, status, vc
from metrobloc.credentials.verify import iso_ms
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Genesis
from metrobloc.sdk import Client
from metrobloc.sdk import credentials as creds

RESIDENCY, DIPLOMA = "ResidencyCredential", "DiplomaCredential"
SCHEMA_ID = "residency-v1"
LIST_ID = "revocation-1"
CLEAR, REVOKED = 3, 7
"""Status list entries: the good credential's (clear) and the revoked one's (set)."""
YEAR_MS = 365 * 86_400_000
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "district"],
    "properties": {"id": {"type": "string"}, "district": {"type": "string", "minLength": 1}},
}


@dataclass
class IdentityChain:
    """What was put on the chain, for the tests to look for."""

    node: NodeProcess
    genesis: Genesis
    admin: PrivateKey
    register: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x71]) * 32))
    register_next: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x72]) * 32))
    university: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x73]) * 32))
    hospital: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x74]) * 32))
    bank: PrivateKey = field(default_factory=lambda: PrivateKey(bytes([0x75]) * 32))
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``good`` (schema, status clear), ``revoked`` (its status bit set), ``plain`` (no schema, no status)."""
    rotated_height: int = 0
    rotated_ms: int = 0
    revoked_accreditation: int = 0

    def did(self, key: PrivateKey) -> str:
        return f"did:mb:{key.address}"


def _ok(
    c: Client, keys: list[PrivateKey], msgs: list[dict[str, Any]], signers: list[str] | None = None
) -> dict[str, Any]:
    receipt: dict[str, Any] = c.submit(c.build_tx(keys, msgs, signers=signers), wait=True)["receipt"]
    assert receipt["status"] == "ok", receipt
    return receipt


def _time(c: Client, receipt: dict[str, Any]) -> int:
    return int(c.block(receipt["height"])["header"]["time_ms"])


def _agencies(ch: IdentityChain, c: Client) -> int:
    """DIDs with websites, and the accreditations; the block time of the last one."""
    for key, site in (
        (ch.register, "register"),
        (ch.university, "university"),
        (ch.hospital, "hospital"),
        (ch.bank, "bank"),
    ):
        service = {"id": "website", "type": "LinkedDomains", "endpoint": f"https://{site}.city.example/"}
        _ok(c, [key], [sdk.identity.create_did(key.public_key.to_b64(), [service])])
    far = int(time.time() * 1000) + 10 * YEAR_MS
    accredit = sdk.identity.accredit
    _ok(c, [ch.admin], [accredit(ch.register.address, [RESIDENCY], 0, far)])
    receipt = _ok(c, [ch.admin], [accredit(ch.university.address, [DIPLOMA], 0, far, True)])
    parent = int(receipt["events"][0]["attributes"]["accreditation"])
    _ok(c, [ch.university], [accredit(ch.hospital.address, [DIPLOMA], 0, far, False, parent)])
    receipt = _ok(c, [ch.admin], [accredit(ch.bank.address, [RESIDENCY], 0, far)])
    ch.revoked_accreditation = int(receipt["events"][0]["attributes"]["accreditation"])
    _ok(c, [ch.admin], [sdk.identity.revoke_accreditation(ch.revoked_accreditation)])
    receipt = _ok(c, [ch.register], [sdk.identity.register_schema(SCHEMA_ID, RESIDENCY, json.dumps(SCHEMA))])
    return _time(c, receipt)


def _credentials(ch: IdentityChain, c: Client, issued_ms: int) -> None:
    did, url = ch.did(ch.register), creds.status_list_url(ch.node.url, ch.register.address, LIST_ID)
    bits = status.new_bitstring()
    status.set_status(bits, REVOKED)
    body = published.bitstring_list(
        list_url=url,
        issuer=did,
        encoded_list=status.encode_list(bits),
        key=ch.register,
        verification_method=did + "#key-1",
        valid_from=iso_ms(issued_ms),
    )
    far = int(time.time() * 1000) + YEAR_MS
    creds.publish_status_list(
        c, ch.register, list_id=LIST_ID, kind="bitstring", version=1, body=body, valid_until_ms=far
    )
    schema_url = f"{ch.node.url}/v1/identity/schemas/{SCHEMA_ID}"
    holder = "did:mb:" + PrivateKey(bytes([0x51]) * 32).address
    for name, index in (("good", CLEAR), ("revoked", REVOKED), ("plain", None)):
        ch.credentials[name] = creds.issue_vc(
            ch.register,
            verification_method=did + "#key-1",
            credential_type=RESIDENCY,
            subject={"id": holder, "district": "Harbour"},
            valid_from=iso_ms(issued_ms),
            schema_url=None if index is None else schema_url,
            status=None if index is None else vc.status_entry(url, index),
        )


def seed(node: NodeProcess) -> IdentityChain:
    ch = IdentityChain(node, Genesis.load(node.genesis_path().read_bytes()), node.admin())
    with node.client() as c:
        issued_ms = _agencies(ch, c)
        _credentials(ch, c, issued_ms)
        chain_id = ch.genesis.chain_id
        rotation = sdk.accounts.rotate_key(chain_id, ch.register.address, ch.register_next)
        receipt = _ok(c, [ch.register], [rotation])
        ch.rotated_height, ch.rotated_ms = int(receipt["height"]), _time(c, receipt)
        _ok(c, [ch.hospital], [sdk.identity.deactivate_did()])
    return ch


@pytest.fixture(scope="module", name="identity")
def identity_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityChain]:
    """A node with ``seed``'s chain, for a whole test module."""
    node = NodeProcess(tmp_path_factory.mktemp("identity") / "node").start()
    try:
        yield seed(node)
    finally:
        node.stop()
