"""SD-JWT VCs (IETF draft-ietf-oauth-sd-jwt-vc, ``typ: dc+sd-jwt``, over RFC 9901 SD-JWT): issue,
present, and a strict verifier of our own.

Issuing and presenting use the ``sd-jwt`` reference package; it signs a key binding JWT with ES256 only
and with the wall clock, so this module signs the KB-JWT itself with ``joserfc`` (EdDSA or ES256, the
algorithm named explicitly). Verification uses neither package: every step of RFC 9901 section 7 is
written out below, with the algorithm pinned by the key's type, no clock but ``now_s``, and one code
per refusal (``VerificationFailed``):

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

import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from metrobloc.codec import b64url_decode, b64url_encode, check_value, parse_json
from metrobloc.crypto import PrivateKey, PublicKey, verify_signature
from metrobloc.errors import InvalidInput, MetroblocError, VerificationFailed

TYP = "dc+sd-jwt"
KB_TYP = "kb+jwt"
SD_ALG = "sha-256"
DEFAULT_ALGS = ("EdDSA", "ES256")
LEEWAY_S = 60
"""Seconds of clock skew tolerated on ``exp``, ``nbf`` and ``iat``."""
KB_MAX_AGE_S = 300
"""How old a KB-JWT may be by default: the verifier's nonce should be this fresh anyway."""
MAX_PRESENTATION_BYTES = 256 * 1024
NOT_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status"})
"""Claims SD-JWT VC keeps out of Disclosures, sub-claims included."""
_RESERVED = frozenset({"_sd", "...", "_sd_alg"})
_MAX_NESTING = 64

JSON: TypeAlias = Any
ClaimPath: TypeAlias = str | tuple[str | int, ...]
"""``"address.locality"`` (object keys only), or a tuple that may hold array indices: ``("nationalities", 0)``."""
SigningKey: TypeAlias = PrivateKey | ec.EllipticCurvePrivateKey
"""An Ed25519 key (EdDSA) or a P-256 key (ES256)."""
VerifyKey: TypeAlias = PublicKey | Ed25519PublicKey | ec.EllipticCurvePublicKey | bytes | Mapping[str, Any]
"""A public JWK, a key object, or raw bytes: 32 (Ed25519) or 65 (uncompressed P-256 point)."""
KeyResolver: TypeAlias = Callable[[str | None, str | None], VerifyKey | None]
"""``(kid, iss) -> key``, None when the issuer is unknown."""


@dataclass(frozen=True)
class VerifiedSdJwt:
    """What a verified presentation establishes."""

    claims: dict[str, JSON]
    """The processed payload: always-visible claims and the disclosed ones, without ``_sd``/``_sd_alg``."""
    issuer: str | None
    """The ``iss`` claim (SD-JWT VC makes it optional when the key says who issued)."""
    kid: str | None
    """The ``kid`` header the issuer's key was resolved by."""
    vct: str
    """The credential type."""
    status: dict[str, JSON] | None
    """The ``status`` claim (e.g. a Token Status List reference), for the caller to check."""
    holder_jwk: dict[str, JSON] | None
    """The key that signed the KB-JWT (``cnf.jwk``), when the credential is holder-bound."""


@dataclass(frozen=True)
class _Key:
    alg: str
    raw: bytes | None = None
    ec_key: ec.EllipticCurvePublicKey | None = None

    def verify(self, message: bytes, signature: bytes) -> bool:
        if self.raw is not None:
            return verify_signature(self.raw, message, signature)
        assert self.ec_key is not None
        if len(signature) != 64:
            return False
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            self.ec_key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


# ---------------------------------------------------------------- keys


def public_jwk(key: SigningKey | VerifyKey) -> dict[str, str]:
    """The public JWK of an Ed25519 (``OKP``) or P-256 (``EC``) key, private or public."""
    if isinstance(key, PrivateKey):
        key = key.public_key
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    loaded = _load_key(key)
    if loaded is None:
        raise InvalidInput("not an Ed25519 or P-256 key", "sdjwt.bad_key")
    return _jwk_of(loaded)


def _jwk_of(loaded: _Key) -> dict[str, str]:
    if loaded.raw is not None:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(loaded.raw)}
    assert loaded.ec_key is not None
    point = loaded.ec_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {"kty": "EC", "crv": "P-256", "x": b64url_encode(point[1:33]), "y": b64url_encode(point[33:])}


def _load_key(key: object) -> _Key | None:
    """The verification key and its one algorithm; None for anything but Ed25519 and P-256 public keys."""
    if isinstance(key, PublicKey):
        return _Key("EdDSA", raw=key.raw)
    if isinstance(key, Ed25519PublicKey):
        return _Key("EdDSA", raw=key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _Key("ES256", ec_key=key) if isinstance(key.curve, ec.SECP256R1) else None
    if isinstance(key, bytes):
        if len(key) == 32:
            return _Key("EdDSA", raw=key)
        return _p256_point(key) if len(key) == 65 else None
    if isinstance(key, Mapping):
        return _jwk_key(tuple(sorted((str(k), v) for k, v in key.items() if isinstance(v, str))))
    return None


@lru_cache(maxsize=4096)  # issuers and holders repeat; EC point validation is the costly part
def _jwk_key(members: tuple[tuple[str, str], ...]) -> _Key | None:
    jwk = dict(members)
    if "d" in jwk:
        return None  # private key material where a public key belongs
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("alg", "EdDSA") == "EdDSA":
            return _Key("EdDSA", raw=b64url_decode(jwk["x"], length=32))
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" and jwk.get("alg", "ES256") == "ES256":
            x, y = b64url_decode(jwk["x"], length=32), b64url_decode(jwk["y"], length=32)
            return _p256_point(b"\x04" + x + y)
    except (KeyError, InvalidInput):
        return None
    return None


def _p256_point(point: bytes) -> _Key | None:
    try:
        return _Key("ES256", ec_key=ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point))
    except ValueError:
        return None  # not on the curve


def _algorithm_of(key: SigningKey) -> str:
    if isinstance(key, PrivateKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise InvalidInput("signing keys are Ed25519 (PrivateKey) or P-256", "sdjwt.bad_key")


def _pyca_private(key: SigningKey) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    return Ed25519PrivateKey.from_private_bytes(key.seed) if isinstance(key, PrivateKey) else key


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
    if _load_key(holder_jwk) is None:
        raise InvalidInput("holder_jwk must be a public Ed25519 or P-256 JWK", "sdjwt.bad_key")
    user_claims = {**marked, "vct": vct, "iat": iat, "exp": exp, "cnf": {"jwk": dict(holder_jwk)}}
    if status is not None:
        user_claims["status"] = dict(status)
    issuer = SDJWTIssuer(
        user_claims,
        JWK.from_pyca(_pyca_private(issuer_key)),
        sign_alg=_algorithm_of(issuer_key),
        extra_header_parameters={"typ": TYP, "kid": kid},
    )
    return str(issuer.sd_jwt_issuance)


def _check_issue_input(
    claims: Mapping[str, JSON], paths: set[tuple[str | int, ...]], vct: object, iat: object, exp: object
) -> None:
    if not isinstance(vct, str) or not vct or not _is_time(iat) or not _is_time(exp):
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
        return any(k in _RESERVED or _has_reserved_name(v) for k, v in value.items())
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
        everything = _disclose(holder.sd_jwt_payload, sd_jwt.split("~")[1:-1])
    except VerificationFailed as exc:
        raise InvalidInput(exc.message, exc.code) from exc
    cnf = everything.get("cnf")
    bound = _load_key(cnf.get("jwk")) if isinstance(cnf, dict) else None
    if bound is None or _jwk_of(bound) != public_jwk(holder_key):
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
    alg = _algorithm_of(holder_key)
    private = _pyca_private(holder_key)
    key = OKPKey.import_key(private) if isinstance(private, Ed25519PrivateKey) else ECKey.import_key(private)
    claims = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": _digest(unbound)}
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"; SD-JWT VC wallets sign with "EdDSA".
        warnings.simplefilter("ignore", SecurityWarning)
        payload = json.dumps(claims, separators=(",", ":"))
        return jws.serialize_compact({"alg": alg, "typ": KB_TYP}, payload, key, algorithms=[alg])


def _digest(text: str) -> str:
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())


# ---------------------------------------------------------------- verifying


def verify_presentation(
    presentation: str,
    *,
    issuer_key: KeyResolver,
    expected_aud: str,
    expected_nonce: str,
    now_s: int,
    allowed_algs: Iterable[str] = DEFAULT_ALGS,
    kb_max_age_s: int = KB_MAX_AGE_S,
    require_key_binding: bool = True,
) -> VerifiedSdJwt:
    """Verify an SD-JWT VC presentation at time ``now_s``; raise ``VerificationFailed`` with its code.

    ``issuer_key(kid, iss)`` names the issuer's key; the header's ``alg`` must be in ``allowed_algs`` and be
    that key's algorithm. A KB-JWT is required when the credential has ``cnf``, and, with
    ``require_key_binding``, a credential without ``cnf`` is refused (``sdjwt.kb_missing``).
    """
    algs = frozenset(allowed_algs)
    jwt, disclosures, kb_jwt = _split(presentation)
    header, payload, signing_input, signature = _decode_jws(jwt, "sdjwt.bad_format")
    kid = _check_header(header, algs)
    iss = payload.get("iss")
    key = issuer_key(kid, iss if isinstance(iss, str) else None)
    loaded = _load_key(key) if key is not None else None
    if loaded is None:
        raise VerificationFailed(f"no key for issuer {iss!r} (kid {kid!r})", "sdjwt.unknown_issuer")
    if loaded.alg != header["alg"]:
        raise VerificationFailed(f"alg {header['alg']} is not the issuer key's {loaded.alg}", "sdjwt.bad_alg")
    if not loaded.verify(signing_input, signature):
        raise VerificationFailed("the issuer's signature does not verify", "sdjwt.bad_signature")
    _check_claims(payload, now_s)
    claims = _disclose(payload, disclosures)
    holder = _check_binding(claims.get("cnf"), kb_jwt, algs, require_key_binding)
    if holder is not None:
        _check_kb_claims(holder[1], presentation, expected_aud, expected_nonce, now_s, kb_max_age_s)
    return VerifiedSdJwt(
        claims=claims,
        issuer=claims.get("iss"),
        kid=kid,
        vct=claims["vct"],
        status=claims.get("status"),
        holder_jwk=holder[0] if holder is not None else None,
    )


def _split(presentation: object) -> tuple[str, list[str], str]:
    if not isinstance(presentation, str) or not presentation.isascii():
        raise VerificationFailed("a presentation is ASCII text", "sdjwt.bad_format")
    if len(presentation) > MAX_PRESENTATION_BYTES:
        raise VerificationFailed("presentation too large", "sdjwt.bad_format")
    if "~" not in presentation:
        raise VerificationFailed("no '~' after the issuer-signed JWT", "sdjwt.bad_format")
    jwt, *disclosures, kb_jwt = presentation.split("~")
    if not all(disclosures):
        raise VerificationFailed("an empty Disclosure ('~~')", "sdjwt.bad_format")
    return jwt, disclosures, kb_jwt


def _decode_jws(token: str, code: str) -> tuple[dict[str, JSON], dict[str, JSON], bytes, bytes]:
    """Header, payload, signing input and signature of a compact JWS, each part decoded strictly."""
    parts = token.split(".")
    if len(parts) != 3:
        raise VerificationFailed("a JWS has three parts", code)
    try:
        header = parse_json(b64url_decode(parts[0], what="JWS header"))
        payload = parse_json(b64url_decode(parts[1], what="JWS payload"))
        signature = b64url_decode(parts[2], what="JWS signature")
    except MetroblocError as exc:
        raise VerificationFailed(exc.message, code) from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise VerificationFailed("JWS header and payload are JSON objects", code)
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _check_header(header: dict[str, JSON], algs: frozenset[str]) -> str | None:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algs or alg not in DEFAULT_ALGS:
        raise VerificationFailed(f"alg {alg!r} is not allowed", "sdjwt.bad_alg")
    if header.get("typ") != TYP:
        raise VerificationFailed(f"typ {header.get('typ')!r} is not {TYP}", "sdjwt.bad_typ")
    if "crit" in header:
        raise VerificationFailed("no critical header extensions are understood", "sdjwt.bad_format")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise VerificationFailed("kid is a string", "sdjwt.bad_format")
    return kid


def _check_claims(payload: dict[str, JSON], now_s: int) -> None:
    if not isinstance(payload.get("vct"), str) or not payload["vct"]:
        raise VerificationFailed("an SD-JWT VC has a vct", "sdjwt.bad_claims")
    if "iss" in payload and not isinstance(payload["iss"], str):
        raise VerificationFailed("iss is a string", "sdjwt.bad_claims")
    if "status" in payload and not isinstance(payload["status"], dict):
        raise VerificationFailed("status is an object", "sdjwt.bad_claims")
    if payload.get("_sd_alg", SD_ALG) != SD_ALG:
        raise VerificationFailed(f"_sd_alg {payload['_sd_alg']!r} is not {SD_ALG}", "sdjwt.bad_sd_alg")
    times = {name: payload[name] for name in ("exp", "nbf", "iat") if name in payload}
    if not all(_is_time(t) for t in times.values()):
        raise VerificationFailed("exp, nbf and iat are integer seconds", "sdjwt.bad_claims")
    if "exp" in times and now_s >= times["exp"] + LEEWAY_S:
        raise VerificationFailed(f"expired at {times['exp']}", "sdjwt.expired")
    for name in ("nbf", "iat"):
        if name in times and now_s + LEEWAY_S < times[name]:
            raise VerificationFailed(f"{name} {times[name]} is in the future", "sdjwt.not_yet_valid")


def _is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# ---------------------------------------------------------------- disclosures (RFC 9901 section 7.1 step 3)


@dataclass
class _Disclosures:
    by_digest: dict[str, list[JSON]]
    """Each Disclosure's decoded array, by the base64url SHA-256 of its text."""
    used: set[str]
    seen_digests: set[str]


def _disclose(payload: dict[str, JSON], disclosures: list[str]) -> dict[str, JSON]:
    """The processed payload: every digest replaced by its Disclosure, every Disclosure used exactly once."""
    state = _Disclosures(_decode_disclosures(disclosures), set(), set())
    claims = _object(payload, state, 0)
    claims.pop("_sd_alg", None)
    unused = state.by_digest.keys() - state.used
    if unused:
        raise VerificationFailed(f"{len(unused)} Disclosure(s) no digest refers to", "sdjwt.unreferenced_disclosure")
    return claims


def _decode_disclosures(disclosures: list[str]) -> dict[str, list[JSON]]:
    by_digest: dict[str, list[JSON]] = {}
    for text in disclosures:
        digest = _digest(text)
        if digest in by_digest:
            raise VerificationFailed("the same Disclosure is sent twice", "sdjwt.duplicate_disclosure")
        try:
            decoded = parse_json(b64url_decode(text, what="Disclosure"))
        except MetroblocError as exc:
            raise VerificationFailed(exc.message, "sdjwt.bad_disclosure") from exc
        if not (isinstance(decoded, list) and len(decoded) in (2, 3) and isinstance(decoded[0], str)):
            raise VerificationFailed("a Disclosure is [salt, name, value] or [salt, value]", "sdjwt.bad_disclosure")
        if len(decoded) == 3 and (not isinstance(decoded[1], str) or decoded[1] in ("_sd", "...")):
            raise VerificationFailed(
                "a Disclosure's claim name is a string other than _sd and ...", "sdjwt.bad_disclosure"
            )
        by_digest[digest] = decoded
    return by_digest


def _take(digest: JSON, state: _Disclosures, length: int) -> list[JSON] | None:
    """The Disclosure a digest names (None for a decoy or an undisclosed claim), used once only."""
    if not isinstance(digest, str):
        raise VerificationFailed("a digest is a string", "sdjwt.bad_format")
    if digest in state.seen_digests:
        raise VerificationFailed("a digest appears twice in the payload", "sdjwt.duplicate_digest")
    state.seen_digests.add(digest)
    disclosure = state.by_digest.get(digest)
    if disclosure is None:
        return None
    if len(disclosure) != length:
        where = "an object's _sd" if length == 3 else "an array element"
        raise VerificationFailed(f"a Disclosure of the wrong kind in {where}", "sdjwt.bad_disclosure")
    state.used.add(digest)
    return disclosure


def _value(value: JSON, state: _Disclosures, depth: int) -> JSON:
    if depth > _MAX_NESTING:
        raise VerificationFailed("claims nested too deeply", "sdjwt.bad_format")
    if isinstance(value, dict):
        return _object(value, state, depth + 1)
    if isinstance(value, list):
        return _array(value, state, depth + 1)
    return value


def _object(value: dict[str, JSON], state: _Disclosures, depth: int) -> dict[str, JSON]:
    """An object with the Disclosures its ``_sd`` digests name; at the top, none for ``NOT_DISCLOSABLE``."""
    if "..." in value:
        raise VerificationFailed("'...' marks array elements only", "sdjwt.bad_format")
    out: dict[str, JSON] = {}
    for name, claim in value.items():
        if name != "_sd":
            used = len(state.used)
            out[name] = _value(claim, state, depth)
            if depth == 0 and name in NOT_DISCLOSABLE and len(state.used) != used:
                raise VerificationFailed(f"{name} must not hold Disclosures", "sdjwt.bad_disclosure")
    digests = value.get("_sd", [])
    if not isinstance(digests, list):
        raise VerificationFailed("_sd is an array of digests", "sdjwt.bad_format")
    for digest in digests:
        disclosure = _take(digest, state, 3)
        if disclosure is None:
            continue
        _, name, claim = disclosure
        if depth == 0 and name in NOT_DISCLOSABLE:
            raise VerificationFailed(f"{name} must not be selectively disclosed", "sdjwt.bad_disclosure")
        if name in out:
            raise VerificationFailed(f"a Disclosure overwrites the claim {name!r}", "sdjwt.claim_conflict")
        out[name] = _value(claim, state, depth)
    return out


def _array(value: list[JSON], state: _Disclosures, depth: int) -> list[JSON]:
    out: list[JSON] = []
    for element in value:
        if isinstance(element, dict) and "..." in element:
            if len(element) != 1:
                raise VerificationFailed("an array placeholder has '...' as its only key", "sdjwt.bad_format")
            disclosure = _take(element["..."], state, 2)
            if disclosure is not None:
                out.append(_value(disclosure[1], state, depth))
        else:
            out.append(_value(element, state, depth))
    return out


# ---------------------------------------------------------------- key binding (RFC 9901 section 7.3)


def _check_binding(
    cnf: JSON, kb_jwt: str, algs: frozenset[str], required: bool
) -> tuple[dict[str, JSON], dict[str, JSON]] | None:
    """The holder's JWK and the verified KB-JWT payload; None for an unbound credential that may be one."""
    if cnf is None:
        if kb_jwt:
            raise VerificationFailed("a KB-JWT, but the credential names no holder key", "sdjwt.kb_bad")
        if required:
            raise VerificationFailed("the credential has no cnf, so it cannot be bound", "sdjwt.kb_missing")
        return None
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    holder = _load_key(jwk) if isinstance(jwk, dict) else None
    if holder is None or not isinstance(jwk, dict):
        raise VerificationFailed("cnf is {jwk: public Ed25519 or P-256 key}", "sdjwt.bad_cnf")
    if not kb_jwt:
        raise VerificationFailed("the credential is holder-bound and no KB-JWT was sent", "sdjwt.kb_missing")
    header, claims, signing_input, signature = _decode_jws(kb_jwt, "sdjwt.kb_bad")
    if header.get("typ") != KB_TYP or "crit" in header:
        raise VerificationFailed(f"KB-JWT typ is {KB_TYP} and has no crit", "sdjwt.kb_bad")
    if header.get("alg") not in algs or header.get("alg") != holder.alg:
        raise VerificationFailed(f"KB-JWT alg {header.get('alg')!r} is not the holder key's", "sdjwt.kb_bad")
    if not holder.verify(signing_input, signature):
        raise VerificationFailed("the KB-JWT signature does not verify", "sdjwt.kb_bad")
    return jwk, claims


def _check_kb_claims(
    claims: dict[str, JSON], presentation: str, aud: str, nonce: str, now_s: int, max_age_s: int
) -> None:
    if claims.get("aud") != aud:
        raise VerificationFailed("KB-JWT for another audience", "sdjwt.kb_wrong_audience")
    if claims.get("nonce") != nonce:
        raise VerificationFailed("KB-JWT with another nonce", "sdjwt.kb_wrong_nonce")
    iat = claims.get("iat")
    if not _is_time(iat):
        raise VerificationFailed("KB-JWT iat is integer seconds", "sdjwt.kb_bad")
    assert isinstance(iat, int)
    if not now_s - max_age_s <= iat <= now_s + LEEWAY_S:
        raise VerificationFailed(f"KB-JWT iat {iat} is outside [now - {max_age_s}, now + {LEEWAY_S}]", "sdjwt.kb_stale")
    if claims.get("sd_hash") != _digest(presentation[: presentation.rindex("~") + 1]):
        raise VerificationFailed("sd_hash is not the hash of this presentation", "sdjwt.kb_sd_hash")


__all__ = [
    "DEFAULT_ALGS",
    "KB_MAX_AGE_S",
    "KB_TYP",
    "LEEWAY_S",
    "NOT_DISCLOSABLE",
    "TYP",
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
