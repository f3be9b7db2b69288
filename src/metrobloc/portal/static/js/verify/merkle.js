// RFC 9162 tree hashing and proof verification (docs/spec/log-and-proofs.md sections 2 to 4):
// the browser-side twin of src/metrobloc/merkle/tree.py and verifier.py. Indexes and sizes are
// handled as BigInt, so no step is cut to 32 bits by JavaScript's bit operators.

import { sha256 } from '../../vendor/noble-hashes/sha2.js';
import { concatBytes } from './encoding.js';

/** The root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT = sha256(new Uint8Array(0));

/** SHA-256(0x00 || leaf). */
export function leafHash(leaf) {
  return sha256(concatBytes(Uint8Array.of(0), leaf));
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  return sha256(concatBytes(Uint8Array.of(1), left, right));
}

function sameBytes(a, b) {
  return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
}

const odd = (n) => (n & 1n) === 1n;

/** The root that `path` proves for leaf hash `leaf` at `index` in a tree of `size` leaves, or null. */
export function rootFromInclusion(leaf, index, size, path) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn < 0n || fn > sn) return null;
  let r = leaf;
  for (const p of path) {
    if (p.length !== 32 || sn === 0n) return null;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

/** True when `path` proves leaf hash `leaf` at `index` in the tree of `size` leaves and `root`. */
export function verifyInclusion(leaf, index, size, path, root) {
  return sameBytes(rootFromInclusion(leaf, index, size, path), root);
}

/** True when `proof` shows the tree (second, secondRoot) extends (first, firstRoot). */
export function verifyConsistency(first, second, proof, firstRoot, secondRoot) {
  const m = BigInt(first);
  const n = BigInt(second);
  if (m < 0n || m > n) return false;
  if (m === n) return proof.length === 0 && sameBytes(firstRoot, secondRoot);
  if (m === 0n) return proof.length === 0 && sameBytes(firstRoot, EMPTY_ROOT);
  if (proof.length === 0 || proof.some((c) => c.length !== 32)) return false;
  const path = (m & (m - 1n)) === 0n ? [firstRoot, ...proof] : [...proof];
  let fn = m - 1n;
  let sn = n - 1n;
  while (odd(fn)) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sameBytes(fr, firstRoot) && sameBytes(sr, secondRoot) && sn === 0n;
}
