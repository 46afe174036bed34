import { describe, expect, it } from 'vitest';
import { soak } from './soak-run.js';

describe('sustained load, short (test/hardening/soak.ts runs a million decisions)', () => {
  it('decides 20,000 requests across 5 blob swaps without one wrong decision', async () => {
    const r = await soak({ decisions: 20_000, swapEvery: 3_400, entries: 2_000, seed: 7 });
    expect(r.swaps).toBe(5);
    expect(r.wrong).toBe(0);
    expect(r.allows).toBeGreaterThan(0);
    expect(r.denies).toBeGreaterThan(0);
    // Indexes dropped at each swap are released: memory at the end is not a multiple of the start.
    expect(r.end.arrayBuffers).toBeLessThan(r.start.arrayBuffers + 64 * 2 ** 20);
  }, 120_000);
});
