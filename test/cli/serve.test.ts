import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCommand, localServerCertificate, startGateway, type Gateway } from '../../src/cli/serve.js';
import { crlProcessor } from '../../src/cli/watch.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
import { FolderStore } from '../../src/store/folder.js';
import { makeCa, makeLeaf, type TestCert } from '../../src/testpki/cert.js';
import { makeCrl, type CrlEntry } from '../../src/testpki/crl.js';
import { generateKey } from '../../src/testpki/keys.js';
import { toPem } from '../../src/testpki/pem.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Answer {
  status?: number;
  body?: { message?: string; code?: string; context?: Record<string, unknown>; principalId?: string; [k: string]: unknown };
  error?: string;
  localPort?: number;
}

interface Client {
  cert: string;
  key: string;
}

function client(cert: TestCert): Client {
  return { cert: cert.pem, key: cert.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function get(url: string, opts: { ca: string; client?: Client; agent?: https.Agent }): Promise<Answer> {
  return new Promise((done) => {
    const req = https.get(
      url,
      opts.agent
        ? { agent: opts.agent }
        : { agent: false, ca: opts.ca, ...(opts.client && { cert: opts.client.cert, key: opts.client.key }) },
      (res) => {
        // Read now: a keep-alive socket goes back to its agent (res.socket = null) before 'end'.
        const localPort = res.socket.localPort;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Answer['body'];
          try {
            body = JSON.parse(text) as Answer['body'];
          } catch {
            body = { raw: text };
          }
          done({ status: res.statusCode, body, localPort });
        });
        res.on('error', (e) => done({ error: e.message }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', (e) => done({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
  });
}

function writePair(dir: string, name: string, c: Client): { cert: string; key: string } {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  writeFileSync(files.cert, c.cert);
  writeFileSync(files.key, c.key);
  return files;
}

function crl(ca: TestCert, crlNumber: number, entries: CrlEntry[], times?: { thisUpdate: Date; nextUpdate: Date }): Uint8Array {
  const now = Date.now();
  return makeCrl({
    issuer: ca,
    crlNumber,
    // CRL n is n minutes younger than CRL 0, so a later number never has an older thisUpdate (a rollback).
    thisUpdate: times?.thisUpdate ?? new Date(now - HOUR + crlNumber * 60_000),
    nextUpdate: times?.nextUpdate ?? new Date(now + DAY),
    entries,
  });
}

/** Drops a CRL (and its CA) into a folder store by rename, as an upload lands. */
function place(root: string, key: string, bytes: Uint8Array | string): void {
  const path = join(root, ...key.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.upload-${Math.random().toString(36).slice(2)}`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

async function until(test: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function hasBinary(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0 || spawnSync(name, ['version'], { stdio: 'ignore' }).status === 0;
}

const tmp = mkdtempSync(join(tmpdir(), 'serve-test-'));
const ca = makeCa({ name: 'CN=Serve Test CA,O=crl-authorizer tests' });
const good = makeLeaf(ca, { subject: 'CN=good client,O=crl-authorizer tests' });
const revoked = makeLeaf(ca, { subject: 'CN=revoked client,O=crl-authorizer tests' });
const expiredCa = makeCa({ name: 'CN=Expired CRL CA,O=crl-authorizer tests' });
const underExpired = makeLeaf(expiredCa, { subject: 'CN=client of a CA whose CRL expired' });
const foreignCa = makeCa({ name: 'CN=Foreign CA,O=elsewhere' });
const stranger = makeLeaf(foreignCa, { subject: 'CN=stranger' });
const server = localServerCertificate(join(tmp, 'server'));
const serverCa = readFileSync(server.caPath, 'utf8');

function truststore(...cas: TestCert[]): Uint8Array {
  return Buffer.from(cas.map((c) => toPem(c.der, 'CERTIFICATE')).join(''));
}

describe('serve: decisions over real mutual TLS', () => {
  const storeDir = join(tmp, 'store');
  const decisions: string[] = [];
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    mkdirSync(join(tmp, 'server'), { recursive: true });
    const store = new FolderStore(storeDir);
    place(storeDir, 'issuing.ca.pem', toPem(ca.der, 'CERTIFICATE'));
    place(storeDir, 'issuing.crl', crl(ca, 1, [{ serial: revoked.serial }]));
    expect(await crlProcessor(store)('issuing.crl')).toMatchObject({ action: 'written', blobKey: 'issuing.cache.bin' });
    // A CRL that was current when it was preprocessed and has expired since: the authorizer must notice.
    const now = Date.now();
    const old = crl(expiredCa, 7, [], { thisUpdate: new Date(now - 10 * DAY), nextUpdate: new Date(now - DAY) });
    const { blob } = preprocess(old, [expiredCa.der], { at: new Date(now - 5 * DAY) });
    await store.put('expired.cache.bin', blob);

    gateway = await startGateway({
      truststore: truststore(ca, expiredCa),
      store,
      port: 0,
      revalidateSeconds: 0,
      serverCert: server,
      decisionLog: (line) => decisions.push(line),
    });
    url = `${gateway.url}/orders/42?expand=items`;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('listens on 127.0.0.1 on the port it picked', () => {
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.port).toBeGreaterThan(0);
  });

  it('allows a good certificate: 200 and a JSON echo with the authorizer context', async () => {
    const a = await get(url, { ca: serverCa, client: client(good) });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      method: 'GET',
      path: '/orders/42',
      principalId: 'CN=good client,O=crl-authorizer tests',
      context: {
        status: 'good',
        code: 'cert.good',
        serial: Buffer.from(good.serial).toString('hex').toUpperCase(),
        issuer: 'CN=Serve Test CA,O=crl-authorizer tests',
        crlNumber: '1',
      },
    });
  });

  it('denies a revoked certificate: 403 with message and code', async () => {
    const a = await get(url, { ca: serverCa, client: client(revoked) });
    expect(a.status).toBe(403);
    expect(a.body).toEqual({ message: expect.stringContaining('not authorized'), code: 'cert.revoked' });
  });

  it('denies a certificate whose CRL has expired: 403 crl.expired', async () => {
    const a = await get(url, { ca: serverCa, client: client(underExpired) });
    expect(a.status).toBe(403);
    expect(a.body?.code).toBe('crl.expired');
  });

  it('refuses a connection without a client certificate at the TLS layer', async () => {
    const a = await get(url, { ca: serverCa });
    expect(a.status).toBeUndefined();
    expect(a.error).toBeDefined();
  });

  it('refuses a certificate from a CA outside the truststore at the TLS layer', async () => {
    const a = await get(url, { ca: serverCa, client: client(stranger) });
    expect(a.status).toBeUndefined();
    expect(a.error).toBeDefined();
  });

  it('hands the authorizer the REST API event and logs one decision line per request', async () => {
    const before = decisions.length;
    await get(url, { ca: serverCa, client: client(good) });
    const line = decisions.slice(before).find((l) => l.includes('"message":"decision"'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as Record<string, unknown>;
    expect(entry).toMatchObject({ decision: 'Allow', code: 'cert.good', shape: 'rest', crlNumber: '1' });
    expect(line).not.toContain('BEGIN CERTIFICATE');
  });

  it.skipIf(!hasBinary('curl'))('answers curl: 200 for good, 403 cert.revoked for revoked, a TLS error without a certificate', async () => {
    const dir = join(tmp, 'curl');
    mkdirSync(dir, { recursive: true });
    const g = writePair(dir, 'good', client(good));
    const r = writePair(dir, 'revoked', client(revoked));
    const curl = (...args: string[]) =>
      new Promise<{ code: number; stdout: string }>((done) => {
        execFile('curl', ['-sS', '--max-time', '10', '--cacert', server.caPath, '-w', '\n%{http_code}', ...args], (e, stdout) =>
          done({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout }),
        );
      });
    const ok = await curl('--cert', g.cert, '--key', g.key, url);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').pop()).toBe('200');
    const denied = await curl('--cert', r.cert, '--key', r.key, url);
    expect(denied.stdout.trim().split('\n').pop()).toBe('403');
    expect(JSON.parse(denied.stdout.trim().split('\n')[0]!)).toMatchObject({ code: 'cert.revoked' });
    const none = await curl(url);
    expect(none.code).not.toBe(0);
    expect(none.stdout.trim().split('\n').pop()).toBe('000');
  });
  // A line, not a placeholder test: with the tool present nothing is skipped and nothing extra is counted.
  if (!hasBinary('curl')) console.warn('serve.test: curl not found; the curl client checks were skipped');

  it.skipIf(!hasBinary('openssl'))('answers openssl s_client with a certificate and refuses it without one', async () => {
    const dir = join(tmp, 'openssl');
    mkdirSync(dir, { recursive: true });
    const g = writePair(dir, 'good', client(good));
    const sClient = (...args: string[]) =>
      new Promise<string>((done) => {
        const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${gateway.port}`, '-CAfile', server.caPath, '-quiet', ...args]);
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
        const timer = setTimeout(() => child.kill(), 10_000);
        child.on('close', () => {
          clearTimeout(timer);
          done(out);
        });
        child.stdin.end('GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
    const withCert = await sClient('-cert', g.cert, '-key', g.key);
    expect(withCert).toContain('HTTP/1.1 200');
    expect(withCert).toContain('"code":"cert.good"');
    const without = await sClient();
    expect(without).not.toContain('HTTP/1.1');
    expect(without).toMatch(/alert|error/i);
  });
  // A line, not a placeholder test: with the tool present nothing is skipped and nothing extra is counted.
  if (!hasBinary('openssl')) console.warn('serve.test: openssl not found; the s_client checks were skipped');
});

describe('serve --upstream', () => {
  let upstream: http.Server;
  let gateway: Gateway;
  const seen: { url?: string; headers: http.IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end(`upstream saw ${req.method} ${req.url}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const storeDir = join(tmp, 'store-upstream');
    const store = new FolderStore(storeDir);
    place(storeDir, 'issuing.ca.pem', toPem(ca.der, 'CERTIFICATE'));
    place(storeDir, 'issuing.crl', crl(ca, 1, [{ serial: revoked.serial }]));
    await crlProcessor(store)('issuing.crl');
    gateway = await startGateway({
      truststore: truststore(ca),
      store,
      port: 0,
      serverCert: server,
      upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base/`),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it('proxies an allowed request with the authorizer context as headers, and never a denied one', async () => {
    const ok = await get(`${gateway.url}/a/b?c=1`, { ca: serverCa, client: client(good) });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ raw: 'upstream saw GET /base/a/b?c=1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers).toMatchObject({
      'x-authorizer-code': 'cert.good',
      'x-authorizer-principal-id': 'CN=good client,O=crl-authorizer tests',
    });
    const denied = await get(`${gateway.url}/a/b`, { ca: serverCa, client: client(revoked) });
    expect(denied.status).toBe(403);
    expect(seen).toHaveLength(1);
  });
});

describe('serve --watch', () => {
  const storeDir = join(tmp, 'store-watch');
  const logs: string[] = [];
  let gateway: Gateway;

  beforeAll(async () => {
    // Present before serve starts and without a blob: the watcher processes it at start.
    place(storeDir, 'issuing.ca.pem', toPem(ca.der, 'CERTIFICATE'));
    place(storeDir, 'issuing.crl', crl(ca, 1, [{ serial: revoked.serial }]));
    gateway = await startGateway({
      truststore: truststore(ca, expiredCa),
      store: new FolderStore(storeDir),
      port: 0,
      serverCert: server,
      watch: true,
      log: (line) => logs.push(line),
    });
    await until(() => gateway.watcher!.outcomes.length > 0);
    await gateway.watcher!.idle();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('preprocesses a CRL that was already in the folder', async () => {
    expect(gateway.watcher!.outcomes[0]).toMatchObject({ key: 'issuing.crl', action: 'written' });
    expect((await get(`${gateway.url}/`, { ca: serverCa, client: client(good) })).status).toBe(200);
  });

  it('a replaced CRL changes the decision without a restart', async () => {
    const n = gateway.watcher!.outcomes.length;
    place(storeDir, 'issuing.crl', crl(ca, 2, [{ serial: revoked.serial }, { serial: good.serial }]));
    await until(() => gateway.watcher!.outcomes.length > n);
    expect(gateway.watcher!.outcomes[n]).toMatchObject({ key: 'issuing.crl', action: 'written', crlNumber: '2' });
    const a = await get(`${gateway.url}/`, { ca: serverCa, client: client(good) });
    expect(a.status).toBe(403);
    expect(a.body?.code).toBe('cert.revoked');
  });

  it('a CRL that fails verification is rejected with its code, logged, and the current blob stays', async () => {
    const n = gateway.watcher!.outcomes.length;
    const forged = makeCrl({ issuer: ca, signingKey: generateKey('ec-p256'), crlNumber: 3, thisUpdate: new Date(), entries: [] });
    place(storeDir, 'issuing.crl', forged);
    await until(() => gateway.watcher!.outcomes.length > n);
    expect(gateway.watcher!.outcomes[n]).toMatchObject({ action: 'rejected', code: 'crl.signature-invalid' });
    expect(logs.some((l) => l.includes('issuing.crl rejected: crl.signature-invalid'))).toBe(true);
    const a = await get(`${gateway.url}/`, { ca: serverCa, client: client(good) });
    expect(a.status).toBe(403);
    expect(a.body?.code).toBe('cert.revoked');
  });

  it('picks up a .crl.pem in a subfolder, with its CA beside it, as a new index', async () => {
    const n = gateway.watcher!.outcomes.length;
    place(storeDir, 'partner/expired-ca.ca.pem', toPem(expiredCa.der, 'CERTIFICATE'));
    place(storeDir, 'partner/expired-ca.crl.pem', toPem(crl(expiredCa, 1, [])));
    await until(() => gateway.watcher!.outcomes.length > n);
    expect(gateway.watcher!.outcomes[n]).toMatchObject({ key: 'partner/expired-ca.crl.pem', action: 'written' });
    expect(existsSync(join(storeDir, 'partner', 'expired-ca.cache.bin'))).toBe(true);
    // serve's authorizer re-lists the folder at most once a second, then answers for the new CA's clients.
    let a: Answer = {};
    for (const end = Date.now() + 5000; a.status !== 200 && Date.now() < end; ) {
      a = await get(`${gateway.url}/`, { ca: serverCa, client: client(underExpired) });
      if (a.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(a).toMatchObject({ status: 200, body: { context: { code: 'cert.good' } } });
  });
});

describe('serve under load while the CRL is replaced', () => {
  it('every answer is the old or the new one, and every request after the new blob is due gets the new one', async () => {
    const storeDir = join(tmp, 'store-load');
    const store = new FolderStore(storeDir);
    place(storeDir, 'issuing.ca.pem', toPem(ca.der, 'CERTIFICATE'));
    place(storeDir, 'issuing.crl', crl(ca, 1, [{ serial: revoked.serial }]));
    await crlProcessor(store)('issuing.crl');
    const revalidateSeconds = 1;
    const gateway = await startGateway({ truststore: truststore(ca), store, port: 0, serverCert: server, revalidateSeconds });
    const CONNECTIONS = 20;
    const MIN_REQUESTS = 2000;
    const MAX_REQUESTS = 20_000;
    const MIN_AFTER = 200;
    const deadline = Date.now() + 40_000;
    const agents = Array.from(
      { length: CONNECTIONS },
      () => new https.Agent({ keepAlive: true, maxSockets: 1, ca: serverCa, cert: client(good).cert, key: client(good).key }),
    );
    const results: (Answer & { start: number })[] = [];
    let dueAt = Infinity;
    const after = () => results.filter((r) => r.start >= dueAt).length;
    const enough = () =>
      results.length >= MAX_REQUESTS || Date.now() > deadline || (results.length >= MIN_REQUESTS && after() >= MIN_AFTER);
    try {
      const workers = agents.map(async (agent) => {
        while (!enough()) {
          const start = Date.now();
          const a = await get(`${gateway.url}/load`, { ca: serverCa, agent });
          results.push({ ...a, start });
        }
      });
      const publisher = (async () => {
        await until(() => results.length >= 500 || enough(), 40_000);
        place(storeDir, 'issuing.crl', crl(ca, 2, [{ serial: revoked.serial }, { serial: good.serial }]));
        expect(await crlProcessor(store)('issuing.crl')).toMatchObject({ action: 'written' });
        // The blob is in place before this line runs; once the interval has passed, every new request is due.
        dueAt = Date.now() + revalidateSeconds * 1000;
      })();
      await Promise.all([...workers, publisher]);
    } finally {
      for (const a of agents) a.destroy();
      await gateway.close();
    }

    expect(results.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(new Set(results.map((r) => r.localPort)).size).toBeGreaterThanOrEqual(CONNECTIONS);
    const wrong = results.filter(
      (r) => !(r.status === 200 && r.body?.context?.code === 'cert.good') && !(r.status === 403 && r.body?.code === 'cert.revoked'),
    );
    expect(wrong.slice(0, 3)).toEqual([]);
    const lateOld = results.filter((r) => r.start >= dueAt && r.status !== 403);
    expect(lateOld.length).toBe(0);
    expect(after()).toBeGreaterThanOrEqual(MIN_AFTER);
    expect(results.some((r) => r.status === 200)).toBe(true);
  });
});

describe('crl-authorizer serve (the command)', () => {
  const storeUrl = () => pathToFileURL(join(tmp, 'store')).href;
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };

  it('prints where it listens, serves, and stops when asked', async () => {
    const caFile = join(tmp, 'truststore.pem');
    writeFileSync(caFile, truststore(ca));
    const c = io();
    const stop = new AbortController();
    const done = serveCommand(['--truststore', caFile, '--store', storeUrl(), '--port', '0', '--quiet'], c.io, { signal: stop.signal });
    await until(() => c.out.some((l) => l.startsWith('listening on ')));
    const listening = c.out.find((l) => l.startsWith('listening on '))!;
    expect(listening).toMatch(/^listening on https:\/\/127\.0\.0\.1:\d+$/);
    const generatedCa = /--cacert (\S+)\)/.exec(c.out.join('\n'))?.[1];
    expect(generatedCa && existsSync(generatedCa)).toBe(true);
    const a = await get(`${listening.slice('listening on '.length)}/x`, { ca: readFileSync(generatedCa!, 'utf8'), client: client(good) });
    expect(a.status).toBe(200);
    stop.abort();
    expect(await done).toBe(0);
    expect(c.out.at(-1)).toBe('stopped');
    rmSync(dirname(generatedCa!), { recursive: true, force: true });
  });

  it('refuses bad usage with exit 64', async () => {
    const c = io();
    const { run } = await import('../../src/cli/main.js');
    expect(await run(['serve', '--store', storeUrl()], c.io)).toBe(64);
    expect(c.err.join('\n')).toContain('--truststore');
    expect(await run(['serve', '--truststore', 'x.pem', '--store', 's3://bucket/p', '--watch'], c.io)).toBe(64);
    expect(await run(['serve', '--truststore', 'x.pem', '--store', storeUrl(), '--port', '70000'], c.io)).toBe(64);
    expect(await run(['serve', '--truststore', 'x.pem', '--store', 'ftp://x/y'], c.io)).toBe(64);
  });

  it('exits 66 when the truststore file is missing', async () => {
    const c = io();
    const { run } = await import('../../src/cli/main.js');
    expect(await run(['serve', '--truststore', join(tmp, 'missing.pem'), '--store', storeUrl(), '--port', '0'], c.io)).toBe(66);
  });

  it('as a process: SIGTERM stops it with exit 0', async () => {
    const caFile = join(tmp, 'truststore.pem');
    writeFileSync(caFile, truststore(ca));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--truststore', caFile, '--store', storeUrl(), '--port', '0',
        '--cert', join(tmp, 'server', 'server.pem'), '--key', join(tmp, 'server', 'server.key')],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(() => out.includes('listening on https://127.0.0.1:'), 30_000);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('stopped');
  });
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
