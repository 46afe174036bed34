import { envChoice, envInteger, envList, envString, type Env } from '../config/env.js';
import { DEFAULT_STORE_TIMEOUT_MS } from '../store/types.js';

export { envBoolean, envChoice, envInteger, envList, envString, type Env } from '../config/env.js';

/**
 * The authorizer's configuration (DESIGN.md, "Environment"). Precedence, highest first: the `config` passed to
 * `createHandler`, then the environment, then the defaults below. Read once, on the first invocation.
 */
export interface AuthorizerConfig {
  /** `CRL_STORE_URL`: `s3://bucket/prefix` or `file:///path`. Required unless a store is passed in. */
  storeUrl?: string;
  /** `CRL_CACHE_KEYS`: blob keys relative to the prefix. @default every `*.cache.bin` under the prefix, re-listed */
  cacheKeys?: string[];
  /** `CRL_REVALIDATE_SECONDS`: 0 = a conditional GET per request; N = at most one per N seconds. @default 0 */
  revalidateSeconds: number;
  /** `CRL_MAX_STALE_SECONDS`: serve from the cache this long after the last successful revalidation. @default 300 */
  maxStaleSeconds: number;
  /** `CRL_NEXT_UPDATE_GRACE_SECONDS`: an index still answers this long past its CRL's nextUpdate. @default 0 */
  graceSeconds: number;
  /** `CRL_STORE_TIMEOUT_MS`: budget of every store call. @default 2000 */
  storeTimeoutMs: number;
  /** `CRL_DENYLIST_KEY`: the break-glass denylist, relative to the prefix; absent object = empty. @default 'denylist.json' */
  denylistKey?: string;
  /** `AUTHORIZER_RESPONSE`: `policy` (IAM policy) or `simple` (HTTP API payload 2.0 only). @default 'policy' */
  response: 'policy' | 'simple';
}

export const DEFAULTS = {
  revalidateSeconds: 0,
  maxStaleSeconds: 300,
  graceSeconds: 0,
  storeTimeoutMs: DEFAULT_STORE_TIMEOUT_MS,
  response: 'policy',
} as const satisfies Partial<AuthorizerConfig>;

/**
 * API Gateway waits at most 10 s for an authorizer (its own limit, not ours); a store call must fit well inside
 * it, together with the rest of the request.
 */
export const MAX_STORE_TIMEOUT_MS = 9000;

/** One week: a longer bound would let a cache outlive any CRL's usual validity. */
export const MAX_STALE_SECONDS_LIMIT = 7 * 24 * 3600;

export function readConfig(env: Env = process.env, overrides: Partial<AuthorizerConfig> = {}): AuthorizerConfig {
  const config: AuthorizerConfig = {
    storeUrl: envString(env, 'CRL_STORE_URL'),
    cacheKeys: envList(env, 'CRL_CACHE_KEYS'),
    revalidateSeconds: envInteger(env, 'CRL_REVALIDATE_SECONDS', DEFAULTS.revalidateSeconds, 0, 86_400),
    maxStaleSeconds: envInteger(env, 'CRL_MAX_STALE_SECONDS', DEFAULTS.maxStaleSeconds, 0, MAX_STALE_SECONDS_LIMIT),
    graceSeconds: envInteger(env, 'CRL_NEXT_UPDATE_GRACE_SECONDS', DEFAULTS.graceSeconds, 0, MAX_STALE_SECONDS_LIMIT),
    storeTimeoutMs: envInteger(env, 'CRL_STORE_TIMEOUT_MS', DEFAULTS.storeTimeoutMs, 1, MAX_STORE_TIMEOUT_MS),
    response: envChoice(env, 'AUTHORIZER_RESPONSE', ['policy', 'simple'] as const, DEFAULTS.response),
    ...(envString(env, 'CRL_DENYLIST_KEY') !== undefined && { denylistKey: envString(env, 'CRL_DENYLIST_KEY') }),
    ...definedOnly(overrides),
  };
  return config;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
