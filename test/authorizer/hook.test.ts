import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hook as exampleHook, suspendedSubjects } from '../../examples/custom-hook.js';
import { FolderStore } from '../../src/store/index.js';
import { makeLeaf } from '../../src/testpki/index.js';
import { restEvent } from './events.js';
import { effect, harness } from './harness.js';
import { makePki, T0, type Pki } from '../support/pki.js';

let pki: Pki;
let dir: string;
let store: FolderStore;
beforeAll(async () => {
  pki = makePki();
  dir = await mkdtemp(join(tmpdir(), 'hook-'));
  store = new FolderStore(dir);
  await store.put('a.cache.bin', pki.blobA1);
  await store.put('b.cache.bin', pki.blobB);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the example hook (examples/custom-hook.ts)', () => {
  it('allows a good client of an allowed issuer and adds its context', async () => {
    const r = await harness({ store, hook: exampleHook }).handler(restEvent(pki.good.pem));
    expect(effect(r)).toBe('Allow');
    expect(r.context).toMatchObject({
      code: 'cert.good',
      subject: 'CN=client-good,O=Example,C=US',
      revocationStatus: 'good',
      certExpiresInSeconds: Math.round((pki.good.notAfter.getTime() - T0) / 1000),
    });
  });

  it('denies hook.denied a client the CRL allows but an operator suspended', async () => {
    const suspended = makeLeaf(pki.caA, { subject: 'CN=client-suspended,O=Example,C=US' });
    expect(suspendedSubjects.has('CN=client-suspended,O=Example,C=US')).toBe(true);
    const h = harness({ store, hook: exampleHook });
    const r = await h.handler(restEvent(suspended.pem));
    expect(effect(r)).toBe('Deny');
    expect(r.context).toMatchObject({ status: 'good', code: 'hook.denied' });
    expect(h.decisions()[0]).toMatchObject({ code: 'hook.denied', reason: 'client suspended by an operator' });
  });

  it('denies a good certificate from an issuer this API does not accept', async () => {
    const r = await harness({ store, hook: exampleHook }).handler(restEvent(pki.unknownCa.pem));
    expect(effect(r)).toBe('Deny');
    expect(r.context.code).toBe('hook.denied');
  });
});

describe('hooks in general', () => {
  it('can never turn a Deny into an Allow', async () => {
    const r = await harness({ store, hook: () => ({ deny: false, context: { extra: 'x' } }) }).handler(
      restEvent(pki.revoked.pem),
    );
    expect(effect(r)).toBe('Deny');
    expect(r.context).toMatchObject({ code: 'cert.revoked', extra: 'x' });
  });

  it('see the certificate facts, the verdict and the event', async () => {
    const seen: unknown[] = [];
    const event = restEvent(pki.revoked.pem);
    await harness({
      store,
      hook: (f) => {
        seen.push([f.cert.subjectText, f.verdict.status, f.verdict.code, f.event === event]);
      },
    }).handler(event);
    expect(seen).toEqual([['CN=client-revoked,O=Example,C=US', 'revoked', 'cert.revoked', true]]);
  });

  it('deny when they throw or reject', async () => {
    const throwing = await harness({
      store,
      hook: () => {
        throw new Error('flag service down');
      },
    }).handler(restEvent(pki.good.pem));
    expect(effect(throwing)).toBe('Deny');
    expect(throwing.context.code).toBe('hook.denied');
    const rejecting = await harness({ store, hook: async () => Promise.reject(new Error('nope')) }).handler(
      restEvent(pki.good.pem),
    );
    expect(rejecting.context.code).toBe('hook.denied');
  });

  it('may be async, and may deny with true', async () => {
    const r = await harness({ store, hook: async () => ({ deny: true }) }).handler(restEvent(pki.good.pem));
    expect(r.context.code).toBe('hook.denied');
  });

  it('cannot overwrite the five context keys the authorizer writes, and only pass valid context values', async () => {
    const r = await harness({
      store,
      hook: () => ({
        context: { code: 'cert.good', status: 'good', n: 3, ok: true, bad: Number.NaN, obj: {} as unknown as string },
      }),
    }).handler(restEvent(pki.revoked.pem));
    expect(r.context).toEqual({
      status: 'revoked',
      code: 'cert.revoked',
      serial: expect.any(String),
      issuer: 'CN=Issuing CA A,O=Example,C=US',
      crlNumber: '1',
      n: 3,
      ok: true,
    });
  });
});
