// The trusted genesis document, checked and parsed as src/metrobloc/ledger/genesis.py does, and the
// attestation quorum it sets (docs/spec/blocks.md section 4).

import { Refused, hasFields, isObject, jcs, strictValue } from './canonical.js';
import { addressOf, b64urlDecode, bytesToHex, isAddress, sha256Hex } from './encoding.js';

const CHAIN_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const FIELDS = ['admin', 'app_state', 'chain_id', 'genesis_time_ms', 'organizations'];

/** Attestations a header needs: at least two thirds of the node keys (docs/spec/blocks.md section 4). */
export function quorum(nodeCount) {
  return Math.max(1, Math.ceil((2 * nodeCount) / 3));
}

function genesisShape(doc) {
  const bad = (message) => new Refused(message, 'genesis.bad_shape');
  const keys = isObject(doc) ? Object.keys(doc) : [];
  if (!isObject(doc) || keys.some((k) => !FIELDS.includes(k)) || FIELDS.some((k) => k !== 'app_state' && !keys.includes(k))) {
    throw bad(`genesis must have the fields ${JSON.stringify(FIELDS)}`);
  }
  if (typeof doc.chain_id !== 'string' || !CHAIN_ID.test(doc.chain_id)) throw bad('genesis chain_id is not a valid chain id');
  if (!Number.isSafeInteger(doc.genesis_time_ms) || doc.genesis_time_ms < 0) throw bad('genesis_time_ms must be a non-negative integer');
  if (!Array.isArray(doc.organizations) || !doc.organizations.length) throw bad('genesis needs at least one organization');
  return bad;
}

/**
 * Check and parse a genesis document (text or parsed value) as src/metrobloc/ledger/genesis.py does.
 * Returns {chainId, organizations: [{name, nodeKey}], members, quorum, sha256}; `sha256` is hex
 * SHA-256(JCS(genesis)), the value to compare with one published elsewhere. `members` is the first
 * consortium set as ledger/consortium.py's genesis_members derives it: [{org: 'org<i>', name,
 * nodeKey, voter}] in genesis order, the voter being the node key's own address. Throws Refused.
 */
export function parseGenesis(input) {
  const doc = strictValue(input);
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
  const members = organizations.map((o, i) => ({ org: `org${i + 1}`, name: o.name, nodeKey: o.nodeKey, voter: addressOf(o.nodeKey) }));
  return { chainId: doc.chain_id, organizations, members, quorum: quorum(organizations.length), sha256: sha };
}
