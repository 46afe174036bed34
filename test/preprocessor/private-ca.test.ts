import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../src/authorizer/index.js';
import { codeOf } from '../../src/errors.js';
import { createPreprocessorHandler, optionsFromEnv } from '../../src/preprocessor/index.js';
import { caArnForKey, privateCaFromEnv, privateCaResolver } from '../../src/preprocessor/private-ca.js';
import { S3Store } from '../../src/store/index.js';
import { makeCa, makeCrl, makeLeaf, type TestCert } from '../../src/testpki/index.js';
import { startPca, type LocalPca } from '../support/acm-pca.js';
import { startS3, type LocalS3 } from '../support/s3.js';
import { restEvent } from '../authorizer/events.js';
import { effect } from '../authorizer/harness.js';
import { encodeKey, s3Event } from './events.js';

const ACCOUNT = '123456789012';
const arnOf = (id: string) => `arn:aws:acm-pca:us-east-1:${ACCOUNT}:certificate-authority/${id}`;
const ID_A = '11111111-2222-3333-4444-555555555555';
const ID_B = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const ARN_A = arnOf(ID_A);
const ARN_B = arnOf(ID_B);
const CUSTOM = 'pki/issuing-b';
const NOW = new Date('2026-01-01T00:00:00Z');

describe('mapping a CRL key to its Private CA', () => {
  const o = { arns: [ARN_A, ARN_B], paths: { [CUSTOM]: ARN_B } };
  it('reads complete CRLs at crl/<CA id>.crl and partitions under the custom path', () => {
    expect(caArnForKey(`crl/${ID_A}.crl`, o)).toBe(ARN_A);
    expect(caArnForKey(`${CUSTOM}/0f8fad5b-d9cb-469f-a165-70867728950e.crl`, o)).toBe(ARN_B);
  });
  it('knows nothing else', () => {
    expect(caArnForKey('crl/99999999-0000-0000-0000-000000000000.crl', o)).toBeUndefined();
    expect(caArnForKey(`other/${ID_A}.crl`, o)).toBeUndefined();
    expect(caArnForKey(`${CUSTOM}/deeper/x.crl`, o)).toBeUndefined();
    expect(caArnForKey(`${CUSTOM}x/y.crl`, o)).toBeUndefined();
  });
  it('reads PRIVATE_CA_ARNS and PRIVATE_CA_PATHS, refusing bad values loudly', () => {
    expect(privateCaFromEnv({})).toBeUndefined();
    expect(privateCaFromEnv({ PRIVATE_CA_ARNS: ` ${ARN_A},${ARN_B} `, PRIVATE_CA_PATHS: JSON.stringify({ [CUSTOM]: ARN_B }) })).toEqual(o);
    const bad = (env: Record<string, string>) => {
      try {
        privateCaFromEnv(env);
        return 'accepted';
      } catch (e) {
        return codeOf(e);
      }
    };
    expect(bad({ PRIVATE_CA_ARNS: 'arn:aws:acm:us-east-1:123456789012:certificate/x' })).toBe('usage');
    expect(bad({ PRIVATE_CA_ARNS: ARN_A, PRIVATE_CA_PATHS: '{not json' })).toBe('usage');
    expect(bad({ PRIVATE_CA_ARNS: ARN_A, PRIVATE_CA_PATHS: JSON.stringify({ [CUSTOM]: ARN_B }) })).toBe('usage');
    expect(bad({ PRIVATE_CA_PATHS: JSON.stringify({ [CUSTOM]: ARN_B }) })).toBe('usage');
  });
});

describe('a Private-CA-shaped bucket end to end (s3rver, a local Private CA endpoint, the real SDK clients)', () => {
  let s3: LocalS3;
  let pca: LocalPca;
  let store: S3Store;
  const caA = makeCa({ name: 'CN=PCA Complete,O=Test,C=US' });
  const caB = makeCa({ name: 'CN=PCA Partitioned,O=Test,C=US' });
  const partitions = ['0f8fad5b-d9cb-469f-a165-70867728950e', '7c9e6679-7425-40de-944b-e07fc1f90ae7', 'c9bf9e57-1685-4c89-bafb-ff5af830be8a'];
  const url = (guid: string) => `http://pca-crls.s3.us-east-1.amazonaws.com/${CUSTOM}/${guid}.crl`;
  const goodA = makeLeaf(caA, { subject: 'CN=good a' });
  const revokedA = makeLeaf(caA, { subject: 'CN=revoked a' });
  // certificates spread across the partitions: a good and a revoked one in each
  const inPartition = partitions.map((guid, i) => ({
    guid,
    good: makeLeaf(caB, { subject: `CN=good b${i}`, crlDistributionPoints: [url(guid)] }),
    revoked: makeLeaf(caB, { subject: `CN=revoked b${i}`, crlDistributionPoints: [url(guid)] }),
  }));
  // a partition Private CA has not published yet: nothing covers its certificates
  const unpublished = makeLeaf(caB, { subject: 'CN=unpublished', crlDistributionPoints: [url('00000000-0000-4000-8000-000000000000')] });

  const put = (key: string, body: Uint8Array) => s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  const created = (key: string) => s3Event('ObjectCreated:Put', s3.bucket, encodeKey(key));

  beforeAll(async () => {
    [s3, pca] = await Promise.all([startS3('pca-crls'), startPca()]);
    store = new S3Store(s3.bucket, '', { client: s3.client });
    pca.certificates.set(ARN_A, caA.pem);
    pca.certificates.set(ARN_B, caB.pem);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), pca?.stop()]);
  });

  it('preprocesses complete and partitioned CRLs with no .ca.pem, and the authorizer decides every certificate', async () => {
    const keys = [`crl/${ID_A}.crl`, ...partitions.map((g) => `${CUSTOM}/${g}.crl`)];
    await put('acm-pca-permission-test-key', new Uint8Array(0));
    await put(keys[0]!, makeCrl({ issuer: caA, crlNumber: 3, entries: [{ serial: revokedA.serial }] }));
    for (const p of inPartition) {
      // Private CA's partitions: DER, a critical issuing distribution point naming the partition's URL
      await put(
        `${CUSTOM}/${p.guid}.crl`,
        makeCrl({ issuer: caB, crlNumber: 7, entries: [{ serial: p.revoked.serial }], issuingDistributionPoint: { fullName: [url(p.guid)] } }),
      );
    }
    const pre = createPreprocessorHandler({
      store,
      now: () => NOW,
      log: () => {},
      caCertificates: privateCaResolver({ arns: [ARN_A, ARN_B], paths: { [CUSTOM]: ARN_B }, clientConfig: pca.clientConfig }),
    });
    const result = await pre({ Records: keys.map((k) => created(k).Records![0]!) });
    expect(result.outcomes.map((o) => o.action)).toEqual(['written', 'written', 'written', 'written']);
    // one GetCertificateAuthorityCertificate per CA, however many CRLs it wrote
    expect([...pca.calls].sort()).toEqual([ARN_A, ARN_B].sort());

    const authorizer = createHandler({ store, env: {}, clock: () => NOW.getTime(), logSink: () => {} });
    const decide = async (c: TestCert) => {
      const r = await authorizer(restEvent(c.pem));
      return `${effect(r)} ${r.context.code}`;
    };
    expect(await decide(goodA)).toBe('Allow cert.good');
    expect(await decide(revokedA)).toBe('Deny cert.revoked');
    for (const p of inPartition) {
      expect(await decide(p.good)).toBe('Allow cert.good');
      expect(await decide(p.revoked)).toBe('Deny cert.revoked');
    }
    expect(await decide(unpublished)).toBe('Deny index.not-covered');
  });

  it('refuses a CRL of a CA it was not given, and one whose CA the endpoint does not know', async () => {
    const pre = createPreprocessorHandler({
      store,
      now: () => NOW,
      log: () => {},
      caCertificates: privateCaResolver({ arns: [ARN_A, arnOf('99999999-0000-0000-0000-000000000000')], clientConfig: pca.clientConfig }),
    });
    await put('crl/22222222-0000-0000-0000-000000000000.crl', makeCrl({ issuer: caA }));
    await put('crl/99999999-0000-0000-0000-000000000000.crl', makeCrl({ issuer: caA }));
    const r = await pre({
      Records: [created('crl/22222222-0000-0000-0000-000000000000.crl').Records![0]!, created('crl/99999999-0000-0000-0000-000000000000.crl').Records![0]!],
    }).catch((e) => e);
    expect(codeOf(r)).toBe('crl.ca-missing');
    expect(String(r.message)).toContain('22222222-0000-0000-0000-000000000000.ca.pem');
    expect(String(r.message)).toContain('ResourceNotFoundException');
  });

  it('fetches the CA certificate again once when a CRL does not verify (a rotated CA key), and not for every CRL', async () => {
    const resolver = privateCaResolver({ arns: [ARN_A], clientConfig: pca.clientConfig });
    const pre = createPreprocessorHandler({ store, now: () => NOW, log: () => {}, caCertificates: resolver });
    const key = `crl/${ID_A}.crl`;
    await put(key, makeCrl({ issuer: caA, crlNumber: 10 }));
    const before = pca.calls.length;
    expect((await pre(created(key))).outcomes[0]).toMatchObject({ action: 'written' });
    expect(pca.calls.length - before).toBe(1);

    // Private CA's key changes (same name, new key); the next CRL is signed by the new key
    const rotated = makeCa({ name: 'CN=PCA Complete,O=Test,C=US' });
    pca.certificates.set(ARN_A, rotated.pem);
    await put(key, makeCrl({ issuer: rotated, crlNumber: 11 }));
    expect((await pre(created(key))).outcomes[0]).toMatchObject({ action: 'written', crlNumber: '11' });
    expect(pca.calls.length - before).toBe(2);

    // a CRL that no key of this CA signed: refused after one refresh, the blob of CRL 11 stays
    await put(key, makeCrl({ issuer: makeCa({ name: 'CN=PCA Complete,O=Test,C=US' }), crlNumber: 12 }));
    const refused = await pre(created(key)).catch((e) => e);
    expect(codeOf(refused)).toBe('crl.key-id-mismatch'); // its authorityKeyIdentifier names the other key
    expect(pca.calls.length - before).toBe(3);
    expect((await store.head(`crl/${ID_A}.cache.bin`))!.metadata['crl-number']).toBe('11');
  });

  it('is configured from PRIVATE_CA_ARNS by optionsFromEnv', () => {
    const o = optionsFromEnv({ CRL_STORE_URL: 's3://pca-crls', PRIVATE_CA_ARNS: ARN_A });
    expect(typeof o.caCertificates).toBe('function');
    expect(optionsFromEnv({ CRL_STORE_URL: 's3://pca-crls' }).caCertificates).toBeUndefined();
  });
});
