import { describe, expect, it } from 'vitest';
import { encodeBlob } from '../../src/blob/encode.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import { arena, randomKeys, testMeta } from '../blob/fixtures.js';
import { codeOf } from '../support/codes.js';

describe('RevocationIndex.allocate (a blob loaded in ranged parts)', () => {
  const keys = randomKeys(40_000, 1, 24, 61);
  const blob = encodeBlob(arena(keys), testMeta());
  const parts = (size: number): [number, Uint8Array][] => {
    const out: [number, Uint8Array][] = [];
    for (let at = 0; at < blob.length; at += size) out.push([at, blob.subarray(at, Math.min(at + size, blob.length))]);
    return out;
  };

  it('gives the index fromBytes gives, whatever the order and size of the parts', () => {
    const whole = RevocationIndex.fromBytes(blob);
    for (const size of [100_003, 65_536, 4_099]) {
      const ps = parts(size);
      // last first, then the rest from the middle outwards: the hashed prefix waits, then catches up
      const order = [ps.length - 1, ...ps.keys()].filter((v, i, a) => a.indexOf(v) === i).reverse();
      const loader = RevocationIndex.allocate(blob.length);
      for (const i of order) loader.write(ps[i]![0], ps[i]![1]);
      const index = loader.finish();
      expect(index.header).toEqual(whole.header);
      for (const k of [...keys.slice(0, 2000), ...randomKeys(2000, 1, 24, 62)]) expect(index.has(k)).toBe(whole.has(k));
    }
  });

  it('refuses a missing part, an overlap, a part outside the blob and a damaged part', () => {
    const ps = parts(50_000);
    const missing = RevocationIndex.allocate(blob.length);
    for (const [at, p] of ps.slice(1)) missing.write(at, p);
    expect(codeOf(() => missing.finish())).toBe('blob.malformed');

    const overlap = RevocationIndex.allocate(blob.length);
    overlap.write(0, blob.subarray(0, 1000));
    expect(codeOf(() => overlap.write(999, blob.subarray(999, 2000)))).toBe('blob.malformed');
    expect(codeOf(() => overlap.write(blob.length - 10, new Uint8Array(11)))).toBe('blob.malformed');

    const damaged = RevocationIndex.allocate(blob.length);
    for (const [at, p] of ps) {
      const copy = p.slice();
      if (at === 50_000) copy[77]! ^= 1;
      damaged.write(at, copy);
    }
    expect(codeOf(() => damaged.finish())).toBe('blob.checksum-mismatch');
  });
});
