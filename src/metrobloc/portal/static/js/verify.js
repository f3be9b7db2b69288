// Proof bundles checked in the browser against a genesis the reader trusts, step by step, as
// src/metrobloc/ledger/bundles.py checks them (docs/spec/log-and-proofs.md section 5.1). Nothing
// is fetched: the bundle and the genesis are the only inputs. This module is the portal's whole
// verification API; the pieces live in ./verify/ and are re-exported here.

import { sha256 } from '../vendor/noble-hashes/sha2.js';
import { Refused, checkValue, jcs, parseStrictJSON } from './verify/canonical.js';
import { addressOf, b64urlDecode, bytesToHex, concatBytes, hexToBytes, isAddress, isHex32 } from './verify/encoding.js';
import { verifyStrict } from './verify/ed25519.js';
import { rootFromInclusion, leafHash, verifyConsistency } from './verify/merkle.js';

export { MAX_DEPTH, Refused, checkValue, jcs, parseStrictJSON } from './verify/canonical.js';
export { addressOf, b64urlDecode, b64urlEncode, bytesToHex, hexToBytes, isAddress } from './verify/encoding.js';
export { L, verifyStrict } from './verify/ed25519.js';
export { EMPTY_ROOT, leafHash, nodeHash, rootFromInclusion, verifyConsistency, verifyInclusion } from './verify/merkle.js';

const HEADER_TAG = new TextEncoder().encode('metrobloc/header/v1\0');
const CHAIN_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const BUNDLE_FIELDS = ['attestations', 'header', 'inclusion_path', 'leaf_index', 'receipt'];
const RECEIPT_FIELDS = ['error', 'events', 'height', 'index', 'status', 'tx_hash'];
const HEADER_FIELDS = ['app_hash', 'chain_id', 'height', 'log_root', 'log_size', 'prev_hash', 'time_ms', 'tx_count', 'tx_root'];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v) => Number.isSafeInteger(v);
const hasFields = (v, fields) => isObject(v) && Object.keys(v).length === fields.length && fields.every((f) => Object.hasOwn(v, f));

/** Attestations a header needs: at least two thirds of the node keys (docs/spec/blocks.md section 4). */
export function quorum(nodeCount) {
  return Math.max(1, Math.ceil((2 * nodeCount) / 3));
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes) {
  return bytesToHex(sha256(bytes));
}

/** `metrobloc/header/v1\0 || JCS(header)`: the bytes hashed for the block hash and attested. */
export function headerSignedBytes(header) {
  return concatBytes(HEADER_TAG, jcs(header));
}

/** A JSON text (or UTF-8 bytes) parsed strictly, or an already-parsed value checked the same way. */
function strict(input) {
  if (typeof input === 'string' || input instanceof Uint8Array) return parseStrictJSON(input);
  checkValue(input);
  return input;
}

function genesisShape(doc) {
  const bad = (message) => new Refused(message, 'genesis.bad_shape');
  const allowed = ['admin', 'app_state', 'chain_id', 'genesis_time_ms', 'organizations'];
  const keys = isObject(doc) ? Object.keys(doc) : [];
  if (!isObject(doc) || keys.some((k) => !allowed.includes(k)) || allowed.some((k) => k !== 'app_state' && !keys.includes(k))) {
    throw bad(`genesis must have the fields ${JSON.stringify(allowed)}`);
  }
  if (typeof doc.chain_id !== 'string' || !CHAIN_ID.test(doc.chain_id)) throw bad('genesis chain_id is not a valid chain id');
  if (!isInt(doc.genesis_time_ms) || doc.genesis_time_ms < 0) throw bad('genesis_time_ms must be a non-negative integer');
  if (!Array.isArray(doc.organizations) || !doc.organizations.length) throw bad('genesis needs at least one organization');
  return bad;
}

/**
 * Check and parse a genesis document (text or parsed value) as src/metrobloc/ledger/genesis.py does.
 * Returns {chainId, organizations: [{name, nodeKey}], quorum, sha256}; `sha256` is hex
 * SHA-256(JCS(genesis)), the value to compare with one published elsewhere. Throws Refused.
 */
export function parseGenesis(input) {
  const doc = strict(input);
  const bad = genesisShape(doc);
  const organizations = doc.organizations.map((org) => {
    if (!hasFields(org, ['name', 'node_key']) || typeof org.name !== 'string') throw bad('an organization is {name, node_key}');
    return { name: org.name, nodeKey: b64urlDecode(org.node_key, 32, 'node_key') };
  });
  if (new Set(organizations.map((o) => bytesToHex(o.nodeKey))).size !== organizations.length) {
    throw bad('node keys in genesis must be distinct');
  }
  if (!hasFields(doc.admin, ['address', 'public_key']) || !isAddress(doc.admin.address)) {
    throw bad('genesis admin is {address, public_key}');
  }
  const adminKey = b64urlDecode(doc.admin.public_key, 32, 'admin public_key');
  if (addressOf(adminKey) !== doc.admin.address) throw bad('genesis admin address does not match its public key');
  if ('app_state' in doc && !isObject(doc.app_state)) throw bad('genesis app_state must be an object');
  const sha = sha256Hex(jcs(doc));
  return { chainId: doc.chain_id, organizations, quorum: quorum(organizations.length), sha256: sha };
}

function receiptShape(obj) {
  if (!hasFields(obj, RECEIPT_FIELDS)) return 'a receipt has exactly its six fields';
  const { error, status } = obj;
  const errorOk = error === null || (hasFields(error, ['code', 'message']) && Object.values(error).every((v) => typeof v === 'string'));
  const typesOk = isHex32(obj.tx_hash) && isInt(obj.height) && isInt(obj.index) && ['ok', 'failed'].includes(status);
  if (!typesOk || !Array.isArray(obj.events) || (error === null) !== (status === 'ok') || !errorOk) {
    return 'receipt fields have the wrong types';
  }
  for (const e of obj.events) {
    if (!hasFields(e, ['attributes', 'type']) || typeof e.type !== 'string') return 'an event is {type, attributes}';
    if (!isObject(e.attributes) || !Object.values(e.attributes).every((v) => typeof v === 'string')) {
      return 'event attributes are strings';
    }
  }
  return null;
}

function headerShape(obj) {
  if (!hasFields(obj, HEADER_FIELDS)) return 'a header has exactly its nine fields';
  if (!['height', 'time_ms', 'tx_count', 'log_size'].every((f) => isInt(obj[f]) && obj[f] >= 0)) {
    return 'header heights, times, counts and sizes are non-negative integers';
  }
  if (!['prev_hash', 'tx_root', 'log_root', 'app_hash'].every((f) => isHex32(obj[f]))) {
    return 'header hashes are 64 lower-case hex digits';
  }
  return typeof obj.chain_id === 'string' ? null : 'header.chain_id must be a string';
}

function attestationOf(obj) {
  if (!hasFields(obj, ['public_key', 'signature'])) throw new Refused('an attestation is {public_key, signature}', 'verify.bad_bundle');
  const publicKey = b64urlDecode(obj.public_key, 32, 'attestation public_key');
  return { publicKey, signature: b64urlDecode(obj.signature, 64, 'attestation signature'), text: obj.public_key };
}

/** The bundle's parts, checked as bundles.py's first step does; throws Refused `verify.bad_bundle`. */
function bundleParts(bundle) {
  const bad = (message) => new Refused(message, 'verify.bad_bundle');
  if (!hasFields(bundle, BUNDLE_FIELDS)) throw bad(`a proof bundle has exactly the fields ${JSON.stringify(BUNDLE_FIELDS)}`);
  const problem = receiptShape(bundle.receipt) ?? headerShape(bundle.header);
  if (problem) throw bad(problem);
  if (!Array.isArray(bundle.attestations)) throw bad('attestations must be a list');
  let attestations;
  try {
    attestations = bundle.attestations.map(attestationOf);
  } catch (err) {
    throw err instanceof Refused ? bad(err.message) : err;
  }
  if (!Array.isArray(bundle.inclusion_path)) throw bad('inclusion_path must be a list');
  if (!bundle.inclusion_path.every(isHex32)) throw bad('path entries are 64 lower-case hex digits');
  if (!isInt(bundle.leaf_index)) throw bad('leaf_index must be an integer');
  const path = bundle.inclusion_path.map(hexToBytes);
  return { receipt: bundle.receipt, header: bundle.header, attestations, path, leafIndex: bundle.leaf_index };
}

function attestationSteps(parts, genesis, signed) {
  const byKey = new Map(genesis.organizations.map((o) => [bytesToHex(o.nodeKey), o.name]));
  return parts.attestations.map((att, i) => {
    const name = byKey.get(bytesToHex(att.publicKey));
    const step = { step: 'attestation', label: `Attestation ${i + 1}`, organization: name ?? null, publicKey: att.text };
    if (name === undefined) {
      return { ...step, ok: false, code: 'verify.unknown_attester', detail: `key ${att.text} is not a node key of the genesis` };
    }
    if (!verifyStrict(att.publicKey, signed, att.signature)) {
      return { ...step, ok: false, code: 'verify.bad_attestation', detail: `the signature of ${name} does not verify` };
    }
    return { ...step, ok: true, code: null, detail: `signed by ${name}` };
  });
}

/** Names of the organizations whose keys validly attested, one per distinct key, sorted. */
function attestersOf(steps) {
  const byKey = new Map(steps.filter((s) => s.step === 'attestation' && s.ok).map((s) => [s.publicKey, s.organization]));
  return [...byKey.values()].sort();
}

function quorumStep(attSteps, genesis) {
  const names = attestersOf(attSteps);
  const count = `${names.length} valid attestation(s) of ${genesis.organizations.length} node keys; ${genesis.quorum} needed`;
  const ok = names.length >= genesis.quorum;
  return { step: 'quorum', label: 'Quorum', ok, code: ok ? null : 'verify.no_quorum', detail: `${count}${names.length ? `: ${names.join(', ')}` : ''}` };
}

function inclusionStep(parts, leaf) {
  const { header, path } = parts;
  const root = rootFromInclusion(leaf, parts.leafIndex, header.log_size, path);
  const ok = root !== null && bytesToHex(root) === header.log_root;
  const where = `leaf ${parts.leafIndex} of ${header.log_size}, ${path.length} path hash(es)`;
  const detail = ok
    ? `${where} lead to the header's log root ${header.log_root}`
    : `${where} ${root === null ? 'do not form a path' : `lead to ${bytesToHex(root)}`}, not to the header's log root ${header.log_root}`;
  return { step: 'inclusion', label: 'Inclusion path', ok, code: ok ? null : 'verify.bad_inclusion', detail };
}

function checkSteps(parts, genesis) {
  const { receipt, header } = parts;
  const leaf = leafHash(jcs(receipt));
  const signed = headerSignedBytes(header);
  const blockHash = sha256Hex(signed);
  const attSteps = attestationSteps(parts, genesis, signed);
  const chainOk = header.chain_id === genesis.chainId;
  const orderOk = receipt.height <= header.height;
  const chain = {
    step: 'chain', label: 'Chain', ok: chainOk, code: chainOk ? null : 'verify.wrong_chain',
    detail: `header is for chain ${JSON.stringify(header.chain_id)}, genesis is ${JSON.stringify(genesis.chainId)}`,
  };
  const steps = [
    { step: 'receipt', label: 'Receipt hash', ok: true, code: null, detail: `leaf hash ${bytesToHex(leaf)} of tx ${receipt.tx_hash} (${receipt.status})` },
    inclusionStep(parts, leaf),
    {
      step: 'order', label: 'Receipt before header', ok: orderOk, code: orderOk ? null : 'verify.receipt_after_header',
      detail: `receipt from block ${receipt.height}, header of block ${header.height}`,
    },
    { step: 'header', label: 'Header hash', ok: true, code: null, detail: `block ${header.height} has hash ${blockHash}` },
    chain,
    ...attSteps,
    quorumStep(attSteps, genesis),
  ];
  // bundles.py stops at the first failure in this order: its code is the bundle's verdict.
  const order = ['chain', 'attestation', 'quorum', 'order', 'inclusion'];
  const failed = order.map((name) => steps.find((s) => s.step === name && s.ok === false)).find(Boolean);
  return { steps, blockHash, failed };
}

function stepOfRefusal(step, label, err) {
  if (!(err instanceof Refused)) throw err;
  return { step, label, ok: false, code: err.code, detail: err.message };
}

/**
 * Check a proof bundle against a trusted genesis (each a JSON text, UTF-8 bytes or a parsed value;
 * text is parsed strictly). Returns {ok, code, reason, genesisSha256, blockHash, steps, receipt,
 * header, attesters}: `steps` lists each check as {step, label, ok, code, detail} (ok null: not
 * reached); `code` is the error code bundles.py gives, null when the bundle verifies.
 */
export function verifyBundle(bundle, genesis) {
  const result = { ok: false, code: null, reason: null, genesisSha256: null, blockHash: null, steps: [], receipt: null, header: null, attesters: [] };
  const fail = (step) => ({ ...result, code: step.code, reason: step.detail, steps: [...result.steps, step] });
  let trusted;
  try {
    trusted = parseGenesis(genesis);
  } catch (err) {
    return fail(stepOfRefusal('genesis', 'Trusted genesis', err));
  }
  result.genesisSha256 = trusted.sha256;
  const orgs = `${trusted.organizations.length} organization(s), quorum ${trusted.quorum}`;
  result.steps.push({ step: 'genesis', label: 'Trusted genesis', ok: true, code: null, detail: `SHA-256 ${trusted.sha256}; chain ${trusted.chainId}; ${orgs}` });
  let parts;
  try {
    parts = bundleParts(strict(bundle));
  } catch (err) {
    const step = stepOfRefusal('bundle', 'Bundle shape', err);
    return fail(step.code.startsWith('codec.') ? step : { ...step, code: 'verify.bad_bundle' });
  }
  result.steps.push({ step: 'bundle', label: 'Bundle shape', ok: true, code: null, detail: 'receipt, leaf index, inclusion path, header and attestations are well formed' });
  const { steps, blockHash, failed } = checkSteps(parts, trusted);
  return {
    ...result,
    ok: !failed,
    code: failed ? failed.code : null,
    reason: failed ? failed.detail : null,
    blockHash,
    steps: [...result.steps, ...steps],
    receipt: parts.receipt,
    header: parts.header,
    attesters: attestersOf(steps),
  };
}

/**
 * Check a `GET /v1/log/consistency` answer against two log roots the reader already trusts (hex,
 * from attested headers), as bundles.py's verify_log_consistency does. Returns {ok, code, reason}.
 */
export function checkLogConsistency(answer, firstRoot, secondRoot) {
  let proof;
  try {
    const value = strict(answer);
    const ok = isObject(value) && isInt(value.first) && isInt(value.second) && Array.isArray(value.proof);
    if (!ok || !value.proof.every(isHex32) || !isHex32(firstRoot) || !isHex32(secondRoot)) {
      return { ok: false, code: 'verify.bad_bundle', reason: 'malformed consistency proof' };
    }
    proof = value;
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    return { ok: false, code: err.code, reason: err.message };
  }
  const { first, second } = proof;
  if (!verifyConsistency(first, second, proof.proof.map(hexToBytes), hexToBytes(firstRoot), hexToBytes(secondRoot))) {
    return { ok: false, code: 'verify.inconsistent', reason: `log of size ${second} does not extend log of size ${first}` };
  }
  return { ok: true, code: null, reason: null };
}
