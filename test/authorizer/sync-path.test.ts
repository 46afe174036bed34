import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from './backends.js';
import { restEvent } from './events.js';
import { codeOfResponse, effect, harness } from './harness.js';
import { makePki, type Pki } from '../support/pki.js';

const KEY = 'ca/a.cache.bin';

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});

/**
 * A warm request that waits for nothing (its index within the freshness bound, every source answering from memory,
 * no hook) is decided before the handler returns: no promise or microtask turn of its own (issue #11). With a log
 * sink given, the decision line is written when the request is decided, so "already written when the call
 * returns" tells the two paths apart; a request that must wait still gets its answer, only later.
 */
describe.each(BACKENDS)('the synchronous path against $name', (kind) => {
  let b: Backend;
  beforeEach(async () => {
    b = await kind.open();
    await b.put(KEY, pki.blobA1);
  });
  afterEach(() => b.close());

  it('decides a warm request before the handler returns, and the promise gives that decision', async () => {
    const h = harness({ store: b.store, config: { revalidateSeconds: 30 } });
    await h.handler(restEvent(pki.good.pem)); // cold: loads the index
    h.at(5);
    for (const [pem, want] of [
      [pki.good.pem, 'Allow cert.good'],
      [pki.revoked.pem, 'Deny cert.revoked'],
      [pki.unknownCa.pem, 'Deny index.not-covered'],
    ] as const) {
      const before = h.decisions().length;
      const pending = h.handler(restEvent(pem));
      expect(h.decisions().length).toBe(before + 1);
      expect(h.decisions().at(-1)!.code).toBe(want.split(' ')[1]);
      const r = await pending;
      expect(`${effect(r)} ${String(codeOfResponse(r))}`).toBe(want);
    }
  });

  it('answers a broken event on the same path: denied and logged before the handler returns', async () => {
    const h = harness({ store: b.store, config: { revalidateSeconds: 30 } });
    const pending = h.handler({ not: 'an event' });
    expect(h.decisions().map((d) => d.code)).toEqual(['event.malformed']);
    expect(effect(await pending)).toBe('Deny');
  });

  it('waits, and is not decided at return, when the request must confirm the index first', async () => {
    const h = harness({ store: b.store, config: { revalidateSeconds: 0 } });
    await h.handler(restEvent(pki.good.pem));
    h.at(1);
    const pending = h.handler(restEvent(pki.good.pem));
    expect(h.decisions()).toHaveLength(1);
    const r = await pending;
    expect(`${effect(r)} ${String(codeOfResponse(r))}`).toBe('Allow cert.good');
    expect(h.decisions()).toHaveLength(2);
  });

  it('waits for a hook, which still turns an Allow into a Deny', async () => {
    const h = harness({ store: b.store, config: { revalidateSeconds: 30 }, hook: () => ({ deny: 'not on this route' }) });
    await h.handler(restEvent(pki.good.pem));
    h.at(5);
    const pending = h.handler(restEvent(pki.good.pem));
    expect(h.decisions()).toHaveLength(1);
    const r = await pending;
    expect(`${effect(r)} ${String(codeOfResponse(r))}`).toBe('Deny hook.denied');
  });
});
