import type { CaseResult, Defect, Report, Verdict } from './harness.js';

type Pair = { ours: Verdict; openssl: Verdict };
const LAX: Pair[] = [
  { ours: 'unknown', openssl: 'good' },
  { ours: 'unknown', openssl: 'revoked' },
];

/**
 * The disagreements with OpenSSL that docs/conformance.md ("Differential") explains: defect class -> the clause
 * that decides it and the pairs of answers (ours, OpenSSL) allowed. `LAX` means OpenSSL uses a CRL (or a signer)
 * the clause says must not be used, where this project answers unknown. Anything else is a finding: a test here
 * with its clause, or a bug fixed. `none` (conforming cases) has no entry: there both must agree exactly.
 */
export const EXPLAINED: Partial<Record<Defect, { clause: string; pairs: Pair[] }>> = {
  'critical-false': { clause: 'X.690 11.5', pairs: LAX },
  'crl-duplicate-extension': { clause: 'RFC 5280 4.2, 5.2', pairs: LAX },
  'crl-number-negative': { clause: 'RFC 5280 5.2.3', pairs: LAX },
  'crl-number-non-minimal': { clause: 'X.690 8.3.2', pairs: LAX },
  'crl-number-too-big': { clause: 'RFC 5280 5.2.3', pairs: LAX },
  'crl-number-critical': { clause: 'RFC 5280 5.2.3', pairs: LAX },
  delta: { clause: 'RFC 5280 5.2.4', pairs: LAX },
  'delta-non-critical': { clause: 'RFC 5280 5.2.4', pairs: LAX },
  'entry-duplicate-reason': { clause: 'RFC 5280 5.3', pairs: LAX },
  'generalized-before-2050': { clause: 'RFC 5280 4.1.2.5, 5.1.2.4', pairs: LAX },
  fraction: { clause: 'RFC 5280 4.1.2.5.2', pairs: LAX },
  'no-seconds': { clause: 'RFC 5280 4.1.2.5.1', pairs: LAX },
  'idp-empty': { clause: 'RFC 5280 5.2.5', pairs: LAX },
  'idp-empty-full-name': { clause: 'RFC 5280 5.2.5, 4.2.1.6', pairs: LAX },
  'idp-false-flag': { clause: 'X.690 11.5', pairs: LAX },
  'invalidity-date-utc': { clause: 'RFC 5280 5.3.2', pairs: LAX },
  'reason-7': { clause: 'RFC 5280 5.3.1', pairs: LAX },
  'reason-non-minimal': { clause: 'X.690 8.3.2', pairs: LAX },
  'revocation-date-generalized': { clause: 'RFC 5280 5.1.2.6, 4.1.2.5', pairs: LAX },
  'v1-entry-extension': { clause: 'RFC 5280 5.1.2.1', pairs: LAX },
  'version-non-minimal': { clause: 'X.690 8.3.2', pairs: LAX },
  'no-next-update': { clause: 'RFC 5280 5.1.2.5', pairs: LAX },
  'ca-not-ca': { clause: 'RFC 5280 6.3.3 (f), 4.2.1.9', pairs: LAX },
  'ca-expired': { clause: 'RFC 5280 6.3.3 (f)', pairs: LAX },
  'ca-no-crl-sign': { clause: 'RFC 5280 4.2.1.3, 6.3.3 (f)', pairs: LAX },
  'ca-key-usage-padding': { clause: 'X.690 11.2.1', pairs: LAX },
  'leaf-dp-crl-issuer': { clause: 'RFC 5280 6.3.3 (b)(1), 4.2.1.13', pairs: LAX },
  'leaf-dp-reasons': { clause: 'RFC 5280 6.3.3 (d), 4.2.1.13', pairs: LAX },
  'certificate-issuer-entry': { clause: 'RFC 5280 5.3.3', pairs: LAX },
  'empty-entry-extensions': { clause: 'RFC 5280 4.1 (SIZE (1..MAX)); read as none here', pairs: [] },
  'serial-non-minimal': { clause: 'X.690 8.3.2; serials normalised here', pairs: [{ ours: 'revoked', openssl: 'unknown' }, { ours: 'good', openssl: 'unknown' }] },
};

export function unexplained(report: Report): CaseResult[] {
  return report.results.filter(
    (r) => r.ours !== r.openssl && !(EXPLAINED[r.defect]?.pairs ?? []).some((e) => e.ours === r.ours && e.openssl === r.openssl),
  );
}
