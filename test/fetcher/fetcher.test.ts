import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { createFetcherHandler, fetchSource, httpGetCrl, parseSources, type CrlSource } from '../../src/fetcher/index.js';
import { createPreprocessorHandler } from '../../src/preprocessor/index.js';
import { S3Store } from '../../src/store/index.js';
import { makeCa, makeLeaf, type TestCert } from '../../src/testpki/cert.js';
import { makeCrl } from '../../src/testpki/crl.js';
import { encodeKey, s3Event } from '../preprocessor/events.js';
import { failure } from '../support/failure.js';
import { startCrlServer, type CrlServer } from '../support/crl-server.js';
import { startS3, type LocalS3 } from '../support/s3.js';

const PREFIX = 'crls/';
const NOW = new Date('2026-01-01T00:00:00Z');

describe('fetcher against a local HTTP(S) server and s3rver', () => {
  let web: CrlServer;
  let s3: LocalS3;
  let store: S3Store;
  let ca: TestCert;
  let crl1: Uint8Array;
  let crl2: Uint8Array;
  const limits = () => ({ ca: web.tlsCa, timeoutMs: 1500, maxBytes: 64 * 1024, maxRedirects: 3 });
  const source = (path: string, name = 'ca/issuing-1', base = web.https): CrlSource => ({ url: base + path, name });
  const crlObject = async () => {
    const got = await store.get('ca/issuing-1.crl');
    return got.status === 'ok' ? Buffer.from(got.body) : undefined;
  };

  beforeAll(async () => {
    [web, s3] = await Promise.all([startCrlServer(), startS3()]);
    store = new S3Store(s3.bucket, PREFIX, { client: s3.client });
    ca = makeCa({ name: 'CN=Fetched CA,O=Test' });
    const leaf = makeLeaf(ca, { subject: 'CN=leaf' });
    crl1 = makeCrl({ issuer: ca, crlNumber: 1, entries: [{ serial: leaf.serial }] });
    crl2 = makeCrl({ issuer: ca, crlNumber: 2, entries: [{ serial: leaf.serial }, { serial: 7 }] });
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `${PREFIX}ca/issuing-1.ca.pem`, Body: ca.pem }),
    );
  });
  afterAll(async () => {
    await Promise.all([web?.stop(), s3?.stop()]);
  });
  beforeEach(async () => {
    web.routes.clear();
    web.seen.length = 0;
    await store.delete('ca/issuing-1.crl');
  });

  it('writes a new CRL, then sends its ETag and does not write again on a 304', async () => {
    web.routes.set('/ca.crl', { bytes: crl1 });
    const first = await fetchSource(store, source('/ca.crl'), limits());
    expect(first).toMatchObject({ action: 'written', bytes: crl1.length, key: 'ca/issuing-1.crl' });
    expect(await crlObject()).toEqual(Buffer.from(crl1));
    const putsBefore = s3.requestCount('PUT', `${PREFIX}ca/issuing-1.crl`);

    const second = await fetchSource(store, source('/ca.crl'), limits());
    expect(second).toMatchObject({ action: 'unchanged', reason: 'not-modified' });
    expect(web.seen.at(-1)?.ifNoneMatch).toMatch(/^"[0-9a-f]{16}"$/);
    expect(s3.requestCount('PUT', `${PREFIX}ca/issuing-1.crl`)).toBe(putsBefore);
  });

  it('uses Last-Modified when the server sends no ETag', async () => {
    web.routes.set('/lm.crl', { bytes: crl1, noEtag: true, lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' });
    expect((await fetchSource(store, source('/lm.crl'), limits())).action).toBe('written');
    expect(await fetchSource(store, source('/lm.crl'), limits())).toMatchObject({ reason: 'not-modified' });
    expect(web.seen.at(-1)?.ifModifiedSince).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
  });

  it('writes a changed CRL, and does not rewrite the same bytes served without validators', async () => {
    web.routes.set('/ca.crl', { bytes: crl1 });
    await fetchSource(store, source('/ca.crl'), limits());
    web.routes.set('/ca.crl', { bytes: crl2 });
    expect(await fetchSource(store, source('/ca.crl'), limits())).toMatchObject({ action: 'written', bytes: crl2.length });
    expect(await crlObject()).toEqual(Buffer.from(crl2));
    web.routes.set('/plain.crl', { bytes: crl2, noEtag: true });
    expect(await fetchSource(store, source('/plain.crl'), limits())).toMatchObject({ action: 'unchanged', reason: 'same-bytes' });
  });

  it('compares against a CRL uploaded by hand (no fetch metadata) by its bytes', async () => {
    await store.put('ca/issuing-1.crl', crl1);
    web.routes.set('/ca.crl', { bytes: crl1 });
    expect(await fetchSource(store, source('/ca.crl'), limits())).toMatchObject({ action: 'unchanged', reason: 'same-bytes' });
  });

  describe('failures: a coded outcome, and the stored CRL untouched', () => {
    beforeEach(async () => {
      await store.put('ca/issuing-1.crl', crl1);
    });
    const cases: [string, () => Route, string, (() => string)?][] = [];
    type Route = Parameters<CrlServer['routes']['set']>[1];
    cases.push(['HTTP 500', () => ({ status: 500 }), 'fetch.http-status']);
    cases.push(['a server that stalls mid-body', () => ({ hang: true }), 'fetch.timeout']);
    cases.push(['a Content-Length over the limit', () => ({ size: 65 * 1024 }), 'fetch.too-large']);
    cases.push(['a chunked body over the limit', () => ({ size: 65 * 1024, chunked: true }), 'fetch.too-large']);
    cases.push(['a redirect loop', () => ({ redirect: '/x.crl' }), 'fetch.redirect']);
    cases.push(['an https to http redirect', () => ({ redirect: `${web.http}/ok.crl`, status: 301 }), 'fetch.redirect']);
    for (const [what, route, code] of cases) {
      it(`${what} → ${code}`, async () => {
        web.routes.set('/x.crl', route());
        web.routes.set('/ok.crl', { bytes: crl2 });
        const out = await fetchSource(store, source('/x.crl'), limits());
        expect(out).toMatchObject({ action: 'failed', code });
        expect(await crlObject()).toEqual(Buffer.from(crl1));
      });
    }

    it('an LDAP URL → fetch.unsupported-scheme, without a request', async () => {
      const out = await fetchSource(store, { url: 'ldap://dc1.example.com/CN=CA,CN=CDP?certificateRevocationList', name: 'ca/issuing-1' }, limits());
      expect(out).toMatchObject({ action: 'failed', code: 'fetch.unsupported-scheme' });
      expect(web.seen).toHaveLength(0);
    });

    it('a refused connection → fetch.unavailable', async () => {
      const out = await fetchSource(store, { url: 'http://127.0.0.1:1/ca.crl', name: 'ca/issuing-1' }, limits());
      expect(out).toMatchObject({ action: 'failed', code: 'fetch.unavailable' });
    });
  });

  it('follows a bounded number of redirects, http to https included', async () => {
    web.routes.set('/ok.crl', { bytes: crl2 });
    web.routes.set('/a', { redirect: `${web.https}/ok.crl` });
    const got = await httpGetCrl(`${web.http}/a`, {}, limits());
    expect(got).toMatchObject({ status: 'ok', url: `${web.https}/ok.crl` });
    web.routes.set('/b', { redirect: '/a' });
    web.routes.set('/c', { redirect: '/b' });
    web.routes.set('/d', { redirect: '/c' });
    expect(await failure(httpGetCrl(`${web.http}/d`, {}, limits()))).toBe('fetch.redirect');
    expect(await failure(httpGetCrl(`${web.http}/c`, {}, limits()))).toBe('no error');
  });

  it('garbage bytes are fetched and written, then the preprocessor rejects them and keeps the blob', async () => {
    const preprocessor = createPreprocessorHandler({ store, now: () => NOW, log: () => undefined });
    const created = () => s3Event('ObjectCreated:Put', s3.bucket, encodeKey(`${PREFIX}ca/issuing-1.crl`));
    web.routes.set('/ca.crl', { bytes: crl1 });
    await fetchSource(store, source('/ca.crl'), limits());
    await preprocessor(created());
    const blob = await store.get('ca/issuing-1.cache.bin');
    expect(blob.status).toBe('ok');

    web.routes.set('/ca.crl', { bytes: new TextEncoder().encode('<html>maintenance</html>') });
    expect((await fetchSource(store, source('/ca.crl'), limits())).action).toBe('written');
    expect(await failure(preprocessor(created()))).toBe('crl.malformed');
    const after = await store.get('ca/issuing-1.cache.bin');
    expect(after.status === 'ok' && blob.status === 'ok' && after.etag === blob.etag).toBe(true);
  });

  it('the handler logs each outcome and counts a failure as an EMF metric, without throwing', async () => {
    web.routes.set('/ca.crl', { bytes: crl1 });
    web.routes.set('/down.crl', { status: 503 });
    const logs: Record<string, unknown>[] = [];
    const handler = createFetcherHandler({
      store,
      sources: [source('/ca.crl'), source('/down.crl', 'ca/issuing-2')],
      limits: limits(),
      log: (e) => logs.push(e),
    });
    const { outcomes } = await handler();
    expect(outcomes.map((o) => o.action)).toEqual(['written', 'failed']);
    const failed = logs.find((l) => l.event === 'fetch.failed')!;
    expect(failed).toMatchObject({ code: 'fetch.http-status', CrlFetchFailed: 1, name: 'ca/issuing-2' });
    expect(JSON.stringify(failed._aws)).toContain('"Name":"CrlFetchFailed"');
    expect(await store.head('ca/issuing-2.crl')).toBeUndefined();
  });
});

describe('CRL_SOURCES', () => {
  it('reads a list of {url, name}', () => {
    expect(parseSources('[{"url":"http://pki.example.com/ca.crl","name":"ca/one"}]')).toEqual([
      { url: 'http://pki.example.com/ca.crl', name: 'ca/one' },
    ]);
  });
  it.each([
    ['', 'not set'],
    ['{}', 'non-empty JSON array'],
    ['[{"url":"x","name":"a"}]', 'not a URL'],
    ['[{"url":"http://a/b","name":"a.crl"}]', 'without a suffix'],
    ['[{"url":"http://a/b","name":"../a"}]', 'segment'],
    ['[{"url":"http://a/b","name":"a"},{"url":"http://a/c","name":"a"}]', 'appears twice'],
    ['[{"url":"http://a/b","name":"a","key":"k"}]', 'unknown fields'],
  ])('refuses %j', (text, message) => {
    expect(() => parseSources(text)).toThrow(message);
  });
});

describe('crl-authorizer fetch', () => {
  let web: CrlServer;
  let dir: string;
  const io = () => {
    const lines: string[] = [];
    return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
  };
  beforeAll(async () => {
    web = await startCrlServer();
    dir = await mkdtemp(join(tmpdir(), 'fetch-cli-'));
  });
  afterAll(async () => {
    await web?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the file, reports unchanged bytes, and exits 2 with the code on failure leaving the file', async () => {
    const ca = makeCa();
    const crl = makeCrl({ issuer: ca });
    web.routes.set('/ca.crl', { bytes: crl });
    web.routes.set('/gone.crl', { status: 404 });
    await writeFile(join(dir, 'tls-ca.pem'), web.tlsCa);
    const out = join(dir, 'ca.crl');
    const args = ['--out', out, '--tls-ca', join(dir, 'tls-ca.pem')];
    let r = io();
    expect(await run(['fetch', `${web.https}/ca.crl`, ...args], r.io)).toBe(0);
    expect(await readFile(out)).toEqual(Buffer.from(crl));
    r = io();
    expect(await run(['fetch', `${web.https}/ca.crl`, ...args], r.io)).toBe(0);
    expect(r.lines.join('\n')).toContain('unchanged');
    r = io();
    expect(await run(['fetch', `${web.https}/gone.crl`, ...args], r.io)).toBe(2);
    expect(r.lines.join('\n')).toContain('fetch.http-status');
    expect(await readFile(out)).toEqual(Buffer.from(crl));
    r = io();
    expect(await run(['fetch', 'ldap://dc1/CN=CA', '--out', out], r.io)).toBe(2);
    expect(r.lines.join('\n')).toContain('fetch.unsupported-scheme');
    expect(await run(['fetch', '--out', out], io().io)).toBe(64);
    expect(await run(['fetch', `${web.https}/ca.crl`], io().io)).toBe(64);
  });
});
