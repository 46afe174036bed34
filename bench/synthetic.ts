import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_NOT_AFTER,
  DEFAULT_NOT_BEFORE,
  makeCa,
  makeLeaf,
  writeLargeCrl,
  type KeyAlg,
  type TestCert,
  type TestKey,
} from '../src/testpki/index.js';
import type { Progress } from './progress.js';
import type { CaAlg, CrlInfo } from './results.js';

/**
 * Synthetic CRLs for the bench: real signed CRLs from an EC P-256 and an RSA-2048 CA, written by the test PKI's
 * large-CRL writer (serials of 1..20 octets, about half of the longer ones with the high bit set behind a
 * leading 00, a quarter of the entries with a reason code, in no order). Everything is kept under the cache
 * directory between runs; the CA keys are kept too, so the cached CRLs stay valid.
 */

export const CA_ALGS: readonly CaAlg[] = ['ec-p256', 'rsa-2048'];
/** The evaluation time for every check: inside the writer's default thisUpdate (2025-01-01) .. nextUpdate (2035). */
export const AT = '2025-06-01T00:00:00Z';
/** Seed of the entry generator; the same (seed, count) always gives the same entries. */
export const SEED = 20250601;
// Bump when the writer's output for the same inputs would change, so stale cached files are regenerated.
const CACHE_VERSION = 'v1';

export interface BenchCa {
  alg: CaAlg;
  cert: TestCert;
  /** PEM of the CA certificate: the `-CAfile` for openssl and the `caCerts` for preprocess. */
  pemPath: string;
  /** A client certificate this CA issued whose serial is not on any bench CRL. */
  leafPem: string;
}

export interface BenchCrl extends CrlInfo {
  ca: BenchCa;
}

export class SyntheticCrls {
  readonly dir: string;
  private readonly cas = new Map<CaAlg, BenchCa>();

  constructor(cacheDir: string, private readonly progress: Progress) {
    this.dir = path.join(cacheDir, CACHE_VERSION);
    mkdirSync(this.dir, { recursive: true });
  }

  ca(alg: CaAlg): BenchCa {
    let ca = this.cas.get(alg);
    if (!ca) {
      ca = this.loadOrMakeCa(alg);
      this.cas.set(alg, ca);
    }
    return ca;
  }

  /** The CRL of `entries` entries signed by `alg`'s CA, generated on first use. */
  crl(entries: number, alg: CaAlg): BenchCrl {
    const ca = this.ca(alg);
    const file = path.join(this.dir, `crl-${alg}-${entries}.der`);
    if (!existsSync(file)) {
      this.progress.step(`generating a signed ${alg} CRL of ${entries.toLocaleString('en-US')} entries (cached for later runs)`);
      const tmp = `${file}.tmp`;
      writeLargeCrl(tmp, { issuer: ca.cert, count: entries, seed: SEED });
      renameSync(tmp, file);
    }
    return { entries, alg, bytes: statSync(file).size, file, ca };
  }

  /** Paths of derived artefacts (blob, JSON cache) for a size, kept beside the CRLs. */
  artefactPaths(entries: number): { blob: string; json: string } {
    return {
      blob: path.join(this.dir, `blob-${entries}.cache.bin`),
      json: path.join(this.dir, `json-${entries}.cache.json`),
    };
  }

  private loadOrMakeCa(alg: CaAlg): BenchCa {
    const base = path.join(this.dir, `ca-${alg}`);
    const files = {
      cert: `${base}.der`,
      key: `${base}.key.pem`,
      pem: `${base}.pem`,
      leaf: `${base}.leaf.pem`,
      info: `${base}.json`,
    };
    if (!Object.values(files).every((f) => existsSync(f))) {
      // A new CA key invalidates every CRL signed by the old one.
      for (const f of Object.values(files)) rmSync(f, { force: true });
      const cert = makeCa({ alg: alg as KeyAlg, name: `CN=Bench ${alg} CA,O=crl-authorizer bench,C=US` });
      const leaf = makeLeaf(cert, { subject: 'CN=bench client,O=crl-authorizer bench,C=US' });
      writeFileSync(files.cert, cert.der);
      writeFileSync(files.pem, cert.pem);
      writeFileSync(files.key, cert.key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(files.leaf, leaf.pem);
      writeFileSync(files.info, JSON.stringify({ subject: b64(cert.subject), ski: b64(cert.ski!), serial: b64(cert.serial) }));
      removeCrlsOf(this.dir, alg);
    }
    const der = new Uint8Array(readFileSync(files.cert));
    const privateKey = createPrivateKey(readFileSync(files.key));
    const publicKey = createPublicKey(privateKey);
    const key: TestKey = {
      alg: alg as KeyAlg,
      privateKey,
      publicKey,
      spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    };
    const info = JSON.parse(readFileSync(files.info, 'utf8')) as { subject: string; ski: string; serial: string };
    // What the large-CRL writer needs of a CA made in an earlier run: its subject Name DER, key and SKI.
    const cert: TestCert = {
      der,
      pem: readFileSync(files.pem, 'utf8'),
      key,
      subject: unb64(info.subject),
      issuer: unb64(info.subject),
      serial: unb64(info.serial),
      ski: unb64(info.ski),
      notBefore: DEFAULT_NOT_BEFORE,
      notAfter: DEFAULT_NOT_AFTER,
    };
    return { alg, cert, pemPath: files.pem, leafPem: readFileSync(files.leaf, 'utf8') };
  }
}

function removeCrlsOf(dir: string, alg: CaAlg): void {
  for (const size of [1e3, 1e4, 1e5, 1e6, 1e7]) rmSync(path.join(dir, `crl-${alg}-${size}.der`), { force: true });
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
