/**
 * Stable, machine-readable outcome and error codes (DESIGN.md, "Error codes"). Never rename one: logs, metrics,
 * dashboards and API Gateway responses carry them.
 */
export const CODES = [
  'cert.good',
  'cert.revoked',
  'cert.missing',
  'cert.malformed',
  'cert.too-large',
  'crl.malformed',
  'crl.too-large',
  'crl.unsupported-algorithm',
  'crl.algorithm-mismatch',
  'crl.signature-invalid',
  'crl.issuer-mismatch',
  'crl.key-id-mismatch',
  'crl.issuer-not-crl-signer',
  'crl.not-yet-valid',
  'crl.expired',
  'crl.no-next-update',
  'crl.unsupported-critical-extension',
  'crl.delta-unsupported',
  'crl.indirect-unsupported',
  'crl.reasons-partition-unsupported',
  'crl.rollback',
  'crl.ca-missing',
  'crl.accepted',
  'blob.malformed',
  'blob.checksum-mismatch',
  'blob.unsupported-version',
  'index.not-covered',
  'index.stale',
  'store.unavailable',
  'store.timeout',
  'store.not-found',
  'hook.denied',
  'denylist.matched',
  'denylist.malformed',
  'ocsp.unavailable',
  'ocsp.timeout',
  'ocsp.malformed',
  'ocsp.responder-error',
  'ocsp.signature-invalid',
  'ocsp.unauthorized-signer',
  'ocsp.cert-id-mismatch',
  'ocsp.not-yet-valid',
  'ocsp.stale',
  'ocsp.unknown',
  'ocsp.no-responder',
  'crl.delta-no-base',
  'crl.delta-base-mismatch',
  'crl.delta-missing',
  'fetch.http-status',
  'fetch.timeout',
  'fetch.too-large',
  'fetch.redirect',
  'fetch.unsupported-scheme',
  'fetch.unavailable',
  'store.precondition-failed',
  'store.throttled',
  'event.malformed',
  'usage',
  'internal',
] as const;

export type Code = (typeof CODES)[number];

/** The one channel for rejections: every refusal is thrown as this, with a stable code and a human sentence. */
export class CrlAuthorizerError extends Error {
  override readonly name = 'CrlAuthorizerError';
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isCoded(e: unknown): e is CrlAuthorizerError {
  return e instanceof CrlAuthorizerError;
}

/** The code of any thrown value: its own where it has one, `internal` otherwise. */
export function codeOf(e: unknown): Code {
  return isCoded(e) ? e.code : 'internal';
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
