// Strict Ed25519 verification on noble's point API, under the node's rules (libsodium's
// crypto_sign_verify_detached, docs/spec/encoding.md section 7): S < L, canonical encodings of A
// and R, neither A nor R of small order, and the cofactorless equation R = [S]B - [k]A checked by
// comparing encodings. noble's own verify() is cofactored (ZIP 215 by default), so it is not used.

import { Point } from '../../vendor/noble-ed25519/index.js';
import { sha512 } from '../../vendor/noble-hashes/sha2.js';
import { concatBytes } from './encoding.js';

/** The order of the prime-order subgroup, 2^252 + 27742317777372353535851937790883648493. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function numberLE(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The point a 32-byte encoding names, or null unless the encoding is canonical and not of small order. */
function strictPoint(bytes) {
  let point;
  try {
    point = Point.fromBytes(bytes, false); // refuses y >= p and x = 0 with the sign bit set
  } catch {
    return null;
  }
  if (!sameBytes(point.toBytes(), bytes) || point.isSmallOrder()) return null;
  return point;
}

/**
 * True when `signature` (64 bytes) is a valid strict Ed25519 signature of `message` by
 * `publicKey` (32 bytes): the signatures PyNaCl's crypto_sign_open accepts, and no others.
 * All three arguments are Uint8Array; anything else is refused (false), never thrown.
 */
export function verifyStrict(publicKey, message, signature) {
  const bytes = [publicKey, message, signature];
  if (!bytes.every((b) => b instanceof Uint8Array) || publicKey.length !== 32 || signature.length !== 64) {
    return false;
  }
  const encodedR = signature.subarray(0, 32);
  const s = numberLE(signature.subarray(32));
  if (s >= L) return false;
  const A = strictPoint(publicKey);
  const R = strictPoint(encodedR);
  if (A === null || R === null) return false;
  const k = numberLE(sha512(concatBytes(encodedR, publicKey, message))) % L;
  const expected = Point.BASE.multiply(s, false).subtract(A.multiply(k, false)) // 0 gives the identity;
  return sameBytes(expected.toBytes(), encodedR);
}
