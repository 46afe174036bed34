import {
  expectTlv,
  fail,
  normalizeSerial,
  hexOf,
  idCeArc,
  isMinimalOid,
  readBoolean,
  readExtensionList,
  readNamedBits,
  readSmallInt,
  valueTlv,
  readRfc5280Time,
  readTlv,
  serialText,
  TAG,
  Tlv,
  toDer,
} from '../der/index.js';
import { readAkiFields, readDistributionPoints, type CertDistributionPoint } from './extensions.js';
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
  /** dpName keys of the CRL distribution points without a cRLIssuer this certificate names (see src/crl/scope.ts) */
  crlDistributionPoints: string[];
  /** every DistributionPoint of cRLDistributionPoints, as read (RFC 5280 4.2.1.13); absent without the extension */
  distributionPoints?: CertDistributionPoint[];
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
    if (o.tag === 0x81 || o.tag === 0x82) {
      // issuerUniqueID, subjectUniqueID: "MUST only appear if the version is 2 or 3" (RFC 5280 4.1.2.8)
      if (version === 1) fail(C, 'certificate: a unique identifier in a v1 certificate (RFC 5280 4.1.2.8)');
      continue;
    }
    if (o.tag !== 0xa3) fail(C, `certificate: unexpected field with tag 0x${o.tag.toString(16)}`);
    if (o.end !== end) fail(C, 'certificate: data after extensions');
    readExtensions(der, o, facts);
  }
  return facts;
}

function readExtensions(der: Uint8Array, wrapper: Tlv, facts: CertFacts): void {
  // extensions "MUST only appear if the version is 3" (RFC 5280 4.1.2.9)
  if (facts.version !== 3) fail(C, `certificate: extensions in a v${facts.version} certificate (RFC 5280 4.1.2.9)`);
  const list = expectTlv(der, wrapper.body, wrapper.end, TAG.SEQUENCE, new Tlv(), C, 'certificate: extensions');
  if (list.end !== wrapper.end) fail(C, 'certificate: data after extensions');
  for (const ext of readExtensionList(der, list.body, list.end, C, 'certificate: extensions')) {
    switch (idCeArc(der, ext)) {
      case 0x0e: {
        const v = valueTlv(der, ext, TAG.OCTET_STRING, C, 'certificate: subjectKeyIdentifier');
        facts.subjectKeyId = der.subarray(v.body, v.end);
        break;
      }
      case 0x23: {
        const seq = valueTlv(der, ext, TAG.SEQUENCE, C, 'certificate: authorityKeyIdentifier');
        const keyId = readAkiFields(der, seq, C, 'certificate: authorityKeyIdentifier');
        if (keyId) facts.authorityKeyId = keyId;
        break;
      }
      case 0x0f: {
        const v = valueTlv(der, ext, TAG.BIT_STRING, C, 'certificate: keyUsage');
        facts.keyUsage = readNamedBits(der, v, C, 'certificate: keyUsage');
        // "When the keyUsage extension appears in a certificate, at least one of the bits MUST be set to 1" (4.2.1.3)
        if (facts.keyUsage === 0) fail(C, 'certificate: keyUsage asserts no bit (RFC 5280 4.2.1.3)');
        break;
      }
      case 0x13:
        facts.isCA = readBasicConstraints(der, valueTlv(der, ext, TAG.SEQUENCE, C, 'certificate: basicConstraints'));
        break;
      case 0x1f: {
        const points = readDistributionPoints(der, valueTlv(der, ext, TAG.SEQUENCE, C, 'certificate: cRLDistributionPoints'), facts.issuerDer, C);
        facts.distributionPoints = points;
        facts.crlDistributionPoints = points.filter((p) => !p.crlIssuer).flatMap((p) => p.names);
        break;
      }
      default:
        if (hexOf(der, ext.oidStart, ext.oidEnd) === AIA) readAccessDescriptions(der, valueTlv(der, ext, TAG.SEQUENCE, C, 'certificate: authorityInfoAccess'));
    }
  }
}

const AIA = '2B06010505070101'; // 1.3.6.1.5.5.7.1.1

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }. */
function readBasicConstraints(der: Uint8Array, seq: Tlv): boolean {
  const what = 'certificate: basicConstraints';
  const f = new Tlv();
  let isCA = false;
  let p = seq.body;
  if (p < seq.end && readTlv(der, p, seq.end, f, C, what).tag === TAG.BOOLEAN) {
    // DER never writes the DEFAULT FALSE (X.690 11.5)
    if (!readBoolean(der, f, C, `${what} cA`)) fail(C, `${what}: cA FALSE is written out; DER omits a DEFAULT value (X.690 11.5)`);
    isCA = true;
    p = f.end;
  }
  if (p < seq.end) {
    const n = readTlv(der, p, seq.end, f, C, what);
    if (n.tag !== TAG.INTEGER || f.end !== seq.end) fail(C, `${what}: unexpected field`);
    readSmallInt(der, f, C, `${what} pathLenConstraint`);
    // "CAs MUST NOT include the pathLenConstraint field unless the cA boolean is asserted" (4.2.1.9)
    if (!isCA) fail(C, `${what}: pathLenConstraint without cA (RFC 5280 4.2.1.9)`);
  }
  return isCA;
}

/** AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription { accessMethod OID, accessLocation }. */
function readAccessDescriptions(der: Uint8Array, seq: Tlv): void {
  const what = 'certificate: authorityInfoAccess';
  if (seq.body === seq.end) fail(C, `${what}: empty, but SIZE (1..MAX) (RFC 5280 4.2.2.1)`);
  const a = new Tlv();
  const f = new Tlv();
  for (let p = seq.body; p < seq.end; p = a.end) {
    expectTlv(der, p, seq.end, TAG.SEQUENCE, a, C, what);
    const m = expectTlv(der, a.body, a.end, TAG.OID, f, C, `${what} accessMethod`);
    if (!isMinimalOid(der, m.body, m.end)) fail(C, `${what}: accessMethod is not a minimal OID`);
    readTlv(der, f.end, a.end, f, C, `${what} accessLocation`);
    if (f.end !== a.end) fail(C, `${what}: data after accessLocation`);
  }
}
