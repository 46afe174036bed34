/**
 * How the CRL index and OCSP combine (OCSP_MODE, DESIGN.md "Environment"). Two rules hold in every mode:
 * `revoked` from any source consulted denies, and a source that cannot answer never allows.
 *
 * - `off`: OCSP is never asked.
 * - `fallback`: OCSP is asked only when no usable CRL answered (not covered, expired, stale, not yet valid).
 * - `prefer`: OCSP is asked for every certificate the CRL does not already revoke; its good or revoked decides,
 *   and when it cannot answer the CRL's answer stands.
 * - `require`: OCSP must answer good (and the CRL, where one covers the certificate, must not revoke it).
 */
import type { Code } from '../errors.js';
import type { SourceAnswer, SourceName } from '../sources/types.js';

export const OCSP_MODES = ['off', 'fallback', 'prefer', 'require'] as const;
export type OcspMode = (typeof OCSP_MODES)[number];

/** The parts of a verdict the combination reads and writes. */
export interface Answer {
  status: 'good' | 'revoked' | 'unknown';
  code: Code;
  reason: string;
}

export interface Combined extends Answer {
  /** Which source decided: the one whose answer the decision follows. */
  source: SourceName;
}

/** Whether OCSP must be asked, given the CRL's answer. A CRL's `revoked` is final in every mode: never asked. */
export function ocspNeeded(mode: OcspMode, crl: Answer): boolean {
  if (mode === 'off' || crl.status === 'revoked') return false;
  if (mode === 'fallback') return crl.status === 'unknown';
  return true;
}

/** The decision from the CRL's answer and, where `ocspNeeded` said so, OCSP's. */
export function combine(mode: OcspMode, crl: Answer, ocsp: SourceAnswer | undefined): Combined {
  if (!ocsp || !ocspNeeded(mode, crl)) return { ...pick(crl), source: 'crl' };
  if (ocsp.status === 'revoked') return { ...pick(ocsp), source: 'ocsp' };
  switch (mode) {
    case 'fallback':
      // The CRL could not answer, so OCSP's answer is the only one; when OCSP cannot either, say both reasons.
      return ocsp.status === 'good' ? { ...pick(ocsp), source: 'ocsp' } : both(ocsp, crl);
    case 'prefer':
      if (ocsp.status === 'good') return { ...pick(ocsp), source: 'ocsp' };
      return crl.status === 'good' ? { ...pick(crl), source: 'crl' } : both(ocsp, crl);
    default:
      // require: OCSP's answer decides (only its good allows); the CRL has not revoked (ocspNeeded), and a CRL
      // that cannot answer does not block.
      return { ...pick(ocsp), source: 'ocsp' };
  }
}

function pick(a: Answer): Answer {
  return { status: a.status, code: a.code, reason: a.reason };
}

function both(ocsp: Answer, crl: Answer): Combined {
  return { status: 'unknown', code: ocsp.code, reason: `${ocsp.reason}; CRL: ${crl.reason}`, source: 'ocsp' };
}
