"""State key layout of the land module: records, per-parcel history, and the indexes queries scan.

Ids never contain ``/`` (see the patterns in ``msgs.py``), so every ``<prefix>/<id>/`` is an exact
range. Numbers in keys are zero-padded so that key order is numeric order.
"""

PREFIX = b"land/"
MARK = b"1"
"""The value of an index key: the key itself is the information."""


def _join(*parts: str) -> bytes:
    return PREFIX + "/".join(parts).encode()


def parcel_key(parcel: str) -> bytes:
    """``land/parcel/<parcel>`` -> JCS of the parcel record."""
    return _join("parcel", parcel)


def lien_key(parcel: str, lien_id: int) -> bytes:
    """``land/lien/<parcel>/<lien_id:010>`` -> JCS of the lien record (kept after release)."""
    return _join("lien", parcel, f"{lien_id:010d}")


def history_key(parcel: str, seq: int) -> bytes:
    """``land/hist/<parcel>/<seq:012>`` -> JCS of one history entry; seq counts from 1."""
    return _join("hist", parcel, f"{seq:012d}")


def history_prefix(parcel: str) -> bytes:
    return _join("hist", parcel) + b"/"


def history_length_key(parcel: str) -> bytes:
    """``land/hlen/<parcel>`` -> entries in the parcel id's history, ASCII decimal."""
    return _join("hlen", parcel)


def policy_key(claim: str) -> bytes:
    """``land/policy/<claim>`` -> JCS of the claim's oracle policy."""
    return _join("policy", claim)


def claim_key(claim: str, subject: str) -> bytes:
    """``land/claim/<claim>/<subject>`` -> JCS of the attestations and settlement of one claim."""
    return _join("claim", claim, subject)


def rights_key(asset: str) -> bytes:
    """``land/rights/<asset>`` -> the parcel id whose revenue rights ``asset`` is (ASCII)."""
    return _join("rights", asset)


# -- indexes (value MARK) ---------------------------------------------------------------------------


def owner_index(address: str, parcel: str) -> bytes:
    """``land/idx/owner/<address>/<parcel>``: an active parcel ``address`` owns a share of."""
    return _join("idx", "owner", address, parcel)


def owner_prefix(address: str) -> bytes:
    return _join("idx", "owner", address) + b"/"


def district_index(district: str, parcel: str) -> bytes:
    """``land/idx/district/<district>/<parcel>``: an active parcel of the district."""
    return _join("idx", "district", district, parcel)


def district_prefix(district: str) -> bytes:
    return _join("idx", "district", district) + b"/"


def lender_index(lender: str, parcel: str, lien_id: int) -> bytes:
    """``land/idx/lender/<lender>/<parcel>/<lien_id:010>``: an active lien held by ``lender``."""
    return _join("idx", "lender", lender, parcel, f"{lien_id:010d}")


def lender_prefix(lender: str) -> bytes:
    return _join("idx", "lender", lender) + b"/"


def claim_index(status: str, claim: str, subject: str) -> bytes:
    """``land/idx/<pending|settled>/<claim>/<subject>``: claims by settlement status."""
    return _join("idx", status, claim, subject)


def claim_status_prefix(status: str, claim: str | None) -> bytes:
    return _join("idx", status) + b"/" + (b"" if claim is None else claim.encode() + b"/")


def subject_index(subject: str, claim: str) -> bytes:
    """``land/idx/subject/<subject>/<claim>``: a settled claim about ``subject`` (shown on a parcel)."""
    return _join("idx", "subject", subject, claim)


def subject_prefix(subject: str) -> bytes:
    return _join("idx", "subject", subject) + b"/"
