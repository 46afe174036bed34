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

/**
 * Whether a CRL of this scope can answer for the certificate (RFC 5280 6.3.3 (b)(2)); the issuer match is the
 * caller's. A certificate's own distribution points count, and so does the implicit one RFC 5280 6.3.3 assumes
 * for every certificate: a point named by the certificate issuer.
 */
export function covers(scope: CrlScope, cert: CertFacts): boolean {
  if (scope.onlyAttributeCerts) return false;
  if (scope.onlyUserCerts && cert.isCA) return false;
  if (scope.onlyCaCerts && !cert.isCA) return false;
  if (scope.distributionPoints.length === 0) return true;
  const implicit = 'dn:' + cert.issuerKey;
  return scope.distributionPoints.some((dp) => dp === implicit || cert.crlDistributionPoints.includes(dp));
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
