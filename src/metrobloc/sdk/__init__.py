"""The Python client: keys, building and signing txs, submitting, waiting, querying, verifying.

from metrobloc.sdk import Client, Keystore
ks = Keystore("~/.metrobloc/keys")
alice = ks.load("alice")
with Client("http://127.0.0.1:8700") as node:
    tx = node.build_tx([alice], [transfer("CITY", bob_address, 25)])
    receipt = node.submit(tx, wait=True)
    bundle = node.proof(tx.hash)
    verify_proof(bundle, node.genesis())   # offline: same code as `metrobloc verify`
"""

from metrobloc.crypto import PrivateKey, PublicKey
from metrobloc.ledger import Genesis, Tx, add_signature, parse_tx, verify_bundle, verify_log_consistency
from metrobloc.sdk.client import ApiError, Client, missing_signers, unsigned_tx
from metrobloc.sdk.keystore import Keystore
from metrobloc.sdk.msgs import (
    attest,
    burn,
    create_asset,
    create_lien,
    distribute_revenue,
    document_digest,
    grant_role,
    issue_revenue_rights,
    merge_parcels,
    mint,
    register_parcel,
    registration_digest,
    release_lien,
    revoke_role,
    rotate_key,
    set_oracle_policy,
    split_parcel,
    transfer,
    transfer_parcel,
)

verify_proof = verify_bundle
"""Check a proof bundle against a trusted genesis (``metrobloc.ledger.verify_bundle``)."""

__all__ = [
    "ApiError",
    "Client",
    "Genesis",
    "Keystore",
    "PrivateKey",
    "PublicKey",
    "Tx",
    "add_signature",
    "attest",
    "burn",
    "create_asset",
    "create_lien",
    "distribute_revenue",
    "document_digest",
    "grant_role",
    "issue_revenue_rights",
    "merge_parcels",
    "mint",
    "missing_signers",
    "parse_tx",
    "register_parcel",
    "registration_digest",
    "release_lien",
    "revoke_role",
    "rotate_key",
    "set_oracle_policy",
    "split_parcel",
    "transfer",
    "transfer_parcel",
    "unsigned_tx",
    "verify_log_consistency",
    "verify_proof",
]
