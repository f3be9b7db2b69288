"""Read-only queries of the land module over committed state; lists are range scans of the indexes.

Lists are paged: at most ``limit`` items (1..100) after the cursor ``after``; ``next`` is the cursor
of the following page, or null on the last one.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from metrobloc.codec import decode_address
from metrobloc.execution.state_access import Scanner
from metrobloc.modules.land import errors, keys
from metrobloc.modules.land.keeper import LandKeeper
from metrobloc.modules.land.msgs import CLAIM, DISTRICT, PARCEL, SUBJECT
from metrobloc.modules.land.records import PENDING, SETTLED, Claim, HistoryEntry, Lien

MAX_PAGE = 100
CURSOR = re.compile(r"^[A-Za-z0-9:._/-]{1,256}$")


def _check(value: str, pattern: re.Pattern[str], name: str) -> str:
    if not pattern.fullmatch(value):
        raise errors.BAD_QUERY.error(f"{name} must match {pattern.pattern}")
    return value


def parcel_id(value: str) -> str:
    """A parcel id; ``land.bad_parcel`` otherwise, the code a message with that id gets."""
    if not PARCEL.fullmatch(value):
        raise errors.BAD_PARCEL.error(f"parcel must be a string matching {PARCEL.pattern}")
    return value


def _page(limit: int, after: str | None) -> tuple[int, str | None]:
    if not 1 <= limit <= MAX_PAGE:
        raise errors.BAD_QUERY.error(f"limit must be in 1..{MAX_PAGE}")
    if after is not None:
        _check(after, CURSOR, "after")
    return limit, after


def _scan(state: Scanner, prefix: bytes, limit: int, after: str | None) -> tuple[list[str], str | None]:
    """Suffixes of the index keys under ``prefix``, one page of them, and the next cursor."""
    start = None if after is None else prefix + after.encode()
    rows = state.scan(prefix, limit, start)
    suffixes = [key[len(prefix) :].decode() for key, _ in rows]
    return suffixes, (suffixes[-1] if len(suffixes) == limit else None)


def proof_link(tx_hash: str) -> str | None:
    """Where a history entry's proof bundle is served (none for records imported at genesis)."""
    return f"/v1/txs/{tx_hash}/proof" if tx_hash else None


def _lien_json(lien: Lien, rank: int | None) -> dict[str, Any]:
    return {**lien.to_json(), "rank": rank}


def parcel(state: Scanner, parcel: str) -> dict[str, Any]:
    """``GET /v1/land/parcels/{parcel}``: title, active liens in rank order, settled claims."""
    record = LandKeeper().parcel(state, parcel_id(parcel))
    liens = [_lien_json(lien, i + 1) for i, lien in enumerate(LandKeeper().active_liens(state, record))]
    claims, _ = _scan(state, keys.subject_prefix(parcel), MAX_PAGE, None)
    settled = []
    for name in claims:
        claim = LandKeeper().claim(state, name, parcel)
        assert claim.settled is not None
        settled.append({"claim": name, **claim.settled.to_json()})
    return {
        **record.to_json(),
        "liens": liens,
        "claims": settled,
        "history": f"/v1/land/parcels/{parcel}/history",
    }


def history(state: Scanner, parcel: str, *, after: int = 0, limit: int = MAX_PAGE) -> dict[str, Any]:
    """``GET /v1/land/parcels/{parcel}/history``: every event, oldest first, with its proof link."""
    parcel_id(parcel)
    _page(limit, None)
    if after < 0:
        raise errors.BAD_QUERY.error("after must be a history seq >= 0")
    prefix = keys.history_prefix(parcel)
    rows = state.scan(prefix, limit, keys.history_key(parcel, after) if after else None)
    if not rows and state.get(keys.history_length_key(parcel)) is None:
        raise errors.UNKNOWN_PARCEL.error(f"no parcel {parcel}")
    events = []
    for _, raw in rows:
        entry = HistoryEntry.from_json(orjson.loads(raw))
        events.append({**entry.to_json(), "proof": proof_link(entry.tx_hash)})
    return {"parcel": parcel, "events": events, "next": events[-1]["seq"] if len(events) == limit else None}


def _parcels(state: Scanner, prefix: bytes, limit: int, after: str | None) -> dict[str, Any]:
    ids, cursor = _scan(state, prefix, *_page(limit, after))
    keeper = LandKeeper()
    return {"parcels": [keeper.parcel(state, p).to_json() for p in ids], "next": cursor}


def parcels_by_owner(state: Scanner, owner: str, *, after: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """``GET /v1/land/parcels?owner=``: active parcels the address owns a share of, by parcel id."""
    decode_address(owner)
    return {"owner": owner, **_parcels(state, keys.owner_prefix(owner), limit, after)}


def parcels_by_district(
    state: Scanner, district: str, *, after: str | None = None, limit: int = MAX_PAGE
) -> dict[str, Any]:
    """``GET /v1/land/parcels?district=``: active parcels of a district, by parcel id."""
    _check(district, DISTRICT, "district")
    return {"district": district, **_parcels(state, keys.district_prefix(district), limit, after)}


def liens_by_lender(state: Scanner, lender: str, *, after: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """``GET /v1/land/liens?lender=``: a lender's active liens, each with its rank and every lien
    ranked before it on the same parcel (whoever holds them)."""
    decode_address(lender)
    refs, cursor = _scan(state, keys.lender_prefix(lender), *_page(limit, after))
    keeper = LandKeeper()
    out = []
    for ref in refs:
        on_parcel, lien_id = ref.split("/")
        ranked = keeper.active_liens(state, keeper.parcel(state, on_parcel))
        rank = next(i for i, lien in enumerate(ranked) if lien.lien_id == int(lien_id))
        prior = [_lien_json(lien, i + 1) for i, lien in enumerate(ranked[:rank])]
        out.append({**_lien_json(ranked[rank], rank + 1), "prior_liens": prior})
    return {"lender": lender, "liens": out, "next": cursor}


def _claim_json(claim: Claim, threshold: int) -> dict[str, Any]:
    tally: dict[str, int] = {}
    for a in claim.attestations:
        tally[a.value_digest] = tally.get(a.value_digest, 0) + 1
    return {
        **claim.to_json(),
        "status": claim.status,
        "threshold": threshold,
        "values": [{"value_digest": v, "attestations": tally[v]} for v in claim.values()],
        "disagreement": len(tally) > 1,
    }


def claim(state: Scanner, claim_name: str, subject: str) -> dict[str, Any]:
    """``GET /v1/land/attestations?claim=&subject=``: every attestation, the tally and the settlement.

    A claim name without a policy is unknown (404 ``land.unknown_policy``: nothing can have been
    attested under it); a subject nobody attested yet under a policy is pending with no attestations.
    """
    _check(claim_name, CLAIM, "claim")
    _check(subject, SUBJECT, "subject")
    threshold = LandKeeper().policy(state, claim_name).threshold
    return _claim_json(LandKeeper().claim(state, claim_name, subject), threshold)


def claims(
    state: Scanner, status: str, claim_name: str | None = None, *, after: str | None = None, limit: int = MAX_PAGE
) -> dict[str, Any]:
    """``GET /v1/land/attestations/{pending|settled}[?claim=]``: claims by status, by claim then subject."""
    assert status in (PENDING, SETTLED)
    if claim_name is not None:
        _check(claim_name, CLAIM, "claim")
    refs, cursor = _scan(state, keys.claim_status_prefix(status, claim_name), *_page(limit, after))
    keeper = LandKeeper()
    out = []
    for ref in refs:
        name, subject = (claim_name, ref) if claim_name is not None else ref.split("/")
        out.append(_claim_json(keeper.claim(state, name, subject), keeper.policy(state, name).threshold))
    return {"status": status, "claim": claim_name, "claims": out, "next": cursor}


def policy(state: Scanner, claim_name: str) -> dict[str, Any]:
    """``GET /v1/land/policies/{claim}``: the claim's oracles and threshold."""
    return LandKeeper().policy(state, _check(claim_name, CLAIM, "claim")).to_json()
