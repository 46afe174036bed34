import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CrlAuthorizerError } from '../errors.js';

/** Exit codes (DESIGN.md "CLI"): nothing may exit 1 by accident, so every path names its code. */
export const EXIT = { good: 0, revoked: 1, unknown: 2, usage: 64, noInput: 66, internal: 70 } as const;

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

export function parse<const O extends Options>(args: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** ISO-8601; a date-time without a zone is read as UTC (DESIGN.md "Text forms"). */
export function parseTime(text: string | undefined, now: () => Date = () => new Date()): Date {
  if (text === undefined) return now();
  const zoned = /T.*(Z|[+-]\d\d(:?\d\d)?)$/i.test(text) || !text.includes('T') ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(ms)) throw new UsageError(`--at: not an ISO-8601 time: ${text}`);
  return new Date(ms);
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

export function isMissingFile(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR';
}

export { CrlAuthorizerError };
