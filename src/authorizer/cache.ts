import { codeOf, CrlAuthorizerError, messageOf, type Code } from '../errors.js';
import { crlAnswer, holdIndex, type HeldIndex } from '../lookup/crl-source.js';
import type { RevocationIndex } from '../lookup/index.js';
import { covers, describeCrl, sameIssuerAndScope, supersedes } from '../lookup/info.js';
import type { RevocationSource, SourceAnswer } from '../sources/types.js';
import { DEFAULT_STORE_TIMEOUT_MS } from '../store/types.js';
import type { ObjectStore } from '../store/types.js';
import type { CertFacts } from '../x509/cert.js';
import { fetchIndex, type Fetched, type FetchOptions } from './fetch.js';
import type { Logger, Metrics } from './log.js';

/** The preprocessor writes `<name>.cache.bin` beside each CRL (DESIGN.md, "Object names"). */
export const BLOB_SUFFIX = '.cache.bin';

/** Without CRL_CACHE_KEYS, the prefix is listed again at most this often, on a revalidation round. */
export const DEFAULT_RELIST_SECONDS = 60;

/** CRL_FRESH_SECONDS's default. */
export const DEFAULT_FRESH_SECONDS = 60;

export interface CacheOptions {
  store: ObjectStore;
  /** Fixed blob keys (CRL_CACHE_KEYS). Absent: every `*.cache.bin` under the prefix, re-listed. */
  keys?: readonly string[];
  revalidateSeconds: number;
  /** @default max(60, revalidateSeconds) (CRL_FRESH_SECONDS) */
  freshSeconds?: number;
  maxStaleSeconds: number;
  /** Seconds past a CRL's nextUpdate during which its index still answers. @default 0 */
  graceSeconds?: number;
  /** @default DEFAULT_RELIST_SECONDS */
  relistSeconds?: number;
  /** Loading one blob (CRL_LOAD_TIMEOUT_MS, CRL_RANGE_BYTES, CRL_RANGE_CONCURRENCY). @default DEFAULT_FETCH */
  fetch?: Omit<FetchOptions, 'signal'>;
  /** The store's time-to-first-byte budget: a round older than every budget it has is known dead. @default 2000 */
  storeTimeoutMs?: number;
  log: Logger;
  metrics: Metrics;
  /** Other data revalidated in the same rounds (the denylist); it must not throw. */
  alsoRevalidate?: () => Promise<void>;
  /** How whole blob bytes become an index. @default RevocationIndex.fromBytes (ranged parts go straight in) */
  load?: (blob: Uint8Array) => RevocationIndex;
  /** A number in [0, 1) for the backoff's jitter. @default Math.random */
  random?: () => number;
}

export const DEFAULT_FETCH: Omit<FetchOptions, 'signal'> = {
  partBytes: 8 * 1024 * 1024,
  concurrency: 8,
  loadTimeoutMs: 8000,
};

/** After throttled rounds the next waits at most this long (never less than the interval). */
export const BACKOFF_CAP_MS = 60_000;

interface Entry {
  readonly key: string;
  /** The last good index from this key; a bad blob never replaces it. */
  index?: RevocationIndex;
  /** The same index with its facts, computed once when it was loaded. */
  held?: HeldIndex;
  /** The ETag of the object the held index came from. */
  etag?: string;
  /**
   * The ETag of an object at this key that was refused for what it says (unknown version, rollback), so the same
   * bytes are judged once. While set, the store is not confirming the held index: it ages towards the stale bound.
   */
  refusedEtag?: string;
  /** When the store last confirmed the held index is current (ms since epoch, from the injected clock). */
  validatedAt?: number;
}

/**
 * The warm, per-container state: one revocation index per blob key, each with the ETag it came from.
 *
 * Revalidation is a round over all keys (a conditional GET each), at most one in flight per container. With
 * `revalidateSeconds` N > 0, the first request after N seconds starts a round and is answered from the indexes
 * held without waiting for it; a request waits only when there is nothing to answer from yet (cold start) or the
 * oldest held index has gone `freshSeconds` without confirmation (a container that slept, a store that keeps
 * failing). `revalidateSeconds` 0 is the seed's behaviour: every request waits for a round that began after it
 * arrived. Without fixed keys a round first re-lists the prefix when `relistSeconds` have passed since the last
 * listing, so a new CA's blob is picked up within max(revalidateSeconds, relistSeconds); a key that disappears
 * from the listing, or answers not-found, drops its index (its CRL was deleted: fail closed).
 *
 * A Lambda container is frozen between invocations: a round started by one request may resume on the next thaw,
 * minutes later. The store's answer then reflects the store as it was when the round began, so a round confirms
 * as of its start time; a round older (by the clock) than every budget it has is abandoned and its results
 * ignored, and a new round takes its place. Throttling (`store.throttled`, S3's 503 SlowDown) backs the next
 * round off, doubling with jitter up to BACKOFF_CAP_MS; no call is retried inside a round or a request.
 *
 * Staleness is per key: an index whose key the store has not confirmed for `maxStaleSeconds` stops answering,
 * and a certificate it would cover is denied `index.stale`. Rollback: a blob that the index held at the same key
 * supersedes (same issuer and scope, `supersedes` in src/lookup/info.ts) is refused.
 *
 * The cache is the CRL revocation source: `check` answers from the indexes held.
 */
export class IndexCache implements RevocationSource {
  readonly name = 'crl' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly byIndex = new Map<HeldIndex, Entry>();
  private indexes: HeldIndex[] = [];
  /** Until this time no held index can be stale, so the request path skips the per-key check. */
  private staleCheckAt = Infinity;
  /** From this time the oldest held index is past the freshness bound: requests wait for a round. */
  private freshUntil = Infinity;
  /** No round is due before this time (the interval, or the backoff after throttling). */
  private nextRoundAt = -Infinity;
  private throttledRounds = 0;
  private lastListed = -Infinity;
  private listedOnce: boolean;
  /** The store error of the last round, when no index was ever loaded (reported instead of not-covered). */
  private coldError?: Code;
  private everLoaded = false;
  private inflight?: Promise<void>;
  private inflightStartedAt = -Infinity;
  private inflightAbort?: AbortController;
  private queued?: Promise<void>;
  private readonly load?: (blob: Uint8Array) => RevocationIndex;
  private readonly fetch: Omit<FetchOptions, 'signal'>;
  private readonly relistMs: number;
  private readonly revalidateMs: number;
  private readonly freshMs: number;
  private readonly maxStaleMs: number;
  private readonly graceSeconds: number;
  /** Seconds since the store last confirmed the key the index came from. */
  private readonly ageOf = (held: HeldIndex, now: number): number | undefined => {
    const at = this.byIndex.get(held)?.validatedAt;
    return at === undefined ? undefined : Math.max(0, Math.round((now - at) / 1000));
  };
  /** A round older than this (the store's budgets, with slack) can only be one that a freeze interrupted. */
  private readonly roundBudgetMs: number;
  private readonly random: () => number;

  constructor(private readonly opts: CacheOptions) {
    this.load = opts.load;
    this.fetch = opts.fetch ?? DEFAULT_FETCH;
    this.relistMs = (opts.relistSeconds ?? DEFAULT_RELIST_SECONDS) * 1000;
    this.revalidateMs = opts.revalidateSeconds * 1000;
    this.freshMs = Math.max(opts.freshSeconds ?? DEFAULT_FRESH_SECONDS, opts.revalidateSeconds) * 1000;
    this.maxStaleMs = opts.maxStaleSeconds * 1000;
    this.graceSeconds = opts.graceSeconds ?? 0;
    this.roundBudgetMs = 2 * (opts.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS) + this.fetch.loadTimeoutMs + 1000;
    this.random = opts.random ?? Math.random;
    this.listedOnce = opts.keys !== undefined;
    for (const key of opts.keys ?? []) this.entries.set(key, { key });
  }

  /**
   * A promise when the request must wait for a round (await it before deciding), undefined otherwise, so the
   * common warm path costs no promise. A due round that need not be waited for is started in the background.
   * Never rejects: failures are logged and counted.
   */
  refresh(now: number): Promise<void> | undefined {
    if (this.inflight && now - this.inflightStartedAt > this.roundBudgetMs) this.abandon(now);
    if (this.revalidateMs === 0) return this.refreshEachRequest(now);
    const wait = (!this.everLoaded && this.indexes.length === 0) || now >= this.freshUntil;
    if (this.inflight) return wait ? this.inflight : undefined;
    if (now < this.nextRoundAt) return undefined;
    if (wait) return this.startRound(now);
    // Nobody waits for this round: it begins on the next turn of the event loop, so that its first steps (the SDK
    // building and signing the request, run synchronously and in microtasks) come after this request's response.
    this.startRound(now, true);
    return undefined;
  }

  /** Interval 0: every request waits for a round that began no earlier than it arrived. */
  private refreshEachRequest(now: number): Promise<void> | undefined {
    if (this.inflight) {
      if (this.inflightStartedAt >= now) return this.inflight;
      // A round already under way may have read the store before a new blob landed. Queue one more round,
      // shared by every request arriving meanwhile.
      return (this.queued ??= this.inflight.then(() => {
        this.queued = undefined;
        return this.startRound(now);
      }));
    }
    if (now < this.nextRoundAt) return undefined;
    return this.startRound(now);
  }

  /** Settles when the round in flight (if any) has: for tests, benchmarks and init-time loading. */
  settled(): Promise<void> {
    return this.queued ?? this.inflight ?? Promise.resolve();
  }

  private abandon(now: number): void {
    this.opts.log.warn('revalidation round abandoned: it outlived its budgets (the container was frozen)', {
      startedSecondsAgo: Math.round((now - this.inflightStartedAt) / 1000),
    });
    this.inflightAbort?.abort(
      new CrlAuthorizerError('store.timeout', 'the revalidation round outlived its budgets and was abandoned'),
    );
    this.inflight = undefined;
    this.queued = undefined;
  }

  private startRound(now: number, nextTurn = false): Promise<void> {
    this.inflightStartedAt = now;
    const abort = new AbortController();
    this.inflightAbort = abort;
    const begun = nextTurn
      ? new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.round(now, abort.signal))
      : this.round(now, abort.signal);
    const round = begun.catch((e: unknown) => {
      this.opts.log.error('revalidation round failed', { code: codeOf(e), reason: messageOf(e) });
    });
    const inflight = round.finally(() => {
      if (this.inflight === inflight) this.inflight = undefined;
    });
    this.inflight = inflight;
    return inflight;
  }

  /**
   * The CRL source's answer for one certificate at `at` from the indexes held; the summary carries the seconds
   * since the store confirmed the answering index. Never throws for a store problem.
   */
  check(cert: CertFacts, at: Date): SourceAnswer {
    const now = at.getTime();
    const opts = { at: now, graceSeconds: this.graceSeconds, ageSeconds: this.ageOf };
    if (now <= this.staleCheckAt) return this.explainEmpty(crlAnswer(cert, this.indexes, opts));
    const fresh: HeldIndex[] = [];
    for (const held of this.indexes) {
      const entry = this.byIndex.get(held)!;
      if (now - entry.validatedAt! <= this.maxStaleMs) {
        fresh.push(held);
        continue;
      }
      if (covers(held.info, cert)) {
        return {
          status: 'unknown',
          code: 'index.stale',
          reason:
            `the index for "${held.info.issuerText}" was last confirmed by the store ` +
            `${Math.round((now - entry.validatedAt!) / 1000)} s ago, over the bound of ${this.maxStaleMs / 1000} s`,
          summary: { ...held.summary, ageSeconds: this.ageOf(held, now)! },
        };
      }
    }
    return this.explainEmpty(crlAnswer(cert, fresh, opts));
  }

  /** The indexes held, for inspection (CLI `serve`, tests). */
  held(): readonly { key: string; index: RevocationIndex; etag?: string; validatedAt?: number }[] {
    return [...this.entries.values()].flatMap((e) =>
      e.index ? [{ key: e.key, index: e.index, etag: e.etag, validatedAt: e.validatedAt }] : [],
    );
  }

  private explainEmpty(v: SourceAnswer): SourceAnswer {
    // With nothing ever loaded because the store failed, "no CRL covers this" would hide the real cause.
    if (v.code === 'index.not-covered' && !this.everLoaded && this.coldError) {
      return { status: 'unknown', code: this.coldError, reason: `no index loaded yet: the store failed (${this.coldError})` };
    }
    return v;
  }

  private async round(now: number, signal: AbortSignal): Promise<void> {
    let failure: Code | undefined;
    if (!this.opts.keys && (!this.listedOnce || now - this.lastListed >= this.relistMs)) {
      failure = await this.relist(now, signal);
    }
    if (signal.aborted) return;
    const [, ...results] = await Promise.all([
      this.opts.alsoRevalidate?.(),
      ...[...this.entries.values()].map((e) => this.revalidate(e, now, signal)),
    ]);
    if (signal.aborted) return;
    failure ??= results.find((c) => c !== undefined);
    this.coldError = failure;
    this.schedule(now, results.includes('store.throttled') || failure === 'store.throttled');
    this.rebuild();
  }

  /**
   * When the next round is due: after the interval; after a throttled round, later, doubling each time with
   * jitter (50-100 % of min(cap, max(1 s, interval) * 2^n)), so a fleet backs off apart rather than in step.
   * A cold container that failed otherwise retries on its next request.
   */
  private schedule(startedAt: number, throttled: boolean): void {
    if (!throttled) {
      this.throttledRounds = 0;
      this.nextRoundAt = !this.everLoaded && this.coldError ? -Infinity : startedAt + this.revalidateMs;
      return;
    }
    this.throttledRounds++;
    const base = Math.max(1000, this.revalidateMs);
    const ceiling = Math.max(this.revalidateMs, Math.min(BACKOFF_CAP_MS, base * 2 ** this.throttledRounds));
    const delay = Math.max(this.revalidateMs, ceiling * (0.5 + 0.5 * this.random()));
    this.nextRoundAt = startedAt + delay;
    this.opts.log.warn('store throttled: backing off', { rounds: this.throttledRounds, nextRoundInMs: Math.round(delay) });
  }

  private async relist(now: number, signal: AbortSignal): Promise<Code | undefined> {
    const { store, log } = this.opts;
    let keys: string[];
    try {
      keys = (await store.list()).filter((k) => k.endsWith(BLOB_SUFFIX));
    } catch (e) {
      log.warn('listing blobs failed', { store: store.url, code: codeOf(e), reason: messageOf(e) });
      return codeOf(e);
    }
    if (signal.aborted) return undefined;
    this.lastListed = now;
    this.listedOnce = true;
    const listed = new Set(keys);
    for (const [key, entry] of this.entries) {
      if (listed.has(key)) continue;
      this.entries.delete(key);
      if (entry.index) log.warn('blob no longer listed: index dropped', { key, issuer: entry.index.meta.issuerText });
    }
    for (const key of keys) if (!this.entries.has(key)) this.entries.set(key, { key });
    return undefined;
  }

  /**
   * One conditional GET (and, for a changed blob, its parts). Returns the store's error code when the store
   * failed, undefined otherwise. Nothing is changed once the round was abandoned.
   */
  private async revalidate(entry: Entry, now: number, signal: AbortSignal): Promise<Code | undefined> {
    const { store, log, metrics } = this.opts;
    const started = performance.now();
    let got: Fetched;
    try {
      got = await fetchIndex(store, entry.key, entry.refusedEtag ?? entry.etag, { ...this.fetch, signal }, this.load);
    } catch (e) {
      if (signal.aborted) return undefined;
      const code = codeOf(e);
      if (code === 'store.not-found') {
        const held = entry.index;
        if (held) log.warn('blob deleted: index dropped', { key: entry.key, issuer: held.meta.issuerText });
        entry.index = undefined;
        entry.held = undefined;
        entry.etag = undefined;
        entry.validatedAt = now;
        metrics.revalidation(held ? 'updated' : 'not-modified');
        return undefined;
      }
      log.warn('revalidation failed', { key: entry.key, code, reason: messageOf(e) });
      metrics.revalidation('failed');
      return code;
    }
    if (signal.aborted) return undefined;
    if (got.status === 'not-modified') {
      if (entry.refusedEtag === undefined) entry.validatedAt = now;
      metrics.revalidation('not-modified');
      return undefined;
    }
    if (got.status === 'refused') return this.refused(entry, got.error, got.etag);
    const loadedMs = Math.round((performance.now() - started) * 10) / 10;
    const index = got.index;
    try {
      const held = holdIndex(index, entry.key);
      if (entry.held) this.refuseRollback(entry.held, held);
      entry.held = held;
    } catch (e) {
      return this.refused(entry, e, got.etag);
    }
    entry.index = index;
    entry.etag = got.etag;
    entry.refusedEtag = undefined;
    entry.validatedAt = now;
    this.everLoaded = true;
    metrics.revalidation('updated');
    log.info('index loaded', {
      key: entry.key,
      etag: got.etag,
      issuer: index.meta.issuerText,
      crlNumber: index.meta.crlNumber,
      thisUpdate: index.meta.thisUpdate,
      nextUpdate: index.meta.nextUpdate,
      revoked: index.meta.revoked,
      bytes: got.bytes,
      parts: got.parts,
      loadMs: loadedMs,
    });
    return undefined;
  }

  /**
   * A refused blob is not a successful revalidation: the held index keeps answering only until the stale bound.
   * Damaged bytes (possibly in transit: a short body, a wrong Content-Length) are fetched again next round; bytes
   * refused for what they say are remembered so they are judged once.
   */
  private refused(entry: Entry, e: unknown, etag: string | undefined): undefined {
    const code = codeOf(e);
    entry.refusedEtag = code === 'blob.malformed' || code === 'blob.checksum-mismatch' ? undefined : etag;
    this.opts.metrics.revalidation('failed');
    this.opts.log.warn('blob refused: keeping the index held', {
      key: entry.key,
      etag: etag ?? null,
      code,
      reason: messageOf(e),
      keeping: entry.index?.meta.crlNumber ?? null,
    });
    return undefined;
  }

  /**
   * DESIGN.md: no index is ever replaced by one it supersedes (same issuer and scope). A blob at the same key for a
   * different issuer or scope is not a rollback: it replaces the index held, and the log says so.
   */
  private refuseRollback(held: HeldIndex, next: HeldIndex): void {
    if (!sameIssuerAndScope(held.info, next.info)) {
      this.opts.log.warn('blob is for a different issuer or scope: replacing the index held', {
        key: held.summary.id,
        held: `${describeCrl(held.info)} of "${held.info.issuerText}"`,
        next: `${describeCrl(next.info)} of "${next.info.issuerText}"`,
      });
      return;
    }
    if (supersedes(held.info, next.info)) {
      throw new CrlAuthorizerError(
        'crl.rollback',
        `blob: ${describeCrl(next.info)} of "${next.info.issuerText}" is older than the held ${describeCrl(held.info)}`,
      );
    }
  }

  private rebuild(): void {
    this.byIndex.clear();
    let oldest = Infinity;
    for (const entry of this.entries.values()) {
      if (!entry.held) continue;
      this.byIndex.set(entry.held, entry);
      oldest = Math.min(oldest, entry.validatedAt!);
    }
    this.indexes = [...this.byIndex.keys()];
    this.staleCheckAt = oldest + this.maxStaleMs;
    this.freshUntil = oldest + this.freshMs;
  }
}
