import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * A full pkijs parse and verification of a CRL, the general-purpose way: one object tree for the whole CRL, every
 * entry an object. asn1js's resource limits (10,000 nodes, 16 MB) would refuse any large CRL, so they are raised
 * to what the input needs.
 */
export async function pkijsVerify(crlDer: Uint8Array, caDer: Uint8Array): Promise<{ entries: number; verified: boolean }> {
  const limits = { maxNodes: Number.MAX_SAFE_INTEGER, maxContentLength: Number.MAX_SAFE_INTEGER };
  const crlAsn = asn1js.fromBER(crlDer, limits);
  if (crlAsn.offset === -1) throw new Error(`pkijs: CRL does not parse: ${crlAsn.result.error}`);
  const crl = new pkijs.CertificateRevocationList({ schema: crlAsn.result });
  const caAsn = asn1js.fromBER(caDer, limits);
  if (caAsn.offset === -1) throw new Error(`pkijs: CA certificate does not parse: ${caAsn.result.error}`);
  const ca = new pkijs.Certificate({ schema: caAsn.result });
  const verified = await crl.verify({ issuerCertificate: ca });
  return { entries: crl.revokedCertificates?.length ?? 0, verified };
}
