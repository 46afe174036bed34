import type { Code } from '../errors.js';
import { fail, TAG, type Tlv } from './reader.js';

function digits(buf: Uint8Array, pos: number, n: number, code: Code, what: string): number {
  let v = 0;
  for (let i = pos; i < pos + n; i++) {
    const c = buf[i]! - 0x30;
    if (c < 0 || c > 9) fail(code, `${what}: time has a non-digit`);
    v = v * 10 + c;
  }
  return v;
}

/**
 * UTCTime (YYMMDDHHMMSSZ; years 50-99 are 19xx) or GeneralizedTime (YYYYMMDDHHMMSS[.fff]Z) as a Date.
 * Only the Zulu forms RFC 5280 allows.
 */
export function readTime(buf: Uint8Array, t: Tlv, code: Code, what: string): Date {
  const p = t.body;
  const n = t.length;
  let year: number;
  let q: number;
  if (t.tag === TAG.UTC_TIME) {
    if (n !== 13 || buf[p + 12] !== 0x5a) fail(code, `${what}: UTCTime must be YYMMDDHHMMSSZ`);
    const yy = digits(buf, p, 2, code, what);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    q = p + 2;
  } else if (t.tag === TAG.GENERALIZED_TIME) {
    if (n < 15 || buf[p + n - 1] !== 0x5a) fail(code, `${what}: GeneralizedTime must be YYYYMMDDHHMMSS[.f]Z`);
    year = digits(buf, p, 4, code, what);
    q = p + 4;
  } else return fail(code, `${what}: expected UTCTime or GeneralizedTime`);
  const month = digits(buf, q, 2, code, what);
  const day = digits(buf, q + 2, 2, code, what);
  const hour = digits(buf, q + 4, 2, code, what);
  const min = digits(buf, q + 6, 2, code, what);
  const sec = digits(buf, q + 8, 2, code, what);
  let ms = 0;
  const rest = t.end - 1 - (q + 10);
  if (rest > 0) {
    // fractional seconds: GeneralizedTime only, "." then at least one digit
    if (t.tag !== TAG.GENERALIZED_TIME || buf[q + 10] !== 0x2e || rest < 2) fail(code, `${what}: bad time format`);
    const frac = digits(buf, q + 11, rest - 1, code, what);
    ms = Math.floor(frac / 10 ** (rest - 1 - 3));
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    fail(code, `${what}: time field out of range`);
  }
  const d = new Date(Date.UTC(year, month - 1, day, hour, min, sec, ms));
  if (year < 100) d.setUTCFullYear(year);
  if (d.getUTCDate() !== day) fail(code, `${what}: no such day`);
  return d;
}
