/**
 * How the CRL index and OCSP combine (OCSP_MODE, DESIGN.md "Environment"). Two rules hold in every mode:
 * `revoked` from any source consulted denies, and a source that cannot answer never allows. `verdictOf`
 * (src/lookup/decide.ts) combines the answers; this module says when OCSP is asked (src/ocsp/stage.ts).
 *
 * - `off`: OCSP is never asked.
 * - `fallback`: OCSP is asked only when no usable CRL answered (not covered, expired, stale, not yet valid).
 * - `prefer`: OCSP is asked for every certificate the CRL does not already revoke; its good or revoked decides,
 *   and when it cannot answer the CRL's answer stands.
 * - `require`: OCSP must answer good (and the CRL, where one covers the certificate, must not revoke it).
 */
import type { Code } from '../errors.js';

export const OCSP_MODES = ['off', 'fallback', 'prefer', 'require'] as const;
export type OcspMode = (typeof OCSP_MODES)[number];

/** The parts of a verdict the combination reads and writes. */
export interface Answer {
  status: 'good' | 'revoked' | 'unknown';
  code: Code;
  reason: string;
}

/** Whether OCSP must be asked, given the CRL's answer. A CRL's `revoked` is final in every mode: never asked. */
export function ocspNeeded(mode: OcspMode, crl: Answer): boolean {
  if (mode === 'off' || crl.status === 'revoked') return false;
  if (mode === 'fallback') return crl.status === 'unknown';
  return true;
}
