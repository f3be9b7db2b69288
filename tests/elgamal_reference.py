"""An independent checker of secret-ballot records, written from docs/spec/ballots.md alone.

ristretto255 (RFC 9496) over the twisted Edwards curve with Python integers, the challenge hash of
spec section 2 and the checks of sections 4-6 on the JSON forms. It imports nothing of MetroBloc
and shares no code with ``metrobloc.crypto.elgamal``: slow and plain, so that a bug in the fast code
is not repeated here. Every check returns a bool.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752
SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235
INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578
ONE_MINUS_D_SQ = 1159843021668779879193775521855586647937357759715417654439879720876111806838
D_MINUS_ONE_SQ = 40440834346308536858101042469323190826248399146238708352240133220865137265952

Pt = tuple[int, int, int, int]
"""Extended twisted Edwards coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z."""

IDENTITY: Pt = (0, 1, 1, 0)
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202
_BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960
BASE: Pt = (_BX, _BY, 1, _BX * _BY % P)


def is_negative(x: int) -> bool:
    return x % P % 2 == 1


def ct_abs(x: int) -> int:
    return -x % P if is_negative(x) else x % P


def sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    """RFC 9496 section 4.2."""
    r = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * r * r % P
    correct = check == u % P
    flipped = check == -u % P
    flipped_i = check == -u * SQRT_M1 % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return correct or flipped, ct_abs(r)


def add(p1: Pt, p2: Pt) -> Pt:
    """Complete addition for a = -1 (Hisil-Wong-Carter-Dawson)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def neg(p: Pt) -> Pt:
    x, y, z, t = p
    return (-x % P, y, z, -t % P)


def mul(k: int, p: Pt) -> Pt:
    k %= L
    acc = IDENTITY
    while k:
        if k & 1:
            acc = add(acc, p)
        p = add(p, p)
        k >>= 1
    return acc


def decode(data: bytes) -> Pt | None:
    """RFC 9496 section 4.3.1; None for every refused encoding."""
    if len(data) != 32:
        return None
    s = int.from_bytes(data, "little")
    if s >= P or is_negative(s):
        return None
    ss = s * s % P
    u1, u2 = (1 - ss) % P, (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x * v % P
    x = ct_abs(2 * s * den_x)
    y = u1 * den_y % P
    t = x * y % P
    if not was_square or is_negative(t) or y == 0:
        return None
    return (x, y, 1, t)


def encode(p: Pt) -> bytes:
    """RFC 9496 section 4.3.2."""
    x0, y0, z0, t0 = p
    u1 = (z0 + y0) * (z0 - y0) % P
    u2 = x0 * y0 % P
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 * u2 % P)
    den1, den2 = invsqrt * u1 % P, invsqrt * u2 % P
    z_inv = den1 * den2 * t0 % P
    if is_negative(t0 * z_inv):
        x, y, den_inv = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P, den1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den_inv = x0, y0, den2
    if is_negative(x * z_inv):
        y = -y % P
    return ct_abs(den_inv * (z0 - y)).to_bytes(32, "little")


def _map(t: int) -> Pt:
    r = SQRT_M1 * t * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = (-1 - r * D) * (r + D) % P
    was_square, s = sqrt_ratio_m1(u, v)
    if not was_square:
        s = -ct_abs(s * t) % P
    c = -1 % P if was_square else r
    n = (c * (r - 1) * D_MINUS_ONE_SQ - v) % P
    w0, w1 = 2 * s * v % P, n * SQRT_AD_MINUS_ONE % P
    w2, w3 = (1 - s * s) % P, (1 + s * s) % P
    return (w0 * w3 % P, w2 * w1 % P, w1 * w3 % P, w0 * w2 % P)


def from_uniform_bytes(data: bytes) -> Pt:
    """RFC 9496 section 4.3.4."""
    mask = (1 << 255) - 1
    t1 = (int.from_bytes(data[:32], "little") & mask) % P
    t2 = (int.from_bytes(data[32:], "little") & mask) % P
    return add(_map(t1), _map(t2))


def equal(p1: Pt, p2: Pt) -> bool:
    return (p1[0] * p2[1] - p1[1] * p2[0]) % P == 0 or (p1[1] * p2[1] - p1[0] * p2[0]) % P == 0


# --- JSON values (spec section 1) ---


def b64(text: str) -> bytes:
    assert "=" not in text
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    assert base64.urlsafe_b64encode(data).rstrip(b"=").decode() == text, "non-canonical base64url"
    return data


def point(text: str) -> tuple[Pt, bytes]:
    raw = b64(text)
    p = decode(raw)
    if p is None:
        raise ValueError("bad point")
    return p, raw


def scalar(text: str) -> int:
    raw = b64(text)
    value = int.from_bytes(raw, "little")
    if len(raw) != 32 or value >= L:
        raise ValueError("bad scalar")
    return value


# --- the challenge hash (spec section 2) ---

Item = tuple[str, Any]


def challenge(tag: bytes, context: bytes, items: Sequence[Item]) -> int:
    out = bytearray(tag + len(context).to_bytes(4, "big") + context)
    for kind, value in items:
        if kind == "p":
            out += encode(value)
        elif kind == "int":
            out += value.to_bytes(8, "big")
        else:
            out += len(value).to_bytes(4, "big") + value
    return int.from_bytes(hashlib.sha512(bytes(out)).digest(), "little") % L


def jcs(obj: dict[str, Any]) -> bytes:
    """RFC 8785 for the flat ASCII objects used as contexts."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def ballot_context(chain_id: str, election: str, voter: str) -> bytes:
    return jcs({"chain_id": chain_id, "election": election, "voter": voter})


def guardian_context(chain_id: str, election: str, guardian: int) -> bytes:
    return jcs({"chain_id": chain_id, "election": election, "guardian": guardian})


SCHNORR = b"metrobloc/elgamal/schnorr/v1\x00"
CHAUM_PEDERSEN = b"metrobloc/elgamal/chaum_pedersen/v1\x00"
ONE_OF = b"metrobloc/elgamal/one_of/v1\x00"

Ct = tuple[Pt, Pt]


def ct_add(a: Ct, b: Ct) -> Ct:
    return (add(a[0], b[0]), add(a[1], b[1]))


# --- proofs (spec section 4) ---


def schnorr_ok(x: Pt, proof: list[str], ctx: bytes) -> bool:
    c, z = (scalar(v) for v in proof)
    a = add(mul(z, BASE), neg(mul(c, x)))
    return challenge(SCHNORR, ctx, [("p", x), ("p", a)]) == c


def chaum_pedersen_ok(x: Pt, b: Pt, y: Pt, proof: list[str], ctx: bytes) -> bool:
    c, z = (scalar(v) for v in proof)
    a1 = add(mul(z, BASE), neg(mul(c, x)))
    b1 = add(mul(z, b), neg(mul(c, y)))
    return challenge(CHAUM_PEDERSEN, ctx, [("p", x), ("p", b), ("p", y), ("p", a1), ("p", b1)]) == c


def one_of_ok(k: Pt, ct: Ct, values: Sequence[int], proof: list[str], ctx: bytes, label: bytes) -> bool:
    if len(proof) != 2 * len(values):
        return False
    alpha, beta = ct
    items: list[Item] = [("b", label), ("p", k), ("p", alpha), ("p", beta), ("int", len(values))]
    items += [("int", v) for v in values]
    total = 0
    for j, v in enumerate(values):
        c, z = scalar(proof[2 * j]), scalar(proof[2 * j + 1])
        total += c
        beta_j = add(beta, neg(mul(v, BASE)))
        items.append(("p", add(mul(z, BASE), neg(mul(c, alpha)))))
        items.append(("p", add(mul(z, k), neg(mul(c, beta_j)))))
    return challenge(ONE_OF, ctx, items) == total % L


def _row(row: list[str]) -> Ct:
    return (point(row[0])[0], point(row[1])[0])


def range_ok(k: Pt, ct: Ct, lo: int, hi: int, total: int, proof: dict[str, Any], ctx: bytes, label: bytes) -> bool:
    """Spec 4.4 for a weighted sum known to lie in [0, total]: low rows only if lo > 0, high only if hi < total."""
    bits = max(1, (hi - lo).bit_length())
    alpha, beta = ct
    wants = {
        "low": ((alpha, add(beta, neg(mul(lo, BASE)))), bits if lo > 0 else 0),
        "high": ((neg(alpha), add(mul(hi, BASE), neg(beta))), bits if hi < total else 0),
    }
    for side, (want, count) in wants.items():
        rows = proof[side]
        if len(rows) != count:
            return False
        for j, row in enumerate(rows):
            if not one_of_ok(k, _row(row), (0, 1), row[2:], ctx, label + f"/{side}/{j}".encode()):
                return False
        if rows:
            acc = _row(rows[-1])
            for row in reversed(rows[:-1]):
                acc = ct_add(ct_add(acc, acc), _row(row))
            if not (equal(acc[0], want[0]) and equal(acc[1], want[1])):
                return False
    return True


# --- ballots (spec section 5) ---


def ballot_ok(key: str, questions: Sequence[dict[str, Any]], ballot: list[dict[str, Any]], ctx: bytes) -> bool:
    """Spec 5 steps 1-4; ``questions`` are dicts with options, min, max and optional weights/wmin/wmax."""
    k = point(key)[0]
    try:
        if len(ballot) != len(questions):
            return False
        for i, (q, answer) in enumerate(zip(questions, ballot, strict=True)):
            if len(answer["s"]) != q["options"] or ("w" in answer) != ("weights" in q):
                return False
            rows = [_row(r) for r in answer["s"]]
            for j, (row, raw) in enumerate(zip(rows, answer["s"], strict=True)):
                if len(raw) != 6 or not one_of_ok(k, row, (0, 1), raw[2:], ctx, f"q{i}/o{j}".encode()):
                    return False
            total = (IDENTITY, IDENTITY)
            for row in rows:
                total = ct_add(total, row)
            values = range(q["min"], q["max"] + 1)
            if not one_of_ok(k, total, values, answer["l"], ctx, f"q{i}/limit".encode()):
                return False
            if "weights" in q:
                weighted = (IDENTITY, IDENTITY)
                for w, row in zip(q["weights"], rows, strict=True):
                    weighted = ct_add(weighted, (mul(w, row[0]), mul(w, row[1])))
                label = f"q{i}/weight".encode()
                if not range_ok(k, weighted, q["wmin"], q["wmax"], sum(q["weights"]), answer["w"], ctx, label):
                    return False
    except (ValueError, KeyError, TypeError, AssertionError):
        return False
    return True


def tally(ballots: Sequence[list[dict[str, Any]]]) -> list[Ct]:
    """The flat tally (question-then-option order) of ballots' rows."""
    out: list[Ct] | None = None
    for ballot in ballots:
        rows = [_row(r) for answer in ballot for r in answer["s"]]
        out = rows if out is None else [ct_add(a, b) for a, b in zip(out, rows, strict=True)]
    assert out is not None
    return out


# --- guardians and the result (spec section 6) ---


def commitment_ok(commitment: dict[str, Any], threshold: int, gctx: bytes) -> bool:
    cs, ps = commitment["commitments"], commitment["proofs"]
    if len(cs) != threshold or len(ps) != threshold:
        return False
    for k, (c, proof) in enumerate(zip(cs, ps, strict=True)):
        pt, raw = point(c)
        if raw == bytes(32) or not schnorr_ok(pt, proof, gctx + f"/coefficient/{k}".encode()):
            return False
    return True


def _eval(commitment: dict[str, Any], j: int) -> Pt:
    acc = IDENTITY
    for k, c in enumerate(commitment["commitments"]):
        acc = add(acc, mul(pow(j, k, L), point(c)[0]))
    return acc


def share_ok(share: int, j: int, commitment: dict[str, Any]) -> bool:
    return equal(mul(share, BASE), _eval(commitment, j))


def joint_key(commitments: Sequence[dict[str, Any]]) -> bytes:
    acc = IDENTITY
    for c in commitments:
        acc = add(acc, point(c["commitments"][0])[0])
    return encode(acc)


def public_share(j: int, commitments: Sequence[dict[str, Any]]) -> Pt:
    acc = IDENTITY
    for c in commitments:
        acc = add(acc, _eval(c, j))
    return acc


def decryption_share_ok(share: dict[str, Any], public: Pt, cts: Sequence[Ct], gctx: bytes) -> bool:
    if len(share["shares"]) != len(cts) or len(share["proofs"]) != len(cts):
        return False
    return all(
        chaum_pedersen_ok(public, ct[0], point(d)[0], proof, gctx)
        for ct, d, proof in zip(cts, share["shares"], share["proofs"], strict=True)
    )


def result_ok(cts: Sequence[Ct], shares: Sequence[dict[str, Any]], counts: Sequence[int]) -> bool:
    indices = [s["guardian"] for s in shares]
    if len(set(indices)) != len(indices) or len(counts) != len(cts):
        return False
    lambdas = []
    for j in indices:
        num = den = 1
        for m in indices:
            if m != j:
                num, den = num * m % L, den * (m - j) % L
        lambdas.append(num * pow(den, -1, L) % L)
    for k, (ct, n) in enumerate(zip(cts, counts, strict=True)):
        m = ct[1]
        for lam, s in zip(lambdas, shares, strict=True):
            m = add(m, neg(mul(lam, point(s["shares"][k])[0])))
        if n < 0 or not equal(mul(n, BASE), m):
            return False
    return True
