import type { Code } from '../errors.js';
import { MAX_OID_OCTETS, overLimit } from '../limits.js';
import { fail } from './reader.js';

/** OBJECT IDENTIFIER content octets as a dotted string. */
export function oidText(buf: Uint8Array, start: number, end: number, code: Code = 'crl.malformed'): string {
  if (end <= start) fail(code, 'OBJECT IDENTIFIER is empty');
  if (end - start > MAX_OID_OCTETS) overLimit(code, 'OBJECT IDENTIFIER', end - start, MAX_OID_OCTETS, 'octets');
  if (buf[end - 1]! & 0x80) fail(code, 'OBJECT IDENTIFIER ends inside a subidentifier');
  const parts: string[] = [];
  let v = 0n;
  let small = 0;
  let big = false;
  let first = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (small === 0 && !big && b === 0x80) fail(code, 'OBJECT IDENTIFIER subidentifier is not minimal');
    if (big) v = (v << 7n) | BigInt(b & 0x7f);
    else {
      small = small * 128 + (b & 0x7f);
      if (small > 2 ** 45) {
        big = true;
        v = BigInt(small);
      }
    }
    if ((b & 0x80) === 0) {
      const value = big ? v : BigInt(small);
      if (first) {
        const arc = value < 40n ? 0n : value < 80n ? 1n : 2n;
        parts.push(String(arc), String(value - arc * 40n));
        first = false;
      } else parts.push(String(value));
      small = 0;
      big = false;
      v = 0n;
    }
  }
  return parts.join('.');
}

/**
 * Whether OBJECT IDENTIFIER content [start, end) is well formed: non-empty, every subidentifier minimal (no leading
 * 0x80 octet, X.690 8.19.2), the last octet ending one. Extension OIDs are compared by their bytes, so a padded
 * encoding of a known OID must be refused, never taken for an unknown one.
 */
export function isMinimalOid(buf: Uint8Array, start: number, end: number): boolean {
  if (end <= start || buf[end - 1]! & 0x80) return false;
  let first = true;
  for (let i = start; i < end; i++) {
    if (first && buf[i] === 0x80) return false;
    first = (buf[i]! & 0x80) === 0;
  }
  return true;
}
