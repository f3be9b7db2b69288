"""Verified reads: answers checked offline against the verifier's own genesis before they are returned.

Every value comes with a state proof under a header attested by a quorum of the node keys in force
at its height, a set the verifier follows from its genesis through the consortium's proven set
changes (the answer's ``consortium`` member; docs/spec/state-proofs.md, log-and-proofs.md §5.2).
Nothing the node says is taken on trust: the typed helpers read the proven state records
themselves rather than the query's answer.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson

from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Genesis, VerifiedState, verify_reads, verify_state_bundle
from metrobloc.modules.accounts.keys import account_key
from metrobloc.modules.assets.keys import balance_key
from metrobloc.modules.land.keys import parcel_key


class Answers(Protocol):
    """Where the answers come from: a node's ``Client`` (nothing it says is believed unproven)."""

    def state_proof(self, key: str) -> dict[str, Any]: ...

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any: ...


class VerifiedReads:
    """``client.verified(genesis)``: reads that raise ``VerificationFailed`` unless proven."""

    def __init__(self, client: Answers, genesis: Genesis) -> None:
        self._client = client
        self.genesis = genesis

    def state(self, key: str) -> str | None:
        """The current value of state key ``key``, or None when it holds nothing (proven absent)."""
        values = verify_state_bundle(self._client.state_proof(key), self.genesis).values
        if key not in values:
            raise VerificationFailed(f"asked to prove {key!r}, the node proved {sorted(values)}", "verify.wrong_key")
        return values[key]

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], VerifiedState]:
        """A module query asked with ``prove=true``: its answer, and the records it read, verified."""
        answer: dict[str, Any] = self._client.get(path, {**(params or {}), "prove": "true"})
        proofs = answer.pop("proofs", None) if isinstance(answer, dict) else None  # None fails as verify.bad_bundle
        return answer, verify_reads(proofs, self.genesis)

    def balance(self, asset: str, address: str) -> int:
        """``address``'s balance of ``asset`` in base units; 0 is proven by the balance key's absence."""
        value = self.state(balance_key(asset, address).decode())
        return 0 if value is None else int(value)

    def account(self, address: str) -> dict[str, Any]:
        """An account's record (``public_key``, ``roles``); an account never written has none of either."""
        value = self.state(account_key(address).decode())
        return {"public_key": None, "roles": []} if value is None else dict(orjson.loads(value))

    def parcel(self, parcel: str) -> dict[str, Any] | None:
        """A land parcel's record (owners, ``liens``: the ids of its active liens), or None if unregistered."""
        value = self.state(parcel_key(parcel).decode())
        return None if value is None else dict(orjson.loads(value))
