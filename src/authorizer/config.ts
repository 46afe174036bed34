import { envChoice, envInteger, envList, envString, type Env } from '../config/env.js';
import { CrlAuthorizerError } from '../errors.js';
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
  /**
   * `CRL_REVALIDATE_SECONDS`: N = a round of conditional GETs at most every N seconds, started by a request and run
   * in the background; 0 = every request waits for its own conditional GET (the seed's behaviour). @default 10
   */
  revalidateSeconds: number;
  /**
   * `CRL_FRESH_SECONDS`: an index the store has not confirmed for this long makes a request wait for a round;
   * at least the interval. @default 60 (or the interval, when longer)
   */
  freshSeconds: number;
  /** `CRL_MAX_STALE_SECONDS`: serve from the cache this long after the last successful revalidation. @default 300 */
  maxStaleSeconds: number;
  /** `CRL_NEXT_UPDATE_GRACE_SECONDS`: an index still answers this long past its CRL's nextUpdate. @default 0 */
  graceSeconds: number;
  /** `CRL_STORE_TIMEOUT_MS`: time to first byte of every store call, and its longest stall. @default 2000 */
  storeTimeoutMs: number;
  /** `CRL_DENYLIST_KEY`: the break-glass denylist, relative to the prefix; absent object = empty. @default 'denylist.json' */
  denylistKey?: string;
  /** `CRL_LOAD_TIMEOUT_MS`: the whole load of one blob, every ranged part included. @default 8000 */
  loadTimeoutMs: number;
  /** `CRL_RANGE_BYTES`: a blob larger than this is fetched as ranged GETs of this size. @default 8 MiB */
  rangeBytes: number;
  /** `CRL_RANGE_CONCURRENCY`: ranged GETs in flight at once. @default 8 */
  rangeConcurrency: number;
  /** `AUTHORIZER_RESPONSE`: `policy` (IAM policy) or `simple` (HTTP API payload 2.0 only). @default 'policy' */
  response: 'policy' | 'simple';
}

export const DEFAULTS = {
  revalidateSeconds: 10,
  freshSeconds: 60,
  loadTimeoutMs: 8000,
  rangeBytes: 8 * 1024 * 1024,
  rangeConcurrency: 8,
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

/** A load is a background round's, except at cold start; a minute bounds even a very large blob. */
export const MAX_LOAD_TIMEOUT_MS = 60_000;

export const MIN_RANGE_BYTES = 64 * 1024;
export const MAX_RANGE_BYTES = 1024 * 1024 * 1024;

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
    freshSeconds: envInteger(env, 'CRL_FRESH_SECONDS', DEFAULTS.freshSeconds, 0, MAX_STALE_SECONDS_LIMIT),
    loadTimeoutMs: envInteger(env, 'CRL_LOAD_TIMEOUT_MS', DEFAULTS.loadTimeoutMs, 1, MAX_LOAD_TIMEOUT_MS),
    rangeBytes: envInteger(env, 'CRL_RANGE_BYTES', DEFAULTS.rangeBytes, MIN_RANGE_BYTES, MAX_RANGE_BYTES),
    rangeConcurrency: envInteger(env, 'CRL_RANGE_CONCURRENCY', DEFAULTS.rangeConcurrency, 1, 64),
    ...definedOnly(overrides),
  };
  // The freshness bound follows a longer interval unless it was set; set below the interval it is a mistake.
  const freshGiven = envString(env, 'CRL_FRESH_SECONDS') !== undefined || overrides.freshSeconds !== undefined;
  if (!freshGiven) config.freshSeconds = Math.max(config.freshSeconds, config.revalidateSeconds);
  if (config.freshSeconds < config.revalidateSeconds) {
    throw new CrlAuthorizerError(
      'usage',
      `CRL_FRESH_SECONDS (${config.freshSeconds}) must be at least CRL_REVALIDATE_SECONDS (${config.revalidateSeconds})`,
    );
  }
  return config;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
