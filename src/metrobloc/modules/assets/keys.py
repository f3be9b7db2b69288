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


def holders_key(asset: str) -> bytes:
    """``assets/holders/<SYMBOL>`` -> JCS of the sorted addresses holding a fixed-supply asset.

    Kept only for assets issued with ``AssetsKeeper.issue_fixed`` (e.g. a parcel's revenue rights),
    so that another module can pay all holders without scanning state.
    """
    return PREFIX + b"holders/" + asset.encode()
