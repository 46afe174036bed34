import {
  expectTlv,
  fail,
  namedBits,
  normalizeSerial,
  readBitString,
  readBoolean,
  readSmallInt,
  readRfc5280Time,
  readTlv,
  serialText,
  TAG,
  Tlv,
  toDer,
} from '../der/index.js';
import { MAX_EXTENSIONS, MAX_GENERAL_NAMES, overLimit } from '../limits.js';
import { distributionPointNameKeys } from './general-name.js';
import { nameKey, nameText } from './name.js';

/** What the revocation check needs from a certificate (internals.md "Certificate facts"). */
export interface CertFacts {
  der: Uint8Array;
  /** 1, 2 or 3 (the version field's value plus one) */
  version: 1 | 2 | 3;
  /** serial key: minimal two's complement content octets */
  serial: Uint8Array;
  serialText: string;
  issuerDer: Uint8Array;
  issuerKey: string;
  issuerText: string;
  subjectDer: Uint8Array;
  subjectKey: string;
  subjectText: string;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER */
  spki: Uint8Array;
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  /** bit i = KeyUsage bit i (digitalSignature = 0 ... cRLSign = 6); undefined = no extension */
  keyUsage?: number;
  /** basicConstraints cA */
  isCA: boolean;
  /** dpName keys of the CRL distribution points this certificate names (see src/crl/scope.ts) */
  crlDistributionPoints: string[];
}

const C = 'cert.malformed' as const;

/** KeyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/**
 * Certificate facts by one DER walk. DER, PEM (CRLF ok) or bare base64. Applies no policy and reads no clock;
 * throws `cert.malformed`.
 */
export function readCertificate(input: Uint8Array | string): CertFacts {
  const der = toDer(input, C, 'certificate');
  const outer = expectTlv(der, 0, der.length, TAG.SEQUENCE, new Tlv(), C, 'certificate');
  if (outer.end !== der.length) fail(C, 'certificate: data after the Certificate SEQUENCE');
  const tbs = expectTlv(der, outer.body, outer.end, TAG.SEQUENCE, new Tlv(), C, 'certificate: tbsCertificate');
  const sigAlg = expectTlv(der, tbs.end, outer.end, TAG.SEQUENCE, new Tlv(), C, 'certificate: signatureAlgorithm');
  const sig = expectTlv(der, sigAlg.end, outer.end, TAG.BIT_STRING, new Tlv(), C, 'certificate: signatureValue');
  if (sig.end !== outer.end) fail(C, 'certificate: data after signatureValue');

  const t = new Tlv();
  const end = tbs.end;
  readTlv(der, tbs.body, end, t, C, 'certificate: version');
  let version: 1 | 2 | 3 = 1;
  if (t.tag === 0xa0) {
    const v = expectTlv(der, t.body, t.end, TAG.INTEGER, new Tlv(), C, 'certificate: version');
    if (v.end !== t.end) fail(C, 'certificate: extra data in version');
    const n = readSmallInt(der, v, C, 'certificate: version');
    // version is DEFAULT v1: DER never writes v1 out (X.690 11.5)
    if (n !== 1 && n !== 2) fail(C, `certificate: version ${n} is not v2 or v3 (RFC 5280 4.1.2.1; v1 is never written)`);
    version = (n + 1) as 2 | 3;
    readTlv(der, t.end, end, t, C, 'certificate: serialNumber');
  }
  if (t.tag !== TAG.INTEGER) fail(C, 'certificate: serialNumber is not an INTEGER');
  const serial = normalizeSerial(der.subarray(t.body, t.end), C);
  expectTlv(der, t.end, end, TAG.SEQUENCE, t, C, 'certificate: signature');
  expectTlv(der, t.end, end, TAG.SEQUENCE, t, C, 'certificate: issuer');
  const issuerDer = der.subarray(t.start, t.end);
  const validity = expectTlv(der, t.end, end, TAG.SEQUENCE, new Tlv(), C, 'certificate: validity');
  readTlv(der, validity.body, validity.end, t, C, 'certificate: notBefore');
  const notBefore = readRfc5280Time(der, t, C, 'certificate: notBefore');
  readTlv(der, t.end, validity.end, t, C, 'certificate: notAfter');
  const notAfter = readRfc5280Time(der, t, C, 'certificate: notAfter');
  if (t.end !== validity.end) fail(C, 'certificate: extra data in validity');
  expectTlv(der, validity.end, end, TAG.SEQUENCE, t, C, 'certificate: subject');
  const subjectDer = der.subarray(t.start, t.end);
  expectTlv(der, t.end, end, TAG.SEQUENCE, t, C, 'certificate: subjectPublicKeyInfo');
  const spki = der.subarray(t.start, t.end);

  const facts: CertFacts = {
    der,
    version,
    serial,
    serialText: serialText(serial),
    issuerDer,
    issuerKey: nameKey(issuerDer, C),
    issuerText: nameText(issuerDer, C),
    subjectDer,
    subjectKey: nameKey(subjectDer, C),
    subjectText: nameText(subjectDer, C),
    notBefore,
    notAfter,
    spki,
    isCA: false,
    crlDistributionPoints: [],
  };

  for (let p = t.end; p < end; p = t.end) {
    const o = readTlv(der, p, end, t, C, 'certificate: optional field');
    if (o.tag === 0x81 || o.tag === 0x82) continue; // issuerUniqueID, subjectUniqueID
    if (o.tag !== 0xa3) fail(C, `certificate: unexpected field with tag 0x${o.tag.toString(16)}`);
    if (o.end !== end) fail(C, 'certificate: data after extensions');
    readExtensions(der, o, facts);
  }
  return facts;
}

function readExtensions(der: Uint8Array, wrapper: Tlv, facts: CertFacts): void {
  const list = expectTlv(der, wrapper.body, wrapper.end, TAG.SEQUENCE, new Tlv(), C, 'certificate: extensions');
  if (list.end !== wrapper.end) fail(C, 'certificate: data after extensions');
  const ext = new Tlv();
  const t = new Tlv();
  const seen = new Set<string>();
  for (let p = list.body; p < list.end; p = ext.end) {
    expectTlv(der, p, list.end, TAG.SEQUENCE, ext, C, 'certificate: extension');
    expectTlv(der, ext.body, ext.end, TAG.OID, t, C, 'certificate: extension id');
    const oid = der.subarray(t.body, t.end);
    const key = Buffer.from(oid).toString('hex');
    if (seen.size >= MAX_EXTENSIONS) overLimit(C, 'certificate extensions', `over ${MAX_EXTENSIONS}`, MAX_EXTENSIONS, 'extensions');
    if (seen.has(key)) fail(C, 'certificate: an extension appears twice (RFC 5280 4.2)');
    seen.add(key);
    readTlv(der, t.end, ext.end, t, C, 'certificate: extension');
    if (t.tag === TAG.BOOLEAN) {
      readBoolean(der, t, C, 'certificate: extension critical');
      readTlv(der, t.end, ext.end, t, C, 'certificate: extension value');
    }
    if (t.tag !== TAG.OCTET_STRING || t.end !== ext.end) fail(C, 'certificate: extension value is not an OCTET STRING');
    // id-ce arcs 2.5.29.x
    if (oid.length !== 3 || oid[0] !== 0x55 || oid[1] !== 0x1d) continue;
    const vs = t.body;
    const ve = t.end;
    switch (oid[2]) {
      case 0x0e: {
        const v = expectTlv(der, vs, ve, TAG.OCTET_STRING, new Tlv(), C, 'certificate: subjectKeyIdentifier');
        facts.subjectKeyId = der.subarray(v.body, v.end);
        break;
      }
      case 0x23: {
        const seq = expectTlv(der, vs, ve, TAG.SEQUENCE, new Tlv(), C, 'certificate: authorityKeyIdentifier');
        if (seq.body < seq.end) {
          const k = readTlv(der, seq.body, seq.end, new Tlv(), C, 'certificate: authorityKeyIdentifier');
          if (k.tag === 0x80) facts.authorityKeyId = der.subarray(k.body, k.end);
        }
        break;
      }
      case 0x0f: {
        const v = expectTlv(der, vs, ve, TAG.BIT_STRING, new Tlv(), C, 'certificate: keyUsage');
        facts.keyUsage = namedBits(readBitString(der, v, C, 'certificate: keyUsage').bytes);
        break;
      }
      case 0x13: {
        const seq = expectTlv(der, vs, ve, TAG.SEQUENCE, new Tlv(), C, 'certificate: basicConstraints');
        if (seq.body < seq.end) {
          const b = readTlv(der, seq.body, seq.end, new Tlv(), C, 'certificate: basicConstraints');
          if (b.tag === TAG.BOOLEAN) facts.isCA = readBoolean(der, b, C, 'certificate: basicConstraints cA');
        }
        break;
      }
      case 0x1f:
        facts.crlDistributionPoints = readDistributionPoints(der, vs, ve, facts.issuerDer);
        break;
    }
  }
}

function readDistributionPoints(der: Uint8Array, start: number, end: number, issuerDer: Uint8Array): string[] {
  const what = 'certificate: cRLDistributionPoints';
  const list = expectTlv(der, start, end, TAG.SEQUENCE, new Tlv(), C, what);
  const dp = new Tlv();
  const f = new Tlv();
  const keys: string[] = [];
  let points = 0;
  for (let p = list.body; p < list.end; p = dp.end) {
    expectTlv(der, p, list.end, TAG.SEQUENCE, dp, C, what);
    if (++points > MAX_GENERAL_NAMES) overLimit(C, what, `over ${MAX_GENERAL_NAMES}`, MAX_GENERAL_NAMES, 'points');
    let name: Tlv | undefined;
    let hasCrlIssuer = false;
    for (let q = dp.body; q < dp.end; q = f.end) {
      readTlv(der, q, dp.end, f, C, what);
      if (f.tag === 0xa0) name = readTlv(der, f.body, f.end, new Tlv(), C, what);
      else if (f.tag === 0xa2) hasCrlIssuer = true;
    }
    // A point with a cRLIssuer belongs to an indirect CRL, which this project does not consume.
    if (name && !hasCrlIssuer) {
      for (const k of distributionPointNameKeys(der, name, issuerDer, C)) keys.push(k);
      if (keys.length > MAX_GENERAL_NAMES) overLimit(C, what, `over ${MAX_GENERAL_NAMES}`, MAX_GENERAL_NAMES, 'names');
    }
  }
  return keys;
}
