import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editDenylist, readDenylist, type Denylist } from '../../src/denylist/index.js';
import { codeOf } from '../../src/errors.js';
import { FolderStore, S3Store, type ObjectStore } from '../../src/store/index.js';

const base = { reason: 'r', addedBy: 'test', addedAt: '2026-12-01T10:00:00Z' };
const bytes = (s: string) => new TextEncoder().encode(s);

async function codeOfCall(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'no error',
    (e: unknown) => codeOf(e),
  );
}

/**
 * A one-bucket HTTP endpoint that answers conditional PUTs the way S3 does (412 PreconditionFailed), because
 * s3rver ignores If-Match / If-None-Match. It records the condition headers each PUT carried.
 */
function conditionalS3(): Promise<{ endpoint: string; puts: { ifMatch?: string; ifNoneMatch?: string }[]; close(): Promise<void> }> {
  const objects = new Map<string, { body: Buffer; etag: string }>();
  const puts: { ifMatch?: string; ifNoneMatch?: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const current = objects.get(key);
      const fail = (status: number, code: string) => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
      };
      if (req.method === 'PUT') {
        const ifMatch = req.headers['if-match'] as string | undefined;
        const ifNoneMatch = req.headers['if-none-match'] as string | undefined;
        puts.push({ ...(ifMatch && { ifMatch }), ...(ifNoneMatch && { ifNoneMatch }) });
        if (ifMatch !== undefined && ifMatch !== current?.etag) return fail(current ? 412 : 404, current ? 'PreconditionFailed' : 'NoSuchKey');
        if (ifNoneMatch === '*' && current) return fail(412, 'PreconditionFailed');
        const body = Buffer.concat(chunks);
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        objects.set(key, { body, etag });
        res.writeHead(200, { etag });
        return res.end();
      }
      if (req.method === 'GET') {
        if (!current) return fail(404, 'NoSuchKey');
        res.writeHead(200, { etag: current.etag, 'content-length': current.body.length });
        return res.end(current.body);
      }
      fail(405, 'MethodNotAllowed');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ endpoint: `http://127.0.0.1:${port}`, puts, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

describe('S3Store conditional PUT', () => {
  let s3: Awaited<ReturnType<typeof conditionalS3>>;
  let store: ObjectStore;
  beforeAll(async () => {
    s3 = await conditionalS3();
    const client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    store = new S3Store('bucket', 'p', { client });
  });
  afterAll(() => s3.close());

  it('sends If-Match / If-None-Match, and a failed condition is store.precondition-failed', async () => {
    const first = await store.put('k', bytes('one'), { ifNoneMatch: '*' });
    expect(s3.puts.at(-1)).toEqual({ ifNoneMatch: '*' });
    expect(await codeOfCall(store.put('k', bytes('two'), { ifNoneMatch: '*' }))).toBe('store.precondition-failed');
    expect(await codeOfCall(store.put('k', bytes('two'), { ifMatch: '"stale"' }))).toBe('store.precondition-failed');
    expect(s3.puts.at(-1)).toEqual({ ifMatch: '"stale"' });
    await store.put('k', bytes('two'), { ifMatch: first.etag });
    const got = await store.get('k');
    expect(got.status === 'ok' && new TextDecoder().decode(got.body)).toBe('two');
  });

  it('concurrent denylist edits through S3 all land', async () => {
    const add = (subject: string) => (l: Denylist) => ({ ...l, entries: [...l.entries, { ...base, subject }] });
    await Promise.all(['CN=a', 'CN=b', 'CN=c'].map((n) => editDenylist(store, 'denylist.json', add(n))));
    const { list } = await readDenylist(store, 'denylist.json');
    expect(list.entries.map((e) => e.subject).sort()).toEqual(['CN=a', 'CN=b', 'CN=c']);
  });
});

describe('FolderStore conditional PUT', () => {
  let dir: string;
  let store: FolderStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cond-put-'));
    store = new FolderStore(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('If-None-Match * and If-Match compare before the atomic replace', async () => {
    const first = await store.put('a/k', bytes('one'), { ifNoneMatch: '*' });
    expect(await codeOfCall(store.put('a/k', bytes('x'), { ifNoneMatch: '*' }))).toBe('store.precondition-failed');
    expect(await codeOfCall(store.put('a/k', bytes('x'), { ifMatch: '"nope"' }))).toBe('store.precondition-failed');
    expect(await codeOfCall(store.put('a/missing', bytes('x'), { ifMatch: first.etag }))).toBe('store.precondition-failed');
    await store.put('a/k', bytes('two'), { ifMatch: first.etag });
    expect((await store.head('a/k'))?.etag).not.toBe(first.etag);
    expect(await store.list()).toEqual(['a/k']); // no lock file or temp file shows
  });

  it('of many writers holding the same ETag exactly one wins', async () => {
    const { etag } = await store.put('race', bytes('start'));
    // Two store objects, as two processes would have: no shared in-memory state.
    const other = new FolderStore(dir);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => codeOfCall((i % 2 ? other : store).put('race', bytes(`writer ${i}`), { ifMatch: etag }))),
    );
    expect(results.filter((r) => r === 'no error')).toHaveLength(1);
    expect(results.filter((r) => r === 'store.precondition-failed')).toHaveLength(7);
  });
});
