import { CrlAuthorizerError, type Code } from '../errors.js';
import { MAX_DER_DEPTH, overLimit } from '../limits.js';

/** Universal tags the certificate and CRL code reads. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Deeper nesting than any certificate or CRL needs is treated as hostile input (src/limits.ts). */
export const MAX_DEPTH = MAX_DER_DEPTH;

/**
 * One TLV's position in its buffer. Readers fill a caller-owned instance, so a loop over millions of elements
 * reuses one object instead of allocating one per element.
 */
export class Tlv {
  tag = 0;
  /** offset of the tag octet */
  start = 0;
  /** offset of the first content octet */
  body = 0;
  /** offset just past the content */
  end = 0;
  get length(): number {
    return this.end - this.body;
  }
}

export function fail(code: Code, message: string): never {
  throw new CrlAuthorizerError(code, message);
}

/**
 * Reads the TLV header at `pos` (which must be below `limit`) into `out`. DER only: low-tag-number form,
 * definite lengths in their minimal encoding, content inside `limit`.
 */
export function readTlv(buf: Uint8Array, pos: number, limit: number, out: Tlv, code: Code, what: string): Tlv {
  if (pos + 2 > limit) fail(code, `${what}: truncated DER header`);
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) fail(code, `${what}: high-tag-number form is not used in X.509`);
  let len = buf[pos + 1]!;
  let body = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) fail(code, `${what}: indefinite length is not DER`);
    if (n > 4) fail(code, `${what}: length of ${n} octets is too large`);
    if (body + n > limit) fail(code, `${what}: truncated DER length`);
    if (buf[body] === 0) fail(code, `${what}: length is not minimally encoded`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i]!;
    if (len < 0x80) fail(code, `${what}: length is not minimally encoded`);
    body += n;
  }
  if (body + len > limit) fail(code, `${what}: content runs past its container`);
  out.tag = tag;
  out.start = pos;
  out.body = body;
  out.end = body + len;
  return out;
}

/**
 * The content length the TLV header at `pos` declares, without checking it against any container; -1 when the
 * header is too short or not a definite length. Lets a caller refuse an absurd size before reading anything.
 */
export function declaredLength(buf: Uint8Array, pos: number): number {
  if (pos + 2 > buf.length) return -1;
  const first = buf[pos + 1]!;
  if ((first & 0x80) === 0) return first;
  const n = first & 0x7f;
  if (n === 0 || pos + 2 + n > buf.length) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
  return len;
}

/** Reads the TLV at `pos` and insists on its tag. */
export function expectTlv(
  buf: Uint8Array,
  pos: number,
  limit: number,
  tag: number,
  out: Tlv,
  code: Code,
  what: string,
): Tlv {
  readTlv(buf, pos, limit, out, code, what);
  if (out.tag !== tag) fail(code, `${what}: expected tag 0x${hex2(tag)}, found 0x${hex2(out.tag)}`);
  return out;
}

/** A fresh TLV, for code off the hot path where an allocation does not matter. */
export function tlvAt(buf: Uint8Array, pos: number, limit: number, code: Code, what: string): Tlv {
  return readTlv(buf, pos, limit, new Tlv(), code, what);
}

/**
 * Checks that [start, end) is a well-formed run of DER TLVs, descending into constructed ones up to MAX_DEPTH.
 * Used on the parts of a CRL that are not otherwise read field by field.
 */
export function checkDer(buf: Uint8Array, start: number, end: number, code: Code, what: string, depth = 0): void {
  if (depth > MAX_DEPTH) overLimit(code, `${what}: DER nesting`, `more than ${MAX_DEPTH}`, MAX_DEPTH, 'levels');
  const t = new Tlv();
  let pos = start;
  while (pos < end) {
    readTlv(buf, pos, end, t, code, what);
    const next = t.end;
    if (t.tag & 0x20) checkDer(buf, t.body, t.end, code, what, depth + 1);
    pos = next;
  }
}

export function hex2(n: number): string {
  return (n < 16 ? '0' : '') + n.toString(16);
}

const HEX = Array.from({ length: 256 }, (_, i) => hex2(i).toUpperCase());

/** Uppercase hex of a byte range. */
export function hexOf(buf: Uint8Array, start = 0, end = buf.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[buf[i]!];
  return s;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** DER BOOLEAN: exactly one octet, 00 or FF. */
export function readBoolean(buf: Uint8Array, t: Tlv, code: Code, what: string): boolean {
  if (t.length !== 1) fail(code, `${what}: BOOLEAN must be one octet`);
  const v = buf[t.body]!;
  if (v === 0xff) return true;
  if (v === 0) return false;
  return fail(code, `${what}: BOOLEAN must be 00 or FF in DER`);
}

/** Non-negative INTEGER or ENUMERATED that fits a JS number (versions, reason codes, salt lengths). */
export function readSmallInt(buf: Uint8Array, t: Tlv, code: Code, what: string): number {
  const n = t.length;
  if (n === 0) fail(code, `${what}: INTEGER is empty`);
  if (buf[t.body]! & 0x80) fail(code, `${what}: negative value`);
  // X.690 8.3.2: the first nine bits are never all zero (a DER INTEGER is minimal)
  if (n > 1 && buf[t.body] === 0 && (buf[t.body + 1]! & 0x80) === 0) fail(code, `${what}: INTEGER is not minimally encoded`);
  if (n > 6) fail(code, `${what}: value too large`);
  let v = 0;
  for (let i = t.body; i < t.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** BIT STRING content: the unused-bit count and the octets after it. */
export function readBitString(
  buf: Uint8Array,
  t: Tlv,
  code: Code,
  what: string,
): { unusedBits: number; bytes: Uint8Array } {
  if (t.length < 1) fail(code, `${what}: BIT STRING is empty`);
  const unusedBits = buf[t.body]!;
  if (unusedBits > 7 || (unusedBits > 0 && t.length === 1)) fail(code, `${what}: bad BIT STRING padding`);
  // X.690 11.2.1: DER sets every unused bit to zero, so a padding bit can never read as a named bit
  if (unusedBits > 0 && (buf[t.end - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    fail(code, `${what}: BIT STRING has unused bits set (X.690 11.2.1)`);
  }
  return { unusedBits, bytes: buf.subarray(t.body + 1, t.end) };
}

/** Named-bit BIT STRING as a number: bit i (0 = most significant bit of the first octet) is `1 << i`. */
export function namedBits(bytes: Uint8Array): number {
  let v = 0;
  const n = Math.min(bytes.length, 4) * 8;
  for (let i = 0; i < n; i++) if ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) v |= 1 << i;
  return v >>> 0;
}

/**
 * A named-bit-list BIT STRING (KeyUsage, ReasonFlags) as a number, under DER: unused bits zero (X.690 11.2.1) and
 * trailing zero bits removed (X.690 11.2.2), so the value has one encoding and a padding bit is never a named bit.
 */
export function readNamedBits(buf: Uint8Array, t: Tlv, code: Code, what: string): number {
  const { unusedBits, bytes } = readBitString(buf, t, code, what);
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & (1 << unusedBits)) === 0) {
    fail(code, `${what}: named-bit BIT STRING has trailing zero bits (X.690 11.2.2)`);
  }
  return namedBits(bytes);
}
