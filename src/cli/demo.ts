/**
 * `npm run demo [-- --dir DIR]`: the whole loop on one machine, no AWS account. A CA, a good and a revoked
 * client certificate and a CRL; the CRL preprocessed into a folder store by the preprocessor Lambda's handler;
 * `serve` on a free port answering real HTTPS requests; then a new CRL dropped into the folder revokes the good
 * certificate and the answer changes without a restart. Exits 0 only if every answer was the expected one.
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
import { EXIT, UsageError, parse } from './args.js';
import type { Io } from './io.js';
import { localServerCertificate, startGateway, type Gateway } from './serve.js';
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

export async function demo(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { dir: { type: 'string' } });
  const dir = resolve(values.dir ?? mkdtempSync(join(tmpdir(), 'crl-authorizer-demo-')));
  const pki = join(dir, 'pki');
  const storeDir = join(dir, 'store');
  const serverDir = join(dir, 'server');
  // A rerun in the same --dir makes a new CA, whose CRL number 1 would be refused as a rollback of the last run's.
  rmSync(storeDir, { recursive: true, force: true });
  for (const d of [pki, storeDir, serverDir]) mkdirSync(d, { recursive: true });
  let failures = 0;
  const expect = (what: string, got: Answer, status: number | 'tls', code?: string): void => {
    const ok = status === 'tls' ? got.status === undefined : got.status === status && got.code === code;
    if (!ok) failures++;
    const shown = got.status === undefined ? `TLS failure (${got.error})` : `${got.status} ${got.code ?? ''}`.trim();
    io.out(`   ${what.padEnd(34)} -> ${shown}${ok ? '' : `   UNEXPECTED (wanted ${status === 'tls' ? 'a TLS failure' : `${status} ${code ?? ''}`})`}`);
  };

  io.out(`crl-authorizer demo in ${dir}`);
  io.out('');
  io.out('1. A CA, two client certificates, and a CRL that revokes one of them');
  const ca = makeCa({ name: 'CN=Demo Issuing CA,O=crl-authorizer demo' });
  const good = makeLeaf(ca, { subject: 'CN=good client,O=crl-authorizer demo' });
  const revoked = makeLeaf(ca, { subject: 'CN=revoked client,O=crl-authorizer demo' });
  const caPath = join(pki, 'ca.pem');
  writeFileSync(caPath, toPem(ca.der, 'CERTIFICATE'));
  const goodFiles = writeClient(pki, 'good', good);
  const revokedFiles = writeClient(pki, 'revoked', revoked);
  const now = Date.now();
  const crl1 = makeCrl({
    issuer: ca,
    crlNumber: 1,
    thisUpdate: new Date(now - 60_000),
    nextUpdate: new Date(now + 7 * DAY_MS),
    entries: [{ serial: revoked.serial, reason: 'keyCompromise' }],
  });
  writeFileSync(join(pki, 'crl-1.pem'), toPem(crl1));
  io.out(`   CA ${caPath}`);
  io.out(`   good client    serial ${hex(good.serial)}  ${goodFiles.cert}`);
  io.out(`   revoked client serial ${hex(revoked.serial)}  ${revokedFiles.cert}`);
  io.out(`   CRL number 1 revokes ${hex(revoked.serial)}`);

  io.out('');
  io.out('2. Preprocess it into a folder store (the preprocessor Lambda handler, fed an S3 event)');
  const store = new FolderStore(storeDir);
  writeFileSync(join(storeDir, `${CRL_NAME}.ca.pem`), toPem(ca.der, 'CERTIFICATE'));
  writeFileSync(join(storeDir, `${CRL_NAME}.crl`), crl1);
  const first = await crlProcessor(store)(`${CRL_NAME}.crl`);
  io.out(`   ${describe(first)}`);
  if (first.action !== 'written') {
    io.err('demo: the first CRL was not preprocessed; stopping');
    return EXIT.unknown;
  }

  io.out('');
  io.out('3. Start serve: mutual TLS against the CA, the authorizer in-process, watching the folder');
  const serverCert = localServerCertificate(serverDir);
  const serverCa = serverCert.caPath;
  let gateway: Gateway | undefined;
  try {
    gateway = await startGateway({
      truststore: Buffer.from(toPem(ca.der, 'CERTIFICATE')),
      store,
      port: 0,
      watch: true,
      revalidateSeconds: 0,
      serverCert,
      log: (line) => {
        if (line.startsWith('watch:')) io.out(`   serve ${line}`);
      },
    });
    io.out(`   listening on ${gateway.url}`);
    const url = `${gateway.url}/hello`;

    io.out('');
    io.out('4. Real HTTPS requests');
    expect('good client certificate', await request(url, serverCa, goodFiles), 200, 'cert.good');
    expect('revoked client certificate', await request(url, serverCa, revokedFiles), 403, 'cert.revoked');
    expect('no client certificate', await request(url, serverCa), 'tls');
    const stranger = makeLeaf(makeCa({ name: 'CN=Some Other CA' }), { subject: 'CN=stranger' });
    expect('certificate from another CA', await request(url, serverCa, writeClient(pki, 'stranger', stranger)), 'tls');

    io.out('');
    io.out('5. Publish CRL number 2, which also revokes the good certificate; serve keeps running');
    const crl2 = makeCrl({
      issuer: ca,
      crlNumber: 2,
      // Later than CRL 1's (an older thisUpdate is a rollback), and not in the future (not yet valid).
      thisUpdate: new Date(now - 30_000),
      nextUpdate: new Date(now + 7 * DAY_MS),
      entries: [
        { serial: revoked.serial, reason: 'keyCompromise' },
        { serial: good.serial, reason: 'superseded' },
      ],
    });
    writeFileSync(join(pki, 'crl-2.pem'), toPem(crl2));
    // Written beside and renamed into place, as an upload lands: the watcher never sees half a file.
    const tmp = join(storeDir, `.${CRL_NAME}.crl.upload`);
    writeFileSync(tmp, crl2);
    renameSync(tmp, join(storeDir, `${CRL_NAME}.crl`));
    const seen = gateway.watcher!.outcomes.length;
    if (!(await until(() => gateway!.watcher!.outcomes.length > seen, 5000))) {
      io.out('   (the watcher did not report the new CRL within 5 s)');
    }
    await gateway.watcher!.idle();
    expect('good client certificate, now', await request(url, serverCa, goodFiles), 403, 'cert.revoked');
    expect('revoked client certificate, still', await request(url, serverCa, revokedFiles), 403, 'cert.revoked');
  } catch (e) {
    failures++;
    io.err(`demo: ${messageOf(e)}`);
  } finally {
    await gateway?.close();
  }

  io.out('');
  io.out('6. Repeat it by hand:');
  const storeUrl = pathToFileURL(storeDir).href;
  io.out(
    `   npx tsx src/cli/main.ts serve --truststore ${sh(caPath)} --store ${sh(storeUrl)} ` +
      `--cert ${sh(join(serverDir, 'server.pem'))} --key ${sh(join(serverDir, 'server.key'))} --port 8443 --watch`,
  );
  io.out('   then, in another terminal:');
  for (const [who, files] of [
    ['good', goodFiles],
    ['revoked', revokedFiles],
  ] as const) {
    io.out(`   curl --cacert ${sh(serverCa)} --cert ${sh(files.cert)} --key ${sh(files.key)} https://127.0.0.1:8443/hello   # ${who}`);
  }
  io.out(`   curl --cacert ${sh(serverCa)} https://127.0.0.1:8443/hello   # no client certificate: the handshake fails`);
  io.out(`   (both clients are revoked now by CRL number 2; an older CRL such as ${join(pki, 'crl-1.pem')} is refused as a rollback)`);
  io.out('');
  if (failures > 0) {
    io.err(`demo: ${failures} answer(s) were not the expected ones`);
    return EXIT.unknown;
  }
  io.out('demo: every answer was the expected one');
  return EXIT.good;
}

function writeClient(dir: string, name: string, cert: TestCert): ClientFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  writeFileSync(files.cert, cert.pem);
  writeFileSync(files.key, cert.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
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
