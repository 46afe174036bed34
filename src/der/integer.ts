import type { Code } from '../errors.js';
import { MAX_SERIAL_OCTETS, overLimit } from '../limits.js';
import { fail, hexOf } from './reader.js';

/** Serials longer than this are refused (src/limits.ts; RFC 5280 allows 20 octets). */
export { MAX_SERIAL_OCTETS };

/**
 * Offset where the minimal two's complement form of the INTEGER content [start, end) begins: leading 00 dropped
 * while the next octet's high bit is clear, leading FF dropped while it is set. The minimal form is always a
 * suffix of the encoding, so callers can copy or view it without building anything.
 */
export function minimalIntegerStart(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (end - i > 1) {
    const b = buf[i]!;
    const next = buf[i + 1]!;
    if ((b === 0x00 && (next & 0x80) === 0) || (b === 0xff && (next & 0x80) !== 0)) i++;
    else break;
  }
  return i;
}

/**
 * The serial key (internals.md "Serials"): the minimal two's complement content octets, as a view into `content`.
 * `00 FF` (255) and `FF` (-1) stay distinct; `00 00 7F` and `7F` give the same key.
 */
export function normalizeSerial(content: Uint8Array, code: Code = 'cert.malformed'): Uint8Array {
  if (content.length === 0) fail(code, 'serial INTEGER is empty');
  const s = minimalIntegerStart(content, 0, content.length);
  if (content.length - s > MAX_SERIAL_OCTETS) overLimit(code, 'serial', content.length - s, MAX_SERIAL_OCTETS, 'octets');
  return content.subarray(s);
}

/** DESIGN.md text form: uppercase hex of the absolute value, even digit count, `-` before a negative. */
export function serialText(key: Uint8Array): string {
  if (key.length === 0) return '00';
  if ((key[0]! & 0x80) === 0) {
    let i = 0;
    while (i < key.length - 1 && key[i] === 0) i++;
    return hexOf(key, i);
  }
  // Magnitude of a negative value: invert and add one.
  const mag = new Uint8Array(key.length);
  let carry = 1;
  for (let i = key.length - 1; i >= 0; i--) {
    const v = (~key[i]! & 0xff) + carry;
    mag[i] = v & 0xff;
    carry = v >> 8;
  }
  let i = 0;
  while (i < mag.length - 1 && mag[i] === 0) i++;
  return '-' + hexOf(mag, i);
}

/** An INTEGER of any size as a bigint (CRL numbers exceed 2^53). */
export function integerBigInt(buf: Uint8Array, start: number, end: number, code: Code, what: string): bigint {
  if (end <= start) fail(code, `${what}: INTEGER is empty`);
  let v = BigInt('0x' + hexOf(buf, start, end));
  if (buf[start]! & 0x80) v -= 1n << BigInt(8 * (end - start));
  return v;
}

/** Whether INTEGER content [start, end) is non-empty and minimal (X.690 8.3.2: no redundant leading 00 or FF). */
export function isMinimalInteger(buf: Uint8Array, start: number, end: number): boolean {
  return end > start && minimalIntegerStart(buf, start, end) === start;
}
