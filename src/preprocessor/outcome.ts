import type { Code } from '../errors.js';

/** What happened to one record; the preprocessor returns them as values (a rejection is one, not a throw). */
export type RecordOutcome =
  | { key: string; action: 'written'; blobKey: string; crlNumber: string | null; revoked: number; note?: string }
  | { key: string; action: 'unchanged'; blobKey: string; crlNumber: string | null }
  | { key: string; action: 'deleted'; blobKey: string }
  | { key: string; action: 'skipped'; reason: string }
  | { key: string; action: 'rejected'; code: Code; message: string };

/**
 * `<name>.outcome.json` (DESIGN.md "Outcomes"; docs/internals.md "Outcomes" gives the shape): the last outcome
 * for one CRL, so `status` can show a rejected upload while the previous blob keeps answering.
 */
export interface OutcomeRecord {
  /** The CRL's key, relative to the prefix. */
  crl: string;
  outcome: 'accepted' | 'rejected';
  code: Code;
  reason: string;
  /** The ETag of the blob that answers for this CRL now (accepted only). */
  blobEtag?: string;
  /** The accepted CRL's number, decimal. */
  crlNumber?: string;
  /** ISO-8601: when the preprocessor judged it (its clock). */
  at: string;
}

/** The record for an outcome worth keeping (accepted or rejected), undefined for the others. */
export function outcomeRecord(o: RecordOutcome, at: Date, blobEtag?: string): OutcomeRecord | undefined {
  switch (o.action) {
    case 'written':
    case 'unchanged':
      return {
        crl: o.key,
        outcome: 'accepted',
        code: 'crl.accepted',
        reason: o.action === 'written' ? (o.note ?? 'blob written') : 'the same CRL again: blob unchanged',
        ...(blobEtag !== undefined && { blobEtag }),
        ...(o.crlNumber !== null && { crlNumber: o.crlNumber }),
        at: at.toISOString(),
      };
    case 'rejected':
      return { crl: o.key, outcome: 'rejected', code: o.code, reason: o.message, at: at.toISOString() };
    default:
      return undefined;
  }
}
