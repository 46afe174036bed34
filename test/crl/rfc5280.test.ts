/**
 * The RFC 5280 / X.690 audit (docs/conformance.md): one row per clause the code enforces, each built from bytes.
 * Every row runs a conforming variant and the variant that breaks the one rule, so a row fails both if the rule is
 * removed (the bad variant is accepted) and if the rule is over-broad (the good one is refused).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { covers, readCrl, verifyCrl, type CrlPolicy } from '../../src/crl/index.js';
import { readCertificate, type CertFacts } from '../../src/x509/index.js';
import {
  ascii,
  bitString,
  crlDistributionPointsValue,
  generalName,
  boolean,
  EXT,
  enumerated,
  generateKey,
  implicit,
  integer,
  integerRaw,
  makeCa,
  makeCertificate,
  makeCrl,
  makeLeaf,
  octetString,
  sequence,
  sign,
  signatureAlgorithm,
  tlv,
  type CertificateOptions,
  type CrlOptions,
  type DistributionPointSpec,
  type ExtensionSpec,
} from '../../src/testpki/index.js';
import { codeOf } from '../support/codes.js';

const AT = new Date('2026-01-01T00:00:00Z');
const caKey = generateKey('ec-p256', { cacheKey: 'rfc5280-ca' });
const CA_NAME = 'CN=RFC 5280 CA,O=crl-authorizer,C=US';
const ca = makeCa({ name: CA_NAME, key: caKey });
const caFacts = readCertificate(ca.der);

const outcome = (fn: () => unknown) => codeOf(fn, 'accepted');

const crl = (opts: Partial<CrlOptions> = {}, cas: CertFacts[] = [caFacts], policy: Partial<CrlPolicy> = {}): string =>
  outcome(() => verifyCrl(makeCrl({ issuer: ca, ...opts }), cas, { at: AT, ...policy }));
const rawCrl = (der: Uint8Array, cas: CertFacts[] = [caFacts]): string => outcome(() => verifyCrl(der, cas, { at: AT }));
const cert = (opts: Partial<CertificateOptions>): string =>
  outcome(() => readCertificate(makeCertificate({ subject: 'CN=Leaf', issuer: ca, ...opts }).der));
/** A CA certificate with `opts`, and the verdict on a CRL it signs. */
function signer(opts: Partial<CertificateOptions>, at = AT): string {
  const c = makeCertificate({ subject: 'CN=Signer CA', key: caKey, ca: true, ...opts });
  return outcome(() => verifyCrl(makeCrl({ issuer: c }), [readCertificate(c.der)], { at }));
}
const leafWith = (points?: readonly DistributionPointSpec[]): CertFacts =>
  readCertificate(makeLeaf(ca, points ? { crlDistributionPoints: points } : {}).der);
const coverage = (opts: Partial<CrlOptions>, c: CertFacts): string =>
  covers(verifyCrl(makeCrl({ issuer: ca, ...opts }), [caFacts], { at: AT }).scope, c) ? 'covered' : 'not-covered';

/** A CRL whose tbsCertList content is rewritten (hex in, hex out) and signed again by the CA. */
function resigned(opts: Partial<CrlOptions>, patch: (tbsContentHex: string) => string): Uint8Array {
  const der = makeCrl({ issuer: ca, ...opts });
  const t = readCrl(der).tbs;
  const headerLen = t[1]! & 0x80 ? 2 + (t[1]! & 0x7f) : 2;
  const content = Buffer.from(t.subarray(headerLen)).toString('hex');
  const patched = patch(content);
  if (patched === content) throw new Error('patch changed nothing');
  const tbs = sequence(Uint8Array.from(Buffer.from(patched, 'hex')));
  const alg = signatureAlgorithm(caKey);
  return sequence(tbs, alg, bitString(sign(caKey, tbs)));
}

const issuerHex = Buffer.from(ca.subject).toString('hex');
const unknownExt = (critical?: boolean): ExtensionSpec => ({ oid: '1.3.6.1.4.1.99999.1', value: Uint8Array.of(0x05, 0x00), critical });
const paddedOid = (lastArc: number): Uint8Array => Uint8Array.of(0x06, 0x04, 0x55, 0x1d, 0x80, lastArc);
const keyUsageRaw = (bits: number[]): ExtensionSpec => ({ oid: EXT.keyUsage, critical: true, value: Uint8Array.from([0x03, bits.length, ...bits]) });
const utc = (s: string) => tlv(0x17, ascii(s));
const gen = (s: string) => tlv(0x18, ascii(s));
const reasonExt = (value: Uint8Array): ExtensionSpec => ({ oid: EXT.reasonCode, value });
const idpRaw = (...fields: Uint8Array[]): ExtensionSpec => ({ oid: EXT.issuingDistributionPoint, critical: true, value: sequence(...fields) });
const revokedSerials = (opts: Partial<CrlOptions>): string[] => {
  const f = verifyCrl(makeCrl({ issuer: ca, ...opts }), [caFacts], { at: AT });
  return Array.from({ length: f.keys.count }, (_, i) => Buffer.from(f.keys.bytes.subarray(f.keys.offsets[i]!, f.keys.offsets[i + 1]!)).toString('hex'));
};

export interface Row {
  id: string;
  /** [conforming variant, variant breaking the rule] */
  run: () => [string, string];
  expect: [string, string];
}

const M = 'crl.malformed';
const CM = 'cert.malformed';
const OK = 'accepted';

export const ROWS: Row[] = [
  // X.690 (DER) inside the signed structures
  { id: 'x690-10.1-length', expect: [OK, M], run: () => [crl({}), rawCrl(resigned({}, (h) => h.replace(issuerHex, '3081' + issuerHex.slice(2))))] },
  { id: 'x690-11.1-boolean', expect: [OK, M], run: () => [crl({ issuingDistributionPoint: { onlyContainsUserCerts: true } }), rawCrl(resigned({ issuingDistributionPoint: { onlyContainsUserCerts: true } }, (h) => h.replace('0101ff', '010101')))] },
  { id: 'x690-11.5-critical-false', expect: [OK, M], run: () => [crl({ extensions: [unknownExt()] }), crl({ extensions: [{ ...unknownExt(), writeCriticalFalse: true }] })] },
  { id: 'x690-11.5-idp-false', expect: [OK, M], run: () => [crl({ extensions: [idpRaw(implicit(1, boolean(true)))] }), crl({ extensions: [idpRaw(implicit(1, boolean(false)))] })] },
  { id: 'x690-11.5-ca-false', expect: [OK, CM], run: () => [cert({ basicConstraints: null }), cert({ basicConstraints: null, extensions: [{ oid: EXT.basicConstraints, critical: true, value: sequence(boolean(false)) }] })] },
  { id: 'x690-8.19-oid-crl', expect: [OK, M], run: () => [crl({ crlNumber: 5 }), crl({ crlNumber: null, extensions: [{ oid: EXT.cRLNumber, oidDer: paddedOid(0x14), value: integer(5) }] })] },
  { id: 'x690-8.19-oid-delta', expect: ['crl.delta-unsupported', M], run: () => [crl({ deltaCrlIndicator: 1 }), crl({ extensions: [{ oid: EXT.deltaCRLIndicator, oidDer: paddedOid(0x1b), value: integer(1) }] })] },
  { id: 'x690-8.19-oid-entry', expect: [OK, M], run: () => [crl({ entries: [{ serial: 1, reason: 'keyCompromise' }] }), crl({ entries: [{ serial: 1, extensions: [{ oid: EXT.reasonCode, oidDer: paddedOid(0x15), value: enumerated(8) }] }] })] },
  { id: 'x690-8.19-oid-cert', expect: [OK, CM], run: () => [cert({}), cert({ keyUsage: null, extensions: [{ ...keyUsageRaw([0x01, 0x06]), oidDer: paddedOid(0x0f) }] })] },
  { id: 'x690-11.2.1-unused-bits', expect: [OK, CM], run: () => [cert({ keyUsage: null, extensions: [keyUsageRaw([0x02, 0x04])] }), cert({ keyUsage: null, extensions: [keyUsageRaw([0x02, 0x06])] })] },
  { id: 'x690-11.2.2-trailing-zeros', expect: [OK, CM], run: () => [cert({ keyUsage: null, extensions: [keyUsageRaw([0x01, 0x06])] }), cert({ keyUsage: null, extensions: [keyUsageRaw([0x00, 0x06])] })] },
  { id: 'x690-8.3.2-version', expect: [OK, M], run: () => [crl({ versionDer: integer(1) }), crl({ versionDer: integerRaw(Uint8Array.of(0, 1)) })] },
  { id: 'x690-8.3.2-crl-number', expect: [OK, M], run: () => [crl({ crlNumber: 5 }), crl({ crlNumber: Uint8Array.of(0, 5) })] },
  { id: 'x690-8.3.2-reason', expect: [OK, M], run: () => [crl({ entries: [{ serial: 1, extensions: [reasonExt(enumerated(1))] }] }), crl({ entries: [{ serial: 1, extensions: [reasonExt(tlv(0x0a, Uint8Array.of(0, 1)))] }] })] },
  { id: 'x690-8.3.2-cert-version', expect: [OK, CM], run: () => [cert({ versionField: 2 }), cert({ versionField: 0 })] },

  // RFC 5280 4.1.2.5: times
  { id: '4.1.2.5-generalized-before-2050', expect: [OK, M], run: () => [crl({ thisUpdateDer: utc('250101000000Z') }), crl({ thisUpdateDer: gen('20250101000000Z') })] },
  { id: '4.1.2.5-utctime-window', expect: [OK, 'crl.expired'], run: () => [crl({ nextUpdateDer: gen('20600101000000Z') }), crl({ nextUpdateDer: utc('600101000000Z') })] },
  { id: '4.1.2.5-fraction', expect: [OK, M], run: () => [crl({ nextUpdateDer: gen('20600101000000Z') }), crl({ nextUpdateDer: gen('20600101000000.5Z') })] },
  { id: '4.1.2.5-seconds', expect: [OK, M], run: () => [crl({ thisUpdateDer: utc('250101000000Z') }), crl({ thisUpdateDer: utc('2501010000Z') })] },
  { id: '4.1.2.5-zulu', expect: [OK, M], run: () => [crl({ thisUpdateDer: utc('250101000000Z') }), crl({ thisUpdateDer: utc('250101000000+0000') })] },
  { id: '4.1.2.5-calendar', expect: [OK, M], run: () => [crl({ thisUpdateDer: utc('240229000000Z') }), crl({ thisUpdateDer: utc('250229000000Z') })] },
  { id: '4.1.2.5-revocation-date', expect: [OK, M], run: () => [crl({ entries: [{ serial: 1, revocationDateDer: utc('241231000000Z') }] }), crl({ entries: [{ serial: 1, revocationDateDer: gen('20241231000000Z') }] })] },
  { id: '4.1.2.5-cert-validity', expect: [OK, CM], run: () => [cert({ notBefore: new Date('2020-01-01T00:00:00Z') }), cert({ notBefore: new Date('2020-01-01T00:00:00Z'), timeEncoding: 'generalized' })] },

  // RFC 5280 4.1: certificate structure
  { id: '4.1.2.1-version', expect: [OK, CM], run: () => [cert({ versionField: 2 }), cert({ versionField: 3 })] },
  { id: '4.1.2.9-extensions-v3', expect: [OK, CM], run: () => [cert({ version: 1 }), cert({ version: 1, forceExtensions: true })] },
  { id: '4.2-cert-duplicate', expect: [OK, CM], run: () => [cert({ extensions: [unknownExt()] }), cert({ extensions: [unknownExt(), unknownExt()] })] },
  { id: '4.2-extnvalue-left-over', expect: [OK, CM], run: () => [cert({ ski: null, extensions: [{ oid: EXT.subjectKeyIdentifier, value: octetString(Uint8Array.of(1, 2)) }] }), cert({ ski: null, extensions: [{ oid: EXT.subjectKeyIdentifier, value: Uint8Array.of(0x04, 0x02, 1, 2, 0x05, 0x00) }] })] },

  // RFC 5280 4.2.1: the certificate extensions read
  { id: '4.2.1.1-aki-fields', expect: [OK, CM], run: () => [cert({}), cert({ aki: null, extensions: [{ oid: EXT.authorityKeyIdentifier, value: sequence(implicit(0, octetString(Uint8Array.of(1))), implicit(2, integer(5))) }] })] },
  { id: '4.2.1.3-no-bits', expect: [OK, CM], run: () => [cert({ keyUsage: null, extensions: [keyUsageRaw([0x07, 0x80])] }), cert({ keyUsage: null, extensions: [keyUsageRaw([0x00])] })] },
  { id: '4.2.1.3-crl-sign', expect: [OK, 'crl.issuer-not-crl-signer'], run: () => [signer({ keyUsage: ['cRLSign'] }), signer({ keyUsage: ['keyCertSign', 'digitalSignature'] })] },
  { id: '4.2.1.3-padding-is-not-crl-sign', expect: [OK, CM], run: () => [signer({ keyUsage: null, extensions: [keyUsageRaw([0x01, 0x06])] }), signer({ keyUsage: null, extensions: [keyUsageRaw([0x02, 0x06])] })] },
  { id: '4.2.1.9-ca', expect: [OK, 'crl.issuer-not-crl-signer'], run: () => [signer({}), signer({ ca: false, keyUsage: ['cRLSign'] })] },
  { id: '4.2.1.9-v1-ca', expect: [OK, 'crl.issuer-not-crl-signer'], run: () => [signer({ version: 1 }), signer({ basicConstraints: { ca: false } , keyUsage: ['cRLSign'] })] },
  { id: '4.2.1.9-pathlen', expect: [OK, CM], run: () => [cert({ basicConstraints: { ca: true, pathLen: 0 } }), cert({ basicConstraints: { ca: false, pathLen: 0 } })] },
  { id: '4.2.1.13-reasons-only', expect: [OK, CM], run: () => [cert({ crlDistributionPoints: [{ fullName: ['http://a'], reasons: ['keyCompromise'] }] }), cert({ crlDistributionPoints: [{ reasons: ['keyCompromise'] }] })] },
  { id: '4.2.1.13-empty', expect: [OK, CM], run: () => [cert({ crlDistributionPoints: ['http://a'] }), cert({ extensions: [{ oid: EXT.cRLDistributionPoints, value: sequence() }] })] },
  { id: '4.2.1.13-empty-fullname', expect: [OK, CM], run: () => [cert({ crlDistributionPoints: ['http://a'] }), cert({ crlDistributionPoints: [{ fullName: [] }] })] },
  { id: '4.2.2.1-aia-empty', expect: [OK, CM], run: () => [cert({ extensions: [{ oid: EXT.authorityInfoAccess, value: sequence(sequence(tlv(0x06, Uint8Array.of(0x2b, 6, 1, 5, 5, 7, 48, 2)), generalName('http://a'))) }] }), cert({ extensions: [{ oid: EXT.authorityInfoAccess, value: sequence() }] })] },

  // RFC 5280 5.1: CRL fields
  { id: '5.1.1.2-algorithm-match', expect: [OK, 'crl.algorithm-mismatch'], run: () => [crl({}), crl({ outerSignatureAlgorithm: sequence(tlv(0x06, Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 3))) })] },
  { id: '5.1.2.1-v2-for-crl-extensions', expect: [OK, M], run: () => [crl({ extensions: [unknownExt()] }), crl({ version: 1, extensions: [unknownExt()] })] },
  { id: '5.1.2.1-v2-for-entry-extensions', expect: [OK, M], run: () => [crl({ version: 1, entries: [{ serial: 1 }] }), crl({ version: 1, entries: [{ serial: 1, reason: 'keyCompromise' }] })] },
  { id: '5.1.2.1-version-value', expect: [OK, M], run: () => [crl({ versionDer: integer(1) }), crl({ versionDer: integer(2) })] },
  { id: '5.1.2.3-issuer-non-empty', expect: ['crl.issuer-mismatch', M], run: () => [crl({ issuerName: 'CN=Other' }), crl({ issuerName: [] })] },
  { id: '5.1.2.4-this-update', expect: [OK, 'crl.not-yet-valid'], run: () => [crl({ thisUpdate: AT }), crl({ thisUpdate: new Date(AT.getTime() + 1000) })] },
  { id: '5.1.2.5-next-update', expect: [OK, 'crl.expired'], run: () => [crl({ nextUpdate: AT }), crl({ nextUpdate: new Date(AT.getTime() - 1000) })] },
  { id: '5.1.2.5-next-update-present', expect: [OK, 'crl.no-next-update'], run: () => [crl({}), crl({ nextUpdate: null })] },

  // RFC 5280 5.2: CRL extensions
  { id: '5.2-duplicate', expect: [OK, M], run: () => [crl({ extensions: [unknownExt()] }), crl({ extensions: [unknownExt(), unknownExt()] })] },
  { id: '5.2-unknown-critical', expect: [OK, 'crl.unsupported-critical-extension'], run: () => [crl({ extensions: [unknownExt()] }), crl({ extensions: [unknownExt(true)] })] },
  { id: '5.2-extensions-non-empty', expect: [OK, M], run: () => [crl({ aki: null, crlNumber: null }), rawCrl(resigned({ aki: null, crlNumber: null }, (h) => h + 'a0023000'))] },
  { id: '5.2.1-aki-key-id', expect: [OK, 'crl.key-id-mismatch'], run: () => [crl({}), crl({ aki: Uint8Array.of(1, 2, 3) })] },
  { id: '5.2.1-aki-non-critical', expect: [OK, M], run: () => [crl({ aki: null, extensions: [{ oid: EXT.authorityKeyIdentifier, value: sequence(implicit(0, octetString(ca.ski!))) }] }), crl({ aki: null, extensions: [{ oid: EXT.authorityKeyIdentifier, critical: true, value: sequence(implicit(0, octetString(ca.ski!))) }] })] },
  { id: '5.2.3-non-critical', expect: [OK, M], run: () => [crl({ crlNumber: 5 }), crl({ crlNumber: null, extensions: [{ oid: EXT.cRLNumber, critical: true, value: integer(5) }] })] },
  { id: '5.2.3-non-negative', expect: [OK, M], run: () => [crl({ crlNumber: 0 }), crl({ crlNumber: -1 })] },
  { id: '5.2.3-20-octets', expect: [OK, M], run: () => [crl({ crlNumber: (1n << 160n) - 1n }), crl({ crlNumber: 1n << 160n })] },
  { id: '5.2.4-delta-refused', expect: [OK, 'crl.delta-unsupported'], run: () => [crl({ deltaCrlIndicator: 1 }, [caFacts], { delta: 'accept' }), crl({ deltaCrlIndicator: 1 })] },
  { id: '5.2.4-delta-critical', expect: [OK, M], run: () => [crl({ deltaCrlIndicator: 1 }, [caFacts], { delta: 'accept' }), crl({ extensions: [{ oid: EXT.deltaCRLIndicator, value: integer(1) }] }, [caFacts], { delta: 'accept' })] },
  { id: '5.2.5-idp-non-empty', expect: [OK, M], run: () => [crl({ issuingDistributionPoint: { onlyContainsUserCerts: true } }), crl({ issuingDistributionPoint: {} })] },
  { id: '5.2.5-full-name-non-empty', expect: [OK, M], run: () => [crl({ issuingDistributionPoint: { fullName: ['http://a'] } }), crl({ issuingDistributionPoint: { fullName: [] } })] },
  { id: '5.2.5-one-only-flag', expect: [OK, M], run: () => [crl({ issuingDistributionPoint: { onlyContainsCACerts: true } }), crl({ issuingDistributionPoint: { onlyContainsCACerts: true, onlyContainsUserCerts: true } })] },
  { id: '5.2.5-indirect', expect: [OK, 'crl.indirect-unsupported'], run: () => [crl({ issuingDistributionPoint: { fullName: ['http://a'] } }), crl({ issuingDistributionPoint: { indirectCRL: true } })] },
  { id: '5.2.5-only-some-reasons', expect: [OK, 'crl.reasons-partition-unsupported'], run: () => [crl({ issuingDistributionPoint: { fullName: ['http://a'] } }), crl({ issuingDistributionPoint: { onlySomeReasons: ['keyCompromise'] } })] },
  { id: '5.2.6-freshest-critical', expect: [OK, 'crl.delta-unsupported'], run: () => [crl({ extensions: [{ oid: EXT.freshestCRL, value: crlDistributionPointsValue(['http://d']) }] }), crl({ extensions: [{ oid: EXT.freshestCRL, critical: true, value: crlDistributionPointsValue(['http://d']) }] })] },

  // RFC 5280 5.3: entry extensions
  { id: '5.3-duplicate', expect: [OK, M], run: () => [crl({ entries: [{ serial: 1, reason: 'keyCompromise' }] }), crl({ entries: [{ serial: 1, reason: 'keyCompromise', extensions: [reasonExt(enumerated(8))] }] })] },
  { id: '5.3-unknown-critical', expect: [OK, 'crl.unsupported-critical-extension'], run: () => [crl({ entries: [{ serial: 1, extensions: [unknownExt()] }] }), crl({ entries: [{ serial: 1, extensions: [unknownExt(true)] }] })] },
  { id: '5.3.1-reason-value', expect: [OK, M], run: () => [crl({ entries: [{ serial: 1, reason: 8 }] }), crl({ entries: [{ serial: 1, reason: 7 }] })] },
  { id: '5.3.1-one-reason', expect: [OK, M], run: () => [crl({ entries: [{ serial: 1, extensions: [reasonExt(enumerated(1))] }] }), crl({ entries: [{ serial: 1, extensions: [reasonExt(Uint8Array.of(0x0a, 1, 1, 0x0a, 1, 8))] }] })] },
  { id: '5.3.1-remove-from-crl', expect: ['', '01'], run: () => [revokedSerials({ entries: [{ serial: 1, reason: 'removeFromCRL' }] }).join(), revokedSerials({ entries: [{ serial: 1, reason: 'removeFromCRL' }, { serial: 1, reason: 'keyCompromise' }] }).join()] },
  { id: '5.3.2-invalidity-date', expect: [OK, M], run: () => [crl({ entries: [{ serial: 1, invalidityDate: new Date('2024-01-01T00:00:00Z') }] }), crl({ entries: [{ serial: 1, extensions: [{ oid: EXT.invalidityDate, value: utc('240101000000Z') }] }] })] },
  { id: '5.3.3-certificate-issuer', expect: [OK, 'crl.indirect-unsupported'], run: () => [crl({ entries: [{ serial: 1 }] }), crl({ entries: [{ serial: 1, certificateIssuer: [{ dn: 'CN=Other CA' }] }] })] },

  // RFC 5280 6.3.3: CRL processing
  { id: '6.3.3f-issuer', expect: [OK, 'crl.issuer-mismatch'], run: () => [crl({}), crl({ issuerName: 'CN=Someone Else' })] },
  { id: '6.3.3f-ca-valid-at', expect: [OK, 'crl.issuer-not-crl-signer'], run: () => [signer({ notAfter: AT }), signer({ notAfter: new Date(AT.getTime() - 1000) })] },
  { id: '6.3.3f-ca-not-yet-valid', expect: [OK, 'crl.issuer-not-crl-signer'], run: () => [signer({ notBefore: AT }), signer({ notBefore: new Date(AT.getTime() + 1000) })] },
  { id: '6.3.3g-signature', expect: [OK, 'crl.signature-invalid'], run: () => [crl({}), crl({ corruptSignature: true })] },
  { id: '6.3.3b-scope-flags', expect: ['covered', 'not-covered'], run: () => [coverage({ issuingDistributionPoint: { onlyContainsCACerts: true } }, readCertificate(makeCa({ name: 'CN=Sub', issuer: ca }).der)), coverage({ issuingDistributionPoint: { onlyContainsUserCerts: true } }, readCertificate(makeCa({ name: 'CN=Sub', issuer: ca }).der))] },
  { id: '6.3.3b-dp-names', expect: ['covered', 'not-covered'], run: () => [coverage({ issuingDistributionPoint: { fullName: ['http://crl/1'] } }, leafWith(['http://crl/1'])), coverage({ issuingDistributionPoint: { fullName: ['http://crl/1'] } }, leafWith(['http://crl/2']))] },
  { id: '6.3.3b-crl-issuer', expect: ['covered', 'not-covered'], run: () => [coverage({}, leafWith(['http://crl/1'])), coverage({}, leafWith([{ fullName: ['http://crl/1'], crlIssuer: [{ dn: 'CN=Other CRL Issuer' }] }]))] },
  { id: '6.3.3d-reasons', expect: ['covered', 'not-covered'], run: () => [coverage({}, leafWith([{ fullName: ['http://crl/1'], reasons: ['keyCompromise', 'cACompromise'] }, { fullName: ['http://crl/2'], reasons: ['affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'] }])), coverage({}, leafWith([{ fullName: ['http://crl/1'], reasons: ['keyCompromise'] }]))] },
  { id: '7.4-uri-case', expect: ['covered', 'not-covered'], run: () => [coverage({ issuingDistributionPoint: { fullName: ['HTTP://CRL.Example/a.crl'] } }, leafWith(['http://crl.example/a.crl'])), coverage({ issuingDistributionPoint: { fullName: ['http://crl.example/A.crl'] } }, leafWith(['http://crl.example/a.crl']))] },
];

describe('RFC 5280 / X.690 audit (docs/conformance.md)', () => {
  it.each(ROWS.map((r) => [r.id, r] as const))('%s', (_id, row) => {
    expect(row.run()).toEqual(row.expect);
  });

  it('every row of docs/conformance.md has a test here, and every test a row', () => {
    const doc = readFileSync(new URL('../../docs/conformance.md', import.meta.url), 'utf8');
    const ids = [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(ids)).toEqual(new Set(ROWS.map((r) => r.id)));
    expect(ids.length).toBe(ROWS.length);
  });
});
