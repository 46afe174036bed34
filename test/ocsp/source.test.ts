import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcspSource } from '../../src/ocsp/source.js';
import { readCertificate } from '../../src/x509/cert.js';
import {
  extendedKeyUsage,
  KP,
  makeLeaf,
  makeOcspResponse,
  ocspStatusResponse,
  type TestCert,
} from '../../src/testpki/index.js';
import { ocspPki } from './fixtures.js';
import { startOpensslResponder, startScriptedResponder, type OpensslResponder, type ScriptedResponder } from './responders.js';

const pki = ocspPki();
const good = pki.leaf(0x1001n);
const revoked = pki.leaf(0x1002n);
const notInIndex = pki.leaf(0x1003n);
const entries = [{ cert: good }, { cert: revoked, revoked: { at: new Date('2025-06-01T00:00:00Z'), reason: 'keyCompromise' } }];

function source(url: string, extra: Partial<ConstructorParameters<typeof OcspSource>[0]> = {}): OcspSource {
  return new OcspSource({ issuers: [pki.caFacts], responderUrl: url, ...extra });
}

async function ask(s: OcspSource, cert: TestCert, at = new Date()) {
  return await s.check(readCertificate(cert.der), at);
}

describe('against openssl ocsp', () => {
  let caSigned: OpensslResponder;
  let delegated: OpensslResponder;
  beforeAll(async () => {
    [caSigned, delegated] = await Promise.all([
      startOpensslResponder({ ca: pki.ca, signer: pki.ca, entries }),
      startOpensslResponder({ ca: pki.ca, signer: pki.responder, entries }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([caSigned?.stop(), delegated?.stop()]);
  });

  for (const which of ['CA-signed', 'delegated responder'] as const) {
    it(`${which}: good, revoked and unknown`, async () => {
      const url = which === 'CA-signed' ? caSigned.url : delegated.url;
      const s = source(url);
      const g = await ask(s, good);
      expect(g).toMatchObject({ status: 'good', code: 'cert.good' });
      expect(g.summary).toMatchObject({ source: 'ocsp', id: url, issuer: 'CN=OCSP Test CA,O=Test,C=US' });
      expect(g.summary?.detail).toMatchObject({ cache: 'miss', method: 'GET' });
      expect(await ask(s, revoked)).toMatchObject({ status: 'revoked', code: 'cert.revoked' });
      expect((await ask(s, revoked)).reason).toContain('2025-06-01T00:00:00.000Z');
      expect(await ask(s, notInIndex)).toMatchObject({ status: 'unknown', code: 'ocsp.unknown' });
    });
  }

  it('takes the responder from the certificate AIA when OCSP_URL is unset', async () => {
    const s = new OcspSource({ issuers: [pki.caFacts] });
    expect(await ask(s, pki.leaf(0x1001n, caSigned.url))).toMatchObject({ status: 'good' });
    const r2 = await ask(s, pki.leaf(0x1002n, caSigned.url));
    expect(r2, r2.reason).toMatchObject({ status: 'revoked' });
    expect(await ask(s, pki.leaf(0x1004n))).toMatchObject({ status: 'unknown', code: 'ocsp.no-responder' });
  });

  it('answers a repeat from the cache, synchronously, without asking again', async () => {
    const s = source(caSigned.url);
    const cert = readCertificate(good.der);
    await s.check(cert, new Date());
    const again = s.check(cert, new Date());
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toMatchObject({ status: 'good', summary: { detail: { cache: 'hit' } } });
    expect(s.stats).toMatchObject({ hits: 1, misses: 1, requests: 1 });
  });

  it('refuses a response when the time is past its nextUpdate (openssl -nmin 5)', async () => {
    const s = source(caSigned.url);
    const later = new Date(Date.now() + 10 * 60_000);
    // the responder signs "now" with nextUpdate now+5 min; judged 10 min later it is stale
    expect(await ask(s, good, later)).toMatchObject({ status: 'unknown', code: 'ocsp.stale' });
    // ...unless the grace covers it
    expect(await ask(source(caSigned.url, { graceSeconds: 600 }), good, later)).toMatchObject({ status: 'good' });
  });

  it('does not know a certificate of a CA it has no certificate for', async () => {
    const s = new OcspSource({ issuers: [readCertificate(pki.otherCa.der)], responderUrl: caSigned.url });
    expect(await ask(s, pki.leaf(0x1004n))).toMatchObject({ status: 'unknown', code: 'ocsp.no-responder' });
  });
});

describe('against a scripted responder', () => {
  let r: ScriptedResponder;
  beforeAll(async () => {
    r = await startScriptedResponder();
  });
  afterAll(async () => {
    await r?.stop();
  });

  const now = new Date('2026-03-01T12:00:00Z');
  const fresh = { thisUpdate: new Date('2026-03-01T11:00:00Z'), nextUpdate: new Date('2026-03-02T11:00:00Z') };
  const goodAnswer = (over: Partial<Parameters<typeof makeOcspResponse>[0]> = {}, serial = good.serial) =>
    makeOcspResponse({ signer: pki.ca, responses: [{ issuer: pki.ca, serial, status: 'good', ...fresh }], ...over });

  async function outcome(body: Uint8Array | undefined, opts: { status?: number; delayMs?: number; timeoutMs?: number } = {}) {
    r.answer = { ...(body && { body }), ...(opts.status && { status: opts.status }), ...(opts.delayMs && { delayMs: opts.delayMs }) };
    return await ask(source(r.url, { timeoutMs: opts.timeoutMs ?? 1000 }), good, now);
  }

  it('accepts a well-formed CA-signed good answer (the control for every case below)', async () => {
    expect(await outcome(goodAnswer())).toMatchObject({ status: 'good', code: 'cert.good' });
    expect(await outcome(goodAnswer({ responderId: 'key' }))).toMatchObject({ status: 'good' });
    expect(r.requests.at(-1)!.method).toBe('GET');
  });

  const otherKey = makeLeaf(pki.ca, { subject: 'CN=OCSP Test CA,O=Test,C=US' }); // the CA's name, another key
  const noEku = makeLeaf(pki.ca, { subject: 'CN=No EKU,O=Test,C=US' });
  const foreign = makeLeaf(pki.otherCa, { subject: 'CN=Foreign Responder,O=Test,C=US', extensions: [extendedKeyUsage([KP.ocspSigning])] });
  const expired = makeLeaf(pki.ca, {
    subject: 'CN=Expired Responder,O=Test,C=US',
    notAfter: new Date('2026-01-01T00:00:00Z'),
    extensions: [extendedKeyUsage([KP.ocspSigning])],
  });
  const withCert = (c: TestCert) => goodAnswer({ signer: c, certs: [c.der] });

  const cases: [string, () => Uint8Array | undefined, string, { status?: number; delayMs?: number; timeoutMs?: number }?][] = [
    ['a signature by another key under the CA name', () => goodAnswer({ signer: otherKey }), 'ocsp.signature-invalid'],
    ['a corrupted signature', () => goodAnswer({ corruptSignature: true }), 'ocsp.signature-invalid'],
    ['a responder without id-kp-OCSPSigning', () => withCert(noEku), 'ocsp.unauthorized-signer'],
    ['a responder issued by another CA', () => withCert(foreign), 'ocsp.unauthorized-signer'],
    ['an expired responder certificate', () => withCert(expired), 'ocsp.unauthorized-signer'],
    ['a responder that includes no certificate', () => goodAnswer({ signer: pki.responder }), 'ocsp.unauthorized-signer'],
    ['another serial\'s answer', () => goodAnswer({}, Uint8Array.of(0x10, 0x09)), 'ocsp.cert-id-mismatch'],
    [
      'another CA\'s answer for the same serial',
      () => makeOcspResponse({ signer: pki.ca, responses: [{ issuer: pki.otherCa, serial: good.serial, status: 'good', ...fresh }] }),
      'ocsp.cert-id-mismatch',
    ],
    [
      'a stale answer',
      () => makeOcspResponse({ signer: pki.ca, responses: [{ issuer: pki.ca, serial: good.serial, status: 'good', thisUpdate: new Date('2026-02-01T00:00:00Z'), nextUpdate: new Date('2026-02-02T00:00:00Z') }] }),
      'ocsp.stale',
    ],
    [
      'an answer without nextUpdate',
      () => makeOcspResponse({ signer: pki.ca, responses: [{ issuer: pki.ca, serial: good.serial, status: 'good', thisUpdate: fresh.thisUpdate, nextUpdate: null }] }),
      'ocsp.stale',
    ],
    [
      'an answer from the future',
      () => makeOcspResponse({ signer: pki.ca, responses: [{ issuer: pki.ca, serial: good.serial, status: 'good', thisUpdate: new Date('2026-03-01T13:00:00Z'), nextUpdate: new Date('2026-03-02T13:00:00Z') }] }),
      'ocsp.not-yet-valid',
    ],
    ['tryLater', () => ocspStatusResponse('tryLater'), 'ocsp.responder-error'],
    ['internalError', () => ocspStatusResponse('internalError'), 'ocsp.responder-error'],
    ['malformed bytes', () => Uint8Array.from(Buffer.from('<html>not ocsp</html>')), 'ocsp.malformed'],
    ['a truncated response', () => goodAnswer().subarray(0, 60), 'ocsp.malformed'],
    ['HTTP 503', () => undefined, 'ocsp.unavailable', { status: 503 }],
    ['a responder slower than the timeout', () => goodAnswer(), 'ocsp.timeout', { delayMs: 400, timeoutMs: 100 }],
  ];
  for (const [what, body, code, opts] of cases) {
    it(`denies ${what} with ${code}`, async () => {
      const a = await outcome(body(), opts);
      expect(a).toMatchObject({ status: 'unknown', code });
      expect(a.reason).not.toBe('');
    });
  }

  it('the delegated responder with id-kp-OCSPSigning is accepted (control for the signer cases)', async () => {
    expect(await outcome(withCert(pki.responder))).toMatchObject({ status: 'good' });
  });

  it('a revoked answer is revoked whatever else it carries; unknown is never good', async () => {
    const revokedAnswer = makeOcspResponse({
      signer: pki.ca,
      responses: [{ issuer: pki.ca, serial: good.serial, status: 'revoked', revocationReason: 'keyCompromise', ...fresh }],
    });
    expect(await outcome(revokedAnswer)).toMatchObject({ status: 'revoked', code: 'cert.revoked' });
    const unknownAnswer = makeOcspResponse({ signer: pki.ca, responses: [{ issuer: pki.ca, serial: good.serial, status: 'unknown', ...fresh }] });
    expect(await outcome(unknownAnswer)).toMatchObject({ status: 'unknown', code: 'ocsp.unknown' });
  });

  it('concurrent misses for one certificate share one request', async () => {
    r.answer = { body: goodAnswer(), delayMs: 50 };
    const s = source(r.url);
    const cert = readCertificate(good.der);
    const before = r.requests.length;
    const answers = await Promise.all([s.check(cert, now), s.check(cert, now), s.check(cert, now)]);
    expect(answers.map((a) => a.status)).toEqual(['good', 'good', 'good']);
    expect(r.requests.length - before).toBe(1);
    expect(s.stats.requests).toBe(1);
  });

  it('does not ask a failed responder again during the back-off, and asks again after it', async () => {
    r.answer = { status: 503 };
    const s = source(r.url, { backoffMs: 5000 });
    const before = r.requests.length;
    expect(await ask(s, good, now)).toMatchObject({ code: 'ocsp.unavailable' });
    const again = await ask(s, revoked, new Date(now.getTime() + 1000));
    expect(again).toMatchObject({ status: 'unknown', code: 'ocsp.unavailable' });
    expect(again.reason).toContain('not asked again until');
    expect(r.requests.length - before).toBe(1);
    r.answer = { body: goodAnswer() };
    expect(await ask(s, good, new Date(now.getTime() + 6000))).toMatchObject({ status: 'good' });
    expect(r.requests.length - before).toBe(2);
  });

  it('keeps a cached answer only until its nextUpdate', async () => {
    r.answer = { body: goodAnswer() };
    const s = source(r.url);
    const cert = readCertificate(good.der);
    await s.check(cert, now);
    expect(s.check(cert, new Date('2026-03-02T10:59:00Z'))).toMatchObject({ summary: { detail: { cache: 'hit' } } });
    const after = await s.check(cert, new Date('2026-03-02T11:00:01Z'));
    expect(after).toMatchObject({ status: 'unknown', code: 'ocsp.stale' });
    expect(s.stats.requests).toBe(2);
  });
});
