"""SD-JWT VCs (IETF draft-ietf-oauth-sd-jwt-vc, ``typ: dc+sd-jwt``, over RFC 9901 SD-JWT): issue,
present, and a strict verifier of our own.

Issuing and presenting use the ``sd-jwt`` reference package; it signs a key binding JWT with ES256 only
and with the wall clock, so this module signs the KB-JWT itself with ``joserfc`` (EdDSA or ES256, the
algorithm named explicitly). Verification (``sdjwt_verify.py``) uses neither package: every step of
RFC 9901 section 7 is written out there, with the algorithm pinned by the key's type, no clock but
``now_s``, and one code per refusal (``VerificationFailed``); the formats both share are in
``sdjwt_keys.py``:

    sdjwt.bad_format              not ``<JWT>~<Disclosure>~...~<KB-JWT>``, bad base64url or JSON, ``crit``
    sdjwt.bad_alg                 header ``alg`` not allowed, or not the algorithm of the issuer's key
    sdjwt.bad_typ                 header ``typ`` is not ``dc+sd-jwt``
    sdjwt.unknown_issuer          the resolver knows no key for this ``kid``/``iss``
    sdjwt.bad_signature           the issuer's signature does not verify
    sdjwt.bad_claims              ``vct``, ``iss``, ``exp``, ``nbf``, ``iat``, ``status`` of the wrong type
    sdjwt.bad_sd_alg              ``_sd_alg`` other than ``sha-256``
    sdjwt.bad_disclosure          a Disclosure that is not ``[salt, name, value]``/``[salt, value]``, of the
                                  wrong kind for where it is referenced, named ``_sd``/``...``, or hiding a
                                  claim that must stay visible (``iss``, ``exp``, ``cnf``, ``status``, ...)
    sdjwt.duplicate_disclosure    the same Disclosure twice
    sdjwt.duplicate_digest        a digest referenced twice in the payload
    sdjwt.claim_conflict          a Disclosure naming a claim the object already has
    sdjwt.unreferenced_disclosure a Disclosure no digest in the payload (or in another Disclosure) refers to
    sdjwt.expired / sdjwt.not_yet_valid   ``exp`` passed, or ``nbf``/``iat`` in the future
    sdjwt.bad_cnf                 ``cnf`` is not ``{"jwk": <public Ed25519 or P-256 JWK>}``
    sdjwt.kb_missing              no KB-JWT although the credential has ``cnf`` (or key binding is required)
    sdjwt.kb_bad                  KB-JWT malformed, ``typ`` not ``kb+jwt``, wrong algorithm or signature
    sdjwt.kb_wrong_audience / sdjwt.kb_wrong_nonce   not the verifier's ``aud`` / ``nonce``
    sdjwt.kb_stale                KB-JWT ``iat`` older than ``kb_max_age_s`` or in the future
    sdjwt.kb_sd_hash              ``sd_hash`` is not SHA-256 of the presentation up to the last ``~``

Times compare with ``LEEWAY_S`` (60 s) of tolerance for clock skew between issuer, holder and verifier.
JSON is read by ``codec.parse_json``: duplicate member names, floats and integers beyond 2**53 - 1 are
refused (``sdjwt.bad_format``, or ``sdjwt.bad_disclosure`` inside a Disclosure), as everywhere in MetroBloc.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from metrobloc.codec import check_value
from metrobloc.credentials.sdjwt_keys import (
    DEFAULT_ALGS,
    JSON,
    KB_MAX_AGE_S,
    KB_TYP,
    LEEWAY_S,
    MAX_PRESENTATION_BYTES,
    NOT_DISCLOSABLE,
    RESERVED,
    TYP,
    ClaimPath,
    KeyResolver,
    SigningKey,
    VerifiedSdJwt,
    VerifyKey,
    algorithm_of,
    disclosure_digest,
    jwk_of,
    load_key,
    public_jwk,
    pyca_private,
)
from metrobloc.credentials.sdjwt_verify import disclose as disclosed_claims
from metrobloc.credentials.sdjwt_verify import is_time, verify_presentation
from metrobloc.errors import InvalidInput, VerificationFailed

# ---------------------------------------------------------------- issuing


def issue(
    claims: Mapping[str, JSON],
    disclosable: Iterable[ClaimPath],
    *,
    issuer_key: SigningKey,
    kid: str,
    holder_jwk: Mapping[str, str],
    vct: str,
    iat: int,
    exp: int,
    status: Mapping[str, JSON] | None = None,
) -> str:
    """An SD-JWT VC ``<JWT>~<Disclosure>~...~`` bound to ``holder_jwk`` (``cnf``), signed EdDSA or ES256.

    ``claims`` may hold ``iss``, ``sub``, ``nbf`` and the subject's claims; each path in ``disclosable``
    becomes a Disclosure (list a parent and a child to make both disclosable).
    """
    paths = {_path(p) for p in disclosable}
    _check_issue_input(claims, paths, vct, iat, exp)
    marked, found = _mark(dict(claims), (), paths)
    if paths - found:
        raise InvalidInput(f"no claim at {sorted(map(str, paths - found))}", "sdjwt.no_such_claim")
    if load_key(holder_jwk) is None:
        raise InvalidInput("holder_jwk must be a public Ed25519 or P-256 JWK", "sdjwt.bad_key")
    user_claims = {**marked, "vct": vct, "iat": iat, "exp": exp, "cnf": {"jwk": dict(holder_jwk)}}
    if status is not None:
        user_claims["status"] = dict(status)
    issuer = SDJWTIssuer(
        user_claims,
        JWK.from_pyca(pyca_private(issuer_key)),
        sign_alg=algorithm_of(issuer_key),
        extra_header_parameters={"typ": TYP, "kid": kid},
    )
    return str(issuer.sd_jwt_issuance)


def _check_issue_input(
    claims: Mapping[str, JSON], paths: set[tuple[str | int, ...]], vct: object, iat: object, exp: object
) -> None:
    if not isinstance(vct, str) or not vct or not is_time(iat) or not is_time(exp):
        raise InvalidInput("vct is a non-empty string, iat and exp integer seconds", "sdjwt.bad_claims")
    clash = {"vct", "iat", "exp", "cnf", "status"} & set(claims)
    if clash:
        raise InvalidInput(f"{sorted(clash)} are arguments, not claims", "sdjwt.bad_claims")
    hidden = {p[0] for p in paths if p and p[0] in NOT_DISCLOSABLE}
    if hidden:
        raise InvalidInput(f"{sorted(map(str, hidden))} cannot be selectively disclosable", "sdjwt.not_disclosable")
    check_value(dict(claims))  # floats and out-of-range integers are refused, as by the verifier
    if _has_reserved_name(claims):
        raise InvalidInput("claim names _sd, ... and _sd_alg are reserved by SD-JWT", "sdjwt.reserved_name")


def _has_reserved_name(value: JSON) -> bool:
    if isinstance(value, Mapping):
        return any(k in RESERVED or _has_reserved_name(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_reserved_name(v) for v in value)
    return False


def _path(path: ClaimPath) -> tuple[str | int, ...]:
    return tuple(path.split(".")) if isinstance(path, str) else tuple(path)


def _mark(value: JSON, here: tuple[str | int, ...], paths: set[tuple[str | int, ...]]) -> tuple[JSON, set[Any]]:
    """``value`` with the keys and array elements at ``paths`` wrapped in ``SDObj``, and the paths found."""
    found: set[Any] = set()
    if isinstance(value, Mapping):
        out: dict[Any, JSON] = {}
        for key, child in value.items():
            inner, seen = _mark(child, (*here, key), paths)
            found |= seen
            sd = (*here, key) in paths
            found |= {(*here, key)} if sd else set()
            out[SDObj(key) if sd else key] = inner
        return out, found
    if isinstance(value, list):
        items: list[JSON] = []
        for index, child in enumerate(value):
            inner, seen = _mark(child, (*here, index), paths)
            found |= seen
            sd = (*here, index) in paths
            found |= {(*here, index)} if sd else set()
            items.append(SDObj(inner) if sd else inner)
        return items, found
    return value, found


# ---------------------------------------------------------------- presenting


def present(
    sd_jwt: str,
    disclose: Iterable[ClaimPath],
    *,
    holder_key: SigningKey,
    aud: str,
    nonce: str,
    iat: int,
) -> str:
    """A presentation ``<JWT>~<chosen Disclosures>~<KB-JWT>`` revealing only the claims at ``disclose``.

    A nested path also reveals the Disclosures of its parents (RFC 9901 section 4.2.6 requires them);
    naming a parent alone reveals the parent's always-visible members but not its disclosable ones.
    """
    try:
        holder = SDJWTHolder(sd_jwt)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"not an SD-JWT: {exc}", "sdjwt.bad_format") from exc
    try:
        everything = disclosed_claims(holder.sd_jwt_payload, sd_jwt.split("~")[1:-1])
    except VerificationFailed as exc:
        raise InvalidInput(exc.message, exc.code) from exc
    cnf = everything.get("cnf")
    bound = load_key(cnf.get("jwk")) if isinstance(cnf, dict) else None
    if bound is None or jwk_of(bound) != public_jwk(holder_key):
        raise InvalidInput("holder_key is not the key this credential is bound to", "sdjwt.wrong_holder_key")
    wanted = [_path(p) for p in disclose]
    missing = [p for p in wanted if not _resolves(everything, p)]
    if missing:
        raise InvalidInput(f"the credential has no claim at {missing}", "sdjwt.no_such_claim")
    holder.create_presentation(_selection(wanted))
    unbound = str(holder.sd_jwt_presentation)
    return unbound + _key_binding_jwt(unbound, holder_key, aud=aud, nonce=nonce, iat=iat)


def _resolves(value: JSON, path: tuple[str | int, ...]) -> bool:
    for step in path:
        in_object = isinstance(step, str) and isinstance(value, dict) and step in value
        in_array = isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
        if not (in_object or in_array):
            return False
        value = value[step]
    return True


def _selection(paths: Iterable[tuple[str | int, ...]]) -> dict[str, JSON]:
    """The reference holder's ``claims_to_disclose``: nested dicts and lists with ``True`` at the leaves."""
    root: dict[str, JSON] = {}
    for path in paths:
        _put(root, path)
    return root


def _put(container: dict[str, JSON] | list[JSON], path: tuple[str | int, ...]) -> None:
    """Mark ``path`` under ``container``: dicts for object keys, lists (padded with None) for indices."""
    step, rest = path[0], path[1:]
    if isinstance(container, list) and isinstance(step, int):
        container.extend([None] * (step + 1 - len(container)))
        existing = container[step]
    elif isinstance(container, dict) and isinstance(step, str):
        existing = container.get(step)
    else:
        raise InvalidInput(f"path step {step!r} does not fit the claim's type", "sdjwt.no_such_claim")
    child = existing if isinstance(existing, dict | list) else True
    if rest:
        child = existing if isinstance(existing, dict | list) else ({} if isinstance(rest[0], str) else [])
        _put(child, rest)
    container[step] = child  # type: ignore[index]  # step's type matches the container's, checked above


def _key_binding_jwt(unbound: str, holder_key: SigningKey, *, aud: str, nonce: str, iat: int) -> str:
    alg = algorithm_of(holder_key)
    private = pyca_private(holder_key)
    key = OKPKey.import_key(private) if isinstance(private, Ed25519PrivateKey) else ECKey.import_key(private)
    claims = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": disclosure_digest(unbound)}
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"; SD-JWT VC wallets sign with "EdDSA".
        warnings.simplefilter("ignore", SecurityWarning)
        payload = json.dumps(claims, separators=(",", ":"))
        return jws.serialize_compact({"alg": alg, "typ": KB_TYP}, payload, key, algorithms=[alg])


__all__ = [
    "DEFAULT_ALGS",
    "KB_MAX_AGE_S",
    "LEEWAY_S",
    "MAX_PRESENTATION_BYTES",
    "ClaimPath",
    "KeyResolver",
    "SigningKey",
    "VerifiedSdJwt",
    "VerifyKey",
    "issue",
    "present",
    "public_jwk",
    "verify_presentation",
]
