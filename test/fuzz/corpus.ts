/**
 * What the fuzzer mutates: real certificates and CRLs from ../shared/conformance (PKITS and real-world files),
 * plus material made by testpki, and blobs made from real signed CRLs by the real preprocessor. CRLs that verify
 * against a CA in the corpus are the "signed seeds": a mutant of one that verifies must be the same CRL.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrl, verifyCrl, type CrlFacts } from '../../src/crl/index.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
import { makeCa, makeCrl, makeLeaf, type TestCert } from '../../src/testpki/index.js';
import { readCertificate, type CertFacts } from '../../src/x509/index.js';
import { CONFORMANCE_DIR } from '../support/conformance.js';

/** Mutating a file copies it per case; larger files would only slow the run without reaching new code. */
const MAX_SEED_BYTES = 64 * 1024;

/** A CRL whose signature verifies with `ca` at `at`. */
export interface SignedCrl {
  name: string;
  der: Uint8Array;
  cas: CertFacts[];
  at: Date;
  facts: CrlFacts;
}

export interface Corpus {
  certs: { name: string; der: Uint8Array }[];
  crls: { name: string; der: Uint8Array }[];
  signed: SignedCrl[];
  blobs: { name: string; bytes: Uint8Array }[];
  /** The authorizer's world: CA A covered by `blobA`, a good and a revoked leaf. */
  pki: { ca: TestCert; good: TestCert; revoked: TestCert; other: TestCert; blobA: Uint8Array; revokedSerials: Set<string> };
  /** Where the real files came from; 0 when ../shared/conformance is absent. */
  conformanceFiles: number;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !/\.(tsv|md|txt)$/i.test(d.name))
    .map((d) => join((d as { parentPath?: string }).parentPath ?? d.path, d.name));
}

const AT = new Date('2026-03-01T12:00:00Z');

export function loadCorpus(): Corpus {
  const certs: Corpus['certs'] = [];
  const crls: Corpus['crls'] = [];
  const real = [
    ...filesUnder(join(CONFORMANCE_DIR, 'pkits/certs')),
    ...filesUnder(join(CONFORMANCE_DIR, 'pkits/crls')),
    ...filesUnder(join(CONFORMANCE_DIR, 'real')),
  ];
  const certFacts: CertFacts[] = [];
  for (const path of real) {
    if (statSync(path).size > MAX_SEED_BYTES) continue;
    const bytes = new Uint8Array(readFileSync(path));
    try {
      const f = readCertificate(bytes);
      certs.push({ name: path, der: f.der });
      certFacts.push(f);
      continue;
    } catch {
      // not a certificate: perhaps a CRL
    }
    try {
      parseCrl(bytes);
      crls.push({ name: path, der: derOf(bytes) });
    } catch {
      // neither (or a CRL this project refuses): still worth mutating as a CRL
      if (bytes[0] === 0x30) crls.push({ name: path, der: bytes });
    }
  }

  // testpki material: every key type, long and negative serials, partitioned scope, trailing bytes.
  const ca = makeCa({ name: 'CN=Fuzz CA A,O=Example,C=US' });
  const rsa = makeCa({ name: 'CN=Fuzz RSA CA,O=Example,C=US', alg: 'rsa-2048' });
  const ed = makeCa({ name: 'CN=Fuzz Ed25519 CA,O=Example,C=US', alg: 'ed25519' });
  const good = makeLeaf(ca, { subject: 'CN=good,O=Example,C=US', crlDistributionPoints: ['http://crl.example/a.crl'] });
  const revoked = makeLeaf(ca, { subject: 'CN=revoked,O=Example,C=US' });
  const other = makeLeaf(rsa, { subject: 'CN=other,O=Example,C=US' });
  const longSerial = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
  const entriesA = [
    { serial: revoked.serial },
    { serial: 255n, reason: 'keyCompromise' as const },
    { serial: -1n },
    { serial: longSerial },
    { serial: Uint8Array.of(0, 0, 0x7f) },
    { serial: 77n, reason: 'removeFromCRL' as const },
  ];
  const made: { name: string; der: Uint8Array; ca: TestCert }[] = [
    { name: 'testpki/ec-a', ca, der: makeCrl({ issuer: ca, crlNumber: 5, entries: entriesA }) },
    {
      name: 'testpki/rsa-idp',
      ca: rsa,
      der: makeCrl({
        issuer: rsa,
        crlNumber: 9,
        entries: Array.from({ length: 40 }, (_, i) => ({ serial: BigInt(i * 7919 + 1) })),
        issuingDistributionPoint: { fullName: ['http://crl.example/rsa.crl'], onlyContainsUserCerts: true },
      }),
    },
    { name: 'testpki/ed25519-trailing', ca: ed, der: makeCrl({ issuer: ed, entries: [{ serial: 1n }], trailingBytes: 3 }) },
  ];
  for (const c of [ca, rsa, ed, good, revoked, other]) certs.push({ name: `testpki/${c.subject}`, der: c.der });
  const testCas = [ca, rsa, ed].map((c) => readCertificate(c.der));
  certFacts.push(...testCas);
  for (const m of made) crls.push({ name: m.name, der: m.der });

  // Signed seeds: each CRL with the corpus CAs whose subject is its issuer, at its own thisUpdate.
  const signed: SignedCrl[] = [];
  for (const c of crls) {
    let parsed: CrlFacts;
    try {
      parsed = parseCrl(c.der);
    } catch {
      continue;
    }
    const cas = certFacts.filter((f) => f.subjectKey === parsed.issuerKey);
    if (cas.length === 0) continue;
    try {
      const facts = verifyCrl(c.der, cas, { at: parsed.thisUpdate, allowNoNextUpdate: true });
      signed.push({ name: c.name, der: c.der, cas, at: parsed.thisUpdate, facts });
    } catch {
      // refused for a reason of its own (PKITS is full of them): still mutated as a plain CRL
    }
  }

  const blobA = preprocess(made[0]!.der, [ca.der], { at: AT }).blob;
  const blobs = [
    { name: 'blob/ec-a', bytes: blobA },
    { name: 'blob/rsa-idp', bytes: preprocess(made[1]!.der, [rsa.der], { at: AT }).blob },
    { name: 'blob/empty', bytes: preprocess(makeCrl({ issuer: ed, entries: [] }), [ed.der], { at: AT }).blob },
  ];
  // What CRL A revokes, as serial texts (77 is removeFromCRL: not revoked).
  const revokedSerials = new Set([readCertificate(revoked.der).serialText, 'FF', '-01', '7F', hexOf(longSerial)]);
  return {
    certs,
    crls,
    signed,
    blobs,
    pki: { ca, good, revoked, other, blobA, revokedSerials },
    conformanceFiles: real.length,
  };
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

/** PEM files are stored as DER in the corpus, so byte mutations hit the structure rather than the armour. */
function derOf(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0x30) return bytes;
  const text = Buffer.from(bytes).toString('latin1');
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END/.exec(text);
  return new Uint8Array(Buffer.from(m ? m[1]! : text, 'base64'));
}

/** The moment the authorizer world is judged at. */
export const FUZZ_AT = AT;
