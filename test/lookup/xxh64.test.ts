import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, instantiate, reserve } from '../../src/lookup/kernel.js';

const M = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;
const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, v: bigint): bigint => (rotl((acc + v * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) + P4) & M;
const u64 = (b: Uint8Array, p: number): bigint => new DataView(b.buffer, b.byteOffset + p, 8).getBigUint64(0, true);
const u32 = (b: Uint8Array, p: number): bigint => BigInt(new DataView(b.buffer, b.byteOffset + p, 4).getUint32(0, true));

/** xxHash64, seed 0, straight from the specification, in BigInt arithmetic. */
function referenceXxh64(b: Uint8Array): bigint {
  let p = 0;
  let h: bigint;
  if (b.length >= 32) {
    let v1 = (P1 + P2) & M;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & M;
    for (; p + 32 <= b.length; p += 32) {
      v1 = round(v1, u64(b, p));
      v2 = round(v2, u64(b, p + 8));
      v3 = round(v3, u64(b, p + 16));
      v4 = round(v4, u64(b, p + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(b.length)) & M;
  for (; p + 8 <= b.length; p += 8) h = ((rotl(h ^ round(0n, u64(b, p)), 27n) * P1) + P4) & M;
  if (p + 4 <= b.length) {
    h = ((rotl(h ^ ((u32(b, p) * P1) & M), 23n) * P2) + P3) & M;
    p += 4;
  }
  for (; p < b.length; p++) h = (rotl(h ^ ((BigInt(b[p]!) * P5) & M), 11n) * P1) & M;
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('xxh64 (WASM, seed 0)', () => {
  it('matches the published test vectors', () => {
    expect(checksum(text(''))).toBe(0xef46db3751d8e999n);
    expect(checksum(text('a'))).toBe(0xd24ec4f1a98c6e5bn);
    expect(checksum(text('abc'))).toBe(0x44bc2cf5ad770999n);
    expect(referenceXxh64(text(''))).toBe(0xef46db3751d8e999n);
    expect(referenceXxh64(text('abc'))).toBe(0x44bc2cf5ad770999n);
  });

  it('agrees with the BigInt reference for every length 0..100', () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff);
    for (let n = 0; n <= 100; n++) expect(checksum(data.subarray(0, n))).toBe(referenceXxh64(data.subarray(0, n)));
  });

  it('agrees with the BigInt reference on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(checksum(bytes)).toBe(referenceXxh64(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the BigInt reference on a large buffer of odd length', () => {
    const big = new Uint8Array((5 << 19) + 13); // crosses the 1 MiB hashing window twice
    let s = 12345;
    for (let i = 0; i < big.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      big[i] = s >>> 24;
    }
    expect(checksum(big)).toBe(referenceXxh64(big));
  });

  it('hashes data placed above 2 GiB of linear memory', () => {
    const k = instantiate();
    const base = reserve(k, 2 ** 31 + 4096);
    const at = base + 2 ** 31;
    const data = text('data above the signed 32-bit range');
    new Uint8Array(k.memory.buffer, at, data.length).set(data);
    expect(BigInt.asUintN(64, k.xxh64(at, data.length))).toBe(referenceXxh64(data));
  });
});
