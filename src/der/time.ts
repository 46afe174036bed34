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

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function two(buf: Uint8Array, p: number): number {
  const a = buf[p]! - 0x30;
  const b = buf[p + 1]! - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** MMDDHHMMSS at `q` is a real date and time of `year` (seconds 00-59). */
function fieldsValid(buf: Uint8Array, q: number, year: number): boolean {
  const month = two(buf, q);
  const day = two(buf, q + 2);
  const hour = two(buf, q + 4);
  const min = two(buf, q + 6);
  const sec = two(buf, q + 8);
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS[month - 1]! + (leap ? 1 : 0);
}

/** GeneralizedTime content [body, end) is YYYYMMDDHHMMSSZ (seconds, `Z`, no fraction) with a real date; its year. */
function generalizedYear(buf: Uint8Array, body: number, end: number): number {
  if (end - body !== 15 || buf[body + 14] !== 0x5a) return -1;
  const hi = two(buf, body);
  const lo = two(buf, body + 2);
  if (hi < 0 || lo < 0) return -1;
  const year = hi * 100 + lo;
  return fieldsValid(buf, body + 4, year) ? year : -1;
}

/** GeneralizedTime content YYYYMMDDHHMMSSZ of any year (RFC 5280 4.1.2.5.2; invalidityDate, 5.3.2). */
export function isGeneralizedTimeZ(buf: Uint8Array, body: number, end: number): boolean {
  return generalizedYear(buf, body, end) >= 0;
}

/**
 * Whether a time TLV's content [body, end) with `tag` is what RFC 5280 4.1.2.5 allows: UTCTime YYMMDDHHMMSSZ for
 * 1950-2049, GeneralizedTime YYYYMMDDHHMMSSZ (seconds, `Z`, no fraction) for the other years, a real calendar date.
 * Allocates nothing, so the entry loop can afford it for every revocationDate.
 */
export function isRfc5280Time(buf: Uint8Array, tag: number, body: number, end: number): boolean {
  if (tag === TAG.UTC_TIME) {
    if (end - body !== 13 || buf[body + 12] !== 0x5a) return false;
    const yy = two(buf, body);
    return yy >= 0 && fieldsValid(buf, body + 2, yy >= 50 ? 1900 + yy : 2000 + yy);
  }
  if (tag !== TAG.GENERALIZED_TIME) return false;
  const year = generalizedYear(buf, body, end);
  // GeneralizedTime is for the dates UTCTime cannot hold
  return year >= 0 && (year < 1950 || year > 2049);
}

/** A certificate or CRL time under the RFC 5280 4.1.2.5 profile (see isRfc5280Time), as a Date. */
export function readRfc5280Time(buf: Uint8Array, t: Tlv, code: Code, what: string): Date {
  if (!isRfc5280Time(buf, t.tag, t.body, t.end)) {
    fail(
      code,
      `${what}: not an RFC 5280 time (UTCTime YYMMDDHHMMSSZ through 2049, GeneralizedTime YYYYMMDDHHMMSSZ from 2050; RFC 5280 4.1.2.5)`,
    );
  }
  return readTime(buf, t, code, what);
}
