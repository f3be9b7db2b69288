"""Ledger records: transactions, blocks, receipts, genesis, and offline proof checks."""

from metrobloc.ledger.blocks import Attestation, Header, Height, attest, tx_root
from metrobloc.ledger.bundles import (
    VerifiedReceipt,
    VerifiedState,
    check_attestations,
    verify_bundle,
    verify_log_consistency,
    verify_reads,
    verify_set_changes,
    verify_state_bundle,
)
from metrobloc.ledger.consortium import (
    CHANGE_EVENTS,
    CONSORTIUM_COUNT_KEY,
    KeyHistory,
    KeySet,
    Member,
    SetChange,
    genesis_members,
    key_statement,
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
    "CHANGE_EVENTS",
    "CONSORTIUM_COUNT_KEY",
    "Address",
    "Attestation",
    "Event",
    "Genesis",
    "Header",
    "Height",
    "KeyHistory",
    "KeySet",
    "Member",
    "Organization",
    "Receipt",
    "SetChange",
    "Signature",
    "Tx",
    "TxHash",
    "VerifiedReceipt",
    "VerifiedState",
    "add_signature",
    "attest",
    "build_body",
    "check_attestations",
    "genesis_members",
    "key_statement",
    "parse_tx",
    "quorum",
    "rotation_statement",
    "sign_body",
    "tx_root",
    "verify_bundle",
    "verify_log_consistency",
    "verify_reads",
    "verify_set_changes",
    "verify_state_bundle",
]
