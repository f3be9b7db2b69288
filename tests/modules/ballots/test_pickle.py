"""A cast crosses from a node's check worker back to the node pickled: it must arrive equal, without its
proofs being verified a second time in the node (they were, in the worker); every other way in checks."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from tests.modules.ballots.conftest import Election, Residents, person

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import decode
from metrobloc.modules.ballots import group, msgs


def test_a_pickled_cast_is_rebuilt_equal_without_checking_its_proofs_again(
    election: Election, residents: Residents, monkeypatch: pytest.MonkeyPatch
) -> None:
    election.create()
    election.keygen()
    voter = person(1)
    cast = decode(msgs.Cast, election.cast_msg(voter, [[1, 0, 1, 0]]))
    checks: list[str] = []
    real = group.check_ballot

    def counting(*args: Any) -> None:
        checks.append("checked")
        real(*args)

    monkeypatch.setattr(group, "check_ballot", counting)

    assert pickle.loads(pickle.dumps(cast)) == cast
    assert checks == []

    tampered = election.cast_msg(voter, [[1, 0, 1, 0]])
    tampered["ballot"][0]["s"][0], tampered["ballot"][0]["s"][1] = (
        tampered["ballot"][0]["s"][1],
        tampered["ballot"][0]["s"][0],
    )
    with pytest.raises(InvalidInput):
        decode(msgs.Cast, tampered)  # from JSON, the proofs are checked
    assert checks == ["checked"]
