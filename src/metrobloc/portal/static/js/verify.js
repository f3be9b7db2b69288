// Proof bundles checked in the browser against a genesis the reader trusts, step by step, as
// src/metrobloc/ledger/bundles.py checks them (docs/spec/log-and-proofs.md section 5.1, and
// docs/spec/state-proofs.md section 4 for state). Nothing is fetched: the bundle and the genesis are
// the only inputs. This module is the portal's whole verification API; the pieces live in
// ./verify/ and are re-exported here.

import { Refused, isObject, jcs, strictValue as strict } from './verify/canonical.js';
import { attested, followSetChanges, keysOf } from './verify/consortium.js';
import { bytesToHex, hexToBytes, isHex32, sha256Hex } from './verify/encoding.js';
import { parseGenesis } from './verify/genesis.js';
import { attestersOf, headerSignedBytes } from './verify/headers.js';
import { leafHash, verifyConsistency } from './verify/merkle.js';
import { BUNDLE_FIELDS, Steps, bundleParts, hasFieldsAndConsortium, inclusionOf } from './verify/receipts.js';

export { MAX_DEPTH, Refused, checkValue, jcs, parseStrictJSON } from './verify/canonical.js';
export { addressOf, b64urlDecode, b64urlEncode, bytesToHex, hexToBytes, isAddress, sha256Hex } from './verify/encoding.js';
export { L, verifyStrict } from './verify/ed25519.js';
export { parseGenesis, quorum } from './verify/genesis.js';
export { headerSignedBytes, headerVersion } from './verify/headers.js';
export { EMPTY_ROOT, leafHash, nodeHash, rootFromInclusion, verifyConsistency, verifyInclusion } from './verify/merkle.js';
export { STATE_EMPTY, keyHash, smtLeaf, smtNode, valueHash, verifyStateProof } from './verify/smt.js';
export { verifyReads, verifyStateBundle } from './verify/state.js';
export { CHANGE_EVENTS, CONSORTIUM_COUNT_KEY, KeyHistory, SET_PROOF_REQUIRED, changeFromEvent, followSetChanges, keysOf } from './verify/consortium.js';

const isInt = (v) => Number.isSafeInteger(v);

/** The bundle's parts, checked as bundles.py's first step does; throws Refused `verify.bad_bundle`. */
function checkedParts(bundle) {
  if (!hasFieldsAndConsortium(bundle, BUNDLE_FIELDS)) {
    throw new Refused(`a proof bundle has exactly the fields ${JSON.stringify(BUNDLE_FIELDS)} (and optionally "consortium")`, 'verify.bad_bundle');
  }
  return bundleParts(bundle);
}

function inclusionStep(parts, leaf) {
  const { ok, detail } = inclusionOf(parts, leaf);
  return { step: 'inclusion', label: 'Inclusion path', ok, code: ok ? null : 'verify.bad_inclusion', detail };
}

function checkSteps(parts, genesis, history) {
  const { receipt, header } = parts;
  const leaf = leafHash(jcs(receipt));
  const blockHash = sha256Hex(headerSignedBytes(header));
  const { attSteps, quorum } = attested(header, parts.attestations, history);
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
    quorum,
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
 * header, attesters, keys, setChanges}: `steps` lists each check as {step, label, ok, code, detail}
 * (ok null: not reached); `code` is the error code bundles.py gives, null when the bundle verifies.
 * The bundle's optional `consortium` member is followed from the genesis first (one `set-change`
 * step per entry, one `set-count` step); `keys` is the set in force at the header's height
 * ({height, size, quorum, members}) and `setChanges` the number of set changes followed.
 */
export function verifyBundle(bundle, genesis) {
  const result = {
    ok: false, code: null, reason: null, genesisSha256: null, blockHash: null, steps: [], receipt: null, header: null,
    attesters: [], keys: null, setChanges: null,
  };
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
  let doc;
  try {
    doc = strict(bundle);
    parts = checkedParts(doc);
  } catch (err) {
    const step = stepOfRefusal('bundle', 'Bundle shape', err);
    return fail(step.code.startsWith('codec.') ? step : { ...step, code: 'verify.bad_bundle' });
  }
  result.steps.push({ step: 'bundle', label: 'Bundle shape', ok: true, code: null, detail: 'receipt, leaf index, inclusion path, header and attestations are well formed' });
  const setSteps = new Steps();
  let history;
  try {
    history = followSetChanges(doc.consortium, trusted, parts.header, setSteps);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    const steps = [...result.steps, ...setSteps.list];
    return { ...result, code: err.code, reason: err.message, steps };
  }
  const { steps, blockHash, failed } = checkSteps(parts, trusted, history);
  return {
    ...result,
    ok: !failed,
    code: failed ? failed.code : null,
    reason: failed ? failed.detail : null,
    blockHash,
    steps: [...result.steps, ...setSteps.list, ...steps],
    receipt: parts.receipt,
    header: parts.header,
    attesters: attestersOf(steps),
    keys: keysOf(history, parts.header.height),
    setChanges: history.count,
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
