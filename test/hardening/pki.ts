import { preprocess } from '../../src/preprocessor/preprocess.js';
import { makeCa, makeCrl, makeLeaf, toPem, type TestCert } from '../../src/testpki/index.js';

/** Every hardening test's "now", inside the validity of everything below. */
export const T0 = Date.parse('2026-03-01T12:00:00Z');

export interface HardeningPki {
  ca: TestCert;
  good: TestCert;
  revoked: TestCert;
  /** good under CRL 1, revoked by CRL 2 */
  later: TestCert;
  blob1: Uint8Array;
  blob2: Uint8Array;
}

/** CA A, three leaves, and blobs of two real signed CRLs made by the real preprocessor. */
export function makeHardeningPki(): HardeningPki {
  const ca = makeCa({ name: 'CN=Hardening CA,O=Example,C=US' });
  const good = makeLeaf(ca, { subject: 'CN=good,O=Example,C=US' });
  const revoked = makeLeaf(ca, { subject: 'CN=revoked,O=Example,C=US' });
  const later = makeLeaf(ca, { subject: 'CN=later,O=Example,C=US' });
  const at = new Date(T0);
  return {
    ca,
    good,
    revoked,
    later,
    blob1: preprocess(makeCrl({ issuer: ca, crlNumber: 1, entries: [{ serial: revoked.serial }] }), [ca.der], { at }).blob,
    blob2: preprocess(
      makeCrl({
        issuer: ca,
        crlNumber: 2,
        thisUpdate: new Date('2026-02-01T00:00:00Z'),
        entries: [{ serial: revoked.serial }, { serial: later.serial }],
      }),
      [ca.der],
      { at },
    ).blob,
  };
}

export function restEvent(cert: TestCert): unknown {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/x',
    requestContext: { identity: { clientCert: { clientCertPem: toPem(cert.der, 'CERTIFICATE') } } },
  };
}
