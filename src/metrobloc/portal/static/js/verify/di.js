// W3C Data Integrity proofs with the cryptosuite eddsa-jcs-2022, in the browser: the twin of
// src/metrobloc/credentials/di.py (docs/spec/credentials.md section 2), the same steps under the same
// names and the same refusal codes. transform = JCS of the unsecured document; canonicalProofConfig
// = JCS of the proof options; hashData = SHA-256(proof config) || SHA-256(document); the signature
// is strict Ed25519 (./ed25519.js, the node's rules) written as multibase base58btc.

import { sha256 } from '../../vendor/noble-hashes/sha2.js';
import { Refused, jcs } from './canonical.js';
import { verifyStrict } from './ed25519.js';
import { concatBytes } from './encoding.js';

export const PROOF_TYPE = 'DataIntegrityProof';
export const CRYPTOSUITE = 'eddsa-jcs-2022';
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const DATA_INTEGRITY_V2_CONTEXT = 'https://w3id.org/security/data-integrity/v2';
export const KNOWN_CONTEXTS = Object.freeze([VC_V2_CONTEXT, DATA_INTEGRITY_V2_CONTEXT]);
export const ED25519_PREFIX = Uint8Array.of(0xed, 0x01);

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const PROOF_VALUE_MAX_CHARS = 100;
const MULTIKEY_MAX_CHARS = 64;
const DATE_TIME_STAMP = new RegExp(
  '^(-?[0-9]{4,})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])' +
    '(\\.[0-9]+)?(Z|([+-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00))$',
);

const fail = (message, code) => new Refused(message, code);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** base58btc (Bitcoin alphabet) of bytes. */
export function base58Encode(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

/** Bytes of base58btc text (no checks beyond the alphabet; see decodeBase58btc). */
export function base58Decode(text) {
  let n = 0n;
  for (const c of text) {
    const v = BASE58.indexOf(c);
    if (v < 0) throw new TypeError('not base58');
    n = n * 58n + BigInt(v);
  }
  const out = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    out.unshift(0);
  }
  return Uint8Array.from(out);
}

/** Multibase base58btc ('z' + base58), one text per byte string, as multikey.py's decode_base58btc. */
export function decodeBase58btc(text, { what, code, maxChars = MULTIKEY_MAX_CHARS }) {
  if (typeof text !== 'string' || text.length < 2 || text.length > maxChars || text[0] !== 'z') {
    throw fail(`${what} is not multibase base58btc ('z...')`, code);
  }
  const body = text.slice(1);
  if ([...body].some((c) => !BASE58.includes(c))) throw fail(`${what} has characters outside the base58btc alphabet`, code);
  const data = base58Decode(body);
  if (base58Encode(data) !== body) throw fail(`${what} is not canonical base58btc`, code);
  return data;
}

/** The Multikey text of a raw 32-byte Ed25519 public key ('z6Mk...'). */
export function encodeEd25519Multikey(raw) {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) throw fail('an Ed25519 public key is 32 bytes', 'identity.bad_multikey');
  return 'z' + base58Encode(concatBytes(ED25519_PREFIX, raw));
}

/** The raw 32-byte key of an Ed25519 Multikey; `identity.bad_multikey` otherwise (the point itself
 * is judged by the signature check, which refuses keys outside the prime-order group). */
export function decodeEd25519Multikey(text) {
  const data = decodeBase58btc(text, { what: 'Multikey', code: 'identity.bad_multikey' });
  if (data[0] !== ED25519_PREFIX[0] || data[1] !== ED25519_PREFIX[1]) {
    throw fail('expected an Ed25519 Multikey', 'identity.bad_multikey');
  }
  if (data.length !== 34) throw fail(`Ed25519 Multikey must hold 32 key bytes, got ${data.length - 2}`, 'identity.bad_multikey');
  return data.slice(2);
}

/** True for an XML Schema 1.1 dateTimeStamp string (a date and time with a zone). */
export function isDateTimeStamp(value) {
  return typeof value === 'string' && DATE_TIME_STAMP.test(value);
}

/** A dateTimeStamp as Unix ms (digits beyond ms dropped), as vc.py's to_ms; Refused `code` otherwise. */
export function toMs(text, code = 'credential.bad_time') {
  const m = typeof text === 'string' ? DATE_TIME_STAMP.exec(text) : null;
  if (!m) throw fail(`${JSON.stringify(String(text).slice(0, 40))} is not a date-time with a zone`, code);
  const [, y, mo, d, h, mi, s, frac, zone, sign, , zh, zm] = m;
  const year = Number(y);
  if (year < 1 || year > 9999) throw fail(`date-time ${text.slice(0, 40)} is out of range`, code);
  const ms = frac ? Number(frac.slice(1, 4).padEnd(3, '0')) : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), ms);
  if (date.getUTCDate() !== Number(d)) throw fail(`date-time ${text.slice(0, 40)} is out of range`, code);
  const offset = zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * ((zh === undefined ? 14 : Number(zh)) * 60 + (zm === undefined ? 0 : Number(zm)));
  return date.getTime() - offset * 60000;
}

/** Transformation (§3.3.3): the RFC 8785 canonical UTF-8 bytes of the unsecured document. */
export function transform(document) {
  return jcs(document);
}

/** Proof Configuration (§3.3.5): check type, cryptosuite and the times, then canonicalise. */
export function canonicalProofConfig(options) {
  if (options.type !== PROOF_TYPE) throw fail(`proof type must be ${PROOF_TYPE}`, 'credential.wrong_proof_type');
  if (options.cryptosuite !== CRYPTOSUITE) throw fail(`cryptosuite must be ${CRYPTOSUITE}`, 'credential.wrong_cryptosuite');
  for (const name of ['created', 'expires']) {
    if (Object.hasOwn(options, name) && !isDateTimeStamp(options[name])) {
      throw fail(`proof ${name} is not an XML Schema dateTimeStamp`, 'credential.bad_proof');
    }
  }
  return jcs(options);
}

/** Hashing (§3.3.4): SHA-256(canonical proof config) || SHA-256(transformed document). */
export function hashData(transformedDocument, canonicalConfig) {
  return concatBytes(sha256(canonicalConfig), sha256(transformedDocument));
}

/** The proof without proofValue, and the decoded 64-byte signature; shape checks only (di.py's _proof_options). */
export function proofOptions(proof) {
  if (!isObj(proof)) throw fail('expected exactly one proof, a JSON object', 'credential.bad_proof');
  if (proof.type !== PROOF_TYPE) throw fail(`proof type must be ${PROOF_TYPE}`, 'credential.wrong_proof_type');
  if (proof.cryptosuite !== CRYPTOSUITE) throw fail(`cryptosuite must be ${CRYPTOSUITE}`, 'credential.wrong_cryptosuite');
  for (const name of ['verificationMethod', 'proofPurpose', 'proofValue']) {
    if (typeof proof[name] !== 'string' || !proof[name]) throw fail(`proof.${name} must be a non-empty string`, 'credential.bad_proof');
  }
  for (const name of ['domain', 'challenge']) {
    if (Object.hasOwn(proof, name) && typeof proof[name] !== 'string') throw fail(`proof.${name} must be a string`, 'credential.bad_proof');
  }
  for (const name of ['created', 'expires']) {
    if (Object.hasOwn(proof, name) && !isDateTimeStamp(proof[name])) {
      throw fail(`proof.${name} is not an XML Schema dateTimeStamp`, 'credential.bad_proof');
    }
  }
  const signature = decodeBase58btc(proof.proofValue, { what: 'proofValue', code: 'credential.bad_proof', maxChars: PROOF_VALUE_MAX_CHARS });
  if (signature.length !== 64) throw fail('proofValue must hold a 64-byte Ed25519 signature', 'credential.bad_proof');
  const options = Object.fromEntries(Object.entries(proof).filter(([name]) => name !== 'proofValue'));
  return { options, signature };
}

function contextList(value, where) {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items) || !items.length || !items.every((i) => typeof i === 'string')) {
    throw fail(`${where} @context must be URL strings (no inline contexts)`, 'credential.unknown_context');
  }
  return items;
}

/** Only pinned context URLs; the proof's @context must begin the document's (§3.3.2 step 4). */
function checkContexts(unsecured, options, known) {
  if (Object.hasOwn(unsecured, '@context')) {
    const unknown = contextList(unsecured['@context'], 'document').filter((name) => !known.includes(name));
    if (unknown.length) throw fail(`unknown @context ${JSON.stringify(unknown[0].slice(0, 100))}`, 'credential.unknown_context');
  }
  if (Object.hasOwn(options, '@context')) {
    const signed = contextList(options['@context'], 'proof');
    const names = Object.hasOwn(unsecured, '@context') ? contextList(unsecured['@context'], 'document') : [];
    if (JSON.stringify(names.slice(0, signed.length)) !== JSON.stringify(signed)) {
      throw fail("document @context does not begin with the proof's", 'credential.context_mismatch');
    }
    unsecured['@context'] = structuredClone(options['@context']);
  }
}

function checkOptions(options, { proofPurpose, domain, challenge, atMs }) {
  if (options.proofPurpose !== proofPurpose) {
    throw fail(`proofPurpose is ${JSON.stringify(options.proofPurpose.slice(0, 40))}, expected ${JSON.stringify(proofPurpose)}`, 'credential.wrong_proof_purpose');
  }
  if (domain != null && options.domain !== domain) throw fail('proof domain does not match', 'credential.wrong_domain');
  if (challenge != null && options.challenge !== challenge) throw fail('proof challenge does not match', 'credential.wrong_challenge');
  if (atMs != null && options.expires !== undefined && toMs(options.expires, 'credential.bad_proof') <= atMs) {
    throw fail(`proof expired at ${options.expires}`, 'credential.proof_expired');
  }
}

/** The document and proof, checked and canonicalised up to (not including) the signature. */
export function prepareProof(secured, { proofPurpose = 'assertionMethod', contexts = KNOWN_CONTEXTS, domain = null, challenge = null, atMs = null } = {}) {
  if (!isObj(secured)) throw fail('a secured document is a JSON object', 'credential.bad_document');
  const { options, signature } = proofOptions(secured.proof);
  const unsecured = Object.fromEntries(Object.entries(structuredClone(secured)).filter(([name]) => name !== 'proof'));
  checkContexts(unsecured, options, contexts);
  checkOptions(options, { proofPurpose, domain, challenge, atMs });
  let config;
  let transformed;
  try {
    config = canonicalProofConfig(options);
    transformed = transform(unsecured);
  } catch (err) {
    if (!(err instanceof Refused) || err.code.startsWith('credential.')) throw err;
    throw fail(`document cannot be canonicalised: ${err.message}`, 'credential.bad_document');
  }
  return { unsecured, options, signature, canonicalDocument: transformed, canonicalProofConfig: config, hashData: hashData(transformed, config) };
}

/** The signature of a prepared proof under a raw Ed25519 key; Refused bad_key or bad_signature. */
export function checkSignature(prepared, publicKey) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw fail('verification method is not a 32-byte Ed25519 key', 'credential.bad_key');
  }
  if (!verifyStrict(publicKey, prepared.hashData, prepared.signature)) {
    throw fail("the proof's signature does not verify", 'credential.bad_signature');
  }
}

/**
 * Verify Proof (§3.3.2) of a document with one eddsa-jcs-2022 proof, as di.py's verify_proof:
 * `resolveKey(verificationMethod)` (may be async) gives the raw 32-byte key or throws. Resolves to
 * {document, verificationMethod, proofPurpose, created, expires}; throws Refused with di.py's codes.
 */
export async function verifyProof(secured, resolveKey, options = {}) {
  const prepared = prepareProof(secured, options);
  checkSignature(prepared, await resolveKey(prepared.options.verificationMethod));
  const { options: o } = prepared;
  return { document: prepared.unsecured, verificationMethod: o.verificationMethod, proofPurpose: o.proofPurpose, created: o.created ?? null, expires: o.expires ?? null };
}
