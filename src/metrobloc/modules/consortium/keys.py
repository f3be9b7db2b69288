"""State key layout of the consortium module (docs/spec/consortium.md §2).

Nothing is written at genesis: the first members are derived from ``genesis.organizations``, and the
records below appear with the first change (``materialise``). Org ids and addresses contain no ``/``;
node keys are unpadded base64url, whose alphabet has none either.
"""

from metrobloc.codec import b64url_encode
from metrobloc.ledger.consortium import CONSORTIUM_COUNT_KEY

PREFIX = b"consortium/"
COUNT = CONSORTIUM_COUNT_KEY.encode()
"""``consortium/count`` -> ASCII decimal: set changes so far; absent = 0. Light clients prove it."""
ORGS = PREFIX + b"orgs"
"""``consortium/orgs`` -> JCS list of every org id ever a member, in the order they joined."""


def change_key(seq: int) -> bytes:
    """``consortium/change/{seq:010d}`` -> the change record (every value a string), append-only, from 1."""
    return PREFIX + f"change/{seq:010d}".encode()


def member_key(org: str) -> bytes:
    """``consortium/member/{org}`` -> ``{org, name, voter, node_key, since, until}``; kept after removal."""
    return PREFIX + f"member/{org}".encode()


def key_key(node_key: bytes) -> bytes:
    """``consortium/key/{node_key base64url}`` -> ``{org, since, until}``: every node key ever in force."""
    return PREFIX + b"key/" + b64url_encode(node_key).encode()


def voter_key(address: str) -> bytes:
    """``consortium/voter/{address}`` -> JSON string, the org it votes for: current voters only."""
    return PREFIX + f"voter/{address}".encode()
