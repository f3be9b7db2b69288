"""The census: issuers accredited for a credential type enrol holders' addresses (no personal data), and
``IdentityKeeper.holds`` says who is in it at a time (what budgeting and ballots check a voter against)."""

from __future__ import annotations

import pytest
from tests.modules.conftest import GENESIS_TIME_MS
from tests.modules.identity.conftest import DAY_MS, City, block_time

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput
from metrobloc.modules.identity import KEEPER
from metrobloc.modules.identity.msgs import MAX_HOLDERS

G = GENESIS_TIME_MS
RESIDENCY, DIPLOMA = "ResidencyCredential", "DiplomaCredential"
RESIDENTS = [PrivateKey(bytes([0x60 + i]) * 32).address for i in range(4)]


def holds(city: City, holder: str, issuers: list[str], at_ms: int, credential_type: str = RESIDENCY) -> bool:
    return KEEPER.holds(city.reader, holder, credential_type, issuers, at_ms)


def test_an_accredited_issuer_enrols_holders_who_then_hold_the_type(city: City) -> None:
    acc = city.accredit(city.root, city.authority, [RESIDENCY])
    receipt = city.ok([city.authority], [sdk.identity.enrol(RESIDENCY, RESIDENTS[:3])])
    assert [(e.type, e.attributes) for e in receipt.events] == [
        (
            "identity/enrol",
            {
                "issuer": city.authority.address,
                "credential_type": RESIDENCY,
                "holders": "3",
                "accreditation": str(acc),
            },
        )
    ]
    now = block_time(receipt.height)
    for who in RESIDENTS[:3]:
        assert holds(city, who, [city.authority.address], now)
        assert holds(city, who, [], now)  # any accredited issuer
        assert not holds(city, who, [city.university.address], now)  # not by that issuer
        assert not holds(city, who, [], now - 1)  # not before it was enrolled
        assert not holds(city, who, [], now, DIPLOMA)  # not another type
    assert not holds(city, RESIDENTS[3], [], now)
    rec = KEEPER.enrolment(city.reader, RESIDENCY, RESIDENTS[0], city.authority.address)
    assert rec is not None and rec.to_json() == {
        "accreditation": acc,
        "enrolled_ms": now,
        "from_ms": now,
        "until_ms": None,
        "ended_ms": None,
        "height": receipt.height,
    }


def test_an_enrolment_ends_at_until_ms_or_when_unenrolled(city: City) -> None:
    city.accredit(city.root, city.authority, [RESIDENCY])
    until = city.ledger.next_time_ms + 5000
    city.ok([city.authority], [sdk.identity.enrol(RESIDENCY, RESIDENTS[:2], until_ms=until)])
    assert holds(city, RESIDENTS[0], [], until - 1)
    assert not holds(city, RESIDENTS[0], [], until)  # exclusive end
    receipt = city.ok([city.authority], [sdk.identity.unenrol(RESIDENCY, [RESIDENTS[1]])])
    t = block_time(receipt.height)
    assert receipt.events[0].type == "identity/unenrol"
    assert holds(city, RESIDENTS[1], [], t - 1) and not holds(city, RESIDENTS[1], [], t)
    assert holds(city, RESIDENTS[0], [], t)


def test_a_renewal_in_force_keeps_its_start_and_a_new_end(city: City) -> None:
    city.accredit(city.root, city.authority, [RESIDENCY])
    first = city.ok([city.authority], [sdk.identity.enrol(RESIDENCY, [RESIDENTS[0]], until_ms=G + DAY_MS)])
    city.ok([city.authority], [sdk.identity.enrol(RESIDENCY, [RESIDENTS[0]], until_ms=G + 2 * DAY_MS)])
    rec = KEEPER.enrolment(city.reader, RESIDENCY, RESIDENTS[0], city.authority.address)
    assert rec is not None and rec.from_ms == block_time(first.height) and rec.until_ms == G + 2 * DAY_MS
    assert holds(city, RESIDENTS[0], [], G + DAY_MS)


def test_revoking_the_issuers_accreditation_empties_its_census_from_then_on(city: City) -> None:
    acc = city.accredit(city.root, city.authority, [RESIDENCY])
    enrolled = city.ok([city.authority], [sdk.identity.enrol(RESIDENCY, [RESIDENTS[0]])])
    revoked = city.ok([city.root], [sdk.identity.revoke_accreditation(acc)])
    assert holds(city, RESIDENTS[0], [], block_time(enrolled.height))
    assert not holds(city, RESIDENTS[0], [], block_time(revoked.height))
    assert not holds(city, RESIDENTS[0], [city.authority.address], block_time(revoked.height) + DAY_MS)


def test_a_revoked_parent_accreditation_empties_the_census_too(city: City) -> None:
    parent = city.accredit(city.root, city.authority, [RESIDENCY], may_accredit=True)
    city.accredit(city.authority, city.university, [RESIDENCY], parent=parent)
    city.ok([city.university], [sdk.identity.enrol(RESIDENCY, [RESIDENTS[0]])])
    assert holds(city, RESIDENTS[0], [city.university.address], city.ledger.next_time_ms)
    city.ok([city.root], [sdk.identity.revoke_accreditation(parent)])
    assert not holds(city, RESIDENTS[0], [city.university.address], city.ledger.next_time_ms)


def test_an_expired_accreditation_keeps_what_it_enrolled_while_in_force(city: City) -> None:
    end = city.ledger.next_time_ms + 2000
    city.accredit(city.root, city.authority, [RESIDENCY], valid_until_ms=end)
    city.ok([city.authority], [sdk.identity.enrol(RESIDENCY, [RESIDENTS[0]])])
    assert holds(city, RESIDENTS[0], [], end + DAY_MS)
    city.ledger.advance(DAY_MS)
    city.fails("identity.not_accredited", [city.authority], [sdk.identity.enrol(RESIDENCY, [RESIDENTS[1]])])


def test_bad_enrolments_are_refused_and_change_nothing(city: City) -> None:
    city.accredit(city.root, city.university, [DIPLOMA])
    city.accredit(city.root, city.authority, [RESIDENCY])
    before = dict(city.ledger.state)
    city.fails("identity.not_accredited", [city.hospital], [sdk.identity.enrol(RESIDENCY, RESIDENTS[:1])])
    city.fails("identity.not_accredited", [city.university], [sdk.identity.enrol(RESIDENCY, RESIDENTS[:1])])
    city.fails("identity.not_accredited", [city.admin], [sdk.identity.enrol(RESIDENCY, RESIDENTS[:1])])
    past = sdk.identity.enrol(RESIDENCY, RESIDENTS[:1], until_ms=G)
    city.fails("identity.bad_until", [city.authority], [past])
    city.fails("identity.not_enrolled", [city.authority], [sdk.identity.unenrol(RESIDENCY, RESIDENTS[:1])])
    assert {k: v for k, v in city.ledger.state.items() if k.startswith(b"identity/enrol")} == {}
    assert all(before[k] == v for k, v in before.items() if k.startswith(b"identity/"))
    for bad, code in (
        ({"holders": [RESIDENTS[0], RESIDENTS[0]]}, "identity.duplicate_holder"),
        ({"holders": []}, None),
        ({"holders": RESIDENTS[:1] * (MAX_HOLDERS + 1)}, None),
        ({"credential_type": "residency"}, None),
        ({"holders": ["mb1notanaddress"]}, None),
    ):
        msg = {"type": "identity/enrol", "credential_type": RESIDENCY, "holders": RESIDENTS[:1], **bad}
        with pytest.raises(InvalidInput) as err:
            city.ledger.app.parse_msgs([msg])
        if code is not None:
            assert err.value.code == code


def test_only_the_enrolling_issuer_unenrols_its_own_enrolment(city: City) -> None:
    city.accredit(city.root, city.authority, [RESIDENCY])
    city.accredit(city.root, city.university, [RESIDENCY])
    city.ok([city.authority], [sdk.identity.enrol(RESIDENCY, RESIDENTS[:1])])
    city.fails("identity.not_enrolled", [city.university], [sdk.identity.unenrol(RESIDENCY, RESIDENTS[:1])])
    city.ok([city.university], [sdk.identity.enrol(RESIDENCY, RESIDENTS[:1])])
    city.ok([city.authority], [sdk.identity.unenrol(RESIDENCY, RESIDENTS[:1])])
    now = city.ledger.next_time_ms
    assert holds(city, RESIDENTS[0], [], now)  # still enrolled by the university
    assert not holds(city, RESIDENTS[0], [city.authority.address], now)
    assert KEEPER.enrolling_issuers(city.reader, RESIDENCY, RESIDENTS[0]) == [
        city.authority.address,
        city.university.address,
    ]
