/**
 * Authority information access and extended key usage extension values (RFC 5280 4.2.2.1, 4.2.1.12), for
 * certificates that name an OCSP responder and for delegated OCSP responder certificates.
 */
import { ia5String, implicit, oid, sequence } from './der.js';
import { EXT, type ExtensionSpec } from './extensions.js';

export const AD = { ocsp: '1.3.6.1.5.5.7.48.1', caIssuers: '1.3.6.1.5.5.7.48.2' } as const;
export const KP = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2', ocspSigning: '1.3.6.1.5.5.7.3.9' } as const;

/** AuthorityInfoAccessSyntax with URI access locations. */
export function authorityInfoAccessValue(opts: { ocsp?: readonly string[]; caIssuers?: readonly string[] }): Uint8Array {
  const ad = (method: string, uri: string) => sequence(oid(method), implicit(6, ia5String(uri)));
  return sequence(...(opts.ocsp ?? []).map((u) => ad(AD.ocsp, u)), ...(opts.caIssuers ?? []).map((u) => ad(AD.caIssuers, u)));
}

/** An AIA extension naming OCSP responders, for `CertificateOptions.extensions`. */
export function ocspAia(...urls: string[]): ExtensionSpec {
  return { oid: EXT.authorityInfoAccess, value: authorityInfoAccessValue({ ocsp: urls }) };
}

/** An extendedKeyUsage extension with the given purposes (dotted OIDs). */
export function extendedKeyUsage(purposes: readonly string[], critical = false): ExtensionSpec {
  return { oid: '2.5.29.37', critical, value: sequence(...purposes.map((p) => oid(p))) };
}
