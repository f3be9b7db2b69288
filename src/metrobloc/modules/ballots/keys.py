"""State key layout of the ballots module (docs/spec/ballots.md, "Module").

Election ids and addresses never contain ``/``, so every ``<prefix>/<election>/`` is an exact range.
"""

PREFIX = b"ballots/"


def _join(*parts: str) -> bytes:
    return PREFIX + "/".join(parts).encode()


def election_key(election: str) -> bytes:
    """``ballots/election/<election>`` -> JCS of the election: its definition, phase, joint key, counts."""
    return _join("election", election)


def election_prefix() -> bytes:
    return _join("election") + b"/"


def guardian_key(election: str, guardian: str) -> bytes:
    """``ballots/guardian/<election>/<address>`` -> JCS of a guardian's key generation: its commitments
    and proofs, its encryption key, the shares it dealt, who acknowledged them, its decryption share."""
    return _join("guardian", election, guardian)


def guardian_prefix(election: str) -> bytes:
    return _join("guardian", election) + b"/"


def total_key(election: str) -> bytes:
    """``ballots/total/<election>`` -> JCS of the running encrypted total (frozen at close)."""
    return _join("total", election)


def ballot_key(election: str, voter: str) -> bytes:
    """``ballots/ballot/<election>/<address>`` -> JCS of the voter's current ballot with its proofs and the
    tx that cast it (a new ballot replaces it)."""
    return _join("ballot", election, voter)


def ballot_prefix(election: str) -> bytes:
    return _join("ballot", election) + b"/"
