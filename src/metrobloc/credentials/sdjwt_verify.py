"""The strict SD-JWT VC verifier (the codes are listed in ``sdjwt.py``): every step of RFC 9901
section 7 written out, the algorithm pinned by the issuer key's type, no clock but ``now_s``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from metrobloc.codec import b64url_decode, parse_json
from metrobloc.credentials.sdjwt_keys import (
    DEFAULT_ALGS,
    JSON,
    KB_MAX_AGE_S,
    KB_TYP,
    LEEWAY_S,
    MAX_NESTING,
    MAX_PRESENTATION_BYTES,
    NOT_DISCLOSABLE,
    SD_ALG,
    TYP,
    KeyResolver,
    VerifiedSdJwt,
    disclosure_digest,
    load_key,
)
from metrobloc.errors import MetroblocError, VerificationFailed

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
    loaded = load_key(key) if key is not None else None
    if loaded is None:
        raise VerificationFailed(f"no key for issuer {iss!r} (kid {kid!r})", "sdjwt.unknown_issuer")
    if loaded.alg != header["alg"]:
        raise VerificationFailed(f"alg {header['alg']} is not the issuer key's {loaded.alg}", "sdjwt.bad_alg")
    if not loaded.verify(signing_input, signature):
        raise VerificationFailed("the issuer's signature does not verify", "sdjwt.bad_signature")
    _check_claims(payload, now_s)
    claims = disclose(payload, disclosures)
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
    if not all(is_time(t) for t in times.values()):
        raise VerificationFailed("exp, nbf and iat are integer seconds", "sdjwt.bad_claims")
    if "exp" in times and now_s >= times["exp"] + LEEWAY_S:
        raise VerificationFailed(f"expired at {times['exp']}", "sdjwt.expired")
    for name in ("nbf", "iat"):
        if name in times and now_s + LEEWAY_S < times[name]:
            raise VerificationFailed(f"{name} {times[name]} is in the future", "sdjwt.not_yet_valid")


def is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# ---------------------------------------------------------------- disclosures (RFC 9901 section 7.1 step 3)


@dataclass
class _Disclosures:
    by_digest: dict[str, list[JSON]]
    """Each Disclosure's decoded array, by the base64url SHA-256 of its text."""
    used: set[str]
    seen_digests: set[str]


def disclose(payload: dict[str, JSON], disclosures: list[str]) -> dict[str, JSON]:
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
        digest = disclosure_digest(text)
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
    if depth > MAX_NESTING:
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
    holder = load_key(jwk) if isinstance(jwk, dict) else None
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
    if not is_time(iat):
        raise VerificationFailed("KB-JWT iat is integer seconds", "sdjwt.kb_bad")
    assert isinstance(iat, int)
    if not now_s - max_age_s <= iat <= now_s + LEEWAY_S:
        raise VerificationFailed(f"KB-JWT iat {iat} is outside [now - {max_age_s}, now + {LEEWAY_S}]", "sdjwt.kb_stale")
    if claims.get("sd_hash") != disclosure_digest(presentation[: presentation.rindex("~") + 1]):
        raise VerificationFailed("sd_hash is not the hash of this presentation", "sdjwt.kb_sd_hash")
