// Byte encodings of docs/spec/encoding.md: lower-case hex, strict base64url, mb1 addresses.
// The browser-side twin of src/metrobloc/codec/b64.py and addresses.py.

import { sha256 } from '../../vendor/noble-hashes/sha2.js';
import { Refused } from './canonical.js';

const HEX32 = /^[0-9a-f]{64}$/;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const ADDRESS_HRP = 'mb';

/** Lower-case hex of bytes. */
export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes) {
  return bytesToHex(sha256(bytes));
}

/** Bytes of an even-length hex string (either case); throws TypeError otherwise. */
export function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) {
    throw new TypeError('not a hex string');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** True when `value` is a hash as MetroBloc writes one: 64 lower-case hex digits. */
export function isHex32(value) {
  return typeof value === 'string' && HEX32.test(value);
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Unpadded base64url of bytes. */
export function b64urlEncode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = [18, 12, 6, 0].map((shift) => B64URL[(n >> shift) & 63]);
    out += chars.slice(0, Math.min(4, bytes.length - i + 1)).join('');
  }
  return out;
}

/**
 * Strict unpadded base64url (one text per byte string), as src/metrobloc/codec/b64.py decodes it.
 * Throws Refused `codec.bad_base64url`, or `codec.bad_length` when `length` is given and differs.
 */
export function b64urlDecode(text, length = null, what = 'value') {
  const bad = () => new Refused(`${what} is not unpadded base64url`, 'codec.bad_base64url');
  if (typeof text !== 'string' || text.length % 4 === 1) throw bad();
  const values = Array.from(text, (c) => B64URL.indexOf(c));
  if (values.some((v) => v < 0)) throw bad();
  const unused = { 0: 0, 2: 0x0f, 3: 0x03 }[text.length % 4];
  if (unused && values[values.length - 1] & unused) {
    throw new Refused(`${what} is not canonical base64url`, 'codec.bad_base64url');
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const v of values) {
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if (length !== null && out.length !== length) {
    throw new Refused(`${what} must be ${length} bytes, got ${out.length}`, 'codec.bad_length');
  }
  return out;
}

function polymod(values) {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    BECH32_GENERATORS.forEach((g, i) => {
      if ((top >>> i) & 1) chk ^= g;
    });
  }
  return chk >>> 0;
}

function hrpExpand(hrp) {
  const codes = Array.from(hrp, (c) => c.charCodeAt(0));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

function convertBits(data, from, to, pad) {
  const maxAcc = (1 << (from + to - 1)) - 1;
  let acc = 0;
  let bits = 0;
  const out = [];
  for (const value of data) {
    acc = ((acc << from) | value) & maxAcc;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & ((1 << to) - 1));
    }
  }
  if (pad && bits) out.push((acc << (to - bits)) & ((1 << to) - 1));
  if (!pad && (bits >= from || (acc << (to - bits)) & ((1 << to) - 1))) return null;
  return out;
}

/** The mb1 address of a 32-byte public key: bech32("mb", SHA-256(key)[0:20]). */
export function addressOf(publicKey) {
  const data = convertBits(sha256(publicKey).subarray(0, 20), 8, 5, true);
  const check = polymod([...hrpExpand(ADDRESS_HRP), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [25, 20, 15, 10, 5, 0].map((shift) => (check >>> shift) & 31);
  return `${ADDRESS_HRP}1${[...data, ...checksum].map((v) => BECH32[v]).join('')}`;
}

/** True for a valid address: lower case, prefix mb1, bech32 (not bech32m) checksum, 20 bytes. */
export function isAddress(text) {
  if (typeof text !== 'string' || text.length > 90 || !text.startsWith(`${ADDRESS_HRP}1`)) return false;
  const values = Array.from(text.slice(ADDRESS_HRP.length + 1), (c) => BECH32.indexOf(c));
  if (values.length < 6 || values.some((v) => v < 0)) return false;
  if (polymod([...hrpExpand(ADDRESS_HRP), ...values]) !== 1) return false;
  const bytes = convertBits(values.slice(0, -6), 5, 8, false);
  return bytes !== null && bytes.length === 20;
}
