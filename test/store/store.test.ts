import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderStore, openStore, S3Store, type ObjectStore } from '../../src/store/index.js';
import { startS3, type LocalS3 } from '../support/s3.js';
import { failure } from '../support/failure.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const codeOfCall = failure;

interface Backend {
  name: string;
  open(): Promise<{ store: ObjectStore; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'FolderStore',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'folder-store-'));
      return { store: new FolderStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3Store (s3rver)',
    async open() {
      const s3 = await startS3();
      return { store: new S3Store(s3.bucket, 'some/prefix', { client: s3.client }), close: () => s3.stop() };
    },
  },
];

describe.each(backends)('$name', (backend) => {
  let store: ObjectStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await backend.open());
  });
  afterAll(() => close());

  it('returns what was put, with the ETag the put reported', async () => {
    const { etag } = await store.put('ca/one.cache.bin', bytes('first'));
    const got = await store.get('ca/one.cache.bin');
    expect(got.status).toBe('ok');
    if (got.status !== 'ok') return;
    expect(text(got.body)).toBe('first');
    expect(got.etag).toBe(etag);
  });

  it('answers not-modified to a matching If-None-Match and the new body after a change', async () => {
    const { etag } = await store.put('ca/two.cache.bin', bytes('v1'));
    expect(await store.get('ca/two.cache.bin', { ifNoneMatch: etag })).toEqual({ status: 'not-modified' });
    const { etag: etag2 } = await store.put('ca/two.cache.bin', bytes('v2'));
    expect(etag2).not.toBe(etag);
    const got = await store.get('ca/two.cache.bin', { ifNoneMatch: etag });
    expect(got.status === 'ok' && text(got.body)).toBe('v2');
  });

  it('reports a missing object as store.not-found, and head as undefined', async () => {
    expect(await codeOfCall(store.get('nothing/here.cache.bin'))).toBe('store.not-found');
    expect(await store.head('nothing/here.cache.bin')).toBeUndefined();
  });

  it('keeps metadata and reports it from head', async () => {
    const { etag } = await store.put('meta.bin', bytes('m'), { metadata: { 'crl-number': '42' } });
    const head = await store.head('meta.bin');
    expect(head).toEqual({ etag, size: 1, metadata: { 'crl-number': '42' } });
  });

  it('lists keys relative to the prefix, filtered by a sub-prefix, sorted', async () => {
    await store.put('list/b.cache.bin', bytes('b'));
    await store.put('list/a.cache.bin', bytes('a'));
    await store.put('list/deeper/c.crl', bytes('c'));
    expect(await store.list('list/')).toEqual(['list/a.cache.bin', 'list/b.cache.bin', 'list/deeper/c.crl']);
    expect(await store.list()).toContain('ca/one.cache.bin');
  });

  it('deletes, and deleting a missing object is not an error', async () => {
    await store.put('gone.bin', bytes('x'));
    await store.delete('gone.bin');
    await store.delete('gone.bin');
    expect(await codeOfCall(store.get('gone.bin'))).toBe('store.not-found');
  });

  it('refuses keys that would leave the prefix', async () => {
    expect(await codeOfCall(Promise.resolve().then(() => store.get('../escape')))).toBe('usage');
    expect(await codeOfCall(Promise.resolve().then(() => store.put('/abs', bytes('x'))))).toBe('usage');
  });
});

describe('S3Store against a server that does not answer', () => {
  it('fails with store.unavailable when the connection is refused', async () => {
    const s3 = await startS3();
    const store = new S3Store(s3.bucket, '', { client: s3.client });
    await store.put('k', bytes('x'));
    await s3.stop();
    expect(await codeOfCall(store.get('k'))).toBe('store.unavailable');
  });

  it('fails with store.timeout when the server accepts but never answers', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    const { S3Client } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    const store = new S3Store('b', '', { client, timeoutMs: 200 });
    expect(await codeOfCall(store.get('k'))).toBe('store.timeout');
    client.destroy();
    for (const s of sockets) s.destroy();
    silent.close();
  });
});

describe('FolderStore', () => {
  it('leaves no temporary file and no half-written object when a put fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'folder-store-'));
    const store = new FolderStore(dir);
    await store.put('a/obj.bin', bytes('good'));
    await store.put('a/dir/inner.bin', bytes('inner'));
    // The temporary file is written, then the rename onto a non-empty directory fails.
    expect(await codeOfCall(store.put('a/dir', bytes('x')))).toBe('store.unavailable');
    await writeFile(join(dir, 'plain'), 'p');
    expect(await codeOfCall(store.put('plain/child', bytes('x')))).toBe('store.unavailable');
    const got = await store.get('a/obj.bin');
    expect(got.status === 'ok' && text(got.body)).toBe('good');
    expect(await store.list('a/')).toEqual(['a/dir/inner.bin', 'a/obj.bin']);
    expect(await readdir(join(dir, '.crl-authorizer-tmp'))).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same ETag to the same bytes in two folders', async () => {
    const [a, b] = await Promise.all([mkdtemp(join(tmpdir(), 'fa-')), mkdtemp(join(tmpdir(), 'fb-'))]);
    const e1 = await new FolderStore(a).put('x', bytes('same'));
    const e2 = await new FolderStore(b).put('y', bytes('same'));
    expect(e1).toEqual(e2);
    await Promise.all([rm(a, { recursive: true }), rm(b, { recursive: true })]);
  });

  it('answers not-modified from a fresh instance (a cold start) for the ETag put reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'folder-store-'));
    const { etag } = await new FolderStore(dir).put('ca/x.bin', bytes('content'));
    expect(await new FolderStore(dir).get('ca/x.bin', { ifNoneMatch: etag })).toEqual({ status: 'not-modified' });
    const got = await new FolderStore(dir).get('ca/x.bin');
    expect(got.status === 'ok' && got.etag).toBe(etag);
    await rm(dir, { recursive: true, force: true });
  });

  it('notices a file replaced behind its back (not through put)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'folder-store-'));
    const store = new FolderStore(dir);
    const { etag } = await store.put('x.bin', bytes('one'));
    expect((await store.get('x.bin', { ifNoneMatch: etag })).status).toBe('not-modified');
    await writeFile(join(dir, 'x.bin'), 'two, longer');
    const got = await store.get('x.bin', { ifNoneMatch: etag });
    expect(got.status === 'ok' && text(got.body)).toBe('two, longer');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('openStore', () => {
  it('opens a folder from a file URL and an S3 prefix from an s3 URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-'));
    const folder = openStore(pathToFileURL(dir).href);
    expect(folder).toBeInstanceOf(FolderStore);
    const s3 = openStore('s3://my-bucket/crls/ca');
    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.url).toBe('s3://my-bucket/crls/ca/');
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses other schemes and non-URLs with a usage error', () => {
    expect(() => openStore('http://example.com/x')).toThrow(/not supported/);
    expect(() => openStore('/just/a/path')).toThrow(/not a URL/);
    expect(() => openStore('s3:///prefix')).toThrow(/no bucket/);
  });
});
