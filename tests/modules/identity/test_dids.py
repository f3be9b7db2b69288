"""did:mb DIDs through the real executor: creation with the current key, services, deactivation, and
the key history the accounts keeper keeps once an account has a DID (docs/spec/did-method.md)."""

from __future__ import annotations

from typing import Any

import pydid
import pytest
from tests.modules.conftest import CHAIN_ID
from tests.modules.identity.conftest import City, block_time, raw_key

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput
from metrobloc.modules.accounts.keys import account_key, key_history_key
from metrobloc.modules.identity import queries

WEBSITE = {"id": "website", "type": "LinkedDomains", "endpoint": "https://city.example/"}
STATUS = {"id": "status", "type": "BitstringStatusList", "endpoint": "https://city.example/status/1"}
RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation")


def valid_document(doc: dict[str, Any]) -> pydid.DIDDocument:
    """A W3C DID document (pydid), whose relationships name methods it lists."""
    parsed = pydid.DIDDocument.deserialize(doc)
    ids = {vm["id"] for vm in doc["verificationMethod"]}
    for name in RELATIONSHIPS:
        assert set(doc.get(name, [])) <= ids, name
    return parsed


def methods(doc: dict[str, Any]) -> list[bytes]:
    """The raw keys of the document's verification methods, in order."""
    return [raw_key(vm["publicKeyMultibase"]) for vm in doc["verificationMethod"]]


def in_force(doc: dict[str, Any]) -> bytes | None:
    """The raw key of the method in the relationships (the same one in all three), or None."""
    refs = {name: doc.get(name) for name in RELATIONSHIPS}
    if all(r is None for r in refs.values()):
        return None
    [ref] = refs["assertionMethod"]
    assert all(r == [ref] for r in refs.values()), refs
    [vm] = [vm for vm in doc["verificationMethod"] if vm["id"] == ref]
    return raw_key(vm["publicKeyMultibase"])


# -- create ------------------------------------------------------------------------------------------


def test_an_account_creates_its_did_with_its_current_key(city: City) -> None:
    receipt = city.create_did(city.alice, services=[WEBSITE])
    did = f"did:mb:{city.alice.address}"
    assert [(e.type, e.attributes) for e in receipt.events] == [("identity/create_did", {"did": did})]
    result = city.resolve(city.alice)
    assert set(result) == {"didDocument", "didResolutionMetadata", "didDocumentMetadata"}
    doc = result["didDocument"]
    parsed = valid_document(doc)
    assert str(parsed.id) == did and doc["@context"] == queries.DID_CONTEXT
    assert methods(doc) == [city.alice.public_key.raw] == [in_force(doc)]
    assert doc["verificationMethod"][0] == {
        "id": f"{did}#key-1",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": doc["verificationMethod"][0]["publicKeyMultibase"],
    }
    assert doc["service"] == [
        {"id": f"{did}#website", "type": "LinkedDomains", "serviceEndpoint": "https://city.example/"}
    ]
    assert result["didDocumentMetadata"] == {
        "created": queries.iso(block_time(receipt.height)),
        "updated": queries.iso(block_time(receipt.height)),
        "versionId": str(receipt.height),
        "deactivated": False,
    }
    assert result["didResolutionMetadata"] == {"contentType": "application/did+json"}
    [entry] = city.history(city.alice)
    assert (entry.public_key, entry.from_height, entry.to_height, entry.status) == (
        city.alice.public_key.raw,
        receipt.height,
        None,
        "active",
    )


def test_a_did_is_created_only_with_the_current_key_and_only_once(city: City) -> None:
    other = sdk.identity.create_did(city.bob.public_key.to_b64())
    city.fails("identity.not_current_key", [city.alice], [other])
    city.create_did(city.alice)
    city.fails("identity.did_exists", [city.alice], [sdk.identity.create_did(city.alice.public_key.to_b64())])
    city.fails("identity.did_exists", [city.alice], [other])


def test_a_did_without_a_create_is_not_found(city: City) -> None:
    with pytest.raises(Exception) as err:
        city.resolve(city.bob)
    assert getattr(err.value, "code", None) == "identity.not_found"
    city.fails("identity.no_did", [city.bob], [sdk.identity.set_services([WEBSITE])])
    city.fails("identity.no_did", [city.bob], [sdk.identity.deactivate_did()])


@pytest.mark.parametrize(
    "services, code",
    [
        ([WEBSITE, {**STATUS, "id": "website"}], "identity.duplicate_service"),
        ([{**WEBSITE, "endpoint": "http://city.example/"}], "identity.bad_endpoint"),
        ([{**WEBSITE, "endpoint": "https://city example/"}], "identity.bad_endpoint"),
        ([{**WEBSITE, "id": f"s{i}"} for i in range(9)], "msg.invalid"),
    ],
)
def test_services_are_checked_at_admission(city: City, services: list[dict[str, str]], code: str) -> None:
    for msg in (sdk.identity.create_did(city.alice.public_key.to_b64(), services), sdk.identity.set_services(services)):
        with pytest.raises(InvalidInput) as err:
            city.ledger.tx([city.alice], [msg])
        assert err.value.code == code, err.value


# -- services and deactivation -----------------------------------------------------------------------------


def test_set_services_replaces_them_and_makes_a_new_version(city: City) -> None:
    created = city.create_did(city.alice, services=[WEBSITE]).height
    updated = city.ok([city.alice], [sdk.identity.set_services([STATUS])]).height
    did = f"did:mb:{city.alice.address}"
    now = city.resolve(city.alice)
    assert [s["id"] for s in now["didDocument"]["service"]] == [f"{did}#status"]
    meta = now["didDocumentMetadata"]
    assert (meta["versionId"], meta["created"], meta["updated"]) == (
        str(updated),
        queries.iso(block_time(created)),
        queries.iso(block_time(updated)),
    )
    before = city.resolve(city.alice, version_id=updated - 1)
    assert [s["id"] for s in before["didDocument"]["service"]] == [f"{did}#website"]
    assert before["didDocumentMetadata"]["versionId"] == str(created)
    city.ok([city.alice], [sdk.identity.set_services([])])
    assert "service" not in city.resolve(city.alice)["didDocument"]


def test_a_deactivated_did_changes_no_more_and_has_no_relationships(city: City) -> None:
    created = city.create_did(city.alice, services=[WEBSITE]).height
    reason = sdk.land.document_digest(b"agency merged into another")
    receipt = city.ok([city.alice], [sdk.identity.deactivate_did(reason)])
    assert receipt.events[0].attributes == {"did": f"did:mb:{city.alice.address}", "reason_digest": reason}
    for msg in (
        sdk.identity.set_services([WEBSITE]),
        sdk.identity.deactivate_did(),
        sdk.identity.mark_key_compromised(city.alice.public_key.to_b64(), block_time(created)),
    ):
        city.fails("identity.deactivated", [city.alice], [msg])
    city.fails("identity.did_exists", [city.alice], [sdk.identity.create_did(city.alice.public_key.to_b64())])
    result = city.resolve(city.alice)
    assert result["didDocumentMetadata"]["deactivated"] is True
    assert result["didDocumentMetadata"]["versionId"] == str(receipt.height)
    doc = result["didDocument"]
    valid_document(doc)
    assert in_force(doc) is None and "service" not in doc
    # The version before the deactivation is still there, and the account keeps working.
    earlier = city.resolve(city.alice, version_id=created)
    assert earlier["didDocumentMetadata"]["deactivated"] is False and in_force(earlier["didDocument"]) is not None
    new = PrivateKey(b"\x41" * 32)
    city.rotate(city.alice, city.alice, new)
    assert [e.status for e in city.history(city.alice)] == ["retired", "active"]
    assert city.resolve(city.alice)["didDocumentMetadata"]["deactivated"] is True


# -- key history ---------------------------------------------------------------------------------------------


def test_a_rotation_closes_the_entry_and_appends_the_new_key(city: City) -> None:
    new = PrivateKey(b"\x41" * 32)
    created = city.create_did(city.alice).height
    rotated = city.rotate(city.alice, city.alice, new).height
    old_entry, new_entry = city.history(city.alice)
    assert (old_entry.public_key, old_entry.from_height, old_entry.to_height, old_entry.status) == (
        city.alice.public_key.raw,
        created,
        rotated,
        "retired",
    )
    assert (old_entry.from_time_ms, old_entry.to_time_ms) == (block_time(created), block_time(rotated))
    assert (new_entry.public_key, new_entry.from_height, new_entry.from_time_ms, new_entry.to_height) == (
        new.public_key.raw,
        rotated,
        block_time(rotated),
        None,
    )
    assert new_entry.status == "active"
    # The old key no longer signs for the account.
    city.fails("accounts.key_mismatch", [city.alice], [sdk.identity.set_services([WEBSITE])])
    city.ok([new], [sdk.identity.set_services([WEBSITE])], signers=[city.alice.address])


def test_resolution_at_a_version_shows_the_key_then_in_force(city: City) -> None:
    new = PrivateKey(b"\x41" * 32)
    created = city.create_did(city.alice).height
    city.ok([city.bob], [sdk.identity.create_did(city.bob.public_key.to_b64())])  # a block between
    rotated = city.rotate(city.alice, city.alice, new).height
    old_raw, new_raw = city.alice.public_key.raw, new.public_key.raw
    now = city.resolve(city.alice)
    assert methods(now["didDocument"]) == [old_raw, new_raw] and in_force(now["didDocument"]) == new_raw
    assert now["didDocumentMetadata"]["versionId"] == str(rotated)
    valid_document(now["didDocument"])
    for kw, key, version in (
        ({"version_id": created}, old_raw, created),
        ({"version_id": rotated - 1}, old_raw, created),
        ({"version_id": rotated}, new_raw, rotated),
        ({"version_time": queries.iso(block_time(created))}, old_raw, created),
        ({"version_time": queries.iso(block_time(rotated) - 1000)}, old_raw, created),
        ({"version_time": queries.iso(block_time(rotated))}, new_raw, rotated),
        ({"version_time": queries.iso(block_time(rotated) + 3_600_000)}, new_raw, rotated),
    ):
        result = city.resolve(city.alice, **kw)
        doc = result["didDocument"]
        assert in_force(doc) == key, kw
        assert methods(doc) == ([old_raw] if key == old_raw else [old_raw, new_raw]), kw
        assert result["didDocumentMetadata"]["versionId"] == str(version), kw
        valid_document(doc)
    for kw in ({"version_id": created - 1}, {"version_time": queries.iso(block_time(created) - 1000)}):
        with pytest.raises(Exception) as err:
            city.resolve(city.alice, **kw)
        assert getattr(err.value, "code", None) == "identity.not_found", kw


def test_an_account_that_rotated_before_its_did_has_no_history_until_create_did(city: City) -> None:
    new = PrivateKey(b"\x41" * 32)
    city.rotate(city.alice, city.alice, new)
    assert city.history(city.alice) == []
    city.fails(
        "identity.not_current_key",
        [new],
        [sdk.identity.create_did(city.alice.public_key.to_b64())],
        signers=[city.alice.address],
    )
    created = city.create_did(city.alice, key=new).height
    [entry] = city.history(city.alice)
    assert (entry.public_key, entry.from_height, entry.status) == (new.public_key.raw, created, "active")
    assert methods(city.resolve(city.alice)["didDocument"]) == [new.public_key.raw]


def test_rotating_an_account_without_a_did_writes_only_its_account_record(city: City) -> None:
    new = PrivateKey(b"\x41" * 32)
    result = city.ledger.block(
        city.ledger.tx([city.alice], [sdk.accounts.rotate_key(CHAIN_ID, city.alice.address, new)])
    )
    assert result.receipts[0].status == "ok"
    assert set(result.writes) == {account_key(city.alice.address)}
    assert key_history_key(city.alice.address) not in city.ledger.state


# -- compromised keys --------------------------------------------------------------------------------------


def test_a_former_key_is_marked_compromised_from_a_time_in_its_window(city: City) -> None:
    new = PrivateKey(b"\x41" * 32)
    created = city.create_did(city.alice).height
    city.ok([city.bob], [sdk.identity.create_did(city.bob.public_key.to_b64())])
    rotated = city.rotate(city.alice, city.alice, new).height
    old_b64, new_b64 = city.alice.public_key.to_b64(), new.public_key.to_b64()
    as_alice = {"signers": [city.alice.address]}
    mark = sdk.identity.mark_key_compromised
    city.fails("identity.key_current", [new], [mark(new_b64, block_time(rotated))], **as_alice)
    city.fails("identity.unknown_key", [new], [mark(city.bob.public_key.to_b64(), block_time(created))], **as_alice)
    for since in (block_time(created) - 1, block_time(rotated) + 1):
        city.fails("identity.bad_since", [new], [mark(old_b64, since)], **as_alice)
    since = block_time(created) + 500
    receipt = city.ok([new], [mark(old_b64, since)], **as_alice)
    assert receipt.events[0].attributes == {"did": f"did:mb:{city.alice.address}", "since_ms": str(since)}
    old_entry, new_entry = city.history(city.alice)
    assert (old_entry.status, old_entry.compromised_since_ms) == ("compromised", since)
    assert (new_entry.status, new_entry.compromised_since_ms) == ("active", None)
    result = city.resolve(city.alice)
    doc = valid_document(result["didDocument"]).serialize()
    old_vm, new_vm = result["didDocument"]["verificationMethod"]
    assert old_vm["revoked"] == queries.iso(since) == doc["verificationMethod"][0]["revoked"]
    assert "revoked" not in new_vm and in_force(result["didDocument"]) == new.public_key.raw
    # The marking changes the document, so it is a new version.
    assert result["didDocumentMetadata"]["versionId"] == str(receipt.height)
    assert result["didDocumentMetadata"]["updated"] == queries.iso(block_time(receipt.height))


def test_since_may_not_be_in_the_future_of_the_block(city: City) -> None:
    new = PrivateKey(b"\x41" * 32)
    city.create_did(city.alice)
    city.rotate(city.alice, city.alice, new)
    # The old key's window ends at the rotation's block; the next block is later still.
    next_block = block_time(city.height + 1)
    city.fails(
        "identity.bad_since",
        [new],
        [sdk.identity.mark_key_compromised(city.alice.public_key.to_b64(), next_block + 1)],
        signers=[city.alice.address],
    )


def test_a_key_in_force_again_cannot_be_marked_compromised(city: City) -> None:
    """A rotates to B and back to A: A is the current key again, so it cannot be marked."""
    b = PrivateKey(b"\x41" * 32)
    created = city.create_did(city.alice).height
    city.rotate(city.alice, city.alice, b)
    city.rotate(city.alice, b, city.alice)
    city.fails(
        "identity.key_current",
        [city.alice],
        [sdk.identity.mark_key_compromised(city.alice.public_key.to_b64(), block_time(created))],
    )
    assert [e.status for e in city.history(city.alice)] == ["retired", "retired", "active"]


def test_an_account_cannot_rotate_back_to_a_key_it_marked_compromised(city: City) -> None:
    new = PrivateKey(b"\x41" * 32)
    created = city.create_did(city.alice).height
    city.rotate(city.alice, city.alice, new)
    mark = sdk.identity.mark_key_compromised(city.alice.public_key.to_b64(), block_time(created))
    city.ok([new], [mark], signers=[city.alice.address])
    back = sdk.accounts.rotate_key(CHAIN_ID, city.alice.address, city.alice)
    city.fails("accounts.key_compromised", [new], [back], signers=[city.alice.address])
    assert [e.status for e in city.history(city.alice)] == ["compromised", "active"]
