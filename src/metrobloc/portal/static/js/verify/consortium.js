// The consortium's node-key set over time, followed from a trusted genesis alone: the browser twin
// of src/metrobloc/ledger/consortium.py (KeyHistory, SetChange) and of bundles.py's
// verify_set_changes (docs/spec/log-and-proofs.md section 5.2, docs/spec/consortium.md). A header at
// height H counts only attestations by the keys in force at H; a change executed in block h is in
// force from h + 1 on, so the header that proves a change is certified by the set before it, and a
// proven `consortium/count` under a certified header at or after the bundle's shows none is missing.

import { Refused, hasFields, isObject, jcs } from './canonical.js';
import { b64urlDecode, b64urlEncode, bytesToHex, isAddress } from './encoding.js';
import { quorum } from './genesis.js';
import { attestationOf, attestationSteps, attestersOf, headerShape, headerSignedBytes, headerVersion, quorumStep } from './headers.js';
import { leafHash } from './merkle.js';
import { BUNDLE_FIELDS, bundleParts, inclusionOf } from './receipts.js';
import { verifyStateProof } from './smt.js';

export const CONSORTIUM_COUNT_KEY = 'consortium/count';
export const CHANGE_EVENTS = ['consortium/add', 'consortium/remove', 'consortium/rotate'];

/**
 * Whether a v2 bundle without the `consortium` member fails with `verify.no_set_proof`, as bundles.py's
 * SET_PROOF_REQUIRED (true since nodes serve the member): accepting one against the genesis set would
 * let a stripped bundle count a removed genesis key. A v1 header without it keeps the genesis set.
 */
export const SET_PROOF_REQUIRED = true;

const KIND = { 'consortium/add': 'add', 'consortium/remove': 'remove', 'consortium/rotate': 'rotate' };
const ATTRIBUTES = {
  add: ['effective_height', 'name', 'node_key', 'org', 'seq', 'voter'],
  remove: ['effective_height', 'node_key', 'org', 'seq'],
  rotate: ['effective_height', 'node_key', 'old_key', 'org', 'seq', 'voter'],
};
const ORG = /^[a-z][a-z0-9-]{2,47}$/;
const NAME = /^[^\x00-\x1f\x7f]{1,80}$/u; // eslint-disable-line no-control-regex
const DECIMAL = /^[1-9][0-9]{0,17}$/;
const SECTION_FIELDS = ['changes', 'count'];
const COUNT_FIELDS = ['attestations', 'header', 'key', 'proof', 'value'];
const BAD = 'verify.bad_set_change';

const refuse = (message, code = BAD) => new Refused(message, code);

/** A positive decimal as a number; one beyond 2^53 (which the Python reads exactly) stays unequal to any height. */
function decimal(text, what) {
  if (!DECIMAL.test(text)) throw refuse(`${what} ${JSON.stringify(text)} is not a positive decimal`);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : Infinity;
}

function key(text, what) {
  try {
    return b64urlDecode(text, 32, what);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    throw refuse(err.message);
  }
}

/**
 * One set change read from a `consortium/add|remove|rotate` event of a receipt at `height`, as
 * SetChange.from_event reads it: {seq, kind, org, name, nodeKey, oldKey, voter, height,
 * effectiveHeight}. The attribute set is exact per kind. Throws Refused `verify.bad_set_change`.
 */
export function changeFromEvent(event, height) {
  const kind = KIND[event.type];
  if (kind === undefined) throw refuse(`${JSON.stringify(event.type)} is not a set change event`);
  const attrs = event.attributes;
  if (!hasFields(attrs, ATTRIBUTES[kind])) {
    throw refuse(`a ${event.type} event has exactly the attributes ${JSON.stringify(ATTRIBUTES[kind])}`);
  }
  const r = { name: '', voter: '', old_key: '', ...attrs };
  if (!ORG.test(r.org)) throw refuse(`org id ${JSON.stringify(r.org)} is not an org id`);
  if (kind === 'add' && !NAME.test(r.name)) throw refuse("an added member's name is 1 to 80 printable characters");
  if ((r.voter || kind === 'add') && !isAddress(r.voter)) throw refuse(`voter ${JSON.stringify(r.voter)} is not an address`);
  return {
    seq: decimal(r.seq, 'seq'),
    kind,
    org: r.org,
    name: r.name,
    nodeKey: key(r.node_key, 'node_key'),
    oldKey: kind === 'rotate' ? key(r.old_key, 'old_key') : null,
    voter: r.voter,
    height: decimal(String(height), 'height'),
    effectiveHeight: decimal(r.effective_height, 'effective_height'),
  };
}

/** A member {org, name, nodeKey, voter}, with `hex` (its key in hex, for comparisons) and `text` (base64url). */
function member(org, name, nodeKey, voter) {
  return Object.freeze({ org, name, nodeKey, voter, hex: bytesToHex(nodeKey), text: b64urlEncode(nodeKey) });
}

/** Every set from genesis on, folded from the set changes in seq order (ledger/consortium.py's KeyHistory). */
export class KeyHistory {
  /** `epochs`: [{since, members}], epochs[0].since == 1; `spans`: [{member, since, until}] per key ever in force. */
  constructor(epochs, count, spans) {
    this.epochs = Object.freeze(epochs);
    this.count = count;
    this.spans = Object.freeze(spans);
    Object.freeze(this);
  }

  /** The genesis set (parseGenesis(...).members) in force from height 1, no change applied. */
  static fromGenesis(trusted) {
    const members = trusted.members.map((m) => member(m.org, m.name, m.nodeKey, m.voter));
    return new KeyHistory([{ since: 1, members }], 0, members.map((m) => ({ member: m, since: 1, until: null })));
  }

  /** The history after `change`; throws Refused `verify.set_gap` or `verify.bad_set_change` as KeyHistory.apply. */
  apply(change) {
    if (change.seq !== this.count + 1) {
      throw refuse(`set change ${change.seq} follows change ${this.count}`, 'verify.set_gap');
    }
    const current = this.epochs[this.epochs.length - 1];
    if (change.effectiveHeight !== change.height + 1 || change.effectiveHeight < current.since) {
      throw refuse(
        `set change ${change.seq}: effective height ${change.effectiveHeight} is not its block ${change.height} + 1, or is before the last change's`,
      );
    }
    const [members, spans] = this.#changed(current.members, change);
    const epochs = change.effectiveHeight === current.since
      ? [...this.epochs.slice(0, -1), { since: current.since, members }]
      : [...this.epochs, { since: change.effectiveHeight, members }];
    return new KeyHistory(epochs, this.count + 1, spans);
  }

  #changed(members, change) {
    const at = change.effectiveHeight;
    const no = (reason) => refuse(`set change ${change.seq} (${change.kind} ${change.org}): ${reason}`);
    const hex = bytesToHex(change.nodeKey);
    if (change.kind === 'add') {
      if (this.spans.some((s) => s.member.org === change.org)) throw no('the org id was already a member');
      if (this.ever(hex)) throw no('the node key was already in force once');
      const added = member(change.org, change.name, change.nodeKey, change.voter);
      return [[...members, added], [...this.spans, { member: added, since: at, until: null }]];
    }
    const current = members.find((m) => m.org === change.org);
    if (current === undefined) throw no('not a current member');
    if (change.kind === 'remove') {
      if (current.hex !== hex) throw no("the node key is not the member's current key");
      if (members.length === 1) throw no('it would leave no member');
      return [members.filter((m) => m.org !== change.org), closed(this.spans, current.hex, at)];
    }
    if (bytesToHex(change.oldKey) !== current.hex) throw no("old_key is not the member's current key");
    if (this.ever(hex)) throw no('the node key was already in force once');
    const rotated = member(current.org, current.name, change.nodeKey, change.voter || current.voter);
    return [
      members.map((m) => (m.org === change.org ? rotated : m)),
      [...closed(this.spans, current.hex, at), { member: rotated, since: at, until: null }],
    ];
  }

  /** The epoch {since, members} in force at `height` (heights below 1 get the genesis set). */
  at(height) {
    let found = this.epochs[0];
    for (const epoch of this.epochs) if (epoch.since <= height) found = epoch;
    return found;
  }

  /** Whether the key (hex) was ever put in force. */
  ever(hex) {
    return this.spans.some((s) => s.member.hex === hex);
  }

  /** The name of the member that held the key (hex) at any time, or null. */
  nameOf(hex) {
    return this.spans.find((s) => s.member.hex === hex)?.member.name ?? null;
  }

  /** The set in force at `height` in the form attestationSteps and quorumStep take. */
  keySet(height) {
    const { since, members } = this.at(height);
    return {
      height,
      since,
      members,
      size: members.length,
      quorum: quorum(members.length),
      byKey: new Map(members.map((m) => [m.hex, m.name])),
      ever: (hex) => this.ever(hex),
      nameEver: (hex) => this.nameOf(hex),
    };
  }

  /** Each key's {member, since, until} (until null: in force): "node keys over time". */
  intervals() {
    return [...this.spans];
  }
}

function closed(spans, hex, until) {
  return spans.map((s) => (s.member.hex === hex && s.until === null ? { ...s, until } : s));
}

/**
 * The attestation steps and the quorum step of `header` against the keys in force at its height;
 * {attSteps, quorum, failed, keySet}, `failed` the first failing step in bundles.py's order
 * (an attestation, then the quorum) or null.
 */
export function attested(header, attestations, history) {
  const keySet = history.keySet(header.height);
  const attSteps = attestationSteps(attestations, keySet, headerSignedBytes(header));
  const quorumCheck = quorumStep(attSteps, keySet);
  const failed = attSteps.find((s) => !s.ok) ?? (quorumCheck.ok ? null : quorumCheck);
  return { attSteps, quorum: quorumCheck, failed, keySet };
}

/** The set in force at `height`, for results: {height, size, quorum, members: [{org, name, nodeKey (base64url)}]}. */
export function keysOf(history, height) {
  const set = history.keySet(height);
  return { height, size: set.size, quorum: set.quorum, members: set.members.map((m) => ({ org: m.org, name: m.name, nodeKey: m.text })) };
}

/** "Harbour Authority (org5) added with key …", naming a removed or rotated member as the history before the change does. */
function describe(c, before) {
  const k = b64urlEncode(c.nodeKey);
  if (c.kind === 'add') return `${c.name} (${c.org}) added with key ${k}`;
  const who = `${before.spans.find((s) => s.member.org === c.org)?.member.name ?? c.org} (${c.org})`;
  if (c.kind === 'remove') return `${who} removed, key ${k}`;
  return `${who}: key ${b64urlEncode(c.oldKey)} rotated to ${k}`;
}

/** One entry of `consortium.changes` (a tx's receipt under its own block's header), as bundles.py's _follow_change. */
function followChange(entry, trusted, history, lastHeight, steps, n) {
  const label = `Set change entry ${n}`;
  if (!hasFields(entry, BUNDLE_FIELDS)) {
    steps.fail('set-change', label, 'verify.bad_bundle', `a set change entry has exactly the fields ${JSON.stringify(BUNDLE_FIELDS)}`);
  }
  let parts;
  try {
    parts = bundleParts(entry);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    steps.fail('set-change', label, 'verify.bad_bundle', err.message);
  }
  const { receipt, header } = parts;
  if (header.chain_id !== trusted.chainId) {
    steps.fail('set-change', label, 'verify.wrong_chain', `header is for chain ${JSON.stringify(header.chain_id)}, genesis is ${JSON.stringify(trusted.chainId)}`);
  }
  if (receipt.height !== header.height || header.height < lastHeight) {
    steps.fail('set-change', label, BAD, `a set change's receipt (block ${receipt.height}) must come under its own block's header (got ${header.height}), in block order`);
  }
  if (receipt.status !== 'ok') steps.fail('set-change', label, BAD, "a set change's receipt is a failed tx");
  const check = attested(header, parts.attestations, history);
  if (check.failed) steps.fail('set-change', label, check.failed.code, `block ${header.height}: ${check.failed.detail}`);
  const inclusion = inclusionOf(parts, leafHash(jcs(receipt)));
  if (!inclusion.ok) steps.fail('set-change', label, 'verify.bad_inclusion', `receipt of tx ${receipt.tx_hash}: ${inclusion.detail}`);
  const events = receipt.events.filter((e) => CHANGE_EVENTS.includes(e.type));
  if (!events.length) steps.fail('set-change', label, BAD, "a set change entry's receipt has no set change event");
  let next = history;
  const said = [];
  for (const event of events) {
    try {
      const change = changeFromEvent(event, receipt.height);
      const before = next;
      next = next.apply(change);
      said.push(`change ${change.seq}: ${describe(change, before)}, in force from ${change.effectiveHeight}`);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      steps.fail('set-change', label, err.code, err.message);
    }
  }
  const by = attestersOf(check.attSteps);
  steps.pass('set-change', label, `${said.join('; ')}; receipt in block ${header.height} attested by ${by.join(', ')} (${by.length} of ${check.keySet.size} keys in force)`);
  return [next, header.height];
}

/** The completeness proof: `consortium/count` equals the changes followed, under a header >= `header` (_check_count). */
function checkCount(count, trusted, header, history, steps) {
  const label = 'Set change count';
  if (!hasFields(count, COUNT_FIELDS) || count.key !== CONSORTIUM_COUNT_KEY) {
    steps.fail('set-count', label, 'verify.bad_bundle', `consortium.count has exactly the fields ${JSON.stringify(COUNT_FIELDS)}, key ${JSON.stringify(CONSORTIUM_COUNT_KEY)}`);
  }
  const { value } = count;
  if (!(value === null || typeof value === 'string')) steps.fail('set-count', label, 'verify.bad_bundle', "consortium.count's value is text or null");
  const top = count.header;
  const problem = headerShape(top);
  if (problem) steps.fail('set-count', label, 'verify.bad_bundle', problem);
  if (headerVersion(top) === 1) {
    steps.fail('set-count', label, 'verify.no_state_root', `header ${top.height} is a v1 header: it has no state_root to prove state against`);
  }
  if (top.chain_id !== trusted.chainId) {
    steps.fail('set-count', label, 'verify.wrong_chain', `header is for chain ${JSON.stringify(top.chain_id)}, genesis is ${JSON.stringify(trusted.chainId)}`);
  }
  if (top.height < header.height) {
    steps.fail('set-count', label, 'verify.set_proof_too_old', `the count is proven at height ${top.height}, before the bundle's header ${header.height}`);
  }
  let attestations;
  try {
    if (!Array.isArray(count.attestations)) throw new Refused('attestations must be a list', 'verify.bad_bundle');
    attestations = count.attestations.map(attestationOf);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    steps.fail('set-count', label, 'verify.bad_bundle', err.message);
  }
  const check = attested(top, attestations, history);
  if (check.failed) steps.fail('set-count', label, check.failed.code, `block ${top.height}: ${check.failed.detail}`);
  try {
    verifyStateProof(top.state_root, CONSORTIUM_COUNT_KEY, value, count.proof);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    steps.fail('set-count', label, err.code, `state proof for ${JSON.stringify(CONSORTIUM_COUNT_KEY)}: ${err.message}`);
  }
  const expected = history.count === 0 ? null : String(history.count);
  if (value !== expected) {
    steps.fail('set-count', label, 'verify.set_incomplete', `the chain had ${value ?? 0} set change(s) at height ${top.height}; the bundle proves ${history.count}`);
  }
  steps.pass('set-count', label, `${history.count} set change(s) followed from genesis, complete as of block ${top.height} (attested by ${attestersOf(check.attSteps).join(', ')})`);
}

/**
 * Follow the `consortium` member of a bundle whose (already shape-checked) header is `header`, from
 * the trusted genesis alone, as verify_set_changes does; `section` undefined stands for a bundle
 * without the member, null for a member that is null. Records a `set-change` step per entry and a
 * `set-count` step in `steps` (./receipts.js Steps) and returns the KeyHistory; throws Refused with
 * bundles.py's code at the first failure.
 */
export function followSetChanges(section, trusted, header, steps) {
  if (section === undefined && !SET_PROOF_REQUIRED) return KeyHistory.fromGenesis(trusted);
  if (section === undefined || section === null) {
    if (headerVersion(header) === 2) {
      steps.fail('set-count', 'Set change count', 'verify.no_set_proof', "fetch the bundle again from a node: bundles now carry the consortium's set history");
    }
    return KeyHistory.fromGenesis(trusted);
  }
  if (!isObject(section) || !hasFields(section, SECTION_FIELDS)) {
    steps.fail('set-change', 'Consortium member', 'verify.bad_bundle', `consortium has exactly the fields ${JSON.stringify(SECTION_FIELDS)}`);
  }
  if (!Array.isArray(section.changes)) steps.fail('set-change', 'Consortium member', 'verify.bad_bundle', 'consortium.changes must be a list');
  let history = KeyHistory.fromGenesis(trusted);
  let lastHeight = 0;
  section.changes.forEach((entry, i) => {
    [history, lastHeight] = followChange(entry, trusted, history, lastHeight, steps, i + 1);
  });
  if (section.count === null) {
    if (headerVersion(header) === 2 || history.count) {
      steps.fail('set-count', 'Set change count', 'verify.no_set_proof', 'the set history has no count proof (only a v1 header with no change may omit it)');
    }
    steps.pass('set-count', 'Set change count', 'a v1 header and no set change: the genesis set');
    return history;
  }
  checkCount(section.count, trusted, header, history, steps);
  return history;
}
