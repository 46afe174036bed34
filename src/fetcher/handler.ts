import { envInteger, envStoreUrl, type Env } from '../config/env.js';
import { METRIC, METRIC_NAMESPACE } from '../config/names.js';
import { CrlAuthorizerError } from '../errors.js';
import { countEntry, writeJsonLine, type LambdaLogging } from '../log/emf.js';
import { MAX_LAMBDA_WAIT_MS } from '../limits.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import { DEFAULT_FETCH_TIMEOUT_MS, type FetchLimits } from './http.js';
import { parseSources, type CrlSource } from './sources.js';
import { fetchSource, type FetchOutcome } from './sync.js';

/** The EMF namespace and metrics (infra/fetcher.ts alarms on the failure count). */
export { METRIC_NAMESPACE };
export const FETCH_FAILED_METRIC = METRIC.crlFetchFailed;
export const FETCH_WRITTEN_METRIC = METRIC.crlFetchWritten;
/** The store put of a whole CRL can take a while; the per-call budget is the preprocessor's. */
export const FETCHER_STORE_TIMEOUT_MS = 120_000;

export interface FetcherOptions extends LambdaLogging {
  sources: readonly CrlSource[];
  /** CRL_STORE_URL, or a ready store. */
  storeUrl?: string;
  store?: ObjectStore;
  limits?: FetchLimits;
}

export interface FetcherResult {
  outcomes: FetchOutcome[];
}

/** Reads the fetcher's configuration from the environment, once (DESIGN.md "Environment"). */
export function fetcherOptionsFromEnv(env: Env = process.env): FetcherOptions {
  const storeUrl = envStoreUrl(env);
  const timeoutMs = envInteger(env, 'CRL_FETCH_TIMEOUT_MS', DEFAULT_FETCH_TIMEOUT_MS, 1, MAX_LAMBDA_WAIT_MS);
  return {
    sources: parseSources(env.CRL_SOURCES),
    storeUrl,
    store: openStore(storeUrl, { timeoutMs: FETCHER_STORE_TIMEOUT_MS }),
    limits: { timeoutMs },
  };
}

/**
 * The scheduled Lambda: every source in turn (a CA publishes a handful of CRLs, and one at a time keeps memory to
 * one CRL). Each outcome is one JSON log line; a failure's line is also an EMF document counting
 * `CrlFetchFailed`, which the construct alarms on after N failing runs in a row. It never throws for a failed
 * source: a retry by the scheduler would only repeat the same downloads.
 */
export function createFetcherHandler(options: FetcherOptions): () => Promise<FetcherResult> {
  const store = options.store ?? openStore(requireUrl(options), { timeoutMs: FETCHER_STORE_TIMEOUT_MS });
  const now = options.now ?? (() => new Date());
  const log = options.log ?? writeJsonLine;
  return async () => {
    const outcomes: FetchOutcome[] = [];
    for (const source of options.sources) {
      const outcome = await fetchSource(store, source, options.limits);
      outcomes.push(outcome);
      log(logEntry(outcome, now()));
    }
    return { outcomes };
  };
}

function logEntry(o: FetchOutcome, at: Date): Record<string, unknown> {
  const metric = o.action === 'failed' ? FETCH_FAILED_METRIC : o.action === 'written' ? FETCH_WRITTEN_METRIC : undefined;
  const line = { level: o.action === 'failed' ? 'error' : 'info', event: `fetch.${o.action}`, ...o };
  return metric ? countEntry(METRIC_NAMESPACE, metric, {}, at.getTime(), line) : line;
}

function requireUrl(options: FetcherOptions): string {
  if (!options.storeUrl) throw new CrlAuthorizerError('usage', 'the fetcher needs a storeUrl or a store');
  return options.storeUrl;
}

let defaultHandler: (() => Promise<FetcherResult>) | undefined;

/** The Lambda entry point (EventBridge scheduled event; its content is not used). */
export async function handler(): Promise<FetcherResult> {
  defaultHandler ??= createFetcherHandler(fetcherOptionsFromEnv());
  return defaultHandler();
}
