"""Schemas, status-list anchors and the personal-data log through the real executor."""

from __future__ import annotations

import hashlib
import json

import pytest
import rfc8785
from tests.modules.identity.conftest import DAY_MS, City, block_time

from metrobloc import sdk
from metrobloc.errors import NotFound
from metrobloc.modules.identity import queries
from metrobloc.modules.identity.keys import access_count_key, access_key, erasure_key

DIPLOMA, RESIDENCY = "DiplomaCredential", "ResidencyCredential"
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"degree": {"type": "string", "maxLength": 200}, "année": {"type": "integer", "minimum": 1900}},
    "required": ["degree"],
    # JCS orders keys by UTF-16 code units: the emoji (a surrogate pair, D83D...) comes before U+FF01.
    "\uff01": {"description": "fullwidth"},
    "\U0001f600": {"description": "emoji"},
}
DOC = hashlib.sha256(b"tax return of alice, 2025").hexdigest()
PURPOSE = hashlib.sha256(b"signed request #4711: benefit application").hexdigest()


def schema_text(document: object = SCHEMA) -> str:
    """The document as an author might send it: keys unsorted, with whitespace."""
    return json.dumps(document, indent=2, ensure_ascii=False)


# -- schemas -----------------------------------------------------------------------------------------


def test_a_schema_is_stored_with_the_sha256_of_its_jcs_form(city: City) -> None:
    receipt = city.ok([city.root], [sdk.identity.register_schema("diploma-v1", DIPLOMA, schema_text())])
    digest = hashlib.sha256(rfc8785.dumps(SCHEMA)).hexdigest()
    assert receipt.events[0].attributes == {"schema_id": "diploma-v1", "digest": digest}
    assert queries.schema(city.reader, "diploma-v1") == {
        "schema_id": "diploma-v1",
        "credential_type": DIPLOMA,
        "document": SCHEMA,
        "digest": digest,
        "registered_by": city.root.address,
        "height": receipt.height,
    }
    # The same document written otherwise has the same digest; it cannot be registered twice.
    again = sdk.identity.register_schema("diploma-v1", DIPLOMA, json.dumps(SCHEMA, sort_keys=True))
    city.fails("identity.schema_exists", [city.root], [again])
    with pytest.raises(NotFound) as err:
        queries.schema(city.reader, "diploma-v2")
    assert err.value.code == "identity.unknown_schema"


def test_an_accredited_issuer_registers_schemas_for_its_types_only(city: City) -> None:
    city.accredit(city.root, city.university, [DIPLOMA])
    city.ok([city.university], [sdk.identity.register_schema("diploma-v1", DIPLOMA, schema_text())])
    msg = sdk.identity.register_schema("residency-v1", RESIDENCY, schema_text())
    city.fails("identity.not_accredited", [city.university], [msg])
    city.fails("identity.not_accredited", [city.hospital], [msg])
    city.ok([city.admin], [msg])


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '["a JSON Schema is an object"]',
        '"string"',
        '{"type": "number", "multipleOf": 0.5}',  # the ledger stores no floats
        '{"type": "object", "type": "array"}',  # duplicate member names (not I-JSON)
        '{"maximum": 123456789012345678901234567890}',
    ],
)
def test_a_schema_that_is_not_a_storable_json_object_is_refused(city: City, text: str) -> None:
    city.fails("identity.bad_schema", [city.root], [sdk.identity.register_schema("s1", DIPLOMA, text)])


# -- status anchors --------------------------------------------------------------------------------------


def anchor(version: int, valid_until_ms: int, list_id: str = "revocation-1") -> dict[str, object]:
    digest = hashlib.sha256(f"status list {list_id} v{version}".encode()).hexdigest()
    return sdk.identity.anchor_status(list_id, "bitstring", version, digest, valid_until_ms)


def test_status_versions_increase_and_stay_valid_in_the_future(city: City) -> None:
    city.accredit(city.root, city.university, [DIPLOMA])
    until = block_time(city.height) + DAY_MS
    first = city.ok([city.university], [anchor(1, until)])
    assert first.events[0].attributes == {"issuer": city.university.address, "list_id": "revocation-1", "version": "1"}
    city.fails("identity.stale_version", [city.university], [anchor(1, until)])
    city.fails("identity.bad_valid_until", [city.university], [anchor(2, block_time(city.height + 1))])
    city.ok([city.university], [anchor(3, until)])  # versions may skip
    city.fails("identity.stale_version", [city.university], [anchor(2, until)])
    answer = queries.status_anchor(city.reader, city.university.address, "revocation-1")
    assert [v["version"] for v in answer["versions"]] == [1, 3] and answer["anchor"] == answer["versions"][-1]
    assert answer["anchor"]["valid_until_ms"] == until and answer["anchor"]["issuer"] == city.university.address
    # Lists are per issuer: another issuer's version 1 is its own.
    city.ok([city.root], [anchor(1, until)])
    with pytest.raises(NotFound) as err:
        queries.status_anchor(city.reader, city.university.address, "revocation-2")
    assert err.value.code == "identity.unknown_status_list"


def test_only_an_accredited_issuer_or_the_root_anchors_a_status_list(city: City) -> None:
    until = block_time(city.height) + DAY_MS
    city.fails("identity.not_accredited", [city.hospital], [anchor(1, until)])
    acc = city.accredit(city.root, city.hospital, [DIPLOMA])
    city.ok([city.hospital], [anchor(1, until)])
    city.ok([city.root], [sdk.identity.revoke_accreditation(acc)])
    city.fails("identity.not_accredited", [city.hospital], [anchor(2, until)])


# -- personal data off the ledger ---------------------------------------------------------------------------


def test_an_agency_logs_accesses_by_digest_only(city: City) -> None:
    msg = sdk.identity.log_access(city.alice.address, DOC, PURPOSE)
    for who in (city.alice, city.root, city.university):
        city.fails("identity.not_agency", [who], [msg])
    first = city.ok([city.agency], [msg])
    assert first.events[0].attributes == {
        "subject": city.alice.address,
        "document_digest": DOC,
        "agency": city.agency.address,
    }
    second = city.ok([city.agency], [msg])
    state = city.ledger.state
    assert state[access_count_key(city.alice.address)] == b"2"
    assert json.loads(state[access_key(city.alice.address, 1)]) == {
        "agency": city.agency.address,
        "document_digest": DOC,
        "purpose_digest": PURPOSE,
        "height": second.height,
        "time_ms": block_time(second.height),
    }
    assert access_key(city.alice.address, 0) in state


def test_an_erasure_is_recorded_once(city: City) -> None:
    msg = sdk.identity.record_erasure(city.alice.address, DOC)
    city.fails("identity.not_agency", [city.alice], [msg])
    receipt = city.ok([city.agency], [msg])
    assert receipt.events[0].attributes == {"subject": city.alice.address, "document_digest": DOC}
    assert json.loads(city.ledger.state[erasure_key(DOC)]) == {
        "subject": city.alice.address,
        "agency": city.agency.address,
        "height": receipt.height,
        "time_ms": block_time(receipt.height),
    }
    city.fails("identity.already_erased", [city.agency], [msg])
    city.fails("identity.already_erased", [city.admin], [msg])  # an admin holds every role
