import { afterAll, describe, expect, it } from 'vitest';
import * as pkijs from 'pkijs';
import * as asn1js from 'asn1js';
import { makeCa, makeLeaf } from '../../src/testpki/cert.js';
import { DEFAULT_THIS_UPDATE, makeCrl, toPem, type CrlOptions } from '../../src/testpki/crl.js';
import { generateKey, signatureAlgorithm, type KeyAlg } from '../../src/testpki/keys.js';
import { integer, sequence, time, utf8String } from '../../src/testpki/der.js';
import { hasOpenssl, openssl, tempDir } from './tools.js';

const ALGS: KeyAlg[] = ['ec-p256', 'ec-p384', 'ec-p521', 'rsa-2048', 'rsa-pss', 'ed25519'];
const tmp = tempDir();
afterAll(() => tmp.remove());

const ca = makeCa({ name: 'CN=Good CA,O=Test,C=US' });
const caPath = tmp.write('ca.pem', ca.pem);
let counter = 0;

/** `openssl crl -text` of a CRL, and whether its signature verified with the CA. */
function opensslCrl(der: Uint8Array, caFile = caPath): { verified: boolean; text: string } {
  const path = tmp.write(`crl-${counter++}.der`, der);
  const out = openssl(['crl', '-inform', 'DER', '-in', path, '-noout', '-text', '-CAfile', caFile]).out;
  expect(out).toMatch(/verify (OK|failure)/);
  return { verified: out.includes('verify OK'), text: out };
}

const parse = (der: Uint8Array) => pkijs.CertificateRevocationList.fromBER(der);
const crlWith = (opts: Partial<CrlOptions>) => makeCrl({ issuer: ca, ...opts });

describe.each(ALGS)('a CRL signed with %s', (alg) => {
  const issuer = makeCa({ name: `CN=${alg} CA,O=Test,C=US`, alg });
  const revoked = makeLeaf(issuer, { serial: 0xc0ffeen });
  const good = makeLeaf(issuer, { serial: 0xc0ffefn });
  const crl = makeCrl({
    issuer,
    entries: [{ serial: 0xc0ffeen, reason: 'keyCompromise' }, { serial: 7n }],
    issuingDistributionPoint: { fullName: ['http://crl.example/a.crl'], onlyContainsUserCerts: true },
  });

  it.skipIf(!hasOpenssl)('openssl verifies it with the CA certificate', () => {
    const { verified, text } = opensslCrl(crl, tmp.write(`${alg}.ca.pem`, issuer.pem));
    expect(verified).toBe(true);
    expect(text).toContain(`Issuer: C = US, O = Test, CN = ${alg} CA`);
    expect(text.match(/Serial Number:/g)).toHaveLength(2);
  });

  it.skipIf(!hasOpenssl)('openssl verify -crl_check finds the revoked leaf and passes the good one', () => {
    const caFile = tmp.write(`${alg}.chk.ca.pem`, issuer.pem);
    const crlFile = tmp.write(`${alg}.crl.pem`, toPem(makeCrl({ issuer, entries: [{ serial: 0xc0ffeen }] }), 'X509 CRL', { crlf: true }));
    const check = (pem: string) =>
      openssl(['verify', '-crl_check', '-CAfile', caFile, '-CRLfile', crlFile, tmp.write(`${alg}-${counter++}.pem`, pem)]).out;
    expect(check(revoked.pem)).toContain('certificate revoked');
    expect(check(good.pem)).toMatch(/: OK/);
  });

  it('pkijs reads the entries and the issuer', () => {
    const parsed = parse(crl);
    expect(parsed.version).toBe(1);
    expect(parsed.revokedCertificates!.map((e) => e.userCertificate.toBigInt())).toEqual([0xc0ffeen, 7n]);
    expect(Buffer.from(parsed.issuer.toSchema().toBER())).toEqual(Buffer.from(issuer.subject));
  });
});

describe.skipIf(!hasOpenssl)('openssl shows each CRL extension', () => {
  it('AKI (the CA’s SKI by default) and a CRL number beyond 64 bits', () => {
    const { verified, text } = opensslCrl(crlWith({ crlNumber: 2n ** 70n + 1n }));
    expect(verified).toBe(true);
    expect(text).toContain(ca.ski && Buffer.from(ca.ski).toString('hex').toUpperCase().match(/../g)!.join(':'));
    expect(text).toMatch(new RegExp(`CRL Number: \\n\\s+${2n ** 70n + 1n}\\n`));
  });

  it('deltaCRLIndicator, critical', () => {
    expect(opensslCrl(crlWith({ deltaCrlIndicator: 41n })).text).toMatch(/Delta CRL Indicator: critical\s+41\n/);
  });

  it('issuingDistributionPoint with each field', () => {
    const { text } = opensslCrl(
      crlWith({
        issuingDistributionPoint: {
          fullName: ['http://crl.example/p1.crl', { dn: 'CN=Partition 1,O=Test,C=US' }],
          onlyContainsCACerts: true,
          onlySomeReasons: ['keyCompromise', 'cACompromise'],
          indirectCRL: true,
        },
      }),
    );
    expect(text).toContain('Issuing Distribution Point: critical');
    expect(text).toContain('URI:http://crl.example/p1.crl');
    expect(text).toContain('DirName:C = US, O = Test, CN = Partition 1');
    expect(text).toContain('Only CA Certificates');
    expect(text).toMatch(/Some Reasons:\s*Key Compromise, CA Compromise/);
    expect(text).toContain('Indirect CRL');
    const attr = opensslCrl(
      crlWith({ issuingDistributionPoint: { onlyContainsAttributeCerts: true, critical: false, relativeName: { CN: 'P2' } } }),
    ).text;
    expect(attr).toMatch(/Issuing Distribution Point: \n/);
    expect(attr).toContain('Only Attribute Certificates');
    expect(attr).toMatch(/Relative Name:\s+CN = P2/);
  });

  it('extra CRL extensions, critical or not, and no AKI or CRL number when asked', () => {
    const { text } = opensslCrl(
      crlWith({
        aki: null,
        crlNumber: null,
        extensions: [
          { oid: '1.3.6.1.4.1.99999.7', value: utf8String('quiet') },
          { oid: '1.3.6.1.4.1.99999.8', critical: true, value: utf8String('loud') },
        ],
      }),
    );
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.99999\.7: \n/);
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.99999\.8: critical/);
    expect(text).not.toContain('Authority Key Identifier');
    expect(text).not.toContain('CRL Number');
  });

  it('an unknown critical CRL extension makes openssl verify -crl_check refuse the CRL', () => {
    const crl = crlWith({ extensions: [{ oid: '1.3.6.1.4.1.99999.8', critical: true, value: utf8String('x') }] });
    const crlFile = tmp.write('crit.crl.pem', toPem(crl));
    const leafFile = tmp.write('crit-leaf.pem', makeLeaf(ca).pem);
    const out = openssl(['verify', '-crl_check', '-CAfile', caPath, '-CRLfile', crlFile, leafFile]).out;
    expect(out).toContain('unhandled critical CRL extension');
  });

  it('entry extensions: reasonCode, invalidityDate, certificateIssuer, empty and extra ones', () => {
    const { verified, text } = opensslCrl(
      crlWith({
        entries: [
          { serial: 1n, reason: 'certificateHold', revocationDate: new Date('2024-05-06T07:08:09Z') },
          { serial: 2n, reason: 'removeFromCRL', invalidityDate: new Date('2024-01-02T03:04:05Z') },
          { serial: 3n, certificateIssuer: [{ dn: 'CN=Other CA,O=Test,C=US' }] },
          { serial: 4n, emptyExtensions: true },
          { serial: 5n, extensions: [{ oid: '1.3.6.1.4.1.99999.9', critical: true, value: utf8String('e') }] },
        ],
      }),
    );
    expect(verified).toBe(true);
    expect(text).toMatch(
      /Serial Number: 01\s+Revocation Date: May  6 07:08:09 2024 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code: \s+Certificate Hold/,
    );
    expect(text).toMatch(/Remove From CRL\s+Invalidity Date: \s+Jan  2 03:04:05 2024 GMT/);
    expect(text).toMatch(/Certificate Issuer: critical\s+DirName:\/C=US\/O=Test\/CN=Other CA/);
    expect(text).toMatch(/Serial Number: 05[\s\S]*1\.3\.6\.1\.4\.1\.99999\.9: critical/);
  });

  it('a v1 CRL without nextUpdate, and GeneralizedTime when forced', () => {
    const v1 = opensslCrl(crlWith({ version: 1, nextUpdate: null, entries: [{ serial: 9n }] }));
    expect(v1.verified).toBe(true);
    expect(v1.text).toContain('Version 1 (0x0)');
    expect(v1.text).toContain('Next Update: NONE');
    expect(v1.text).not.toContain('CRL extensions');
    const gt = crlWith({
      timeEncoding: 'generalized',
      thisUpdate: new Date('2026-02-03T04:05:06Z'),
      nextUpdate: new Date('2060-01-01T00:00:00Z'),
    });
    const { text } = opensslCrl(gt);
    expect(text).toContain('Last Update: Feb  3 04:05:06 2026 GMT');
    expect(text).toContain('Next Update: Jan  1 00:00:00 2060 GMT');
    const parsed = parse(gt);
    expect([parsed.thisUpdate.type, parsed.nextUpdate!.type]).toEqual([1, 1]);
  });
});

describe('defects for negative tests', () => {
  it.skipIf(!hasOpenssl)('a corrupted signature, a foreign signing key and a differing outer algorithm fail verification', () => {
    expect(opensslCrl(crlWith({})).verified).toBe(true);
    expect(opensslCrl(crlWith({ corruptSignature: true })).verified).toBe(false);
    expect(opensslCrl(crlWith({ signingKey: generateKey('ec-p256') })).verified).toBe(false);
    expect(opensslCrl(crlWith({ outerSignatureAlgorithm: signatureAlgorithm(ca.key, { hash: 'sha384' }) })).verified).toBe(false);
  });

  it('the outer algorithm differs from the TBS one when asked', () => {
    const parsed = parse(crlWith({ outerSignatureAlgorithm: signatureAlgorithm(ca.key, { hash: 'sha384' }) }));
    expect(parsed.signature.algorithmId).toBe('1.2.840.10045.4.3.2');
    expect(parsed.signatureAlgorithm.algorithmId).toBe('1.2.840.10045.4.3.3');
  });

  it('appends trailing bytes after the signed CRL', () => {
    const der = crlWith({ trailingBytes: Uint8Array.of(0xde, 0xad) });
    const outer = asn1js.fromBER(der);
    expect(outer.offset).toBe(der.length - 2);
    expect(Array.from(der.subarray(-2))).toEqual([0xde, 0xad]);
    expect(crlWith({ trailingBytes: 3 }).subarray(-3)).toEqual(new Uint8Array(3));
    if (hasOpenssl) expect(opensslCrl(der).verified).toBe(true);
  });

  it('writes a foreign issuer name, raw entry serials and an empty revoked list as given', () => {
    const parsed = parse(
      crlWith({
        issuerName: 'CN=Someone Else',
        entries: [{ serial: Uint8Array.of(0, 0, 0xff) }, { serial: Uint8Array.of(0xff) }, { serial: new Uint8Array(0) }],
      }),
    );
    expect(parsed.issuer.typesAndValues[0]!.value.valueBlock.value).toBe('Someone Else');
    const serials = parsed.revokedCertificates!.map((e) => Buffer.from(e.userCertificate.valueBlock.valueHexView).toString('hex'));
    expect(serials).toEqual(['0000ff', 'ff', '']);
    const empty = crlWith({ emptyRevokedList: true });
    expect(Buffer.from(empty).includes(Buffer.from('3000a0', 'hex'))).toBe(true);
    expect(parse(crlWith({})).revokedCertificates).toBeUndefined();
    // An entry whose crlEntryExtensions is an empty SEQUENCE (pkijs refuses such CRLs, openssl reads them).
    const withEmpty = crlWith({ entries: [{ serial: 4n, emptyExtensions: true }] });
    const entry = sequence(integer(4), time(DEFAULT_THIS_UPDATE), sequence());
    expect(Buffer.from(withEmpty).includes(Buffer.from(entry))).toBe(true);
  });
});

describe('toPem', () => {
  it('writes 64-character base64 lines with LF or CRLF', () => {
    const der = crlWith({ entries: Array.from({ length: 20 }, (_, i) => ({ serial: BigInt(i + 1) })) });
    const lf = toPem(der);
    const crlf = toPem(der, 'X509 CRL', { crlf: true });
    expect(lf.startsWith('-----BEGIN X509 CRL-----\n')).toBe(true);
    expect(lf.endsWith('-----END X509 CRL-----\n')).toBe(true);
    expect(lf.split('\n').slice(1, -3).every((l) => l.length === 64)).toBe(true);
    expect(crlf).toBe(lf.replace(/\n/g, '\r\n'));
    const body = lf.split('\n').slice(1, -2).join('');
    expect(Buffer.from(body, 'base64')).toEqual(Buffer.from(der));
  });
});
