// Strict JSON and canonical JSON (RFC 8785, JCS) for the values MetroBloc allows
// (docs/spec/encoding.md sections 1 and 2): the browser-side twin of src/metrobloc/codec/canonical.py.
// JSON.parse keeps the last of two duplicate keys and rounds integers beyond 2^53 without a word;
// parseStrictJSON refuses both, and every float, with the node's error codes.

import canonicalize from '../../vendor/canonicalize/canonicalize.js';

export const MAX_DEPTH = 32;
const MAX_SAFE = 9007199254740991n;
const HARD_DEPTH = 1024; // beyond this the node's parser gives up too (codec.too_deep)
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** An expected refusal, with the stable code the node reports (e.g. `codec.duplicate_key`). */
export class Refused extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'Refused';
    this.code = code;
  }
}

const outOfRange = () =>
  new Refused('integers must lie within +/-(2^53-1); send large numbers as decimal strings', 'codec.integer_out_of_range');
const floatRefused = () =>
  new Refused('floating-point numbers are not allowed; send amounts as decimal strings', 'codec.float_not_allowed');
const tooDeep = (max) => new Refused(`JSON nesting exceeds ${max} levels`, 'codec.too_deep');

function wellFormed(text) {
  return text.isWellFormed ? text.isWellFormed() : !/\p{Surrogate}/u.test(text);
}

function setMember(obj, key, value) {
  // A plain assignment to "__proto__" would set the prototype instead of a member.
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

class Parser {
  constructor(text, maxDepth) {
    this.text = text;
    this.pos = 0;
    this.maxDepth = maxDepth;
    this.refusal = null; // the first float, big integer or excess depth met; reported after the syntax
    this.duplicate = null; // the first duplicate key; reported last, as the node does
  }

  fail(what) {
    const near = this.pos < this.text.length ? `at character ${this.pos}` : 'at the end';
    return new Refused(`body is not valid JSON: ${what} ${near}`, 'codec.bad_json');
  }

  skipSpace() {
    while (' \t\n\r'.includes(this.text[this.pos] ?? 'x')) this.pos++;
  }

  document() {
    this.skipSpace();
    if (this.pos >= this.text.length) throw this.fail('no value');
    const value = this.value(0);
    this.skipSpace();
    if (this.pos !== this.text.length) throw this.fail('unexpected text after the value');
    if (this.refusal) throw this.refusal;
    if (this.duplicate) throw this.duplicate;
    return value;
  }

  value(depth) {
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth >= HARD_DEPTH) throw tooDeep(this.maxDepth);
      if (depth >= this.maxDepth) this.refusal ??= tooDeep(this.maxDepth);
      return c === '{' ? this.object(depth) : this.array(depth);
    }
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    throw this.fail('unexpected character');
  }

  object(depth) {
    const obj = {};
    const keys = new Set();
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') throw this.fail('expected a member name');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos++] !== ':') throw this.fail("expected ':'");
      this.skipSpace();
      const value = this.value(depth + 1);
      if (keys.has(key)) {
        this.duplicate ??= new Refused(`duplicate object key ${JSON.stringify(key.slice(0, 80))}`, 'codec.duplicate_key');
      } else {
        keys.add(key);
        setMember(obj, key, value);
      }
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === '}') return obj;
      if (next !== ',') throw this.fail("expected ',' or '}'");
    }
  }

  array(depth) {
    const items = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === ']') return items;
      if (next !== ',') throw this.fail("expected ',' or ']'");
    }
  }

  string() {
    let out = '';
    let start = ++this.pos;
    for (;;) {
      if (this.pos >= this.text.length) throw this.fail('unterminated string');
      const c = this.text[this.pos];
      if (c === '"') break;
      if (c.charCodeAt(0) < 0x20) throw this.fail('raw control character in a string');
      if (c !== '\\') {
        this.pos++;
        continue;
      }
      out += this.text.slice(start, this.pos);
      const e = this.text[this.pos + 1];
      if (e === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!HEX4.test(hex)) throw this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
        this.pos += 2;
      } else {
        throw this.fail('bad escape');
      }
      start = this.pos;
    }
    out += this.text.slice(start, this.pos++);
    if (!wellFormed(out)) throw this.fail('unpaired surrogate in a string');
    return out;
  }

  number() {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) throw this.fail('bad number');
    this.pos = NUMBER.lastIndex;
    if (match[1] !== undefined || match[2] !== undefined) {
      if (!Number.isFinite(Number(match[0]))) throw this.fail('number out of range'); // as the node's parser
      this.refusal ??= floatRefused();
      return 0;
    }
    const literal = match[0];
    const digits = literal.replace('-', '');
    if (digits.length > 16 || BigInt(digits) > MAX_SAFE) {
      this.refusal ??= outOfRange();
      return 0;
    }
    return Number(literal) || 0; // -0 is the integer 0
  }
}

/**
 * Parse JSON text (a string, or UTF-8 bytes) holding only the values MetroBloc allows.
 * Throws Refused with `codec.bad_json`, `codec.duplicate_key`, `codec.float_not_allowed`,
 * `codec.integer_out_of_range` or `codec.too_deep`, as the node's parse_json does.
 */
export function parseStrictJSON(text, { maxDepth = MAX_DEPTH } = {}) {
  if (text instanceof Uint8Array) {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(text);
    } catch {
      throw new Refused('body is not valid JSON: not UTF-8', 'codec.bad_json');
    }
  }
  if (typeof text !== 'string') throw new TypeError('parseStrictJSON takes a string or UTF-8 bytes');
  return new Parser(text, maxDepth).document();
}

function isPlainObject(value) {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Check that an already-parsed value holds only allowed JSON values; throws Refused otherwise. */
export function checkValue(value, { maxDepth = MAX_DEPTH } = {}) {
  const stack = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop();
    if (item === null || typeof item === 'boolean') continue;
    if (typeof item === 'string') {
      if (!wellFormed(item)) throw new Refused('a string holds an unpaired surrogate', 'codec.bad_json');
      continue;
    }
    if (typeof item === 'number') {
      if (!Number.isInteger(item)) throw floatRefused();
      if (!Number.isSafeInteger(item)) throw outOfRange();
      continue;
    }
    if (typeof item !== 'object' || !(Array.isArray(item) || isPlainObject(item))) {
      throw new Refused(`${typeof item} is not a JSON value`, 'codec.bad_json');
    }
    if (depth >= maxDepth) throw tooDeep(maxDepth);
    if (!Object.keys(item).every(wellFormed)) throw new Refused('a key holds an unpaired surrogate', 'codec.bad_json');
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
}

/** A JSON text (or UTF-8 bytes) parsed strictly, or an already-parsed value checked the same way. */
export function strictValue(input) {
  if (typeof input === 'string' || input instanceof Uint8Array) return parseStrictJSON(input);
  checkValue(input);
  return input;
}

/** True for a JSON object (not an array, not null). */
export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** True for an object with exactly the members `fields`, no more. */
export const hasFields = (v, fields) =>
  isObject(v) && Object.keys(v).length === fields.length && fields.every((f) => Object.hasOwn(v, f));

/** The RFC 8785 canonical UTF-8 bytes of an allowed value (checked first), as a Uint8Array. */
export function jcs(value) {
  checkValue(value);
  return new TextEncoder().encode(canonicalize(value));
}
