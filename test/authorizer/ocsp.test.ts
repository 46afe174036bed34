import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../src/authorizer/index.js';
import type { OcspMode } from '../../src/ocsp/mode.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
import { FolderStore } from '../../src/store/index.js';
import { makeCrl, type TestCert } from '../../src/testpki/index.js';
import { ocspPki } from '../ocsp/fixtures.js';
import { startOpensslResponder, type OpensslResponder } from '../ocsp/responders.js';
import { restEvent } from './events.js';
import { effect } from './harness.js';

// OCSP_MODE end to end: the real handler over a folder store holding a real blob and the CA certificate, and a
// real `openssl ocsp` responder. The responder signs with the real clock, so the handler runs on it too.
const pki = ocspPki();
const good = pki.leaf(0x1001n);
const ocspRevoked = pki.leaf(0x1002n); // the CRL does not list it; the responder says revoked
const ocspUnknown = pki.leaf(0x1003n); // not in the responder's index
const crlRevoked = pki.leaf(0x2001n); // the CRL lists it; the responder says good
const DOWN = 'http://127.0.0.1:9'; // the discard port: nothing answers

describe('OCSP_MODE in the authorizer, against openssl ocsp', () => {
  let responder: OpensslResponder;
  let withCrl: string;
  let caOnly: string;

  beforeAll(async () => {
    responder = await startOpensslResponder({
      ca: pki.ca,
      signer: pki.responder,
      entries: [{ cert: good }, { cert: ocspRevoked, revoked: { at: new Date('2025-06-01T00:00:00Z') } }, { cert: crlRevoked }],
    });
    withCrl = await mkdtemp(join(tmpdir(), 'ocsp-store-'));
    caOnly = await mkdtemp(join(tmpdir(), 'ocsp-store-'));
    const crl = makeCrl({ issuer: pki.ca, crlNumber: 1, entries: [{ serial: crlRevoked.serial }] });
    await writeFile(join(withCrl, 'ca.cache.bin'), preprocess(crl, [pki.ca.der], { at: new Date() }).blob);
    await writeFile(join(withCrl, 'ca.ca.pem'), pki.ca.pem);
    await writeFile(join(caOnly, 'ca.ca.pem'), pki.ca.pem);
  });
  afterAll(async () => {
    await responder?.stop();
    for (const d of [withCrl, caOnly]) if (d) await rm(d, { recursive: true, force: true });
  });

  function authorizer(mode: OcspMode, opts: { url?: string; dir?: string } = {}) {
    const lines: Record<string, unknown>[] = [];
    const handler = createHandler({
      store: new FolderStore(opts.dir ?? withCrl),
      env: {},
      ocsp: { mode, url: opts.url ?? responder.url, timeoutMs: 2000 },
      logSink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
    });
    const decide = async (c: TestCert) => {
      const r = await handler(restEvent(c.pem));
      const line = lines.filter((l) => l.message === 'decision').at(-1)!;
      return `${effect(r)} ${r.context.code} by ${line.source ?? 'none'}`;
    };
    return { decide, lines, last: () => lines.filter((l) => l.message === 'decision').at(-1)! };
  }

  it('off: OCSP is never asked (the responder would revoke)', async () => {
    const a = authorizer('off');
    expect(await a.decide(ocspRevoked)).toBe('Allow cert.good by crl');
    expect(a.last().ocspCode).toBeUndefined();
  });

  it('prefer: OCSP decides when it answers, a CRL revocation stands, the CRL answers when OCSP cannot', async () => {
    const a = authorizer('prefer');
    expect(await a.decide(good)).toBe('Allow cert.good by ocsp');
    expect(a.last()).toMatchObject({ ocspCode: 'cert.good', ocspCache: 'miss', OcspCacheMisses: 1 });
    expect(typeof a.last().OcspLatency).toBe('number');
    expect(await a.decide(ocspRevoked)).toBe('Deny cert.revoked by ocsp');
    expect(await a.decide(crlRevoked)).toBe('Deny cert.revoked by crl');
    expect(a.last().ocspCode).toBeUndefined(); // not asked: the CRL revokes
    expect(await a.decide(ocspUnknown)).toBe('Allow cert.good by crl');
    expect(a.last()).toMatchObject({ ocspCode: 'ocsp.unknown' });
  });

  it('prefer: a repeat client is answered from the OCSP cache', async () => {
    const a = authorizer('prefer');
    await a.decide(good);
    expect(await a.decide(good)).toBe('Allow cert.good by ocsp');
    expect(a.last()).toMatchObject({ ocspCache: 'hit', OcspCacheHits: 1, OcspCacheMisses: 0 });
    expect(a.last().OcspLatency).toBeUndefined();
    const emf = (a.last()._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }).CloudWatchMetrics;
    expect(emf[0]!.Dimensions).toContainEqual(['service', 'source']);
    expect(emf.flatMap((d) => d.Metrics.map((m) => m.Name))).toEqual(expect.arrayContaining(['OcspCacheHits', 'OcspCacheMisses']));
  });

  it('prefer survives a responder outage on the CRL answer; require does not', async () => {
    const prefer = authorizer('prefer', { url: DOWN });
    expect(await prefer.decide(good)).toBe('Allow cert.good by crl');
    expect(prefer.last()).toMatchObject({ ocspCode: 'ocsp.unavailable' });
    expect(await prefer.decide(crlRevoked)).toBe('Deny cert.revoked by crl');
    const require = authorizer('require', { url: DOWN });
    expect(await require.decide(good)).toBe('Deny ocsp.unavailable by ocsp');
  });

  it('require: only OCSP good allows', async () => {
    const a = authorizer('require');
    expect(await a.decide(good)).toBe('Allow cert.good by ocsp');
    expect(await a.decide(ocspUnknown)).toBe('Deny ocsp.unknown by ocsp');
    expect(await a.decide(ocspRevoked)).toBe('Deny cert.revoked by ocsp');
    expect(await a.decide(crlRevoked)).toBe('Deny cert.revoked by crl');
  });

  it('fallback: OCSP only for a certificate no CRL covers', async () => {
    const covered = authorizer('fallback');
    expect(await covered.decide(ocspRevoked)).toBe('Allow cert.good by crl');
    expect(covered.last().ocspCode).toBeUndefined();
    const uncovered = authorizer('fallback', { dir: caOnly });
    expect(await uncovered.decide(good)).toBe('Allow cert.good by ocsp');
    expect(await uncovered.decide(ocspRevoked)).toBe('Deny cert.revoked by ocsp');
    expect(await uncovered.decide(ocspUnknown)).toBe('Deny ocsp.unknown by ocsp');
    const down = authorizer('fallback', { dir: caOnly, url: DOWN });
    expect(await down.decide(good)).toBe('Deny ocsp.unavailable by ocsp');
  });

  it('denies with ocsp.no-responder when OCSP knows no CA certificate for the issuer', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ocsp-store-'));
    try {
      const a = authorizer('require', { dir: empty });
      expect(await a.decide(good)).toBe('Deny ocsp.no-responder by none');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
