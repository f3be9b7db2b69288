"""State key layout of the accounts module."""

PREFIX = b"accounts/"


def account_key(address: str) -> bytes:
    """``accounts/acct/<address>`` -> JCS {"public_key", "roles"}."""
    return PREFIX + b"acct/" + address.encode()
