// Proof bundles checked in the browser against a genesis the reader trusts, step by step, as
// src/metrobloc/ledger/bundles.py checks them (docs/spec/log-and-proofs.md section 5.1, and
// docs/spec/state-proofs.md section 4 for state). Nothing is fetched: the bundle and the genesis are
// the only inputs. This module is the portal's whole verification API; the pieces live in
// ./verify/ and are re-exported here.

import { Refused, hasFields, isObject, jcs, strictValue as strict } from './verify/canonical.js';
import { bytesToHex, hexToBytes, isHex32, sha256Hex } from './verify/encoding.js';
import { parseGenesis } from './verify/genesis.js';
import { attestationOf, attestationSteps, attestersOf, headerShape, headerSignedBytes, quorumStep } from './verify/headers.js';
import { rootFromInclusion, leafHash, verifyConsistency } from './verify/merkle.js';

export { MAX_DEPTH, Refused, checkValue, jcs, parseStrictJSON } from './verify/canonical.js';
export { addressOf, b64urlDecode, b64urlEncode, bytesToHex, hexToBytes, isAddress, sha256Hex } from './verify/encoding.js';
export { L, verifyStrict } from './verify/ed25519.js';
export { parseGenesis, quorum } from './verify/genesis.js';
export { headerSignedBytes, headerVersion } from './verify/headers.js';
export { EMPTY_ROOT, leafHash, nodeHash, rootFromInclusion, verifyConsistency, verifyInclusion } from './verify/merkle.js';
export { STATE_EMPTY, keyHash, smtLeaf, smtNode, valueHash, verifyStateProof } from './verify/smt.js';
export { verifyReads, verifyStateBundle } from './verify/state.js';

const BUNDLE_FIELDS = ['attestations', 'header', 'inclusion_path', 'leaf_index', 'receipt'];
const RECEIPT_FIELDS = ['error', 'events', 'height', 'index', 'status', 'tx_hash'];

const isInt = (v) => Number.isSafeInteger(v);

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

/** The bundle's parts, checked as bundles.py's first step does; throws Refused `verify.bad_bundle`. */
function bundleParts(bundle) {
  const bad = (message) => new Refused(message, 'verify.bad_bundle');
  if (!hasFields(bundle, BUNDLE_FIELDS)) throw bad(`a proof bundle has exactly the fields ${JSON.stringify(BUNDLE_FIELDS)}`);
  const problem = receiptShape(bundle.receipt) ?? headerShape(bundle.header);
  if (problem) throw bad(problem);
  if (!Array.isArray(bundle.attestations)) throw bad('attestations must be a list');
  const attestations = bundle.attestations.map(attestationOf);
  if (!Array.isArray(bundle.inclusion_path)) throw bad('inclusion_path must be a list');
  if (!bundle.inclusion_path.every(isHex32)) throw bad('path entries are 64 lower-case hex digits');
  if (!isInt(bundle.leaf_index)) throw bad('leaf_index must be an integer');
  const path = bundle.inclusion_path.map(hexToBytes);
  return { receipt: bundle.receipt, header: bundle.header, attestations, path, leafIndex: bundle.leaf_index };
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
  const attSteps = attestationSteps(parts.attestations, genesis, signed);
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
