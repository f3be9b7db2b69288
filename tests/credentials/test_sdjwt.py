"""SD-JWT VC: issue, present with selective disclosure and verify strictly; every refusal has its code;
EdDSA and ES256 for issuers and holders; the RFC 9901 example presentation verifies under the RFC's key;
the reference package's verifier accepts what we issue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from metrobloc.credentials import sdjwt
from metrobloc.credentials.sdjwt import issue, present, public_jwk, verify_presentation
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput, VerificationFailed

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "sd-jwt" / "rfc9901.json").read_text())

ED_ISSUER = PrivateKey(hashlib.sha256(b"issuer").digest())
ED_HOLDER = PrivateKey(hashlib.sha256(b"holder").digest())
P256_ISSUER = ec.derive_private_key(0x1D5_5EED, ec.SECP256R1())
P256_HOLDER = ec.derive_private_key(0x2D5_5EED, ec.SECP256R1())
OTHER_HOLDER = PrivateKey(hashlib.sha256(b"someone else").digest())
IAT, EXP, NOW = 1_750_000_000, 1_750_000_000 + 365 * 86400, 1_750_000_600
AUD, NONCE = "https://permits.city.example", "n-0S6_WzA2Mj"
ISS = "https://registry.city.example"
VCT = "https://city.example/credentials/residency"

CLAIMS = {
    "iss": ISS,
    "sub": "did:mb:mb1q8residentxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "given_name": "Ada",
    "family_name": "Lovelace-Byron",
    "birthdate": "1815-12-10",
    "address": {"street_address": "12 Harbour Row", "locality": "Metroville", "postal_code": "40210"},
    "nationalities": ["GB", "IE"],
}
DISCLOSABLE = ["given_name", "family_name", "birthdate", "address", "address.street_address", ("nationalities", 1)]
Key = PrivateKey | ec.EllipticCurvePrivateKey


def credential(issuer: Key = ED_ISSUER, holder: Key = ED_HOLDER, **options: Any) -> str:
    holder_jwk = public_jwk(holder)
    return issue(
        CLAIMS,
        DISCLOSABLE,
        issuer_key=issuer,
        kid="registry-2025",
        holder_jwk=holder_jwk,
        vct=VCT,
        iat=IAT,
        exp=EXP,
        **options,
    )


def presentation(issuer: Key = ED_ISSUER, holder: Key = ED_HOLDER, disclose: Any = ("given_name",), **kb: Any) -> str:
    args = {"aud": AUD, "nonce": NONCE, "iat": NOW - 5} | kb
    return present(credential(issuer, holder), disclose, holder_key=holder, **args)


def resolver(issuer: Key = ED_ISSUER) -> sdjwt.KeyResolver:
    return lambda kid, iss: public_jwk(issuer) if (kid, iss) == ("registry-2025", ISS) else None


def verify(text: str, issuer: Key = ED_ISSUER, **options: Any) -> sdjwt.VerifiedSdJwt:
    args = {"issuer_key": resolver(issuer), "expected_aud": AUD, "expected_nonce": NONCE, "now_s": NOW} | options
    return verify_presentation(text, **args)


def refused(code: str, text: str, **options: Any) -> None:
    with pytest.raises(VerificationFailed) as caught:
        verify(text, **options)
    assert caught.value.code == code, caught.value.message


# ------------------------------------------------------------ building blocks for forged presentations


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def joserfc_key(key: Key) -> OKPKey | ECKey:
    if isinstance(key, PrivateKey):
        return OKPKey.import_key(Ed25519PrivateKey.from_private_bytes(key.seed))
    return ECKey.import_key(key)


def sign(header: dict[str, Any], payload: dict[str, Any], key: Key) -> str:
    """A compact JWS by joserfc, independent of the module under test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(header, json.dumps(payload), joserfc_key(key), algorithms=[header["alg"]])


def disclosure(*parts: Any) -> tuple[str, str]:
    """A Disclosure's text and its digest."""
    text = b64(json.dumps(list(parts)).encode())
    return text, b64(hashlib.sha256(text.encode()).digest())


def kb_jwt(unbound: str, holder: Key = ED_HOLDER, **changes: Any) -> str:
    alg = "EdDSA" if isinstance(holder, PrivateKey) else "ES256"
    header = {"alg": alg, "typ": "kb+jwt"} | changes.pop("header", {})
    claims = {"iat": NOW - 5, "aud": AUD, "nonce": NONCE, "sd_hash": b64(hashlib.sha256(unbound.encode()).digest())}
    return sign(header, claims | changes, holder)


def bind(unbound: str, holder: Key = ED_HOLDER, **changes: Any) -> str:
    """``unbound`` (ending in ``~``) with a valid KB-JWT, as a dishonest holder would re-sign it."""
    return unbound + kb_jwt(unbound, holder, **changes)


def forged(payload_changes: dict[str, Any], disclosures: list[str], header: dict[str, Any] | None = None) -> str:
    """A credential signed by the real issuer key around a hand-made payload, then bound by the holder."""
    payload = {"iss": ISS, "vct": VCT, "iat": IAT, "exp": EXP, "_sd_alg": "sha-256"}
    payload |= {"cnf": {"jwk": public_jwk(ED_HOLDER)}} | payload_changes
    jwt = sign({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "registry-2025"} | (header or {}), payload, ED_ISSUER)
    return bind("~".join([jwt, *disclosures, ""]))


def unbound_of(text: str) -> str:
    return text[: text.rindex("~") + 1]


# ------------------------------------------------------------ issue, present, verify


@pytest.mark.parametrize("issuer", [ED_ISSUER, P256_ISSUER], ids=["EdDSA-issuer", "ES256-issuer"])
@pytest.mark.parametrize("holder", [ED_HOLDER, P256_HOLDER], ids=["EdDSA-holder", "ES256-holder"])
def test_issue_present_verify(issuer: Key, holder: Key) -> None:
    text = presentation(issuer, holder, disclose=["given_name", "address.street_address", ("nationalities", 1)])
    result = verify(text, issuer)
    assert result.claims["given_name"] == "Ada"
    assert result.claims["address"] == {
        "street_address": "12 Harbour Row",
        "locality": "Metroville",
        "postal_code": "40210",
    }
    assert result.claims["nationalities"] == ["GB", "IE"]
    assert "family_name" not in result.claims and "birthdate" not in result.claims
    assert (result.issuer, result.kid, result.vct, result.status) == (ISS, "registry-2025", VCT, None)
    assert result.holder_jwk == public_jwk(holder)
    assert unb64(text.split(".")[0])["alg"] == ("EdDSA" if isinstance(issuer, PrivateKey) else "ES256")
    assert unb64(text.split("~")[-1].split(".")[0]) == {
        "alg": "EdDSA" if isinstance(holder, PrivateKey) else "ES256",
        "typ": "kb+jwt",
    }


def test_undisclosed_claims_are_not_revealed() -> None:
    text = presentation(disclose=["given_name"])
    jwt, *disclosures, kb = text.split("~")
    json_parts = [*jwt.split(".")[:2], *disclosures, *kb.split(".")[:2]]  # all but the signatures
    revealed = " ".join(json.dumps(unb64(part), ensure_ascii=False) for part in json_parts)
    assert '"Ada"' in revealed
    for secret in ("Lovelace-Byron", "1815-12-10", "12 Harbour Row", '"IE"'):
        assert secret not in revealed
    for secret in ("Lovelace-Byron", "1815-12-10", "12 Harbour Row"):  # long enough not to occur by chance
        assert secret not in text
    claims = verify(text).claims
    assert claims["nationalities"] == ["GB"]  # the undisclosed element is dropped, not left as a placeholder
    assert set(claims) == {"iss", "sub", "given_name", "nationalities", "vct", "iat", "exp", "cnf"}


def test_disclosing_nothing_and_a_parent_alone() -> None:
    assert "given_name" not in verify(presentation(disclose=[])).claims
    claims = verify(presentation(disclose=["address"])).claims
    assert claims["address"] == {"locality": "Metroville", "postal_code": "40210"}


def test_status_is_carried_for_the_caller() -> None:
    status = {"status_list": {"idx": 412, "uri": "https://registry.city.example/statuslists/1"}}
    text = present(credential(status=status), ["given_name"], holder_key=ED_HOLDER, aud=AUD, nonce=NONCE, iat=NOW)
    assert verify(text).status == status


def test_the_reference_verifier_accepts_what_we_issue_and_present() -> None:
    text = presentation(P256_ISSUER, P256_HOLDER, disclose=["given_name", "address.street_address"])
    reference = SDJWTVerifier(text, lambda iss, header: JWK(**public_jwk(P256_ISSUER)), AUD, NONCE)
    claims = reference.get_verified_payload()
    assert claims["given_name"] == "Ada" and claims["address"]["street_address"] == "12 Harbour Row"
    assert "family_name" not in claims


def test_joserfc_verifies_our_eddsa_key_binding_jwt() -> None:
    kb = presentation().split("~")[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        token = jws.deserialize_compact(kb, joserfc_key(ED_HOLDER), algorithms=["EdDSA"])
    assert json.loads(token.payload)["aud"] == AUD


# ------------------------------------------------------------ the RFC 9901 examples


def rfc_resolver(kid: str | None, iss: str | None) -> dict[str, str] | None:
    return VECTORS["issuer_jwk"] if iss == VECTORS["a3_issuer"] else None


def test_the_rfc_9901_sd_jwt_vc_presentation_verifies() -> None:
    kb = VECTORS["a3_kb"]
    result = verify_presentation(
        VECTORS["a3_presentation"],
        issuer_key=rfc_resolver,
        expected_aud=kb["aud"],
        expected_nonce=kb["nonce"],
        now_s=kb["iat"] + 30,
        allowed_algs=("ES256",),
    )
    assert (result.issuer, result.vct, result.kid) == (VECTORS["a3_issuer"], VECTORS["a3_vct"], None)
    assert result.holder_jwk == VECTORS["holder_jwk"]
    for name, value in VECTORS["a3_presented_claims"].items():
        assert result.claims[name] == value
    assert "given_name" not in result.claims and "Erika" not in VECTORS["a3_presentation"]
    assert "Erika" in json.dumps([unb64(d) for d in VECTORS["a3_issuance"].split("~")[1:-1]])


def test_the_rfc_9901_examples_are_refused_where_they_should_be() -> None:
    kb = VECTORS["a3_kb"]
    options = {"issuer_key": rfc_resolver, "expected_aud": kb["aud"], "expected_nonce": kb["nonce"]}
    cases = [
        (VECTORS["a3_issuance"], kb["iat"], "sdjwt.kb_missing"),  # the issuance carries no KB-JWT
        (VECTORS["a3_presentation"], kb["iat"] + 3600, "sdjwt.kb_stale"),
        (VECTORS["a3_presentation"], 1_883_000_000 + 61, "sdjwt.expired"),
        (VECTORS["section_5_1_issuance"], kb["iat"], "sdjwt.bad_typ"),  # typ example+sd-jwt
    ]
    parts = VECTORS["a3_presentation"].split("~")
    given_name = VECTORS["a3_issuance"].split("~")[1]  # a Disclosure the holder chose not to send
    cases.append(("~".join([*parts[:-1], given_name, parts[-1]]), kb["iat"], "sdjwt.kb_sd_hash"))
    for text, now, code in cases:
        with pytest.raises(VerificationFailed) as caught:
            verify_presentation(text, now_s=now, **options)
        assert caught.value.code == code, caught.value.message


# ------------------------------------------------------------ refusals


def test_tampered_payload_or_signature() -> None:
    text = presentation()
    jwt, rest = text.split("~", 1)
    header, payload, signature = jwt.split(".")
    changed = b64(json.dumps(unb64(payload) | {"vct": "https://city.example/credentials/mayor"}).encode())
    refused("sdjwt.bad_signature", f"{header}.{changed}.{signature}~{rest}")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    refused("sdjwt.bad_signature", f"{header}.{payload}.{flipped}~{rest}")
    refused("sdjwt.bad_signature", text, issuer=OTHER_HOLDER)


def test_an_extra_disclosure_not_referenced() -> None:
    text, _ = disclosure("c2FsdHNhbHRzYWx0", "given_name", "Mallory")
    refused("sdjwt.unreferenced_disclosure", bind(unbound_of(presentation()) + text + "~"))


def test_a_repeated_disclosure() -> None:
    unbound = unbound_of(presentation(disclose=["given_name"]))
    given = unbound.split("~")[1]
    refused("sdjwt.duplicate_disclosure", bind(unbound + given + "~"))


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256", "RS256", "EdDSA-but-not-allowed"])
def test_a_swapped_algorithm(alg: str) -> None:
    jwt, rest = presentation().split("~", 1)
    header, payload, signature = jwt.split(".")
    options: dict[str, Any] = {}
    if alg == "EdDSA-but-not-allowed":
        alg, options = "EdDSA", {"allowed_algs": ("ES256",)}
    swapped = b64(json.dumps(unb64(header) | {"alg": alg}).encode())
    if alg == "HS256":  # the classic confusion: an HMAC keyed with the public key
        mac = hmac.new(public_jwk(ED_ISSUER)["x"].encode(), f"{swapped}.{payload}".encode(), "sha256").digest()
        signature = b64(mac)
    if alg == "none":
        signature = ""
    refused("sdjwt.bad_alg", f"{swapped}.{payload}.{signature}~{rest}", **options)


def test_an_es256_issuer_is_refused_when_only_eddsa_is_allowed() -> None:
    refused("sdjwt.bad_alg", presentation(P256_ISSUER), issuer=P256_ISSUER, allowed_algs=("EdDSA",))


def test_wrong_typ_and_unknown_issuer() -> None:
    refused("sdjwt.bad_typ", forged({}, [], header={"typ": "example+sd-jwt"}))
    refused("sdjwt.bad_typ", forged({}, [], header={"typ": "JWT"}))
    refused("sdjwt.unknown_issuer", forged({}, [], header={"kid": "old-key"}))
    header = b64(json.dumps({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "registry-2025", "crit": ["b64"]}).encode())
    payload = b64(json.dumps({"iss": ISS, "vct": VCT, "cnf": {"jwk": public_jwk(ED_HOLDER)}}).encode())
    signature = b64(ED_ISSUER.sign(f"{header}.{payload}".encode()))  # joserfc will not sign a crit it lacks
    refused("sdjwt.bad_format", bind(f"{header}.{payload}.{signature}~"))
    assert verify(forged({}, [])).vct == VCT  # the forging helper itself makes valid presentations


def test_expired_and_not_yet_valid() -> None:
    text = presentation()
    refused("sdjwt.expired", text, now_s=EXP + sdjwt.LEEWAY_S)
    verify(text, now_s=EXP + sdjwt.LEEWAY_S - 1, kb_max_age_s=10**9)  # within the leeway
    refused("sdjwt.not_yet_valid", forged({"iat": NOW + 3600}, []))
    refused("sdjwt.not_yet_valid", forged({"nbf": NOW + 3600}, []))
    verify(forged({"nbf": NOW + sdjwt.LEEWAY_S}, []))


def test_claims_of_the_wrong_type() -> None:
    for changes in ({"vct": None}, {"vct": 7}, {"exp": "tomorrow"}, {"iat": True}, {"iss": ["a"]}, {"status": "ok"}):
        payload = {"iss": ISS, "vct": VCT, "iat": IAT, "exp": EXP, "cnf": {"jwk": public_jwk(ED_HOLDER)}} | changes
        payload = {k: v for k, v in payload.items() if v is not None}
        jwt = sign({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "registry-2025"}, payload, ED_ISSUER)
        text = bind(jwt + "~")
        with pytest.raises(VerificationFailed) as caught:
            verify_presentation(
                text,
                issuer_key=lambda kid, iss: public_jwk(ED_ISSUER),
                expected_aud=AUD,
                expected_nonce=NONCE,
                now_s=NOW,
            )
        assert caught.value.code == "sdjwt.bad_claims", changes


def test_digests_and_disclosures_that_break_the_rules() -> None:
    name, name_digest = disclosure("c2FsdA", "given_name", "Ada")
    element, element_digest = disclosure("c2FsdA", "IE")
    exp, exp_digest = disclosure("c2FsdA", "exp", EXP + 10**8)
    nested_exp, nested_exp_digest = disclosure("c2FsdA", "status_list", {"idx": 1, "uri": "x"})
    reserved, reserved_digest = disclosure("c2FsdA", "_sd", ["x"])
    cases = [
        ("sdjwt.bad_sd_alg", {"_sd_alg": "sha-512", "_sd": [name_digest]}, [name]),
        ("sdjwt.duplicate_digest", {"_sd": [name_digest, name_digest]}, [name]),
        ("sdjwt.duplicate_digest", {"_sd": [name_digest], "address": {"_sd": [name_digest]}}, [name]),
        ("sdjwt.claim_conflict", {"_sd": [name_digest], "given_name": "Eve"}, [name]),
        ("sdjwt.bad_disclosure", {"nationalities": [{"...": name_digest}]}, [name]),  # a named one in an array
        ("sdjwt.bad_disclosure", {"_sd": [element_digest]}, [element]),  # an array element in _sd
        ("sdjwt.bad_disclosure", {"_sd": [exp_digest]}, [exp]),  # exp hidden in a Disclosure
        ("sdjwt.bad_disclosure", {"status": {"_sd": [nested_exp_digest]}}, [nested_exp]),
        ("sdjwt.bad_disclosure", {"_sd": [reserved_digest]}, [reserved]),
        ("sdjwt.bad_disclosure", {}, ["bm90IGpzb24"]),
        ("sdjwt.bad_disclosure", {}, [b64(b'["only-salt"]')]),
        ("sdjwt.bad_format", {"nationalities": [{"...": element_digest, "x": 1}]}, [element]),
        ("sdjwt.bad_format", {"address": {"...": element_digest}}, [element]),
        ("sdjwt.bad_format", {"_sd": "not-a-list"}, []),
        ("sdjwt.bad_format", {"_sd": [7]}, []),
        ("sdjwt.unreferenced_disclosure", {"_sd": [element_digest]}, [name]),
    ]
    for code, payload, disclosures in cases:
        with pytest.raises(VerificationFailed) as caught:
            verify(forged(payload, disclosures))
        assert caught.value.code == code, (code, payload, caught.value.message)


def test_recursive_disclosures_and_decoys() -> None:
    street, street_digest = disclosure("c2FsdDE", "street_address", "12 Harbour Row")
    address, address_digest = disclosure("c2FsdDI", "address", {"_sd": [street_digest, "decoy" * 8], "x": 1})
    element, element_digest = disclosure("c2FsdDM", {"_sd": [street_digest]})
    claims = verify(forged({"_sd": [address_digest, "a-decoy-digest"]}, [address, street])).claims
    assert claims["address"] == {"x": 1, "street_address": "12 Harbour Row"}
    refused("sdjwt.unreferenced_disclosure", forged({"_sd": [address_digest]}, [street]))
    refused(
        "sdjwt.duplicate_digest", forged({"list": [{"...": element_digest}], "_sd": [street_digest]}, [element, street])
    )


def test_malformed_presentations() -> None:
    text = presentation()
    for garbage in ("", "no-tilde", "a.b.c~", "~", text.replace("~", "~~", 1), "é" + text, 7):
        refused("sdjwt.bad_format", garbage)  # type: ignore[arg-type]
    refused("sdjwt.bad_format", "x" * (sdjwt.MAX_PRESENTATION_BYTES + 1))
    header, payload, signature = text.split("~")[0].split(".")
    refused("sdjwt.bad_format", f"{header}=.{payload}.{signature}~")  # padding is not base64url
    dup = b64(b'{"alg":"EdDSA","typ":"dc+sd-jwt","alg":"ES256"}')
    refused("sdjwt.bad_format", f"{dup}.{payload}.{signature}~")


# ------------------------------------------------------------ key binding


def test_key_binding_is_required() -> None:
    refused("sdjwt.kb_missing", unbound_of(presentation()))
    unbound_credential = sign({"alg": "EdDSA", "typ": "dc+sd-jwt"}, {"vct": VCT, "iss": ISS}, ED_ISSUER) + "~"
    refused("sdjwt.kb_missing", unbound_credential, issuer_key=lambda kid, iss: public_jwk(ED_ISSUER))
    result = verify(unbound_credential, issuer_key=lambda kid, iss: public_jwk(ED_ISSUER), require_key_binding=False)
    assert result.holder_jwk is None
    with_kb = bind(unbound_credential)
    refused("sdjwt.kb_bad", with_kb, issuer_key=lambda kid, iss: public_jwk(ED_ISSUER), require_key_binding=False)


@pytest.mark.parametrize("holder", [ED_HOLDER, P256_HOLDER], ids=["EdDSA", "ES256"])
def test_key_binding_refusals(holder: Key) -> None:
    unbound = unbound_of(presentation(holder=holder))
    refused("sdjwt.kb_wrong_audience", bind(unbound, holder, aud="https://elsewhere.example"))
    refused("sdjwt.kb_wrong_audience", bind(unbound, holder, aud=[AUD]))
    refused("sdjwt.kb_wrong_nonce", bind(unbound, holder, nonce="replayed"))
    refused("sdjwt.kb_sd_hash", bind(unbound, holder, sd_hash=b64(hashlib.sha256(b"other").digest())))
    refused("sdjwt.kb_stale", bind(unbound, holder, iat=NOW - sdjwt.KB_MAX_AGE_S - 1))
    refused("sdjwt.kb_stale", bind(unbound, holder, iat=NOW + sdjwt.LEEWAY_S + 1))
    refused("sdjwt.kb_bad", bind(unbound, holder, iat="now"))
    refused("sdjwt.kb_bad", bind(unbound, holder, header={"typ": "JWT"}))
    refused("sdjwt.kb_bad", bind(unbound, OTHER_HOLDER if holder is P256_HOLDER else P256_HOLDER))
    refused("sdjwt.kb_bad", bind(unbound, holder)[:-3] + "AAA")
    refused("sdjwt.kb_bad", unbound + "not.a-jwt")
    verify(bind(unbound, holder, iat=NOW - sdjwt.KB_MAX_AGE_S))  # the edges of the window still pass
    verify(bind(unbound, holder, iat=NOW + sdjwt.LEEWAY_S))


def test_a_kb_jwt_signed_by_another_key_of_the_same_type() -> None:
    unbound = unbound_of(presentation())
    refused("sdjwt.kb_bad", bind(unbound, OTHER_HOLDER))


def test_a_bad_cnf() -> None:
    for cnf in ({"kid": "holder-1"}, {"jwk": {"kty": "RSA", "n": "x", "e": "AQAB"}}, "jwk", {"jwk": {"kty": "OKP"}}):
        refused("sdjwt.bad_cnf", forged({"cnf": cnf}, []))
    private = public_jwk(ED_HOLDER) | {"d": ED_HOLDER.to_b64()}
    refused("sdjwt.bad_cnf", forged({"cnf": {"jwk": private}}, []))


# ------------------------------------------------------------ issuing and presenting refuse bad input


def test_issue_refuses_bad_input() -> None:
    cases: list[tuple[str, dict[str, Any], list[Any]]] = [
        ("sdjwt.not_disclosable", CLAIMS, ["iss"]),
        ("sdjwt.no_such_claim", CLAIMS, ["middle_name"]),
        ("sdjwt.no_such_claim", CLAIMS, [("nationalities", 5)]),
        ("sdjwt.bad_claims", CLAIMS | {"exp": 1}, []),
        ("sdjwt.reserved_name", CLAIMS | {"address": {"_sd": []}}, []),
        ("codec.float_not_allowed", CLAIMS | {"height": 1.7}, []),
    ]
    for code, claims, paths in cases:
        with pytest.raises(InvalidInput) as caught:
            issue(
                claims,
                paths,
                issuer_key=ED_ISSUER,
                kid="k",
                holder_jwk=public_jwk(ED_HOLDER),
                vct=VCT,
                iat=IAT,
                exp=EXP,
            )
        assert caught.value.code == code, caught.value.message
    with pytest.raises(InvalidInput) as caught:
        issue(CLAIMS, [], issuer_key=ED_ISSUER, kid="k", holder_jwk={"kty": "OKP"}, vct=VCT, iat=IAT, exp=EXP)
    assert caught.value.code == "sdjwt.bad_key"


def test_present_refuses_bad_input() -> None:
    text = credential()
    for code, disclose, holder in [
        ("sdjwt.wrong_holder_key", ["given_name"], OTHER_HOLDER),
        ("sdjwt.no_such_claim", ["middle_name"], ED_HOLDER),
        ("sdjwt.no_such_claim", [("given_name", 0)], ED_HOLDER),
    ]:
        with pytest.raises(InvalidInput) as caught:
            present(text, disclose, holder_key=holder, aud=AUD, nonce=NONCE, iat=NOW)
        assert caught.value.code == code, caught.value.message
    with pytest.raises(InvalidInput) as caught:
        present("garbage", [], holder_key=ED_HOLDER, aud=AUD, nonce=NONCE, iat=NOW)
    assert caught.value.code == "sdjwt.bad_format"


def test_keys_in_every_accepted_form() -> None:
    text = presentation()
    ed = ED_ISSUER.public_key
    for key in (ed, ed.raw, public_jwk(ED_ISSUER), Ed25519PrivateKey.from_private_bytes(ED_ISSUER.seed).public_key()):
        assert verify(text, issuer_key=lambda kid, iss, key=key: key).vct == VCT
    p256 = presentation(P256_ISSUER)
    point = P256_ISSUER.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    for key in (P256_ISSUER.public_key(), point, public_jwk(P256_ISSUER)):
        assert verify(p256, issuer_key=lambda kid, iss, key=key: key).vct == VCT
    off_curve = public_jwk(P256_ISSUER) | {"y": public_jwk(P256_HOLDER)["y"]}
    refused("sdjwt.unknown_issuer", p256, issuer_key=lambda kid, iss: off_curve)
