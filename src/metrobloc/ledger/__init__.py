"""Ledger records: transactions, blocks, receipts, genesis, and offline proof checks."""

from metrobloc.ledger.blocks import Attestation, Header, Height, attest, tx_root
from metrobloc.ledger.bundles import (
    VerifiedReceipt,
    VerifiedState,
    check_attestations,
    verify_bundle,
    verify_log_consistency,
    verify_reads,
    verify_state_bundle,
)
from metrobloc.ledger.genesis import Genesis, Organization, quorum
from metrobloc.ledger.receipts import Event, Receipt
from metrobloc.ledger.rotation import rotation_statement
from metrobloc.ledger.txs import (
    Address,
    Signature,
    Tx,
    TxHash,
    add_signature,
    build_body,
    parse_tx,
    sign_body,
)

__all__ = [
    "Address",
    "Attestation",
    "Event",
    "Genesis",
    "Header",
    "Height",
    "Organization",
    "Receipt",
    "Signature",
    "Tx",
    "TxHash",
    "VerifiedReceipt",
    "VerifiedState",
    "add_signature",
    "attest",
    "build_body",
    "check_attestations",
    "parse_tx",
    "quorum",
    "rotation_statement",
    "sign_body",
    "tx_root",
    "verify_bundle",
    "verify_log_consistency",
    "verify_reads",
    "verify_state_bundle",
]
