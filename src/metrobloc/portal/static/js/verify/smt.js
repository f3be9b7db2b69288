// State proofs of the sparse Merkle state tree, checked step by step as docs/spec/state-proofs.md
// section 3 writes them: the browser-side twin of verify_state_proof in
// src/metrobloc/merkle/smt.py, with the same error codes.

import { sha256 } from '../../vendor/noble-hashes/sha2.js';
import { Refused, hasFields } from './canonical.js';
import { concatBytes, hexToBytes, isHex32 } from './encoding.js';

/** The hash of an empty subtree, and the root of the empty state: 32 zero bytes. */
export const STATE_EMPTY = new Uint8Array(32);
/** The most siblings a state proof can have: one per bit of a key hash. */
export const MAX_STATE_DEPTH = 256;

const utf8 = (text) => new TextEncoder().encode(text);
const malformed = (message) => new Refused(message, 'verify.bad_state_proof');

/** SHA-256 of a state key's UTF-8 bytes: the key's path in the tree. */
export function keyHash(keyText) {
  return sha256(utf8(keyText));
}

/** SHA-256 of a state value's UTF-8 bytes. */
export function valueHash(valueText) {
  return sha256(utf8(valueText));
}

/** SHA-256(0x02 || key hash || value hash). */
export function smtLeaf(kh, vh) {
  return sha256(concatBytes(Uint8Array.of(2), kh, vh));
}

/** SHA-256(0x03 || left || right). */
export function smtNode(left, right) {
  return sha256(concatBytes(Uint8Array.of(3), left, right));
}

/** Bit `depth` of a key hash: 0 is the most significant bit of the first byte. */
export function bitOf(kh, depth) {
  return (kh[depth >> 3] >> (7 - (depth & 7))) & 1;
}

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function hash32(text) {
  if (!isHex32(text)) throw malformed('hashes are 64 lower-case hex digits');
  return hexToBytes(text);
}

/** A proof's wire form ({leaf, siblings}) checked for shape, as parse_state_proof; throws Refused. */
export function parseStateProof(obj) {
  if (!hasFields(obj, ['leaf', 'siblings'])) throw malformed('a state proof has exactly the members leaf and siblings');
  if (!Array.isArray(obj.siblings) || obj.siblings.length > MAX_STATE_DEPTH) {
    throw malformed(`siblings is a list of at most ${MAX_STATE_DEPTH} hashes`);
  }
  const { leaf } = obj;
  if (leaf !== null && !hasFields(leaf, ['key_hash', 'value_hash'])) throw malformed('leaf is null or {key_hash, value_hash}');
  return {
    leaf: leaf === null ? null : { keyHash: hash32(leaf.key_hash), valueHash: hash32(leaf.value_hash) },
    siblings: obj.siblings.map(hash32),
  };
}

/** Steps 3 to 5: the hash where the path stops, after checking the claimed value against the leaf. */
function startOfPath(kh, valueText, leaf, n) {
  const claimedAbsent = () => new Refused('the proof shows the key absent, a value was claimed', 'verify.state_value_mismatch');
  if (leaf === null) {
    if (valueText !== null) throw claimedAbsent();
    return STATE_EMPTY;
  }
  if (sameBytes(leaf.keyHash, kh)) {
    if (valueText === null || !sameBytes(valueHash(valueText), leaf.valueHash)) {
      throw new Refused('the proof shows the key holding another value', 'verify.state_value_mismatch');
    }
  } else if (valueText !== null) {
    throw claimedAbsent();
  } else {
    for (let d = 0; d < n; d++) {
      if (bitOf(leaf.keyHash, d) !== bitOf(kh, d)) throw malformed("the proof's leaf is not on the key's path");
    }
  }
  return smtLeaf(leaf.keyHash, leaf.valueHash);
}

/**
 * Check that the state key `keyText` holds `valueText` (null: holds nothing) in the state whose
 * root is `rootHex` (64 lower-case hex digits), by `proof` in its wire form {leaf, siblings}.
 * Returns nothing; throws Refused `verify.bad_state_proof`, `verify.state_value_mismatch` or
 * `verify.state_root_mismatch`, naming the failed step of docs/spec/state-proofs.md section 3.
 */
export function verifyStateProof(rootHex, keyText, valueText, proof) {
  if (!isHex32(rootHex)) throw new TypeError('the root is 64 lower-case hex digits');
  if (typeof keyText !== 'string' || !(valueText === null || typeof valueText === 'string')) {
    throw new TypeError('the key is text, the value text or null');
  }
  const { leaf, siblings } = parseStateProof(proof);
  const kh = keyHash(keyText);
  const n = siblings.length;
  let acc = startOfPath(kh, valueText, leaf, n);
  siblings.forEach((sibling, i) => {
    acc = bitOf(kh, n - 1 - i) ? smtNode(sibling, acc) : smtNode(acc, sibling);
  });
  if (!sameBytes(acc, hexToBytes(rootHex))) throw new Refused('the proof does not lead to the state root', 'verify.state_root_mismatch');
}
