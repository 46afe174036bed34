import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readBlobHeader } from '../../src/blob/header.js';
import { codeOf } from '../../src/errors.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import {
  createPreprocessorHandler,
  decodeKey,
  optionsFromEnv,
  type PreprocessorResult,
  type S3Event,
} from '../../src/preprocessor/index.js';
import { S3Store } from '../../src/store/index.js';
import { makeCa, makeLeaf, type TestCert } from '../../src/testpki/cert.js';
import { makeCrl, toPem, type CrlOptions } from '../../src/testpki/crl.js';
import { readCertificate } from '../../src/x509/cert.js';
import { startS3, type LocalS3 } from '../support/s3.js';
import { encodeKey, s3Event } from './events.js';

const PREFIX = 'crls/';
const NOW = new Date('2026-01-01T00:00:00Z');


describe('preprocessor handler against s3rver', () => {
  let s3: LocalS3;
  let store: S3Store;
  let logs: Record<string, unknown>[];
  let ca: TestCert;
  let good: TestCert;
  let revoked: TestCert;

  const put = (key: string, body: Uint8Array | string) =>
    s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: PREFIX + key, Body: body }));
  const del = (key: string) => s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: PREFIX + key }));
  const head = async (key: string) => {
    try {
      return await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: PREFIX + key }));
    } catch {
      return undefined;
    }
  };
  const blob = async (key: string) => {
    const got = await store.get(key);
    if (got.status !== 'ok') throw new Error('no blob');
    return got;
  };
  const handler = (opts: { now?: Date; caCertKey?: string; allowNoNextUpdate?: boolean } = {}) =>
    createPreprocessorHandler({
      store,
      now: () => opts.now ?? NOW,
      log: (e) => logs.push(e),
      ...(opts.caCertKey && { caCertKey: opts.caCertKey }),
      ...(opts.allowNoNextUpdate && { allowNoNextUpdate: true }),
    });
  const created = (key: string) => s3Event('ObjectCreated:Put', s3.bucket, encodeKey(PREFIX + key));
  const removed = (key: string) => s3Event('ObjectRemoved:DeleteMarkerCreated', s3.bucket, encodeKey(PREFIX + key));
  const crlFor = (issuer: TestCert, o: Partial<CrlOptions> = {}) =>
    makeCrl({ issuer, entries: [{ serial: revoked.serial }], ...o });
  const serialKey = (c: TestCert) => readCertificate(c.der).serial;
  async function failure(p: Promise<unknown>): Promise<string> {
    try {
      await p;
      return 'no error';
    } catch (e) {
      return codeOf(e);
    }
  }

  beforeAll(async () => {
    s3 = await startS3();
    store = new S3Store(s3.bucket, PREFIX, { client: s3.client });
    ca = makeCa({ name: 'CN=Issuing One,O=Test,C=US' });
    good = makeLeaf(ca, { subject: 'CN=good' });
    revoked = makeLeaf(ca, { subject: 'CN=revoked' });
  });
  afterAll(() => s3?.stop());
  beforeEach(() => {
    logs = [];
  });

  it('writes <name>.cache.bin with its metadata for a CRL whose URL-encoded key has a space', async () => {
    await put('team a/issuing-1.ca.pem', ca.pem);
    const crl = crlFor(ca, { crlNumber: 5, thisUpdate: new Date('2025-12-01T00:00:00Z') });
    const { ETag } = await put('team a/issuing-1.crl', crl);
    const event = created('team a/issuing-1.crl');
    expect(event.Records![0]!.s3.object.key).toBe('crls/team+a/issuing-1.crl');

    const result = await handler()(event);

    expect(result.outcomes).toMatchObject([{ action: 'written', blobKey: 'team a/issuing-1.cache.bin', crlNumber: '5' }]);
    const written = await blob('team a/issuing-1.cache.bin');
    const index = RevocationIndex.fromBytes(written.body);
    expect(index.has(serialKey(revoked))).toBe(true);
    expect(index.has(serialKey(good))).toBe(false);
    const meta = (await store.head('team a/issuing-1.cache.bin'))!.metadata;
    expect(meta).toMatchObject({
      'crl-number': '5',
      'this-update': '2025-12-01T00:00:00.000Z',
      'next-update': '2035-01-01T00:00:00.000Z',
      'source-etag': ETag,
      'crl-sha256': index.meta.crlSha256,
    });
    expect(logs).toMatchObject([{ level: 'info', event: 'crl.written', key: 'team a/issuing-1.crl' }]);
  });

  it('treats a re-delivered event as harmless: same blob, not rewritten', async () => {
    const before = await blob('team a/issuing-1.cache.bin');
    const result = await handler()(created('team a/issuing-1.crl'));
    expect(result.outcomes).toMatchObject([{ action: 'unchanged', crlNumber: '5' }]);
    const after = await blob('team a/issuing-1.cache.bin');
    expect(after.etag).toBe(before.etag);
  });

  it('rejects an older CRL (crl.rollback): blob untouched, a coded log line that is an EMF metric, invocation fails', async () => {
    const before = await blob('team a/issuing-1.cache.bin');
    await put('team a/issuing-1.crl', crlFor(ca, { crlNumber: 4, thisUpdate: new Date('2025-11-01T00:00:00Z') }));

    expect(await failure(handler()(created('team a/issuing-1.crl')))).toBe('crl.rollback');

    const after = await blob('team a/issuing-1.cache.bin');
    expect(after.etag).toBe(before.etag);
    expect(readBlobHeader(after.body).meta.crlNumber).toBe('5');
    expect(logs).toHaveLength(1);
    const line = logs[0]!;
    expect(line).toMatchObject({ level: 'error', code: 'crl.rollback', key: 'team a/issuing-1.crl', CrlRejected: 1 });
    expect(line._aws).toMatchObject({
      CloudWatchMetrics: [{ Namespace: 'CrlAuthorizer', Metrics: [{ Name: 'CrlRejected', Unit: 'Count' }] }],
    });
  });

  it('protects a blob put there without its metadata (e.g. by the CLI) by reading its header', async () => {
    // The same CRL number 5 blob, re-put as bare bytes: no crl-number / this-update / crl-sha256 metadata.
    const current = await blob('team a/issuing-1.cache.bin');
    await put('team a/issuing-1.cache.bin', current.body);
    expect((await store.head('team a/issuing-1.cache.bin'))!.metadata['crl-number']).toBeUndefined();
    await put('team a/issuing-1.crl', crlFor(ca, { crlNumber: 4, thisUpdate: new Date('2025-11-01T00:00:00Z') }));
    expect(await failure(handler()(created('team a/issuing-1.crl')))).toBe('crl.rollback');
    expect(readBlobHeader((await blob('team a/issuing-1.cache.bin')).body).meta.crlNumber).toBe('5');
  });

  it('rejects a CRL with a bad signature and keeps the blob', async () => {
    const before = await blob('team a/issuing-1.cache.bin');
    await put('team a/issuing-1.crl', crlFor(ca, { crlNumber: 9, corruptSignature: true }));
    expect(await failure(handler()(created('team a/issuing-1.crl')))).toBe('crl.signature-invalid');
    expect((await blob('team a/issuing-1.cache.bin')).etag).toBe(before.etag);
    expect(logs[0]).toMatchObject({ code: 'crl.signature-invalid' });
  });

  it('accepts a newer CRL: same number and equal thisUpdate is not a rollback, a higher one replaces', async () => {
    await put('team a/issuing-1.crl', crlFor(ca, { crlNumber: 6, thisUpdate: new Date('2025-12-02T00:00:00Z'), entries: [] }));
    const result = await handler()(created('team a/issuing-1.crl'));
    expect(result.outcomes).toMatchObject([{ action: 'written', crlNumber: '6', revoked: 0 }]);
    const index = RevocationIndex.fromBytes((await blob('team a/issuing-1.cache.bin')).body);
    expect(index.has(serialKey(revoked))).toBe(false);
  });

  it('refuses an expired CRL at the injected time (crl.expired)', async () => {
    await put('exp.ca.pem', ca.pem);
    await put('exp.crl', crlFor(ca, { nextUpdate: new Date('2025-06-01T00:00:00Z') }));
    expect(await failure(handler()(created('exp.crl')))).toBe('crl.expired');
    expect(await head('exp.cache.bin')).toBeUndefined();
    // The same CRL judged at a time before its nextUpdate is fine: the clock is the parameter.
    const ok = await handler({ now: new Date('2025-03-01T00:00:00Z') })(created('exp.crl'));
    expect(ok.outcomes[0]!.action).toBe('written');
  });

  it('refuses a CRL without nextUpdate unless allowNoNextUpdate', async () => {
    await put('open.ca.pem', ca.pem);
    await put('open.crl', crlFor(ca, { nextUpdate: null }));
    expect(await failure(handler()(created('open.crl')))).toBe('crl.no-next-update');
    const ok = await handler({ allowNoNextUpdate: true })(created('open.crl'));
    expect(ok.outcomes[0]!.action).toBe('written');
    expect((await store.head('open.cache.bin'))!.metadata['next-update']).toBeUndefined();
  });

  it('fails with crl.ca-missing when the CA certificate is not beside the CRL', async () => {
    await put('lonely.crl', crlFor(ca));
    expect(await failure(handler()(created('lonely.crl')))).toBe('crl.ca-missing');
    expect(await head('lonely.cache.bin')).toBeUndefined();
  });

  it('takes the CRL name from the longest suffix (.crl.pem) and reads PEM CRLs', async () => {
    await put('pem/issuing.ca.pem', ca.pem);
    await put('pem/issuing.crl.pem', toPem(crlFor(ca), 'X509 CRL'));
    const result = await handler()(created('pem/issuing.crl.pem'));
    expect(result.outcomes).toMatchObject([{ action: 'written', blobKey: 'pem/issuing.cache.bin' }]);
  });

  it('accepts a CRL signed by any certificate of a CA file with several (key rollover)', async () => {
    const oldCa = makeCa({ name: 'CN=Rolling,O=Test,C=US' });
    const newCa = makeCa({ name: 'CN=Rolling,O=Test,C=US' });
    await put('rolling.ca.pem', oldCa.pem + newCa.pem);
    await put('rolling.crl', makeCrl({ issuer: newCa, entries: [{ serial: 7 }] }));
    const result = await handler()(created('rolling.crl'));
    expect(result.outcomes[0]!.action).toBe('written');
  });

  it('uses CA_CERT_KEY for every CRL when configured (partitioned CRLs)', async () => {
    await put('pca/ca.pem', ca.pem);
    await put('pca/partition-1.crl', crlFor(ca));
    const result = await handler({ caCertKey: 'pca/ca.pem' })(created('pca/partition-1.crl'));
    expect(result.outcomes[0]!.action).toBe('written');
  });

  it('deletes the blob when its CRL is removed, and keeps it while the CRL still exists', async () => {
    await put('gone.ca.pem', ca.pem);
    await put('gone.crl', crlFor(ca));
    await handler()(created('gone.crl'));
    expect(await head('gone.cache.bin')).toBeDefined();

    // An ObjectRemoved for an old version: the CRL is still there, so is its blob.
    expect((await handler()(removed('gone.crl'))).outcomes[0]!.action).toBe('skipped');
    expect(await head('gone.cache.bin')).toBeDefined();

    await del('gone.crl');
    expect((await handler()(removed('gone.crl'))).outcomes[0]!.action).toBe('deleted');
    expect(await head('gone.cache.bin')).toBeUndefined();
    // A late ObjectCreated for the deleted CRL is not a failure.
    expect((await handler()(created('gone.crl'))).outcomes[0]!.action).toBe('skipped');
  });

  it('ignores keys that are not CRLs, other buckets and other prefixes', async () => {
    const h = handler();
    const outcomes = (e: S3Event) => h(e).then((r: PreprocessorResult) => r.outcomes[0]!.action);
    expect(await outcomes(created('x.ca.pem'))).toBe('skipped');
    expect(await outcomes(s3Event('ObjectCreated:Put', 'other-bucket', 'crls/a.crl'))).toBe('skipped');
    expect(await outcomes(s3Event('ObjectCreated:Put', s3.bucket, 'elsewhere/a.crl'))).toBe('skipped');
    expect(await outcomes(s3Event('ObjectCreated:Put', s3.bucket, 'crls/.crl'))).toBe('skipped');
  });

  it('processes every record and fails the invocation when one of them is rejected', async () => {
    await put('batch-ok.ca.pem', ca.pem);
    await put('batch-ok.crl', crlFor(ca));
    const event: S3Event = { Records: [...created('lonely.crl').Records!, ...created('batch-ok.crl').Records!] };
    expect(await failure(handler()(event))).toBe('crl.ca-missing');
    expect(await head('batch-ok.cache.bin')).toBeDefined();
    expect(logs.map((l) => l.event)).toEqual(['crl.rejected', 'crl.written']);
  });
});

describe('event keys', () => {
  it('decodes + as a space, then percent-escapes', () => {
    expect(decodeKey('a+b/c%2Bd%20e.crl')).toBe('a b/c+d e.crl');
    expect(decodeKey('caf%C3%A9.crl')).toBe('café.crl');
  });
});

describe('configuration from the environment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pre-env-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads CRL_SUFFIXES, CA_CERT_KEY and CRL_ALLOW_NO_NEXT_UPDATE', () => {
    const o = optionsFromEnv({
      CRL_STORE_URL: pathToFileURL(dir).href,
      CRL_SUFFIXES: '.crl, .der.crl ,',
      CA_CERT_KEY: 'ca/root.pem',
      CRL_ALLOW_NO_NEXT_UPDATE: 'true',
    });
    expect(o).toMatchObject({ suffixes: ['.crl', '.der.crl'], caCertKey: 'ca/root.pem', allowNoNextUpdate: true });
  });

  it('refuses a missing store URL and a malformed boolean with usage errors', () => {
    expect(() => optionsFromEnv({})).toThrow(/CRL_STORE_URL/);
    expect(() =>
      optionsFromEnv({ CRL_STORE_URL: pathToFileURL(dir).href, CRL_ALLOW_NO_NEXT_UPDATE: 'maybe' }),
    ).toThrow(/CRL_ALLOW_NO_NEXT_UPDATE/);
  });
});
