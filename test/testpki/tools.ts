/** Runs the real tools the test PKI is checked against: the openssl CLI (when on PATH) and temp files. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl) console.warn('openssl is not on PATH: the openssl checks of test/testpki are skipped');

/** stdout and stderr together: `openssl crl` prints "verify OK" / "verify failure" on stderr and exits 0 either way. */
export function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

export interface TempDir {
  path: string;
  write(name: string, content: Uint8Array | string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'testpki-'));
  return {
    path,
    write(name, content) {
      const p = join(path, name);
      writeFileSync(p, content);
      return p;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
