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


def policy_key(asset: str) -> bytes:
    """``assets/policy/<SYMBOL>`` -> JCS of the asset's policy, its version and lots epoch (absent: no policy)."""
    return PREFIX + b"policy/" + asset.encode()


def lots_key(asset: str, address: str) -> bytes:
    """``assets/lots/<SYMBOL>/<address>`` -> JCS ``{epoch, at_ms, lots: [[expires_ms|null, "amount"]...]}``."""
    return PREFIX + b"lots/" + asset.encode() + b"/" + address.encode()


def sink_key(asset: str) -> bytes:
    """``assets/sink/<SYMBOL>`` -> ASCII digits: units expired or lost to demurrage (still in supply)."""
    return PREFIX + b"sink/" + asset.encode()


def merchant_key(asset: str, address: str) -> bytes:
    """``assets/merchant/<SYMBOL>/<address>`` -> ``1``: on the asset's merchant allow-list."""
    return PREFIX + b"merchant/" + asset.encode() + b"/" + address.encode()


def merchant_prefix(asset: str) -> bytes:
    return PREFIX + b"merchant/" + asset.encode() + b"/"


def spent_key(asset: str, address: str) -> bytes:
    """``assets/spent/<SYMBOL>/<address>`` -> JCS ``{period, spent}``: what it sent in its current spend period."""
    return PREFIX + b"spent/" + asset.encode() + b"/" + address.encode()


def rewarded_key(asset: str, action: str, ref: str) -> bytes:
    """``assets/rewarded/<SYMBOL>/<action>/<ref>`` -> JCS of the reward paid for that recorded action."""
    return PREFIX + b"rewarded/" + asset.encode() + b"/" + action.encode() + b"/" + ref.encode()
