"""Time credential verification on one core, and DID resolution on a chain holding 100,000 DIDs.

    python bench/bench_identity.py [--runs 5] [--only verify|resolve] [--dids 100000] [--keep DIR]

**verify** (the process pinned to one CPU with ``os.sched_setaffinity``): 100 distinct credentials
(or presentations) by one issuer, each naming its own entry of a 131,072-entry status list, verified
in turn, ``--count`` per run. Two figures for each:

- ``per-credential``, the work a verifier repeats for each credential once it holds the issuer's DID
  document (in memory) and has fetched and verified the status list: for VC-DI, ``di.verify_proof``
  with the key found by ``verify.method_key`` in the DID document, then the entry parsed
  (``status.parse_status_entry``), matched to the list and its bit read in the decoded bitstring; for
  SD-JWT VC, ``sdjwt.verify_presentation`` (issuer signature, Disclosures, times, KB-JWT) with the key
  found the same way, then the Token Status List entry read from the decoded list. Not included: the
  VC model check, accreditation and schema (facts a verifier caches per issuer and type).
- ``pipeline``: ``verify.verify_credential`` / ``verify.verify_presentation`` as they stand, over
  facts held in memory (no chain proofs, no HTTP): the model, the proof, accreditation, the subject's
  JSON Schema, and the status list hashed against its anchor, parsed, its signature verified and
  inflated again for every credential (the pipeline keeps no cache).

**resolve**: a fresh node (``metrobloc up``, default options) gets ``--dids`` ``identity/create_did``
txs, each from a fresh key, pre-signed in worker processes and posted with aiohttp to
``/v1/txs/batch``; then ``GET /1.0/identifiers/did:mb:<a random one>`` is timed with aiohttp, one
request at a time (p50/p95) and ``--concurrency`` at a time (requests/s). Node and client share the
machine's cores (not pinned). ``--keep DIR`` builds the chain in DIR once and reuses it.

Figures are medians over ``--runs`` interleaved runs; the load average is printed with each part.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from bench_transfers import free_port, wait_healthy
from cryptography.hazmat.primitives.asymmetric import ec

from metrobloc.codec import canonical_json
from metrobloc.credentials import di, published, sdjwt, status, vc, verify
from metrobloc.credentials.multikey import encode_ed25519
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import build_body, sign_body
from metrobloc.sdk import identity
from metrobloc.sdk.client import Client

ISSUER = PrivateKey(hashlib.sha256(b"bench issuer").digest())
DID = f"did:mb:{ISSUER.address}"
METHOD = f"{DID}#key-1"
NODE = "https://registry.city.example"
LIST_ID = "residency"
LIST_URL = f"{NODE}{vc.STATUS_LIST_PATH}{ISSUER.address}/{LIST_ID}"
CREDENTIAL_TYPE = "ResidencyCredential"
SCHEMA_ID = "residency-v1"
ISSUED = "2026-01-05T09:30:00Z"
NOW_MS = vc.to_ms("2026-03-01T12:00:00Z")
DISTINCT = 100
LIST_ENTRIES = status.MIN_BITSTRING_BITS
SCHEMA = {
    "type": "object",
    "required": ["id", "givenName", "familyName", "address"],
    "properties": {
        "id": {"type": "string"},
        "givenName": {"type": "string", "maxLength": 100},
        "familyName": {"type": "string", "maxLength": 100},
        "birthDate": {"type": "string"},
        "address": {"type": "object", "required": ["locality"]},
        "residentSince": {"type": "string"},
    },
}


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def subject(n: int) -> dict[str, Any]:
    return {
        "id": f"did:mb:{PrivateKey(hashlib.sha256(b'resident %d' % n).digest()).address}",
        "givenName": f"Resident {n}",
        "familyName": "Lovelace-Byron",
        "birthDate": "1990-12-10",
        "address": {"streetAddress": f"{n} Harbour Row", "locality": "Metroville", "postalCode": "40210"},
        "residentSince": "2019-04-01",
    }


class MemoryFacts:
    """``verify.Facts`` held in memory: the issuer's DID document, accredited, one schema, two lists."""

    def __init__(self, lists: dict[str, bytes]) -> None:
        method = {"id": METHOD, "type": "Multikey", "controller": DID}
        method["publicKeyMultibase"] = encode_ed25519(ISSUER.public_key.raw)
        self.document = {"id": DID, "verificationMethod": [method], "assertionMethod": [METHOD]}
        self.lists = lists

    def resolve(self, did: str, version_time: str) -> verify.Resolved:
        return verify.Resolved(self.document, False)

    def accredited(self, address: str, credential_type: str, at_ms: int) -> bool:
        return address == ISSUER.address and credential_type == CREDENTIAL_TYPE

    def schema(self, schema_id: str) -> dict[str, Any]:
        digest = hashlib.sha256(canonical_json(SCHEMA)).hexdigest()  # as the chain's schema record has it
        return {"schema_id": SCHEMA_ID, "credential_type": CREDENTIAL_TYPE, "document": SCHEMA, "digest": digest}

    def status_anchor(self, issuer: str, list_id: str) -> dict[str, Any]:
        kind = list_id.rpartition("-")[2]  # the lists are residency-bitstring and residency-token
        body = self.lists[kind]
        return {"kind": kind, "version": 1, "digest": published.digest(body), "valid_until_ms": NOW_MS + 10**9}

    def status_list(self, url: str, version: int) -> bytes:
        return self.lists[url.rpartition("-")[2]]


# -- VC-DI ------------------------------------------------------------------------------------------


def vc_di_cases(facts: MemoryFacts) -> dict[str, Callable[[int], None]]:
    """The two ways of verifying VC-DI credentials, each a function verifying ``count`` of them."""
    url = LIST_URL + "-bitstring"
    bits = status.new_bitstring(LIST_ENTRIES)
    for revoked in range(1, LIST_ENTRIES, 97):
        status.set_status(bits, revoked)
    facts.lists["bitstring"] = published.bitstring_list(
        list_url=url, issuer=DID, encoded_list=status.encode_list(bits), key=ISSUER,
        verification_method=METHOD, valid_from=ISSUED,
    )  # fmt: skip
    credentials = []
    for n in range(DISTINCT):
        unsigned = vc.build_credential(
            issuer=DID, credential_type=CREDENTIAL_TYPE, subject=subject(n), valid_from=ISSUED,
            schema_url=f"{NODE}{vc.SCHEMA_PATH}{SCHEMA_ID}", status=vc.status_entry(url, 2 + n * 97),
        )  # fmt: skip
        credentials.append(vc.issue_credential(unsigned, ISSUER, METHOD))

    def key_of(method: str) -> bytes:
        return verify.method_key(facts, DID, method, NOW_MS, NOW_MS)

    # Once per list, not timed: what verify.bitstring_status does before it reads a bit.
    list_credential = di.verify_proof(published.read_bitstring_list(facts.lists["bitstring"]), key_of)
    decoded = status.decode_list(list_credential.document["credentialSubject"]["encodedList"])

    def per_credential(count: int) -> None:
        for i in range(count):
            credential = credentials[i % DISTINCT]
            di.verify_proof(credential, key_of)
            entry = status.parse_status_entry(credential["credentialStatus"])
            assert entry.list_credential == url and entry.purpose == "revocation"
            assert status.get_status(decoded, entry.index) == 0

    def pipeline(count: int) -> None:
        for i in range(count):
            assert verify.verify_credential(credentials[i % DISTINCT], facts, now_ms=NOW_MS).status == "valid"

    return {"VC-DI per-credential": per_credential, "VC-DI pipeline": pipeline}


# -- SD-JWT VC --------------------------------------------------------------------------------------


def holder_key(alg: str) -> sdjwt.SigningKey:
    seed = hashlib.sha256(b"holder " + alg.encode()).digest()
    return PrivateKey(seed) if alg == "EdDSA" else ec.derive_private_key(int.from_bytes(seed, "big"), ec.SECP256R1())


def sd_jwt_cases(facts: MemoryFacts, holder_alg: str) -> dict[str, Callable[[int], None]]:
    """Presentations of SD-JWT VCs (issuer EdDSA, the holder's KB-JWT ``holder_alg``), two ways."""
    url = LIST_URL + "-token"
    statuses = [status.TOKEN_INVALID if n % 97 == 1 else status.TOKEN_VALID for n in range(LIST_ENTRIES)]
    facts.lists["token"] = published.token_list(
        list_url=url, status_list=status.encode_token_list(statuses), key=ISSUER, kid=METHOD,
        iat=NOW_MS // 1000 - 3600, exp=NOW_MS // 1000 + 86400,
    )  # fmt: skip
    holder = holder_key(holder_alg)
    issued_s = vc.to_ms(ISSUED) // 1000
    presentations = []
    for n in range(DISTINCT):
        claims = {k: v for k, v in subject(n).items() if k != "id"} | {"sub": subject(n)["id"]}
        credential = sdjwt.issue(
            {"iss": DID, **claims}, ["givenName", "familyName", "birthDate", "address", "residentSince"],
            issuer_key=ISSUER, kid=METHOD, holder_jwk=sdjwt.public_jwk(holder), vct=CREDENTIAL_TYPE,
            iat=issued_s, exp=issued_s + 10**8, status={"status_list": {"idx": 2 + n * 97, "uri": url}},
        )  # fmt: skip
        nonce = f"nonce-{n}"
        presentations.append((sdjwt.present(credential, ["givenName", "address"], holder_key=holder,
                                            aud=NODE, nonce=nonce, iat=NOW_MS // 1000), nonce))  # fmt: skip
    # Once per list, not timed: what verify.token_status does before it reads an entry.
    token = published.read_token_list(facts.lists["token"])
    token.verify(verify.method_key(facts, DID, token.kid, NOW_MS, NOW_MS))
    decoded = status.decode_token_list(token.payload["status_list"])

    def issuer_key(kid: str | None, iss: str | None) -> bytes:
        assert kid is not None and iss == DID
        return verify.method_key(facts, iss, kid, issued_s * 1000, issued_s * 1000)

    def per_credential(count: int) -> None:
        for i in range(count):
            text, nonce = presentations[i % DISTINCT]
            checked = sdjwt.verify_presentation(
                text, issuer_key=issuer_key, expected_aud=NODE, expected_nonce=nonce, now_s=NOW_MS // 1000
            )
            reference = checked.status["status_list"] if checked.status else {}
            assert reference["uri"] == url and decoded.status(reference["idx"]) == status.TOKEN_VALID

    def pipeline(count: int) -> None:
        for i in range(count):
            text, nonce = presentations[i % DISTINCT]
            checked = verify.verify_presentation(text, facts, now_ms=NOW_MS, aud=NODE, nonce=nonce)
            assert checked.status == "valid"

    name = f"SD-JWT (holder {holder_alg})"
    return {f"{name} per-credential": per_credential, f"{name} pipeline": pipeline}


def bench_verify(runs: int, count: int, cpu: int) -> None:
    available = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    print(f"verification pinned to CPU {cpu} (of {available}); {load()}", flush=True)
    facts = MemoryFacts({})
    cases = vc_di_cases(facts) | sd_jwt_cases(facts, "EdDSA") | sd_jwt_cases(facts, "ES256")
    for case in cases.values():
        case(DISTINCT)  # warm up, and every credential verifies
    rates: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            started = time.perf_counter()
            case(count)
            rates[name].append(count / (time.perf_counter() - started))
    for name, found in rates.items():
        print(f"{name:36} {statistics.median(found):7,.0f} /s on one core "
              f"(median of {runs} runs of {count}, min {min(found):,.0f}, max {max(found):,.0f})")  # fmt: skip
    print(load(), flush=True)


# -- DID resolution ---------------------------------------------------------------------------------


def sign_create_did(chain_id: str, valid_until: int, count: int) -> list[tuple[str, bytes]]:
    """``count`` fresh keys' addresses and their signed ``identity/create_did`` txs (request bodies)."""
    out = []
    for _ in range(count):
        key = PrivateKey.generate()
        body = build_body(chain_id, [key.address], [identity.create_did(key.public_key.to_b64())],
                          valid_until, os.urandom(16))  # fmt: skip
        out.append((key.address, orjson.dumps(sign_body(body, [key]).to_json())))
    return out


async def submit(url: str, bodies: list[bytes], batch: int, concurrency: int) -> str:
    """Post the txs in batches; every one must be admitted. Returns the last tx's hash."""
    chunks = iter([bodies[i : i + batch] for i in range(0, len(bodies), batch)])
    last = ""

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal last
        for chunk in chunks:
            async with session.post(url + "/v1/txs/batch", data=b"[" + b",".join(chunk) + b"]",
                                    headers={"Content-Type": "application/json"}) as resp:  # fmt: skip
                results = orjson.loads(await resp.read())["results"]
            refused = [r for r in results if "error" in r]
            assert len(results) == len(chunk) and not refused, refused[:1]
            last = results[-1]["tx_hash"]

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return last


def build_chain(url: str, count: int, batch: int, listing: Path) -> list[str]:
    """Create ``count`` DIDs on the node at ``url``; their addresses are written to ``listing``."""
    with Client(url) as client:
        chain_id, tip = client.chain_id, int(client.status()["height"])
    started = time.perf_counter()
    shares = [count // 8 + (k < count % 8) for k in range(8)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        signed = [t for part in pool.map(sign_create_did, [chain_id] * 8, [tip + 90_000] * 8, shares) for t in part]
    print(f"signed {count:,} create_did txs in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    last = asyncio.run(submit(url, [body for _, body in signed], batch, 4))
    with Client(url, timeout=600) as client:
        receipt = client.wait(last, timeout=600)
        height = client.status()["height"]
    assert receipt["status"] == "ok", receipt
    took = time.perf_counter() - started
    print(f"submitted and committed {count:,} DIDs in {took:.1f} s ({count / took:,.0f} tx/s), height {height}; "
          f"{load()}", flush=True)  # fmt: skip
    addresses = [address for address, _ in signed]
    listing.write_text("\n".join(addresses) + "\n")
    return addresses


async def resolve_run(url: str, dids: list[str], requests: int, concurrency: int) -> tuple[list[float], float]:
    """Latencies (ms) of ``requests`` resolutions of random DIDs, ``concurrency`` at a time, and the wall time."""
    latencies: list[float] = []
    todo = iter(random.choices(dids, k=requests))

    async def worker(session: aiohttp.ClientSession) -> None:
        for did in todo:
            started = time.perf_counter()
            async with session.get(f"{url}/1.0/identifiers/{did}") as resp:
                body = await resp.read()
            latencies.append((time.perf_counter() - started) * 1000)
            assert resp.status == 200 and orjson.loads(body)["didDocument"]["id"] == did, (resp.status, body[:200])

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"{url}/1.0/identifiers/{dids[0]}") as resp:  # the connection, warm
            await resp.read()
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_resolve(args: argparse.Namespace, root: Path) -> None:
    data, listing, port = root / "node", root / "dids.txt", free_port()
    url = f"http://127.0.0.1:{port}"
    cli = [sys.executable, "-m", "metrobloc.cli.main"]
    proc = subprocess.Popen([*cli, "up", "--data-dir", str(data), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        wait_healthy(url)
        if listing.exists():
            dids = [f"did:mb:{a}" for a in listing.read_text().split()]
            print(f"reusing {len(dids):,} DIDs in {data}", flush=True)
        else:
            dids = [f"did:mb:{a}" for a in build_chain(url, args.dids, args.batch, listing)]
        print(f"resolving: {load()}", flush=True)
        sequential: list[tuple[float, float, float]] = []
        concurrent: list[tuple[float, float, float]] = []
        for _ in range(args.runs):
            spent, _ = asyncio.run(resolve_run(url, dids, args.requests, 1))
            sequential.append((statistics.median(spent), percentile(spent, 0.95), percentile(spent, 0.99)))
            spent, wall = asyncio.run(resolve_run(url, dids, args.requests * 2, args.concurrency))
            concurrent.append((len(spent) / wall, statistics.median(spent), percentile(spent, 0.95)))
        p50, p95, p99 = (statistics.median(r[k] for r in sequential) for k in range(3))
        print(f"DID resolution, one at a time: p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms "
              f"(median of {args.runs} runs of {args.requests}, {len(dids):,} DIDs)")  # fmt: skip
        rate, p50, p95 = (statistics.median(r[k] for r in concurrent) for k in range(3))
        print(f"DID resolution, {args.concurrency} at a time: {rate:,.0f} resolutions/s, p50 {p50:.2f} ms, "
              f"p95 {p95:.2f} ms (median of {args.runs} runs of {args.requests * 2})")  # fmt: skip
        print(load(), flush=True)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["verify", "resolve"])
    parser.add_argument("--count", type=int, default=1000, help="credentials verified per run and case")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU the verification runs on")
    parser.add_argument("--dids", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="txs per POST /v1/txs/batch")
    parser.add_argument("--requests", type=int, default=1000, help="sequential resolutions per run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", type=Path, help="build the chain here once and reuse it")
    args = parser.parse_args()
    if args.only != "verify":
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            bench_resolve(args, args.keep)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                bench_resolve(args, Path(tmp))
    if args.only != "resolve":
        bench_verify(args.runs, args.count, args.cpu)


if __name__ == "__main__":
    main()
