// Block headers and their attestations (docs/spec/blocks.md sections 2 and 4): a header is v1 (nine
// fields, tag metrobloc/header/v1) or v2 (those and state_root, tag metrobloc/header/v2,
// docs/spec/state-proofs.md section 5). The browser-side twin of src/metrobloc/ledger/blocks.py's
// Header and Attestation and of bundles.py's check_attestations
// (against the node keys in force at the header's height, docs/spec/blocks.md section 4).

import { Refused, hasFields, jcs } from './canonical.js';
import { b64urlDecode, bytesToHex, concatBytes, isHex32 } from './encoding.js';
import { verifyStrict } from './ed25519.js';

const V1_FIELDS = ['app_hash', 'chain_id', 'height', 'log_root', 'log_size', 'prev_hash', 'time_ms', 'tx_count', 'tx_root'];
const V2_FIELDS = [...V1_FIELDS, 'state_root'];
const TAGS = new Map([1, 2].map((v) => [v, new TextEncoder().encode(`metrobloc/header/v${v}\0`)]));

/** 2 for an object with exactly the ten v2 fields, 1 for exactly the nine v1 fields, else null. */
export function headerVersion(obj) {
  if (hasFields(obj, V2_FIELDS)) return 2;
  return hasFields(obj, V1_FIELDS) ? 1 : null;
}

/** What is wrong with a header's shape, as Header.from_json says it, or null for a good header. */
export function headerShape(obj) {
  const version = headerVersion(obj);
  if (version === null) return 'a header has exactly the nine fields of v1, or those and state_root (v2)';
  if (!['height', 'time_ms', 'tx_count', 'log_size'].every((f) => Number.isSafeInteger(obj[f]) && obj[f] >= 0)) {
    return 'header heights, times, counts and sizes are non-negative integers';
  }
  const hashes = ['prev_hash', 'tx_root', 'log_root', 'app_hash', ...(version === 2 ? ['state_root'] : [])];
  if (!hashes.every((f) => isHex32(obj[f]))) return 'header hashes are 64 lower-case hex digits';
  return typeof obj.chain_id === 'string' ? null : 'header.chain_id must be a string';
}

/** `metrobloc/header/v<1|2>\0 || JCS(header)`: the bytes hashed for the block hash and attested. */
export function headerSignedBytes(header) {
  const version = headerVersion(header);
  if (version === null) throw new TypeError('not a v1 or v2 header');
  return concatBytes(TAGS.get(version), jcs(header));
}

/** An attestation's wire form parsed; throws Refused `verify.bad_bundle`. */
export function attestationOf(obj) {
  const bad = (message) => new Refused(message, 'verify.bad_bundle');
  if (!hasFields(obj, ['public_key', 'signature'])) throw bad('an attestation is {public_key, signature}');
  try {
    const publicKey = b64urlDecode(obj.public_key, 32, 'attestation public_key');
    return { publicKey, signature: b64urlDecode(obj.signature, 64, 'attestation signature'), text: obj.public_key };
  } catch (err) {
    throw err instanceof Refused ? bad(err.message) : err;
  }
}

/**
 * One step per attestation: {step: 'attestation', ok, code, detail, organization, publicKey}.
 * `keySet` is the set in force at the header's height (KeyHistory.keySet in ./consortium.js):
 * {height, size, quorum, byKey: Map(hex -> name), ever(hex), nameEver(hex)}. A key once in force
 * but not at this height is `verify.key_not_in_force`; one never in force `verify.unknown_attester`.
 */
export function attestationSteps(attestations, keySet, signed) {
  return attestations.map((att, i) => {
    const hex = bytesToHex(att.publicKey);
    const name = keySet.byKey.get(hex);
    const step = { step: 'attestation', label: `Attestation ${i + 1}`, organization: name ?? null, publicKey: att.text };
    if (name === undefined) {
      if (keySet.ever(hex)) {
        const detail = `key ${att.text} of ${keySet.nameEver(hex)} is not in force at height ${keySet.height}`;
        return { ...step, ok: false, code: 'verify.key_not_in_force', detail };
      }
      return { ...step, ok: false, code: 'verify.unknown_attester', detail: `key ${att.text} was never a node key of the consortium` };
    }
    if (!verifyStrict(att.publicKey, signed, att.signature)) {
      return { ...step, ok: false, code: 'verify.bad_attestation', detail: `the signature of ${name} does not verify` };
    }
    return { ...step, ok: true, code: null, detail: `signed by ${name}` };
  });
}

/** Names of the organizations whose keys validly attested, one per distinct key, sorted. */
export function attestersOf(steps) {
  const byKey = new Map(steps.filter((s) => s.step === 'attestation' && s.ok).map((s) => [s.publicKey, s.organization]));
  return [...byKey.values()].sort();
}

/** The quorum step over the attestation steps: at least keySet.quorum distinct valid attesters in force. */
export function quorumStep(attSteps, keySet) {
  const names = attestersOf(attSteps);
  const count = `${names.length} valid attestation(s) of ${keySet.size} node keys in force at height ${keySet.height}; ${keySet.quorum} needed`;
  const ok = names.length >= keySet.quorum;
  return { step: 'quorum', label: 'Quorum', ok, code: ok ? null : 'verify.no_quorum', detail: `${count}${names.length ? `: ${names.join(', ')}` : ''}` };
}
