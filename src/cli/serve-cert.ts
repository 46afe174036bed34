/**
 * serve's local server certificate when no --cert/--key is given. node:crypto makes keys but not certificates,
 * and src/testpki (which builds any certificate) is test and bench support, not part of the published package,
 * so `openssl req -x509` makes it: openssl is where curl and most TLS tooling already are, and its absence is a
 * clear error that asks for --cert and --key instead.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args.js';

export interface LocalServerCertificate {
  cert: Uint8Array;
  key: Uint8Array;
  /** What a client trusts (`curl --cacert`): the certificate itself, self-signed with CA:TRUE. */
  caPath: string;
  /** The temp folder made for it (when no folder was given): the caller removes it on exit. */
  tempDir?: string;
}

/**
 * A self-signed certificate for localhost, 127.0.0.1 and ::1. CA:TRUE with keyCertSign, so that OpenSSL (curl) and
 * node both accept it as the trust anchor of itself; a P-256 key; 30 days, long enough for any local session.
 */
const REQ_CONFIG = `[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = localhost
O = crl-authorizer serve
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier = hash
`;

/** Writes `server.pem` and `server.key` into `dir` (or a fresh temp folder) and returns them. */
export function localServerCertificate(dir?: string): LocalServerCertificate {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'crl-authorizer-serve-'));
  try {
    mkdirSync(folder, { recursive: true });
    const config = join(folder, 'openssl-req.cnf');
    writeFileSync(config, REQ_CONFIG);
    const certPath = join(folder, 'server.pem');
    const keyPath = join(folder, 'server.key');
    runOpenssl(['req', '-x509', '-config', config, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-days', '30', '-keyout', keyPath, '-out', certPath]);
    rmSync(config, { force: true });
    chmodSync(keyPath, 0o600);
    return { cert: readFileSync(certPath), key: readFileSync(keyPath), caPath: certPath, ...(dir === undefined && { tempDir: folder }) };
  } catch (e) {
    if (dir === undefined) rmSync(folder, { recursive: true, force: true });
    throw e;
  }
}

function runOpenssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.stderr.trim().split('\n').at(-1);
    throw new UsageError(`cannot make a local server certificate with openssl (${why}); give --cert FILE --key FILE`);
  }
}
