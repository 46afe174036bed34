import type { Code } from '../errors.js';
import type { CertFacts } from '../x509/cert.js';

/**
 * The revocation-source seam (DESIGN.md, "Revocation sources sit behind one seam"). A CRL index, OCSP and the
 * break-glass denylist each answer for one certificate; only the deciding module (`src/lookup/decide.ts`) turns
 * answers into a `Verdict`, and only it can produce `good`. A source's own `good` is a claim, not an Allow.
 */
export type SourceName = 'crl' | 'ocsp' | 'denylist';

/** Plain data about what answered: what logs, metrics, context values and hooks see (never a WASM-backed index). */
export interface SourceSummary {
  source: SourceName;
  /** What answered: a blob key, a responder URL, the denylist key. */
  id?: string;
  /** RFC 4514 text of the CRL issuer or the OCSP response's CA. */
  issuer?: string;
  /** Decimal CRL number (a delta pair: the delta's). */
  crlNumber?: string;
  /** ISO-8601 of the data's thisUpdate / nextUpdate (a CRL's, an OCSP response's). */
  thisUpdate?: string;
  nextUpdate?: string;
  /** Seconds since the store or responder last confirmed this data. */
  ageSeconds?: number;
  /** Free text a source adds: a denylist entry's reason, an OCSP cache hit. */
  detail?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * One source's answer for one certificate it was asked about.
 * - `good`: the source covers the certificate and does not list it.
 * - `revoked`: the source lists it; any `revoked` denies, whatever other sources say.
 * - `unknown`: the source cannot answer (not covered, stale, expired, unreachable); `code` says why.
 */
export interface SourceAnswer {
  status: 'good' | 'revoked' | 'unknown';
  code: Code;
  reason: string;
  summary?: SourceSummary;
}

export interface RevocationSource {
  readonly name: SourceName;
  /** Never throws for a problem of the source: a failure is an `unknown` answer with its code. */
  check(cert: CertFacts, at: Date): SourceAnswer | Promise<SourceAnswer>;
}
