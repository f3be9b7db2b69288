"""The Python client: keys, building and signing txs, submitting, waiting, querying, verifying.

from metrobloc.sdk import Client, Keystore, assets
ks = Keystore("~/.metrobloc/keys")
alice = ks.load("alice")
with Client("http://127.0.0.1:8700") as node:
    tx = node.build_tx([alice], [assets.transfer("CITY", bob_address, 25)])
    receipt = node.submit(tx, wait=True)
    bundle = node.proof(tx.hash)
    verify_proof(bundle, node.genesis())   # offline: same code as `metrobloc verify`
    node.verified(genesis).balance("CITY", bob_address)   # a current value, proven (state proofs)

Each module of the chain has a namespace of message builders generated from its schemas:
``sdk.accounts``, ``sdk.assets``, ``sdk.land``, ... (``metrobloc.modules.MODULES``).
"""

from typing import Any

from metrobloc.crypto import PrivateKey, PublicKey
from metrobloc.ledger import (
    Genesis,
    Tx,
    VerifiedState,
    add_signature,
    parse_tx,
    verify_bundle,
    verify_log_consistency,
    verify_reads,
    verify_state_bundle,
)
from metrobloc.modules import MODULES
from metrobloc.sdk.builders import Namespace, namespaces
from metrobloc.sdk.client import ApiError, Client, missing_signers, unsigned_tx
from metrobloc.sdk.keystore import Keystore
from metrobloc.sdk.verified import VerifiedReads

verify_proof = verify_bundle
"""Check a proof bundle against a trusted genesis alone, following the consortium's set changes
(``metrobloc.ledger.verify_bundle``)."""

NAMESPACES = namespaces(MODULES)
"""The builders of every module, by module name."""


def __getattr__(name: str) -> Any:
    """``metrobloc.sdk.<module>``: that module's message builders."""
    try:
        return NAMESPACES[name]
    except KeyError:
        raise AttributeError(f"module 'metrobloc.sdk' has no attribute {name!r}") from None


__all__ = [
    "NAMESPACES",
    "ApiError",
    "Client",
    "Genesis",
    "Keystore",
    "Namespace",
    "PrivateKey",
    "PublicKey",
    "Tx",
    "VerifiedReads",
    "VerifiedState",
    "add_signature",
    "missing_signers",
    "namespaces",
    "parse_tx",
    "unsigned_tx",
    "verify_log_consistency",
    "verify_proof",
    "verify_reads",
    "verify_state_bundle",
    *NAMESPACES,
]
