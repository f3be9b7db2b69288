"""Generate MetroBloc's language-neutral test vectors (docs/spec/README.md lists what each file holds).

Run once; the JSON files it writes are committed and checked by ``test_vectors.py``:

    python tests/vectors/generate.py           # (re)write the *.json files beside this script
    python tests/vectors/generate.py --check   # exit 1 if the committed files differ from a fresh run

This script deliberately imports nothing of MetroBloc. It restates the wire format of docs/spec/
(domain tags, field names, layouts) and computes every value with reference code: Ed25519 from the
``cryptography`` package, RFC 8785 canonical JSON from ``rfc8785``, SHA-256 from ``hashlib``, BIP-173
from ``bech32``, and the RFC 9162 Merkle tree from the textbook recursion of its section 2.1 in
``tests/merkle_reference.py``, which the Merkle tests share and which imports nothing of MetroBloc
either; the state tree and its proofs (docs/spec/state-proofs.md) likewise come from the recursion
T(S, d) and the step-by-step verifier of ``tests/smt_reference.py``. Every key comes from a fixed
seed (``bytes([n]) * 32``) and Ed25519 signing is deterministic, so a fresh run reproduces the
committed files byte for byte.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import bech32
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = Path(__file__).resolve().parent
if str(HERE.parents[1]) not in sys.path:  # run as a script: the repository root, for tests.merkle_reference
    sys.path.insert(0, str(HERE.parents[1]))

from tests import smt_reference as smt  # noqa: E402
from tests.merkle_reference import CT_LEAVES, CT_ROOTS, consistency_proof, inclusion_path, mth  # noqa: E402

TX_TAG = b"metrobloc/tx/v1\x00"
HEADER_TAG = b"metrobloc/header/v1\x00"
HEADER_V2_TAG = b"metrobloc/header/v2\x00"
ROTATE_TAG = b"metrobloc/rotate_key/v1\x00"
CHAIN_ID = "metrobloc-vectors"

# RFC 8032 section 7.1, TEST 1: an outside anchor for the Ed25519 code.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


# -- primitives ---------------------------------------------------------------------------------
def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jcs(value: Any) -> bytes:
    return rfc8785.dumps(value)


def seed(n: int) -> bytes:
    return bytes([n]) * 32


def public_key(seed_bytes: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed_bytes).public_key().public_bytes_raw()


def sign(seed_bytes: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed_bytes).sign(message)


def address(pk: bytes) -> str:
    data = bech32.convertbits(sha256(pk)[:20], 8, 5, True)
    return str(bech32.bech32_encode("mb", data))


def addr(n: int) -> str:
    return address(public_key(seed(n)))


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


# -- keys.json ----------------------------------------------------------------------------------
VECTOR_MESSAGE = b"metrobloc test vector"


def key_entry(name: str, seed_bytes: bytes, message: bytes) -> dict[str, Any]:
    pk = public_key(seed_bytes)
    return {
        "name": name,
        "seed_hex": seed_bytes.hex(),
        "private_key": b64u(seed_bytes),
        "public_key_hex": pk.hex(),
        "public_key": b64u(pk),
        "address_bytes_hex": sha256(pk)[:20].hex(),
        "address": address(pk),
        "message_hex": message.hex(),
        "signature_hex": sign(seed_bytes, message).hex(),
    }


def keys_vectors() -> dict[str, Any]:
    named = [("alice", 0x01), ("bob", 0x02), ("registrar", 0x03), ("alice_new_key", 0x04)]
    named += [(f"node{i}", 0x10 + i) for i in range(1, 5)]
    entries = [key_entry(name, seed(n), VECTOR_MESSAGE) for name, n in named]
    rfc = key_entry("rfc8032_test1", RFC8032_SEED, b"")
    assert rfc["public_key_hex"] == RFC8032_PUBLIC.hex() and rfc["signature_hex"] == RFC8032_SIGNATURE.hex()
    return {
        "description": "Ed25519 seeds -> public keys, mb addresses and signatures (docs/spec/encoding.md). "
        "private_key and public_key are unpadded base64url; address = bech32('mb', SHA-256(public key)[:20]).",
        "keys": [*entries, rfc],
    }


# -- canonical_json.json ------------------------------------------------------------------------
CANONICAL_CASES = [
    ("key order", '{"b": 2, "a": 1, "c": {"z": true, "y": false, "x": null}}'),
    ("empty containers", '{"o": {}, "a": [], "s": ""}'),
    ("array order kept", '[3, 1, 2, "b", "a"]'),
    ("integers", "[0, -0, 1, -1, 9007199254740991, -9007199254740991, 1000000]"),
    ("scalars at top level", "true"),
    ("string at top level", '"plain"'),
    ("whitespace removed", ' {\n\t"a" : [ 1 , 2 ] ,\r\n "b" : "x" } '),
    ("escapes", r'{"s": "quote\" backslash\\ slash\/ \b\f\n\r\t"}'),
    ("control characters", r'"\u0000\u0001\u0007\u000b\u000e\u001f\u007f"'),
    ("unicode escapes become UTF-8", r'"\u00e9\u20ac\ud83d\ude00\u2028\u2029"'),
    ("raw UTF-8 kept", '"Zürich — 東京 😀"'),
    ("no normalization", '["e\u0301", "\u00e9"]'),
    (
        "keys by UTF-16 code units (RFC 8785 section 3.2.3)",
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",'
        ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    ),
    ("non-BMP key sorts before U+E000..U+FFFF", '{"\\uffff": 1, "\\ue000": 2, "\\ud800\\udc00": 3, "\\u00ff": 4}'),
    ("nested key order", '{"outer": {"\\ud83d\\ude00": [{"b": 1, "a": 2}], "\\uff01": 0}, "a": 0}'),
    ("32 levels of nesting", "[" * 32 + "]" * 32),
    ("amounts as strings", '{"amount": "340282366920938463463374607431768211455", "to": "mb1x"}'),
]

REFUSED_CASES = [
    ("fraction", "1.5", "codec.float_not_allowed"),
    ("zero fraction", "1.0", "codec.float_not_allowed"),
    ("exponent", "1e3", "codec.float_not_allowed"),
    ("float in an object", '{"amount": 2.5}', "codec.float_not_allowed"),
    ("integer 2^53", "9007199254740992", "codec.integer_out_of_range"),
    ("integer -2^53", "-9007199254740992", "codec.integer_out_of_range"),
    ("integer 2^64", '{"amount": 18446744073709551616}', "codec.integer_out_of_range"),
    ("integer 2^128-1 as a number", "340282366920938463463374607431768211455", "codec.integer_out_of_range"),
    ("duplicate key", '{"a": 1, "a": 2}', "codec.duplicate_key"),
    ("nested duplicate key", '{"x": [{"to": "a", "to": "b"}]}', "codec.duplicate_key"),
    ("33 levels of nesting", "[" * 33 + "]" * 33, "codec.too_deep"),
    ("NaN", "NaN", "codec.bad_json"),
    ("Infinity", "[Infinity]", "codec.bad_json"),
    ("lone high surrogate", r'"\ud800"', "codec.bad_json"),
    ("lone low surrogate", r'"\udc00"', "codec.bad_json"),
    ("leading zero", "01", "codec.bad_json"),
    ("trailing comma", "[1,]", "codec.bad_json"),
    ("single quotes", "{'a': 1}", "codec.bad_json"),
    ("raw control character in a string", '"a\tb"', "codec.bad_json"),
    ("byte order mark", "\ufeff{}", "codec.bad_json"),
    ("two values", "true false", "codec.bad_json"),
    ("empty", "", "codec.bad_json"),
]


def canonical_vectors() -> dict[str, Any]:
    cases = []
    for name, text in CANONICAL_CASES:
        out = jcs(json.loads(text))
        cases.append({"name": name, "input": text, "output": out.decode("utf-8"), "output_hex": out.hex()})
    refused = [{"name": name, "input": text, "error": code} for name, text, code in REFUSED_CASES]
    return {
        "description": "JSON text -> RFC 8785 canonical form (docs/spec/encoding.md). 'cases' are accepted "
        "and canonicalised to 'output' (UTF-8 bytes in output_hex); 'refused' must be rejected, with 'error' "
        "the code MetroBloc reports.",
        "cases": cases,
        "refused": refused,
    }


# -- tx.json ------------------------------------------------------------------------------------
MAX_AMOUNT = str(2**128 - 1)
ZERO_SIGNATURE = {"public_key": b64u(bytes(32)), "signature": b64u(bytes(64))}


def tx_vectors() -> dict[str, Any]:
    body = {
        "chain_id": CHAIN_ID,
        "nonce": b64u(bytes(range(16))),
        "valid_until": 1200,
        "signers": [addr(0x01), addr(0x02)],
        "msgs": [
            {"type": "assets/transfer", "asset": "CITY", "to": addr(0x03), "amount": "25"},
            {"type": "assets/transfer", "asset": "CITY", "to": addr(0x01), "amount": MAX_AMOUNT},
        ],
        "memo": "loyer — März ✓",
    }
    body_bytes = jcs(body)
    sign_bytes = TX_TAG + body_bytes
    signatures = [
        {"public_key": b64u(public_key(seed(n))), "signature": b64u(sign(seed(n), sign_bytes))} for n in (1, 2)
    ]
    partly = [signatures[0], ZERO_SIGNATURE]

    no_memo = {k: v for k, v in body.items() if k != "memo"}
    no_memo["signers"] = [addr(0x01)]
    no_memo["msgs"] = [body["msgs"][0]]
    no_memo_bytes = jcs(no_memo)
    with_empty_memo = {**no_memo, "memo": ""}

    statement_body = {"chain_id": CHAIN_ID, "address": addr(0x01), "public_key": b64u(public_key(seed(0x04)))}
    statement = ROTATE_TAG + jcs(statement_body)
    rotate_msg = {
        "type": "accounts/rotate_key",
        "public_key": statement_body["public_key"],
        "new_key_signature": b64u(sign(seed(0x04), statement)),
    }
    return {
        "description": "A transaction signed by two signers (docs/spec/transactions.md). sign_bytes = "
        "'metrobloc/tx/v1' || 0x00 || JCS(body); tx_hash = hex(SHA-256(JCS(body))); signatures[i] is by "
        "the key of signers[i] (seeds in signer_seeds_hex).",
        "signer_seeds_hex": [seed(1).hex(), seed(2).hex()],
        "body": body,
        "body_jcs": body_bytes.decode("utf-8"),
        "sign_bytes_hex": sign_bytes.hex(),
        "tx_hash": sha256(body_bytes).hex(),
        "signatures": signatures,
        "tx": {"body": body, "signatures": signatures},
        "partially_signed": {
            "description": "The same tx before the co-signer signed: the empty slot holds the zero "
            "placeholder (32 zero bytes of key, 64 of signature), as `metrobloc tx ... --cosigner` prints.",
            "tx": {"body": body, "signatures": partly},
        },
        "memo_optional": {
            "description": 'A body without memo and the same body with memo "": both valid, different hashes.',
            "without_memo": {
                "body": no_memo,
                "body_jcs": no_memo_bytes.decode(),
                "tx_hash": sha256(no_memo_bytes).hex(),
            },
            "with_empty_memo": {"body": with_empty_memo, "tx_hash": sha256(jcs(with_empty_memo)).hex()},
        },
        "rotate_key": {
            "description": "The statement the new key (seed 04..04) signs so that alice's account adopts it: "
            "'metrobloc/rotate_key/v1' || 0x00 || JCS({chain_id, address, public_key}).",
            "new_key_seed_hex": seed(0x04).hex(),
            "statement_hex": statement.hex(),
            "msg": rotate_msg,
        },
    }


# -- a small chain: genesis, two blocks, the log ------------------------------------------------
NODE_SEEDS = [seed(0x11), seed(0x12), seed(0x13), seed(0x14)]


def genesis_doc() -> dict[str, Any]:
    admin_pk = public_key(seed(0x01))
    names = ["City of Metropolis", "Métropole Water Board", "Metro Transit", "Civic Trust"]
    return {
        "chain_id": CHAIN_ID,
        "genesis_time_ms": 1_700_000_000_000,
        "organizations": [
            {"name": name, "node_key": b64u(public_key(s))} for name, s in zip(names, NODE_SEEDS, strict=True)
        ],
        "admin": {"address": address(admin_pk), "public_key": b64u(admin_pk)},
        "app_state": {
            "accounts": {"accounts": [{"address": address(admin_pk), "public_key": b64u(admin_pk), "roles": ["admin"]}]}
        },
    }


def receipts(tx_hash_of_vector_tx: str) -> list[list[dict[str, Any]]]:
    def h(label: str) -> str:
        return sha256(label.encode()).hex()

    admin = addr(0x01)
    block1 = [
        {
            "tx_hash": h("vector tx 1"),
            "height": 1,
            "index": 0,
            "status": "ok",
            "error": None,
            "events": [{"type": "assets/create", "attributes": {"asset": "CITY", "issuer": admin}}],
        },
        {
            "tx_hash": h("vector tx 2"),
            "height": 1,
            "index": 1,
            "status": "ok",
            "error": None,
            "events": [{"type": "assets/mint", "attributes": {"asset": "CITY", "to": admin, "amount": "1000"}}],
        },
        {
            "tx_hash": h("vector tx 3"),
            "height": 1,
            "index": 2,
            "status": "failed",
            "error": {"code": "assets.insufficient_funds", "message": "balance of CITY is 0, 25 needed"},
            "events": [],
        },
        {"tx_hash": h("vector tx 4"), "height": 1, "index": 3, "status": "ok", "error": None, "events": []},
    ]
    block2 = [
        {
            "tx_hash": tx_hash_of_vector_tx,
            "height": 2,
            "index": 0,
            "status": "ok",
            "error": None,
            "events": [
                {
                    "type": "assets/transfer",
                    "attributes": {"asset": "CITY", "from": admin, "to": addr(0x03), "amount": "25"},
                },
                {
                    "type": "assets/transfer",
                    "attributes": {"asset": "CITY", "from": admin, "to": admin, "amount": MAX_AMOUNT},
                },
            ],
        },
        {
            "tx_hash": h("vector tx 6"),
            "height": 2,
            "index": 1,
            "status": "failed",
            "error": {"code": "tx.expired", "message": "tx expired at height 1"},
            "events": [],
        },
        {"tx_hash": h("vector tx 7"), "height": 2, "index": 2, "status": "ok", "error": None, "events": []},
    ]
    return [block1, block2]


def tx_root(tx_hashes: list[str]) -> str:
    """RFC 9162 root whose leaf inputs are the raw 32-byte tx hashes."""
    return mth([bytes.fromhex(h) for h in tx_hashes]).hex()


def header_signed_bytes(header: dict[str, Any]) -> bytes:
    """v1 (nine fields) or v2 (with ``state_root``): docs/spec/state-proofs.md §5."""
    return (HEADER_V2_TAG if "state_root" in header else HEADER_TAG) + jcs(header)


def attestation(header: dict[str, Any], seed_bytes: bytes) -> dict[str, str]:
    return {
        "public_key": b64u(public_key(seed_bytes)),
        "signature": b64u(sign(seed_bytes, header_signed_bytes(header))),
    }


def build_chain(vector_tx_hash: str) -> dict[str, Any]:
    genesis = genesis_doc()
    genesis_hash = sha256(jcs(genesis)).hex()
    blocks = receipts(vector_tx_hash)
    log: list[bytes] = []
    headers = []
    prev = genesis_hash
    for height, block in enumerate(blocks, start=1):
        log.extend(jcs(r) for r in block)
        header = {
            "chain_id": CHAIN_ID,
            "height": height,
            "time_ms": 1_700_000_000_000 + 1000 * height,
            "prev_hash": prev,
            "tx_root": tx_root([r["tx_hash"] for r in block]),
            "tx_count": len(block),
            "log_size": len(log),
            "log_root": mth(log).hex(),
            "app_hash": sha256(f"vector app state {height}".encode()).hex(),
        }
        headers.append(header)
        prev = sha256(header_signed_bytes(header)).hex()
    v2 = v2_block(prev, list(log))
    return {
        "genesis": genesis,
        "genesis_hash": genesis_hash,
        "blocks": blocks,
        "headers": headers,
        "log": log,
        "v2": v2,
    }


def v2_block(prev_hash: str, log: list[bytes]) -> dict[str, Any]:
    """Block 3, the chain's first v2 header: its state_root is the root of the main vector state."""
    height = 3
    block: list[dict[str, Any]] = [
        {
            "tx_hash": sha256(b"vector tx 8").hex(),
            "height": height,
            "index": 0,
            "status": "ok",
            "error": None,
            "events": [
                {
                    "type": "assets/transfer",
                    "attributes": {"asset": "CITY", "from": addr(0x01), "to": addr(0x02), "amount": "250"},
                }
            ],
        },
        {
            "tx_hash": sha256(b"vector tx 9").hex(),
            "height": height,
            "index": 1,
            "status": "ok",
            "error": None,
            "events": [],
        },
    ]
    log.extend(jcs(r) for r in block)
    header = {
        "chain_id": CHAIN_ID,
        "height": height,
        "time_ms": 1_700_000_000_000 + 1000 * height,
        "prev_hash": prev_hash,
        "tx_root": tx_root([r["tx_hash"] for r in block]),
        "tx_count": len(block),
        "log_size": len(log),
        "log_root": mth(log).hex(),
        "app_hash": sha256(f"vector app state {height}".encode()).hex(),
        "state_root": smt.root(encoded(main_state())).hex(),
    }
    return {"header": header, "block": block, "log": log}


# -- header.json --------------------------------------------------------------------------------
def header_entry(header: dict[str, Any], block: list[dict[str, Any]]) -> dict[str, Any]:
    signed = header_signed_bytes(header)
    return {
        "tx_hashes": [r["tx_hash"] for r in block],
        "header": header,
        "header_jcs": jcs(header).decode(),
        "signed_bytes_hex": signed.hex(),
        "block_hash": sha256(signed).hex(),
        "attestation": attestation(header, NODE_SEEDS[0]),
    }


def header_vectors(chain: dict[str, Any]) -> dict[str, Any]:
    out = [header_entry(header, block) for header, block in zip(chain["headers"], chain["blocks"], strict=True)]
    v2_header, v2_block = chain["v2"]["header"], chain["v2"]["block"]
    return {
        "description": "Block headers (docs/spec/blocks.md). tx_root = RFC 9162 root over the raw 32-byte tx "
        "hashes; signed bytes = 'metrobloc/header/v1' || 0x00 || JCS(header); block_hash = hex(SHA-256(signed "
        "bytes)); the attestation is the node key's Ed25519 signature over the signed bytes. Block 1's prev_hash "
        "is the genesis hash, hex(SHA-256(JCS(genesis))).",
        "genesis": chain["genesis"],
        "genesis_hash": chain["genesis_hash"],
        "node_key_seed_hex": NODE_SEEDS[0].hex(),
        "empty_tx_root": tx_root([]),
        "blocks": out,
        "v2": {
            "description": "Header v2 (docs/spec/state-proofs.md §5): the nine fields of v1 and state_root, "
            "the root of the state tree after the block. signed bytes = 'metrobloc/header/v2' || 0x00 || "
            "JCS(header); block_hash = hex(SHA-256(signed bytes)); the attestation signs the same bytes. Block 3 "
            "follows block 2 above (its prev_hash is block 2's v1 block_hash): the chain's state root height is 3. "
            "state_root is the root of the 'main' state of state_proof.json.",
            "state_root_from": v2_header["height"],
            "blocks": [header_entry(v2_header, v2_block)],
        },
    }


# -- merkle.json --------------------------------------------------------------------------------
def merkle_leaves(count: int) -> list[bytes]:
    extra = [sha256(b"metrobloc merkle vector %d" % i)[: i % 33] for i in range(count - len(CT_LEAVES))]
    return [bytes.fromhex(h) for h in CT_LEAVES] + extra


def merkle_vectors() -> dict[str, Any]:
    leaves = merkle_leaves(70)
    for n in range(len(CT_ROOTS)):
        assert mth(leaves[:n]).hex() == CT_ROOTS[n], n
    sizes = list(range(len(leaves) + 1))
    inclusion = []
    for size in [*range(1, 10), 16, 17, 31, 32, 33, 63, 64, 65, 70]:
        indices = range(size) if size <= 9 else sorted({0, 1, size // 2, size - 2, size - 1})
        for index in indices:
            inclusion.append({"index": index, "size": size, "path": hexes(inclusion_path(index, leaves[:size]))})
    pairs = [(m, n) for n in range(1, 10) for m in range(0, n + 1)]
    pairs += [(1, 70), (2, 70), (7, 64), (8, 64), (31, 33), (32, 33), (32, 64), (33, 64), (63, 65), (64, 70), (69, 70)]
    proofs = [{"first": m, "second": n, "proof": hexes(consistency_proof(m, leaves[:n]))} for m, n in pairs]
    return {
        "description": "RFC 9162 Merkle trees (docs/spec/log-and-proofs.md). leaves are leaf INPUTS (hex); "
        "leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right), empty root = SHA-256(''). "
        "roots[n] is the root of the first n leaves. The first 8 leaves are the Certificate Transparency test "
        "leaves, so roots[0..8] are the published RFC 6962 tree heads. Paths and proofs are in RFC order "
        "(leaf side first). A consistency proof with first = 0 or first = second is empty by MetroBloc's "
        "convention (RFC 9162 defines proofs only for 0 < first < second).",
        "leaves": [leaf.hex() for leaf in leaves],
        "leaf_hashes": [sha256(b"\x00" + leaf).hex() for leaf in leaves],
        "roots": [mth(leaves[:n]).hex() for n in sizes],
        "inclusion": inclusion,
        "consistency": proofs,
    }


# -- proof_bundle.json --------------------------------------------------------------------------
def bundle_for(chain: dict[str, Any], leaf_index: int, height: int, signers: list[int]) -> dict[str, Any]:
    header = chain["headers"][height - 1]
    size = header["log_size"]
    receipt = [r for block in chain["blocks"] for r in block][leaf_index]
    return {
        "receipt": receipt,
        "leaf_index": leaf_index,
        "inclusion_path": hexes(inclusion_path(leaf_index, chain["log"][:size])),
        "header": header,
        "attestations": [attestation(header, NODE_SEEDS[i]) for i in signers],
    }


def _flip_hex(text: str, at: int = 0) -> str:
    digit = "0123456789abcdef"[(int(text[at], 16) + 1) % 16]
    return text[:at] + digit + text[at + 1 :]


def _flip_b64(text: str, at: int = 5) -> str:
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[at] ^= 0x01
    return b64u(bytes(raw))


def _parent(value: Any, path: list[Any]) -> Any:
    for key in path[:-1]:
        value = value[key]
    return value


def tampered(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Variants of a valid bundle, each changing one thing, with the code ``verify_bundle`` gives."""
    other_key = b64u(public_key(seed(0x20)))

    def variant(name: str, code: str, change: Any) -> dict[str, Any]:
        b = copy.deepcopy(bundle)
        result = change(b)
        return {"name": name, "error": code, "bundle": b if result is None else result}

    def set_(path: list[Any], value: Any) -> Any:
        def change(b: dict[str, Any]) -> None:
            _parent(b, path)[path[-1]] = value

        return change

    def drop(path: list[Any]) -> Any:
        def change(b: dict[str, Any]) -> None:
            del _parent(b, path)[path[-1]]

        return change

    r, h, p, a = bundle["receipt"], bundle["header"], bundle["inclusion_path"], bundle["attestations"]
    return [
        variant("not an object", "verify.bad_bundle", lambda b: [b]),
        variant("missing attestations", "verify.bad_bundle", drop(["attestations"])),
        variant("extra field", "verify.bad_bundle", set_(["extra"], 1)),
        variant("receipt with an extra field", "verify.bad_bundle", set_(["receipt", "extra"], 1)),
        variant(
            "receipt status ok -> failed without an error", "verify.bad_bundle", set_(["receipt", "status"], "failed")
        ),
        variant(
            "receipt tx_hash changed", "verify.bad_inclusion", set_(["receipt", "tx_hash"], _flip_hex(r["tx_hash"]))
        ),
        variant("receipt index changed", "verify.bad_inclusion", set_(["receipt", "index"], r["index"] + 1)),
        variant(
            "receipt event amount changed",
            "verify.bad_inclusion",
            set_(["receipt", "events", 0, "attributes", "amount"], "26"),
        ),
        variant("receipt events dropped", "verify.bad_inclusion", set_(["receipt", "events"], [])),
        variant(
            "receipt from a later block", "verify.receipt_after_header", set_(["receipt", "height"], h["height"] + 1)
        ),
        variant("leaf_index + 1", "verify.bad_inclusion", set_(["leaf_index"], bundle["leaf_index"] + 1)),
        variant("leaf_index - 1", "verify.bad_inclusion", set_(["leaf_index"], bundle["leaf_index"] - 1)),
        variant("leaf_index past the log", "verify.bad_inclusion", set_(["leaf_index"], h["log_size"])),
        variant("leaf_index negative", "verify.bad_inclusion", set_(["leaf_index"], -1)),
        variant("leaf_index a string", "verify.bad_bundle", set_(["leaf_index"], str(bundle["leaf_index"]))),
        variant("path entry changed", "verify.bad_inclusion", set_(["inclusion_path", 0], _flip_hex(p[0], 63))),
        variant("path entry dropped", "verify.bad_inclusion", set_(["inclusion_path"], p[:-1])),
        variant("path entry added", "verify.bad_inclusion", set_(["inclusion_path"], [*p, p[0]])),
        variant("path entries swapped", "verify.bad_inclusion", set_(["inclusion_path"], [p[1], p[0], *p[2:]])),
        variant("path entry upper-case hex", "verify.bad_bundle", set_(["inclusion_path", 0], p[0].upper())),
        variant("path entry too short", "verify.bad_bundle", set_(["inclusion_path", 0], p[0][:62])),
        variant("header for another chain", "verify.wrong_chain", set_(["header", "chain_id"], "metrobloc-other")),
        variant(
            "header log_root changed", "verify.bad_attestation", set_(["header", "log_root"], _flip_hex(h["log_root"]))
        ),
        variant("header log_size changed", "verify.bad_attestation", set_(["header", "log_size"], h["log_size"] + 1)),
        variant("header height changed", "verify.bad_attestation", set_(["header", "height"], h["height"] + 1)),
        variant(
            "header app_hash changed", "verify.bad_attestation", set_(["header", "app_hash"], _flip_hex(h["app_hash"]))
        ),
        variant("header with a missing field", "verify.bad_bundle", drop(["header", "app_hash"])),
        variant("header time_ms as a string", "verify.bad_bundle", set_(["header", "time_ms"], str(h["time_ms"]))),
        variant(
            "attestation signature changed",
            "verify.bad_attestation",
            set_(["attestations", 0, "signature"], _flip_b64(a[0]["signature"])),
        ),
        variant(
            "attestation by a key not in genesis",
            "verify.unknown_attester",
            set_(["attestations", 0, "public_key"], other_key),
        ),
        variant(
            "attestation moved to another genesis key",
            "verify.bad_attestation",
            set_(["attestations", 0, "public_key"], b64u(public_key(NODE_SEEDS[3]))),
        ),
        variant(
            "attestation padded base64",
            "verify.bad_bundle",
            set_(["attestations", 0, "signature"], a[0]["signature"] + "=="),
        ),
        variant("below quorum: 2 of 4", "verify.no_quorum", set_(["attestations"], a[:2])),
        variant("below quorum: one attestation three times", "verify.no_quorum", set_(["attestations"], [a[0]] * 3)),
        variant("no attestations", "verify.no_quorum", set_(["attestations"], [])),
    ]


def proof_bundle_vectors(chain: dict[str, Any]) -> dict[str, Any]:
    bundle = bundle_for(chain, leaf_index=4, height=2, signers=[0, 1, 2])
    headers = chain["headers"]
    return {
        "description": "Proof bundles (docs/spec/log-and-proofs.md) against the genesis below: 4 organizations, "
        "so quorum = 3 attestations. 'bundle' and every entry of 'also_valid' verify; every 'tampered' "
        "variant changes one thing and must be refused, with 'error' the code MetroBloc's checking order gives.",
        "genesis": chain["genesis"],
        "genesis_hash": chain["genesis_hash"],
        "bundle": bundle,
        "also_valid": [
            bundle_for(chain, leaf_index=1, height=2, signers=[3, 2, 1]),
            bundle_for(chain, leaf_index=2, height=1, signers=[0, 1, 2, 3]),
            bundle_for(chain, leaf_index=6, height=2, signers=[1, 2, 3, 1]),
        ],
        "tampered": tampered(bundle),
        "consistency": {
            "description": "GET /v1/log/consistency?first=4&second=7 between the logs of blocks 1 and 2.",
            "first": headers[0]["log_size"],
            "second": headers[1]["log_size"],
            "first_root": headers[0]["log_root"],
            "second_root": headers[1]["log_root"],
            "proof": hexes(consistency_proof(headers[0]["log_size"], chain["log"][: headers[1]["log_size"]])),
        },
        "v2": v2_proof_bundles(chain),
        "consortium": consortium_vectors(),
    }


def v2_proof_bundles(chain: dict[str, Any]) -> dict[str, Any]:
    """Receipt bundles at block 3, the first v2 header: verify_bundle takes v1 and v2 headers alike."""
    v2 = chain["v2"]
    longer = {**chain, "blocks": [*chain["blocks"], v2["block"]], "headers": [*chain["headers"], v2["header"]]}
    longer["log"] = v2["log"]
    section = no_set_change(chain)
    bundle = {**bundle_for(longer, leaf_index=7, height=3, signers=[0, 1, 2]), "consortium": section}
    h = bundle["header"]
    v1_header = chain["headers"][1]
    earlier = bundle_for(chain, leaf_index=4, height=2, signers=[0, 1, 2])

    def variant(name: str, code: str, **change: Any) -> dict[str, Any]:
        return {"name": name, "error": code, "bundle": {**copy.deepcopy(bundle), **change}}

    return {
        "description": "Proof bundles whose header is v2 (header.json 'v2', block 3): 'valid' ones verify "
        "(a receipt of block 3, and one of block 2 proven at block 3); each 'tampered' one must be refused "
        "with 'error'. Signatures cover state_root, so a v2 header cannot pass for a v1 one or back.",
        "valid": [
            bundle,
            {**bundle_for(longer, leaf_index=4, height=3, signers=[3, 2, 1]), "consortium": section},
            {**bundle_for(longer, leaf_index=8, height=3, signers=[0, 1, 2, 3]), "consortium": section},
        ],
        "tampered": [
            variant(
                "header state_root changed",
                "verify.bad_attestation",
                header={**h, "state_root": _flip_hex(h["state_root"])},
            ),
            variant(
                "header state_root dropped (read as v1, attestations over v2 bytes)",
                "verify.bad_attestation",
                header={k: v for k, v in h.items() if k != "state_root"},
            ),
            variant("header state_root null", "verify.bad_bundle", header={**h, "state_root": None}),
            variant(
                "header state_root of 62 hex digits",
                "verify.bad_bundle",
                header={**h, "state_root": h["state_root"][:62]},
            ),
            variant("header with an eleventh field", "verify.bad_bundle", header={**h, "state_version": 2}),
            variant(
                "state_root added to block 2's v1 header, v1 attestations",
                "verify.bad_attestation",
                receipt=earlier["receipt"],
                leaf_index=earlier["leaf_index"],
                inclusion_path=earlier["inclusion_path"],
                header={**v1_header, "state_root": h["state_root"]},
                attestations=earlier["attestations"],
            ),
        ],
    }


def no_set_change(chain: dict[str, Any]) -> dict[str, Any]:
    """The ``consortium`` member of a bundle at block 3 of a chain without set change: no change, and
    ``consortium/count`` proven absent under block 3's v2 header (a v2 bundle without it is refused)."""
    header = copy.deepcopy(chain["v2"]["header"])  # not shared with the bundle's: tampering edits one
    return {
        "changes": [],
        "count": {
            "header": header,
            "attestations": [attestation(header, NODE_SEEDS[i]) for i in (0, 1, 2)],
            "key": "consortium/count",
            "value": None,
            "proof": smt.prove(encoded(main_state()), b"consortium/count"),
        },
    }


# -- proof_bundle.json "consortium": a key set that changes (docs/spec/log-and-proofs.md §5.2) ----
GOV_SEEDS = {**{i: s for i, s in enumerate(NODE_SEEDS, 1)}, 5: seed(0x15), 6: seed(0x16)}
"""Node seeds by number: 1-4 are the genesis orgs', 5 org5's (added), 6 org2's new key (rotation)."""
GOV_SIGNERS = {
    1: [1, 2, 3],
    2: [1, 2, 3],
    3: [1, 2, 3],
    4: [1, 2, 3, 4],
    5: [1, 3, 4, 5],
    6: [1, 6, 4],
    7: [1, 6, 4, 5],
}
"""Who attests each header: a quorum of the keys in force at that height (org5 from 4, org2's new
key from 5, org3 gone from 6). Block 5 is signed by keys also in force without the rotation, and
block 7 by all four keys in force, so that dropping a change shows as ``verify.set_gap`` or
``verify.set_incomplete`` rather than as an unknown attester or a missing quorum."""


def gov_event(kind: str, attrs: dict[str, str]) -> dict[str, Any]:
    return {"type": f"consortium/{kind}", "attributes": attrs}


def gov_changes(effective_of_add: str = "4") -> dict[int, list[dict[str, Any]]]:
    """The set-change events per block: add org5 in block 3, rotate org2 in 4, remove org3 in 5."""
    pk = {n: b64u(public_key(s)) for n, s in GOV_SEEDS.items()}
    add = {"seq": "1", "org": "org5", "name": "Harbour Authority", "node_key": pk[5],
           "voter": address(public_key(GOV_SEEDS[5])), "effective_height": effective_of_add}  # fmt: skip
    rotate = {"seq": "2", "org": "org2", "old_key": pk[2], "node_key": pk[6], "voter": "", "effective_height": "5"}
    remove = {"seq": "3", "org": "org3", "node_key": pk[3], "effective_height": "6"}
    return {3: [gov_event("add", add)], 4: [gov_event("rotate", rotate)], 5: [gov_event("remove", remove)]}


def gov_chain(effective_of_add: str = "4") -> dict[str, Any]:
    """Seven v2 blocks; block 6 also holds a failed tx. State: ``consortium/count`` and a per-block key."""
    changes = gov_changes(effective_of_add)
    prev, log, count = sha256(jcs(genesis_doc())).hex(), [], 0
    blocks, headers, states = [], [], []
    for height in range(1, 8):
        events = changes.get(height, [])
        block = [
            {"tx_hash": sha256(f"governed tx {height}.0".encode()).hex(), "height": height, "index": 0,
             "status": "ok", "error": None, "events": events},
            {"tx_hash": sha256(f"governed tx {height}.1".encode()).hex(), "height": height, "index": 1,
             "status": "ok", "error": None,
             "events": [{"type": "assets/transfer", "attributes": {"asset": "CITY", "amount": str(height)}}]},
        ]  # fmt: skip
        if height == 6:
            error = {"code": "consortium.no_supermajority", "message": "2 of 4 member organizations voted yes"}
            block.append({"tx_hash": sha256(b"governed tx 6.2").hex(), "height": 6, "index": 2,
                          "status": "failed", "error": error, "events": []})  # fmt: skip
        count += len(events)
        state = {f"vector/block/{height}": "x"} | ({"consortium/count": str(count)} if count else {})
        log.extend(jcs(r) for r in block)
        header = {
            "chain_id": CHAIN_ID, "height": height, "time_ms": 1_700_000_000_000 + 1000 * height,
            "prev_hash": prev, "tx_root": tx_root([r["tx_hash"] for r in block]), "tx_count": len(block),
            "log_size": len(log), "log_root": mth(log).hex(),
            "app_hash": sha256(f"governed app state {height}".encode()).hex(),
            "state_root": smt.root(encoded(state)).hex(),
        }  # fmt: skip
        prev = sha256(header_signed_bytes(header)).hex()
        blocks.append(block)
        headers.append(header)
        states.append(state)
    return {"blocks": blocks, "headers": headers, "log": log, "states": states}


def gov_bundle(
    chain: dict[str, Any], tx: tuple[int, int], height: int, signers: list[int] | None = None
) -> dict[str, Any]:
    """Receipt ``tx`` = (block, index) under the header at ``height``, in today's bundle shape."""
    receipts = [r for block in chain["blocks"] for r in block]
    index = receipts.index(chain["blocks"][tx[0] - 1][tx[1]])
    header = chain["headers"][height - 1]
    return {
        "receipt": receipts[index],
        "leaf_index": index,
        "inclusion_path": hexes(inclusion_path(index, chain["log"][: header["log_size"]])),
        "header": header,
        "attestations": [attestation(header, GOV_SEEDS[n]) for n in (signers or GOV_SIGNERS[height])],
    }


def gov_count(chain: dict[str, Any], height: int) -> dict[str, Any]:
    state = chain["states"][height - 1]
    header = chain["headers"][height - 1]
    return {
        "header": header,
        "attestations": [attestation(header, GOV_SEEDS[n]) for n in GOV_SIGNERS[height]],
        "key": "consortium/count",
        "value": state.get("consortium/count"),
        "proof": smt.prove(encoded(state), b"consortium/count"),
    }


def gov_full(chain: dict[str, Any], tx: tuple[int, int], height: int) -> dict[str, Any]:
    section = {"changes": [gov_bundle(chain, (h, 0), h) for h in (3, 4, 5)], "count": gov_count(chain, 7)}
    return {**gov_bundle(chain, tx, height), "consortium": section}


def consortium_vectors() -> dict[str, Any]:
    chain = gov_chain()
    bundle = gov_full(chain, (7, 1), 7)

    def variant(name: str, code: str, change: Any) -> dict[str, Any]:
        b = copy.deepcopy(bundle)
        change(b)
        return {"name": name, "error": code, "bundle": b}

    def on_change(i: int, **fields: Any) -> Any:
        return lambda b: b["consortium"]["changes"][i].update(fields)

    def att(height: int, signers: list[int]) -> list[dict[str, str]]:
        return [attestation(chain["headers"][height - 1], GOV_SEEDS[n]) for n in signers]

    bad_chain = gov_chain(effective_of_add="5")
    state = chain["states"][6]
    state_bundle = {
        "key": "vector/block/7",
        "value": "x",
        "proof": smt.prove(encoded(state), b"vector/block/7"),
        "header": chain["headers"][6],
        "attestations": att(7, GOV_SIGNERS[7]),
        "consortium": bundle["consortium"],
    }
    removed_in_quorum = {**copy.deepcopy(state_bundle), "attestations": att(7, [3, 1, 4])}
    return {
        "description": "Bundles that carry the consortium member (docs/spec/log-and-proofs.md §5.2), against the "
        "genesis above. Block 3 adds org5 (seed 0x15 x32), block 4 rotates org2's key to seed 0x16 x32, block 5 "
        "removes org3; every header is v2 and attested by keys in force at its height. 'valid' bundles verify "
        "with 3 set changes followed and 'keys_in_force' the node keys in force at their header; each "
        "'tampered' one must be refused with 'error'.",
        "keys_in_force": [b64u(public_key(GOV_SEEDS[n])) for n in (1, 6, 4, 5)],
        "state_bundles": {
            "description": "State bundles (docs/spec/state-proofs.md §4) at block 7 of the same chain, carrying "
            "the same consortium member: 'valid' verifies, each 'tampered' one fails with 'error'.",
            "valid": [state_bundle],
            "tampered": [
                {
                    "name": "the removed org3's key in the quorum",
                    "error": "verify.key_not_in_force",
                    "bundle": removed_in_quorum,
                },
            ],
        },
        "valid": [
            bundle,
            gov_full(chain, (3, 1), 7),
            gov_full(chain, (6, 1), 6),
        ],
        "tampered": [
            variant(
                "the middle change (rotation) dropped", "verify.set_gap", lambda b: b["consortium"]["changes"].pop(1)
            ),
            variant(
                "the last change (removal) dropped", "verify.set_incomplete", lambda b: b["consortium"]["changes"].pop()
            ),
            variant(
                "no change listed (org2's new key then attests the count header unknown)",
                "verify.unknown_attester",
                lambda b: b["consortium"].update(changes=[]),
            ),
            variant(
                "the removed org3's key in the quorum",
                "verify.key_not_in_force",
                lambda b: b.update(attestations=att(7, [3, 1, 4])),
            ),
            variant(
                "org2's rotated-away key in the quorum",
                "verify.key_not_in_force",
                lambda b: b.update(attestations=att(7, [2, 1, 4])),
            ),
            variant(
                "a key that was never in force",
                "verify.unknown_attester",
                lambda b: b.update(attestations=[attestation(b["header"], seed(0x17)), *att(7, [1, 6, 4])]),
            ),
            variant(
                "the add attested by the set it creates",
                "verify.unknown_attester",
                on_change(0, attestations=att(3, [5, 1, 2, 3])),
            ),
            variant(
                "the add attested by 2 of the 4 genesis keys",
                "verify.no_quorum",
                on_change(0, attestations=att(3, [1, 2])),
            ),
            variant(
                "the add under a later header (block 4)",
                "verify.bad_set_change",
                on_change(0, **{k: v for k, v in gov_bundle(chain, (3, 0), 4).items()}),
            ),
            variant(
                "the first two changes swapped",
                "verify.set_gap",
                lambda b: b["consortium"]["changes"].insert(0, b["consortium"]["changes"].pop(1)),
            ),
            variant(
                "an entry whose receipt has no set change",
                "verify.bad_set_change",
                lambda b: b["consortium"]["changes"].insert(0, gov_bundle(chain, (2, 1), 2)),
            ),
            variant(
                "a failed receipt as a change",
                "verify.bad_set_change",
                lambda b: b["consortium"]["changes"].append(gov_bundle(chain, (6, 2), 6)),
            ),
            variant(
                "a change's inclusion path from another leaf",
                "verify.bad_inclusion",
                on_change(0, leaf_index=bundle["consortium"]["changes"][0]["leaf_index"] + 1),
            ),
            variant(
                "the count proven at block 6, before the header",
                "verify.set_proof_too_old",
                lambda b: b["consortium"].update(count=gov_count(chain, 6)),
            ),
            variant(
                "the count claims 2",
                "verify.state_value_mismatch",
                lambda b: b["consortium"]["count"].update(value="2"),
            ),
            variant(
                "count null under a v2 header", "verify.no_set_proof", lambda b: b["consortium"].update(count=None)
            ),
            variant(
                "count of another key",
                "verify.bad_bundle",
                lambda b: b["consortium"]["count"].update(key="consortium/counts"),
            ),
            variant("consortium with an extra member", "verify.bad_bundle", lambda b: b["consortium"].update(since=0)),
        ]
        + [
            {
                "name": "effective_height of the add is 5 (block 3 + 2)",
                "error": "verify.bad_set_change",
                "bundle": gov_full(bad_chain, (7, 1), 7),
            }
        ],
    }


# -- state_proof.json ---------------------------------------------------------------------------
PARCEL = "KUNGSHOLMEN-1:23"
LIEN_1 = f"land/lien/{PARCEL}/0000000001"


def digest(label: str) -> str:
    return sha256(label.encode()).hex()


def main_state() -> dict[str, str]:
    """A small state in the key layouts of docs/spec/state.md (keys and values are UTF-8 text)."""
    alice, bob, registrar, bank = addr(0x01), addr(0x02), addr(0x03), addr(0x05)
    city = {
        "asset": "CITY",
        "decimals": 2,
        "issuer": alice,
        "max_supply": "1000000",
        "mintable": True,
        "name": "City Coin",
        "supply": "1000",
        "transferable": True,
    }
    parcel = {
        "area_m2": 412,
        "children": [],
        "deed_digest": None,
        "district": "kungsholmen",
        "documents": [digest("deed of KUNGSHOLMEN-1:23")],
        "liens": [1],
        "next_lien_id": 2,
        "owners": [{"address": bob, "share_bp": 10000}],
        "parcel": PARCEL,
        "parents": [],
        "registered_height": 1,
        "revenue_rights": None,
        "status": "active",
    }
    lien = {
        "amount": "300000",
        "asset": "CITY",
        "created_height": 2,
        "created_tx": digest("vector tx 7"),
        "lender": bank,
        "lien_id": 1,
        "parcel": PARCEL,
        "reference_digest": digest("mortgage deed 1"),
        "released_height": None,
        "released_tx": None,
        "status": "active",
    }

    def history(seq: int, kind: str, height: int, details: dict[str, Any]) -> str:
        entry = {
            "details": details,
            "height": height,
            "seq": seq,
            "time_ms": 1_700_000_000_000 + 1000 * height,
            "tx_hash": digest(f"vector tx {4 + 3 * seq}"),
            "type": kind,
        }
        return jcs(entry).decode()

    registration = {
        "area_m2": 412,
        "authority": "registrar",
        "district": "kungsholmen",
        "documents": parcel["documents"],
        "owners": parcel["owners"],
    }
    lien_details = {k: lien[k] for k in ("amount", "asset", "lender", "lien_id", "reference_digest")}
    state = {
        f"accounts/acct/{alice}": jcs({"public_key": None, "roles": ["admin", "asset_issuer"]}).decode(),
        f"accounts/acct/{registrar}": jcs({"public_key": None, "roles": ["registrar"]}).decode(),
        f"accounts/acct/{bank}": jcs({"public_key": b64u(public_key(seed(0x06))), "roles": []}).decode(),
        "assets/asset/CITY": jcs(city).decode(),
        f"assets/bal/CITY/{alice}": "725",
        f"assets/bal/CITY/{bob}": "250",
        f"assets/bal/CITY/{registrar}": "25",
        f"land/parcel/{PARCEL}": jcs(parcel).decode(),
        LIEN_1: jcs(lien).decode(),
        f"land/hist/{PARCEL}/000000000001": history(1, "land/register_parcel", 1, registration),
        f"land/hist/{PARCEL}/000000000002": history(
            2, "land/create_lien", 2, {**lien_details, "prior_liens": [], "rank": 1}
        ),
        f"land/hlen/{PARCEL}": "2",
        f"land/idx/owner/{bob}/{PARCEL}": "1",
        f"land/idx/district/kungsholmen/{PARCEL}": "1",
        f"land/idx/lender/{bank}/{PARCEL}/0000000001": "1",
        "land/policy/parcel_registration": jcs(
            {"claim": "parcel_registration", "oracles": [registrar, bank], "set_height": 0, "threshold": 2}
        ).decode(),
    }
    return dict(sorted(state.items()))


def absent_candidates() -> list[str]:
    """Keys the main state does not hold, in a fixed order: zero balances, missing liens, parcels, accounts."""
    keys = []
    for n in range(0x20, 0x60):
        keys.append(f"assets/bal/CITY/{addr(n)}")
        keys.append(f"land/lien/{PARCEL}/{n - 0x1E:010}")
        keys.append(f"land/parcel/ESSINGEN-4:{n - 0x1F}")
        keys.append(f"accounts/acct/{addr(n)}")
    return keys


def encoded(state: dict[str, str]) -> dict[bytes, bytes]:
    return {k.encode(): v.encode() for k, v in state.items()}


def state_case(name: str, state_name: str, state: dict[str, str], key: str, value: str | None) -> dict[str, Any]:
    raw = encoded(state)
    proof = smt.prove(raw, key.encode())
    if proof["leaf"] is None:
        ends = "empty"
    elif proof["leaf"]["key_hash"] == smt.key_hash(key.encode()).hex():
        ends = "member"
    else:
        ends = "other_leaf"
    case: dict[str, Any] = {
        "name": name,
        "state": state_name,
        "root": smt.root(raw).hex(),
        "key": key,
        "value": value,
        "ends": ends,
        "proof": proof,
    }
    assert (
        smt.outcome(bytes.fromhex(case["root"]), key.encode(), None if value is None else value.encode(), proof) is None
    )
    return case


def valid_state_cases(states: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    main = states["main"]
    cases = [state_case(f"member {key}", "main", main, key, value) for key, value in main.items()]
    found: dict[str, list[dict[str, Any]]] = {"empty": [], "other_leaf": []}
    absent = [state_case(f"absent {key}", "main", main, key, None) for key in absent_candidates()]
    first_at_depth = {(c["ends"], len(c["proof"]["siblings"])): c for c in reversed(absent)}.values()
    for case in [*first_at_depth, *absent]:  # four of each kind, at as many different depths as there are
        if len(found[case["ends"]]) < 4 and case not in found[case["ends"]]:
            found[case["ends"]].append(case)
    for case in found["empty"] + found["other_leaf"]:
        where = "an empty subtree" if case["ends"] == "empty" else "another leaf"
        case["name"] = f"absent, ending at {where}: {case['key']}"
    assert all(len(f) == 4 for f in found.values()), found
    cases += found["empty"] + found["other_leaf"]
    only_key, only_value = next(iter(states["one_key"].items()))
    cases += [
        state_case("one-key state: the member (no siblings)", "one_key", states["one_key"], only_key, only_value),
        state_case(
            "one-key state: another key, absent", "one_key", states["one_key"], f"assets/bal/CITY/{addr(0x02)}", None
        ),
        state_case("empty state: any key is absent", "empty", {}, f"assets/bal/CITY/{addr(0x01)}", None),
    ]
    return cases


def state_tampered(cases: list[dict[str, Any]], states: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Proofs that must fail, each with the code of the step of state-proofs.md §3 that fails."""

    def first(ends: str, state: str = "main") -> dict[str, Any]:
        return next(c for c in cases if c["ends"] == ends and c["state"] == state)

    member = next(c for c in cases if c["key"] == f"assets/bal/CITY/{addr(0x02)}")
    other_member = next(c for c in cases if c["key"] == LIEN_1)
    empty_end, other_end = first("empty"), first("other_leaf")
    one_key_member, empty_state = first("member", "one_key"), first("empty", "empty")
    zero = EMPTY_HEX
    out: list[dict[str, Any]] = []

    def add(name: str, code: str, base: dict[str, Any], **change: Any) -> None:
        case = {k: copy.deepcopy(base[k]) for k in ("root", "key", "value", "proof")}
        for field, value in change.items():
            case[field] = value(case) if callable(value) else value
        key, value = case["key"].encode(), None if case["value"] is None else case["value"].encode()
        got = smt.outcome(bytes.fromhex(case["root"]), key, value, case["proof"])
        assert got == code, (name, got, code)
        out.append({"name": name, **case, "error": code})

    def proof(leaf: Any = "same", siblings: Any = "same") -> Any:
        def change(case: dict[str, Any]) -> dict[str, Any]:
            p = case["proof"]
            return {
                "leaf": p["leaf"] if leaf == "same" else leaf(p["leaf"]) if callable(leaf) else leaf,
                "siblings": p["siblings"] if siblings == "same" else siblings(p["siblings"]),
            }

        return change

    s = member["proof"]["siblings"]
    mid = len(s) // 2
    add(
        "member: a sibling's byte flipped",
        "verify.state_root_mismatch",
        member,
        proof=proof(siblings=lambda x: [*x[:mid], _flip_hex(x[mid], 10), *x[mid + 1 :]]),
    )
    add(
        "member: the root-side sibling's last byte flipped",
        "verify.state_root_mismatch",
        member,
        proof=proof(siblings=lambda x: [*x[:-1], _flip_hex(x[-1], 63)]),
    )
    add(
        "absent (empty end): a sibling's byte flipped",
        "verify.state_root_mismatch",
        empty_end,
        proof=proof(siblings=lambda x: [_flip_hex(x[0], 0), *x[1:]]),
    )
    add(
        "absent (other leaf): the leaf's value_hash flipped",
        "verify.state_root_mismatch",
        other_end,
        proof=proof(leaf=lambda lf: {**lf, "value_hash": _flip_hex(lf["value_hash"], 5)}),
    )
    add("member: wrong value", "verify.state_value_mismatch", member, value="251")
    add("member: value with a trailing space", "verify.state_value_mismatch", member, value=member["value"] + " ")
    add(
        "member: the leaf's value_hash replaced by the hash of the claimed wrong value",
        "verify.state_root_mismatch",
        member,
        value="251",
        proof=proof(leaf=lambda lf: {**lf, "value_hash": sha256(b"251").hex()}),
    )
    add("absent (empty end): a value claimed", "verify.state_value_mismatch", empty_end, value="0")
    add("absent (other leaf): a value claimed", "verify.state_value_mismatch", other_end, value="1")
    add(
        "absent (other leaf): the other key's own value claimed for this key",
        "verify.state_value_mismatch",
        other_end,
        value=next(
            v for k, v in states["main"].items() if sha256(k.encode()).hex() == other_end["proof"]["leaf"]["key_hash"]
        ),
    )
    add("member: claimed absent", "verify.state_value_mismatch", member, value=None)
    add(
        "wrong key: another member's key with its value",
        "verify.state_value_mismatch",
        member,
        key=other_member["key"],
        value=other_member["value"],
    )
    add(
        "wrong key: another member's proof, this member claimed absent",
        "verify.bad_state_proof",
        member,
        key=other_member["key"],
        value=None,
    )
    add(
        "wrong key: an absent key's empty-end proof for another absent key",
        "verify.state_root_mismatch",
        empty_end,
        key=other_end["key"],
    )
    add(
        "extra sibling: EMPTY on the root side",
        "verify.state_root_mismatch",
        member,
        proof=proof(siblings=lambda x: [*x, zero]),
    )
    add(
        "extra sibling: EMPTY on the leaf side (a lone leaf is not a node over EMPTY)",
        "verify.state_root_mismatch",
        member,
        proof=proof(siblings=lambda x: [zero, *x]),
    )
    add(
        "extra sibling: a sibling repeated",
        "verify.state_root_mismatch",
        empty_end,
        proof=proof(siblings=lambda x: [x[0], *x]),
    )
    add(
        "missing sibling: the root side one",
        "verify.state_root_mismatch",
        member,
        proof=proof(siblings=lambda x: x[:-1]),
    )
    add(
        "missing sibling: the leaf side one",
        "verify.state_root_mismatch",
        other_end,
        proof=proof(siblings=lambda x: x[1:]),
    )
    add("siblings swapped", "verify.state_root_mismatch", member, proof=proof(siblings=lambda x: [x[1], x[0], *x[2:]]))
    add(
        "leaf moved off the path: another member's leaf in an absence proof",
        "verify.bad_state_proof",
        other_end,
        proof=proof(leaf=lambda _: other_member["proof"]["leaf"]),
    )
    add(
        "leaf moved off the path: the other leaf's key_hash with its first bit flipped",
        "verify.bad_state_proof",
        other_end,
        proof=proof(leaf=lambda lf: {**lf, "key_hash": _flip_bit0(lf["key_hash"])}),
    )
    add(
        "leaf dropped from a member proof (empty end claimed)",
        "verify.state_root_mismatch",
        member,
        value=None,
        proof=proof(leaf=None),
    )
    add("257 siblings", "verify.bad_state_proof", empty_end, proof=proof(siblings=lambda _: [zero] * 257))
    add(
        "256 siblings: allowed count, wrong root",
        "verify.state_root_mismatch",
        empty_end,
        proof=proof(siblings=lambda _: [zero] * 256),
    )
    add(
        "sibling in upper-case hex",
        "verify.bad_state_proof",
        member,
        proof=proof(siblings=lambda x: [x[0].upper(), *x[1:]]),
    )
    add(
        "sibling of 62 hex digits",
        "verify.bad_state_proof",
        member,
        proof=proof(siblings=lambda x: [x[0][:62], *x[1:]]),
    )
    add("sibling not hex", "verify.bad_state_proof", member, proof=proof(siblings=lambda x: ["zz" + x[0][2:], *x[1:]]))
    add(
        "sibling with 0x prefix",
        "verify.bad_state_proof",
        member,
        proof=proof(siblings=lambda x: ["0x" + x[0][2:], *x[1:]]),
    )
    add("sibling as a number", "verify.bad_state_proof", empty_end, proof=proof(siblings=lambda x: [0, *x[1:]]))
    add(
        "leaf key_hash of 66 hex digits",
        "verify.bad_state_proof",
        member,
        proof=proof(leaf=lambda lf: {**lf, "key_hash": lf["key_hash"] + "00"}),
    )
    add(
        "leaf without value_hash",
        "verify.bad_state_proof",
        member,
        proof=proof(leaf=lambda lf: {"key_hash": lf["key_hash"]}),
    )
    add("leaf with an extra member", "verify.bad_state_proof", member, proof=proof(leaf=lambda lf: {**lf, "x": 1}))
    add("siblings not a list", "verify.bad_state_proof", member, proof=lambda c: {**c["proof"], "siblings": "00"})
    add("proof with an extra member", "verify.bad_state_proof", member, proof=lambda c: {**c["proof"], "depth": 3})
    add("proof without siblings", "verify.bad_state_proof", member, proof=lambda c: {"leaf": c["proof"]["leaf"]})
    add("wrong root: the one-key state's root", "verify.state_root_mismatch", member, root=one_key_member["root"])
    add(
        "one-key state: the member with an EMPTY sibling added",
        "verify.state_root_mismatch",
        one_key_member,
        proof=proof(siblings=lambda x: [*x, zero]),
    )
    add("empty state: a value claimed", "verify.state_value_mismatch", empty_state, value="0")
    add(
        "empty state: one EMPTY sibling",
        "verify.state_root_mismatch",
        empty_state,
        proof=proof(siblings=lambda x: [zero]),
    )
    add("empty state: the main state's member proof", "verify.state_root_mismatch", member, root=EMPTY_HEX)
    return out


EMPTY_HEX = "00" * 32


def _flip_bit0(text: str) -> str:
    return f"{int(text[0], 16) ^ 0x8:x}{text[1:]}"


def state_bundle(
    case: dict[str, Any], header: dict[str, Any], signers: list[int], section: dict[str, Any]
) -> dict[str, Any]:
    return {
        "key": case["key"],
        "value": case["value"],
        "proof": case["proof"],
        "header": header,
        "attestations": [attestation(header, NODE_SEEDS[i]) for i in signers],
        "consortium": section,
    }


def state_bundle_vectors(chain: dict[str, Any], cases: list[dict[str, Any]]) -> dict[str, Any]:
    header = chain["v2"]["header"]
    main = [c for c in cases if c["state"] == "main"]
    member = next(c for c in main if c["key"] == f"assets/bal/CITY/{addr(0x02)}")
    empty_end = next(c for c in main if c["ends"] == "empty")
    other_end = next(c for c in main if c["ends"] == "other_leaf")
    one_key_member = next(c for c in cases if c["state"] == "one_key" and c["ends"] == "member")
    section = no_set_change(chain)
    bundle = state_bundle(member, header, [0, 1, 2], section)
    v1_header = chain["headers"][1]
    other_key = b64u(public_key(seed(0x20)))

    def variant(name: str, code: str, change: Any) -> dict[str, Any]:
        b = copy.deepcopy(bundle)
        result = change(b)
        return {"name": name, "error": code, "bundle": b if result is None else result}

    def set_(path: list[Any], value: Any) -> Any:
        def change(b: dict[str, Any]) -> None:
            _parent(b, path)[path[-1]] = value

        return change

    def drop(path: list[Any]) -> Any:
        def change(b: dict[str, Any]) -> None:
            del _parent(b, path)[path[-1]]

        return change

    a = bundle["attestations"]
    v1_attestations = [attestation(v1_header, NODE_SEEDS[i]) for i in (0, 1, 2)]
    state_root_on_v1 = {**v1_header, "state_root": header["state_root"]}
    tampered = [
        variant("not an object", "verify.bad_bundle", lambda b: [b]),
        variant("missing proof", "verify.bad_bundle", drop(["proof"])),
        variant("extra member", "verify.bad_bundle", set_(["height"], header["height"])),
        variant("header with a missing field", "verify.bad_bundle", drop(["header", "app_hash"])),
        variant("header state_root null", "verify.bad_bundle", set_(["header", "state_root"], None)),
        variant(
            "header state_root in upper-case hex",
            "verify.bad_bundle",
            set_(["header", "state_root"], header["state_root"].upper()),
        ),
        variant(
            "attestation padded base64",
            "verify.bad_bundle",
            set_(["attestations", 0, "signature"], a[0]["signature"] + "=="),
        ),
        variant(
            "a v1 header (block 2) with its valid attestations",
            "verify.no_state_root",
            lambda b: {**b, "header": v1_header, "attestations": v1_attestations},
        ),
        variant(
            "a v1 header of another chain",
            "verify.no_state_root",
            lambda b: {**b, "header": {**v1_header, "chain_id": "metrobloc-other"}},
        ),
        variant(
            "state_root dropped (a v1 header, attestations over v2 bytes)",
            "verify.no_state_root",
            drop(["header", "state_root"]),
        ),
        variant(
            "state_root added to block 2's v1 header, v1 attestations",
            "verify.bad_attestation",
            lambda b: {**b, "header": state_root_on_v1, "attestations": v1_attestations},
        ),
        variant("header for another chain", "verify.wrong_chain", set_(["header", "chain_id"], "metrobloc-other")),
        variant(
            "header state_root changed",
            "verify.bad_attestation",
            set_(["header", "state_root"], _flip_hex(header["state_root"])),
        ),
        # The set history comes first (§4): its count is proven at block 3, below the raised header.
        variant("header height changed", "verify.set_proof_too_old", set_(["header", "height"], header["height"] + 1)),
        variant(
            "header app_hash changed",
            "verify.bad_attestation",
            set_(["header", "app_hash"], _flip_hex(header["app_hash"])),
        ),
        variant(
            "attestation signature changed",
            "verify.bad_attestation",
            set_(["attestations", 0, "signature"], _flip_b64(a[0]["signature"])),
        ),
        variant(
            "attestation by a key not in genesis",
            "verify.unknown_attester",
            set_(["attestations", 0, "public_key"], other_key),
        ),
        variant("below quorum: 2 of 4", "verify.no_quorum", set_(["attestations"], a[:2])),
        variant("below quorum: one attestation three times", "verify.no_quorum", set_(["attestations"], [a[0]] * 3)),
        variant("no attestations", "verify.no_quorum", set_(["attestations"], [])),
        variant("wrong value", "verify.state_value_mismatch", set_(["value"], "2500")),
        variant("member claimed absent", "verify.state_value_mismatch", set_(["value"], None)),
        variant("another key", "verify.state_value_mismatch", set_(["key"], f"assets/bal/CITY/{addr(0x03)}")),
        variant(
            "proof sibling flipped",
            "verify.state_root_mismatch",
            set_(["proof", "siblings", 0], _flip_hex(member["proof"]["siblings"][0])),
        ),
        variant(
            "proof sibling upper-case hex",
            "verify.bad_state_proof",
            set_(["proof", "siblings", 0], member["proof"]["siblings"][0].upper()),
        ),
        variant(
            "proof of another state (one key)",
            "verify.state_root_mismatch",
            lambda b: {
                **b,
                "key": one_key_member["key"],
                "value": one_key_member["value"],
                "proof": one_key_member["proof"],
            },
        ),
    ]
    return {
        "description": "State bundles (state-proofs.md §4) against the genesis of proof_bundle.json (4 "
        "organizations, quorum 3), at block 3's v2 header (header.json 'v2'). 'valid' bundles verify; each "
        "'tampered' one changes one thing and must be refused with 'error', the code of the first failing check "
        "in the order of §4: members (verify.bad_bundle), v2 header (verify.no_state_root), chain, attestations, "
        "then the state proof. A header or attestation that does not parse is verify.bad_bundle, as in "
        "verify_bundle.",
        "genesis": chain["genesis"],
        "genesis_hash": chain["genesis_hash"],
        "valid": [
            bundle,
            state_bundle(empty_end, header, [3, 2, 1], section),
            state_bundle(other_end, header, [0, 1, 2, 3], section),
            state_bundle(next(c for c in main if c["key"] == LIEN_1), header, [1, 2, 3, 1], section),
        ],
        "tampered": tampered,
    }


def state_proof_vectors(chain: dict[str, Any]) -> dict[str, Any]:
    states = {
        "main": main_state(),
        "one_key": {f"assets/bal/CITY/{addr(0x01)}": "1000"},
        "empty": {},
    }
    cases = valid_state_cases(states)
    assert smt.root(encoded(states["main"])).hex() == chain["v2"]["header"]["state_root"]
    return {
        "description": "State tree and state proofs (docs/spec/state-proofs.md). Keys and values are UTF-8 text, "
        "hashed as their UTF-8 bytes: key_hash = SHA-256(key), value_hash = SHA-256(value), leaf = SHA-256(0x02 "
        "|| key_hash || value_hash), node = SHA-256(0x03 || left || right), EMPTY = 32 zero bytes; a subtree with "
        "one leaf is that leaf. 'states' lists three states with their roots and, for 'main', every key's hashes. "
        "Every 'valid' case verifies against its root (value null: the key holds nothing); 'ends' says where its "
        "path stops: member, empty (an empty subtree) or other_leaf (another key's lone leaf). Its proof is "
        "exactly the one the tree produces. Every 'tampered' case fails, with 'error' the code of the failing "
        "step of §3 (verify.bad_state_proof, verify.state_value_mismatch, verify.state_root_mismatch). "
        "'bundles' holds whole state bundles (§4).",
        "states": {
            name: {
                "root": smt.root(encoded(state)).hex(),
                "key_values": state,
                **({"hashes": _state_hashes(state)} if name == "main" else {}),
            }
            for name, state in states.items()
        },
        "valid": cases,
        "tampered": state_tampered(cases, states),
        "bundles": state_bundle_vectors(chain, cases),
    }


def _state_hashes(state: dict[str, str]) -> list[dict[str, str]]:
    out = []
    for key, value in state.items():
        kh, vh = smt.key_hash(key.encode()), smt.value_hash(value.encode())
        out.append({"key": key, "key_hash": kh.hex(), "value_hash": vh.hex(), "leaf_hash": smt.leaf(kh, vh).hex()})
    return out


# -- main ---------------------------------------------------------------------------------------
def render(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def all_files() -> dict[str, str]:
    tx = tx_vectors()
    chain = build_chain(tx["tx_hash"])
    return {
        "keys.json": render(keys_vectors()),
        "canonical_json.json": render(canonical_vectors()),
        "tx.json": render(tx),
        "header.json": render(header_vectors(chain)),
        "merkle.json": render(merkle_vectors()),
        "proof_bundle.json": render(proof_bundle_vectors(chain)),
        "state_proof.json": render(state_proof_vectors(chain)),
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in all_files().items():
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale vectors: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
