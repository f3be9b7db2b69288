"""State key layout of the orgs module (docs/spec/orgs.md §6).

Org ids, proposal ids, addresses, assets and roles never contain ``/``, so every ``<prefix>/<org>/`` is
an exact range.
"""

PREFIX = b"orgs/"


def _join(*parts: str) -> bytes:
    return PREFIX + "/".join(parts).encode()


def org_key(org: str) -> bytes:
    """``orgs/org/<org>`` -> JCS of the org (charter, voting rules, treasury, member count and total weight)."""
    return _join("org", org)


def org_prefix() -> bytes:
    return _join("org") + b"/"


def members_key(org: str) -> bytes:
    """``orgs/members/<org>`` -> JCS list of ``{address, weight}`` in address order (at most 256): one read
    gives a proposal its snapshot."""
    return _join("members", org)


def roles_key(org: str, address: str) -> bytes:
    """``orgs/roles/<org>/<address>`` -> JCS list of the member's roles in the org, sorted; absent: none."""
    return _join("roles", org, address)


def roles_prefix(org: str) -> bytes:
    return _join("roles", org) + b"/"


def budget_key(org: str, asset: str) -> bytes:
    """``orgs/budget/<org>/<asset>`` -> JCS of the budget (amount per period, and what was spent in which period)."""
    return _join("budget", org, asset)


def budget_prefix(org: str) -> bytes:
    return _join("budget", org) + b"/"


def proposal_key(org: str, proposal: str) -> bytes:
    """``orgs/proposal/<org>/<proposal>`` -> JCS of the proposal (actions, rules, tally, end, status)."""
    return _join("proposal", org, proposal)


def ballot_key(org: str, proposal: str, address: str) -> bytes:
    """``orgs/ballot/<org>/<proposal>/<address>`` -> JCS of a snapshot entry: weight and vote (null: none yet)."""
    return _join("ballot", org, proposal, address)


def ballot_prefix(org: str, proposal: str) -> bytes:
    return _join("ballot", org, proposal) + b"/"


def seq_key(org: str, seq: int) -> bytes:
    """``orgs/seq/<org>/<seq:012>`` -> the id of the org's proposal number ``seq`` (from 0): creation order."""
    return _join("seq", org, f"{seq:012d}")


def seq_prefix(org: str) -> bytes:
    return _join("seq", org) + b"/"
