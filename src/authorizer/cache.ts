import { codeOf, CrlAuthorizerError, messageOf, type Code } from '../errors.js';
import { crlAnswer, holdIndex, type HeldIndex } from '../lookup/crl-source.js';
import { RevocationIndex } from '../lookup/index.js';
import { covers, describeCrl, sameIssuerAndScope, supersedes } from '../lookup/info.js';
import type { RevocationSource, SourceAnswer } from '../sources/types.js';
import type { ObjectStore } from '../store/types.js';
import type { CertFacts } from '../x509/cert.js';
import type { Logger, Metrics } from './log.js';

/** The preprocessor writes `<name>.cache.bin` beside each CRL (DESIGN.md, "Object names"). */
export const BLOB_SUFFIX = '.cache.bin';

/** Without CRL_CACHE_KEYS, the prefix is listed again at most this often, on a revalidation round. */
export const DEFAULT_RELIST_SECONDS = 60;

export interface CacheOptions {
  store: ObjectStore;
  /** Fixed blob keys (CRL_CACHE_KEYS). Absent: every `*.cache.bin` under the prefix, re-listed. */
  keys?: readonly string[];
  revalidateSeconds: number;
  maxStaleSeconds: number;
  /** Seconds past a CRL's nextUpdate during which its index still answers. @default 0 */
  graceSeconds?: number;
  /** @default DEFAULT_RELIST_SECONDS */
  relistSeconds?: number;
  log: Logger;
  metrics: Metrics;
  /** How blob bytes become an index. @default RevocationIndex.fromBytes */
  load?: (blob: Uint8Array) => RevocationIndex;
}

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
 * Revalidation is a round over all keys (a conditional GET each), run on the request path when due:
 * `revalidateSeconds` 0 runs one per request, N at most one per N seconds, and concurrent requests share the
 * round in flight. Without fixed keys a round first re-lists the prefix when `relistSeconds` have passed since
 * the last listing, so a new CA's blob is picked up within max(revalidateSeconds, relistSeconds); a key that
 * disappears from the listing, or answers not-found, drops its index (its CRL was deleted: fail closed).
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
  private lastAttempt = -Infinity;
  private lastListed = -Infinity;
  private listedOnce: boolean;
  /** The store error of the last round, when no index was ever loaded (reported instead of not-covered). */
  private coldError?: Code;
  private everLoaded = false;
  private inflight?: Promise<void>;
  private inflightStartedAt = -Infinity;
  private queued?: Promise<void>;
  private readonly load: (blob: Uint8Array) => RevocationIndex;
  private readonly relistMs: number;
  private readonly revalidateMs: number;
  private readonly maxStaleMs: number;
  private readonly graceSeconds: number;
  /** Seconds since the store last confirmed the key the index came from. */
  private readonly ageOf = (held: HeldIndex, now: number): number | undefined => {
    const at = this.byIndex.get(held)?.validatedAt;
    return at === undefined ? undefined : Math.max(0, Math.round((now - at) / 1000));
  };

  constructor(private readonly opts: CacheOptions) {
    this.load = opts.load ?? ((b) => RevocationIndex.fromBytes(b));
    this.relistMs = (opts.relistSeconds ?? DEFAULT_RELIST_SECONDS) * 1000;
    this.revalidateMs = opts.revalidateSeconds * 1000;
    this.maxStaleMs = opts.maxStaleSeconds * 1000;
    this.graceSeconds = opts.graceSeconds ?? 0;
    this.listedOnce = opts.keys !== undefined;
    for (const key of opts.keys ?? []) this.entries.set(key, { key });
  }

  /**
   * A promise when a revalidation round is due or in flight (await it before deciding), undefined otherwise, so
   * the common warm path costs no promise. Never rejects: failures are logged and counted.
   */
  refresh(now: number): Promise<void> | undefined {
    if (this.inflight) {
      if (this.revalidateMs > 0 || this.inflightStartedAt >= now) return this.inflight;
      // At interval 0 a request must see a check that began after it arrived: a round already under way may have
      // read the store before a new blob landed. Queue one more round, shared by every request arriving meanwhile.
      return (this.queued ??= this.inflight.then(() => {
        this.queued = undefined;
        return this.startRound(now);
      }));
    }
    const due =
      this.revalidateMs === 0 || now - this.lastAttempt >= this.revalidateMs || (!this.everLoaded && this.coldError);
    if (!due) return undefined;
    return this.startRound(now);
  }

  private startRound(now: number): Promise<void> {
    this.lastAttempt = now;
    this.inflightStartedAt = now;
    const round = this.round(now).catch((e: unknown) => {
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

  private async round(now: number): Promise<void> {
    let failure: Code | undefined;
    if (!this.opts.keys && (!this.listedOnce || now - this.lastListed >= this.relistMs)) {
      failure = await this.relist(now);
    }
    const results = await Promise.all([...this.entries.values()].map((e) => this.revalidate(e, now)));
    failure ??= results.find((c) => c !== undefined);
    this.coldError = failure;
    this.rebuild();
  }

  private async relist(now: number): Promise<Code | undefined> {
    const { store, log } = this.opts;
    let keys: string[];
    try {
      keys = (await store.list()).filter((k) => k.endsWith(BLOB_SUFFIX));
    } catch (e) {
      log.warn('listing blobs failed', { store: store.url, code: codeOf(e), reason: messageOf(e) });
      return codeOf(e);
    }
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

  /** One conditional GET. Returns the store's error code when the store failed, undefined otherwise. */
  private async revalidate(entry: Entry, now: number): Promise<Code | undefined> {
    const { store, log, metrics } = this.opts;
    const started = performance.now();
    let got;
    try {
      const etag = entry.refusedEtag ?? entry.etag;
      got = await store.get(entry.key, etag !== undefined ? { ifNoneMatch: etag } : undefined);
    } catch (e) {
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
    if (got.status === 'not-modified') {
      if (entry.refusedEtag === undefined) entry.validatedAt = now;
      metrics.revalidation('not-modified');
      return undefined;
    }
    const fetched = performance.now();
    try {
      const index = this.load(got.body);
      const loaded = performance.now();
      const held = holdIndex(index, entry.key);
      if (entry.held) this.refuseRollback(entry.held, held);
      entry.index = index;
      entry.held = held;
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
        bytes: got.body.length,
        fetchMs: Math.round((fetched - started) * 10) / 10,
        loadMs: Math.round((loaded - fetched) * 10) / 10,
      });
    } catch (e) {
      // A refused blob is not a successful revalidation: the held index keeps answering only until the stale
      // bound. Damaged bytes (possibly in transit: a short body, a wrong Content-Length) are fetched again next
      // round; bytes refused for what they say are remembered so they are judged once.
      const code = codeOf(e);
      entry.refusedEtag = code === 'blob.malformed' || code === 'blob.checksum-mismatch' ? undefined : got.etag;
      metrics.revalidation('failed');
      log.warn('blob refused: keeping the index held', {
        key: entry.key,
        etag: got.etag,
        code: codeOf(e),
        reason: messageOf(e),
        keeping: entry.index?.meta.crlNumber ?? null,
      });
    }
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
  }
}
