/**
 * `crl-authorizer serve` as a user runs it: the built bin (package.json "bin") as a child process, real TLS
 * sockets, signals. `npm test` builds dist first; run `npm run build` before running this file alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlProcessor } from '../../src/cli/watch.js';
import { FolderStore } from '../../src/store/folder.js';
import { makeCa, makeLeaf, type TestCert } from '../../src/testpki/cert.js';
import { makeCrl } from '../../src/testpki/crl.js';
import { toPem } from '../../src/testpki/pem.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'serve-bin-test-'));
const ca = makeCa({ name: 'CN=Serve Bin CA' });
const good = makeLeaf(ca, { subject: 'CN=good client' });
const revoked = makeLeaf(ca, { subject: 'CN=revoked client' });
const stranger = makeLeaf(makeCa({ name: 'CN=Stranger CA' }), { subject: 'CN=stranger' });
const caFile = join(tmp, 'ca.pem');
const storeDir = join(tmp, 'store');
const storeUrl = pathToFileURL(storeDir).href;

interface Running {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
  /** Resolves when stdout or stderr matches; rejects (and kills the child) after `ms`. */
  waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray>;
}

function startBin(...args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitFor = async (re: RegExp, ms = 30_000): Promise<RegExpExecArray> => {
    for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 25))) {
      const m = re.exec(out) ?? re.exec(err);
      if (m) return m;
      if (Date.now() > end || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`no ${re} in output:\n${out}\n${err}`);
      }
    }
  };
  return { child, out: () => out, err: () => err, exited, waitFor };
}

/** Starts serve on a free port with the test's server certificate; resolves once it listens. */
async function serve(...args: string[]): Promise<Running & { url: string }> {
  const r = startBin('serve', '--truststore', caFile, '--port', '0', ...args);
  const m = await r.waitFor(/listening on (https:\/\/\S+)/);
  return { ...r, url: m[1]! };
}

async function stop(r: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  r.child.kill(signal);
  return r.exited;
}

function get(url: string, caPath: string, client?: TestCert): Promise<{ status?: number; error?: string }> {
  return new Promise((done) => {
    const key = client?.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string | undefined;
    const req = https.get(url, { agent: false, ca: readFileSync(caPath), ...(client && { cert: client.pem, key }) }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', (e) => done({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
  });
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  writeFileSync(caFile, toPem(ca.der, 'CERTIFICATE'));
  mkdirSync(storeDir, { recursive: true });
  writeFileSync(join(storeDir, 'issuing.ca.pem'), toPem(ca.der, 'CERTIFICATE'));
  const now = Date.now();
  writeFileSync(join(storeDir, 'issuing.crl'), makeCrl({
    issuer: ca, crlNumber: 1, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + 86_400_000),
    entries: [{ serial: revoked.serial }],
  }));
  expect(await crlProcessor(new FolderStore(storeDir))('issuing.crl')).toMatchObject({ action: 'written' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('serve (the built bin): start-up', () => {
  it('exits 70 when the port is in use, says which address and why, and prints no usage', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = startBin('serve', '--truststore', caFile, '--store', storeUrl, '--port', String(port));
      expect(await r.exited).toBe(70);
      expect(r.err()).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(r.err()).toContain('EADDRINUSE');
      expect(r.err()).not.toMatch(/usage/i);
    } finally {
      holder.close();
    }
  });

  it('warns at start, naming the store, when it is missing or holds no blobs; not when it has one', async () => {
    const missing = pathToFileURL(join(tmp, 'no-such-store')).href;
    const emptyDir = join(tmp, 'empty-store');
    mkdirSync(emptyDir, { recursive: true });
    const empty = pathToFileURL(emptyDir).href;
    for (const [url, says] of [[missing, 'does not exist'], [empty, 'holds no blobs']] as const) {
      const r = await serve('--store', url);
      expect(r.err()).toMatch(new RegExp(`^warning: store ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} ${says}`, 'm'));
      expect(await stop(r)).toBe(0);
    }
    const ok = await serve('--store', storeUrl);
    expect(await stop(ok)).toBe(0);
    expect(ok.err()).not.toContain('warning');
  });

  it('refuses a bad --ocsp-mode or --ocsp with exit 64, naming the flag', async () => {
    const mode = startBin('serve', '--truststore', caFile, '--store', storeUrl, '--ocsp-mode', 'sometimes');
    expect(await mode.exited).toBe(64);
    expect(mode.err()).toMatch(/--ocsp-mode: must be one of off, fallback, prefer, require/);
    const url = startBin('serve', '--truststore', caFile, '--store', storeUrl, '--ocsp', 'ldap://x');
    expect(await url.exited).toBe(64);
    expect(url.err()).toMatch(/--ocsp: must be an http/);
  });
});

describe('serve (the built bin): running', () => {
  it('names an untrusted client certificate as that, not "socket hang up"', async () => {
    const r = await serve('--store', storeUrl);
    const caPath = /--cacert (\S+)\)/.exec(r.out())![1]!;
    expect((await get(`${r.url}/x`, caPath, stranger)).status).toBeUndefined();
    await r.waitFor(/TLS handshake refused: client certificate not trusted by the truststore \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect((await get(`${r.url}/x`, caPath)).status).toBeUndefined();
    await r.waitFor(/TLS handshake refused: the client sent no certificate/);
    expect(await stop(r)).toBe(0);
    expect(r.err()).not.toContain('socket hang up');
  });

  it('prints one short line per request; the EMF decision line only with --verbose; nothing with --quiet', async () => {
    for (const mode of ['default', '--verbose', '--quiet'] as const) {
      const r = await serve('--store', storeUrl, ...(mode === 'default' ? [] : [mode]));
      const caPath = /--cacert (\S+)\)/.exec(r.out())![1]!;
      expect((await get(`${r.url}/orders`, caPath, good)).status).toBe(200);
      expect((await get(`${r.url}/orders`, caPath, revoked)).status).toBe(403);
      if (mode !== '--quiet') await r.waitFor(/^GET \/orders -> 403 cert\.revoked.*CN=revoked client/m);
      if (mode === '--verbose') await r.waitFor(/"_aws".*"message":"decision"/);
      expect(await stop(r)).toBe(0);
      const err = r.err();
      expect(err.includes('"message":"decision"'), mode).toBe(mode === '--verbose');
      expect(/^GET \/orders -> 200 cert\.good/m.test(err), mode).toBe(mode !== '--quiet');
    }
  });

  it('--ocsp-mode reaches the authorizer: require with no responder denies what the CRL alone allows', async () => {
    const r = await serve('--store', storeUrl, '--ocsp-mode', 'require', '--ocsp', 'http://127.0.0.1:9/');
    const caPath = /--cacert (\S+)\)/.exec(r.out())![1]!;
    expect((await get(`${r.url}/x`, caPath, good)).status).toBe(403);
    await r.waitFor(/^GET \/x -> 403 ocsp\.\S+/m);
    expect(await stop(r)).toBe(0);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`removes the temp folder of its generated server certificate on ${signal}`, async () => {
      const r = await serve('--store', storeUrl);
      const caPath = /--cacert (\S+)\)/.exec(r.out())![1]!;
      expect(existsSync(caPath)).toBe(true);
      expect(await stop(r, signal)).toBe(0);
      expect(existsSync(dirname(caPath))).toBe(false);
    });
  }

  it('keeps the folder of a certificate it was given', async () => {
    const certDir = join(tmp, 'given');
    const { localServerCertificate } = await import('../../src/cli/serve-cert.js');
    const given = localServerCertificate(certDir);
    const r = await serve('--store', storeUrl, '--cert', join(certDir, 'server.pem'), '--key', join(certDir, 'server.key'));
    expect(r.out()).not.toContain('generated');
    expect((await get(`${r.url}/x`, given.caPath, good)).status).toBe(200);
    expect(await stop(r)).toBe(0);
    expect(existsSync(given.caPath)).toBe(true);
  });
});
