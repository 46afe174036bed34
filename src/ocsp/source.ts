/**
 * OCSP as a revocation source (src/sources/types.ts): finds the certificate's CA among the configured CA
 * certificates, answers from the cache when it can (synchronously: no promise on a hit), otherwise asks the
 * responder once for all concurrent callers, and remembers a failed responder for a short back-off.
 */
import { bytesEqual } from '../der/index.js';
import { codeOf, messageOf, type Code } from '../errors.js';
import type { RevocationSource, SourceAnswer, SourceSummary } from '../sources/types.js';
import type { CertFacts } from '../x509/cert.js';
import { OcspCache, DEFAULT_OCSP_CACHE_BYTES, DEFAULT_OCSP_CACHE_ENTRIES } from './cache.js';
import { ocspUrls } from './cert-extensions.js';
import { exchange } from './http.js';
import { certIdOf, issuerHashes, requestDer, type IssuerHashes } from './request.js';
import { OCSP_CLOCK_SKEW_MS, verifyResponse } from './response.js';

export const DEFAULT_OCSP_TIMEOUT_MS = 1000;
/** How long a responder that failed is not asked again: short, so an outage costs one timeout per few seconds. */
export const DEFAULT_OCSP_BACKOFF_MS = 5000;

export interface OcspSourceOptions {
  /** The CA certificates whose certificates this source may answer for (a CertID needs the CA's key). */
  issuers: readonly CertFacts[];
  /** OCSP_URL: ask this responder instead of the one in the certificate's authority information access. */
  responderUrl?: string;
  /** OCSP_TIMEOUT_MS. @default 1000 */
  timeoutMs?: number;
  /** Seconds past nextUpdate a response still counts (CRL_NEXT_UPDATE_GRACE_SECONDS). @default 0 */
  graceSeconds?: number;
  /** @default 5000 */
  backoffMs?: number;
  /** @default 10000 */
  cacheEntries?: number;
  /** @default 8 MiB */
  cacheBytes?: number;
}

/** Counters for metrics; they only grow. */
export interface OcspStats {
  hits: number;
  misses: number;
  /** Requests sent to a responder. */
  requests: number;
  /** Requests that ended in a failure (transport, responder status, verification). */
  failures: number;
  /** Misses answered without asking: the responder was in its back-off. */
  backedOff: number;
}

interface Issuer {
  facts: CertFacts;
  hashes: IssuerHashes;
}

interface Failure {
  untilMs: number;
  code: Code;
  reason: string;
}

export class OcspSource implements RevocationSource {
  readonly name = 'ocsp' as const;
  readonly stats: OcspStats = { hits: 0, misses: 0, requests: 0, failures: 0, backedOff: 0 };
  /** Latency in ms of the last request sent (for the metric). */
  lastLatencyMs: number | undefined;
  private readonly issuers = new Map<string, Issuer[]>();
  private readonly cache: OcspCache;
  private readonly inflight = new Map<string, Promise<SourceAnswer>>();
  private readonly failed = new Map<string, Failure>();
  private readonly timeoutMs: number;
  private readonly backoffMs: number;

  constructor(private readonly options: OcspSourceOptions) {
    for (const facts of options.issuers) {
      const list = this.issuers.get(facts.subjectKey) ?? [];
      list.push({ facts, hashes: issuerHashes(facts) });
      this.issuers.set(facts.subjectKey, list);
    }
    this.cache = new OcspCache(options.cacheEntries ?? DEFAULT_OCSP_CACHE_ENTRIES, options.cacheBytes ?? DEFAULT_OCSP_CACHE_BYTES);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS;
    this.backoffMs = options.backoffMs ?? DEFAULT_OCSP_BACKOFF_MS;
  }

  get cacheSize(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cache.bytes };
  }

  check(cert: CertFacts, at: Date): SourceAnswer | Promise<SourceAnswer> {
    const issuer = this.issuerOf(cert);
    if (!issuer) {
      return unknown('ocsp.no-responder', `no CA certificate for issuer "${cert.issuerText}" is configured for OCSP`);
    }
    const key = issuer.hashes.keyHashHex + ':' + cert.serialText;
    const atMs = at.getTime();
    const hit = this.cache.get(key, atMs);
    if (hit) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const pending = this.inflight.get(key);
    if (pending) return pending;

    let url: string | undefined;
    try {
      url = this.options.responderUrl ?? ocspUrls(cert.der)[0];
    } catch (e) {
      return unknown(codeOf(e), messageOf(e));
    }
    if (!url) {
      return unknown('ocsp.no-responder', 'the certificate names no OCSP responder (authority information access) and OCSP_URL is unset');
    }
    const failure = this.failed.get(url);
    if (failure && atMs < failure.untilMs) {
      this.stats.backedOff++;
      return unknown(failure.code, `${failure.reason} (not asked again until ${new Date(failure.untilMs).toISOString()})`, url);
    }
    const p = this.ask(cert, issuer, url, key, at).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private issuerOf(cert: CertFacts): Issuer | undefined {
    const list = this.issuers.get(cert.issuerKey);
    if (!list) return undefined;
    const aki = cert.authorityKeyId;
    if (aki === undefined) return list[0];
    return list.find((i) => i.facts.subjectKeyId === undefined || bytesEqual(i.facts.subjectKeyId, aki));
  }

  private async ask(cert: CertFacts, issuer: Issuer, url: string, key: string, at: Date): Promise<SourceAnswer> {
    const certId = certIdOf(cert, issuer.hashes);
    const started = performance.now();
    this.stats.requests++;
    try {
      const res = await exchange(url, requestDer(certId), this.timeoutMs);
      const r = verifyResponse(res.body, {
        certId,
        issuer: issuer.facts,
        at,
        graceSeconds: this.options.graceSeconds ?? 0,
      });
      this.failed.delete(url);
      const summary: SourceSummary = {
        source: 'ocsp',
        id: url,
        issuer: issuer.facts.subjectText,
        thisUpdate: r.thisUpdate.toISOString(),
        nextUpdate: r.nextUpdate.toISOString(),
      };
      const latencyMs = performance.now() - started;
      this.lastLatencyMs = latencyMs;
      const answer: SourceAnswer = {
        status: r.status,
        code: r.code,
        reason: r.reason,
        summary: { ...summary, detail: { cache: 'miss', method: res.method, latencyMs: Math.round(latencyMs * 1000) / 1000 } },
      };
      this.cache.set(key, {
        answer: { status: r.status, code: r.code, reason: r.reason, summary: { ...summary, detail: { cache: 'hit' } } },
        thisUpdateMs: r.thisUpdate.getTime() - OCSP_CLOCK_SKEW_MS,
        nextUpdateMs: r.nextUpdate.getTime(),
      });
      return answer;
    } catch (e) {
      this.stats.failures++;
      this.lastLatencyMs = performance.now() - started;
      const code = codeOf(e);
      const reason = messageOf(e);
      this.failed.set(url, { untilMs: at.getTime() + this.backoffMs, code, reason });
      return unknown(code, reason, url);
    }
  }
}

function unknown(code: Code, reason: string, url?: string): SourceAnswer {
  return { status: 'unknown', code, reason, ...(url && { summary: { source: 'ocsp', id: url } }) };
}
