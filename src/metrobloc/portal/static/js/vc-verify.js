// "Verify a credential": a pasted VC-DI credential (eddsa-jcs-2022) checked in the browser, step by
// step, in the order and with the codes of src/metrobloc/credentials/verify.py's verify_credential.
// Every chain answer is a module query of this node asked with ?prove=true; its proofs are checked
// here against the genesis (verifyReads) and the fact is recomputed from the proven records
// (js/verify/vc.js), so the node is not trusted: only the genesis is, and the reader compares its
// SHA-256 with the one the consortium publishes (or pastes the genesis they trust).

import { Refused, jcs, parseGenesis, parseStrictJSON, sha256Hex, verifyReads } from './verify.js';
import { checkSignature, prepareProof, toMs } from './verify/di.js';
import { bytesToHex } from './verify/encoding.js';
import { accreditedFrom, checkModel, checkSubject, didAddress, documentAt, isoMs, methodKey, statusBit, statusListParts } from './verify/vc.js';

const MAX_PUBLISHED_BYTES = 1 << 24;
const fail = (message, code) => new Refused(message, code);

/** What each step establishes, in words (shown under it). */
export const EXPLAIN = {
  genesis: 'Everything below is checked against this genesis document: the consortium\'s nodes that sign block headers are named in it.',
  parse: 'The credential is read as strict JSON: no duplicate member, no float, nothing JSON.parse would silently change.',
  model: 'A W3C Verifiable Credential 2.0 as MetroBloc accepts it: pinned contexts only, one credential type, a did:mb issuer, and a validity window that includes now.',
  canonical: 'eddsa-jcs-2022: the credential without its proof, and the proof options, are each written in canonical JSON (RFC 8785); the signed message is SHA-256 of the proof options followed by SHA-256 of the credential.',
  key: 'The issuer\'s DID document as it was at validFrom, rebuilt in your browser from state records the node proved under a header its consortium signed: the key named by the proof must be in assertionMethod then, and not marked compromised before the signature.',
  signature: 'The proof value is an Ed25519 signature of that message by that key, checked under the node\'s strict rules.',
  accreditation: 'The trusted issuers registry as it was at validFrom, from proven records: the issuer held an accreditation for this credential type, and so did every accreditor up to the city\'s root authority.',
  schema: 'The schema the credential names is registered on chain for this credential type; its digest is recomputed from the registered document.',
  subject: 'The credential subject against the registered JSON Schema (the keywords type, required, properties, additionalProperties, enum, const, lengths, ranges and items are checked here).',
  status: 'The status list the credential names: its latest publication is anchored on chain (digest and validity), it is signed by the issuer, and the credential\'s bit is clear.',
};

async function answer(get, path) {
  let response;
  try {
    response = await get(path);
  } catch (err) {
    throw fail(`${path}: ${err.message}`, 'portal.fetch_failed');
  }
  return response;
}

/** A proven query answer: its status, its body and the values verifyReads established. */
async function proven(get, path, genesis, refusals) {
  const { status, body } = await answer(get, path);
  if (status !== 200) {
    const [code, words] = refusals[status] ?? refusals.default;
    let said = '';
    try {
      said = parseStrictJSON(body)?.error?.message ?? '';
    } catch { /* the refusal's words are optional */ }
    throw fail(`${words} (HTTP ${status}${said ? `: ${said}` : ''})`, code);
  }
  const parsed = parseStrictJSON(body);
  const checked = verifyReads(parsed?.proofs ?? null, genesis);
  return { body: parsed, ...checked };
}

const by = (checked) => `proven at height ${checked.header.height} by ${checked.attesters.join(', ')}`;

async function issuerKey(ctx, method, atMs, signedMs) {
  const { issuer } = ctx.model;
  const path = `/1.0/identifiers/${issuer}?versionTime=${encodeURIComponent(isoMs(atMs))}&prove=true`;
  const refusals = { 410: ['credential.issuer_deactivated', `${issuer} is deactivated`], default: ['credential.unknown_issuer', `cannot resolve ${issuer} at ${isoMs(atMs)}`] };
  const checked = await proven(ctx.get, path, ctx.genesis, refusals);
  const resolved = documentAt(checked.values, issuer, atMs);
  const key = methodKey(resolved, issuer, method, atMs, signedMs);
  return { key, resolved, checked };
}

async function keyStep(ctx) {
  const { model, prepared } = ctx;
  const created = prepared.options.created;
  const signedMs = typeof created === 'string' ? Math.max(model.validFrom, toMs(created)) : model.validFrom;
  const method = prepared.options.verificationMethod;
  const { key, resolved, checked } = await issuerKey(ctx, method, model.validFrom, signedMs);
  ctx.key = key;
  return `${method} (Ed25519 ${bytesToHex(key)}) was in assertionMethod of ${model.issuer} at ${isoMs(model.validFrom)}, DID version ${resolved.versionId}; ${by(checked)}`;
}

async function accreditationStep(ctx) {
  const { model } = ctx;
  const path = `/v1/identity/issuers/${model.address}?type=${model.type}&at_ms=${model.validFrom}&prove=true`;
  const checked = await proven(ctx.get, path, ctx.genesis, { default: ['credential.not_accredited', `cannot read the accreditations of ${model.issuer}`] });
  const chain = accreditedFrom(checked.values, model.address, model.type, model.validFrom);
  if (chain === null) throw fail(`${model.issuer} was not accredited for ${model.type} at ${isoMs(model.validFrom)}`, 'credential.not_accredited');
  const links = chain.map((a) => `#${a.id} by ${a.accreditor}${a.parent === null ? ' (root authority)' : ''}`).join(' ← ');
  return `accredited for ${model.type} at ${isoMs(model.validFrom)}: ${links}; ${by(checked)}`;
}

async function schemaStep(ctx) {
  const { model } = ctx;
  const refusals = { default: ['credential.unknown_schema', `schema ${model.schema} cannot be read`] };
  const checked = await proven(ctx.get, `/v1/identity/schemas/${model.schema}?prove=true`, ctx.genesis, refusals);
  const raw = checked.values[`identity/schema/${model.schema}`];
  if (raw === undefined || raw === null) throw fail(`no schema ${model.schema}`, 'credential.unknown_schema');
  const record = parseStrictJSON(raw);
  if (record.credential_type !== model.type) throw fail(`the schema is for ${record.credential_type}, not ${model.type}`, 'credential.schema_type_mismatch');
  const digest = sha256Hex(jcs(record.document));
  if (digest !== record.digest) throw fail(`the registered document hashes to ${digest}, not to its digest ${record.digest}`, 'credential.bad_schema');
  ctx.schemaDocument = record.document;
  return `${model.schema} is registered for ${model.type}, digest ${digest}; ${by(checked)}`;
}

function subjectStep(ctx) {
  const { unsupported } = checkSubject(ctx.credential.credentialSubject, ctx.schemaDocument);
  if (unsupported !== null) {
    return { ok: null, detail: `not checked in your browser: the schema uses ${unsupported}, which this page does not evaluate (metrobloc credential verify does)` };
  }
  return 'the subject matches the registered JSON Schema';
}

async function publishedList(ctx, parts) {
  const { model } = ctx;
  const refusals = { default: ['credential.status_not_anchored', `no list ${parts.listId} is anchored by ${model.issuer}`] };
  const checked = await proven(ctx.get, `/v1/identity/status/${parts.address}/${parts.listId}?prove=true`, ctx.genesis, refusals);
  const raw = checked.values[`identity/status/${parts.address}/${parts.listId}`];
  const anchor = raw ? parseStrictJSON(raw) : null;
  if (anchor === null || anchor.kind !== 'bitstring') throw fail(`no bitstring list ${parts.listId} is anchored by ${model.issuer}`, 'credential.status_not_anchored');
  if (!Number.isSafeInteger(anchor.valid_until_ms) || anchor.valid_until_ms <= ctx.nowMs) {
    throw fail(`the last anchored version of ${parts.listId} was valid until ${isoMs(anchor.valid_until_ms)}`, 'credential.status_stale');
  }
  const { status, bytes } = await answer(ctx.getBytes, `${parts.path}/${anchor.version}`);
  if (status !== 200) throw fail(`${parts.path}/${anchor.version} answered HTTP ${status}`, 'credential.status_unavailable');
  if (bytes.length > MAX_PUBLISHED_BYTES || sha256Hex(bytes) !== anchor.digest) {
    throw fail(`the list served for version ${anchor.version} is not the one anchored on chain`, 'credential.status_not_anchored');
  }
  return { anchor, bytes, checked };
}

async function statusStep(ctx) {
  const { model } = ctx;
  const entry = model.status;
  const parts = statusListParts(entry.url);
  if (`did:mb:${parts.address}` !== model.issuer) throw fail("the status list is not the issuer's", 'credential.status_list_mismatch');
  if (new URL(entry.url, ctx.origin).origin !== ctx.origin) {
    return { ok: null, detail: `status not checked: the list is served by ${new URL(entry.url).origin}, and this page fetches from this node only (metrobloc credential verify checks it)` };
  }
  const { anchor, bytes, checked } = await publishedList(ctx, parts);
  let list;
  try {
    list = parseStrictJSON(bytes);
  } catch (err) {
    throw fail(`the status list is not JSON: ${err.message}`, 'credential.bad_status_list');
  }
  if (list === null || typeof list !== 'object' || list.issuer !== model.issuer) throw fail("the status list credential is not the issuer's", 'credential.status_unsigned');
  let unsecured;
  try {
    const prepared = prepareProof(list);
    const at = toMs(list.validFrom ?? '');
    checkSignature(prepared, (await issuerKey(ctx, prepared.options.verificationMethod, at, at)).key);
    unsecured = prepared.unsecured;
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    throw fail(`the status list is not signed by ${model.issuer}: ${err.code}: ${err.message}`, 'credential.status_unsigned');
  }
  if (unsecured.validUntil !== undefined && toMs(unsecured.validUntil) <= ctx.nowMs) throw fail('the status list credential has expired', 'credential.status_stale');
  if (await statusBit(entry, unsecured)) {
    const word = entry.purpose === 'revocation' ? 'revoked' : 'suspended';
    throw fail(`credential is ${word} (index ${entry.index} of ${entry.url.slice(0, 100)})`, `credential.${word}`);
  }
  return `entry ${entry.index} is clear (not ${entry.purpose === 'revocation' ? 'revoked' : 'suspended'}) in version ${anchor.version} of ${parts.listId} (SHA-256 ${anchor.digest}, anchored in block ${anchor.height}, valid until ${isoMs(anchor.valid_until_ms)}); ${by(checked)}`;
}

function firstSteps(ctx, text) {
  return [
    ['genesis', 'Trusted genesis', () => `SHA-256 ${ctx.trusted.sha256}; chain ${ctx.trusted.chainId}`],
    ['parse', 'Credential JSON', () => {
      ctx.credential = parseStrictJSON(text);
      return 'well-formed';
    }],
    ['model', 'Credential model', () => {
      ctx.model = checkModel(ctx.credential, ctx.nowMs);
      const until = ctx.model.validUntil === null ? 'no end' : `until ${isoMs(ctx.model.validUntil)}`;
      return `${ctx.model.type} issued by ${ctx.model.issuer}, valid from ${isoMs(ctx.model.validFrom)}, ${until}`;
    }],
    ['canonical', 'Canonical forms and hash (eddsa-jcs-2022)', () => {
      ctx.prepared = prepareProof(ctx.credential);
      const p = ctx.prepared;
      return `credential ${p.canonicalDocument.length} bytes (SHA-256 ${sha256Hex(p.canonicalDocument)}), proof options ${p.canonicalProofConfig.length} bytes (SHA-256 ${sha256Hex(p.canonicalProofConfig)}); hash data ${bytesToHex(p.hashData)}`;
    }],
  ];
}

function chainSteps(ctx) {
  const steps = [
    ['key', "Issuer's key at issuance", () => keyStep(ctx)],
    ['signature', 'Signature', () => {
      checkSignature(ctx.prepared, ctx.key);
      return `valid Ed25519 signature by ${ctx.prepared.options.verificationMethod}`;
    }],
    ['accreditation', 'Accreditation at issuance', () => accreditationStep(ctx)],
  ];
  if (ctx.model.schema !== null) {
    steps.push(['schema', 'Schema', () => schemaStep(ctx)]);
    steps.push(['subject', 'Subject against the schema', () => subjectStep(ctx)]);
  }
  if (ctx.model.status !== null) steps.push(['status', 'Status', () => statusStep(ctx)]);
  return steps;
}

/**
 * Verify a credential (JSON text) against `genesis` (text or value) with this node's proven
 * answers: `get(path)` resolves to {status, body text}, `getBytes(path)` to {status, bytes}.
 * Returns {ok, code, reason, steps, notChecked}: each step {step, label, ok (true, false, or null:
 * not checked here), code, detail, explain}; `code` is the first failure's, as verify.py gives it.
 */
export async function verifyCredential(text, { genesis, get, getBytes, nowMs = Date.now(), origin = globalThis.location?.origin }) {
  const ctx = { get, getBytes, nowMs, origin, genesis };
  const steps = [];
  const run = async ([step, label, work]) => {
    try {
      const out = await work();
      const [ok, detail] = typeof out === 'string' ? [true, out] : [out.ok, out.detail];
      steps.push({ step, label, ok, code: null, detail, explain: EXPLAIN[step] });
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      steps.push({ step, label, ok: false, code: err.code, detail: err.message, explain: EXPLAIN[step] });
      return false;
    }
    return true;
  };
  try {
    ctx.trusted = parseGenesis(genesis);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    return { ok: false, code: err.code, reason: `the genesis: ${err.message}`, steps, notChecked: [] };
  }
  for (const step of firstSteps(ctx, text)) if (!(await run(step))) return verdict(steps);
  for (const step of chainSteps(ctx)) if (!(await run(step))) return verdict(steps);
  return verdict(steps);
}

function verdict(steps) {
  const failed = steps.find((s) => s.ok === false);
  const notChecked = steps.filter((s) => s.ok === null).map((s) => s.step);
  return { ok: !failed, code: failed?.code ?? null, reason: failed?.detail ?? null, steps, notChecked };
}

export { didAddress };

// -- the page ----------------------------------------------------------------------------------------
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const MARKS = { true: ['passed', 'step-ok'], false: ['failed', 'step-failed'], null: ['not checked', 'step-skipped'] };

function show(container, result) {
  container.replaceChildren();
  const unchecked = result.notChecked.length ? ` Not checked here: ${result.notChecked.join(', ')}.` : '';
  const outcome = result.ok ? `Valid: every step below passed in your browser.${unchecked}` : `Not valid (${result.code}): ${result.reason}`;
  container.append(el('p', result.ok ? 'outcome outcome-ok' : 'outcome outcome-failed', outcome));
  const list = el('ol', 'steps');
  for (const step of result.steps) {
    const [word, className] = MARKS[String(step.ok)];
    const item = el('li', className);
    item.dataset.step = step.step;
    item.append(el('strong', '', `${step.label}: ${word}`));
    item.append(el('span', 'detail', ` — ${step.ok === false ? `${step.code}: ` : ''}${step.detail}`));
    item.append(el('p', 'hint', step.explain));
    list.append(item);
  }
  container.append(list);
}

async function fromNode(path) {
  const response = await fetch(path, { credentials: 'omit', headers: { Accept: 'application/json' } });
  return { status: response.status, body: await response.text() };
}

async function bytesFromNode(path) {
  const response = await fetch(path, { credentials: 'omit' });
  return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function check(button) {
  const $ = (id) => document.getElementById(id);
  const result = $('credential-result');
  button.disabled = true;
  result.textContent = 'Checking…';
  try {
    const pasted = $('trusted-genesis').value.trim();
    const genesis = pasted || (await fromNode(button.dataset.genesis)).body;
    show(result, await verifyCredential($('credential').value, { genesis, get: fromNode, getBytes: bytesFromNode }));
  } catch (err) {
    result.replaceChildren(el('p', 'outcome outcome-failed', `Not valid (${err.code || 'portal.error'}): ${err.message}`));
  }
  button.disabled = false;
}

const button = globalThis.document?.getElementById('verify-credential');
if (button) {
  button.addEventListener('click', () => check(button));
  button.disabled = false;
}
