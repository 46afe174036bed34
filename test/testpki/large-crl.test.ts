import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import * as asn1js from 'asn1js';
import { makeCa } from '../../src/testpki/cert.js';
import { generateKey } from '../../src/testpki/keys.js';
import {
  buildLargeCrl,
  forEachGeneratedEntry,
  generatedSerialKeys,
  writeLargeCrl,
} from '../../src/testpki/large-crl.js';
import { hasOpenssl, openssl, tempDir } from './tools.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const ca = makeCa({ name: 'CN=Large CA,O=Test,C=US' });
const caPath = tmp.write('ca.pem', ca.pem);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
/** DESIGN.md serial text of a positive minimal key: the leading 00 goes. */
const serialText = (key: Uint8Array) => hex(key[0] === 0 && key.length > 1 ? key.subarray(1) : key);

describe.skipIf(!hasOpenssl)('a generated CRL of 100,000 entries', () => {
  const crlPath = join(tmp.path, 'medium.crl');
  const serialsPath = join(tmp.path, 'medium.serials.txt');
  const result = writeLargeCrl(crlPath, { issuer: ca, count: 100_000, seed: 7, crlNumber: 12n, serialsPath });
  const text = openssl(['crl', '-inform', 'DER', '-in', crlPath, '-noout', '-text', '-CAfile', caPath]).out;

  it('verifies with openssl and holds every entry', () => {
    expect(text).toContain('verify OK');
    expect(result.entries).toBe(100_000);
    expect(text.match(/Serial Number:/g)).toHaveLength(100_000);
    expect(readFileSync(crlPath).length).toBe(result.bytes);
    expect(text).toMatch(/CRL Number: \n\s+12\n/);
  });

  it('lists the serials the generator reproduces, in order', () => {
    const fromOpenssl = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]);
    const listed = readFileSync(serialsPath, 'utf8').trimEnd().split('\n');
    expect(listed).toEqual(fromOpenssl);
    const again: string[] = [];
    forEachGeneratedEntry({ count: 100_000, seed: 7 }, (serial) => again.push(serialText(serial)));
    expect(again).toEqual(fromOpenssl);
  });

  it('gives about a quarter of the entries a reasonCode', () => {
    expect(text.match(/CRL Reason Code:/g)).toHaveLength(result.withReason);
    expect(result.withReason / result.entries).toBeGreaterThan(0.23);
    expect(result.withReason / result.entries).toBeLessThan(0.27);
    expect(text).toContain('Certificate Hold');
    expect(text).not.toContain('Remove From CRL');
  });
});

describe('the entry generator', () => {
  const lengths = new Map<number, number>();
  let padded = 0;
  let descents = 0;
  let previous = '';
  forEachGeneratedEntry({ count: 50_000, seed: 3 }, (serial) => {
    lengths.set(serial.length, (lengths.get(serial.length) ?? 0) + 1);
    expect(serial[0]! & 0x80).toBe(0); // positive
    if (serial.length > 1 && serial[0] === 0) {
      expect(serial[1]! & 0x80).toBe(0x80); // minimal: a 00 only where the next octet needs it
      padded++;
    }
    if (serial.length === 1 || serial[0] !== 0) expect(serial[0]).not.toBe(0);
    const h = hex(serial);
    if (h < previous) descents++;
    previous = h;
  });

  it('mixes serial lengths from 1 to 20 octets, some needing a leading 00', () => {
    expect([...lengths.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(padded).toBeGreaterThan(10_000);
  });

  it('leaves entries unsorted', () => {
    expect(descents).toBeGreaterThan(10_000);
  });

  it('is deterministic per seed', () => {
    const a = generatedSerialKeys({ count: 1000, seed: 11 });
    const b = generatedSerialKeys({ count: 1000, seed: 11 });
    const c = generatedSerialKeys({ count: 1000, seed: 12 });
    expect(b.bytes).toEqual(a.bytes);
    expect(b.offsets).toEqual(a.offsets);
    expect(c.bytes).not.toEqual(a.bytes);
  });

  it('keeps removeFromCRL entries out of the revoking serial keys', () => {
    const opts = { count: 20_000, seed: 5, removeFromCrlShare: 0.1 };
    const built = buildLargeCrl({ issuer: ca, ...opts });
    const keys = generatedSerialKeys(opts);
    expect(built.removeFromCrl).toBeGreaterThan(1500);
    expect(keys.count).toBe(20_000 - built.removeFromCrl);
    expect(keys.offsets[keys.count]).toBe(keys.bytes.length);
  });
});

describe('buildLargeCrl', () => {
  it('encodes the entries pkijs reads back as the generator’s serials', () => {
    const opts = { count: 5000, seed: 9, removeFromCrlShare: 0.05 };
    const { der } = buildLargeCrl({ issuer: ca, ...opts });
    // asn1js caps a parse at 10,000 nodes by default (about 2,300 entries); lift the cap for this one.
    const asn = asn1js.fromBER(der, { maxNodes: 1e6 });
    expect(asn.result.error).toBe('');
    const parsed = new pkijs.CertificateRevocationList({ schema: asn.result });
    const entries = parsed.revokedCertificates!;
    expect(entries).toHaveLength(5000);
    const keys = generatedSerialKeys(opts);
    const revoking = entries.filter(
      (e) => !e.crlEntryExtensions?.extensions.some((x) => x.extnID === '2.5.29.21' && x.parsedValue?.valueBlock?.valueDec === 8),
    );
    expect(revoking.map((e) => hex(new Uint8Array(e.userCertificate.valueBlock.valueHexView)))).toEqual(
      Array.from({ length: keys.count }, (_, i) => hex(keys.bytes.subarray(keys.offsets[i], keys.offsets[i + 1]))),
    );
    expect(parsed.revokedCertificates!.every((e) => e.revocationDate.value < new Date('2025-01-01T00:00:00Z'))).toBe(true);
  });

  it('gives the same bytes for the same seed with a deterministic signature (Ed25519)', () => {
    const edCa = makeCa({ key: generateKey('ed25519') });
    const a = buildLargeCrl({ issuer: edCa, count: 3000, seed: 1 }).der;
    const b = buildLargeCrl({ issuer: edCa, count: 3000, seed: 1 }).der;
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('writes an empty CRL without revokedCertificates', () => {
    const parsed = pkijs.CertificateRevocationList.fromBER(buildLargeCrl({ issuer: ca, count: 0 }).der);
    expect(parsed.revokedCertificates).toBeUndefined();
  });

  it.skipIf(!hasOpenssl)('takes the CRL options: IDP, no nextUpdate, RSA-PSS, corrupt signature, trailing bytes', () => {
    const rsaCa = makeCa({ alg: 'rsa-pss' });
    const rsaCaPath = tmp.write('pss-ca.pem', rsaCa.pem);
    const check = (der: Uint8Array, file = caPath) =>
      openssl(['crl', '-inform', 'DER', '-noout', '-text', '-CAfile', file, '-in', tmp.write('opt.crl', der)]).out;
    const out = check(
      buildLargeCrl({
        issuer: rsaCa,
        count: 300,
        nextUpdate: null,
        issuingDistributionPoint: { fullName: ['http://crl.example/big.crl'], onlyContainsUserCerts: true },
        trailingBytes: 2,
      }).der,
      rsaCaPath,
    );
    expect(out).toContain('verify OK');
    expect(out).toContain('Next Update: NONE');
    expect(out).toContain('URI:http://crl.example/big.crl');
    expect(out).toContain('Signature Algorithm: rsassaPss');
    expect(check(buildLargeCrl({ issuer: ca, count: 300, corruptSignature: true }).der)).toContain('verify failure');
  });
});
