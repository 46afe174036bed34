import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzz, makeWorld, type World } from './engine.js';

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterAll(() => world.close());

describe('a short seeded fuzz run (npm run fuzz runs the long one)', () => {
  it('ends every case in a value or a typed rejection, with no wrong accept', async () => {
    const f = await fuzz({ seed: 20260301, cases: 3000, world });
    expect(f.failures).toEqual([]);
    expect(f.crashes).toBe(0);
    expect(f.wrongAccepts).toBe(0);
    expect(f.cases).toBe(3000);
    // Every target was reached, and the mutants met the checks they are meant to meet.
    for (const n of Object.values(f.byTarget)) expect(n).toBeGreaterThan(100);
    expect(f.rejections['crl.signature-invalid']).toBeGreaterThan(0);
    expect(f.rejections['blob.checksum-mismatch']).toBeGreaterThan(0);
    expect(f.rejections['cert.malformed']).toBeGreaterThan(0);
    expect(f.rejections['crl.too-large']).toBeGreaterThan(0);
    expect(f.rejections['cert.too-large']).toBeGreaterThan(0);
  });

  it('replays the same cases from the same seed', async () => {
    const a = await fuzz({ seed: 5, cases: 400, world });
    const b = await fuzz({ seed: 5, cases: 400, world });
    expect(b.rejections).toEqual(a.rejections);
    expect(b.byTarget).toEqual(a.byTarget);
  });
});
