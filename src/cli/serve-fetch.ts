import { createFetcherHandler } from '../fetcher/handler.js';
import { parseSources, type CrlSource } from '../fetcher/sources.js';
import type { FetchOutcome } from '../fetcher/sync.js';
import type { ObjectStore } from '../store/types.js';
import { UsageError } from './args.js';

/** The fetcher Lambda's default schedule: every 15 minutes. */
export const DEFAULT_FETCH_SECONDS = 900;

/** `--fetch NAME=URL` values (repeatable) as CRL_SOURCES entries, checked by the same rules. */
export function sourcesFromFlags(values: readonly string[]): CrlSource[] {
  const list = values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--fetch takes NAME=URL (ca/issuing-1=https://pki.example.com/ca.crl), not "${v}"`);
    return { name: v.slice(0, eq), url: v.slice(eq + 1) };
  });
  try {
    return parseSources(JSON.stringify(list), '--fetch');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface FetchLoop {
  /** Resolves when the round in progress (if any) has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `serve --watch --fetch NAME=URL`: the scheduled fetcher, locally. One round at start and one every interval;
 * each writes `<name>.crl` into the folder store when it changed, and the folder watcher preprocesses it as the S3
 * trigger would.
 */
export function startFetchLoop(
  store: ObjectStore,
  sources: readonly CrlSource[],
  intervalSeconds: number,
  log: (line: string) => void,
): FetchLoop {
  const fetchAll = createFetcherHandler({ store, sources, log: () => undefined });
  let round: Promise<void> = Promise.resolve();
  const once = () => {
    round = round.then(async () => {
      const { outcomes } = await fetchAll();
      for (const o of outcomes) log(`fetch: ${describe(o)}`);
    });
  };
  once();
  const timer = setInterval(once, intervalSeconds * 1000);
  timer.unref();
  return {
    idle: () => round,
    close: async () => {
      clearInterval(timer);
      await round;
    },
  };
}

function describe(o: FetchOutcome): string {
  if (o.action === 'written') return `${o.url} -> ${o.key}: ${o.bytes} bytes`;
  if (o.action === 'unchanged') return `${o.url}: unchanged (${o.reason})`;
  return `${o.url} failed: ${o.code}: ${o.message}`;
}
