import { CrlAuthorizerError } from '../errors.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import { DEFAULT_FETCH_TIMEOUT_MS, type FetchLimits } from './http.js';
import { parseSources, type CrlSource } from './sources.js';
import { fetchSource, type FetchOutcome } from './sync.js';

/** The EMF namespace and metrics (infra/fetcher.ts alarms on the failure count). */
export const METRIC_NAMESPACE = 'CrlAuthorizer';
export const FETCH_FAILED_METRIC = 'CrlFetchFailed';
export const FETCH_WRITTEN_METRIC = 'CrlFetchWritten';
/** The store put of a whole CRL can take a while; the per-call budget is the preprocessor's. */
export const FETCHER_STORE_TIMEOUT_MS = 120_000;

export interface FetcherOptions {
  sources: readonly CrlSource[];
  /** CRL_STORE_URL, or a ready store. */
  storeUrl?: string;
  store?: ObjectStore;
  limits?: FetchLimits;
  now?: () => Date;
  log?: (entry: Record<string, unknown>) => void;
}

export interface FetcherResult {
  outcomes: FetchOutcome[];
}

/** Reads the fetcher's configuration from the environment, once (DESIGN.md "Environment"). */
export function fetcherOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): FetcherOptions {
  const storeUrl = env.CRL_STORE_URL;
  if (!storeUrl) throw new CrlAuthorizerError('usage', 'CRL_STORE_URL is not set (s3://bucket/prefix or file:///path)');
  const timeoutMs = positive('CRL_FETCH_TIMEOUT_MS', env.CRL_FETCH_TIMEOUT_MS, DEFAULT_FETCH_TIMEOUT_MS);
  return {
    sources: parseSources(env.CRL_SOURCES),
    storeUrl,
    store: openStore(storeUrl, { timeoutMs: FETCHER_STORE_TIMEOUT_MS }),
    limits: { timeoutMs },
  };
}

function positive(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CrlAuthorizerError('usage', `${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return Number(v);
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
  const log = options.log ?? writeLine;
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
  if (!metric) return line;
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: metric, Unit: 'Count' }] }],
    },
    ...line,
    [metric]: 1,
  };
}

function writeLine(entry: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(entry) + '\n');
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
