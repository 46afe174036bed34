import type { Code } from '../errors.js';
import { expectTlv, fail, isMinimalInteger, readNamedBits, readTlv, TAG, Tlv } from '../der/index.js';
import { MAX_GENERAL_NAMES, overLimit } from '../limits.js';
import { distributionPointNameKeys, generalNamesKeys } from './general-name.js';

/** One DistributionPoint of a certificate's cRLDistributionPoints (RFC 5280 4.2.1.13). */
export interface CertDistributionPoint {
  /** dpName keys of distributionPoint (empty when absent) */
  names: string[];
  /** ReasonFlags bits (bit i = `1 << i`) when the point covers only some reasons */
  reasons?: number;
  /** GeneralName keys of cRLIssuer: the point's CRL comes from that issuer, not the certificate's */
  crlIssuer?: string[];
}

/**
 * AuthorityKeyIdentifier fields in order, each at most once: [0] keyIdentifier, [1] authorityCertIssuer,
 * [2] authorityCertSerialNumber; issuer and serial come together or not at all (RFC 5280 4.2.1.1). Returns the
 * key identifier.
 */
export function readAkiFields(der: Uint8Array, seq: Tlv, code: Code, what: string): Uint8Array | undefined {
  const f = new Tlv();
  let last = -1;
  let keyId: Uint8Array | undefined;
  let issuerAndSerial = 0;
  for (let p = seq.body; p < seq.end; p = f.end) {
    readTlv(der, p, seq.end, f, code, what);
    const n = f.tag === 0x80 ? 0 : f.tag === 0xa1 ? 1 : f.tag === 0x82 ? 2 : -1;
    if (n < 0 || n <= last) fail(code, `${what}: unexpected field 0x${f.tag.toString(16)}`);
    last = n;
    if (n === 0) keyId = der.subarray(f.body, f.end);
    else {
      issuerAndSerial++;
      if (n === 1 && f.body === f.end) fail(code, `${what}: authorityCertIssuer is an empty GeneralNames`);
      if (n === 2 && !isMinimalInteger(der, f.body, f.end)) fail(code, `${what}: authorityCertSerialNumber is not a minimal INTEGER`);
    }
  }
  if (issuerAndSerial === 1) fail(code, `${what}: authorityCertIssuer and authorityCertSerialNumber must come together`);
  return keyId;
}

/**
 * CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint { [0] distributionPoint, [1] reasons,
 * [2] cRLIssuer }: fields in order, at most once each, never only `reasons` (RFC 5280 4.2.1.13), names non-empty.
 */
export function readDistributionPoints(der: Uint8Array, list: Tlv, issuerDer: Uint8Array, code: Code): CertDistributionPoint[] {
  const what = 'cRLDistributionPoints';
  if (list.body === list.end) fail(code, `${what}: empty, but SIZE (1..MAX) (RFC 5280 4.2.1.13)`);
  const dp = new Tlv();
  const f = new Tlv();
  const out: CertDistributionPoint[] = [];
  let names = 0;
  for (let p = list.body; p < list.end; p = dp.end) {
    expectTlv(der, p, list.end, TAG.SEQUENCE, dp, code, what);
    if (out.length >= MAX_GENERAL_NAMES) overLimit(code, what, `over ${MAX_GENERAL_NAMES}`, MAX_GENERAL_NAMES, 'points');
    const point: CertDistributionPoint = { names: [] };
    let last = -1;
    for (let q = dp.body; q < dp.end; q = f.end) {
      readTlv(der, q, dp.end, f, code, what);
      const n = f.tag === 0xa0 ? 0 : f.tag === 0x81 ? 1 : f.tag === 0xa2 ? 2 : -1;
      if (n < 0 || n <= last) fail(code, `${what}: unexpected field 0x${f.tag.toString(16)} in a DistributionPoint`);
      last = n;
      if (n === 0) {
        const name = readTlv(der, f.body, f.end, new Tlv(), code, what);
        if (name.end !== f.end) fail(code, `${what}: extra data in distributionPoint`);
        if (name.tag === 0xa0 && name.body === name.end) fail(code, `${what}: fullName is an empty GeneralNames (RFC 5280 4.2.1.6)`);
        point.names = distributionPointNameKeys(der, name, issuerDer, code);
      } else if (n === 1) {
        point.reasons = readNamedBits(der, f, code, `${what} reasons`);
      } else {
        if (f.body === f.end) fail(code, `${what}: cRLIssuer is an empty GeneralNames (RFC 5280 4.2.1.6)`);
        point.crlIssuer = generalNamesKeys(der, f.body, f.end, code);
      }
    }
    // "a DistributionPoint MUST NOT consist of only the reasons field; either distributionPoint or cRLIssuer MUST be present"
    if (last < 0 || (point.names.length === 0 && !point.crlIssuer)) {
      fail(code, `${what}: a DistributionPoint with neither distributionPoint nor cRLIssuer (RFC 5280 4.2.1.13)`);
    }
    names += point.names.length;
    if (names > MAX_GENERAL_NAMES) overLimit(code, what, `over ${MAX_GENERAL_NAMES}`, MAX_GENERAL_NAMES, 'names');
    out.push(point);
  }
  return out;
}
