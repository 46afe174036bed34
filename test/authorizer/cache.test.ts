import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './backends.js';
import { restEvent } from './events.js';
import { codeOfResponse, effect, harness } from './harness.js';
import { corrupt, futureVersion, makePki, type Pki } from './pki.js';

const KEY_A = 'ca/a.cache.bin';
const KEY_B = 'ca/b.cache.bin';

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});

describe.each(BACKENDS)('the warm cache against $name', (kind) => {
  let b: Backend;
  beforeEach(async () => {
    b = await kind.open();
    await b.put(KEY_A, pki.blobA1);
  });
  afterEach(() => b.close());

  const ask = async (h: ReturnType<typeof harness>, pem: string) => {
    const r = await h.handler(restEvent(pem));
    return `${effect(r)} ${String(codeOfResponse(r))}`;
  };

  it('allows a good certificate, denies a revoked one and one from a CA no blob covers', async () => {
    const h = harness({ store: b.store });
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    expect(await ask(h, pki.unknownCa.pem)).toBe('Deny index.not-covered');
  });

  it('at interval 0 sends one conditional GET per request', async () => {
    const h = harness({ store: b.store, config: { revalidateSeconds: 0 } });
    await ask(h, pki.good.pem);
    expect(b.gets(KEY_A)).toBe(1);
    for (let i = 1; i <= 5; i++) {
      h.at(i);
      await ask(h, pki.good.pem);
    }
    expect(b.gets(KEY_A)).toBe(6);
    expect(b.conditionalGets(KEY_A)).toBe(5);
  });

  it('at interval N sends at most one GET per N seconds', async () => {
    const h = harness({ store: b.store, config: { revalidateSeconds: 30 } });
    for (const s of [0, 1, 10, 29]) {
      h.at(s);
      await ask(h, pki.good.pem);
    }
    expect(b.gets(KEY_A)).toBe(1);
    for (const s of [30, 31, 59]) {
      h.at(s);
      await ask(h, pki.good.pem);
    }
    expect(b.gets(KEY_A)).toBe(2);
    h.at(60);
    await ask(h, pki.good.pem);
    expect(b.gets(KEY_A)).toBe(3);
  });

  it('lets concurrent requests share one fetch in flight', async () => {
    const h = harness({ store: b.store });
    await ask(h, pki.good.pem);
    const before = b.gets(KEY_A);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => ask(h, pki.good.pem)));
    expect(answers).toEqual(Array(5).fill('Allow cert.good'));
    expect(b.gets(KEY_A) - before).toBe(1);
  });

  it('picks up a new blob within the revalidation interval', async () => {
    const h = harness({ store: b.store, config: { revalidateSeconds: 20 } });
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    await b.put(KEY_A, pki.blobA2);
    h.at(19);
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    h.at(20);
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    expect(h.decisions().at(-1)).toMatchObject({ crlNumber: '2' });
  });

  it('picks up a new blob on the next request at interval 0', async () => {
    const h = harness({ store: b.store });
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    await b.put(KEY_A, pki.blobA2);
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
  });

  it('at interval 0 answers a request that arrives during a round from a round that began after it', async () => {
    let hold = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const readOld = new Promise<void>((r) => (reached = r));
    // The real store, with its first GET held open after it has read the old blob.
    const store = Object.create(b.store) as typeof b.store;
    store.get = async (key, opts) => {
      const got = await b.store.get(key, opts);
      if (hold) {
        hold = false;
        reached();
        await gate;
      }
      return got;
    };
    const h = harness({ store });
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    hold = true;
    h.at(1);
    const early = ask(h, pki.later.pem);
    await readOld;
    await b.put(KEY_A, pki.blobA2);
    h.at(2);
    const late = ask(h, pki.later.pem);
    release();
    expect(await early).toBe('Allow cert.good');
    expect(await late).toBe('Deny cert.revoked');
  });

  it('goes on from the cache while the store is down, until the stale bound, then denies index.stale', async () => {
    const h = harness({ store: b.store, config: { maxStaleSeconds: 300 } });
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    await b.fail();
    h.at(100);
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    h.at(300);
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    h.at(301);
    expect(await ask(h, pki.good.pem)).toBe('Deny index.stale');
    expect(await ask(h, pki.revoked.pem)).toBe('Deny index.stale');
    // A CA the stale index does not cover is still simply not covered.
    expect(await ask(h, pki.unknownCa.pem)).toBe('Deny index.not-covered');
    const failures = h.logs().filter((l) => l.message === 'revalidation failed');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]!.code).toBe('store.unavailable');
    expect(h.decisions().some((d) => (d.RevalidationsFailed as number) > 0)).toBe(true);
  });

  it('denies index.stale for every CA whose index passed the bound', async () => {
    await b.put(KEY_B, pki.blobB);
    const h = harness({ store: b.store, config: { maxStaleSeconds: 60 } });
    expect(await ask(h, pki.unknownCa.pem)).toBe('Allow cert.good');
    await b.fail();
    h.at(61);
    expect(await ask(h, pki.good.pem)).toBe('Deny index.stale');
    expect(await ask(h, pki.unknownCa.pem)).toBe('Deny index.stale');
  });

  it('ignores and logs a corrupt blob, keeping the index it holds', async () => {
    const h = harness({ store: b.store });
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    await b.put(KEY_A, corrupt(pki.blobA2));
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    const refused = h.logs().filter((l) => l.message === 'blob refused: keeping the index held');
    // Interval 0: each of the two requests fetched the damaged bytes whole, and each refusal is logged.
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ key: KEY_A, code: 'blob.checksum-mismatch', keeping: '1' });
    // Damaged bytes may have been damaged in transit: the next round fetches them whole again, and a refusal
    // is not a successful revalidation, so the held index ages towards the stale bound.
    await ask(h, pki.good.pem);
    expect(h.logs().filter((l) => l.message === 'blob refused: keeping the index held')).toHaveLength(3);
    h.at(301);
    expect(await ask(h, pki.good.pem)).toBe('Deny index.stale');
    // A good blob after the corrupt one is taken.
    await b.put(KEY_A, pki.blobA2);
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
  });

  it('refuses a blob of an unknown format version and keeps the index it holds', async () => {
    const h = harness({ store: b.store });
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    await b.put(KEY_A, futureVersion(pki.blobA2));
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    expect(h.logs().find((l) => l.message === 'blob refused: keeping the index held')).toMatchObject({
      code: 'blob.unsupported-version',
    });
  });

  it('refuses a blob with a lower CRL number than the one held (rollback)', async () => {
    await b.put(KEY_A, pki.blobA2);
    const h = harness({ store: b.store });
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    await b.put(KEY_A, pki.blobA1);
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    expect(h.logs().find((l) => l.message === 'blob refused: keeping the index held')).toMatchObject({
      code: 'crl.rollback',
    });
    // Bytes refused for what they say are judged once: later rounds are conditional GETs answered not-modified.
    const gets = b.gets(KEY_A);
    h.at(100);
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    expect(b.gets(KEY_A)).toBe(gets + 1);
    expect(h.logs().filter((l) => l.message === 'blob refused: keeping the index held')).toHaveLength(1);
    // But the store no longer confirms the held index: past the stale bound it stops answering (fail closed).
    h.at(301);
    expect(await ask(h, pki.good.pem)).toBe('Deny index.stale');
  });

  it('denies with the store error when nothing could be loaded at cold start', async () => {
    await b.fail();
    const h = harness({ store: b.store });
    const r = await h.handler(restEvent(pki.good.pem));
    expect(effect(r)).toBe('Deny');
    expect(r.context.code).toBe('store.unavailable');
  });

  it('drops the index of a deleted blob (its CRL was removed)', async () => {
    const h = harness({ store: b.store, config: { cacheKeys: [KEY_A] } });
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    await b.remove(KEY_A);
    expect(await ask(h, pki.good.pem)).toBe('Deny index.not-covered');
  });

  it('reads only the keys named in CRL_CACHE_KEYS', async () => {
    await b.put(KEY_B, pki.blobB);
    const h = harness({ store: b.store, config: { cacheKeys: [KEY_A] } });
    expect(await ask(h, pki.unknownCa.pem)).toBe('Deny index.not-covered');
    expect(b.gets(KEY_B)).toBe(0);
  });

  it('finds a new blob key on re-listing, at most once per relist interval', async () => {
    const h = harness({ store: b.store, relistSeconds: 60 });
    expect(await ask(h, pki.unknownCa.pem)).toBe('Deny index.not-covered');
    await b.put(KEY_B, pki.blobB);
    h.at(59);
    expect(await ask(h, pki.unknownCa.pem)).toBe('Deny index.not-covered');
    h.at(60);
    expect(await ask(h, pki.unknownCa.pem)).toBe('Allow cert.good');
  });

  it('denies crl.expired once the index is past nextUpdate plus the grace', async () => {
    await b.put(KEY_A, pki.blobA1Expired);
    const strict = harness({ store: b.store });
    expect(await ask(strict, pki.good.pem)).toBe('Deny crl.expired');
    // T0 is 2026-03-01T12:00Z, nextUpdate 2026-01-01T00:00Z: 59.5 days.
    const lenient = harness({ store: b.store, config: { graceSeconds: 60 * 86400 } });
    expect(await ask(lenient, pki.good.pem)).toBe('Allow cert.good');
  });
});
