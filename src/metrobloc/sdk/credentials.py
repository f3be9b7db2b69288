"""Credentials from the SDK: issue (VC-DI or SD-JWT VC), publish status lists, present, and verify
online or offline against a genesis (docs/spec/credentials.md §6-§7).

Verification runs ``metrobloc.credentials.verify`` over ``ProvenFacts``: every chain answer is a
module query asked with ``prove=true`` whose ``proofs`` verify against the caller's genesis, and the
facts are recomputed here from the proven state records by the module's own query code, so nothing
a node says is taken on trust. Online, the answers are fetched and recorded; the record is an
**evidence bundle** that verifies offline later, with no network, by exactly the same code.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx
import pydid

from metrobloc.codec import b64url_decode, b64url_encode
from metrobloc.credentials import published, sdjwt, vc
from metrobloc.credentials.verify import Resolved, Verified, verify_credential, verify_presentation
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput, MetroblocError, VerificationFailed
from metrobloc.ledger import Genesis, verify_reads
from metrobloc.modules import MODULES
from metrobloc.modules.accounts.keeper import AccountsKeeper
from metrobloc.modules.identity import queries
from metrobloc.modules.identity.keeper import IdentityKeeper
from metrobloc.sdk.builders import namespaces
from metrobloc.sdk.client import ApiError, Client

EVIDENCE_TYPE = "metrobloc/credential-evidence/v1"
"""The ``type`` of an evidence bundle."""
ACCOUNTS = AccountsKeeper()
IDENTITY = IdentityKeeper()
JSONObject = dict[str, Any]
IDENTITY_BUILDERS = namespaces(MODULES)["identity"]


class ProvenState:
    """The state records a set of proofs established: reading any other key is refused."""

    def __init__(self, values: Mapping[str, str | None]) -> None:
        self._values = dict(values)

    def get(self, key: bytes) -> bytes | None:
        text = key.decode()
        if text not in self._values:
            raise VerificationFailed(f"the proofs do not cover {text[:120]!r}", "credential.evidence_incomplete")
        value = self._values[text]
        return None if value is None else value.encode()

    def scan(self, prefix: bytes, limit: int = 1000, after: bytes | None = None) -> list[tuple[bytes, bytes]]:
        """The proven keys under ``prefix`` (a node proves the keys its scan found)."""
        start = prefix.decode()
        keys = sorted(k for k, v in self._values.items() if k.startswith(start) and v is not None)
        rows = [(k.encode(), str(self._values[k]).encode()) for k in keys]
        return [row for row in rows if after is None or row[0] > after][:limit]


class ProvenFacts:
    """``credentials.verify.Facts`` from proven answers: the evidence's, then (online) a node's."""

    def __init__(self, genesis: Genesis, evidence: Mapping[str, Any] | None = None, client: Client | None = None):
        self.genesis, self.client = genesis, client
        self.answers: dict[str, Any] = dict((evidence or {}).get("answers", {}))
        self.lists: dict[str, str] = dict((evidence or {}).get("status_lists", {}))
        self.heights: set[int] = set()
        """Heights of the attested headers the facts were proven under."""

    def _proven(self, path: str, params: Mapping[str, Any]) -> ProvenState:
        ref = path + ("?" + urlencode(sorted(params.items())) if params else "")
        answer = self.answers.get(ref)
        if answer is None:
            if self.client is None:
                raise VerificationFailed(f"the evidence holds no answer to {ref}", "credential.evidence_missing")
            answer = self.client.get(path, {**params, "prove": "true"})
            self.answers[ref] = answer
        proven = verify_reads(answer.get("proofs") if isinstance(answer, dict) else None, self.genesis)
        self.heights.add(proven.header.height)
        return ProvenState(proven.values)

    def resolve(self, did: str, version_time: str) -> Resolved:
        try:
            state = self._proven(f"/1.0/identifiers/{did}", {"versionTime": version_time})
            result = queries.resolve(state, ACCOUNTS, did, None, version_time)
        except ApiError as exc:
            code = "credential.issuer_deactivated" if exc.status == 410 else "credential.unknown_issuer"
            raise VerificationFailed(f"cannot resolve {did} at {version_time}: {exc.message}", code) from exc
        except VerificationFailed:
            raise
        except MetroblocError as exc:
            raise VerificationFailed(f"{did} at {version_time}: {exc.message}", "credential.unknown_issuer") from exc
        current = IDENTITY.did(state, vc.did_address(did))
        return Resolved(did_document(result["didDocument"]), current is not None and current.deactivated)

    def accredited(self, address: str, credential_type: str, at_ms: int) -> bool:
        path, params = f"/v1/identity/issuers/{address}", {"type": credential_type, "at_ms": at_ms}
        state = self._checked(path, params, "credential.not_accredited")
        return bool(queries.accreditations(state, address, credential_type, at_ms)["accredited"])

    def schema(self, schema_id: str) -> JSONObject:
        state = self._checked(f"/v1/identity/schemas/{schema_id}", {}, "credential.unknown_schema")
        try:
            return queries.schema(state, schema_id)
        except VerificationFailed:
            raise
        except MetroblocError as exc:
            raise VerificationFailed(exc.message, "credential.unknown_schema") from exc

    def status_anchor(self, issuer: str, list_id: str) -> JSONObject | None:
        try:
            state = self._proven(f"/v1/identity/status/{issuer}/{list_id}", {})
            return dict(queries.status_anchor(state, issuer, list_id)["anchor"])
        except ApiError as exc:
            if exc.status == 404:
                return None  # unproven, so only ever a refusal: the verification fails closed
            raise VerificationFailed(exc.message, "credential.status_unavailable") from exc
        except VerificationFailed:
            raise
        except MetroblocError:
            return None

    def status_list(self, url: str, version: int) -> bytes:
        ref = f"{url}/{version}"
        if ref not in self.lists:
            if self.client is None:
                raise VerificationFailed(f"the evidence holds no status list {ref}", "credential.status_unavailable")
            self.lists[ref] = b64url_encode(_download(ref))
        try:
            return b64url_decode(self.lists[ref], what="status list")
        except InvalidInput as exc:
            raise VerificationFailed(exc.message, "credential.status_unavailable") from exc

    def _checked(self, path: str, params: Mapping[str, Any], code: str) -> ProvenState:
        try:
            return self._proven(path, params)
        except ApiError as exc:
            raise VerificationFailed(f"{path}: {exc.message}", code) from exc


def _download(url: str) -> bytes:
    """A published status list, from the issuing agency's node named in the credential."""
    try:
        response = httpx.get(url, timeout=30.0)
    except httpx.HTTPError as exc:
        raise VerificationFailed(f"cannot fetch {url}: {exc}", "credential.status_unavailable") from exc
    if response.status_code != 200 or len(response.content) > published.MAX_PUBLISHED_BYTES:
        raise VerificationFailed(f"{url} answered HTTP {response.status_code}", "credential.status_unavailable")
    return response.content


# -- verifying ---------------------------------------------------------------------------------------


def now_ms() -> int:
    """The verifier's clock, in Unix ms."""
    return int(time.time() * 1000)


def evidence_bundle(item: JSONObject | str, facts: ProvenFacts, *, aud: str = "", nonce: str = "") -> JSONObject:
    """An evidence bundle: the credential (or presentation with its audience and nonce) and what was proven."""
    bundle: JSONObject = {"type": EVIDENCE_TYPE}
    if isinstance(item, str):
        bundle.update({"presentation": item, "aud": aud, "nonce": nonce})
    else:
        bundle["credential"] = item
    bundle.update({"answers": facts.answers, "status_lists": facts.lists})
    return bundle


def verify(
    item: JSONObject | str,
    *,
    genesis: Genesis,
    client: Client | None = None,
    at_ms: int | None = None,
    aud: str | None = None,
    nonce: str | None = None,
) -> Verified:
    """Verify an evidence bundle, a VC-DI credential or an SD-JWT VC presentation against ``genesis``.

    Without ``client`` only the evidence is used (offline); with one, what it lacks is fetched and
    proven. ``aud`` and ``nonce`` are the verifier's (an evidence bundle's are used when not given).
    """
    return verify_evidence(item, genesis=genesis, client=client, at_ms=at_ms, aud=aud, nonce=nonce)[0]


def verify_evidence(
    item: JSONObject | str,
    *,
    genesis: Genesis,
    client: Client | None = None,
    at_ms: int | None = None,
    aud: str | None = None,
    nonce: str | None = None,
) -> tuple[Verified, list[int]]:
    """``verify``, and the heights of the attested headers the chain's answers were proven under."""
    evidence = item if isinstance(item, dict) and item.get("type") == EVIDENCE_TYPE else None
    facts = ProvenFacts(genesis, evidence, client)
    at = at_ms if at_ms is not None else now_ms()
    return _run(_subject(item, evidence), facts, at, aud, nonce, evidence), sorted(facts.heights)


def fetch_evidence(
    item: JSONObject | str,
    *,
    client: Client,
    genesis: Genesis,
    at_ms: int | None = None,
    aud: str = "",
    nonce: str = "",
) -> tuple[JSONObject, VerificationFailed | None]:
    """Verify online, recording every proven answer: the evidence bundle, and the refusal if any.

    The bundle is returned even when the credential does not verify, so the refusal can be shown
    offline to anyone with the genesis.
    """
    facts = ProvenFacts(genesis, None, client)
    error = None
    try:
        _run(item, facts, at_ms if at_ms is not None else now_ms(), aud, nonce, None)
    except VerificationFailed as exc:
        error = exc
    return evidence_bundle(item, facts, aud=aud, nonce=nonce), error


def _subject(item: JSONObject | str, evidence: Mapping[str, Any] | None) -> JSONObject | str:
    if evidence is None:
        return item
    subject = evidence.get("presentation", evidence.get("credential"))
    if not isinstance(subject, dict | str):
        raise VerificationFailed("the evidence bundle holds no credential or presentation", "credential.bad_evidence")
    return subject


def _run(
    item: JSONObject | str,
    facts: ProvenFacts,
    at: int,
    aud: str | None,
    nonce: str | None,
    evidence: Mapping[str, Any] | None,
) -> Verified:
    if isinstance(item, dict):
        return verify_credential(item, facts, now_ms=at)
    recorded = evidence or {}
    audience = aud if aud is not None else str(recorded.get("aud", ""))
    challenge = nonce if nonce is not None else str(recorded.get("nonce", ""))
    return verify_presentation(item, facts, now_ms=at, aud=audience, nonce=challenge)


def did_document(document: dict[str, Any]) -> dict[str, Any]:
    """A DID document checked against the W3C DID Core model (pydid); its Multikeys are decoded
    strictly where they are used (pydid takes any multibase text)."""
    try:
        pydid.DIDDocument.deserialize(document)
    except (pydid.DIDError, ValueError) as exc:
        raise VerificationFailed(f"not a W3C DID document: {exc}"[:300], "credential.bad_did_document") from exc
    return document


# -- issuing and presenting -----------------------------------------------------------------------


def assertion_method(client: Client, did: str) -> str:
    """The DID URL of the key in ``did``'s ``assertionMethod`` now (the key to issue with)."""
    document = client.get(f"/1.0/identifiers/{did}").get("didDocument") or {}
    methods = document.get("assertionMethod") or []
    if not methods:
        raise InvalidInput(f"{did} has no key to issue with (no DID, or deactivated)", "credential.unknown_key")
    return str(methods[0])


def issue_vc(
    key: PrivateKey,
    *,
    verification_method: str,
    credential_type: str,
    subject: JSONObject,
    valid_from: str,
    valid_until: str | None = None,
    schema_url: str | None = None,
    status: JSONObject | None = None,
) -> JSONObject:
    """A VC 2.0 credential issued by ``did:mb:<key's address>``, signed eddsa-jcs-2022."""
    unsigned = vc.build_credential(
        issuer=verification_method.partition("#")[0],
        credential_type=credential_type,
        subject=subject,
        valid_from=valid_from,
        valid_until=valid_until,
        schema_url=schema_url,
        status=status,
    )
    return vc.issue_credential(unsigned, key, verification_method)


def issue_sd_jwt(
    key: PrivateKey,
    *,
    verification_method: str,
    vct: str,
    claims: Mapping[str, Any],
    disclosable: Iterable[sdjwt.ClaimPath],
    holder_jwk: Mapping[str, str],
    iat: int,
    exp: int,
    status_url: str | None = None,
    status_index: int | None = None,
) -> str:
    """An SD-JWT VC with ``iss`` the issuer's DID and ``kid`` its verification method; ``status`` a token list."""
    status = None
    if status_url is not None and status_index is not None:
        vc.status_list_parts(status_url)
        status = {"status_list": {"idx": status_index, "uri": status_url}}
    return sdjwt.issue(
        {"iss": verification_method.partition("#")[0], **claims},
        disclosable,
        issuer_key=key,
        kid=verification_method,
        holder_jwk=holder_jwk,
        vct=vct,
        iat=iat,
        exp=exp,
        status=status,
    )


def present(
    credential: JSONObject | str,
    *,
    client: Client,
    genesis: Genesis,
    disclose: Iterable[sdjwt.ClaimPath] = (),
    holder_key: sdjwt.SigningKey | None = None,
    aud: str = "",
    nonce: str = "",
    at_ms: int | None = None,
) -> tuple[JSONObject, VerificationFailed | None]:
    """The holder's evidence bundle: for an SD-JWT VC, a presentation disclosing only ``disclose`` and
    bound to ``aud``/``nonce`` by ``holder_key``; for a VC-DI credential, the credential as is."""
    at = at_ms if at_ms is not None else now_ms()
    item: JSONObject | str = credential
    if isinstance(credential, str):
        if holder_key is None:
            raise InvalidInput("an SD-JWT VC is presented with the holder's key", "credential.no_holder_key")
        item = sdjwt.present(credential, disclose, holder_key=holder_key, aud=aud, nonce=nonce, iat=at // 1000)
    return fetch_evidence(item, client=client, genesis=genesis, at_ms=at, aud=aud, nonce=nonce)


# -- status lists -------------------------------------------------------------------------------------


def status_list_url(node_url: str, issuer_address: str, list_id: str) -> str:
    """The URL credentials name for a list the issuer's node serves."""
    return f"{node_url.rstrip('/')}{vc.STATUS_LIST_PATH}{issuer_address}/{list_id}"


def publish_status_list(
    client: Client, key: PrivateKey, *, list_id: str, kind: str, version: int, body: bytes, valid_until_ms: int
) -> JSONObject:
    """Anchor ``body`` on chain as ``version`` of the list (waiting for the block), then store it on the node."""
    anchor = IDENTITY_BUILDERS.anchor_status(list_id, kind, version, published.digest(body), valid_until_ms)
    receipt = client.submit(client.build_tx([key], [anchor]), wait=True)["receipt"]
    if receipt["status"] != "ok":
        error = receipt.get("error") or {}
        raise ApiError(409, error.get("code", "tx.failed"), error.get("message", "the anchor failed"))
    path = f"{vc.STATUS_LIST_PATH}{key.address}/{list_id}/{version}"
    return dict(client._call("PUT", path, content=body, headers={"content-type": "application/octet-stream"}))


def post_offer(client: Client, offer: JSONObject) -> str:
    """Store an offer or request on the node; the short URL a QR code can carry."""
    answer = client._call("POST", "/v1/identity/offers", json=offer)
    return f"{client.url}/v1/identity/offers/{answer['id']}"


def get_offer(url: str) -> JSONObject:
    """An offer by its URL."""
    response = httpx.get(url, timeout=30.0)
    if response.status_code != 200:
        raise ApiError(response.status_code, "offers.not_found", f"{url} answered HTTP {response.status_code}")
    return dict(response.json())


__all__ = [
    "EVIDENCE_TYPE",
    "ProvenFacts",
    "ProvenState",
    "Verified",
    "assertion_method",
    "evidence_bundle",
    "fetch_evidence",
    "get_offer",
    "issue_sd_jwt",
    "issue_vc",
    "post_offer",
    "present",
    "publish_status_list",
    "status_list_url",
    "verify",
    "verify_evidence",
]
