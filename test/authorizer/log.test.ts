import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBlobHeader } from '../../src/blob/header.js';
import { FolderStore } from '../../src/store/index.js';
import { emfProblems } from '../support/emf.js';
import { restEvent } from './events.js';
import { harness } from './harness.js';
import { corrupt, makePki, T0, type Pki } from '../support/pki.js';

let pki: Pki;
let dir: string;
let store: FolderStore;
beforeAll(async () => {
  pki = makePki();
  dir = await mkdtemp(join(tmpdir(), 'log-'));
  store = new FolderStore(dir);
  await store.put('a.cache.bin', pki.blobA1);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('decision logs', () => {
  it('write one JSON line per decision with the decision, code, serial, issuer, CRL number, ages, latency, request id', async () => {
    const h = harness({ store });
    await h.handler(restEvent(pki.good.pem));
    await h.handler(restEvent(pki.revoked.pem));
    const d = h.decisions();
    expect(d).toHaveLength(2);
    expect(d[0]).toMatchObject({
      decision: 'Allow',
      code: 'cert.good',
      serial: expect.stringMatching(/^[0-9A-F]+$/),
      issuer: 'CN=Issuing CA A,O=Example,C=US',
      crlNumber: '1',
      indexAgeSeconds: 0,
      crlAgeSeconds: Math.round((T0 - Date.parse('2025-01-01T00:00:00Z')) / 1000),
      latencyUs: expect.any(Number),
      requestId: 'rest-request-id',
    });
    expect(d[1]).toMatchObject({ decision: 'Deny', code: 'cert.revoked', reason: expect.stringContaining('revoked') });
  });

  it('are valid EMF documents: decisions by code, revalidations by outcome, CRL age', async () => {
    const h = harness({ store });
    await h.handler(restEvent(pki.good.pem));
    await h.handler(restEvent(pki.good.pem));
    await h.handler(restEvent(undefined));
    const [first, second, third] = h.decisions();
    for (const doc of [first!, second!, third!]) expect(emfProblems(doc)).toEqual([]);
    expect(first).toMatchObject({ Decisions: 1, code: 'cert.good', RevalidationsUpdated: 1, RevalidationsNotModified: 0 });
    expect(second).toMatchObject({ RevalidationsUpdated: 0, RevalidationsNotModified: 1, CrlAgeSeconds: expect.any(Number) });
    const nextUpdate = readBlobHeader(pki.blobA1).meta.nextUpdate!;
    expect(second!.SecondsToNextUpdate).toBe(Math.round((Date.parse(nextUpdate) - T0) / 1000));
    // No certificate: no revalidation ran and no CRL decided, so those metrics are absent, not zero.
    expect(third).toMatchObject({ Decisions: 1, code: 'cert.missing' });
    expect(third).not.toHaveProperty('RevalidationsUpdated');
    expect(third).not.toHaveProperty('CrlAgeSeconds');
    expect(third).not.toHaveProperty('SecondsToNextUpdate');
  });

  it('never contain the certificate', async () => {
    const h = harness({ store });
    const body = pki.good.pem.split('\n')[1]!;
    await h.handler(restEvent(pki.good.pem));
    await h.handler(restEvent(pki.good.pem.replace(body, body.slice(0, 10))));
    await store.put('a.cache.bin', corrupt(pki.blobA1));
    await h.handler(restEvent(pki.good.pem));
    await store.put('a.cache.bin', pki.blobA1);
    expect(h.lines.length).toBeGreaterThan(3);
    for (const line of h.lines) {
      expect(line).not.toContain('CERTIFICATE');
      expect(line).not.toContain(body.slice(0, 24));
    }
  });

  it('survive a failing log sink without changing the decision', async () => {
    const h = harness({
      store,
      logSink: () => {
        throw new Error('EPIPE');
      },
    });
    const r = await h.handler(restEvent(pki.good.pem));
    expect(r.context.code).toBe('cert.good');
  });
});
