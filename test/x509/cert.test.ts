import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { makeCa, makeCertificate, makeLeaf, toPem } from '../../src/testpki/index.js';
import { readCertificate, type CertFacts } from '../../src/x509/index.js';
import { CONFORMANCE_DIR, describeConformance } from '../support/conformance.js';
import { expectCode } from '../support/codes.js';

/** RFC 4514 text -> [type, value] pairs, most significant RDN first (the order node:crypto prints). */
function rfc4514Pairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  let token = '';
  let type = '';
  const push = () => {
    out.push([type, token]);
    token = '';
    type = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') token += text[++i];
    else if (ch === '=' && type === '') {
      type = token;
      token = '';
    } else if (ch === ',' || ch === '+') push();
    else token += ch;
  }
  push();
  return out.reverse();
}

/** node:crypto's issuer/subject (one `type=value` per line, most significant first; OpenSSL escaping). */
function nodePairs(text: string): [string, string][] {
  return text.split('\n').map((line) => {
    const i = line.indexOf('=');
    return [line.slice(0, i), line.slice(i + 1).replace(/\\(.)/g, '$1')] as [string, string];
  });
}

function sameName(ours: string, node: string): void {
  const a = rfc4514Pairs(ours);
  const b = nodePairs(node);
  // Types without a short name are #hex of the value's DER: compare the string inside.
  const value = (v: string): string => (v.startsWith('#') ? Buffer.from(v.slice(1), 'hex').subarray(2).toString('utf8') : v);
  expect(a.map(([, v]) => value(v).trim())).toEqual(b.map(([, v]) => v.trim()));
  a.forEach(([type], i) => {
    if (!type.includes('.')) expect(type.toLowerCase()).toBe(b[i]![0].toLowerCase());
  });
}

/** Extension facts from pkijs, an independent DER reader (node:crypto does not expose keyUsage or key ids). */
function pkijsFacts(der: Uint8Array): { keyUsage?: number; ski?: string; aki?: string; ca: boolean } {
  const cert = pkijs.Certificate.fromBER(der);
  const out: { keyUsage?: number; ski?: string; aki?: string; ca: boolean } = { ca: false };
  for (const ext of cert.extensions ?? []) {
    const v = ext.parsedValue as any;
    if (ext.extnID === '2.5.29.15') {
      const bytes = new Uint8Array(v.valueBlock.valueHexView);
      let bits = 0;
      for (let i = 0; i < Math.min(bytes.length, 4) * 8; i++) if ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) bits |= 1 << i;
      out.keyUsage = bits >>> 0;
    } else if (ext.extnID === '2.5.29.14') out.ski = Buffer.from(v.valueBlock.valueHexView).toString('hex');
    else if (ext.extnID === '2.5.29.35' && v.keyIdentifier) {
      out.aki = Buffer.from(v.keyIdentifier.valueBlock.valueHexView).toString('hex');
    } else if (ext.extnID === '2.5.29.19') out.ca = v.cA === true;
  }
  return out;
}

const hexOrUndefined = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

function compareWithNode(file: string, der: Uint8Array, facts: CertFacts): void {
  const x = new X509Certificate(der);
  if (!(facts.serial[0]! & 0x80)) {
    expect(facts.serialText, file).toBe(x.serialNumber.toUpperCase().padStart(facts.serialText.length, '0'));
  }
  expect(facts.notBefore.getTime(), file).toBe(new Date(x.validFrom).getTime());
  expect(facts.notAfter.getTime(), file).toBe(new Date(x.validTo).getTime());
  sameName(facts.issuerText, x.issuer);
  sameName(facts.subjectText, x.subject);
  // node's `ca` is OpenSSL's X509_check_ca, which also wants keyCertSign when keyUsage is present
  if (facts.keyUsage === undefined || facts.keyUsage & (1 << 5)) expect(facts.isCA, file).toBe(x.ca);
  expect(Buffer.from(facts.spki).equals(x.publicKey.export({ type: 'spki', format: 'der' })), file).toBe(true);
  const p = pkijsFacts(der);
  expect(facts.keyUsage, file).toBe(p.keyUsage);
  expect(hexOrUndefined(facts.subjectKeyId), file).toBe(p.ski);
  expect(hexOrUndefined(facts.authorityKeyId), file).toBe(p.aki);
  expect(facts.isCA, file).toBe(p.ca);
}

describe('readCertificate on generated certificates', () => {
  const ca = makeCa({ name: 'CN=Unit CA,O=crl-authorizer,C=US' });

  it('reads the facts the check needs', () => {
    const leaf = makeLeaf(ca, {
      serial: 255n,
      crlDistributionPoints: [
        'http://crl.example/a.crl',
        { fullName: [{ dn: 'CN=CRL1,O=crl-authorizer,C=US' }] },
        { relativeName: { CN: 'Part 7' } },
        { fullName: ['http://indirect.example/x.crl'], crlIssuer: [{ dn: 'CN=Other,C=US' }] },
      ],
    });
    const f = readCertificate(leaf.der);
    expect(f.serialText).toBe('FF');
    expect(f.serial).toEqual(Uint8Array.of(0x00, 0xff));
    expect(f.issuerText).toBe('CN=Unit CA,O=crl-authorizer,C=US');
    expect(f.issuerKey).toBe(readCertificate(ca.der).subjectKey);
    expect(f.subjectText).toBe('CN=Test Leaf,O=Test,C=US');
    expect(f.authorityKeyId).toEqual(ca.ski);
    expect(f.subjectKeyId).toEqual(leaf.ski);
    expect(f.keyUsage).toBe(1);
    expect(f.isCA).toBe(false);
    const unitCaPart7 = readCertificate(makeCa({ name: 'CN=Part 7,CN=Unit CA,O=crl-authorizer,C=US' }).der).subjectKey;
    const crl1 = readCertificate(makeCa({ name: 'CN=CRL1,O=crl-authorizer,C=US' }).der).subjectKey;
    expect(f.crlDistributionPoints).toEqual(['uri:http://crl.example/a.crl', `dn:${crl1}`, `dn:${unitCaPart7}`]);

    const caFacts = readCertificate(ca.pem);
    expect(caFacts.isCA).toBe(true);
    expect(caFacts.keyUsage).toBe((1 << 0) | (1 << 5) | (1 << 6));
    expect(caFacts.crlDistributionPoints).toEqual([]);
  });

  it('reads negative, non-minimal and long serials as their keys', () => {
    expect(readCertificate(makeLeaf(ca, { serial: -1n }).der).serialText).toBe('-01');
    const padded = readCertificate(makeLeaf(ca, { serial: Uint8Array.of(0x00, 0x00, 0x7f) }).der);
    expect(padded.serial).toEqual(Uint8Array.of(0x7f));
    const long = new Uint8Array(32).fill(0x42);
    expect(readCertificate(makeLeaf(ca, { serial: long }).der).serialText).toBe('42'.repeat(32));
  });

  it('reads v1 certificates and ones without key usage or key ids', () => {
    const v1 = readCertificate(makeCertificate({ subject: 'CN=v1', version: 1 }).der);
    expect(v1.keyUsage).toBeUndefined();
    expect(v1.subjectKeyId).toBeUndefined();
    expect(v1.isCA).toBe(false);
    const bare = readCertificate(makeLeaf(ca, { keyUsage: null, ski: null, aki: null }).der);
    expect(bare.keyUsage).toBeUndefined();
    expect(bare.authorityKeyId).toBeUndefined();
  });

  it('accepts DER, PEM with CRLF and bare base64; refuses the rest as cert.malformed', () => {
    const leaf = makeLeaf(ca);
    const crlf = toPem(leaf.der, 'CERTIFICATE', { crlf: true });
    expect(readCertificate(crlf).serialText).toBe(readCertificate(leaf.der).serialText);
    expect(readCertificate(Buffer.from(leaf.der).toString('base64')).serialText).toBe(readCertificate(leaf.der).serialText);
    for (const bad of [leaf.der.subarray(0, leaf.der.length - 1), Uint8Array.of(...leaf.der, 0), 'not a certificate']) {
      expectCode(() => readCertificate(bad), 'cert.malformed');
    }
  });

  it('agrees with node:crypto on generated certificates', () => {
    for (const alg of ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048'] as const) {
      const c = makeCa({ name: [{ C: 'DE' }, { O: 'Täst, "GmbH"' }, { CN: `CA ${alg}` }], alg });
      compareWithNode(alg, c.der, readCertificate(c.der));
    }
  });
});

describeConformance('readCertificate agrees with node:crypto on real and PKITS certificates', () => {
  const files: string[] = [];
  const pkits = path.join(CONFORMANCE_DIR, 'pkits/certs');
  for (const f of readdirSync(pkits)) files.push(path.join(pkits, f));
  for (const dir of ['esig_dss', 'letsencrypt']) {
    const d = path.join(CONFORMANCE_DIR, 'real', dir);
    for (const f of readdirSync(d)) if (/\.(crt|cer|pem|der)$/.test(f) && !/crl|shard/i.test(f)) files.push(path.join(d, f));
  }

  it(`reads ${files.length} certificates like node:crypto`, () => {
    expect(files.length).toBeGreaterThan(150);
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const facts = readCertificate(bytes);
      const x = new X509Certificate(bytes);
      compareWithNode(path.basename(file), new Uint8Array(x.raw), facts);
      expect(Buffer.from(facts.der).equals(x.raw), file).toBe(true);
    }
  });
});
