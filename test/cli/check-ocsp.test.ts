/**
 * `check --ocsp URL|aia --ocsp-mode MODE` against a real `openssl ocsp` responder on 127.0.0.1, combined with a CRL
 * by the authorizer's rules (verdictOf): good, revoked only in OCSP, and a responder that is down under each mode.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { makeCrl } from '../../src/testpki/index.js';
import { ocspPki } from '../ocsp/fixtures.js';
import { startOpensslResponder, type OpensslResponder } from '../ocsp/responders.js';

const pki = ocspPki();
const good = pki.leaf(0x1001n);
const revokedInOcsp = pki.leaf(0x1002n); // the CRL does not list it: only OCSP knows
let dir: string;
let responder: OpensslResponder;
let downUrl: string;
const file = (n: string) => join(dir, n);

async function check(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['check', ...argv, '--json'], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, json: JSON.parse(out.join('')) as Record<string, unknown>, err: err.join('\n') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crl-check-ocsp-'));
  writeFileSync(file('ca.pem'), pki.ca.pem);
  writeFileSync(file('good.pem'), good.pem);
  writeFileSync(file('revoked.pem'), revokedInOcsp.pem);
  const now = Date.now();
  writeFileSync(
    file('empty.crl'),
    makeCrl({ issuer: pki.ca, thisUpdate: new Date(now - 3600_000), nextUpdate: new Date(now + 86400_000), crlNumber: 1n, entries: [] }),
  );
  responder = await startOpensslResponder({
    ca: pki.ca,
    signer: pki.ca,
    entries: [{ cert: good }, { cert: revokedInOcsp, revoked: { at: new Date(now - 60_000), reason: 'keyCompromise' } }],
  });
  writeFileSync(file('aia-good.pem'), pki.leaf(0x1001n, responder.url).pem);
  // A port nothing listens on: the responder is down.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  downUrl = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
  await new Promise<void>((r) => s.close(() => r()));
});

afterAll(async () => {
  await responder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const crl = () => ['--crl', file('empty.crl'), '--ca', file('ca.pem')];

describe('check --ocsp against openssl ocsp', () => {
  it('OCSP alone: good, decided by ocsp (URL given, and from the certificate AIA)', async () => {
    const r = await check('--cert', file('good.pem'), '--ocsp', responder.url, '--ca', file('ca.pem'));
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ status: 'good', code: 'cert.good', decidedBy: 'ocsp' });
    const aia = await check('--cert', file('aia-good.pem'), '--ocsp', 'aia', '--ca', file('ca.pem'));
    expect(aia.json).toMatchObject({ status: 'good', decidedBy: 'ocsp' });
  });

  it('revoked only in OCSP: prefer and require deny, decided by ocsp; fallback never asks (the CRL covers it)', async () => {
    for (const mode of ['prefer', 'require']) {
      const r = await check('--cert', file('revoked.pem'), ...crl(), '--ocsp', responder.url, '--ocsp-mode', mode);
      expect(r.code, mode).toBe(1);
      expect(r.json, mode).toMatchObject({ status: 'revoked', code: 'cert.revoked', decidedBy: 'ocsp' });
    }
    const f = await check('--cert', file('revoked.pem'), ...crl(), '--ocsp', responder.url, '--ocsp-mode', 'fallback');
    expect(f.json).toMatchObject({ status: 'good', decidedBy: 'crl' });
    const off = await check('--cert', file('revoked.pem'), ...crl(), '--ocsp', responder.url, '--ocsp-mode', 'off');
    expect(off.json).toMatchObject({ status: 'good', decidedBy: 'crl' });
  });

  it('the default mode with --ocsp is prefer: OCSP is asked even where a CRL answers', async () => {
    const r = await check('--cert', file('revoked.pem'), ...crl(), '--ocsp', responder.url);
    expect(r.json).toMatchObject({ status: 'revoked', decidedBy: 'ocsp' });
  });

  it('responder down: off, fallback and prefer stand on the CRL; require denies; nothing that cannot answer allows', async () => {
    const outcomes: Record<string, unknown> = {};
    for (const mode of ['off', 'fallback', 'prefer', 'require']) {
      const r = await check('--cert', file('good.pem'), ...crl(), '--ocsp', downUrl, '--ocsp-mode', mode);
      outcomes[mode] = { exit: r.code, status: r.json.status, decidedBy: r.json.decidedBy };
    }
    expect(outcomes).toEqual({
      off: { exit: 0, status: 'good', decidedBy: 'crl' },
      fallback: { exit: 0, status: 'good', decidedBy: 'crl' },
      prefer: { exit: 0, status: 'good', decidedBy: 'crl' },
      require: { exit: 2, status: 'unknown', decidedBy: 'ocsp' },
    });
    // Without a CRL, no mode can allow.
    for (const mode of ['fallback', 'prefer', 'require']) {
      const r = await check('--cert', file('good.pem'), '--ca', file('ca.pem'), '--ocsp', downUrl, '--ocsp-mode', mode);
      expect(r.code, mode).toBe(2);
      expect(r.json.code, mode).toMatch(/^ocsp\./);
    }
  });

  it('prints which source decided in the text form too', async () => {
    const out: string[] = [];
    await run(['check', '--cert', file('good.pem'), ...crl(), '--ocsp', responder.url], { out: (l) => out.push(l), err: () => {} });
    expect(out).toEqual(['good', expect.stringMatching(/^decided by: ocsp \(ocsp: good cert\.good; crl: good cert\.good\)$/)]);
  });

  it('refuses --ocsp without --ca, a bad URL, an unknown mode, and --ocsp-mode without --ocsp', async () => {
    for (const argv of [
      ['--ocsp', responder.url],
      ['--ocsp', 'ftp://x', '--ca', file('ca.pem')],
      ['--ocsp', responder.url, '--ca', file('ca.pem'), '--ocsp-mode', 'sometimes'],
      [...crl(), '--ocsp-mode', 'prefer'],
    ]) {
      const code = await run(['check', '--cert', file('good.pem'), ...argv], { out: () => {}, err: () => {} });
      expect(code, argv.join(' ')).toBe(64);
    }
  });

  it('words a bad --ocsp-mode or --ocsp-timeout-ms as serve does (the rules of src/ocsp/config.ts)', async () => {
    const refused = async (...argv: string[]) => {
      const err: string[] = [];
      const code = await run(['check', '--cert', file('good.pem'), ...crl(), '--ocsp', responder.url, ...argv], { out: () => {}, err: (l) => err.push(l) });
      return { code, err: err.join('\n') };
    };
    const mode = await refused('--ocsp-mode', 'sometimes');
    expect(mode.code).toBe(64);
    expect(mode.err).toContain('--ocsp-mode: must be one of off, fallback, prefer, require, got "sometimes"');
    for (const t of ['0', '9001', 'soon']) {
      const timeout = await refused('--ocsp-timeout-ms', t);
      expect(timeout.code, t).toBe(64);
      expect(timeout.err, t).toContain(`--ocsp-timeout-ms: must be a whole number from 1 to 9000, got "${t}"`);
    }
  });
});
