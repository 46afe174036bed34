import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBlob } from '../../src/blob/encode.js';
import { readBlobHeader } from '../../src/blob/header.js';
import { instantiate, reserve } from '../../src/lookup/kernel.js';
import { RevocationIndex, initKernel, referenceHas, referenceSearcher } from '../../src/lookup/index.js';
import { arena, hex, minimal, randomKeys, testMeta } from '../blob/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Octets 1..32 long that often start with 00 or FF, so minimal forms and sign octets get exercised. */
const rawSerial = fc
  .tuple(fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x01), fc.uint8Array({ minLength: 0, maxLength: 31 }), fc.boolean())
  .map(([lead, rest, withLead]) => minimal(withLead ? Uint8Array.of(lead, ...rest) : rest.length ? rest : Uint8Array.of(lead)));

describe('RevocationIndex', () => {
  it('agrees with the JS reference and with a Set on random key sets and probes', () => {
    fc.assert(
      fc.property(
        fc.array(rawSerial, { minLength: 0, maxLength: 300 }),
        fc.array(rawSerial, { maxLength: 100 }),
        (keys, probes) => {
          const blob = encodeBlob(arena(keys), testMeta());
          const index = RevocationIndex.fromBytes(blob);
          const set = new Set(keys.map(hex));
          expect(index.count).toBe(set.size);
          const reference = referenceSearcher(blob);
          // every key present, and probes (mostly absent, some near-misses of present keys) answered alike
          const nearMisses = keys.slice(0, 20).map((k) => {
            const m = k.slice();
            m[m.length - 1]! ^= 1;
            return minimal(m);
          });
          for (const k of [...keys, ...probes, ...nearMisses]) {
            const expected = set.has(hex(k));
            expect(index.has(k)).toBe(expected);
            expect(reference(k)).toBe(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('loads the same index from a file as from bytes', () => {
    const keys = randomKeys(3000, 1, 24, 21);
    const blob = encodeBlob(arena(keys), testMeta());
    const file = join(dir, 'same.cache.bin');
    writeFileSync(file, blob);
    const fromFile = RevocationIndex.fromFile(file);
    const fromBytes = RevocationIndex.fromBytes(blob);
    expect(fromFile.header).toEqual(fromBytes.header);
    expect(fromFile.meta).toEqual(testMeta({ revoked: fromFile.count }));
    expect(fromFile.byteLength).toBe(blob.length);
    for (const k of [...keys, ...randomKeys(500, 1, 24, 22)]) expect(fromFile.has(k)).toBe(fromBytes.has(k));
  });

  it('lets a missing file surface as the fs error (the CLI maps it to its exit code)', () => {
    expect(() => RevocationIndex.fromFile(join(dir, 'absent.cache.bin'))).toThrow(/ENOENT/);
  });

  it('answers false for keys no blob can hold', () => {
    const index = RevocationIndex.fromBytes(encodeBlob(arena([[1], new Uint8Array(64).fill(7)]), testMeta()));
    expect(index.has(new Uint8Array(0))).toBe(false);
    expect(index.has(new Uint8Array(65).fill(7))).toBe(false);
    expect(index.has(new Uint8Array(64).fill(7))).toBe(true);
  });

  it('keeps indexes apart: each has its own memory', () => {
    const a = RevocationIndex.fromBytes(encodeBlob(arena([[1], [2]]), testMeta()));
    const b = RevocationIndex.fromBytes(encodeBlob(arena([[3]]), testMeta()));
    expect([a.has(Uint8Array.of(1)), a.has(Uint8Array.of(3)), b.has(Uint8Array.of(1)), b.has(Uint8Array.of(3))]).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it('searches a blob placed above 2 GiB of linear memory', () => {
    const keys = randomKeys(2000, 1, 30, 31);
    const blob = encodeBlob(arena(keys), testMeta());
    const k = instantiate();
    const base = reserve(k, 2 ** 31 + blob.length + 4096);
    const at = base + 2 ** 31 + 8;
    new Uint8Array(k.memory.buffer, at, blob.length).set(blob);
    expect(initKernel(k, at, readBlobHeader(blob))).toBe(0);
    const keyPtr = k.scratch() >>> 0;
    const keyArea = new Uint8Array(k.memory.buffer, keyPtr, 64);
    const reference = referenceSearcher(blob);
    for (const key of [...keys, ...randomKeys(500, 1, 30, 32)]) {
      keyArea.set(key);
      expect(k.has(keyPtr, key.length) !== 0).toBe(reference(key));
    }
  });

  it('round-trips a blob of 1,000,000 serials', () => {
    const keys = randomKeys(1_000_000, 1, 20, 41);
    const blob = encodeBlob(arena(keys), testMeta({ entries: keys.length }));
    const header = readBlobHeader(blob);
    const set = new Set(keys.map(hex));
    expect(header.count + header.overflowCount).toBe(set.size);
    const file = join(dir, 'million.cache.bin');
    writeFileSync(file, blob);
    const index = RevocationIndex.fromFile(file);
    let found = 0;
    for (const k of keys) if (index.has(k)) found++;
    expect(found).toBe(keys.length);
    const absent = randomKeys(100_000, 1, 20, 42).filter((k) => !set.has(hex(k)));
    expect(absent.some((k) => index.has(k))).toBe(false);
    for (const k of absent.slice(0, 200)) expect(referenceHas(blob, k)).toBe(false);
  });
});
