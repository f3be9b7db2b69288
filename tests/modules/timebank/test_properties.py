"""Property test at executor level (must-hold 4 of issue 12): over random sequences of admissions and
services, within a bank and between banks, signed by both parties or by one,

- minutes are conserved: every bank's book holds bank balance + members' balances = net clearing
  position, and all balances (members' and banks') sum to 0;
- no member's balance is ever below its bank's floor;
- minutes move only when provider and receiver both signed;
- clearing positions are opposite pairs, so they net to zero across banks.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.conftest import Ledger
from tests.modules.timebank.conftest import Town, digest

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.modules.timebank import KEEPER, queries

BANKS = 3
PEOPLE = 5
FLOORS = (0, 50, 200)

admit = st.tuples(st.just("admit"), st.integers(0, BANKS - 1), st.integers(0, PEOPLE - 1))
service = st.tuples(
    st.just("service"),
    st.integers(0, PEOPLE - 1),
    st.integers(0, PEOPLE - 1),
    st.integers(1, 300),
    st.sampled_from(("both", "provider", "receiver")),
)
steps = st.lists(st.one_of(admit, service), min_size=1, max_size=14)


def make_town() -> tuple[Town, list[PrivateKey]]:
    ledger = Ledger()
    town = Town(ledger, PrivateKey(b"\x41" * 32), PrivateKey(b"\x42" * 32), PrivateKey(b"\x43" * 32), ())
    town.residents = tuple(PrivateKey(bytes([0x50 + i]) * 32) for i in range(PEOPLE))
    banks = [PrivateKey(bytes([0x60 + i]) * 32) for i in range(BANKS)]
    msgs = [sdk.timebank.register_bank(b.address, f"Bank {i}", 40 * i, FLOORS[i]) for i, b in enumerate(banks)]
    ledger.ok([ledger.admin, *banks], msgs)
    return town, banks


def balances(town: Town) -> dict[tuple[str, str], int]:
    out = {}
    for p in town.residents:
        for b in queries.member(town.reader, p.address)["banks"]:
            out[(b["bank"], p.address)] = b["balance"]
    return out


def check_invariants(town: Town, banks: list[PrivateKey]) -> None:
    total, nets = 0, 0
    members = balances(town)
    for b in banks:
        bank = queries.bank(town.reader, b.address)
        mine = sum(v for (bank_address, _), v in members.items() if bank_address == b.address)
        assert bank["book"]["members_balance"] == mine
        assert bank["balance"] + mine == bank["book"]["clearing_net"]
        total += bank["balance"] + mine
        nets += bank["book"]["clearing_net"]
        for other in banks:
            a = KEEPER.clearing(town.reader, b.address, other.address)
            assert a == -KEEPER.clearing(town.reader, other.address, b.address)
        for (bank_address, _), v in members.items():
            if bank_address == b.address:
                assert v >= -bank["floor_minutes"]
    assert total == 0 and nets == 0


def run_step(town: Town, banks: list[PrivateKey], step: tuple[Any, ...]) -> None:
    if step[0] == "admit":
        bank, who = banks[step[1]], town.residents[step[2]]
        msg = sdk.timebank.admit(bank.address, who.address, digest(who.address))
        town.ledger.run([bank], [msg])
        return
    _, p, r, minutes, signed = step
    provider, receiver = town.residents[p], town.residents[r]
    if provider == receiver:
        return
    pb, rb = KEEPER.banks_of(town.reader, provider.address), KEEPER.banks_of(town.reader, receiver.address)
    kw = {"provider_bank": pb[0] if pb else None, "receiver_bank": rb[0] if rb else None}
    keys = {"both": [provider, receiver], "provider": [provider], "receiver": [receiver]}[signed]
    before = dict(town.ledger.state)
    receipt = town.ledger.run(keys, [town.service(provider, receiver, minutes, **kw)])
    if signed != "both":
        assert receipt.status == "failed" and receipt.error is not None
        assert receipt.error["code"] == "timebank.needs_both_signatures"
    if receipt.status == "failed":
        assert town.ledger.state == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_minutes_are_conserved_floors_hold_and_only_cosigned_services_move_minutes(
    sequence: list[tuple[Any, ...]],
) -> None:
    town, banks = make_town()
    for step in sequence:
        run_step(town, banks, step)
        check_invariants(town, banks)
