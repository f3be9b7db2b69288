// Secret ballots in the browser (docs/spec/ballots.md): the browser-side twin of
// src/metrobloc/crypto/elgamal and of modules/ballots/audit.py. From an election's public record
// (GET /v1/ballots/{election}) and its current ballots (.../ballots) it re-checks every ballot's
// proofs, the total, the guardians' key generation, each decryption share and the counts, so the
// election page never asks the node whether the election is right. `encryptBallot` makes a ballot
// (the web wallet's side). The group is ristretto255 from the vendored @noble/curves; the challenge
// hash, the transcripts and the JSON forms are written here from the spec.

import { ristretto255 } from '../../vendor/noble-curves/ed25519.js';
import { sha512 } from '../../vendor/noble-hashes/sha2.js';
import { Refused, jcs } from './canonical.js';
import { b64urlDecode, b64urlEncode, concatBytes, sha256Hex } from './encoding.js';

const { Point } = ristretto255;

/** The group order L = 2^252 + 27742317777372353535851937790883648493. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const BASE = Point.BASE;
export const ZERO = Point.ZERO;

const TEXT = new TextEncoder();
const SCHNORR = TEXT.encode('metrobloc/elgamal/schnorr/v1\x00');
const CHAUM_PEDERSEN = TEXT.encode('metrobloc/elgamal/chaum_pedersen/v1\x00');
const ONE_OF = TEXT.encode('metrobloc/elgamal/one_of/v1\x00');
const BINARY = [0n, 1n];

const mod = (n) => ((n % L) + L) % L;

function numberLE(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function bytesLE(n) {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function u32be(n) {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function u64be(n) {
  const out = new Uint8Array(8);
  let v = BigInt(n);
  for (let i = 7; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

function inverse(a) {
  let [r0, r1, s0, s1] = [L, mod(a), 0n, 1n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return mod(s0);
}

/** k·P for a public scalar (any integer, reduced mod L; 0 gives the identity). */
export const mul = (k, p) => p.multiplyUnsafe(mod(BigInt(k)));

/** m·G for a small integer m ≥ 0. */
const small = (m) => mul(m, BASE);

// -- encodings (spec section 1) ---------------------------------------------------------------------

/** The point a 43-character base64url text names; throws Refused unless canonical (RFC 9496 §4.3.1). */
export function point(text, what = 'point') {
  const raw = b64urlDecode(text, 32, what);
  try {
    return Point.fromBytes(raw);
  } catch {
    throw new Refused(`${what} is not a canonical ristretto255 encoding`, 'elgamal.bad_point');
  }
}

/** The scalar a base64url text names; throws Refused when it is not 32 bytes or not below L. */
export function scalar(text, what = 'scalar') {
  const value = numberLE(b64urlDecode(text, 32, what));
  if (value >= L) throw new Refused(`${what} is not below the group order`, 'elgamal.bad_scalar');
  return value;
}

const KEYS = new Map();

/** The election key's point, with noble's window table for it (every proof multiplies by K). */
function keyPoint(text) {
  if (!KEYS.has(text)) {
    if (KEYS.size > 8) KEYS.clear();
    KEYS.set(text, point(text, 'joint key').precompute(8, false));
  }
  return KEYS.get(text);
}

export const pointText = (p) => b64urlEncode(p.toBytes());
export const scalarText = (n) => b64urlEncode(bytesLE(mod(n)));

// -- the challenge hash (spec section 2) ------------------------------------------------------------

/** H(tag, context, items) with items {p: point} | {i: int} | {b: bytes}. */
export function challenge(tag, context, items) {
  const parts = [tag, u32be(context.length), context];
  for (const item of items) {
    if ('p' in item) parts.push(item.p.toBytes());
    else if ('i' in item) parts.push(u64be(item.i));
    else parts.push(u32be(item.b.length), item.b);
  }
  return numberLE(sha512(concatBytes(...parts))) % L;
}

/** The context of a ballot's proofs: JCS of {chain_id, election, voter}. */
export const ballotContext = (chainId, election, voter) => jcs({ chain_id: chainId, election, voter });

/** The context of guardian `index`'s proofs: JCS of {chain_id, election, guardian}. */
export const guardianContext = (chainId, election, index) => jcs({ chain_id: chainId, election, guardian: index });

// -- ciphertexts (spec section 3) -------------------------------------------------------------------

const ctAdd = (a, b) => [a[0].add(b[0]), a[1].add(b[1])];
const ctSub = (a, b) => [a[0].subtract(b[0]), a[1].subtract(b[1])];
const ctScale = (w, c) => [mul(w, c[0]), mul(w, c[1])];
const ctEqual = (a, b) => a[0].equals(b[0]) && a[1].equals(b[1]);
const ctText = (c) => [pointText(c[0]), pointText(c[1])];
const ctOf = (pair, what) => [point(pair[0], `${what} α`), point(pair[1], `${what} β`)];
const ZERO_CT = [ZERO, ZERO];

// -- proofs (spec section 4) ------------------------------------------------------------------------

/** Spec 4.1: [c, z] proves knowledge of x with X = x·G. */
export function schnorrOk(X, proof, ctx) {
  if (!Array.isArray(proof) || proof.length !== 2) return false;
  const [c, z] = proof.map((v) => scalar(v));
  const A = mul(z, BASE).subtract(mul(c, X));
  return challenge(SCHNORR, ctx, [{ p: X }, { p: A }]) === c;
}

/** Spec 4.2: [c, z] proves X = x·G and Y = x·B. */
export function chaumPedersenOk(X, B, Y, proof, ctx) {
  if (!Array.isArray(proof) || proof.length !== 2) return false;
  const [c, z] = proof.map((v) => scalar(v));
  const A1 = mul(z, BASE).subtract(mul(c, X));
  const B1 = mul(z, B).subtract(mul(c, Y));
  return challenge(CHAUM_PEDERSEN, ctx, [{ p: X }, { p: B }, { p: Y }, { p: A1 }, { p: B1 }]) === c;
}

function oneOfItems(K, [alpha, beta], values, label) {
  return [{ b: label }, { p: K }, { p: alpha }, { p: beta }, { i: values.length }, ...values.map((v) => ({ i: v }))];
}

/** Spec 4.3: `proof` (2n scalars) shows (α, β) encrypts one of `values` under K. */
export function oneOfOk(K, ct, values, proof, ctx, label) {
  if (!Array.isArray(proof) || proof.length !== 2 * values.length) return false;
  const [alpha, beta] = ct;
  const items = oneOfItems(K, ct, values, label);
  let total = 0n;
  values.forEach((v, j) => {
    const c = scalar(proof[2 * j]);
    const z = scalar(proof[2 * j + 1]);
    total += c;
    items.push({ p: mul(z, BASE).subtract(mul(c, alpha)) }, { p: mul(z, K).subtract(mul(c, beta.subtract(small(v)))) });
  });
  return challenge(ONE_OF, ctx, items) === total % L;
}

/** Bit rows of a range proof's low and high sides (spec 4.4), with a known bound 0 ≤ m ≤ knownMax. */
export function rangeSides(lo, hi, knownMax) {
  [lo, hi, knownMax] = [BigInt(lo), BigInt(hi), BigInt(knownMax)]; // weights reach 64·2^48: beyond 2^53
  const span = BigInt(hi) - BigInt(lo);
  const bits = span === 0n ? 1 : span.toString(2).length;
  return [lo === 0n ? 0 : bits, hi >= knownMax ? 0 : bits];
}

/** Spec 4.4 for a weighted sum known to lie in [0, knownMax]. */
export function rangeOk(K, ct, lo, hi, knownMax, proof, ctx, label) {
  if (proof === null || typeof proof !== 'object' || Object.keys(proof).sort().join() !== 'high,low') return false;
  const [lowBits, highBits] = rangeSides(lo, hi, knownMax);
  const [alpha, beta] = ct;
  const sides = [
    ['low', lowBits, [alpha, beta.subtract(small(lo))]],
    ['high', highBits, [alpha.negate(), small(hi).subtract(beta)]],
  ];
  for (const [side, bits, want] of sides) {
    const rows = proof[side];
    if (!Array.isArray(rows) || rows.length !== bits) return false;
    const cts = [];
    for (const [j, row] of rows.entries()) {
      if (!Array.isArray(row) || row.length !== 6) return false;
      const bit = ctOf(row, `${side} row ${j}`);
      if (!oneOfOk(K, bit, BINARY, row.slice(2), ctx, TEXT.encode(`${decode(label)}/${side}/${j}`))) return false;
      cts.push(bit);
    }
    if (cts.length) {
      let acc = cts[cts.length - 1];
      for (let j = cts.length - 2; j >= 0; j--) acc = ctAdd(ctAdd(acc, acc), cts[j]);
      if (!ctEqual(acc, want)) return false;
    }
  }
  return true;
}

const decode = (bytes) => new TextDecoder().decode(bytes);

// -- ballots (spec section 5) -----------------------------------------------------------------------

/** A failed check: `code` as the node's (ballots.bad_option_proof, ...), `message` in words. */
export class BallotRefused extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** Σ weights of a budget question, as a BigInt. */
const weightSum = (q) => q.weights.reduce((a, w) => a + BigInt(w), 0n);

function weighted(shape) {
  return Array.isArray(shape.weights);
}

/**
 * Check every proof of `ballot` (its JSON form) under `jointKey` (base64url) and the election's
 * `shapes` for the context `ctx`; throws BallotRefused with the node's code, else returns the
 * ballot's ciphertexts (per question, per option).
 */
export function checkBallot(ballot, jointKey, shapes, ctx) {
  const K = typeof jointKey === 'string' ? keyPoint(jointKey) : jointKey;
  const parsed = parseBallot(ballot, shapes); // the form first, as the node parses before it verifies
  shapes.forEach((q, i) => {
    const answer = ballot[i];
    const rows = parsed[i];
    rows.forEach((row, j) => {
      if (!oneOfOk(K, row, BINARY, answer.s[j].slice(2), ctx, TEXT.encode(`q${i}/o${j}`))) {
        throw new BallotRefused(`question ${i} option ${j}: not a proof of 0 or 1`, 'ballots.bad_option_proof');
      }
    });
    const values = [];
    for (let v = q.min_selections; v <= q.max_selections; v++) values.push(BigInt(v));
    if (!oneOfOk(K, rows.reduce(ctAdd, ZERO_CT), values, answer.l, ctx, TEXT.encode(`q${i}/limit`))) {
      throw new BallotRefused(`question ${i}: selection count outside the limits`, 'ballots.bad_selection_proof');
    }
    if (weighted(q)) {
      const W = rows.reduce((acc, row, j) => (q.weights[j] ? ctAdd(acc, ctScale(q.weights[j], row)) : acc), ZERO_CT);
      const bound = weightSum(q);
      if (!rangeOk(K, W, q.weight_min ?? 0, q.weight_max ?? 0, bound, answer.w, ctx, TEXT.encode(`q${i}/weight`))) {
        throw new BallotRefused(`question ${i}: selected weight outside the range`, 'ballots.bad_weight_proof');
      }
    }
  });
  return parsed;
}

const isScalars = (list, n) => Array.isArray(list) && list.length === n && list.every((v) => scalar(v) >= 0n);

/** The ballot's ciphertexts (per question, per option) once its whole form is right; else BallotRefused. */
function parseBallot(ballot, shapes) {
  const form = (message) => new BallotRefused(message, 'ballots.bad_ballot');
  if (!Array.isArray(ballot) || ballot.length !== shapes.length) throw form('one answer per question is needed');
  try {
    return shapes.map((q, i) => {
      const answer = ballot[i];
      const fields = weighted(q) ? 'l,s,w' : 'l,s';
      if (answer === null || typeof answer !== 'object' || Object.keys(answer).sort().join() !== fields) {
        throw form(`question ${i}: the answer must have the fields ${fields}`);
      }
      if (!Array.isArray(answer.s) || answer.s.length !== q.options) throw form(`question ${i} needs ${q.options} rows`);
      const bitRow = (row, what) => {
        if (!Array.isArray(row) || row.length !== 6 || !isScalars(row.slice(2), 4)) throw form(`${what}: a row is [α, β, c0, z0, c1, z1]`);
        return ctOf(row, what);
      };
      const rows = answer.s.map((row, j) => bitRow(row, `question ${i} option ${j}`));
      if (!isScalars(answer.l, 2 * (q.max_selections - q.min_selections + 1))) throw form(`question ${i}: the limit proof's form`);
      if (weighted(q)) {
        const w = answer.w;
        const [lowBits, highBits] = rangeSides(q.weight_min ?? 0, q.weight_max ?? 0, weightSum(q));
        if (w === null || typeof w !== 'object' || Object.keys(w).sort().join() !== 'high,low') throw form(`question ${i}: the weight proof's form`);
        if (!Array.isArray(w.low) || w.low.length !== lowBits || !Array.isArray(w.high) || w.high.length !== highBits) {
          throw form(`question ${i}: the weight proof needs ${lowBits} low and ${highBits} high rows`);
        }
        [...w.low, ...w.high].forEach((row) => bitRow(row, `question ${i} weight`));
      }
      return rows;
    });
  } catch (error) {
    if (error instanceof Refused) throw form(error.message);
    throw error;
  }
}

// -- encryption (the voter's side) ------------------------------------------------------------------

/** A uniformly random non-zero scalar from the browser's CSPRNG. */
export function randomScalar() {
  for (;;) {
    const k = numberLE(crypto.getRandomValues(new Uint8Array(64))) % L;
    if (k) return k;
  }
}

/** k·P for a secret scalar (constant time in noble; 0 gives the identity). */
const secretMul = (k, p) => (mod(k) === 0n ? ZERO : p.multiply(mod(k)));

function encrypt(K, m, r) {
  return [secretMul(r, BASE), small(m).add(secretMul(r, K))];
}

function proveOneOf(K, ct, m, r, values, ctx, label) {
  const index = values.findIndex((v) => v === BigInt(m));
  if (index < 0) throw new RangeError('the prover can only prove a true statement');
  const [alpha, beta] = ct;
  const items = oneOfItems(K, ct, values, label);
  const cs = [];
  const zs = [];
  const k = randomScalar();
  values.forEach((v, j) => {
    if (j === index) {
      items.push({ p: secretMul(k, BASE) }, { p: secretMul(k, K) });
      cs.push(0n);
      zs.push(0n);
      return;
    }
    const c = randomScalar();
    const z = randomScalar();
    cs.push(c);
    zs.push(z);
    items.push({ p: mul(z, BASE).subtract(mul(c, alpha)) }, { p: mul(z, K).subtract(mul(c, beta.subtract(small(v)))) });
  });
  const c = challenge(ONE_OF, ctx, items);
  cs[index] = mod(c - cs.reduce((a, b) => a + b, 0n));
  zs[index] = mod(k + cs[index] * r);
  return values.flatMap((_, j) => [scalarText(cs[j]), scalarText(zs[j])]);
}

function bitRows(K, value, rTotal, bits, ctx, label) {
  if (!bits) return [];
  const rs = [];
  for (let j = 0; j < bits - 1; j++) rs.push(randomScalar());
  const partial = rs.reduce((acc, r, j) => acc + r * (1n << BigInt(j)), 0n);
  rs.push(mod((rTotal - partial) * inverse(1n << BigInt(bits - 1))));
  return rs.map((r, j) => {
    const bit = (value >> BigInt(j)) & 1n;
    const ct = encrypt(K, bit, r);
    return [...ctText(ct), ...proveOneOf(K, ct, bit, r, BINARY, ctx, TEXT.encode(`${label}/${j}`))];
  });
}

/**
 * A ballot for `selections` (per question, 0/1 per option) under `jointKey` (base64url) and the
 * election's `shapes`, every proof bound to (chainId, election, voter): the JSON form a
 * `ballots/cast` message carries. Throws RangeError for selections the proofs cannot cover.
 */
export function encryptBallot(jointKey, shapes, selections, chainId, election, voter) {
  const K = keyPoint(jointKey);
  const ctx = ballotContext(chainId, election, voter);
  if (!Array.isArray(selections) || selections.length !== shapes.length) throw new RangeError('one answer per question is needed');
  return shapes.map((q, i) => {
    const sel = selections[i];
    if (!Array.isArray(sel) || sel.length !== q.options || sel.some((x) => x !== 0 && x !== 1)) {
      throw new RangeError(`question ${i}: each of the ${q.options} options is selected (1) or not (0)`);
    }
    const count = sel.reduce((a, b) => a + b, 0);
    if (count < q.min_selections || count > q.max_selections) throw new RangeError(`question ${i}: selections outside the limits`);
    const rs = sel.map(() => randomScalar());
    const cts = sel.map((x, j) => encrypt(K, x, rs[j]));
    const answer = {
      s: cts.map((ct, j) => [...ctText(ct), ...proveOneOf(K, ct, sel[j], rs[j], BINARY, ctx, TEXT.encode(`q${i}/o${j}`))]),
    };
    const values = [];
    for (let v = q.min_selections; v <= q.max_selections; v++) values.push(BigInt(v));
    const rSum = mod(rs.reduce((a, b) => a + b, 0n));
    answer.l = proveOneOf(K, cts.reduce(ctAdd, ZERO_CT), count, rSum, values, ctx, TEXT.encode(`q${i}/limit`));
    if (weighted(q)) {
      const lo = q.weight_min ?? 0;
      const hi = q.weight_max ?? 0;
      const m = sel.reduce((acc, x, j) => acc + BigInt(x * q.weights[j]), 0n);
      if (m < BigInt(lo) || m > BigInt(hi)) throw new RangeError(`question ${i}: selected weight outside the range`);
      const rW = mod(rs.reduce((acc, r, j) => acc + r * BigInt(q.weights[j]), 0n));
      const [lowBits, highBits] = rangeSides(lo, hi, weightSum(q));
      answer.w = {
        low: bitRows(K, m - BigInt(lo), rW, lowBits, ctx, `q${i}/weight/low`),
        high: bitRows(K, BigInt(hi) - m, mod(-rW), highBits, ctx, `q${i}/weight/high`),
      };
    }
    return answer;
  });
}

// -- guardians and the result (spec section 6) ------------------------------------------------------

function evaluate(commitments, j) {
  let acc = ZERO;
  let power = 1n;
  for (const C of commitments) {
    acc = acc.add(mul(power, C));
    power = mod(power * BigInt(j));
  }
  return acc;
}

/** The Lagrange coefficients λ_j at 0 of the guardian indices (spec 6.3). */
export function lagrange(indices) {
  return indices.map((j) => {
    let num = 1n;
    let den = 1n;
    for (const m of indices) {
      if (m === j) continue;
      num = mod(num * BigInt(m));
      den = mod(den * BigInt(m - j));
    }
    return mod(num * inverse(den));
  });
}

// -- the election's steps ---------------------------------------------------------------------------

/** The names of the steps, in the page's order (as modules/ballots/pages.py's STEPS). */
export const STEP_NAMES = ['key generation', 'ballot proofs', 'total', 'decryption shares', 'counts'];

class StepFailed extends Error {}
const fail = (message) => {
  throw new StepFailed(message);
};

function keyGeneration(record, chainId) {
  const rows = record.guardian_records;
  const t = record.threshold;
  const commitments = rows.map((g) => {
    const ctx = guardianContext(chainId, record.election, g.index);
    if (!Array.isArray(g.commitments) || g.commitments.length !== t || !Array.isArray(g.proofs) || g.proofs.length !== t) {
      fail(`guardian ${g.index}: ${t} commitments with proofs are needed`);
    }
    return g.commitments.map((text, k) => {
      const C = point(text, `guardian ${g.index} commitment ${k}`);
      if (C.is0()) fail(`guardian ${g.index}: commitment ${k} is the identity`);
      if (!schnorrOk(C, g.proofs[k], concatBytes(ctx, TEXT.encode(`/coefficient/${k}`)))) {
        fail(`guardian ${g.index}: the proof of knowledge of coefficient ${k} fails`);
      }
      return C;
    });
  });
  const K = commitments.reduce((acc, cs) => acc.add(cs[0]), ZERO);
  if (pointText(K) !== record.joint_key) fail("the joint key is not the sum of the guardians' C_i0");
  rows.forEach((_, i) => {
    const P = commitments.reduce((acc, cs) => acc.add(evaluate(cs, i + 1)), ZERO);
    if (pointText(P) !== record.guardian_keys[i]) fail(`guardian ${i + 1}'s public share does not follow from the commitments`);
  });
  return `${rows.length} commitments with proofs of knowledge; joint key = Σ C_i0`;
}

async function ballotProofs(record, ballots, chainId, progress) {
  const parsed = [];
  for (const [n, b] of ballots.entries()) {
    if (sha256Hex(jcs(b.ballot)) !== b.digest) fail(`${b.voter}: the ballot does not match its digest`);
    try {
      parsed.push(checkBallot(b.ballot, record.joint_key, record.shapes, ballotContext(chainId, record.election, b.voter)));
    } catch (error) {
      if (error instanceof BallotRefused) fail(`${b.voter}: ${error.code}: ${error.message}`);
      throw error;
    }
    if (progress && n % 5 === 4) await progress(`${n + 1} of ${ballots.length} ballots checked`);
  }
  return parsed;
}

function totalStep(record, parsed) {
  const total = record.shapes.map((q) => Array.from({ length: q.options }, () => ZERO_CT));
  for (const ballot of parsed) {
    ballot.forEach((rows, i) => rows.forEach((ct, j) => (total[i][j] = ctAdd(total[i][j], ct))));
  }
  const same = total.every((rows, i) => rows.every((ct, j) => ctEqual(ct, ctOf(record.total[i][j], 'total'))));
  if (!same) fail("the total is not the sum of the voters' current ballots");
  if (parsed.length !== record.voters) fail(`${parsed.length} ballots listed for ${record.voters} voters`);
  return `the total is the sum of the ${parsed.length} current ballots`;
}

const flatTotal = (record) => record.total.flatMap((rows, i) => rows.map((pair, j) => ctOf(pair, `total ${i}/${j}`)));

function sharesStep(record, chainId) {
  const cts = flatTotal(record);
  const shared = record.guardian_records.filter((g) => g.decryption_share !== null);
  for (const g of shared) {
    const share = g.decryption_share;
    if (share.guardian !== g.index) fail(`guardian ${g.index}: the share names guardian ${share.guardian}`);
    if (!Array.isArray(share.shares) || share.shares.length !== cts.length || !Array.isArray(share.proofs) || share.proofs.length !== cts.length) {
      fail(`guardian ${g.index}: one share and proof per option is needed`);
    }
    const P = point(record.guardian_keys[g.index - 1], 'public share');
    const ctx = guardianContext(chainId, record.election, g.index);
    cts.forEach((ct, k) => {
      if (!chaumPedersenOk(P, ct[0], point(share.shares[k], 'share'), share.proofs[k], ctx)) {
        fail(`guardian ${g.index}: the proof of share ${k} fails`);
      }
    });
  }
  return `${shared.length} shares of the final total, every Chaum-Pedersen proof verifies`;
}

function countsStep(record) {
  if (record.counts === null) fail('no result accepted yet');
  const cts = flatTotal(record);
  const counts = record.counts.flat();
  const chosen = record.guardian_records.filter((g) => g.decryption_share !== null).slice(0, record.threshold);
  if (chosen.length < record.threshold) fail(`${chosen.length} shares for a threshold of ${record.threshold}`);
  if (counts.length !== cts.length || counts.some((n) => !Number.isSafeInteger(n) || n < 0)) fail('one count per option is needed');
  const lambdas = lagrange(chosen.map((g) => g.index));
  cts.forEach((ct, k) => {
    const rest = chosen.reduce((acc, g, i) => acc.subtract(mul(lambdas[i], point(g.decryption_share.shares[k], 'share'))), ct[1]);
    if (!small(counts[k]).equals(rest)) fail(`option ${k}: counts·G ≠ B − Σ λᵢ·Dᵢ`);
  });
  return `counts·G = B − Σ λᵢ·Dᵢ for ${counts.length} options over guardians ${chosen.map((g) => g.index).join(', ')}: ${JSON.stringify(record.counts)}`;
}

/**
 * Every step of the election's verification, in the page's order: [{name, ok, detail}]. `record` is
 * GET /v1/ballots/{election}, `ballots` every current ballot of .../ballots, `chainId` the chain's id.
 * A step that cannot run (no key yet, not closed) is left out; a failed step stops the later ones
 * that depend on it. `progress(text)`, if given, is awaited now and then so a page can repaint.
 */
export async function verifyElection(record, ballots, chainId, progress = null) {
  const steps = [];
  const run = async (name, fn) => {
    try {
      steps.push({ name, ok: true, detail: await fn() });
      return true;
    } catch (error) {
      if (!(error instanceof StepFailed || error instanceof Refused)) throw error;
      steps.push({ name, ok: false, detail: error.message });
      return false;
    }
  };
  if (record.joint_key === null) {
    steps.push({ name: 'key generation', ok: false, detail: `no joint key (status ${record.status})` });
    return steps;
  }
  await run('key generation', () => keyGeneration(record, chainId));
  let parsed = null;
  await run('ballot proofs', async () => {
    parsed = await ballotProofs(record, ballots, chainId, progress);
    return `${ballots.length} ballots: every 0/1, limit and weight proof verifies`;
  });
  if (parsed !== null) await run('total', () => totalStep(record, parsed));
  if (record.status === 'closed' || record.status === 'decided') {
    const sharesOk = await run('decryption shares', () => sharesStep(record, chainId));
    if (sharesOk) await run('counts', () => countsStep(record));
  }
  return steps;
}
