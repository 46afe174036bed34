/**
 * Real OCSP responders on 127.0.0.1 for tests: `openssl ocsp` over an index file, and a small HTTP server that
 * answers whatever bytes a test hands it (what openssl will not produce).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startResponder, type Responder } from '../../src/cli/demo-ocsp.js';
import { toPem, type TestCert } from '../../src/testpki/index.js';

export interface IndexEntry {
  cert: TestCert;
  revoked?: { at: Date; reason?: string };
}

export type OpensslResponder = Responder;

/**
 * `openssl ocsp -index` answering for `ca`'s certificates, signed by `signer` (the CA itself or a delegated
 * responder certificate), with nextUpdate `nmin` minutes ahead. A serial not in the index is `unknown`. The demo's
 * launcher (src/cli/demo-ocsp.ts) in a temp folder of its own, removed on stop.
 */
export async function startOpensslResponder(opts: {
  ca: TestCert;
  signer: TestCert;
  entries: readonly IndexEntry[];
  nmin?: number;
}): Promise<OpensslResponder> {
  const dir = await mkdtemp(join(tmpdir(), 'ocsp-'));
  const lines = opts.entries.map(({ cert, revoked }) => ({
    serial: cert.serial,
    notAfter: cert.notAfter,
    ...(revoked && { revokedAt: revoked.at, ...(revoked.reason && { reason: revoked.reason }) }),
  }));
  const signer = { pem: opts.signer.pem, keyPem: opts.signer.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
  let responder: Responder;
  try {
    responder = await startResponder(dir, { caPem: opts.ca.pem, signer, lines, ...(opts.nmin !== undefined && { nmin: opts.nmin }) });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: responder.url,
    async stop() {
      await responder.stop();
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
