/**
 * The two certificate extensions OCSP needs and `src/x509` does not read: authority information access (where the
 * responder is) and extended key usage (whether a delegated responder may sign). A separate walk over the
 * certificate DER, off the request path's hot part: it runs only when a response is fetched.
 */
import { bytesEqual, expectTlv, readBoolean, readTlv, TAG, Tlv } from '../der/index.js';
import type { Code } from '../errors.js';

const C: Code = 'cert.malformed';

/** 1.3.6.1.5.5.7.1.1 id-pe-authorityInfoAccess */
const AIA = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01);
/** 2.5.29.37 id-ce-extKeyUsage */
const EKU = Uint8Array.of(0x55, 0x1d, 0x25);
/** 1.3.6.1.5.5.7.48.1 id-ad-ocsp */
const AD_OCSP = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01);
/** 1.3.6.1.5.5.7.3.9 id-kp-OCSPSigning */
export const KP_OCSP_SIGNING = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09);

/** The extnValue content of the extension `oid` (its DER octets), or undefined when the certificate has none. */
export function extensionValue(cert: Uint8Array, oid: Uint8Array): Uint8Array | undefined {
  const outer = expectTlv(cert, 0, cert.length, TAG.SEQUENCE, new Tlv(), C, 'certificate');
  const tbs = expectTlv(cert, outer.body, outer.end, TAG.SEQUENCE, new Tlv(), C, 'certificate: tbsCertificate');
  const t = new Tlv();
  for (let p = tbs.body; p < tbs.end; p = t.end) {
    readTlv(cert, p, tbs.end, t, C, 'certificate: field');
    if (t.tag === 0xa3) return inExtensions(cert, t, oid);
  }
  return undefined;
}

function inExtensions(cert: Uint8Array, wrapper: Tlv, oid: Uint8Array): Uint8Array | undefined {
  const list = expectTlv(cert, wrapper.body, wrapper.end, TAG.SEQUENCE, new Tlv(), C, 'certificate: extensions');
  const ext = new Tlv();
  const t = new Tlv();
  for (let p = list.body; p < list.end; p = ext.end) {
    expectTlv(cert, p, list.end, TAG.SEQUENCE, ext, C, 'certificate: extension');
    expectTlv(cert, ext.body, ext.end, TAG.OID, t, C, 'certificate: extension id');
    const match = bytesEqual(cert.subarray(t.body, t.end), oid);
    readTlv(cert, t.end, ext.end, t, C, 'certificate: extension');
    if (t.tag === TAG.BOOLEAN) {
      readBoolean(cert, t, C, 'certificate: extension critical');
      readTlv(cert, t.end, ext.end, t, C, 'certificate: extension value');
    }
    if (t.tag !== TAG.OCTET_STRING) return undefined;
    if (match) return cert.subarray(t.body, t.end);
  }
  return undefined;
}

/** The http(s) URIs of the certificate's id-ad-ocsp access descriptions (RFC 5280 4.2.2.1), in order. */
export function ocspUrls(cert: Uint8Array): string[] {
  const v = extensionValue(cert, AIA);
  if (!v) return [];
  const what = 'certificate: authorityInfoAccess';
  const seq = expectTlv(v, 0, v.length, TAG.SEQUENCE, new Tlv(), C, what);
  const ad = new Tlv();
  const t = new Tlv();
  const urls: string[] = [];
  for (let p = seq.body; p < seq.end; p = ad.end) {
    expectTlv(v, p, seq.end, TAG.SEQUENCE, ad, C, what);
    expectTlv(v, ad.body, ad.end, TAG.OID, t, C, what);
    const isOcsp = bytesEqual(v.subarray(t.body, t.end), AD_OCSP);
    readTlv(v, t.end, ad.end, t, C, what);
    // accessLocation uniformResourceIdentifier [6] IMPLICIT IA5String
    if (!isOcsp || t.tag !== 0x86) continue;
    const uri = Buffer.from(v.subarray(t.body, t.end)).toString('latin1');
    if (/^https?:\/\//i.test(uri)) urls.push(uri);
  }
  return urls;
}

/** Whether the certificate's extendedKeyUsage lists `purpose` (absent extension: false, as RFC 6960 4.2.2.2 needs). */
export function hasExtendedKeyUsage(cert: Uint8Array, purpose: Uint8Array): boolean {
  const v = extensionValue(cert, EKU);
  if (!v) return false;
  const seq = expectTlv(v, 0, v.length, TAG.SEQUENCE, new Tlv(), C, 'certificate: extKeyUsage');
  const t = new Tlv();
  for (let p = seq.body; p < seq.end; p = t.end) {
    expectTlv(v, p, seq.end, TAG.OID, t, C, 'certificate: extKeyUsage');
    if (bytesEqual(v.subarray(t.body, t.end), purpose)) return true;
  }
  return false;
}
