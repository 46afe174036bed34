import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBlob } from '../../src/blob/encode.js';
import { readBlobHeader } from '../../src/blob/header.js';
import { inspectCommand } from '../../src/cli/inspect.js';
import { arena, randomKeys, testMeta } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'inspect-filter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Written by the version 1 encoder before format version 2 existed (see test/lookup/filter.test.ts).
const V1_FIXTURE = fileURLToPath(new URL('../lookup/fixtures/v1.cache.bin', import.meta.url));

function inspect(...args: string[]): { code: number; out: string } {
  const lines: string[] = [];
  const code = inspectCommand(args, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

describe('inspect shows the filter', () => {
  const blob = encodeBlob(arena(randomKeys(30_000, 1, 20, 77)), testMeta());
  const v2 = join(dir, 'v2.bin');
  writeFileSync(v2, blob);
  const header = readBlobHeader(blob);

  it('of a version 2 blob: bits per key, fingerprint width, seed and the false-positive rate measured at build', () => {
    const f = header.filter!;
    const text = inspect(v2).out;
    const line = text.split('\n').find((l) => l.startsWith('filter:'));
    expect(line).toBeDefined();
    const bits = (8 * f.arrayLength) / header.count;
    expect(bits).toBeGreaterThan(8.5); // binary fuse 8 at this size: about 9 to 9.5 bits per key
    expect(bits).toBeLessThan(10.5);
    expect(line).toContain(`binary fuse 8, 8-bit fingerprints, ${bits.toFixed(2)} bits per key (${f.arrayLength} bytes)`);
    expect(line).toContain(`seed 0x${f.seed.toString(16).padStart(8, '0')}`);
    expect(line).toContain(`${(100 * f.sampleHits / f.sampleSize).toFixed(3)}% (${f.sampleHits} of ${f.sampleSize} sampled)`);
    expect(f.sampleHits / f.sampleSize).toBeGreaterThan(0.001); // about 1/256 for 8-bit fingerprints
    expect(f.sampleHits / f.sampleSize).toBeLessThan(0.01);
  });

  it('in --json', () => {
    const summary = JSON.parse(inspect(v2, '--json').out);
    expect(summary.version).toBe(2);
    expect(summary.filter).toMatchObject({
      kind: 'binary fuse 8',
      fingerprintBits: 8,
      bytes: header.filter!.arrayLength,
      seed: header.filter!.seed,
      sampleSize: header.filter!.sampleSize,
      sampleHits: header.filter!.sampleHits,
    });
    expect(summary.filter.bitsPerKey).toBeCloseTo((8 * header.filter!.arrayLength) / header.count, 6);
  });

  it('says "no filter (v1)" for a committed version 1 blob, and null in --json', () => {
    const text = inspect(V1_FIXTURE).out;
    expect(text).toMatch(/blob version 1, checksum ok/);
    expect(text).toMatch(/^filter: +no filter \(v1\)$/m);
    expect(JSON.parse(inspect(V1_FIXTURE, '--json').out).filter).toBeNull();
  });
});
