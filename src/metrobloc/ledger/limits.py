"""Protocol limits: every size a transaction may have, in one place (documented in docs/spec)."""

MAX_TX_BYTES = 32 * 1024
"""Largest canonical encoding of one transaction."""
MAX_MSGS_PER_TX = 64
"""Most messages in one transaction."""
MAX_SIGNERS = 8
"""Most signers (sender and co-signers) of one transaction."""
MAX_MEMO_CHARS = 256
"""Longest memo."""
MAX_STRING_CHARS = 1024
"""Longest string field of a message unless its schema says less."""
MAX_CHAIN_ID_CHARS = 64
NONCE_BYTES = 16
"""A nonce is 16 random bytes: two txs of identical intent still get different hashes."""
MAX_VALIDITY_BLOCKS = 100_000
"""``valid_until`` may lie at most this many blocks past the current height.

It bounds how long the node must remember a tx hash for replay protection.
"""
MAX_AMOUNT = 2**128 - 1
"""Largest amount: amounts are integers 0 .. 2^128 - 1, sent as decimal strings."""
