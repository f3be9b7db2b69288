"""Time the strict SD-JWT VC verifier (metrobloc.credentials.sdjwt.verify_presentation) on one core.

    python bench/bench_sdjwt.py [--presentations 2000] [--runs 5]

For each pairing of issuer and holder algorithm (EdDSA/ES256), issues one residency credential with
eight claims (six selectively disclosable), presents four of them with a KB-JWT, and prints the median
over ``--runs`` runs of presentations verified per second: both signatures, every Disclosure, the
time and key binding checks, the issuer key resolved from a JWK each time. No status check yet.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from cryptography.hazmat.primitives.asymmetric import ec

from metrobloc.credentials.sdjwt import SigningKey, issue, present, public_jwk, verify_presentation
from metrobloc.crypto import PrivateKey

CLAIMS = {
    "iss": "https://registry.city.example",
    "sub": "did:mb:mb1q8residentxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "given_name": "Ada",
    "family_name": "Lovelace-Byron",
    "birthdate": "1815-12-10",
    "address": {"street_address": "12 Harbour Row", "locality": "Metroville", "postal_code": "40210"},
    "nationalities": ["GB", "IE"],
    "resident_since": "2019-04-01",
}
DISCLOSABLE = ["given_name", "family_name", "birthdate", "address", "address.street_address", "resident_since"]
DISCLOSE = ["given_name", "address.street_address", "resident_since"]
IAT, NOW = 1_750_000_000, 1_750_000_100


def keys(alg: str, label: bytes) -> SigningKey:
    seed = hashlib.sha256(label).digest()
    return PrivateKey(seed) if alg == "EdDSA" else ec.derive_private_key(int.from_bytes(seed, "big"), ec.SECP256R1())


def rate(issuer_alg: str, holder_alg: str, count: int) -> float:
    issuer, holder = keys(issuer_alg, b"issuer"), keys(holder_alg, b"holder")
    issuer_jwk = public_jwk(issuer)
    credential = issue(
        CLAIMS,
        DISCLOSABLE,
        issuer_key=issuer,
        kid="k1",
        holder_jwk=public_jwk(holder),
        vct="urn:x",
        iat=IAT,
        exp=IAT + 10**7,
    )
    text = present(credential, DISCLOSE, holder_key=holder, aud="https://v.example", nonce="n1", iat=NOW)
    start = time.perf_counter()
    for _ in range(count):
        verify_presentation(
            text,
            issuer_key=lambda kid, iss: issuer_jwk,
            expected_aud="https://v.example",
            expected_nonce="n1",
            now_s=NOW,
        )
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presentations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for issuer_alg in ("EdDSA", "ES256"):
        for holder_alg in ("EdDSA", "ES256"):
            rates = [rate(issuer_alg, holder_alg, args.presentations) for _ in range(args.runs)]
            print(
                f"issuer {issuer_alg:5} holder {holder_alg:5}: {statistics.median(rates):8.0f} presentations/s "
                f"(median of {args.runs}, min {min(rates):.0f}, max {max(rates):.0f})"
            )


if __name__ == "__main__":
    main()
