import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyAt, parseCrl, verifyCrl, type CrlFacts, type SerialKeys } from '../../src/crl/index.js';
import { serialText } from '../../src/der/index.js';
import {
  buildLargeCrl,
  generateKey,
  generatedSerialKeys,
  makeCa,
  makeCrl,
  oid,
  sequence,
  toPem,
  type CrlOptions,
  type KeyAlg,
  type SignOptions,
} from '../../src/testpki/index.js';
import { readCertificate, type CertFacts } from '../../src/x509/index.js';
import { codeOf as codeOfCall } from '../support/codes.js';

const AT = new Date('2026-01-01T00:00:00Z');
const ca = makeCa({ name: 'CN=CRL Test CA,O=crl-authorizer,C=US', key: generateKey('ec-p256', { cacheKey: 'crl-test-ca' }) });
const caFacts = readCertificate(ca.der);

const codeOf = (fn: () => unknown) => codeOfCall(fn, 'accepted');

const texts = (keys: SerialKeys): string[] => Array.from({ length: keys.count }, (_, i) => serialText(keyAt(keys, i)));
const verify = (opts: Partial<CrlOptions> = {}, cas: CertFacts[] = [caFacts], at = AT): CrlFacts =>
  verifyCrl(makeCrl({ issuer: ca, ...opts }), cas, { at });
const rejects = (opts: Partial<CrlOptions>, cas: CertFacts[] = [caFacts], at = AT): string =>
  codeOf(() => verify(opts, cas, at));

describe('signature algorithms', () => {
  const cases: [KeyAlg, SignOptions][] = [
    ['rsa-2048', { hash: 'sha1' }],
    ['rsa-2048', { hash: 'sha256' }],
    ['rsa-2048', { hash: 'sha384' }],
    ['rsa-2048', { hash: 'sha512' }],
    ['rsa-2048', { pss: true, hash: 'sha256' }],
    ['rsa-2048', { pss: true, hash: 'sha512' }],
    ['rsa-pss', { hash: 'sha384' }],
    ['ec-p256', {}],
    ['ec-p384', {}],
    ['ec-p521', {}],
    ['ec-p256', { hash: 'sha1' }],
    ['ed25519', {}],
  ];
  it.each(cases)('verifies %s %j and refuses a flipped bit', (alg, signature) => {
    const c = makeCa({ name: `CN=${alg} CA`, key: generateKey(alg, { cacheKey: 'alg-test' }) });
    const facts = readCertificate(c.der);
    const crl = verifyCrl(makeCrl({ issuer: c, signature, entries: [{ serial: 7 }] }), [facts], { at: AT });
    expect(texts(crl.keys)).toEqual(['07']);
    expect(codeOf(() => verifyCrl(makeCrl({ issuer: c, signature, corruptSignature: true }), [facts], { at: AT }))).toBe(
      'crl.signature-invalid',
    );
  });

  it('refuses a CRL signed by another key, and an inner/outer algorithm mismatch', () => {
    expect(rejects({ signingKey: generateKey('ec-p256') })).toBe('crl.signature-invalid');
    expect(rejects({ outerSignatureAlgorithm: sequence(oid('1.2.840.10045.4.3.3')) })).toBe('crl.algorithm-mismatch');
  });

  it('refuses an unknown algorithm as unsupported (DSA: see the real-CRL conformance suite)', () => {
    // Same-length OID swap in both AlgorithmIdentifiers, so the structure stays valid.
    const ecdsaSha256 = Buffer.from(sequence(oid('1.2.840.10045.4.3.2')));
    const unknown = Buffer.from(sequence(oid('1.2.840.10045.4.3.9')));
    const patched = Buffer.from(makeCrl({ issuer: ca }));
    for (let at = patched.indexOf(ecdsaSha256); at >= 0; at = patched.indexOf(ecdsaSha256, at + 1)) unknown.copy(patched, at);
    expect(codeOf(() => verifyCrl(patched, [caFacts], { at: AT }))).toBe('crl.unsupported-algorithm');
  });
});

describe('issuer binding', () => {
  it('refuses a CRL whose issuer is not the CA subject', () => {
    expect(rejects({ issuerName: 'CN=Someone Else,C=US' })).toBe('crl.issuer-mismatch');
  });

  it('matches the issuer by RFC 5280 comparison, not bytes', () => {
    expect(verify({ issuerName: [{ C: 'us' }, { O: 'CRL-AUTHORIZER' }, { CN: { value: ' crl  test ca', type: 'printable' } }] }).issuerText).toBe(
      'CN=\\ crl  test ca,O=CRL-AUTHORIZER,C=us',
    );
  });

  it('refuses an AKI that is not the CA SKI, and a CA whose keyUsage lacks cRLSign', () => {
    expect(rejects({ aki: new Uint8Array(20).fill(9) })).toBe('crl.key-id-mismatch');
    const noCrlSign = makeCa({ name: 'CN=No CRL Sign CA', keyUsage: ['keyCertSign', 'digitalSignature'] });
    expect(codeOf(() => verifyCrl(makeCrl({ issuer: noCrlSign }), [readCertificate(noCrlSign.der)], { at: AT }))).toBe(
      'crl.issuer-not-crl-signer',
    );
    const noKeyUsage = makeCa({ name: 'CN=No Key Usage CA', keyUsage: null });
    expect(verifyCrl(makeCrl({ issuer: noKeyUsage }), [readCertificate(noKeyUsage.der)], { at: AT }).entries).toBe(0);
  });

  it('accepts a CRL signed by any one of several CA certificates (key rollover)', () => {
    const name = 'CN=Rollover CA,C=US';
    const oldCa = makeCa({ name });
    const newCa = makeCa({ name });
    const cas = [readCertificate(oldCa.der), readCertificate(newCa.der)];
    expect(verifyCrl(makeCrl({ issuer: newCa }), cas, { at: AT }).issuerText).toBe('CN=Rollover CA,C=US');
    expect(verifyCrl(makeCrl({ issuer: oldCa, aki: null }), cas.reverse(), { at: AT }).issuerText).toBe('CN=Rollover CA,C=US');
    // neither signed it: the error of the candidate that got furthest
    expect(codeOf(() => verifyCrl(makeCrl({ issuer: newCa, signingKey: generateKey('ec-p256'), aki: null }), cas, { at: AT }))).toBe(
      'crl.signature-invalid',
    );
  });
});

describe('time', () => {
  const thisUpdate = new Date('2025-06-01T00:00:00Z');
  const nextUpdate = new Date('2025-06-08T00:00:00Z');
  it('is valid from thisUpdate to nextUpdate, inclusive', () => {
    expect(verify({ thisUpdate, nextUpdate }, [caFacts], thisUpdate).thisUpdate).toEqual(thisUpdate);
    expect(verify({ thisUpdate, nextUpdate }, [caFacts], nextUpdate).nextUpdate).toEqual(nextUpdate);
    expect(rejects({ thisUpdate, nextUpdate }, [caFacts], new Date(thisUpdate.getTime() - 1000))).toBe('crl.not-yet-valid');
    expect(rejects({ thisUpdate, nextUpdate }, [caFacts], new Date(nextUpdate.getTime() + 1000))).toBe('crl.expired');
  });

  it('refuses a CRL without nextUpdate unless allowed', () => {
    expect(rejects({ nextUpdate: null })).toBe('crl.no-next-update');
    const crl = makeCrl({ issuer: ca, nextUpdate: null });
    expect(verifyCrl(crl, [caFacts], { at: AT, allowNoNextUpdate: true }).nextUpdate).toBeUndefined();
  });

  it('reads GeneralizedTime dates (from 2050: RFC 5280 4.1.2.5 keeps UTCTime through 2049)', () => {
    const f = verify({ thisUpdate, nextUpdate: new Date('2060-01-01T00:00:00Z') });
    expect(f.nextUpdate?.toISOString()).toBe('2060-01-01T00:00:00.000Z');
    expect(rejects({ timeEncoding: 'generalized', thisUpdate, nextUpdate: new Date('2060-01-01T00:00:00Z') })).toBe('crl.malformed');
  });
});

describe('extensions (RFC 5280 5.2, 5.3)', () => {
  it('refuses delta, indirect and reason-partitioned CRLs with their own codes', () => {
    expect(rejects({ deltaCrlIndicator: 1 })).toBe('crl.delta-unsupported');
    expect(rejects({ issuingDistributionPoint: { indirectCRL: true } })).toBe('crl.indirect-unsupported');
    expect(rejects({ entries: [{ serial: 1, certificateIssuer: [{ dn: 'CN=Other CA' }] }] })).toBe('crl.indirect-unsupported');
    expect(rejects({ issuingDistributionPoint: { onlySomeReasons: ['keyCompromise'] } })).toBe('crl.reasons-partition-unsupported');
    expect(codeOf(() => verify({ deltaCrlIndicator: 1 }))).toBe('crl.delta-unsupported');
    try {
      verify({ deltaCrlIndicator: 1 });
    } catch (e) {
      expect((e as Error).message).toBe('CRL is a delta CRL (RFC 5280 5.2.4); delta CRLs are not consumed');
    }
  });

  it('refuses unknown critical CRL and entry extensions, ignores non-critical ones', () => {
    const unknown = { oid: '1.3.6.1.4.1.99999.1', value: Uint8Array.of(0x05, 0x00) };
    expect(rejects({ extensions: [{ ...unknown, critical: true }] })).toBe('crl.unsupported-critical-extension');
    expect(rejects({ entries: [{ serial: 1, extensions: [{ ...unknown, critical: true }] }] })).toBe(
      'crl.unsupported-critical-extension',
    );
    expect(verify({ extensions: [unknown], entries: [{ serial: 1, extensions: [unknown] }] }).keys.count).toBe(1);
  });

  it('accepts the known non-critical CRL extensions', () => {
    const f = verify({
      extensions: [
        { oid: '2.5.29.46', value: sequence(sequence()) }, // freshestCRL
        { oid: '2.5.29.60', value: Uint8Array.of(0x18, 0x0f, ...Buffer.from('20200101000000Z')) }, // expiredCertsOnCRL
        { oid: '1.3.6.1.5.5.7.1.1', value: sequence() }, // authorityInfoAccess
      ],
    });
    expect(f.entries).toBe(0);
  });

  it('reads cRLNumber as a bigint and the AKI', () => {
    const f = verify({ crlNumber: 0x182a0986be3a1b05n });
    expect(f.crlNumber).toBe(0x182a0986be3a1b05n);
    expect(f.authorityKeyId).toEqual(ca.ski);
    expect(verify({ crlNumber: null, aki: null }).crlNumber).toBeUndefined();
  });
});

describe('entries', () => {
  it('keeps revoking entries as serial keys: certificateHold revokes, removeFromCRL does not', () => {
    const f = verify({
      entries: [
        { serial: 1 },
        { serial: 2, reason: 'certificateHold' },
        { serial: 3, reason: 'removeFromCRL' },
        { serial: 4, reason: 'keyCompromise', invalidityDate: new Date('2024-01-01T00:00:00Z') },
        { serial: 5, emptyExtensions: true },
        { serial: 1 },
      ],
    });
    expect(f.entries).toBe(6);
    expect(texts(f.keys)).toEqual(['01', '02', '04', '05', '01']);
  });

  it('normalizes entry serials: 255 and -1 differ, padded encodings fold, long serials stay', () => {
    const long = new Uint8Array(25).fill(0x5a);
    const f = verify({
      entries: [{ serial: 255 }, { serial: -1 }, { serial: Uint8Array.of(0x00, 0x00, 0x7f) }, { serial: long }],
    });
    expect(texts(f.keys)).toEqual(['FF', '-01', '7F', '5A'.repeat(25)]);
    expect(keyAt(f.keys, 0)).toEqual(Uint8Array.of(0x00, 0xff));
    expect(rejects({ entries: [{ serial: new Uint8Array(0) }] })).toBe('crl.malformed');
  });

  it('reads v1 CRLs, an empty revokedCertificates SEQUENCE and an absent one', () => {
    expect(verify({ version: 1, entries: [{ serial: 9 }] }).keys.count).toBe(1);
    expect(verify({ emptyRevokedList: true }).entries).toBe(0);
    const absent = verify({});
    expect([absent.entries, absent.keys.count]).toEqual([0, 0]);
  });

  it('streams 100,000 entries into keys equal to the generator serials', () => {
    const gen = { count: 100_000, seed: 7, removeFromCrlShare: 0.05 };
    const { der, removeFromCrl } = buildLargeCrl({ issuer: ca, ...gen });
    const f = verifyCrl(new Uint8Array(der), [caFacts], { at: AT });
    const expected = generatedSerialKeys(gen);
    expect(f.entries).toBe(100_000);
    expect(f.keys.count).toBe(100_000 - removeFromCrl);
    expect(Buffer.from(f.keys.bytes).equals(Buffer.from(expected.bytes))).toBe(true);
    expect(Array.from(f.keys.offsets.subarray(0, f.keys.count + 1))).toEqual(Array.from(expected.offsets));
  });
});

describe('envelope', () => {
  it('accepts DER, PEM with CRLF and bare base64, with one SHA-256', () => {
    const der = makeCrl({ issuer: ca, entries: [{ serial: 3 }] });
    const sha = createHash('sha256').update(der).digest('hex');
    for (const input of [der, toPem(der, 'X509 CRL', { crlf: true }), Buffer.from(der).toString('base64')]) {
      const f = verifyCrl(input, [caFacts], { at: AT });
      expect(Buffer.from(f.sha256).toString('hex')).toBe(sha);
      expect(texts(f.keys)).toEqual(['03']);
    }
  });

  it('counts and ignores bytes after the outer SEQUENCE', () => {
    const der = makeCrl({ issuer: ca, trailingBytes: Uint8Array.of(0x0d, 0x0a), entries: [{ serial: 1 }] });
    const f = verifyCrl(der, [caFacts], { at: AT });
    expect(f.trailingBytes).toBe(2);
    const signed = der.subarray(0, der.length - 2);
    expect(Buffer.from(f.sha256).toString('hex')).toBe(createHash('sha256').update(signed).digest('hex'));
  });

  it('refuses truncated and non-DER input as crl.malformed', () => {
    const der = makeCrl({ issuer: ca, entries: [{ serial: 1 }] });
    expect(codeOf(() => verifyCrl(der.subarray(0, der.length - 5), [caFacts], { at: AT }))).toBe('crl.malformed');
    const indefinite = Uint8Array.from([0x30, 0x80, ...der.subarray(2), 0, 0]);
    expect(codeOf(() => verifyCrl(indefinite, [caFacts], { at: AT }))).toBe('crl.malformed');
    expect(codeOf(() => verifyCrl('garbage', [caFacts], { at: AT }))).toBe('crl.malformed');
  });

  it('parses without a CA for inspection', () => {
    const f = parseCrl(makeCrl({ issuer: ca, entries: [{ serial: 1 }, { serial: 2 }] }));
    expect([f.entries, f.issuerText]).toEqual([2, 'CN=CRL Test CA,O=crl-authorizer,C=US']);
  });
});

