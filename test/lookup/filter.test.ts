import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeBlob } from '../../src/blob/encode.js';
import { buildFilter, fuseParams, fusePasses } from '../../src/blob/filter.js';
import { readBlobHeader, verifyBlob } from '../../src/blob/header.js';
import { RevocationIndex, referenceFilter, referenceSearcher } from '../../src/lookup/index.js';
import { arena, hex, randomKeys, testMeta } from '../blob/fixtures.js';
import { expectCode } from '../support/codes.js';

describe('the version 2 filter', () => {
  const keys = randomKeys(20_000, 1, 20, 51);
  const set = new Set(keys.map(hex));
  const blob = encodeBlob(arena(keys), testMeta());
  const index = RevocationIndex.fromBytes(blob);
  const reference = referenceSearcher(blob);
  const referenceProbe = referenceFilter(blob);
  const absent = randomKeys(60_000, 1, 20, 52).filter((k) => !set.has(hex(k)));

  it('lets every present key through and answers it present, in WASM and in the JS reference', () => {
    expect(index.header.version).toBe(2);
    for (const k of keys) {
      expect(index.filterPasses(k)).toBe(true);
      expect(referenceProbe(k)).toBe(true);
      expect(index.has(k)).toBe(true);
      expect(reference(k)).toBe(true);
    }
  });

  it('stops about 255 in 256 absent keys, and the two implementations stop the same ones', () => {
    let passed = 0;
    for (const k of absent) {
      const p = index.filterPasses(k);
      expect(referenceProbe(k), hex(k)).toBe(p);
      if (p) passed++;
      expect(index.has(k)).toBe(false);
      expect(reference(k)).toBe(false);
    }
    const rate = passed / absent.length;
    // 8-bit fingerprints: 1/256 = 0.39%; a broken probe passes everything or nothing.
    expect(rate).toBeGreaterThan(0.001);
    expect(rate).toBeLessThan(0.01);
  });

  it('answers false positives of the filter exactly: absent after the directory search', () => {
    const falsePositives = absent.filter((k) => index.filterPasses(k));
    expect(falsePositives.length).toBeGreaterThan(20);
    for (const k of falsePositives) {
      expect(referenceProbe(k)).toBe(true);
      expect(index.has(k)).toBe(false);
      expect(reference(k)).toBe(false);
    }
  });

  it('records the sizing and a measured false-positive rate in the header', () => {
    const h = verifyBlob(blob);
    const p = fuseParams(h.count);
    expect(h.filter).toMatchObject({ segmentLength: p.segmentLength, segmentCount: p.segmentCount, fingerprintBits: 8 });
    expect(h.filter!.arrayLength / h.count).toBeLessThan(1.25);
    const rate = h.filter!.sampleHits / h.filter!.sampleSize;
    expect(rate).toBeGreaterThan(0.002);
    expect(rate).toBeLessThan(0.006);
    expect(h.totalLength).toBe(h.filterOffset! + h.filter!.arrayLength);
  });

  it('refuses a blob whose fingerprints were damaged (the checksum covers them)', () => {
    const h = readBlobHeader(blob);
    const bad = blob.slice();
    bad[h.filterOffset! + 10]! ^= 0x40;
    expectCode(() => RevocationIndex.fromBytes(bad), 'blob.checksum-mismatch');
  });

  it('builds for tiny and skewed sets: 0, 1, 2, 3 keys and keys of one length', () => {
    for (const ks of [[], [[1]], [[1], [2]], [[1], [2], [0x7f]], randomKeys(700, 8, 8, 53)]) {
      const b = encodeBlob(arena(ks), testMeta());
      const idx = RevocationIndex.fromBytes(b);
      for (const k of ks) expect(idx.has(Uint8Array.from(k))).toBe(true);
      expect(idx.has(Uint8Array.of(0x55, 0x44))).toBe(false);
    }
  });
});

describe('buildFilter', () => {
  it('is deterministic: the same hashes give the same seed and fingerprints', () => {
    const n = 5000;
    const xs = new Uint32Array(n).map((_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0);
    const bs = new Uint32Array(n).map((_, i) => Math.imul(i + 7, 0x85ebca77) >>> 0);
    const a = new Uint8Array(fuseParams(n).arrayLength);
    const b = new Uint8Array(fuseParams(n).arrayLength);
    expect(buildFilter(xs, bs, a)).toEqual(buildFilter(xs, bs, b));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('retries with the next seed and still builds when two keys share a whole 64-bit hash', () => {
    // Identical (x, b) pairs can never be peeled: construction fails for every seed until the pair is folded.
    const n = 3000;
    const xs = new Uint32Array(n).map((_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0);
    const bs = new Uint32Array(n).map((_, i) => Math.imul(i + 7, 0x85ebca77) >>> 0);
    xs[2999] = xs[5]!;
    bs[2999] = bs[5]!;
    const p = fuseParams(n);
    const f = new Uint8Array(p.arrayLength);
    const built = buildFilter(xs, bs, f);
    expect(built.seed).not.toBe(0); // the first attempts failed
    for (let i = 0; i < n; i++) expect(fusePasses(p, f, built.seed, xs[i]!, bs[i]!), `key ${i}`).toBe(true);
  });
});

describe('a committed version 1 blob', () => {
  // Written by the version 1 encoder before format version 2 existed (commit 6b5e300), from these keys.
  const keys = [...randomKeys(600, 1, 20, 1701), ...randomKeys(8, 30, 40, 1702)];
  const fixture = new Uint8Array(readFileSync(new URL('./fixtures/v1.cache.bin', import.meta.url)));

  it('still loads and answers every key as a Set does', () => {
    const index = RevocationIndex.fromBytes(fixture);
    expect(index.header.version).toBe(1);
    expect(index.header.filter).toBeUndefined();
    const set = new Set(keys.map(hex));
    expect(index.count).toBe(set.size);
    expect(index.meta).toEqual(testMeta({ revoked: set.size }));
    const reference = referenceSearcher(fixture);
    for (const k of [...keys, ...randomKeys(3000, 1, 40, 1703)]) {
      expect(index.has(k)).toBe(set.has(hex(k)));
      expect(reference(k)).toBe(set.has(hex(k)));
    }
  });

  it('is what the encoder still writes when asked for version 1', () => {
    expect(Buffer.from(encodeBlob(arena(keys), testMeta(), { version: 1 })).equals(Buffer.from(fixture))).toBe(true);
  });
});
