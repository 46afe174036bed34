import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderStore, S3Store, type ObjectStore } from '../../src/store/index.js';
import { startFaultProxy, type FaultProxy } from '../hardening/fault-proxy.js';
import { startS3, type LocalS3 } from '../support/s3.js';
import { failure } from '../support/failure.js';

const BODY = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

const codeOfCall = failure;

const backends = [
  {
    name: 'FolderStore',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'ranged-'));
      return { store: new FolderStore(dir) as ObjectStore, close: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3Store (s3rver)',
    async open() {
      const s3 = await startS3();
      return { store: new S3Store(s3.bucket, 'p', { client: s3.client }) as ObjectStore, close: () => s3.stop() };
    },
  },
];

describe.each(backends)('ranged and conditional GETs on $name', (backend) => {
  let store: ObjectStore;
  let close: () => Promise<void>;
  let etag: string;
  beforeAll(async () => {
    ({ store, close } = await backend.open());
    ({ etag } = await store.put('blob.bin', BODY));
  });
  afterAll(() => close());

  it('answers bytes [start, end) with the whole object\'s size and ETag', async () => {
    const got = await store.get('blob.bin', { range: { start: 100, end: 300 } });
    expect(got).toMatchObject({ status: 'ok', etag, size: BODY.length });
    expect(got.status === 'ok' && [...got.body]).toEqual([...BODY.subarray(100, 300)]);
  });

  it('clamps a range past the end and reports the size, so a first part tells a small object whole', async () => {
    const got = await store.get('blob.bin', { range: { start: 0, end: 1 << 20 } });
    expect(got).toMatchObject({ status: 'ok', size: BODY.length });
    expect(got.status === 'ok' && got.body.length).toBe(BODY.length);
  });

  it('writes the body into the view given, with no copy of its own', async () => {
    const target = new Uint8Array(1200);
    const view = target.subarray(500, 700);
    const got = await store.get('blob.bin', { range: { start: 500, end: 700 }, into: view, ifMatch: etag });
    expect(got.status === 'ok' && got.body.buffer).toBe(target.buffer);
    expect([...target.subarray(500, 700)]).toEqual([...BODY.subarray(500, 700)]);
  });

  it('answers not-modified to a ranged GET with the ETag held', async () => {
    expect(await store.get('blob.bin', { range: { start: 0, end: 10 }, ifNoneMatch: etag })).toEqual({ status: 'not-modified' });
  });

  it('refuses a GET whose If-Match no longer names the object: store.precondition-failed', async () => {
    await store.put('moving.bin', BODY);
    const first = await store.get('moving.bin', { range: { start: 0, end: 10 } });
    await store.put('moving.bin', BODY.map((b) => b ^ 1));
    const ifMatch = first.status === 'ok' ? first.etag : '';
    expect(await codeOfCall(store.get('moving.bin', { range: { start: 10, end: 20 }, ifMatch }))).toBe('store.precondition-failed');
  });

  it('ends a call early when its signal fires: store.timeout', async () => {
    const signal = AbortSignal.abort(new Error('budget spent'));
    expect(await codeOfCall(store.get('blob.bin', { signal }))).toBe('store.timeout');
  });
});

/** An S3-shaped server that streams a body in `chunks`, `gapMs` apart (one gap of `stallMs` after the first). */
async function slowServer(chunks: number, gapMs: number, stallMs = gapMs): Promise<{ endpoint: string; close(): Promise<void> }> {
  const chunk = Buffer.alloc(1000, 7);
  const server: Server = createServer((_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': String(chunks * chunk.length), etag: '"slow"' });
    let sent = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(chunk);
      if (++sent === chunks) return void res.end();
      setTimeout(next, sent === 1 ? stallMs : gapMs);
    };
    setTimeout(next, gapMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function clientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
  });
}

describe('the store timeout is time to first byte and the longest stall, not a whole download', () => {
  it('lets a body that keeps flowing take longer than the timeout', async () => {
    const server = await slowServer(12, 60);
    const store = new S3Store('b', '', { client: clientFor(server.endpoint), timeoutMs: 300 });
    const started = Date.now();
    const got = await store.get('k');
    expect(Date.now() - started).toBeGreaterThan(600);
    expect(got.status === 'ok' && got.body.length).toBe(12_000);
    await server.close();
  });

  it('ends a body that stalls longer than the timeout: store.timeout', async () => {
    const server = await slowServer(3, 20, 800);
    const store = new S3Store('b', '', { client: clientFor(server.endpoint), timeoutMs: 300 });
    expect(await codeOfCall(store.get('k'))).toBe('store.timeout');
    await server.close();
  });
});

describe('a throttling S3', () => {
  let s3: LocalS3;
  let proxy: FaultProxy;
  let store: S3Store;
  beforeAll(async () => {
    s3 = await startS3();
    proxy = await startFaultProxy(s3.endpoint);
    await new S3Store(s3.bucket, 'p', { client: s3.client }).put('k', BODY);
    // As the authorizer builds its client: no SDK retries.
    store = new S3Store(s3.bucket, 'p', { client: clientFor(proxy.endpoint), timeoutMs: 1000 });
  });
  afterAll(async () => {
    await proxy.stop();
    await s3.stop();
  });

  for (const fault of ['503', '429'] as const) {
    it(`${fault === '503' ? '503 SlowDown' : '429 TooManyRequests'} is store.throttled, after one request`, async () => {
      proxy.fault = fault;
      const before = proxy.objectRequests;
      expect(await codeOfCall(store.get('k'))).toBe('store.throttled');
      expect(proxy.objectRequests - before).toBe(1);
      proxy.fault = 'none';
    });
  }

  it('throttle passes the allowance of each second and answers SlowDown past it', async () => {
    proxy.fault = 'throttle';
    proxy.allowPerSecond = 2;
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await codeOfCall(store.get('k')));
    proxy.fault = 'none';
    // The five calls may straddle a second boundary: at least two pass, and at most four.
    expect(codes.filter((c) => c === 'no error').length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c === 'store.throttled').length).toBeGreaterThanOrEqual(1);
  });
});
