/**
 * The CLI that explains itself (#15 item 3), through the built bin as a child process, as a user runs it: help and
 * version, every flag in the usage text, output and file errors, `--at`, skipped inputs, PEM mistakes, names.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_USAGE } from '../../src/cli/usage.js';
import { makeCa, makeCrl, makeLeaf, toPem } from '../../src/testpki/index.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'dist/src/cli/main.js');
const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-01-08T00:00:00Z');
const AT = '2025-01-02T00:00:00Z';

let dir: string;
const file = (n: string) => join(dir, n);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built bin as a child process; never rejects (a non-zero exit is a result). */
function bin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` (npm test does) before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'crl-help-'));
  const ca = makeCa({ name: 'CN=Help CA,2.5.4.97=NTRGB-12345678,O=crl-authorizer,C=GB', alg: 'ec-p256' });
  writeFileSync(file('ca.pem'), ca.pem);
  writeFileSync(file('good.pem'), makeLeaf(ca, { serial: 0x1001n }).pem);
  const crl = makeCrl({ issuer: ca, thisUpdate: T0, nextUpdate: T1, crlNumber: 1n, entries: [{ serial: 0x1002n }] });
  writeFileSync(file('v1.crl'), crl);
  const pem = toPem(crl, 'X509 CRL');
  writeFileSync(file('two.crl.pem'), pem + pem);
  writeFileSync(file('cert-as-crl.pem'), ca.pem);
  const lines = pem.split('\n');
  lines[2] = 'this is not base64!';
  writeFileSync(file('bad-base64.crl.pem'), lines.join('\n'));
  writeFileSync(file('binary.crl'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]));
  writeFileSync(file('corrupt.bin'), Buffer.from('not a blob at all'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('help and version', () => {
  it('`<command> --help` and `-h` print that command\'s usage on stdout and exit 0, for every command', async () => {
    for (const name of Object.keys(COMMAND_USAGE)) {
      for (const flag of ['--help', '-h']) {
        const r = await bin([name, flag]);
        expect(r.code, `${name} ${flag}: ${r.stderr}`).toBe(0);
        expect(r.stdout, `${name} ${flag}`).toMatch(new RegExp(`^usage: crl-authorizer ${name} `));
        expect(r.stdout).toContain('exit codes:');
      }
    }
    const top = await bin(['--help']);
    expect(top.code).toBe(0);
    for (const name of Object.keys(COMMAND_USAGE)) expect(top.stdout).toContain(`  ${name} `);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await bin(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('`npx crl-authorizer --help` runs the bin package.json names, and `prepare` (run by npm ci) builds it', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(join(ROOT, pkg.bin['crl-authorizer']!)).toBe(BIN);
    // npm ci runs `prepare`; it must reach the TypeScript build that writes dist/, not only the wasm.
    const reaches = (script: string, seen = new Set<string>()): string[] => {
      if (seen.has(script)) return [];
      seen.add(script);
      const cmd = pkg.scripts[script] ?? '';
      return [cmd, ...[...cmd.matchAll(/npm run ([\w:-]+)/g)].flatMap((m) => reaches(m[1]!, seen))];
    };
    expect(reaches('prepare').join(' && ')).toContain('tsc -p tsconfig.build.json');
    const r = await new Promise<Ran>((resolve) =>
      execFile('npx', ['--no-install', 'crl-authorizer', '--help'], { cwd: ROOT }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: crl-authorizer <command>/);
  }, 60_000);

  it('every flag a command parses is in its usage text, and every flag in the usage text is parsed', () => {
    for (const [name, usage] of Object.entries(COMMAND_USAGE)) {
      const source = readFileSync(join(ROOT, 'src/cli', `${name}.ts`), 'utf8');
      const parsed = new Set([...source.matchAll(/'?([a-z][a-z0-9-]*)'?: \{ type: '(?:string|boolean)'/g)].map((m) => m[1]!));
      const documented = new Set([...usage.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));
      expect(parsed.size, `${name}: found no flag parser in src/cli/${name}.ts`).toBeGreaterThan(0);
      expect([...parsed].filter((f) => !documented.has(f)), `${name}: parsed but not in usage`).toEqual([]);
      expect([...documented].filter((f) => !parsed.has(f)), `${name}: in usage but not parsed`).toEqual([]);
    }
  });
});

describe('the README', () => {
  it("CLI table has a row for every command naming every flag of its usage text", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [name, usage] of Object.entries(COMMAND_USAGE)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `README has no CLI table row for ${name}`).toBeDefined();
      const flags = [...new Set([...usage.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => `--${m[1]}`))];
      expect(flags.filter((f) => !new RegExp(`${f}(?![a-z0-9-])`).test(row!)), `${name}: flags missing from its README row`).toEqual([]);
    }
  });
});

describe('output and file errors', () => {
  it('preprocess --out into a missing folder: "cannot write --out PATH", exit 73', async () => {
    const out = file('no-such-dir/v1.bin');
    const r = await bin(['preprocess', '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--out', out, '--at', AT]);
    expect(r.code).toBe(73);
    expect(r.stderr).toContain(`cannot write --out ${out}: `);
    expect(r.stderr).not.toMatch(/cannot read|usage:/);
  });

  it('preprocess --out into a read-only folder, or over a read-only file: refused with 73, the file kept', async () => {
    mkdirSync(file('ro'));
    chmodSync(file('ro'), 0o555);
    const inRo = await bin(['preprocess', '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--out', file('ro/v1.bin'), '--at', AT]);
    expect(inRo.code).toBe(73);
    expect(inRo.stderr).toContain(`cannot write --out ${file('ro/v1.bin')}: `);
    writeFileSync(file('kept.bin'), 'keep me');
    chmodSync(file('kept.bin'), 0o444);
    const over = await bin(['preprocess', '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--out', file('kept.bin'), '--at', AT]);
    expect(over.code).toBe(73);
    expect(over.stderr).toContain(`cannot write --out ${file('kept.bin')}: `);
    expect(readFileSync(file('kept.bin'), 'utf8')).toBe('keep me');
  });

  it('every file error names the file and the flag: a directory, a missing file', async () => {
    const asDir = await bin(['check', '--cert', dir, '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--at', AT]);
    expect(asDir.code).toBe(66);
    expect(asDir.stderr).toContain(`cannot read --cert ${dir}: is a directory`);
    const missing = await bin(['inspect', file('nope.bin')]);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain(file('nope.bin'));
  });
});

describe('--at', () => {
  it('rejects impossible dates with exit 64', async () => {
    for (const at of ['2026-02-30', '2025-02-29T00:00:00Z', '2026-13-01', '2026-01-01T24:00:00']) {
      const r = await bin(['check', '--cert', file('good.pem'), '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--at', at]);
      expect(r.code, at).toBe(64);
      expect(r.stderr, at).toContain(`--at: "${at}"`);
    }
  });

  it('reads a zone-less time as UTC whatever TZ says', async () => {
    // nextUpdate is 2025-01-08T00:00Z: 23:30 the day before is inside, 00:30 is past, in every zone.
    for (const TZ of ['America/New_York', 'Asia/Tokyo', 'UTC']) {
      const before = await bin(['check', '--cert', file('good.pem'), '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--at', '2025-01-07T23:30:00'], { TZ });
      expect(before, TZ).toMatchObject({ code: 0, stdout: 'good\n' });
      const after = await bin(['check', '--cert', file('good.pem'), '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--at', '2025-01-08 00:30', '--json'], { TZ });
      expect(JSON.parse(after.stdout).code, TZ).toBe('crl.expired');
    }
  });
});

describe('check skipping every input', () => {
  it('names why (the skip code, not index.not-covered) and --json lists each skipped input', async () => {
    const r = await bin(['check', '--cert', file('good.pem'), '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--at', '2025-02-01T00:00:00Z', '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.code).toBe('crl.expired');
    expect(j.skipped).toEqual([{ file: file('v1.crl'), code: 'crl.expired', reason: expect.any(String) }]);
    const blob = await bin(['check', '--cert', file('good.pem'), '--blob', file('corrupt.bin'), '--json']);
    expect(blob.code).toBe(2);
    const b = JSON.parse(blob.stdout);
    expect(b.code).toMatch(/^blob\./);
    expect(b.skipped).toEqual([{ file: file('corrupt.bin'), code: b.code, reason: expect.any(String) }]);
    expect(blob.stderr).toContain(`skipped ${file('corrupt.bin')}: ${b.code}`);
  });
});

describe('PEM input mistakes', () => {
  const pre = (crl: string) => bin(['preprocess', '--crl', crl, '--ca', file('ca.pem'), '--out', file('pem.bin'), '--at', AT]);

  it('a file holding two CRLs is an error that says so', async () => {
    const r = await pre(file('two.crl.pem'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--crl ${file('two.crl.pem')}: holds 2 CRLs`);
  });

  it('a label that does not match the content is an error', async () => {
    const r = await pre(file('cert-as-crl.pem'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a PEM block labelled "CERTIFICATE", but --crl takes "X509 CRL"');
  });

  it('invalid base64 names the line', async () => {
    const r = await pre(file('bad-base64.crl.pem'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 3: not base64');
  });

  it('a binary file is not called "PEM or base64 text"', async () => {
    const r = await pre(file('binary.crl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not DER (it starts with 0x7f, not 0x30) and not text');
    expect(r.stderr).not.toContain('PEM or base64');
  });
});

describe('names', () => {
  it('organizationIdentifier (2.5.4.97) prints by name', async () => {
    const r = await bin(['check', '--cert', file('good.pem'), '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--at', AT, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).issuer).toBe('CN=Help CA,organizationIdentifier=NTRGB-12345678,O=crl-authorizer,C=GB');
  });
});

describe('progress', () => {
  const args = () => ['preprocess', '--crl', file('v1.crl'), '--ca', file('ca.pem'), '--out', file('progress.bin'), '--at', AT];

  it('piped: no progress lines', async () => {
    const r = await bin(args());
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('progress:');
  });

  it('--progress: the phases on stderr, with the entry count and times; stdout unchanged', async () => {
    const r = await bin([...args(), '--progress']);
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^progress: verifying the signature and streaming the entries of a 0\.0 MiB CRL$/),
      expect.stringMatching(/^progress: 1 entries verified and packed in \d+\.\d s; writing the blob$/),
      expect.stringMatching(/^progress: wrote \d+ bytes in \d+\.\d s$/),
    ]);
    expect(r.stdout).toMatch(/^wrote .*progress\.bin: 1 revoked serials/);
  });
});
