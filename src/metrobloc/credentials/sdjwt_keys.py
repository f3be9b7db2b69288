"""SD-JWT VC formats shared by issuing (``sdjwt.py``) and verifying (``sdjwt_verify.py``): the
constants, the key types and how a key is loaded from a JWK, a key object or raw bytes, and the
digest of a Disclosure or a presentation (RFC 9901)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from metrobloc.codec import b64url_decode, b64url_encode
from metrobloc.crypto import PrivateKey, PublicKey, verify_signature
from metrobloc.errors import InvalidInput

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
RESERVED = frozenset({"_sd", "...", "_sd_alg"})
MAX_NESTING = 64

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
class LoadedKey:
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
    loaded = load_key(key)
    if loaded is None:
        raise InvalidInput("not an Ed25519 or P-256 key", "sdjwt.bad_key")
    return jwk_of(loaded)


def jwk_of(loaded: LoadedKey) -> dict[str, str]:
    if loaded.raw is not None:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(loaded.raw)}
    assert loaded.ec_key is not None
    point = loaded.ec_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {"kty": "EC", "crv": "P-256", "x": b64url_encode(point[1:33]), "y": b64url_encode(point[33:])}


def load_key(key: object) -> LoadedKey | None:
    """The verification key and its one algorithm; None for anything but Ed25519 and P-256 public keys."""
    if isinstance(key, PublicKey):
        return LoadedKey("EdDSA", raw=key.raw)
    if isinstance(key, Ed25519PublicKey):
        return LoadedKey("EdDSA", raw=key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    if isinstance(key, ec.EllipticCurvePublicKey):
        return LoadedKey("ES256", ec_key=key) if isinstance(key.curve, ec.SECP256R1) else None
    if isinstance(key, bytes):
        if len(key) == 32:
            return LoadedKey("EdDSA", raw=key)
        return _p256_point(key) if len(key) == 65 else None
    if isinstance(key, Mapping):
        return _jwk_key(tuple(sorted((str(k), v) for k, v in key.items() if isinstance(v, str))))
    return None


@lru_cache(maxsize=4096)  # issuers and holders repeat; EC point validation is the costly part
def _jwk_key(members: tuple[tuple[str, str], ...]) -> LoadedKey | None:
    jwk = dict(members)
    if "d" in jwk:
        return None  # private key material where a public key belongs
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("alg", "EdDSA") == "EdDSA":
            return LoadedKey("EdDSA", raw=b64url_decode(jwk["x"], length=32))
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" and jwk.get("alg", "ES256") == "ES256":
            x, y = b64url_decode(jwk["x"], length=32), b64url_decode(jwk["y"], length=32)
            return _p256_point(b"\x04" + x + y)
    except (KeyError, InvalidInput):
        return None
    return None


def _p256_point(point: bytes) -> LoadedKey | None:
    try:
        return LoadedKey("ES256", ec_key=ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point))
    except ValueError:
        return None  # not on the curve


def algorithm_of(key: SigningKey) -> str:
    if isinstance(key, PrivateKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise InvalidInput("signing keys are Ed25519 (PrivateKey) or P-256", "sdjwt.bad_key")


def pyca_private(key: SigningKey) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    return Ed25519PrivateKey.from_private_bytes(key.seed) if isinstance(key, PrivateKey) else key


def disclosure_digest(text: str) -> str:
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())
