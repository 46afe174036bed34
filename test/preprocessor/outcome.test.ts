import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBlobHeader } from '../../src/blob/header.js';
import { createPreprocessor, type OutcomeRecord, type RecordOutcome } from '../../src/preprocessor/index.js';
import { FolderStore } from '../../src/store/index.js';
import { makeCa, makeCrl, type CrlOptions, type TestCert } from '../../src/testpki/index.js';
import { s3Event } from './events.js';

/**
 * The preprocessor's outcomes as values and its `<name>.outcome.json`, and the one precedence rule as the
 * preprocessor applies it (src/lookup/info.ts `supersedes`), over a real folder store and real signed CRLs.
 */
const NOW = new Date('2026-01-01T00:00:00Z');
let dir: string;
let store: FolderStore;
let ca: TestCert;
let other: TestCert;
const warnings: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pre-outcome-'));
  store = new FolderStore(dir);
  ca = makeCa({ name: 'CN=Outcome CA,O=Test,C=US' });
  other = makeCa({ name: 'CN=Other CA,O=Test,C=US' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function upload(name: string, issuer: TestCert, o: Partial<CrlOptions>): Promise<RecordOutcome> {
  const text = (s: string) => new TextEncoder().encode(s);
  await store.put(`${name}.ca.pem`, text(issuer.pem));
  await store.put(`${name}.crl`, makeCrl({ issuer, entries: [], ...o }));
  const process = createPreprocessor({ store, now: () => NOW, warn: (w) => warnings.push(w) });
  const [outcome] = await process(s3Event('ObjectCreated:Put', 'any', `${name}.crl`));
  return outcome!;
}

async function outcomeFile(name: string): Promise<OutcomeRecord> {
  const got = await store.get(`${name}.outcome.json`);
  if (got.status !== 'ok') throw new Error('no outcome record');
  return JSON.parse(Buffer.from(got.body).toString('utf8')) as OutcomeRecord;
}

describe('preprocessor outcomes', () => {
  it('records an accepted CRL with its blob ETag and number, and a rejected one with its code, as values', async () => {
    expect(await upload('a', ca, { crlNumber: 5 })).toMatchObject({ action: 'written', crlNumber: '5' });
    const blob = await store.head('a.cache.bin');
    expect(await outcomeFile('a')).toEqual({
      crl: 'a.crl',
      outcome: 'accepted',
      code: 'crl.accepted',
      reason: 'blob written',
      blobEtag: blob!.etag,
      crlNumber: '5',
      at: NOW.toISOString(),
    });

    const rejected = await upload('a', ca, { crlNumber: 6, corruptSignature: true });
    expect(rejected).toMatchObject({ action: 'rejected', code: 'crl.signature-invalid' });
    expect(await outcomeFile('a')).toMatchObject({ crl: 'a.crl', outcome: 'rejected', code: 'crl.signature-invalid' });
    expect((await outcomeFile('a')).blobEtag).toBeUndefined();
    // The previous blob still answers.
    expect((await store.head('a.cache.bin'))!.etag).toBe(blob!.etag);
  });

  it('accepts a higher CRL number with an older thisUpdate (the number is the order of issue)', async () => {
    await upload('b', ca, { crlNumber: 5, thisUpdate: new Date('2025-12-01T00:00:00Z') });
    const o = await upload('b', ca, { crlNumber: 6, thisUpdate: new Date('2025-11-01T00:00:00Z') });
    expect(o).toMatchObject({ action: 'written', crlNumber: '6' });
  });

  it('refuses a rollback naming both CRLs', async () => {
    await upload('c', ca, { crlNumber: 7, thisUpdate: new Date('2025-12-01T00:00:00Z') });
    const o = await upload('c', ca, { crlNumber: 6, thisUpdate: new Date('2025-12-15T00:00:00Z') });
    expect(o).toMatchObject({ action: 'rejected', code: 'crl.rollback' });
    const message = (o as Extract<RecordOutcome, { action: 'rejected' }>).message;
    expect(message).toContain('number 6');
    expect(message).toContain('number 7');
    expect(readBlobHeader((await store.get('c.cache.bin') as { body: Uint8Array }).body).meta.crlNumber).toBe('7');
  });

  it('without CRL numbers, an older thisUpdate is a rollback', async () => {
    await upload('d', ca, { crlNumber: null, thisUpdate: new Date('2025-12-01T00:00:00Z') });
    expect(await upload('d', ca, { crlNumber: null, thisUpdate: new Date('2025-11-01T00:00:00Z') })).toMatchObject({
      code: 'crl.rollback',
    });
  });

  it('a CRL of a different issuer at the same name is reported as that, not as a rollback', async () => {
    await upload('e', ca, { crlNumber: 9 });
    const o = await upload('e', other, { crlNumber: 1 });
    expect(o).toMatchObject({ action: 'written', crlNumber: '1' });
    expect((o as { note?: string }).note).toMatch(/different issuer or scope/);
    expect(await outcomeFile('e')).toMatchObject({ outcome: 'accepted', reason: expect.stringMatching(/different issuer/) });
  });

  it('a blob written without the issuer-and-scope metadata is judged from its header', async () => {
    await upload('f', ca, { crlNumber: 4 });
    const got = (await store.get('f.cache.bin')) as { body: Uint8Array };
    await store.put('f.cache.bin', got.body); // bare bytes, no metadata (as the CLI writes it)
    expect(await upload('f', ca, { crlNumber: 3 })).toMatchObject({ code: 'crl.rollback' });
    expect(await upload('f', other, { crlNumber: 3 })).toMatchObject({ action: 'written' });
  });
});
