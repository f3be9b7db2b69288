"""Trusted issuers through the real executor: the root authority accredits, parents with may_accredit
accredit subsets of their own, revocation, and whether an issuer was accredited for a type at a time
(must-hold 5 of issue 11: an issuer verifies only for the types and the window it was accredited for)."""

from __future__ import annotations

import pytest
from tests.modules.conftest import GENESIS_TIME_MS
from tests.modules.identity.conftest import DAY_MS, City, block_time

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput
from metrobloc.modules.identity.keeper import MAX_CHAIN, MAX_PER_ISSUER

G = GENESIS_TIME_MS
RESIDENCY, DIPLOMA, PRESCRIPTION = "ResidencyCredential", "DiplomaCredential", "PrescriptionCredential"


def accredited(city: City, who: PrivateKey, credential_type: str | None, at_ms: int) -> bool:
    answer = city.issuer(who, credential_type, at_ms)
    assert (answer["by"] is None) == (not answer["accredited"]) == (answer["chain"] == [])
    return bool(answer["accredited"])


# -- the root authority --------------------------------------------------------------------------------


def test_the_root_authority_accredits_an_issuer_for_types_within_a_window(city: City) -> None:
    window = {"valid_from_ms": G + 10 * DAY_MS, "valid_until_ms": G + 20 * DAY_MS}
    receipt = city.ok([city.root], [sdk.identity.accredit(city.university.address, [DIPLOMA, RESIDENCY], **window)])
    assert [(e.type, e.attributes) for e in receipt.events] == [
        (
            "identity/accredit",
            {
                "accreditation": "1",
                "subject": city.university.address,
                "accreditor": city.root.address,
                "types": f"{DIPLOMA},{RESIDENCY}",
            },
        )
    ]
    [acc] = city.issuer(city.university)["accreditations"]
    assert acc == {
        "id": 1,
        "subject": city.university.address,
        "accreditor": city.root.address,
        "parent": None,
        "types": [DIPLOMA, RESIDENCY],
        "valid_from_ms": G + 10 * DAY_MS,
        "valid_until_ms": G + 20 * DAY_MS,
        "may_accredit": False,
        "height": receipt.height,
        "time_ms": block_time(receipt.height),
        "revoked_height": None,
        "revoked_ms": None,
    }
    assert "accredited" not in city.issuer(city.university)  # no time asked


def test_an_issuer_verifies_only_for_its_types_and_its_window(city: City) -> None:
    start, end = G + 10 * DAY_MS, G + 20 * DAY_MS
    city.accredit(city.root, city.university, [DIPLOMA], valid_from_ms=start, valid_until_ms=end)
    for credential_type in (DIPLOMA, None):
        assert accredited(city, city.university, credential_type, start)
        assert accredited(city, city.university, credential_type, end - 1)
        assert not accredited(city, city.university, credential_type, start - 1)
        assert not accredited(city, city.university, credential_type, end)  # the end is exclusive
    for credential_type in (RESIDENCY, PRESCRIPTION):
        assert not accredited(city, city.university, credential_type, start)
    with pytest.raises(InvalidInput) as err:
        city.issuer(city.university, "diploma", start)  # no credential type
    assert err.value.code == "identity.bad_query"
    assert not accredited(city, city.hospital, DIPLOMA, start)  # another issuer
    answer = city.issuer(city.university, DIPLOMA, start)
    assert answer["by"] == 1 and [a["id"] for a in answer["chain"]] == [1]


def test_an_admin_is_a_root_authority_and_others_need_a_parent(city: City) -> None:
    city.accredit(city.admin, city.university, [DIPLOMA])
    msg = sdk.identity.accredit(city.hospital.address, [PRESCRIPTION], G, G + DAY_MS)
    for who in (city.university, city.agency, city.hospital):
        city.fails("identity.not_root", [who], [msg])


@pytest.mark.parametrize(
    "types, window, code",
    [
        ([DIPLOMA, DIPLOMA], (G, G + DAY_MS), "identity.duplicate_type"),
        ([DIPLOMA], (G + DAY_MS, G + DAY_MS), "identity.bad_window"),
        ([DIPLOMA], (G + DAY_MS, G), "identity.bad_window"),
        (["diploma"], (G, G + DAY_MS), "msg.bad_string"),
        ([], (G, G + DAY_MS), None),  # refused; the code is the element type's
    ],
)
def test_accreditations_are_checked_at_admission(
    city: City, types: list[str], window: tuple[int, int], code: str | None
) -> None:
    with pytest.raises(InvalidInput) as err:
        city.ledger.tx([city.root], [sdk.identity.accredit(city.university.address, types, *window)])
    assert code is None or err.value.code == code, err.value


# -- parents ---------------------------------------------------------------------------------------------


def test_a_parent_that_may_accredit_accredits_subsets_within_its_window(city: City) -> None:
    start, end = G, G + 100 * DAY_MS
    parent = city.accredit(
        city.root, city.authority, [DIPLOMA, RESIDENCY], valid_from_ms=start, valid_until_ms=end, may_accredit=True
    )
    child = city.accredit(
        city.authority, city.university, [DIPLOMA], valid_from_ms=start + DAY_MS, valid_until_ms=end, parent=parent
    )
    answer = city.issuer(city.university, DIPLOMA, start + DAY_MS)
    assert answer["accredited"] and answer["by"] == child
    assert [(a["id"], a["accreditor"]) for a in answer["chain"]] == [
        (child, city.authority.address),
        (parent, city.root.address),
    ]
    assert not accredited(city, city.university, RESIDENCY, start + DAY_MS)  # not granted to it
    assert not accredited(city, city.university, DIPLOMA, start)  # before its own window

    def refused(types: list[str], window: tuple[int, int], by: PrivateKey = city.authority, acc: int = parent) -> None:
        msg = sdk.identity.accredit(city.hospital.address, types, *window, parent=acc)
        city.fails("identity.bad_parent", [by], [msg])

    refused([PRESCRIPTION], (start, end))  # a type the parent does not hold
    refused([DIPLOMA, PRESCRIPTION], (start, end))
    refused([DIPLOMA], (start - 1, end))  # starts before the parent's window
    refused([DIPLOMA], (start, end + 1))  # ends after it
    refused([DIPLOMA], (start, end), by=city.hospital)  # not the sender's accreditation
    refused([DIPLOMA], (start, end), by=city.university, acc=child)  # may_accredit is false
    refused([DIPLOMA], (start, end), acc=99)  # no such accreditation


def test_a_parent_must_be_in_force_when_it_accredits(city: City) -> None:
    later = city.accredit(
        city.root, city.authority, [DIPLOMA], valid_from_ms=G + DAY_MS, valid_until_ms=G + 2 * DAY_MS, may_accredit=True
    )
    msg = sdk.identity.accredit(city.university.address, [DIPLOMA], G + DAY_MS, G + 2 * DAY_MS, parent=later)
    city.fails("identity.bad_parent", [city.authority], [msg])
    now = city.accredit(city.root, city.authority, [DIPLOMA], may_accredit=True)
    city.ok([city.root], [sdk.identity.revoke_accreditation(now)])
    msg = sdk.identity.accredit(city.university.address, [DIPLOMA], G, G + DAY_MS, parent=now)
    city.fails("identity.bad_parent", [city.authority], [msg])


def test_a_revoked_parent_breaks_the_chain_from_its_revocation_time(city: City) -> None:
    parent = city.accredit(city.root, city.authority, [DIPLOMA], may_accredit=True)
    city.accredit(city.authority, city.university, [DIPLOMA], parent=parent)
    revoked = city.ok([city.root], [sdk.identity.revoke_accreditation(parent)])
    at = block_time(revoked.height)
    assert accredited(city, city.university, DIPLOMA, at - 1)
    assert not accredited(city, city.university, DIPLOMA, at)
    assert not accredited(city, city.university, DIPLOMA, at + DAY_MS)
    assert not accredited(city, city.authority, DIPLOMA, at)
    # The child itself is not revoked: only its chain is broken.
    assert city.issuer(city.university)["accreditations"][0]["revoked_height"] is None


def test_a_chain_is_at_most_max_chain_accreditations_deep(city: City) -> None:
    parties = [PrivateKey(bytes([0x60 + i]) * 32) for i in range(MAX_CHAIN + 1)]
    acc = city.accredit(city.root, parties[0], [DIPLOMA], may_accredit=True)
    for above, below in zip(parties[:-2], parties[1:-1], strict=True):
        acc = city.accredit(above, below, [DIPLOMA], may_accredit=True, parent=acc)
    assert accredited(city, parties[-2], DIPLOMA, G)  # MAX_CHAIN deep
    msg = sdk.identity.accredit(parties[-1].address, [DIPLOMA], G, G + DAY_MS, parent=acc)
    city.fails("identity.bad_parent", [parties[-2]], [msg])


# -- revocation --------------------------------------------------------------------------------------------


def test_only_the_accreditor_or_the_root_revokes_and_only_once(city: City) -> None:
    parent = city.accredit(city.root, city.authority, [DIPLOMA], may_accredit=True)
    first = city.accredit(city.authority, city.university, [DIPLOMA], parent=parent)
    second = city.accredit(city.authority, city.hospital, [DIPLOMA], parent=parent)
    for who in (city.university, city.hospital, city.agency):
        city.fails("identity.not_accreditor", [who], [sdk.identity.revoke_accreditation(first)])
    receipt = city.ok([city.authority], [sdk.identity.revoke_accreditation(first)])
    assert receipt.events[0].attributes == {"accreditation": str(first), "subject": city.university.address}
    city.fails("identity.already_revoked", [city.authority], [sdk.identity.revoke_accreditation(first)])
    city.ok([city.root], [sdk.identity.revoke_accreditation(second)])  # the root revokes what it did not grant
    city.fails("identity.unknown_accreditation", [city.root], [sdk.identity.revoke_accreditation(99)])
    [acc] = city.issuer(city.university)["accreditations"]
    assert (acc["revoked_height"], acc["revoked_ms"]) == (receipt.height, block_time(receipt.height))
    assert accredited(city, city.university, DIPLOMA, block_time(receipt.height) - 1)
    assert not accredited(city, city.university, DIPLOMA, block_time(receipt.height))


def test_an_issuer_holds_at_most_max_per_issuer_accreditations(city: City) -> None:
    msg = sdk.identity.accredit(city.university.address, [DIPLOMA], G, G + DAY_MS)
    city.ok([city.root], [msg] * MAX_PER_ISSUER)
    assert len(city.issuer(city.university)["accreditations"]) == MAX_PER_ISSUER
    city.fails("identity.too_many_accreditations", [city.root], [msg])
