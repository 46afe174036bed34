import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/cli/demo.js';
import { serveCommand } from '../../src/cli/serve.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'demo-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

/** The demo's result line for one request, e.g. "good client certificate -> 200 cert.good". */
function answer(lines: string[], what: string): string | undefined {
  const line = lines.find((l) => l.trim().startsWith(what + ' ') && l.includes('->'));
  return line?.split('->')[1]?.trim();
}

describe('npm run demo', () => {
  const dir = join(tmp, 'in-process');
  const c = capture();
  let code: number;

  it('runs the whole loop and exits 0 when every answer is the expected one', async () => {
    code = await demo(['--dir', dir], c.io);
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(c.out.at(-1)).toBe('demo: every answer was the expected one');
  });

  it('shows each request and what happened to it', () => {
    expect(answer(c.out, 'good client certificate')).toBe('200 cert.good');
    expect(answer(c.out, 'revoked client certificate')).toBe('403 cert.revoked');
    expect(answer(c.out, 'no client certificate')).toMatch(/^TLS failure/);
    expect(answer(c.out, 'certificate from another CA')).toMatch(/^TLS failure/);
  });

  it('shows the new CRL changing the decision without a restart', () => {
    expect(c.out.some((l) => /watch: demo-ca\.crl -> demo-ca\.cache\.bin: 2 revoked, CRL number 2/.test(l))).toBe(true);
    expect(answer(c.out, 'good client certificate, now')).toBe('403 cert.revoked');
    expect(c.out.some((l) => l.includes('UNEXPECTED'))).toBe(false);
  });

  it('shows OCSP: a certificate revoked only at the responder is allowed by the CRL alone, denied once serve asks OCSP', () => {
    expect(answer(c.out, 'client revoked in OCSP, CRL only')).toBe('200 cert.good');
    expect(answer(c.out, 'client revoked in OCSP only')).toBe('403 cert.revoked');
    const line = c.out.find((l) => l.trim().startsWith('decision line: '))!;
    expect(JSON.parse(line.trim().slice('decision line: '.length))).toMatchObject({ decision: 'Deny', code: 'cert.revoked', source: 'ocsp' });
    expect(c.out.some((l) => /responder http:\/\/127\.0\.0\.1:\d+/.test(l))).toBe(true);
  });

  it('prints serve and curl commands with real paths that work by hand', async () => {
    const serveLine = c.out.find((l) => l.includes('src/cli/main.ts serve '))!;
    expect(serveLine).toBeDefined();
    const curlGood = c.out.find((l) => l.trim().startsWith('curl ') && l.includes('# good'))!;
    expect(curlGood).toBeDefined();
    const paths = [...serveLine.split(/\s+/), ...curlGood.split(/\s+/)].filter((w) => w.startsWith(dir));
    expect(paths.length).toBe(6); // truststore, server cert and key; curl --cacert, --cert, --key
    for (const p of paths) expect(existsSync(p), p).toBe(true);

    // Run the printed serve command (on a free port instead of 8443), then the printed curl command against it.
    const args = serveLine.split(' serve ')[1]!.trim().split(/\s+/).map((a) => (a === '8443' ? '0' : a));
    const s = capture();
    const stop = new AbortController();
    const serving = serveCommand([...args, '--quiet'], s.io, { signal: stop.signal });
    try {
      for (const end = Date.now() + 10_000; !s.out.some((l) => l.startsWith('listening on ')); ) {
        if (Date.now() > end) throw new Error(`serve did not start: ${s.err.join('\n')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      const port = /:(\d+)$/.exec(s.out.find((l) => l.startsWith('listening on '))!)![1]!;
      const curlArgs = curlGood.split('#')[0]!.trim().split(/\s+/).slice(1).map((a) => a.replace(':8443/', `:${port}/`));
      const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
      if (!hasCurl) {
        console.warn('demo.test: curl not found; the printed curl command was not run');
        return;
      }
      const body = await new Promise<string>((done, fail) =>
        execFile('curl', ['-sS', '--max-time', '10', ...curlArgs], (e, stdout, stderr) => (e ? fail(new Error(stderr)) : done(stdout))),
      );
      // CRL number 2 revoked the good certificate too, and the blob in the store says so.
      expect(JSON.parse(body)).toMatchObject({ code: 'cert.revoked' });
    } finally {
      stop.abort();
      expect(await serving).toBe(0);
    }
  });

  it('runs as `npm run demo -- --dir DIR` and exits 0', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
      execFile('npm', ['run', '--silent', 'demo', '--', '--dir', join(tmp, 'npm')], { cwd: ROOT, timeout: 60_000 }, (e, stdout, stderr) =>
        done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/good client certificate, now +-> 403 cert\.revoked/);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('demo: every answer was the expected one');
  });

  const runDemo = (onLine?: (line: string, child: ReturnType<typeof spawn>) => void) =>
    new Promise<{ code: number | null; signal: string | null; dir: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/demo.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        for (const l of out.split('\n')) onLine?.(l, child);
      });
      child.on('exit', (code, signal) => done({ code, signal, dir: /^crl-authorizer demo in (\S+)/.exec(out)?.[1] ?? '' }));
    });

  it('without --dir, removes its temp folder at the end', async () => {
    const r = await runDemo();
    expect(r.code).toBe(0);
    expect(r.dir).toContain('crl-authorizer-demo-');
    expect(existsSync(r.dir)).toBe(false);
  });

  it('without --dir, removes its temp folder when interrupted (SIGINT exits 130)', async () => {
    let sent = false;
    let seenDir = '';
    const r = await runDemo((line, child) => {
      const m = /^crl-authorizer demo in (\S+)/.exec(line);
      if (m) seenDir = m[1]!;
      // Mid-run: the store is written and serve is listening.
      if (!sent && line.includes('listening on https://') && existsSync(seenDir)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(existsSync(r.dir)).toBe(false);
  });

  it('exits 64 on an unknown flag', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((done) =>
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/demo.ts'), '--bogus'], { cwd: ROOT }, (e, _o, stderr) =>
        done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('usage: npm run demo');
  });
});
