/**
 * Real OCSP responders on 127.0.0.1 for tests: `openssl ocsp` over an index file, and a small HTTP server that
 * answers whatever bytes a test hands it (what openssl will not produce).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toPem, type TestCert } from '../../src/testpki/index.js';

export interface IndexEntry {
  cert: TestCert;
  revoked?: { at: Date; reason?: string };
}

function opensslTime(d: Date): string {
  // YYMMDDHHMMSSZ, as openssl ca writes index.txt
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

function serialHex(serial: Uint8Array): string {
  return Buffer.from(serial).toString('hex').toUpperCase();
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Waits for openssl's "waiting for OCSP client connections" line. (Probing the port would not do: the responder
 * serves one connection at a time and a probe that connects and leaves can hold it.)
 */
async function waitForListening(child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`openssl ocsp exited ${child.exitCode}: ${stderr()}`);
    if (stderr().includes('waiting for OCSP client connections')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`openssl ocsp did not start listening: ${stderr()}`);
}

export interface OpensslResponder {
  url: string;
  stop(): Promise<void>;
}

/**
 * `openssl ocsp -index` answering for `ca`'s certificates, signed by `signer` (the CA itself or a delegated
 * responder certificate), with nextUpdate `nmin` minutes ahead. A serial not in the index is `unknown`.
 */
export async function startOpensslResponder(opts: {
  ca: TestCert;
  signer: TestCert;
  entries: readonly IndexEntry[];
  nmin?: number;
}): Promise<OpensslResponder> {
  const dir = await mkdtemp(join(tmpdir(), 'ocsp-'));
  const lines = opts.entries.map((e) => {
    const exp = opensslTime(e.cert.notAfter);
    const rev = e.revoked ? opensslTime(e.revoked.at) + (e.revoked.reason ? `,${e.revoked.reason}` : '') : '';
    return [e.revoked ? 'R' : 'V', exp, rev, serialHex(e.cert.serial), 'unknown', '/CN=leaf'].join('\t');
  });
  await writeFile(join(dir, 'index.txt'), lines.join('\n') + '\n');
  await writeFile(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  await writeFile(join(dir, 'ca.pem'), opts.ca.pem);
  await writeFile(join(dir, 'signer.pem'), opts.signer.pem);
  await writeFile(join(dir, 'signer.key'), opts.signer.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const port = await freePort();
  const child = spawn(
    'openssl',
    [
      'ocsp',
      '-index', 'index.txt',
      '-port', String(port), // openssl 3.0 takes only a port (it binds every interface); the tests connect to 127.0.0.1 only
      '-rsigner', 'signer.pem',
      '-rkey', 'signer.key',
      '-CA', 'ca.pem',
      '-nmin', String(opts.nmin ?? 5),
      '-ignore_err',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitForListening(child, () => err);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ScriptedResponder {
  url: string;
  /** Every request seen: method and path. */
  requests: { method: string; path: string; body: Buffer }[];
  /** What the next requests get: bytes (200, application/ocsp-response), an HTTP status, or a delay first. */
  answer: { body?: Uint8Array; status?: number; delayMs?: number };
  stop(): Promise<void>;
}

export async function startScriptedResponder(): Promise<ScriptedResponder> {
  const r: ScriptedResponder = {
    url: '',
    requests: [],
    answer: { status: 500 },
    stop: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.requests.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks) });
      const a = r.answer;
      const send = () => {
        if (res.destroyed) return;
        if (a.body) {
          res.writeHead(a.status ?? 200, { 'content-type': 'application/ocsp-response' });
          res.end(Buffer.from(a.body));
        } else {
          res.writeHead(a.status ?? 500);
          res.end();
        }
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocsp`;
  r.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return r;
}

export { toPem };
