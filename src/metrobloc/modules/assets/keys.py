"""State key layout of the assets module."""

PREFIX = b"assets/"


def asset_key(asset: str) -> bytes:
    """``assets/asset/<SYMBOL>`` -> JCS of the asset record."""
    return PREFIX + b"asset/" + asset.encode()


def balance_key(asset: str, address: str) -> bytes:
    """``assets/bal/<SYMBOL>/<address>`` -> the balance as ASCII decimal digits."""
    return PREFIX + b"bal/" + asset.encode() + b"/" + address.encode()


def balance_prefix(asset: str) -> bytes:
    return PREFIX + b"bal/" + asset.encode() + b"/"
