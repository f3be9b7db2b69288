// The VC 2.0 model and the chain facts a credential's verification needs, in the browser: the twin of
// src/metrobloc/credentials/vc.py (check_credential), status.py (the status entry and the bitstring)
// and of the facts sdk/credentials.py recomputes from proven state records with the identity
// module's own query code (queries.py's resolve, keeper.py's accredited). Every function takes
// values already proven (verifyReads' `values`: state key -> value text or null) and refuses with the
// Python code; a key the proofs do not cover is `credential.evidence_incomplete`.

import { Refused, parseStrictJSON } from './canonical.js';
import { b64urlDecode, isAddress } from './encoding.js';
import { KNOWN_CONTEXTS, VC_V2_CONTEXT, decodeEd25519Multikey, encodeEd25519Multikey, toMs } from './di.js';

const MEMBERS = ['@context', 'id', 'type', 'issuer', 'name', 'description', 'validFrom', 'validUntil', 'credentialSubject', 'credentialSchema', 'credentialStatus', 'proof'];
const CREDENTIAL_TYPE = /^[A-Z][A-Za-z0-9]{0,63}$/;
const SCHEMA_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SCHEMA_PATH = '/v1/identity/schemas/';
const STATUS_LIST_PATH = '/v1/identity/status-lists/';
const MAX_CHAIN = 8;
const MIN_BITSTRING_BITS = 131072;
const MAX_LIST_BYTES = 1 << 24;
const fail = (message, code) => new Refused(message, code);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Unix ms as the versionTime asked of a resolver: YYYY-MM-DDTHH:MM:SS.mmmZ (verify.py's iso_ms). */
export const isoMs = (ms) => new Date(ms).toISOString();
/** Unix ms to the second, as DID documents write times (queries.py's iso). */
export const isoSeconds = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function didAddress(did, code = 'credential.bad_issuer') {
  if (typeof did !== 'string' || !did.startsWith('did:mb:') || !isAddress(did.slice(7))) {
    throw fail(`${JSON.stringify(String(did).slice(0, 80))} is not a did:mb DID`, code);
  }
  return did.slice(7);
}

// -- the model (vc.py's check_credential) ------------------------------------------------------------
function schemaId(schema) {
  const url = isObj(schema) ? schema.id : null;
  if (!isObj(schema) || schema.type !== 'JsonSchema' || typeof url !== 'string') throw fail('credentialSchema is {id, type: JsonSchema}', 'credential.bad_schema_ref');
  const at = url.indexOf(SCHEMA_PATH);
  const id = at < 0 ? '' : url.slice(at + SCHEMA_PATH.length);
  if (at < 0 || !SCHEMA_ID.test(id) || Object.keys(schema).length !== 2) {
    throw fail(`credentialSchema.id must be <node>${SCHEMA_PATH}<schema id>`, 'credential.bad_schema_ref');
  }
  return id;
}

/** (issuer address, list id) of a status list URL <node>/v1/identity/status-lists/<issuer>/<list> (vc.py's status_list_parts). */
export function statusListParts(url) {
  const at = url.indexOf(STATUS_LIST_PATH);
  const parts = at < 0 ? [] : url.slice(at + STATUS_LIST_PATH.length).split('/');
  if (parts.length !== 2 || !isAddress(parts[0]) || !SCHEMA_ID.test(parts[1])) {
    throw fail(`${JSON.stringify(url.slice(0, 120))} is not a status list URL (<node>${STATUS_LIST_PATH}<issuer>/<list id>)`, 'credential.bad_status_entry');
  }
  return { address: parts[0], listId: parts[1], path: url.slice(at) };
}

/** The status entry's shape (status.py's parse_status_entry). */
export function parseStatusEntry(entry) {
  const bad = 'credential.bad_status_entry';
  if (!isObj(entry) || entry.type !== 'BitstringStatusListEntry') throw fail('credentialStatus is not a BitstringStatusListEntry', bad);
  const { statusPurpose: purpose, statusListIndex: index, statusListCredential: url } = entry;
  if (typeof purpose !== 'string') throw fail('statusPurpose must be a string', bad);
  if (!['revocation', 'suspension'].includes(purpose)) throw fail(`statusPurpose ${JSON.stringify(purpose.slice(0, 40))} is not supported`, 'credential.unsupported_status_purpose');
  if (typeof index !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(index)) throw fail('statusListIndex must be a decimal integer string', bad);
  if (typeof url !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(url)) throw fail('statusListCredential must be a URL', bad);
  if (Object.hasOwn(entry, 'statusSize') && entry.statusSize !== 1) throw fail('statusSize must be 1 for revocation and suspension', bad);
  return { purpose, index: Number(index), url };
}

/** The model checks in vc.py's order; `nowMs` null skips the window. */
export function checkModel(credential, nowMs) {
  if (!isObj(credential)) throw fail('a credential is a JSON object', 'credential.bad_document');
  const contexts = credential['@context'];
  if (!Array.isArray(contexts) || !contexts.length || contexts[0] !== VC_V2_CONTEXT) throw fail(`@context must be a list beginning with ${VC_V2_CONTEXT}`, 'credential.unknown_context');
  const unknownContext = contexts.find((c) => typeof c !== 'string' || !KNOWN_CONTEXTS.includes(c));
  if (unknownContext !== undefined) throw fail(`unknown @context ${JSON.stringify(String(unknownContext).slice(0, 100))}`, 'credential.unknown_context');
  const unknown = Object.keys(credential).filter((m) => !MEMBERS.includes(m)).sort();
  if (unknown.length) throw fail(`unknown member ${JSON.stringify(unknown[0].slice(0, 60))}`, 'credential.unknown_member');
  const types = credential.type;
  if (!Array.isArray(types) || types.length !== 2 || types[0] !== 'VerifiableCredential' || typeof types[1] !== 'string' || !CREDENTIAL_TYPE.test(types[1])) {
    throw fail('type must be ["VerifiableCredential", <a credential type such as ResidencyCredential>]', 'credential.bad_type');
  }
  const issuer = isObj(credential.issuer) ? credential.issuer.id : credential.issuer;
  const address = didAddress(issuer);
  if (!Object.hasOwn(credential, 'validFrom')) throw fail('validFrom is required (the issuance time)', 'credential.bad_time');
  const validFrom = toMs(credential.validFrom);
  const validUntil = Object.hasOwn(credential, 'validUntil') ? toMs(credential.validUntil) : null;
  if (validUntil !== null && validUntil <= validFrom) throw fail('validUntil must be after validFrom', 'credential.bad_time');
  if (nowMs !== null && nowMs < validFrom) throw fail(`valid from ${credential.validFrom}, not yet`, 'credential.not_yet_valid');
  if (nowMs !== null && validUntil !== null && nowMs >= validUntil) throw fail(`expired at ${credential.validUntil}`, 'credential.expired');
  const subject = credential.credentialSubject;
  if (!isObj(subject) || !Object.keys(subject).length) throw fail('credentialSubject must be one non-empty JSON object', 'credential.bad_subject');
  const schema = Object.hasOwn(credential, 'credentialSchema') ? schemaId(credential.credentialSchema) : null;
  const status = Object.hasOwn(credential, 'credentialStatus') ? parseStatusEntry(credential.credentialStatus) : null;
  return { issuer, address, type: types[1], validFrom, validUntil, schema, status };
}

// -- facts recomputed from proven state (queries.py, keeper.py) ----------------------------------------
function provenJSON(values, key, code = 'credential.evidence_incomplete') {
  if (!Object.hasOwn(values, key)) throw fail(`the proofs do not cover ${JSON.stringify(key.slice(0, 120))}`, code);
  return values[key] === null ? null : parseStrictJSON(values[key]);
}

/** The DID document at `timeMs` from proven records, as queries.py's resolve: {document, versionId, deactivatedNow}. */
export function documentAt(values, did, timeMs) {
  const address = didAddress(did, 'credential.unknown_issuer');
  const current = provenJSON(values, `identity/did/${address}`);
  if (current === null) throw fail(`${did} has no DID document`, 'credential.unknown_issuer');
  const prefix = `identity/didv/${address}/`;
  const versions = Object.keys(values).filter((k) => k.startsWith(prefix) && values[k] !== null).sort()
    .map((k) => parseStrictJSON(values[k])).filter((v) => v.updated_ms <= timeMs);
  const history = (provenJSON(values, `accounts/keys/${address}`) ?? []).filter((k) => k.from_time_ms <= timeMs);
  if (!versions.length) throw fail(`${did} did not exist then`, 'credential.unknown_issuer');
  const record = versions[versions.length - 1];
  const changes = [[record.updated_height, record.updated_ms], ...history.map((k) => [k.from_height, k.from_time_ms])];
  changes.push(...history.filter((k) => k.to_height !== null && k.to_time_ms <= timeMs).map((k) => [k.to_height, k.to_time_ms]));
  const [height] = changes.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a));
  let inForce = null;
  const methods = history.map((entry, i) => {
    const method = { id: `${did}#key-${i + 1}`, type: 'Multikey', controller: did, publicKeyMultibase: encodeEd25519Multikey(b64urlDecode(entry.public_key, 32, 'public_key')) };
    if (entry.compromised_since_ms !== null) method.revoked = isoSeconds(entry.compromised_since_ms);
    if (entry.to_height === null || entry.to_height > height) inForce = method.id;
    return method;
  });
  const document = { '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: did, verificationMethod: methods };
  if (!record.deactivated && inForce !== null) {
    for (const name of ['authentication', 'assertionMethod', 'capabilityInvocation']) document[name] = [inForce];
  }
  return { document, versionId: height, deactivatedNow: Boolean(current.deactivated) };
}

/** The key of `method` if the issuer's document at atMs lets it sign at signedMs (verify.py's method_key). */
export function methodKey(resolved, issuer, method, atMs, signedMs) {
  const [base, fragment] = [method.split('#')[0], method.split('#').slice(1).join('#')];
  if (base !== issuer || !fragment) throw fail(`${JSON.stringify(method.slice(0, 120))} is not a key of the issuer ${issuer}`, 'credential.bad_issuer');
  if (resolved.deactivatedNow) throw fail(`${issuer} is deactivated`, 'credential.issuer_deactivated');
  const { document } = resolved;
  const found = document.verificationMethod.find((m) => m.id === method);
  if (!found) throw fail(`${issuer} had no key ${method} at ${isoMs(atMs)}`, 'credential.unknown_key');
  if (!(document.assertionMethod ?? []).includes(method)) throw fail(`${method} was not in assertionMethod at ${isoMs(atMs)}`, 'credential.key_not_authorized');
  if (typeof found.revoked === 'string' && toMs(found.revoked) <= signedMs) {
    throw fail(`${method} is marked compromised since ${found.revoked}, before this signature`, 'credential.key_compromised');
  }
  try {
    return decodeEd25519Multikey(found.publicKeyMultibase);
  } catch (err) {
    throw fail(err.message, 'credential.bad_key');
  }
}

const inForce = (acc, atMs, type) => acc.valid_from_ms <= atMs && atMs < acc.valid_until_ms
  && !(acc.revoked_ms !== null && acc.revoked_ms <= atMs) && (type === null || acc.types.includes(type));

/** The accreditation chain in force for `type` at atMs from proven records (keeper.py's in_force_for), or null. */
export function accreditedFrom(values, address, type, atMs) {
  const account = (id) => provenJSON(values, `identity/acc/${String(id).padStart(10, '0')}`);
  for (const id of provenJSON(values, `identity/issuer/${address}`) ?? []) {
    let acc = account(id);
    const chain = [];
    for (let n = 0; acc !== null && n < MAX_CHAIN; n++) {
      if (!inForce(acc, atMs, type)) break;
      chain.push(acc);
      if (acc.parent === null) return chain;
      acc = account(acc.parent);
      if (acc === null || !acc.may_accredit) break;
    }
  }
  return null;
}

// -- the status list (verify.py's bitstring_status, status.py) ---------------------------------------
async function gunzip(bytes) {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw fail('encodedList is not GZIP', 'credential.bad_status_list');
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    if (out.length > MAX_LIST_BYTES) throw fail(`encodedList expands beyond ${MAX_LIST_BYTES} bytes`, 'credential.status_list_too_large');
    return out;
  } catch (err) {
    if (err instanceof Refused) throw err;
    throw fail(`encodedList does not decompress: ${err.message}`, 'credential.bad_status_list');
  }
}

/** The bit of `entry` in a verified BitstringStatusListCredential (status.py's check_status_entry). */
export async function statusBit(entry, list) {
  if (!isObj(list) || list.id !== entry.url) throw fail("the status list credential's id is not the entry's statusListCredential", 'credential.status_list_mismatch');
  if (!Array.isArray(list.type) || !list.type.includes('BitstringStatusListCredential')) throw fail('not a BitstringStatusListCredential', 'credential.bad_status_list');
  const subject = list.credentialSubject;
  if (!isObj(subject) || subject.type !== 'BitstringStatusList') throw fail('credentialSubject is not a BitstringStatusList', 'credential.bad_status_list');
  const purposes = typeof subject.statusPurpose === 'string' ? [subject.statusPurpose] : subject.statusPurpose;
  if (!Array.isArray(purposes) || !purposes.includes(entry.purpose)) throw fail(`the list is not for ${entry.purpose}`, 'credential.status_purpose_mismatch');
  if (typeof subject.encodedList !== 'string' || !subject.encodedList.startsWith('u')) throw fail("encodedList is not multibase base64url ('u...')", 'credential.bad_status_list');
  let packed;
  try {
    packed = b64urlDecode(subject.encodedList.slice(1), null, 'encodedList');
  } catch (err) {
    throw fail(err.message, 'credential.bad_status_list');
  }
  const bits = await gunzip(packed);
  if (bits.length * 8 < MIN_BITSTRING_BITS) throw fail(`status list has fewer than ${MIN_BITSTRING_BITS} entries`, 'credential.status_list_too_short');
  if (entry.index >= bits.length * 8) throw fail(`status index ${entry.index} is outside a list of ${bits.length * 8} bits`, 'credential.status_index_out_of_range');
  return (bits[Math.floor(entry.index / 8)] >> (7 - (entry.index % 8))) & 1;
}

// -- the subject against its JSON Schema: the keywords registered schemas use, checked here ----------
const SUPPORTED = new Set(['$schema', '$id', 'title', 'description', 'type', 'required', 'properties', 'additionalProperties', 'enum', 'const', 'minLength', 'maxLength', 'minimum', 'maximum', 'items']);
const TYPES = {
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  array: Array.isArray,
  string: (v) => typeof v === 'string',
  integer: Number.isInteger,
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
};

function unsupported(schema) {
  if (typeof schema === 'boolean') return null;
  if (!isObj(schema)) return 'a schema that is not an object';
  const other = Object.keys(schema).find((k) => !SUPPORTED.has(k));
  if (other !== undefined) return other;
  const children = [...Object.values(schema.properties ?? {}), ...(isObj(schema.items) ? [schema.items] : []), ...(isObj(schema.additionalProperties) ? [schema.additionalProperties] : [])];
  for (const child of children) {
    const found = unsupported(child);
    if (found !== null) return found;
  }
  return null;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function problem(value, schema, where) {
  if (schema === true) return null;
  if (schema === false) return [where, 'nothing is allowed here'];
  const types = schema.type === undefined ? null : [schema.type].flat();
  if (types && !types.some((t) => TYPES[t]?.(value))) return [where, `${JSON.stringify(value)?.slice(0, 40)} is not of type ${types.join(' or ')}`];
  if (schema.enum && !schema.enum.some((e) => same(e, value))) return [where, `${JSON.stringify(value)?.slice(0, 40)} is not one of ${JSON.stringify(schema.enum).slice(0, 80)}`];
  if (Object.hasOwn(schema, 'const') && !same(schema.const, value)) return [where, `${JSON.stringify(schema.const).slice(0, 40)} was expected`];
  if (typeof value === 'string') {
    const length = [...value].length;
    if (length < (schema.minLength ?? 0) || length > (schema.maxLength ?? Infinity)) return [where, `${JSON.stringify(value.slice(0, 40))} has the wrong length`];
  }
  if (typeof value === 'number' && (value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity))) return [where, `${value} is out of range`];
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries()) {
      const found = problem(item, schema.items, `${where}/${i}`);
      if (found) return found;
    }
  }
  if (!isObj(value)) return null;
  const missing = (schema.required ?? []).find((name) => !Object.hasOwn(value, name));
  if (missing !== undefined) return [where, `${JSON.stringify(missing)} is a required property`];
  for (const [name, member] of Object.entries(value)) {
    const sub = Object.hasOwn(schema.properties ?? {}, name) ? schema.properties[name] : (schema.additionalProperties ?? true);
    const found = problem(member, sub, where ? `${where}/${name}` : name);
    if (found) return found;
  }
  return null;
}

/**
 * The credential subject against a registered JSON Schema, as vc.py's check_subject (Refused
 * `credential.schema_mismatch`), for schemas made of the keywords in SUPPORTED; for any other
 * schema, the keyword this page does not check ({unsupported}), and the subject is not judged.
 */
export function checkSubject(subject, schema) {
  const other = unsupported(schema);
  if (other !== null) return { unsupported: other };
  const found = problem(subject, schema, '');
  if (found) throw fail(`credentialSubject does not match the schema at ${found[0] || '(subject)'}: ${found[1]}`, 'credential.schema_mismatch');
  return { unsupported: null };
}
