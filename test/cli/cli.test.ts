import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { makeCa, makeCrl, makeLeaf, toPem } from '../../src/testpki/index.js';

const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-01-08T00:00:00Z');
const AT = '2025-01-02T00:00:00Z';

let dir: string;
const file = (name: string) => join(dir, name);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crl-cli-'));
  const ca = makeCa({ name: 'CN=CLI Test CA,O=crl-authorizer,C=US', alg: 'ec-p256' });
  const other = makeCa({ name: 'CN=Other CA,O=crl-authorizer,C=US', alg: 'ec-p256' });
  writeFileSync(file('ca.pem'), ca.pem);
  writeFileSync(file('other-ca.pem'), other.pem);
  writeFileSync(file('good.pem'), makeLeaf(ca, { serial: 0x1001n }).pem);
  writeFileSync(file('revoked.pem'), makeLeaf(ca, { serial: 0x1002n }).pem);
  writeFileSync(file('held.der'), makeLeaf(ca, { serial: 0xffn }).der); // 255: `00 FF`
  writeFileSync(file('minus-one.pem'), makeLeaf(ca, { serial: -1n }).pem); // -1: `FF`
  writeFileSync(file('stranger.pem'), makeLeaf(other, { serial: 0x1002n }).pem);
  const crl = (crlNumber: bigint, serials: { serial: bigint; reason?: 'certificateHold' | 'keyCompromise' }[]) =>
    makeCrl({ issuer: ca, thisUpdate: T0, nextUpdate: T1, crlNumber, entries: serials });
  writeFileSync(file('v7.crl'), crl(7n, [{ serial: 0x1002n, reason: 'keyCompromise' }, { serial: 0xffn, reason: 'certificateHold' }]));
  writeFileSync(file('v7.crl.pem'), toPem(crl(7n, [{ serial: 0x1002n }]), 'X509 CRL', { crlf: true }));
  writeFileSync(file('v6.crl'), crl(6n, []));
  writeFileSync(file('bad-sig.crl'), makeCrl({ issuer: ca, thisUpdate: T0, nextUpdate: T1, crlNumber: 8n, entries: [], corruptSignature: true }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('preprocess', () => {
  it('writes a blob that inspect describes', async () => {
    const r = await cli('preprocess', '--crl', file('v7.crl'), '--ca', file('ca.pem'), '--out', file('v7.bin'), '--at', AT);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 revoked serials/);
    const i = await cli('inspect', file('v7.bin'), '--json');
    expect(i.code).toBe(0);
    const summary = JSON.parse(i.out);
    expect(summary).toMatchObject({
      issuer: 'CN=CLI Test CA,O=crl-authorizer,C=US',
      crlNumber: '7',
      revoked: 2,
      entries: 2,
      thisUpdate: T0.toISOString(),
      nextUpdate: T1.toISOString(),
    });
    expect(summary.recordWidth).toBeGreaterThanOrEqual(8);
    const text = await cli('inspect', file('v7.bin'));
    expect(text.out).toMatch(/CRL number: +7/);
  });

  it('gives the same bytes for the same CRL in DER and CRLF PEM', async () => {
    await cli('preprocess', '--crl', file('v7.crl.pem'), '--ca', file('ca.pem'), '--out', file('pem-a.bin'), '--at', AT);
    await cli('preprocess', '--crl', file('v7.crl.pem'), '--ca', file('ca.pem'), '--out', file('pem-b.bin'), '--at', AT, '--force');
    expect(readFileSync(file('pem-a.bin')).equals(readFileSync(file('pem-b.bin')))).toBe(true);
  });

  it('on rejection writes nothing, keeps the existing blob, prints the reason and exits 2', async () => {
    await cli('preprocess', '--crl', file('v7.crl'), '--ca', file('ca.pem'), '--out', file('keep.bin'), '--at', AT);
    const before = readFileSync(file('keep.bin'));
    const bad = await cli('preprocess', '--crl', file('bad-sig.crl'), '--ca', file('ca.pem'), '--out', file('keep.bin'), '--at', AT);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/crl\.signature-invalid/);
    expect(readFileSync(file('keep.bin')).equals(before)).toBe(true);
    const fresh = await cli('preprocess', '--crl', file('bad-sig.crl'), '--ca', file('ca.pem'), '--out', file('never.bin'), '--at', AT);
    expect(fresh.code).toBe(2);
    expect(existsSync(file('never.bin'))).toBe(false);
  });

  it('refuses to replace a blob with a lower CRL number (rollback) unless forced', async () => {
    await cli('preprocess', '--crl', file('v7.crl'), '--ca', file('ca.pem'), '--out', file('roll.bin'), '--at', AT);
    const before = readFileSync(file('roll.bin'));
    const old = await cli('preprocess', '--crl', file('v6.crl'), '--ca', file('ca.pem'), '--out', file('roll.bin'), '--at', AT);
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/crl\.rollback/);
    expect(readFileSync(file('roll.bin')).equals(before)).toBe(true);
    const forced = await cli('preprocess', '--crl', file('v6.crl'), '--ca', file('ca.pem'), '--out', file('roll.bin'), '--at', AT, '--force');
    expect(forced.code).toBe(0);
  });

  it('refuses an expired CRL with crl.expired', async () => {
    const r = await cli('preprocess', '--crl', file('v7.crl'), '--ca', file('ca.pem'), '--out', file('late.bin'), '--at', '2025-02-01');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/crl\.expired/);
  });
});

describe('check', () => {
  beforeAll(async () => {
    await cli('preprocess', '--crl', file('v7.crl'), '--ca', file('ca.pem'), '--out', file('check.bin'), '--at', AT);
  });

  it('answers good, revoked and unknown with exit codes 0, 1, 2', async () => {
    const good = await cli('check', '--cert', file('good.pem'), '--blob', file('check.bin'), '--at', AT);
    expect([good.code, good.out]).toEqual([0, 'good']);
    const revoked = await cli('check', '--cert', file('revoked.pem'), '--blob', file('check.bin'), '--at', AT);
    expect([revoked.code, revoked.out]).toEqual([1, 'revoked']);
    const stranger = await cli('check', '--cert', file('stranger.pem'), '--blob', file('check.bin'), '--at', AT);
    expect(stranger.code).toBe(2);
    expect(stranger.out).toMatch(/^unknown: /);
  });

  it('treats certificateHold as revoked, and 255 and -1 as different serials', async () => {
    const held = await cli('check', '--cert', file('held.der'), '--blob', file('check.bin'), '--at', AT, '--json');
    expect(JSON.parse(held.out)).toMatchObject({ status: 'revoked', code: 'cert.revoked', serial: '00FF'.slice(2) });
    const minusOne = await cli('check', '--cert', file('minus-one.pem'), '--blob', file('check.bin'), '--at', AT, '--json');
    expect(JSON.parse(minusOne.out)).toMatchObject({ status: 'good', serial: '-01' });
  });

  it('decides from CRLs directly, skipping and reporting those that fail validation', async () => {
    const r = await cli('check', '--cert', file('revoked.pem'), '--crl', file('bad-sig.crl'), '--crl', file('v7.crl'), '--ca', file('ca.pem'), '--at', AT);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/skipped .*bad-sig\.crl: crl\.signature-invalid/);
    const onlyBad = await cli('check', '--cert', file('good.pem'), '--crl', file('bad-sig.crl'), '--ca', file('ca.pem'), '--at', AT, '--json');
    expect(onlyBad.code).toBe(2);
    // #15: with every input skipped, the code says why (it was index.not-covered before).
    expect(JSON.parse(onlyBad.out)).toMatchObject({
      status: 'unknown',
      code: 'crl.signature-invalid',
      skipped: [{ file: file('bad-sig.crl'), code: 'crl.signature-invalid' }],
    });
  });

  it('answers unknown crl.expired once the CRL is past nextUpdate', async () => {
    const r = await cli('check', '--cert', file('good.pem'), '--blob', file('check.bin'), '--at', '2025-01-09T00:00:00', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'unknown', code: 'crl.expired' });
  });

  it('reports a malformed certificate as unknown cert.malformed', async () => {
    writeFileSync(file('junk.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const r = await cli('check', '--cert', file('junk.pem'), '--blob', file('check.bin'), '--at', AT, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'unknown', code: 'cert.malformed' });
  });
});

describe('usage and inputs', () => {
  it('exits 64 on usage errors', async () => {
    expect((await cli()).code).toBe(64);
    expect((await cli('frobnicate')).code).toBe(64);
    expect((await cli('check', '--cert', file('good.pem'))).code).toBe(64);
    expect((await cli('check', '--cert', file('good.pem'), '--blob', file('check.bin'), '--at', 'yesterday')).code).toBe(64);
    expect((await cli('preprocess', '--crl', file('v7.crl'), '--out', file('x.bin'))).code).toBe(64);
    expect((await cli('inspect', '--bogus')).code).toBe(64);
  });

  it('exits 66 when an input file is missing', async () => {
    const r = await cli('check', '--cert', file('nope.pem'), '--blob', file('check.bin'));
    expect(r.code).toBe(66);
    expect(r.err).toMatch(/nope\.pem/);
  });

  it('exits 2 with the blob code for a corrupt blob given to inspect', async () => {
    const blob = readFileSync(file('v7.bin'));
    blob[blob.length - 1] ^= 0x01;
    writeFileSync(file('corrupt.bin'), blob);
    const r = await cli('inspect', file('corrupt.bin'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/blob\.checksum-mismatch/);
  });
});

describe('the built `crl-authorizer` binary', () => {
  const bin = join(process.cwd(), 'dist/src/cli/main.js');
  it.runIf(existsSync(bin))('runs as a process with the documented exit codes', async () => {
    const exec = promisify(execFile);
    const revoked = await exec(process.execPath, [bin, 'check', '--cert', file('revoked.pem'), '--blob', file('check.bin'), '--at', AT]).catch((e) => e);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout.trim()).toBe('revoked');
    const good = await exec(process.execPath, [bin, 'check', '--cert', file('good.pem'), '--blob', file('check.bin'), '--at', AT]);
    expect(good.stdout.trim()).toBe('good');
  });
});

describe('input size', () => {
  it('refuses a CRL file over the size limit by its size, before reading it', async () => {
    const { openSync, ftruncateSync, closeSync } = await import('node:fs');
    const { MAX_CRL_BYTES } = await import('../../src/limits.js');
    const fd = openSync(file('huge.crl'), 'w');
    ftruncateSync(fd, MAX_CRL_BYTES + 1); // sparse: no disk or memory is used
    closeSync(fd);
    const r = await cli('preprocess', '--crl', file('huge.crl'), '--ca', file('ca.pem'), '--out', file('huge.bin'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/crl\.too-large/);
    rmSync(file('huge.crl'));
  });
});
