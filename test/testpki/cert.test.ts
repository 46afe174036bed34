import { afterAll, describe, expect, it } from 'vitest';
import { createHash, X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { makeCa, makeCertificate, makeLeaf } from '../../src/testpki/cert.js';
import { generateKey, keyIdentifier, type KeyAlg } from '../../src/testpki/keys.js';
import { EXT } from '../../src/testpki/extensions.js';
import { integer, octetString, utf8String } from '../../src/testpki/der.js';
import { hasOpenssl, openssl, tempDir } from './tools.js';

const ALGS: KeyAlg[] = ['ec-p256', 'ec-p384', 'ec-p521', 'rsa-2048', 'rsa-pss', 'ed25519'];
const tmp = tempDir();
afterAll(() => tmp.remove());

const colonHex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase().match(/../g)!.join(':');

describe.each(ALGS)('a %s CA and leaf', (alg) => {
  const ca = makeCa({ name: 'CN=Good CA,O=Test,C=US', alg });
  const leaf = makeLeaf(ca, { serial: 255n, subject: 'CN=client.example,O=Test,C=US', alg });
  const caX = new X509Certificate(ca.der);
  const leafX = new X509Certificate(leaf.der);

  it('node reads the CA as a self-signed CA', () => {
    expect(caX.subject).toBe('C=US\nO=Test\nCN=Good CA');
    expect(caX.issuer).toBe(caX.subject);
    expect(caX.ca).toBe(true);
    expect(caX.verify(caX.publicKey)).toBe(true);
    expect(caX.publicKey.asymmetricKeyType).toBe(alg.startsWith('ec') ? 'ec' : alg === 'rsa-2048' ? 'rsa' : alg);
  });

  it('node verifies the leaf with the CA public key and reads its fields', () => {
    expect(leafX.verify(caX.publicKey)).toBe(true);
    expect(leafX.checkIssued(caX)).toBe(true);
    expect(leafX.ca).toBe(false);
    expect(leafX.serialNumber).toBe('FF');
    expect(leafX.issuer).toBe(caX.subject);
    expect(leafX.subject).toBe('C=US\nO=Test\nCN=client.example');
    expect(leafX.publicKey.equals(leaf.key.publicKey)).toBe(true);
  });

  it.skipIf(!hasOpenssl)('openssl verifies the chain', () => {
    const caPath = tmp.write(`${alg}.ca.pem`, ca.pem);
    const leafPath = tmp.write(`${alg}.leaf.pem`, leaf.pem);
    expect(openssl(['verify', '-CAfile', caPath, leafPath]).out).toContain(`${leafPath}: OK`);
  });
});

describe('signature options', () => {
  const rsa = generateKey('rsa-2048', { cacheKey: 'cert-test-rsa' });
  const ca = makeCa({ key: rsa });
  const caX = new X509Certificate(ca.der);

  it.each([
    ['sha1', false, 'sha1WithRSAEncryption'],
    ['sha256', false, 'sha256WithRSAEncryption'],
    ['sha384', false, 'sha384WithRSAEncryption'],
    ['sha512', false, 'sha512WithRSAEncryption'],
    ['sha256', true, 'rsassaPss'],
    ['sha512', true, 'rsassaPss'],
  ] as const)('RSA %s (pss %s) signs a leaf node verifies, labelled %s', (hash, pss, label) => {
    const leaf = makeLeaf(ca, { signature: { hash, pss } });
    expect(new X509Certificate(leaf.der).verify(caX.publicKey)).toBe(true);
    if (hasOpenssl) {
      const text = openssl(['x509', '-noout', '-text', '-in', tmp.write(`sig-${hash}-${pss}.pem`, leaf.pem)]).out;
      expect(text).toContain(`Signature Algorithm: ${label}`);
      if (pss) expect(text).toContain(`Hash Algorithm: ${hash}`);
    }
  });

  it('caches keys by cacheKey and only then', () => {
    expect(generateKey('rsa-2048', { cacheKey: 'cert-test-rsa' })).toBe(rsa);
    expect(generateKey('ec-p256', { cacheKey: 'a' })).not.toBe(generateKey('ec-p256', { cacheKey: 'b' }));
    expect(generateKey('ec-p256')).not.toBe(generateKey('ec-p256'));
  });
});

describe('extensions', () => {
  const root = makeCa({ name: 'CN=Root,O=Test,C=US' });
  const inter = makeCa({ name: 'CN=Issuing,O=Test,C=US', issuer: root, basicConstraints: { ca: true, pathLen: 0 } });
  const leaf = makeLeaf(inter, {
    serial: 0x1234n,
    crlDistributionPoints: [
      'http://crl.example/issuing.crl',
      { fullName: [{ dn: 'CN=Partition 7,O=Test,C=US' }] },
      { relativeName: { CN: 'Partition 8' }, reasons: ['keyCompromise'] },
    ],
    subjectAltNames: [{ dns: 'client.example' }],
    extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: utf8String('extra') }],
  });

  it('defaults the SKI to the SHA-1 of the public key bits and the AKI to the issuer’s SKI', () => {
    const jwk = leaf.key.publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    expect(leaf.ski).toEqual(new Uint8Array(createHash('sha1').update(point).digest()));
    expect(keyIdentifier(leaf.key)).toEqual(leaf.ski);
    const parsed = pkijs.Certificate.fromBER(leaf.der);
    const aki = parsed.extensions!.find((e) => e.extnID === EXT.authorityKeyIdentifier)!.parsedValue as pkijs.AuthorityKeyIdentifier;
    expect(new Uint8Array(aki.keyIdentifier!.valueBlock.valueHexView)).toEqual(inter.ski);
  });

  it.skipIf(!hasOpenssl)('openssl shows every extension and verifies the three-level chain', () => {
    const rootPath = tmp.write('root.pem', root.pem);
    const interPath = tmp.write('inter.pem', inter.pem);
    const leafPath = tmp.write('leaf.pem', leaf.pem);
    const plainPath = tmp.write('plain.pem', makeLeaf(inter).pem);
    expect(openssl(['verify', '-CAfile', rootPath, '-untrusted', interPath, plainPath]).out).toContain(': OK');
    // The extra extension is written critical, so openssl refuses the leaf that carries it.
    expect(openssl(['verify', '-CAfile', rootPath, '-untrusted', interPath, leafPath]).out).toContain(
      'unhandled critical extension',
    );
    const interText = openssl(['x509', '-noout', '-text', '-in', interPath]).out;
    expect(interText).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(interText).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(interText).toContain(`Authority Key Identifier: \n                ${colonHex(root.ski!)}`);
    const text = openssl(['x509', '-noout', '-text', '-in', leafPath]).out;
    expect(text).toContain(`Subject Key Identifier: \n                ${colonHex(leaf.ski!)}`);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).not.toContain('Basic Constraints');
    expect(text).toContain('URI:http://crl.example/issuing.crl');
    expect(text).toContain('DirName:C = US, O = Test, CN = Partition 7');
    expect(text).toMatch(/Relative Name:\s+CN = Partition 8\s+Reasons:\s+Key Compromise/);
    expect(text).toContain('DNS:client.example');
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.99999\.1: critical/);
    expect(text).toContain('Serial Number: 4660 (0x1234)');
  });

  it('leaves out SKI, AKI and keyUsage when asked, and writes v1 certificates without extensions', () => {
    const bare = makeLeaf(root, { ski: null, aki: null, keyUsage: null });
    const ids = pkijs.Certificate.fromBER(bare.der).extensions?.map((e) => e.extnID) ?? [];
    expect(ids).not.toContain(EXT.subjectKeyIdentifier);
    expect(ids).not.toContain(EXT.authorityKeyIdentifier);
    expect(ids).not.toContain(EXT.keyUsage);
    const v1 = makeLeaf(root, { version: 1 });
    const parsed = pkijs.Certificate.fromBER(v1.der);
    expect(parsed.version).toBe(0);
    expect(parsed.extensions).toBeUndefined();
    expect(new X509Certificate(v1.der).verify(new X509Certificate(root.der).publicKey)).toBe(true);
  });

  it('writes given SKI and AKI values and keyUsage without cRLSign', () => {
    const ski = Uint8Array.of(1, 2, 3, 4);
    const ca = makeCa({ ski, aki: Uint8Array.of(9), keyUsage: ['keyCertSign'] });
    const exts = pkijs.Certificate.fromBER(ca.der).extensions!;
    const skiExt = exts.find((e) => e.extnID === EXT.subjectKeyIdentifier)!;
    expect(Buffer.from(skiExt.extnValue.valueBlock.valueHexView)).toEqual(Buffer.from(octetString(ski)));
    expect(new X509Certificate(ca.der).keyUsage).toBeUndefined(); // node reports only extended key usage
    const ku = exts.find((e) => e.extnID === EXT.keyUsage)!;
    expect(Buffer.from(ku.extnValue.valueBlock.valueHexView).toString('hex')).toBe('03020204');
    expect(ca.ski).toEqual(ski);
  });
});

describe('serials and validity', () => {
  const ca = makeCa();

  it('writes raw serial octets exactly, non-minimal and negative ones included', () => {
    for (const raw of [Uint8Array.of(0, 0, 1), Uint8Array.of(0xff), Uint8Array.of(0x80, 1), new Uint8Array(21).fill(0x11)]) {
      const cert = makeLeaf(ca, { serial: raw });
      expect(cert.serial).toEqual(raw);
      expect(new Uint8Array(pkijs.Certificate.fromBER(cert.der).serialNumber.valueBlock.valueHexView)).toEqual(raw);
    }
    expect(new X509Certificate(makeLeaf(ca, { serial: -1n }).der).serialNumber).toBe('-01');
    expect(new X509Certificate(makeLeaf(ca, { serial: Uint8Array.of(0x80, 1) }).der).serialNumber).toBe('-7FFF');
  });

  it('gives random positive 16-octet serials by default', () => {
    const a = makeLeaf(ca).serial;
    expect(a).toHaveLength(16);
    expect(a[0]! & 0x80).toBe(0);
    expect(a).not.toEqual(makeLeaf(ca).serial);
  });

  it('writes validity dates, GeneralizedTime from 2050 and as forced', () => {
    const notBefore = new Date('2024-02-03T04:05:06Z');
    const notAfter = new Date('2051-01-01T00:00:00Z');
    const cert = makeLeaf(ca, { notBefore, notAfter });
    const x = new X509Certificate(cert.der);
    expect(new Date(x.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(x.validTo).toISOString()).toBe(notAfter.toISOString());
    const parsed = pkijs.Certificate.fromBER(cert.der);
    expect(parsed.notBefore.type).toBe(0); // UTCTime
    expect(parsed.notAfter.type).toBe(1); // GeneralizedTime
    const forced = pkijs.Certificate.fromBER(makeLeaf(ca, { notBefore, timeEncoding: 'generalized' }).der);
    expect(forced.notBefore.type).toBe(1);
    expect(forced.notBefore.value.toISOString()).toBe(notBefore.toISOString());
  });

  it('makes a certificate with a name given as DER and a key it is handed', () => {
    const key = generateKey('ed25519');
    const subject = makeCa({ name: [{ O: 'Org' }, { CN: 'Named' }] }).subject;
    const cert = makeCertificate({ subject, key, issuer: ca, extensions: [{ oid: '1.2.3.4', value: integer(5) }] });
    expect(cert.subject).toEqual(subject);
    expect(cert.key).toBe(key);
    expect(new X509Certificate(cert.der).subject).toBe('O=Org\nCN=Named');
  });
});
