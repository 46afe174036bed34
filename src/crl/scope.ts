import type { CertFacts } from '../x509/cert.js';

/** What part of its issuer's certificates a CRL speaks for (from its issuingDistributionPoint). */
export interface CrlScope {
  onlyUserCerts: boolean;
  onlyCaCerts: boolean;
  onlyAttributeCerts: boolean;
  /** dpName keys; empty = the whole CA */
  distributionPoints: string[];
}

export const WHOLE_CA: CrlScope = Object.freeze({
  onlyUserCerts: false,
  onlyCaCerts: false,
  onlyAttributeCerts: false,
  distributionPoints: Object.freeze([]) as unknown as string[],
});

/** ReasonFlags bits 1-8 (keyCompromise .. aACompromise; bit 0 is `unused`): every reason (RFC 5280 4.2.1.13). */
export const ALL_REASONS = 0x1fe;

/**
 * Whether a CRL of this scope, issued by the certificate's issuer, settles the certificate's status: RFC 5280 6.3.3
 * (b)(2) and the reasons mask of 6.3.3 (d). The issuer match is the caller's; delta, indirect and reason-partitioned
 * CRLs never get here (the policy refuses them), so the CRL itself covers every reason.
 *
 * Without cRLDistributionPoints a certificate has one implicit point named by its issuer, for every reason. With the
 * extension, the CRL must answer for points that together cover every reason: a point answers when it names no
 * other cRLIssuer (an indirect CRL would be that issuer's) and, if the CRL names distribution points, one of its names
 * is among them; a point with `reasons` answers only for those. A CRL whose distribution point is the issuer's own
 * name is the 6.3.3 fallback (all reasons), except for a certificate that sends some point to another cRLIssuer.
 */
export function covers(scope: CrlScope, cert: CertFacts): boolean {
  if (scope.onlyAttributeCerts) return false;
  if (scope.onlyUserCerts && cert.isCA) return false;
  if (scope.onlyCaCerts && !cert.isCA) return false;
  const named = scope.distributionPoints;
  const implicit = 'dn:' + cert.issuerKey;
  const points = cert.distributionPoints ?? (cert.crlDistributionPoints.length ? [{ names: cert.crlDistributionPoints }] : undefined);
  if (points === undefined) return named.length === 0 || named.includes(implicit);
  let reasons = 0;
  let elsewhere = false;
  for (const dp of points) {
    if (dp.crlIssuer && !dp.crlIssuer.includes(implicit)) {
      elsewhere = true;
      continue;
    }
    if (named.length > 0 && !dp.names.some((n) => named.includes(n))) continue;
    reasons |= dp.reasons ?? ALL_REASONS;
  }
  if (!elsewhere && named.includes(implicit)) reasons = ALL_REASONS;
  return (reasons & ALL_REASONS) === ALL_REASONS;
}

/** A stable string: two CRLs of one issuer with equal scopeKey compete (the highest CRL number wins). */
export function scopeKey(scope: CrlScope): string {
  return JSON.stringify([
    scope.onlyUserCerts,
    scope.onlyCaCerts,
    scope.onlyAttributeCerts,
    [...new Set(scope.distributionPoints)].sort(),
  ]);
}
