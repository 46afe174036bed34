import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrlAuthorizerError } from '../../src/errors.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
import type { GetOptions, ObjectStore } from '../../src/store/index.js';
import { makeCrl } from '../../src/testpki/index.js';
import { BACKENDS, type Backend } from './backends.js';
import { restEvent } from './events.js';
import { codeOfResponse, effect, harness } from './harness.js';
import { corrupt, futureVersion, makePki, T0, type Pki } from '../support/pki.js';

const KEY_A = 'ca/a.cache.bin';
const KEY_B = 'ca/b.cache.bin';

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});

const ask = async (h: ReturnType<typeof harness>, pem: string) => {
  const r = await h.handler(restEvent(pem));
  return `${effect(r)} ${String(codeOfResponse(r))}`;
};

describe.each(BACKENDS)('the warm cache against $name', (kind) => {
  let b: Backend;
  beforeEach(async () => {
    b = await kind.open();
    await b.put(KEY_A, pki.blobA1);
  });
  afterEach(() => b.close());

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
      // The round runs in the background: let it land before the clock jumps (a real clock would not jump).
      await h.handler.cache!.settled();
    }
    expect(b.gets(KEY_A)).toBe(2);
    h.at(60);
    await ask(h, pki.good.pem);
    await h.handler.cache!.settled();
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
    // The request that finds the round due starts it and is answered from the index held; the next one sees
    // the new blob.
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    await h.handler.cache!.settled();
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

/** A store whose next GET (after `holdNext()`) reads the store and then waits for `release`/`fail`. */
function gated(inner: ObjectStore) {
  let armed = false;
  let gate: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let reachedResolve!: () => void;
  let reached = new Promise<void>((r) => (reachedResolve = r));
  const store: ObjectStore = Object.create(inner) as ObjectStore;
  store.get = async (key, opts) => {
    const got = await inner.get(key, opts);
    if (armed) {
      armed = false;
      await new Promise<void>((resolve, reject) => {
        gate = { resolve, reject };
        reachedResolve();
      });
    }
    return got;
  };
  return {
    store,
    holdNext() {
      armed = true;
      reached = new Promise<void>((r) => (reachedResolve = r));
      return reached;
    },
    release: () => gate!.resolve(),
    fail: (e: unknown) => gate!.reject(e),
  };
}

/** Whether `p` settles within `ms` of real time. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = await Promise.race([p.then(() => true), late]);
  clearTimeout(timer);
  return done;
}

describe.each(BACKENDS)('background revalidation against $name', (kind) => {
  let b: Backend;
  beforeEach(async () => {
    b = await kind.open();
    await b.put(KEY_A, pki.blobA1);
  });
  afterEach(() => b.close());
  const background = { revalidateSeconds: 10, freshSeconds: 60, maxStaleSeconds: 300, cacheKeys: [KEY_A] };

  /** A handler through a gated store, warm with CRL 1 (which does not revoke `later`). */
  const warm = async () => {
    const g = gated(b.store);
    const h = harness({ store: g.store, config: background });
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    return { g, h };
  };
  /** The round due at 10 s starts and reads the store; its answer is held. The request is answered from CRL 1. */
  const roundHeldAt10 = async ({ g, h }: Awaited<ReturnType<typeof warm>>) => {
    const held = g.holdNext();
    h.at(10);
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    await held;
  };

  it('never makes a request wait for a due round while the index is within the freshness bound', async () => {
    const { g, h } = await warm();
    await b.put(KEY_A, pki.blobA2);
    const held = g.holdNext();
    h.at(10);
    // The GET is held open: a request that waited for it would not settle.
    const due = ask(h, pki.later.pem);
    expect(await settlesWithin(due, 2000)).toBe(true);
    expect(await due).toBe('Allow cert.good');
    await held;
    h.at(11);
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    expect(b.gets(KEY_A)).toBe(2);
    g.release();
    await h.handler.cache!.settled();
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
  });

  it('starts a due round that nobody waits for after the request is answered, not inside it', async () => {
    // Every store call, as it is made: the round's first steps (the SDK building and signing its GET) are work.
    const calls: string[] = [];
    const store: ObjectStore = Object.create(b.store) as ObjectStore;
    store.get = (key, opts) => {
      calls.push(key);
      return b.store.get(key, opts);
    };
    const h = harness({ store, config: background });
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    const warmCalls = calls.length;
    const blobGets = () => calls.filter((k) => k === KEY_A).length;
    expect(blobGets()).toBe(1);
    h.at(10);
    // What the runtime does: await the handler, then send the response in that continuation.
    const response = await h.handler(restEvent(pki.later.pem));
    expect(effect(response)).toBe('Allow');
    expect(calls.length).toBe(warmCalls);
    // The round is under way: it began on the next turn of the event loop.
    await new Promise((r) => setImmediate(r));
    expect(blobGets()).toBe(2);
    await h.handler.cache!.settled();
    const roundCalls = calls.length;
    h.at(11);
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    expect(calls.length).toBe(roundCalls);
  });

  it('makes a request wait for the round once the index is past the freshness bound', async () => {
    const { g, h } = await warm();
    await b.put(KEY_A, pki.blobA2);
    const held = g.holdNext();
    h.at(60);
    const waiting = ask(h, pki.later.pem);
    await held;
    expect(await settlesWithin(waiting, 300)).toBe(false);
    g.release();
    expect(await waiting).toBe('Deny cert.revoked');
  });

  it('a round that spans a freeze and lands a new blob confirms as of its start', async () => {
    const { g, h } = await warm();
    await b.put(KEY_A, pki.blobA2);
    await roundHeldAt10({ g, h });
    // Frozen: no time passes for the container, the store's answer waits in the socket. Thawed 8 s later.
    h.at(18);
    g.release();
    await h.handler.cache!.settled();
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    const [entry] = h.handler.cache!.held();
    expect(entry!.index.meta.crlNumber).toBe('2');
    expect(entry!.validatedAt).toBe(T0 + 10_000);
  });

  it('a round that fails on thaw leaves the held index answering, and the next due round runs', async () => {
    const { g, h } = await warm();
    await roundHeldAt10({ g, h });
    h.at(15);
    g.fail(new CrlAuthorizerError('store.unavailable', 'connection reset on thaw'));
    await h.handler.cache!.settled();
    expect(h.logs().filter((l) => l.message === 'revalidation failed').map((l) => l.code)).toEqual(['store.unavailable']);
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    const before = b.gets(KEY_A);
    h.at(20);
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    await h.handler.cache!.settled();
    expect(b.gets(KEY_A)).toBe(before + 1);
    expect(h.handler.cache!.held()[0]!.validatedAt).toBe(T0 + 20_000);
  });

  it('abandons a round frozen past its budgets: the thawed request waits for a new one, the old answer is ignored', async () => {
    const { g, h } = await warm();
    await roundHeldAt10({ g, h });
    // Ten minutes frozen: the index is past the stale bound, the round in flight is long dead.
    await b.put(KEY_A, pki.blobA2);
    h.at(610);
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    expect(h.logs().some((l) => String(l.message).startsWith('revalidation round abandoned'))).toBe(true);
    g.fail(new CrlAuthorizerError('store.timeout', 'late'));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.logs().filter((l) => l.message === 'revalidation failed')).toEqual([]);
    expect(h.handler.cache!.held()[0]!.validatedAt).toBe(T0 + 610_000);
  });

  it('backs off after throttled rounds, doubling with jitter, while the held index answers', async () => {
    let throttle = false;
    const store = Object.create(b.store) as ObjectStore;
    store.get = (key, opts) =>
      throttle ? Promise.reject(new CrlAuthorizerError('store.throttled', 'SlowDown')) : b.store.get(key, opts);
    const h = harness({ store, config: background });
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    throttle = true;
    const attempts: number[] = [];
    let last = b.gets(KEY_A);
    let calls = 0;
    store.get = (key, opts) => {
      calls++;
      return throttle ? Promise.reject(new CrlAuthorizerError('store.throttled', 'SlowDown')) : b.store.get(key, opts);
    };
    // One request a second for 200 s: every answer from the held index, until the stale bound at 300 s.
    for (let s = 10; s <= 200; s++) {
      h.at(s);
      const before = calls;
      expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
      await h.handler.cache!.settled();
      if (calls > before) attempts.push(s);
    }
    expect(b.gets(KEY_A)).toBe(last);
    // Gaps after 1, 2, 3 throttled rounds: 50-100 % of 20 s, 40 s, then the 60 s cap (never below the interval).
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(attempts[0]).toBe(10);
    expect(gaps[0]).toBeGreaterThanOrEqual(10);
    expect(gaps[0]).toBeLessThanOrEqual(21);
    expect(gaps[1]).toBeGreaterThanOrEqual(20);
    expect(gaps[1]).toBeLessThanOrEqual(41);
    for (const gap of gaps.slice(2)) {
      expect(gap).toBeGreaterThanOrEqual(30);
      expect(gap).toBeLessThanOrEqual(61);
    }
    expect(h.logs().filter((l) => l.message === 'store throttled: backing off')).toHaveLength(attempts.length);
    throttle = false;
    last = b.gets(KEY_A);
    h.at(290);
    await ask(h, pki.good.pem);
    await h.handler.cache!.settled();
    expect(b.gets(KEY_A)).toBe(last + 1);
  });

  it('a cold container that is throttled denies store.throttled without a GET per request', async () => {
    let calls = 0;
    const store = Object.create(b.store) as ObjectStore;
    store.get = (key) => {
      if (key.endsWith('.cache.bin')) calls++; // the denylist's GET in the same round is not a blob's
      return Promise.reject(new CrlAuthorizerError('store.throttled', 'SlowDown'));
    };
    const h = harness({ store, config: background });
    for (let i = 0; i < 20; i++) expect(await ask(h, pki.good.pem)).toBe('Deny store.throttled');
    expect(calls).toBe(1);
  });
});

describe.each(BACKENDS)('ranged loading against $name', (kind) => {
  let b: Backend;
  beforeEach(async () => {
    b = await kind.open();
    await b.put(KEY_A, pki.blobA1);
  });
  afterEach(() => b.close());
  /** Parts small enough that the test blobs come in several. */
  const parts = (n: number) => ({ rangeBytes: Math.ceil(pki.blobA2.length / n), rangeConcurrency: 2, cacheKeys: [KEY_A] });

  it('loads a blob larger than one part in ranged GETs, each with If-Match on the first answer', async () => {
    const seen: GetOptions[] = [];
    const store = Object.create(b.store) as ObjectStore;
    store.get = (key, opts) => {
      if (key.endsWith('.cache.bin')) seen.push({ ...opts }); // not the denylist's GET
      return b.store.get(key, opts);
    };
    await b.put(KEY_A, pki.blobA2);
    const h = harness({ store, config: parts(4) });
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    expect(seen.length).toBe(4);
    const etag = h.handler.cache!.held()[0]!.etag;
    expect(seen[0]).toMatchObject({ range: { start: 0 } });
    expect(seen[0]!.ifMatch).toBeUndefined();
    expect(seen.slice(1).every((o) => o.ifMatch === etag && o.range !== undefined && o.into !== undefined)).toBe(true);
    const covered = seen.map((o) => o.range!).sort((x, y) => x.start - y.start);
    expect(covered.at(-1)!.end).toBeGreaterThanOrEqual(pki.blobA2.length);
    expect(h.logs().find((l) => l.message === 'index loaded')).toMatchObject({ parts: 4, bytes: pki.blobA2.length });
  });

  it('loads a blob that makes the index memory grow (parts land in the grown memory)', async () => {
    // 20,000 entries: a blob of several hundred KB, more than a fresh instance's memory holds.
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ serial: 1_000_000 + i }));
    const big = preprocess(makeCrl({ issuer: pki.caA, crlNumber: 3, entries }), [pki.caA.der], { at: new Date(T0) }).blob;
    await b.put(KEY_A, big);
    const h = harness({ store: b.store, config: { rangeBytes: 64 * 1024, rangeConcurrency: 4, cacheKeys: [KEY_A] } });
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    const loaded = h.logs().find((l) => l.message === 'index loaded');
    expect(loaded).toMatchObject({ bytes: big.length, crlNumber: '3' });
    expect(loaded!.parts as number).toBeGreaterThan(2);
  });

  it('refuses a blob changed between two ranges and fetches the new one from the start', async () => {
    let swapped = false;
    const store = Object.create(b.store) as ObjectStore;
    store.get = async (key, opts) => {
      if (opts?.ifMatch !== undefined && !swapped) {
        swapped = true;
        await b.put(KEY_A, pki.blobA2);
      }
      return b.store.get(key, opts);
    };
    const h = harness({ store, config: parts(3) });
    expect(await ask(h, pki.later.pem)).toBe('Deny cert.revoked');
    expect(h.handler.cache!.held()[0]!.index.meta.crlNumber).toBe('2');
    expect(h.logs().filter((l) => l.message === 'revalidation failed')).toEqual([]);
  });

  it('fails the round (and keeps the held index) when the blob keeps changing between ranges', async () => {
    let swaps = 0;
    const store = Object.create(b.store) as ObjectStore;
    // One part at a time, so each swap lands between two ranges of the same attempt.
    const h = harness({ store, config: { ...parts(3), rangeConcurrency: 1 } });
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    store.get = async (key, opts) => {
      if (opts?.ifMatch !== undefined) {
        swaps++;
        await b.put(KEY_A, swaps % 2 ? pki.blobA2 : corrupt(pki.blobA2));
      }
      return b.store.get(key, opts);
    };
    await b.put(KEY_A, corrupt(pki.blobA2));
    h.at(1);
    expect(await ask(h, pki.later.pem)).toBe('Allow cert.good');
    expect(h.logs().find((l) => l.message === 'revalidation failed')).toMatchObject({ code: 'store.precondition-failed' });
    expect(h.handler.cache!.held()[0]!.index.meta.crlNumber).toBe('1');
  });
});
