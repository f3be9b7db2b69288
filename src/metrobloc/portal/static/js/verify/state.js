// State bundles (GET /v1/state/proof) and proven query answers (the `proofs` member of a module
// query with ?prove=true) checked against a trusted genesis, in the order of
// docs/spec/state-proofs.md section 4 and src/metrobloc/ledger/bundles.py's verify_state_bundle
// and verify_reads: the first check that fails gives the verdict's code.

import { Refused, hasFields, strictValue } from './canonical.js';
import { attested, followSetChanges, keysOf } from './consortium.js';
import { sha256Hex } from './encoding.js';
import { parseGenesis } from './genesis.js';
import { attestationOf, attestersOf, headerShape, headerSignedBytes, headerVersion } from './headers.js';
import { Steps, hasFieldsAndConsortium } from './receipts.js';
import { verifyStateProof } from './smt.js';

const STATE_BUNDLE_FIELDS = ['attestations', 'header', 'key', 'proof', 'value'];
const PROOFS_FIELDS = ['attestations', 'header', 'reads'];
const READ_FIELDS = ['key', 'proof', 'value'];

function attestedHeader(proofs, trusted, steps) {
  const { header } = proofs;
  const problem = headerShape(header);
  if (problem) steps.fail('header', 'Header', 'verify.bad_bundle', problem);
  const history = followSetChanges(proofs.consortium, trusted, header, steps);
  if (headerVersion(header) === 1) {
    steps.fail('header', 'Header', 'verify.no_state_root', `header ${header.height} is a v1 header: it has no state_root to prove state against`);
  }
  const blockHash = sha256Hex(headerSignedBytes(header));
  steps.pass('header', 'Header', `v2 header of block ${header.height}, hash ${blockHash}, state root ${header.state_root}`);
  const chain = `header is for chain ${JSON.stringify(header.chain_id)}, genesis is ${JSON.stringify(trusted.chainId)}`;
  if (header.chain_id !== trusted.chainId) steps.fail('chain', 'Chain', 'verify.wrong_chain', chain);
  steps.pass('chain', 'Chain', chain);
  if (!Array.isArray(proofs.attestations)) steps.fail('attestation', 'Attestations', 'verify.bad_bundle', 'attestations must be a list');
  let attestations;
  try {
    attestations = proofs.attestations.map(attestationOf);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    steps.fail('attestation', 'Attestations', err.code, err.message);
  }
  const { attSteps, quorum, failed } = attested(header, attestations, history);
  const firstBad = attSteps.find((s) => !s.ok);
  steps.list.push(...(firstBad ? attSteps.slice(0, attSteps.indexOf(firstBad) + 1) : [...attSteps, quorum]));
  if (failed) throw new Refused(failed.detail, failed.code);
  return { header, blockHash, attesters: attestersOf(attSteps), history };
}

function provenRead(read, root, steps, n) {
  const label = `State proof ${n}`;
  if (!hasFields(read, READ_FIELDS)) steps.fail('read', label, 'verify.bad_bundle', `a read has exactly the fields ${JSON.stringify(READ_FIELDS)}`);
  const { key, value } = read;
  if (typeof key !== 'string' || !(value === null || typeof value === 'string')) {
    steps.fail('read', label, 'verify.bad_bundle', "a read's key is text and its value text or null");
  }
  try {
    verifyStateProof(root, key, value, read.proof);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    steps.fail('proof', label, err.code, `state proof for ${JSON.stringify(key)}: ${err.message}`);
  }
  steps.pass('proof', label, value === null ? `${key} holds nothing` : `${key} holds ${JSON.stringify(value)}`);
  return [key, value];
}

/** The checks of verify_reads on a parsed `proofs` value; throws Refused, recording steps. */
function checkProofs(proofs, trusted, steps) {
  if (!hasFieldsAndConsortium(proofs, PROOFS_FIELDS)) {
    steps.fail('bundle', 'Proofs shape', 'verify.bad_bundle', `proofs has exactly the fields ${JSON.stringify(PROOFS_FIELDS)} (and optionally "consortium")`);
  }
  const attested = attestedHeader(proofs, trusted, steps);
  if (!Array.isArray(proofs.reads)) steps.fail('read', 'State proofs', 'verify.bad_bundle', 'reads must be a list');
  const values = {};
  proofs.reads.forEach((read, i) => {
    const [key, value] = provenRead(read, attested.header.state_root, steps, i + 1);
    Object.defineProperty(values, key, { value, enumerable: true, writable: true, configurable: true });
  });
  return { ...attested, values };
}

function refusedBy(err) {
  if (!(err instanceof Refused)) throw err;
  return err;
}

/**
 * Check the `proofs` member of a proven query answer ({header, attestations, reads}) against a
 * trusted genesis (each a JSON text, UTF-8 bytes or a parsed value), as verify_reads does. Returns
 * {values, header, blockHash, attesters, genesisSha256, keys, setChanges}: `values` maps each proven
 * key to its value text, or null for a key proven to hold nothing; `keys` and `setChanges` as
 * verifyBundle's (the optional `consortium` member is followed first). Throws Refused with the node's code.
 */
export function verifyReads(proofs, genesis) {
  const trusted = parseGenesis(genesis);
  const { values, header, blockHash, attesters, history } = checkProofs(strictValue(proofs), trusted, new Steps());
  return { values, header, blockHash, attesters, genesisSha256: trusted.sha256, keys: keysOf(history, header.height), setChanges: history.count };
}

/**
 * Check a state bundle ({key, value, proof, header, attestations}) against a trusted genesis (each
 * a JSON text, UTF-8 bytes or a parsed value). Returns {ok, code, reason, genesisSha256, blockHash,
 * header, attesters, key, value, keys, setChanges, steps}, `steps` as verifyBundle's; `code` is the code
 * verify_state_bundle gives, null when the bundle verifies.
 */
export function verifyStateBundle(bundle, genesis) {
  const result = {
    ok: false, code: null, reason: null, genesisSha256: null, blockHash: null, header: null, attesters: [], key: null, value: null,
    keys: null, setChanges: null,
  };
  const steps = new Steps();
  try {
    let trusted;
    try {
      trusted = parseGenesis(genesis);
    } catch (err) {
      steps.fail('genesis', 'Trusted genesis', refusedBy(err).code, err.message);
    }
    result.genesisSha256 = trusted.sha256;
    steps.pass('genesis', 'Trusted genesis', `SHA-256 ${trusted.sha256}; chain ${trusted.chainId}; quorum ${trusted.quorum}`);
    let doc;
    try {
      doc = strictValue(bundle);
    } catch (err) {
      steps.fail('bundle', 'Bundle shape', refusedBy(err).code, err.message);
    }
    if (!hasFieldsAndConsortium(doc, STATE_BUNDLE_FIELDS)) {
      steps.fail('bundle', 'Bundle shape', 'verify.bad_bundle', `a state bundle has exactly the fields ${JSON.stringify(STATE_BUNDLE_FIELDS)} (and optionally "consortium")`);
    }
    steps.pass('bundle', 'Bundle shape', 'key, value, proof, header and attestations');
    const read = { key: doc.key, value: doc.value, proof: doc.proof };
    const proofs = { header: doc.header, attestations: doc.attestations, reads: [read] };
    if (Object.hasOwn(doc, 'consortium')) proofs.consortium = doc.consortium;
    const proven = checkProofs(proofs, trusted, steps);
    return {
      ...result, ok: true, blockHash: proven.blockHash, header: proven.header, attesters: proven.attesters, key: doc.key, value: doc.value,
      keys: keysOf(proven.history, proven.header.height), setChanges: proven.history.count, steps: steps.list,
    };
  } catch (err) {
    const refusal = refusedBy(err);
    return { ...result, code: refusal.code, reason: refusal.message, steps: steps.list };
  }
}
