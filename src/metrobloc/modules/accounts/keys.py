"""State key layout of the accounts module."""

PREFIX = b"accounts/"


def account_key(address: str) -> bytes:
    """``accounts/acct/<address>`` -> JCS {"public_key", "roles"}."""
    return PREFIX + b"acct/" + address.encode()


def key_history_key(address: str) -> bytes:
    """``accounts/keys/<address>`` -> JCS list of key entries (kept once the account has a DID)."""
    return PREFIX + b"keys/" + address.encode()
