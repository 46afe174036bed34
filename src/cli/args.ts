import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CrlAuthorizerError, codeOf, messageOf } from '../errors.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';

/**
 * Exit codes (DESIGN.md "CLI"): nothing may exit 1 by accident, so every path names its code. 73 is sysexits'
 * EX_CANTCREAT: an output file that cannot be written.
 */
export const EXIT = { good: 0, revoked: 1, unknown: 2, usage: 64, noInput: 66, internal: 70, cantCreate: 73 } as const;

/** A command line the command cannot run: exit 64 with the command's usage hint. */
export class UsageError extends CrlAuthorizerError {
  constructor(message: string) {
    super('usage', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/**
 * Flags by `options`; positional arguments only where the command takes them (`positionals: 'FILE'` names
 * them for the error), so an argument nobody reads is a usage error, never silently dropped (#10).
 */
export function parse<const O extends Options>(args: string[], options: O, positionals?: string): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (positionals === undefined && parsed.positionals.length > 0) {
    const list = parsed.positionals.map((p) => `"${p}"`).join(', ');
    throw new UsageError(`unexpected argument${parsed.positionals.length > 1 ? 's' : ''} ${list} (flags that take several values repeat: --blob a --blob b)`);
  }
  return parsed;
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/**
 * ISO-8601, strictly: the calendar date must exist (2026-02-30 is refused, which `Date.parse` would roll over),
 * and a time without a zone is UTC whatever `TZ` says (DESIGN.md "Text forms"). Computed with Date.UTC, never
 * with the local-time parser.
 */
export function parseTime(text: string | undefined, now: () => Date = () => new Date(), flag = '--at'): Date {
  if (text === undefined) return now();
  const m = ISO.exec(text.trim());
  const bad = (why: string): never => {
    throw new UsageError(`${flag}: ${JSON.stringify(text)} ${why} (e.g. 2026-03-01T12:00:00Z; no zone = UTC)`);
  };
  if (!m) bad('is not an ISO-8601 time');
  const [y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m!.slice(1) as string[];
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (year < 1000) bad('is before the year 1000'); // Date.UTC would read 0-99 as 1900-1999
  if (month < 1 || month > 12) bad(`has no month ${month}`);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) bad(`has no day ${day} in ${y}-${mo}`);
  if (hour > 23 || minute > 59 || second > 59) bad('has an impossible time of day');
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d\d):?(\d\d)?$/.exec(zone)!;
    const zh = Number(z[2]), zm = Number(z[3] ?? '0');
    if (zh > 23 || zm > 59) bad('has an impossible zone offset');
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const ms = Number((frac + '000').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  // Date.UTC maps years 0-99 to 1900-1999.
  return new Date(utc);
}

export function requireOne(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

export function nonNegativeInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number of seconds, not "${value}"`);
  return Number(value);
}

/** The store `--store URL` names; a URL it cannot be is a usage error. */
export function storeFlag(url: string | undefined): ObjectStore {
  return asUsage(() => openStore(requireOne(url, '--store')), '--store: ');
}

/** Runs a reader from outside the CLI (a store URL, OCSP flags); its `usage` error becomes a UsageError (exit 64). */
export function asUsage<T>(read: () => T, prefix = ''): T {
  try {
    return read();
  } catch (e) {
    if (codeOf(e) === 'usage' && !(e instanceof UsageError)) throw new UsageError(`${prefix}${messageOf(e)}`);
    throw e;
  }
}

export function isMissingFile(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR';
}

export { CrlAuthorizerError };
