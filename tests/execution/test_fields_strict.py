"""Field patterns match the whole value: a trailing newline is not a valid symbol, amount or hash."""

from __future__ import annotations

import pytest

from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput, MetroblocError
from metrobloc.execution.messages import decode
from metrobloc.ledger.bundles import _hex32
from metrobloc.modules.assets.msgs import Transfer
from metrobloc.sdk import Keystore


def test_an_amount_with_a_trailing_newline_is_refused() -> None:
    msg = {"type": "assets/transfer", "asset": "CITY", "to": PrivateKey(b"\x01" * 32).address, "amount": "12"}
    assert decode(Transfer, msg).amount == 12
    with pytest.raises(InvalidInput):
        decode(Transfer, {**msg, "amount": "12\n"})


def test_a_hash_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(MetroblocError):
        _hex32("ab" * 32 + "\n")


def test_a_key_name_with_a_trailing_newline_is_refused(tmp_path: object) -> None:
    with pytest.raises(MetroblocError):
        Keystore(str(tmp_path)).new("alice\n")
