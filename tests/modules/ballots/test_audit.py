"""The audit (``metrobloc ballots verify``'s offline part) accepts an election's record and rejects it with
one altered ballot, total, decryption share or count."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.modules.ballots.conftest import REGISTRY, Election, person
from tests.modules.conftest import CHAIN_ID

from metrobloc import sdk
from metrobloc.modules.ballots import queries
from metrobloc.modules.ballots.audit import audit
from metrobloc.modules.ballots.client import counts


@pytest.fixture
def decided(election: Election) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    for i in range(6):
        election.residents.holders[person(i).address] = REGISTRY.address
    election.create()
    election.keygen()
    election.open_casting()
    for i in range(6):
        assert election.cast(person(i), [[i % 2, 1 - i % 2, 0, 0]]).status == "ok"
    assert election.cast(person(0), [[0, 0, 1, 1]]).status == "ok"
    election.close()
    for i in (1, 2):
        assert election.share(i).status == "ok"
    flat = [n for row in counts(election.record()) for n in row]
    election.ledger.ok([election.ledger.bob], [sdk.ballots.result(election.election, flat)])
    ballots = queries.ballots(election.reader, election.election)["ballots"]
    return election.record(), ballots


def failed(record: dict[str, Any], ballots: list[dict[str, Any]]) -> list[str]:
    return [s.name for s in audit(record, ballots, CHAIN_ID) if not s.ok]


def test_the_record_verifies(decided: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    record, ballots = decided
    assert failed(record, ballots) == []
    assert record["counts"] == [[3, 2, 1, 1]]


def test_an_altered_ballot_is_found(decided: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    record, ballots = decided
    altered = copy.deepcopy(ballots)
    row = altered[1]["ballot"][0]["s"]
    row[0], row[1] = row[1], row[0]  # swap two options' ciphertexts and proofs
    assert "ballot proofs" in failed(record, altered)
    dropped = ballots[1:]
    assert failed(record, dropped) == ["total"]


def test_an_altered_share_or_count_is_found(decided: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    record, ballots = decided
    altered = copy.deepcopy(record)
    share = next(g for g in altered["guardian_records"] if g["decryption_share"] is not None)["decryption_share"]
    share["shares"][0], share["shares"][1] = share["shares"][1], share["shares"][0]
    assert failed(altered, ballots) == ["decryption shares", "counts"]
    altered = copy.deepcopy(record)
    altered["counts"] = [[2, 3, 1, 1]]
    assert failed(altered, ballots) == ["counts"]
