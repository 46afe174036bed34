import { preprocess } from '../../src/preprocessor/preprocess.js';
import { makeCa, makeCrl, makeLeaf, toPem, type TestCert } from '../../src/testpki/index.js';

/** Every test's "now": inside every generated certificate's and CRL's validity (CRLs 2025-01-01 .. 2035-01-01). */
export const T0 = Date.parse('2026-03-01T12:00:00Z');
const AT = new Date(T0);

/**
 * The one PKI fixture of the authorizer, hardening and denylist tests (and the deployed bench). A small real PKI: CA "A" with a good and a revoked leaf, CA "B" that no blob covers, and blobs made by the real
 * preprocessor from real signed CRLs.
 */
export interface Pki {
  caA: TestCert;
  caB: TestCert;
  good: TestCert;
  revoked: TestCert;
  /** A second good leaf of A, revoked only by CRL number 2. */
  later: TestCert;
  unknownCa: TestCert;
  /** CRL number 1 of A: revokes `revoked`. */
  blobA1: Uint8Array;
  /** CRL number 2 of A: revokes `revoked` and `later`. */
  blobA2: Uint8Array;
  /** A blob for CA B, revoking nothing. */
  blobB: Uint8Array;
  /** CRL number 1 of A, but past its nextUpdate at T0. */
  blobA1Expired: Uint8Array;
}

export function makePki(): Pki {
  const caA = makeCa({ name: 'CN=Issuing CA A,O=Example,C=US' });
  const caB = makeCa({ name: 'CN=Issuing CA B,O=Example,C=US' });
  const good = makeLeaf(caA, { subject: 'CN=client-good,O=Example,C=US' });
  const revoked = makeLeaf(caA, { subject: 'CN=client-revoked,O=Example,C=US' });
  const later = makeLeaf(caA, { subject: 'CN=client-later,O=Example,C=US' });
  const unknownCa = makeLeaf(caB, { subject: 'CN=client-of-b,O=Example,C=US' });
  const blob = (ca: TestCert, crl: Uint8Array) => preprocess(crl, [ca.der], { at: AT }).blob;
  return {
    caA,
    caB,
    good,
    revoked,
    later,
    unknownCa,
    blobA1: blob(caA, makeCrl({ issuer: caA, crlNumber: 1, entries: [{ serial: revoked.serial }] })),
    blobA2: blob(
      caA,
      makeCrl({
        issuer: caA,
        crlNumber: 2,
        thisUpdate: new Date('2026-02-01T00:00:00Z'),
        entries: [{ serial: revoked.serial }, { serial: later.serial, reason: 'keyCompromise' }],
      }),
    ),
    blobB: blob(caB, makeCrl({ issuer: caB, crlNumber: 7, entries: [] })),
    blobA1Expired: preprocess(
      makeCrl({
        issuer: caA,
        crlNumber: 1,
        thisUpdate: new Date('2025-12-01T00:00:00Z'),
        nextUpdate: new Date('2026-01-01T00:00:00Z'),
        entries: [{ serial: revoked.serial }],
      }),
      [caA.der],
      { at: new Date('2025-12-15T00:00:00Z') },
    ).blob,
  };
}

/** The same blob with one byte of its records flipped: the checksum no longer matches. */
export function corrupt(blob: Uint8Array): Uint8Array {
  const c = blob.slice();
  c[c.length - 1]! ^= 0x01;
  return c;
}

/** The same blob claiming a format version this reader does not know. */
export function futureVersion(blob: Uint8Array): Uint8Array {
  const c = blob.slice();
  new DataView(c.buffer, c.byteOffset, c.byteLength).setUint32(8, 99, true);
  return c;
}

/** The hardening tests' view of the same PKI: CA A, its three leaves, and the blobs of CRL numbers 1 and 2. */
export interface HardeningPki {
  ca: TestCert;
  good: TestCert;
  revoked: TestCert;
  /** good under CRL 1, revoked by CRL 2 */
  later: TestCert;
  blob1: Uint8Array;
  blob2: Uint8Array;
}

export function makeHardeningPki(): HardeningPki {
  const p = makePki();
  return { ca: p.caA, good: p.good, revoked: p.revoked, later: p.later, blob1: p.blobA1, blob2: p.blobA2 };
}

/** A minimal REST authorizer event carrying `cert` (the full AWS-shaped events are in test/authorizer/events.ts). */
export function certEvent(cert: TestCert): unknown {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/x',
    requestContext: { identity: { clientCert: { clientCertPem: toPem(cert.der, 'CERTIFICATE') } } },
  };
}
