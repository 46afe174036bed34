/**
 * An `openssl ocsp` responder on 127.0.0.1 answering from an index file (the format `openssl ca` keeps): the demo's
 * (signed by the demo CA itself), and the tests' and benchmarks' (test/ocsp/responders.ts, which add a temp folder
 * and a delegated signer). Local and quick to start, so `npm run demo` needs no network.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface IndexLine {
  serial: Uint8Array;
  notAfter: Date;
  /** When revoked (absent = valid). */
  revokedAt?: Date;
  /** The revocation reason's name as openssl ca writes it (`keyCompromise`, ...); absent = none given. */
  reason?: string;
}

export interface ResponderSetup {
  /** The CA whose certificates it answers for (PEM). */
  caPem: string;
  /** What signs the answers: the CA itself, or a responder certificate it delegated to (PEM certificate and key). */
  signer: { pem: string; keyPem: string };
  lines: readonly IndexLine[];
  /** Minutes from thisUpdate to nextUpdate. @default 5 */
  nmin?: number;
}

export interface Responder {
  url: string;
  stop(): Promise<void>;
}

/** YYMMDDHHMMSSZ, as `openssl ca` writes index.txt. */
function indexTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

function indexText(lines: readonly IndexLine[]): string {
  const row = (l: IndexLine) =>
    [l.revokedAt ? 'R' : 'V', indexTime(l.notAfter), l.revokedAt ? indexTime(l.revokedAt) + (l.reason ? `,${l.reason}` : '') : '',
      Buffer.from(l.serial).toString('hex').toUpperCase(), 'unknown', '/CN=demo'].join('\t');
  return lines.map(row).join('\n') + '\n';
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Starts the responder in `dir` (index, CA certificate, signer's certificate and key written there) and resolves
 * once it listens. A serial not in the index is answered `unknown`.
 */
export async function startResponder(dir: string, setup: ResponderSetup): Promise<Responder> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.txt'), indexText(setup.lines));
  // Every line has the same placeholder subject, which openssl refuses unless told subjects need not be unique.
  writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  writeFileSync(join(dir, 'ca.pem'), setup.caPem);
  writeFileSync(join(dir, 'signer.pem'), setup.signer.pem);
  writeFileSync(join(dir, 'signer.key'), setup.signer.keyPem, { mode: 0o600 });
  const port = await freePort();
  // openssl 3.0 takes only a port and binds every interface; its clients connect to 127.0.0.1 only. -ignore_err:
  // after a malformed request it keeps serving instead of exiting.
  const args = ['ocsp', '-index', 'index.txt', '-port', String(port), '-rsigner', 'signer.pem', '-rkey', 'signer.key', '-CA', 'ca.pem',
    '-nmin', String(setup.nmin ?? 5), '-ignore_err'];
  const child = spawn('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let failed = false;
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.on('error', (e) => {
    failed = true;
    err += e.message;
  });
  const stop = async (): Promise<void> => {
    if (failed || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  // Its own "waiting" line says it listens; a probe connection could hold its one connection slot.
  for (const end = Date.now() + 10_000; !err.includes('waiting for OCSP client connections'); ) {
    if (failed || child.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`openssl ocsp did not start: ${err.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}
