import { CrlAuthorizerError } from '../errors.js';

/**
 * Typed readers of environment variables, shared by both Lambdas and `serve` (DESIGN.md "Environment"): read
 * once, range-checked, and a bad value fails loudly with a `usage` error naming the variable, never silently
 * defaulted. Every reader trims, and treats unset and blank alike.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** A trimmed string, or undefined when unset or blank. */
export function envString(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** CRL_STORE_URL, which every Lambda needs: `s3://bucket/prefix` or `file:///path`. */
export function envStoreUrl(env: Env): string {
  const url = envString(env, 'CRL_STORE_URL');
  if (!url) throw new CrlAuthorizerError('usage', 'CRL_STORE_URL is not set (s3://bucket/prefix or file:///path)');
  return url;
}

/** A comma-separated list without blanks, or undefined when unset or blank. */
export function envList(env: Env, name: string): string[] | undefined {
  const v = envString(env, name);
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items.length > 0 ? items : undefined;
}

/** A whole decimal number in [min, max]; anything else fails with a sentence naming the variable and limits. */
export function envInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = envString(env, name);
  return v === undefined ? fallback : integerOf(v, name, min, max);
}

export function envChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const v = envString(env, name);
  return v === undefined ? fallback : choiceOf(v, name, choices);
}

/** `text` as a whole decimal number in [min, max]; `name` (a variable, or a flag) is what the error names. */
export function integerOf(text: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new CrlAuthorizerError('usage', `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `text` as one of `choices`; `name` (a variable, or a flag) is what the error names. */
export function choiceOf<T extends string>(text: string, name: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new CrlAuthorizerError('usage', `${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return text as T;
}

/** `true`/`1`/`yes` or `false`/`0`/`no`, any case. */
export function envBoolean(env: Env, name: string, fallback: boolean): boolean {
  const v = envString(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new CrlAuthorizerError('usage', `${name} must be true or false, got ${JSON.stringify(v)}`);
}
