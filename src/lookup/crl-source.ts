import type { SourceAnswer, SourceSummary } from '../sources/types.js';
import type { CertFacts } from '../x509/cert.js';
import type { RevocationIndex } from './index.js';
import { covers, indexInfo, supersedes, type IndexInfo } from './info.js';

/** An index together with the facts matching reads, computed once when it is loaded. */
export interface HeldIndex {
  readonly index: RevocationIndex;
  readonly info: IndexInfo;
  /** What logs, context and hooks see when this index answers (ageSeconds is added per answer). */
  readonly summary: SourceSummary;
}

export function holdIndex(index: RevocationIndex, id?: string): HeldIndex {
  const meta = index.meta;
  const summary: SourceSummary = Object.freeze({
    source: 'crl',
    ...(id !== undefined && { id }),
    issuer: meta.issuerText,
    ...(meta.crlNumber !== null && { crlNumber: meta.crlNumber }),
    thisUpdate: meta.thisUpdate,
    ...(meta.nextUpdate !== null && { nextUpdate: meta.nextUpdate }),
  });
  return Object.freeze({ index, info: indexInfo(meta), summary });
}

export interface CrlAnswerOptions {
  /** The decision time, ms since the epoch. */
  at: number;
  /** Seconds past a CRL's nextUpdate during which its index still answers. */
  graceSeconds?: number;
  /** Seconds since the store last confirmed this index, for its summary. */
  ageSeconds?: (held: HeldIndex, at: number) => number | undefined;
}

/**
 * The CRL source's answer from the indexes held. An index counts when it covers the certificate (issuer name, key
 * id, scope); among those of one issuer and scope only the one that supersedes the others counts, so a stale copy
 * can never un-revoke. Any counting index that lists the serial revokes; then any counting index outside its
 * validity window (nextUpdate plus grace, thisUpdate) makes the answer unknown; otherwise good.
 */
export function crlAnswer(cert: CertFacts, held: readonly HeldIndex[], opts: CrlAnswerOptions): SourceAnswer {
  const counting = countingIndexes(cert, held);
  if (counting.length === 0) {
    return {
      status: 'unknown',
      code: 'index.not-covered',
      reason: `no CRL covers certificates of issuer "${cert.issuerText}"`,
    };
  }
  for (const h of counting) {
    if (h.index.has(cert.serial)) {
      return { status: 'revoked', code: 'cert.revoked', reason: `serial ${cert.serialText} is revoked`, summary: summaryOf(h, opts) };
    }
  }
  const graceMs = (opts.graceSeconds ?? 0) * 1000;
  for (const h of counting) {
    const { info } = h;
    if (opts.at > info.nextUpdateMs + graceMs) {
      return {
        status: 'unknown',
        code: 'crl.expired',
        reason: `the CRL of "${info.issuerText}" expired at ${info.nextUpdate}`,
        summary: summaryOf(h, opts),
      };
    }
    if (opts.at < info.thisUpdateMs) {
      return {
        status: 'unknown',
        code: 'crl.not-yet-valid',
        reason: `the CRL of "${info.issuerText}" is valid only from ${info.thisUpdate}`,
        summary: summaryOf(h, opts),
      };
    }
  }
  return { status: 'good', code: 'cert.good', reason: 'not revoked', summary: summaryOf(counting[0]!, opts) };
}

/** The indexes that speak for the certificate: those that cover it, one per issuer and scope. */
export function countingIndexes(cert: CertFacts, held: readonly HeldIndex[]): HeldIndex[] {
  const counting: HeldIndex[] = [];
  for (const h of held) {
    if (!covers(h.info, cert)) continue;
    const rival = counting.findIndex((c) => c.info.group === h.info.group);
    if (rival === -1) counting.push(h);
    else if (supersedes(h.info, counting[rival]!.info)) counting[rival] = h;
  }
  return counting;
}

function summaryOf(h: HeldIndex, opts: CrlAnswerOptions): SourceSummary {
  const age = opts.ageSeconds?.(h, opts.at);
  return age === undefined ? h.summary : { ...h.summary, ageSeconds: age };
}
