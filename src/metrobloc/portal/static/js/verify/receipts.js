// The parts of a receipt proof bundle (a receipt, its inclusion path, a header and attestations),
// checked for shape as src/metrobloc/ledger/bundles.py's _parse_receipt_bundle does, and the
// inclusion check. Shared by the receipt verifier (../verify.js) and the set-change entries of the
// `consortium` member (./consortium.js), which are bundles of the same shape.

import { Refused, hasFields, isObject } from './canonical.js';
import { bytesToHex, hexToBytes, isHex32 } from './encoding.js';
import { attestationOf, headerShape } from './headers.js';
import { rootFromInclusion } from './merkle.js';

export const BUNDLE_FIELDS = ['attestations', 'header', 'inclusion_path', 'leaf_index', 'receipt'];
const RECEIPT_FIELDS = ['error', 'events', 'height', 'index', 'status', 'tx_hash'];

const isInt = (v) => Number.isSafeInteger(v);

/** What is wrong with a receipt's shape, as Receipt.from_json says it, or null for a good one. */
export function receiptShape(obj) {
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

/**
 * The parts of a bundle whose own five fields are already known to be there: {receipt, header,
 * attestations, path, leafIndex}. Throws Refused `verify.bad_bundle`.
 */
export function bundleParts(bundle) {
  const bad = (message) => new Refused(message, 'verify.bad_bundle');
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

/** Whether `fields` are all there and the only other member is the optional `consortium`. */
export function hasFieldsAndConsortium(obj, fields) {
  if (!isObject(obj)) return false;
  const keys = Object.keys(obj);
  return fields.every((f) => Object.hasOwn(obj, f)) && keys.every((k) => fields.includes(k) || k === 'consortium');
}

/** {ok, root, detail}: whether the leaf, its index and the path lead to the header's log root. */
export function inclusionOf(parts, leaf) {
  const { header, path } = parts;
  const root = rootFromInclusion(leaf, parts.leafIndex, header.log_size, path);
  const ok = root !== null && bytesToHex(root) === header.log_root;
  const where = `leaf ${parts.leafIndex} of ${header.log_size}, ${path.length} path hash(es)`;
  const detail = ok
    ? `${where} lead to the header's log root ${header.log_root}`
    : `${where} ${root === null ? 'do not form a path' : `lead to ${bytesToHex(root)}`}, not to the header's log root ${header.log_root}`;
  return { ok, detail };
}

/** The checks run so far, each {step, label, ok, code, detail}; `fail` records one and throws. */
export class Steps {
  constructor() {
    this.list = [];
  }

  pass(step, label, detail) {
    this.list.push({ step, label, ok: true, code: null, detail });
  }

  fail(step, label, code, detail) {
    this.list.push({ step, label, ok: false, code, detail });
    throw new Refused(detail, code);
  }
}
