"""A synchronous HTTP client of a node's API."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.errors import MetroblocError
from metrobloc.ledger import Genesis, Tx, add_signature, build_body, parse_tx, sign_body
from metrobloc.ledger.pds import ACCESS_TX, sign_request
from metrobloc.sdk.verified import VerifiedReads

DEFAULT_VALIDITY = 1000
"""Blocks a built tx stays valid for, from the node's current height."""
EMPTY_SLOT = {"public_key": b64url_encode(bytes(32)), "signature": b64url_encode(bytes(64))}
"""A signature slot not yet signed (all zeros): ``add_signature`` fills it in."""


def unsigned_tx(body: dict[str, Any]) -> Tx:
    """A tx with one empty signature slot per signer, for the parties to sign in turn."""
    return parse_tx({"body": body, "signatures": [EMPTY_SLOT] * len(body["signers"])})


def missing_signers(tx: Tx) -> list[str]:
    """The signers whose slot is still empty, in signer order."""
    return [signer for signer, sig in zip(tx.signers, tx.signatures, strict=True) if not any(sig.signature)]


class ApiError(MetroblocError):
    """The node refused a request; ``status`` is the HTTP status, ``code`` the stable error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code)
        self.status = status

    def __str__(self) -> str:
        return f"{self.code}: {self.message} (HTTP {self.status})"


class Client:
    """Talks to one node: ``Client("http://127.0.0.1:8700")``."""

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)
        self._chain_id: str | None = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(0, "client.unreachable", f"cannot reach {self.url}: {exc}") from exc
        data = response.json() if response.content else None
        if response.status_code >= 400:
            err = (data or {}).get("error", {}) if isinstance(data, dict) else {}
            raise ApiError(
                response.status_code, err.get("code", "client.http_error"), err.get("message", response.text[:200])
            )
        return data

    # -- chain ---------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/status"))

    @property
    def chain_id(self) -> str:
        if self._chain_id is None:
            self._chain_id = str(self.status()["chain_id"])
        return self._chain_id

    def build_tx(
        self,
        keys: Sequence[PrivateKey],
        msgs: list[dict[str, Any]],
        *,
        memo: str = "",
        valid_for: int = DEFAULT_VALIDITY,
        signers: Sequence[str] | None = None,
    ) -> Tx:
        """Build and sign a tx: ``keys[0]`` is the sender, the rest co-sign.

        ``signers`` gives the addresses when a key was rotated into an older account.
        """
        addresses = list(signers) if signers is not None else [k.address for k in keys]
        return sign_body(self.build_body(addresses, msgs, memo=memo, valid_for=valid_for), list(keys))

    def prepare(
        self,
        sender: PrivateKey,
        msgs: list[dict[str, Any]],
        *,
        cosigners: Sequence[str] = (),
        memo: str = "",
        valid_for: int = DEFAULT_VALIDITY,
    ) -> Tx:
        """A tx signed by ``sender`` only, with empty slots for ``cosigners``.

        Each co-signer adds theirs on their own machine with ``add_signature(tx, key)`` (the tx
        travels as ``tx.to_json()``); ``missing_signers(tx)`` says who is left; then ``submit``.
        """
        body = self.build_body([sender.address, *cosigners], msgs, memo=memo, valid_for=valid_for)
        return add_signature(unsigned_tx(body), sender)

    def build_body(
        self, signers: Sequence[str], msgs: list[dict[str, Any]], *, memo: str = "", valid_for: int = DEFAULT_VALIDITY
    ) -> dict[str, Any]:
        """An unsigned tx body for this node's chain, valid for ``valid_for`` blocks from now."""
        height = int(self.status()["height"])
        return build_body(self.chain_id, list(signers), msgs, height + valid_for, os.urandom(16), memo)

    # -- txs -------------------------------------------------------------------------------------
    def submit(self, tx: Tx | dict[str, Any], *, wait: bool = False, timeout: float | None = None) -> dict[str, Any]:
        """Submit one tx: ``{"tx_hash"}``, or with ``wait`` ``{"tx_hash", "receipt"}``."""
        params: dict[str, Any] = {"wait": "true"} if wait else {}
        if timeout is not None:
            params["timeout"] = timeout
        body = tx.to_json() if isinstance(tx, Tx) else tx
        return dict(self._call("POST", "/v1/txs", json=body, params=params))

    def submit_batch(self, txs: Sequence[Tx | dict[str, Any]], *, wait: bool = False) -> list[dict[str, Any]]:
        """Submit many txs at once; one result per tx (``tx_hash`` or ``error``)."""
        body = [t.to_json() if isinstance(t, Tx) else t for t in txs]
        data = self._call("POST", "/v1/txs/batch", json=body, params={"wait": "true"} if wait else {})
        return list(data["results"])

    def tx(self, tx_hash: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/txs/{tx_hash}"))

    def wait(self, tx_hash: str, timeout: float = 30.0) -> dict[str, Any]:
        """The receipt once committed; raises ``ApiError`` (client.timeout) otherwise."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            data = self.tx(tx_hash)
            if "receipt" in data:
                return dict(data["receipt"])
            if time.monotonic() >= deadline:
                raise ApiError(0, "client.timeout", f"tx {tx_hash} not committed after {timeout}s")
            time.sleep(0.05)

    # -- proofs ----------------------------------------------------------------------------------
    def proof(self, tx_hash: str, at: int | None = None) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/txs/{tx_hash}/proof", params={"at": at} if at else {}))

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/log/consistency", params={"first": first, "second": second}))

    def genesis(self) -> Genesis:
        """The node's genesis — for convenience only: a verifier should hold its own copy."""
        return Genesis.from_json(self._call("GET", "/v1/genesis"))

    # -- queries ---------------------------------------------------------------------------------
    def state_proof(self, key: str) -> dict[str, Any]:
        """A state key's value with its state proof under the tip's attested header (a state bundle)."""
        return dict(self._call("GET", "/v1/state/proof", params={"key": key}))

    def verified(self, genesis: Genesis) -> VerifiedReads:
        """Reads verified against ``genesis`` (your own trusted copy) before they are returned."""
        return VerifiedReads(self, genesis)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """Any read route of the node (a module's queries: ``get("/v1/land/parcels/P-1")``)."""
        return self._call("GET", path, params=params or {})

    def block(self, height: int | str = "latest") -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/blocks/{height}"))

    def account(self, address: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/accounts/{address}"))

    def asset(self, asset: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/assets/{asset}"))

    def balance(self, asset: str, address: str) -> int:
        return int(self._call("GET", f"/v1/assets/{asset}/balances/{address}")["balance"])

    def wallet(self, address: str) -> dict[str, Any]:
        """Every asset the account holds (lots, expiry, spendable), its time-bank minutes per bank and
        the watch-list listings about it, at the tip (``height``, ``time_ms``); docs/wallet.md."""
        return dict(self._call("GET", f"/v1/accounts/{address}/wallet"))

    # -- land ------------------------------------------------------------------------------------------
    def land_parcel(self, parcel: str) -> dict[str, Any]:
        """Owners, liens in rank order, settled claims, lineage."""
        return dict(self._call("GET", f"/v1/land/parcels/{parcel}"))

    def land_history(self, parcel: str, *, after: int = 0, limit: int = 100) -> dict[str, Any]:
        """One page of a parcel's history: ``{"events": [... {"tx_hash", "height", "proof"}], "next"}``."""
        return dict(self._call("GET", f"/v1/land/parcels/{parcel}/history", params={"after": after, "limit": limit}))

    def land_parcels(
        self, *, owner: str | None = None, district: str | None = None, after: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        """Active parcels of an owner or of a district (give exactly one)."""
        params = {k: v for k, v in {"owner": owner, "district": district, "after": after}.items() if v is not None}
        return dict(self._call("GET", "/v1/land/parcels", params={**params, "limit": limit}))

    def land_liens(self, lender: str, *, after: str | None = None, limit: int = 100) -> dict[str, Any]:
        """A lender's active liens, each with the liens ranked before it."""
        params: dict[str, Any] = {"lender": lender, "limit": limit}
        if after is not None:
            params["after"] = after
        return dict(self._call("GET", "/v1/land/liens", params=params))

    def land_claim(self, claim: str, subject: str) -> dict[str, Any]:
        """Every attestation of a claim about a subject, the tally and the settlement."""
        return dict(self._call("GET", "/v1/land/attestations", params={"claim": claim, "subject": subject}))

    def land_claims(
        self, status: str, *, claim: str | None = None, after: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        """Claims by status, ``"pending"`` or ``"settled"``."""
        params = {k: v for k, v in {"claim": claim, "after": after}.items() if v is not None}
        return dict(self._call("GET", f"/v1/land/attestations/{status}", params={**params, "limit": limit}))

    def land_policy(self, claim: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/land/policies/{claim}"))

    # -- personal-data store (docs/spec/personal-data.md) ------------------------------------------
    def pds_put(
        self, key: PrivateKey, subject: str, content: bytes, media_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        """Store a document for ``subject`` (``key``: the subject's or an agency's); its digest and details."""
        digest = hashlib.sha256(content).hexdigest()
        path = f"/v1/pds/subjects/{subject}/documents/{digest}"
        response = self._pds(key, "PUT", path, digest=digest, media_type=media_type, content=content)
        return dict(response.json())

    def pds_read(self, key: PrivateKey, subject: str, digest: str, *, purpose_digest: str = "") -> dict[str, Any]:
        """``{"content", "media_type", "access_tx"}``; an agency states the digest of its purpose, and
        ``access_tx`` is the ``identity/log_access`` tx that logged the read (None for the subject)."""
        path = f"/v1/pds/subjects/{subject}/documents/{digest}"
        response = self._pds(key, "GET", path, digest=digest, purpose_digest=purpose_digest)
        media_type = response.headers.get("content-type", "").split(";")[0]
        return {"content": response.content, "media_type": media_type, "access_tx": response.headers.get(ACCESS_TX)}

    def pds_erase(self, key: PrivateKey, subject: str, digest: str) -> dict[str, Any]:
        """Erase a document (``key``: its subject's); ``erasure_tx`` is None until recorded on chain."""
        path = f"/v1/pds/subjects/{subject}/documents/{digest}"
        return dict(self._pds(key, "DELETE", path, digest=digest).json())

    def pds_list(self, key: PrivateKey, subject: str) -> dict[str, Any]:
        """The subject's documents, without content (``key``: the subject's)."""
        return dict(self._pds(key, "GET", f"/v1/pds/subjects/{subject}/documents").json())

    def _pds(
        self,
        key: PrivateKey,
        method: str,
        path: str,
        *,
        digest: str = "",
        media_type: str = "",
        purpose_digest: str = "",
        content: bytes | None = None,
    ) -> httpx.Response:
        """A request signed for the store, now and with a fresh nonce; raises ``ApiError`` on a refusal."""
        signed = sign_request(
            key,
            self.chain_id,
            method,
            path,
            time_ms=time.time_ns() // 1_000_000,
            nonce=os.urandom(16),
            digest=digest,
            media_type=media_type,
            purpose_digest=purpose_digest,
        )
        headers = signed.headers()
        if media_type:
            headers["Content-Type"] = media_type
        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError(0, "client.unreachable", f"cannot reach {self.url}: {exc}") from exc
        if response.status_code >= 400:
            err = response.json().get("error", {}) if response.headers.get("content-type") == "application/json" else {}
            raise ApiError(response.status_code, err.get("code", "client.http_error"), err.get("message", ""))
        return response
