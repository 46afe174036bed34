/** The hard caps of src/limits.ts, each met through the public reader a hostile input would reach. */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCrl } from '../../src/crl/index.js';
import { pemBlocks } from '../../src/der/index.js';
import {
  checkCrlSize,
  MAX_CERT_BYTES,
  MAX_CRL_BYTES,
  MAX_DER_DEPTH,
  MAX_EXTENSIONS,
  MAX_NAME_ATTRIBUTES,
  MAX_OID_OCTETS,
  MAX_SERIAL_OCTETS,
} from '../../src/limits.js';
import {
  makeCa,
  makeCrl,
  makeLeaf,
  octetString,
  oid,
  sequence,
  set,
  toPem,
  utf8String,
} from '../../src/testpki/index.js';
import { readCertificate } from '../../src/x509/index.js';

const ca = makeCa({ name: 'CN=Limits CA,O=Example,C=US' });
const caFacts = readCertificate(ca.der);
const at = new Date('2026-01-01T00:00:00Z');

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  throw new Error('expected a refusal');
}

describe('CRL size', () => {
  it('refuses a 1 GiB CRL file by its size alone (a sparse file: nothing is read)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'limits-'));
    try {
      const path = join(dir, 'huge.crl');
      const fd = openSync(path, 'w');
      ftruncateSync(fd, MAX_CRL_BYTES + 1);
      closeSync(fd);
      const r = refusal(() => checkCrlSize(statSync(path).size, 'huge.crl'));
      expect(r.code).toBe('crl.too-large');
      expect(r.message).toContain(String(MAX_CRL_BYTES));
      expect(() => checkCrlSize(MAX_CRL_BYTES)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a CRL whose outer SEQUENCE claims more than the limit, before reading on', () => {
    const claim = Uint8Array.of(0x30, 0x84, 0x40, 0x00, 0x00, 0x01, 0x30, 0x00);
    const r = refusal(() => verifyCrl(claim, [caFacts], { at }));
    expect(r).toEqual({ code: 'crl.too-large', message: expect.stringContaining(`limit of ${MAX_CRL_BYTES} bytes`) });
    // The same claim inside PEM text.
    expect(refusal(() => verifyCrl(toPem(claim), [caFacts], { at })).code).toBe('crl.too-large');
  });

  it('refuses nesting deeper than the limit in a signed CRL issuer', () => {
    let deep: Uint8Array = utf8String('x');
    for (let i = 0; i <= MAX_DER_DEPTH + 1; i++) deep = sequence(deep);
    const crl = makeCrl({ issuer: ca, issuerName: sequence(set(sequence(oid('2.5.4.3'), utf8String('Limits CA'))), set(deep)) });
    const r = refusal(() => verifyCrl(crl, [caFacts], { at }));
    expect(r.code).toBe('crl.too-large');
    expect(r.message).toContain(`limit of ${MAX_DER_DEPTH} levels`);
  });

  it(`refuses an entry serial over ${MAX_SERIAL_OCTETS} octets and takes one of exactly ${MAX_SERIAL_OCTETS}`, () => {
    const long = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 0x11 : i & 0xff));
    const r = refusal(() => verifyCrl(makeCrl({ issuer: ca, entries: [{ serial: long(MAX_SERIAL_OCTETS + 1) }] }), [caFacts], { at }));
    expect(r.code).toBe('crl.too-large');
    expect(r.message).toContain(`limit of ${MAX_SERIAL_OCTETS} octets`);
    expect(verifyCrl(makeCrl({ issuer: ca, entries: [{ serial: long(MAX_SERIAL_OCTETS) }] }), [caFacts], { at }).keys.count).toBe(1);
  });

  it('reads hostile PEM text (thousands of BEGIN lines, no END) in linear time', () => {
    const text = '-----BEGIN X509 CRL-----\n'.repeat(40_000) + 'MAA=';
    expect(pemBlocks(text)).toEqual([]);
    expect(refusal(() => verifyCrl(text, [caFacts], { at })).code).toBe('crl.malformed');
  });
});

describe('certificate size and counts', () => {
  it(`refuses a certificate over ${MAX_CERT_BYTES} bytes, as DER and as PEM`, () => {
    const big = makeLeaf(ca, { subjectAltNames: Array.from({ length: 3000 }, (_, i) => ({ dns: `host-${i}.example.com` })) });
    expect(big.der.length).toBeGreaterThan(MAX_CERT_BYTES);
    const r = refusal(() => readCertificate(big.der));
    expect(r.code).toBe('cert.too-large');
    expect(r.message).toContain(`limit of ${MAX_CERT_BYTES} bytes`);
    expect(refusal(() => readCertificate(toPem(big.der, 'CERTIFICATE'))).code).toBe('cert.too-large');
  });

  it(`refuses a Name of more than ${MAX_NAME_ATTRIBUTES} attributes`, () => {
    const subject = sequence(...Array.from({ length: MAX_NAME_ATTRIBUTES + 1 }, (_, i) => set(sequence(oid('2.5.4.11'), utf8String(`u${i}`)))));
    const r = refusal(() => readCertificate(makeLeaf(ca, { subject }).der));
    expect(r.code).toBe('cert.too-large');
    expect(r.message).toContain(`limit of ${MAX_NAME_ATTRIBUTES} attributes`);
  });

  it(`refuses more than ${MAX_EXTENSIONS} extensions`, () => {
    const extensions = Array.from({ length: MAX_EXTENSIONS + 1 }, (_, i) => ({ oid: `1.3.6.1.4.1.99999.${i}`, value: octetString(Uint8Array.of(1)) }));
    const r = refusal(() => readCertificate(makeLeaf(ca, { extensions }).der));
    expect(r.code).toBe('cert.too-large');
    expect(r.message).toContain(`limit of ${MAX_EXTENSIONS} extensions`);
  });

  it(`refuses an attribute OID over ${MAX_OID_OCTETS} octets`, () => {
    const longOid = '1.2.' + Array.from({ length: 40 }, () => '268435455').join('.');
    const subject = sequence(set(sequence(oid(longOid), utf8String('x'))));
    const r = refusal(() => readCertificate(makeLeaf(ca, { subject }).der));
    expect(r.code).toBe('cert.too-large');
    expect(r.message).toContain(`limit of ${MAX_OID_OCTETS} octets`);
  });
});
