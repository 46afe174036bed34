/**
 * `npm run demo [-- --dir DIR]`: the whole loop on one machine, no AWS account. A CA, a good and a revoked
 * client certificate and a CRL; the CRL preprocessed into a folder store by the preprocessor Lambda's handler;
 * `serve` on a free port answering real HTTPS requests; then a new CRL dropped into the folder revokes the good
 * certificate and the answer changes without a restart; last, a certificate revoked only at an `openssl ocsp`
 * responder is denied once serve asks OCSP. Exits 0 only if every answer was the expected one.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { messageOf } from '../errors.js';
import { FolderStore } from '../store/folder.js';
import { makeCa, makeLeaf, type TestCert } from '../testpki/cert.js';
import { makeCrl } from '../testpki/crl.js';
import { toPem } from '../testpki/pem.js';
import { EXIT, parse } from './args.js';
import type { Io } from './io.js';
import { startResponder, type IndexLine, type Responder } from './demo-ocsp.js';
import { localServerCertificate, startGateway, type Gateway, type ServeOptions } from './serve.js';
import { crlProcessor, describe } from './watch.js';
import { isEntryPoint, runAsProcess } from './process.js';

export interface Answer {
  /** HTTP status, or undefined when the TLS handshake or the connection failed. */
  status?: number;
  code?: string;
  /** The client-side error when there was no HTTP answer. */
  error?: string;
}

interface ClientFiles {
  cert: string;
  key: string;
}

const CRL_NAME = 'demo-ca';
const DAY_MS = 86_400_000;

/** The demo's folders and what every step writes its results to. */
interface Run {
  io: Io;
  dir: string;
  pki: string;
  storeDir: string;
  serverDir: string;
  /** Requests whose answer was not the expected one. */
  failures: number;
  /** Prints one request's answer and counts it when it is not `status` (and `code`). */
  expect(what: string, got: Answer, status: number | 'tls', code?: string): void;
}

/** Step 1's output: the CA, its clients and their files. */
interface Pki {
  ca: TestCert;
  caPath: string;
  good: TestCert;
  revoked: TestCert;
  /** Revoked only in OCSP: no CRL ever lists it. */
  ocspRevoked: TestCert;
  files: { good: ClientFiles; revoked: ClientFiles; ocspRevoked: ClientFiles };
  now: number;
}

export async function demo(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { dir: { type: 'string' } });
  const temp = values.dir === undefined;
  const run = newRun(io, resolve(values.dir ?? mkdtempSync(join(tmpdir(), 'crl-authorizer-demo-'))));
  const removeOnSignal = temp ? removeTempOnSignal(run.dir) : () => undefined;
  let responder: Promise<Responder> | undefined;
  try {
    io.out(`crl-authorizer demo in ${run.dir}${temp ? ' (a temp folder, removed at the end; --dir DIR keeps it)' : ''}`);
    const pki = makePki(run);
    // Started now and used in step 6, so that its start-up overlaps steps 2 to 5.
    responder = startOcspResponder(run, pki);
    responder.catch(() => undefined);
    const store = new FolderStore(run.storeDir);
    if (!(await preprocessFirstCrl(run, store, pki))) return EXIT.unknown;
    const serverCert = localServerCertificate(run.serverDir);
    await serveAndRequest(run, store, pki, serverCert.caPath);
    await ocspStep(run, store, pki, serverCert.caPath, responder);
    if (!temp) printByHand(run, pki, serverCert.caPath);
    return summary(run);
  } finally {
    await responder?.then((r) => r.stop(), () => undefined);
    removeOnSignal();
    if (temp) rmSync(run.dir, { recursive: true, force: true });
  }
}

function newRun(io: Io, dir: string): Run {
  const run: Run = {
    io,
    dir,
    pki: join(dir, 'pki'),
    storeDir: join(dir, 'store'),
    serverDir: join(dir, 'server'),
    failures: 0,
    expect: (what, got, status, code) => {
      const ok = status === 'tls' ? got.status === undefined : got.status === status && got.code === code;
      if (!ok) run.failures++;
      const shown = got.status === undefined ? `TLS failure (${got.error})` : `${got.status} ${got.code ?? ''}`.trim();
      const wanted = status === 'tls' ? 'a TLS failure' : `${status} ${code ?? ''}`;
      io.out(`   ${what.padEnd(34)} -> ${shown}${ok ? '' : `   UNEXPECTED (wanted ${wanted})`}`);
    },
  };
  // A rerun in the same --dir makes a new CA, whose CRL number 1 would be refused as a rollback of the last run's.
  rmSync(run.storeDir, { recursive: true, force: true });
  for (const d of [run.pki, run.storeDir, run.serverDir]) mkdirSync(d, { recursive: true });
  return run;
}

/** Ctrl-C in the middle still removes the temp folder; returns the function that stops listening. */
function removeTempOnSignal(dir: string): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function makePki(run: Run): Pki {
  const { io } = run;
  io.out('');
  io.out('1. A CA, two client certificates, and a CRL that revokes one of them');
  const ca = makeCa({ name: 'CN=Demo Issuing CA,O=crl-authorizer demo' });
  const good = makeLeaf(ca, { subject: 'CN=good client,O=crl-authorizer demo' });
  const revoked = makeLeaf(ca, { subject: 'CN=revoked client,O=crl-authorizer demo' });
  const ocspRevoked = makeLeaf(ca, { subject: 'CN=client revoked in OCSP,O=crl-authorizer demo' });
  const caPath = join(run.pki, 'ca.pem');
  writeFileSync(caPath, toPem(ca.der, 'CERTIFICATE'));
  const files = {
    good: writeClient(run.pki, 'good', good),
    revoked: writeClient(run.pki, 'revoked', revoked),
    ocspRevoked: writeClient(run.pki, 'ocsp-revoked', ocspRevoked),
  };
  io.out(`   CA ${caPath}`);
  io.out(`   good client    serial ${hex(good.serial)}  ${files.good.cert}`);
  io.out(`   revoked client serial ${hex(revoked.serial)}  ${files.revoked.cert}`);
  io.out(`   CRL number 1 revokes ${hex(revoked.serial)}`);
  return { ca, caPath, good, revoked, ocspRevoked, files, now: Date.now() };
}

function demoCrl(pki: Pki, crlNumber: number, revoked: TestCert[]): Uint8Array {
  return makeCrl({
    issuer: pki.ca,
    crlNumber,
    // CRL 2's thisUpdate is later than CRL 1's (an older one is a rollback), and neither is in the future.
    thisUpdate: new Date(pki.now - 90_000 + crlNumber * 30_000),
    nextUpdate: new Date(pki.now + 7 * DAY_MS),
    entries: revoked.map((c, i) => ({ serial: c.serial, reason: i === 0 ? 'keyCompromise' : 'superseded' })),
  });
}

async function preprocessFirstCrl(run: Run, store: FolderStore, pki: Pki): Promise<boolean> {
  run.io.out('');
  run.io.out('2. Preprocess it into a folder store (the preprocessor Lambda handler, fed an S3 event)');
  const crl1 = demoCrl(pki, 1, [pki.revoked]);
  writeFileSync(join(run.pki, 'crl-1.pem'), toPem(crl1));
  writeFileSync(join(run.storeDir, `${CRL_NAME}.ca.pem`), toPem(pki.ca.der, 'CERTIFICATE'));
  writeFileSync(join(run.storeDir, `${CRL_NAME}.crl`), crl1);
  const first = await crlProcessor(store)(`${CRL_NAME}.crl`);
  run.io.out(`   ${describe(first)}`);
  if (first.action === 'written') return true;
  run.io.err('demo: the first CRL was not preprocessed; stopping');
  return false;
}

/** Steps 3 to 5: serve with the folder watched, requests, then CRL number 2 while it runs. */
async function serveAndRequest(run: Run, store: FolderStore, pki: Pki, serverCa: string): Promise<void> {
  const { io } = run;
  io.out('');
  io.out('3. Start serve: mutual TLS against the CA, the authorizer in-process, watching the folder');
  let gateway: Gateway | undefined;
  try {
    gateway = await startDemoGateway(run, store, pki, serverCa, { mode: 'off' });
    io.out(`   listening on ${gateway.url}`);
    const url = `${gateway.url}/hello`;
    io.out('');
    io.out('4. Real HTTPS requests');
    run.expect('good client certificate', await request(url, serverCa, pki.files.good), 200, 'cert.good');
    run.expect('revoked client certificate', await request(url, serverCa, pki.files.revoked), 403, 'cert.revoked');
    run.expect('no client certificate', await request(url, serverCa), 'tls');
    const stranger = makeLeaf(makeCa({ name: 'CN=Some Other CA' }), { subject: 'CN=stranger' });
    run.expect('certificate from another CA', await request(url, serverCa, writeClient(run.pki, 'stranger', stranger)), 'tls');
    // Revoked at the OCSP responder of step 6, which this serve (OCSP off, the default) does not ask.
    run.expect('client revoked in OCSP, CRL only', await request(url, serverCa, pki.files.ocspRevoked), 200, 'cert.good');
    await publishSecondCrl(run, pki, gateway);
    run.expect('good client certificate, now', await request(url, serverCa, pki.files.good), 403, 'cert.revoked');
    run.expect('revoked client certificate, still', await request(url, serverCa, pki.files.revoked), 403, 'cert.revoked');
  } catch (e) {
    run.failures++;
    io.err(`demo: ${messageOf(e)}`);
  } finally {
    await gateway?.close();
  }
}

function startDemoGateway(
  run: Run,
  store: FolderStore,
  pki: Pki,
  serverCa: string,
  ocsp: ServeOptions['ocsp'],
  decisionLog?: (line: string) => void,
): Promise<Gateway> {
  return startGateway({
    truststore: Buffer.from(toPem(pki.ca.der, 'CERTIFICATE')),
    store,
    port: 0,
    watch: true,
    revalidateSeconds: 0,
    serverCert: { cert: readFileSync(serverCa), key: readFileSync(join(run.serverDir, 'server.key')) },
    ...(ocsp && { ocsp }),
    log: (line) => {
      if (line.startsWith('watch:')) run.io.out(`   serve ${line}`);
    },
    ...(decisionLog && { decisionLog }),
  });
}

async function publishSecondCrl(run: Run, pki: Pki, gateway: Gateway): Promise<void> {
  run.io.out('');
  run.io.out('5. Publish CRL number 2, which also revokes the good certificate; serve keeps running');
  const crl2 = demoCrl(pki, 2, [pki.revoked, pki.good]);
  writeFileSync(join(run.pki, 'crl-2.pem'), toPem(crl2));
  // Written beside and renamed into place, as an upload lands: the watcher never sees half a file.
  const tmp = join(run.storeDir, `.${CRL_NAME}.crl.upload`);
  writeFileSync(tmp, crl2);
  renameSync(tmp, join(run.storeDir, `${CRL_NAME}.crl`));
  const seen = gateway.watcher!.outcomes.length;
  if (!(await until(() => gateway.watcher!.outcomes.length > seen, 5000))) {
    run.io.out('   (the watcher did not report the new CRL within 5 s)');
  }
  await gateway.watcher!.idle();
}

/** Step 6: a certificate no CRL lists, revoked at the CA's OCSP responder; serve asks it with --ocsp-mode prefer. */
async function ocspStep(run: Run, store: FolderStore, pki: Pki, serverCa: string, started: Promise<Responder>): Promise<void> {
  const { io } = run;
  io.out('');
  io.out("6. OCSP: a certificate no CRL lists, revoked at the CA's responder (openssl ocsp on 127.0.0.1)");
  let gateway: Gateway | undefined;
  try {
    const responder = await started;
    io.out(`   responder ${responder.url}; serve --ocsp-mode prefer --ocsp ${responder.url}`);
    const decisions: string[] = [];
    gateway = await startDemoGateway(run, store, pki, serverCa, { mode: 'prefer', url: responder.url }, (l) => decisions.push(l));
    const answer = await request(`${gateway.url}/hello`, serverCa, pki.files.ocspRevoked);
    run.expect('client revoked in OCSP only', answer, 403, 'cert.revoked');
    io.out(`   decision line: ${decisionSummary(decisions)}`);
  } catch (e) {
    run.failures++;
    io.err(`demo: ${messageOf(e)}`);
  } finally {
    await gateway?.close();
  }
}

/** The CA's OCSP responder: the good and the revoked client valid there, the third client revoked. */
function startOcspResponder(run: Run, pki: Pki): Promise<Responder> {
  const valid = (c: TestCert): IndexLine => ({ serial: c.serial, notAfter: c.notAfter });
  return startResponder(join(run.dir, 'ocsp'), {
    caPem: pki.ca.pem,
    signer: { pem: pki.ca.pem, keyPem: keyPem(pki.ca) },
    lines: [valid(pki.good), valid(pki.revoked), { ...valid(pki.ocspRevoked), revokedAt: new Date(pki.now - 60_000) }],
  });
}

/** The fields of the last decision line a reader needs: which source decided, and why. */
function decisionSummary(lines: readonly string[]): string {
  const line = lines.filter((l) => l.includes('"message":"decision"')).at(-1);
  if (line === undefined) return '(none logged)';
  const d = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify({ decision: d.decision, code: d.code, source: d.source, reason: d.reason });
}

function printByHand(run: Run, pki: Pki, serverCa: string): void {
  const { io } = run;
  io.out('');
  io.out('7. Repeat it by hand:');
  const storeUrl = pathToFileURL(run.storeDir).href;
  io.out(
    `   npx tsx src/cli/main.ts serve --truststore ${sh(pki.caPath)} --store ${sh(storeUrl)} ` +
      `--cert ${sh(join(run.serverDir, 'server.pem'))} --key ${sh(join(run.serverDir, 'server.key'))} --port 8443 --watch`,
  );
  io.out('   then, in another terminal:');
  for (const [who, files] of [['good', pki.files.good], ['revoked', pki.files.revoked]] as const) {
    io.out(`   curl --cacert ${sh(serverCa)} --cert ${sh(files.cert)} --key ${sh(files.key)} https://127.0.0.1:8443/hello   # ${who}`);
  }
  io.out(`   curl --cacert ${sh(serverCa)} https://127.0.0.1:8443/hello   # no client certificate: the handshake fails`);
  io.out(`   (both clients are revoked now by CRL number 2; an older CRL such as ${join(run.pki, 'crl-1.pem')} is refused as a rollback)`);
}

function summary(run: Run): number {
  run.io.out('');
  if (run.failures > 0) {
    run.io.err(`demo: ${run.failures} answer(s) were not the expected ones`);
    return EXIT.unknown;
  }
  run.io.out('demo: every answer was the expected one');
  return EXIT.good;
}

function keyPem(cert: TestCert): string {
  return cert.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function writeClient(dir: string, name: string, cert: TestCert): ClientFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  writeFileSync(files.cert, cert.pem);
  writeFileSync(files.key, keyPem(cert), { mode: 0o600 });
  return files;
}

/** One HTTPS GET on its own connection, so each request presents its own certificate. */
export function request(url: string, caPath: string, client?: ClientFiles): Promise<Answer> {
  return new Promise((done) => {
    const req = https.get(
      url,
      {
        agent: false,
        ca: readFileSync(caPath),
        ...(client && { cert: readFileSync(client.cert), key: readFileSync(client.key) }),
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let code: string | undefined;
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string; context?: { code?: string } };
            code = body.code ?? body.context?.code;
          } catch {
            code = undefined;
          }
          done({ status: res.statusCode, ...(code !== undefined && { code }) });
        });
        res.on('error', (e) => done({ error: messageOf(e) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => done({ error: (e as NodeJS.ErrnoException).code ?? messageOf(e) }));
  });
}

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** A path as a POSIX shell word: as is when it is safe, single-quoted otherwise. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

if (isEntryPoint(import.meta.url)) runAsProcess('demo', 'npm run demo [-- --dir DIR]', demo);
