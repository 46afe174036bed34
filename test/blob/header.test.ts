import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBlob } from '../../src/blob/encode.js';
import { BLOB_VERSION, FIXED_HEADER_BYTES, readBlobHeader, verifyBlob } from '../../src/blob/header.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import { arena, randomKeys, testMeta } from './fixtures.js';
import { codeOf } from '../support/codes.js';

const keys = [...randomKeys(250, 3, 12, 9), ...randomKeys(2, 30, 40, 10)];
const blob = encodeBlob(arena(keys), testMeta({ entries: keys.length }));
const dir = mkdtempSync(join(tmpdir(), 'blob-header-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readBlobHeader / verifyBlob', () => {
  it('reads back what the encoder wrote', () => {
    const header = verifyBlob(blob);
    expect(header).toMatchObject({ version: BLOB_VERSION, totalLength: blob.length, overflowCount: 2, metaLength: expect.any(Number) });
    expect(header.meta).toEqual(testMeta({ entries: keys.length, revoked: keys.length }));
    expect(header.headerLength % 8).toBe(0);
    expect(header.recordsOffset % 8).toBe(0);
    expect(header.overflowOffset % 8).toBe(0);
  });

  it('reports a bit flipped anywhere after the length field as a checksum mismatch', () => {
    for (let p = 32; p < blob.length; p++) {
      const bit = (p * 5) % 8;
      const bad = blob.slice();
      bad[p]! ^= 1 << bit;
      expect(codeOf(() => verifyBlob(bad)), `byte ${p} bit ${bit}`).toBe('blob.checksum-mismatch');
    }
    const bad = blob.slice();
    bad[blob.length - 1]! ^= 0x10;
    expect(codeOf(() => RevocationIndex.fromBytes(bad))).toBe('blob.checksum-mismatch');
  });

  it('reports a damaged length field or header length as malformed', () => {
    for (const p of [12, 13, 24, 25, 26, 31]) {
      const bad = blob.slice();
      bad[p]! ^= 0x08;
      expect(codeOf(() => verifyBlob(bad)), `byte ${p}`).toBe('blob.malformed');
    }
  });

  it('reports a truncated or padded blob as malformed', () => {
    for (const cut of [1, 7, 8, 100, blob.length - 56, blob.length - 30, blob.length - 5, blob.length]) {
      const short = blob.subarray(0, blob.length - cut);
      expect(codeOf(() => readBlobHeader(short)), `cut ${cut}`).toBe('blob.malformed');
      expect(codeOf(() => RevocationIndex.fromBytes(short)), `cut ${cut}`).toBe('blob.malformed');
    }
    const padded = new Uint8Array(blob.length + 8);
    padded.set(blob);
    expect(codeOf(() => verifyBlob(padded))).toBe('blob.malformed');
    const file = join(dir, 'truncated.cache.bin');
    writeFileSync(file, blob.subarray(0, blob.length - 3));
    expect(codeOf(() => RevocationIndex.fromFile(file))).toBe('blob.malformed');
  });

  it('reports a wrong magic as malformed', () => {
    const bad = blob.slice();
    bad[3] = 0x41;
    expect(codeOf(() => readBlobHeader(bad))).toBe('blob.malformed');
    expect(codeOf(() => RevocationIndex.fromBytes(bad))).toBe('blob.malformed');
    expect(codeOf(() => readBlobHeader(new TextEncoder().encode('{"not":"a blob"}')))).toBe('blob.malformed');
  });

  it('refuses an unknown version before reading anything else', () => {
    const v3 = blob.slice(0, 64);
    new DataView(v3.buffer).setUint32(8, 3, true);
    expect(codeOf(() => readBlobHeader(v3))).toBe('blob.unsupported-version');
    const file = join(dir, 'v3.cache.bin');
    writeFileSync(file, v3);
    expect(codeOf(() => RevocationIndex.fromFile(file))).toBe('blob.unsupported-version');
  });

  it('refuses layout fields that do not add up', () => {
    const cases: [number, number][] = [
      [32, 10], // record width not a multiple of 4
      [32, 4], // record width below 8
      [32, 68], // record width above 64
      [36, 1_000_000], // count beyond the bytes present
      [40, 31], // dirBits absurd
      [44, 0], // overflow width 0 with overflow records
      [60, 6], // filter segment length not a power of two
      [60, 1 << 19], // filter segment length above 2^18
      [64, 0], // no filter segment
      [64, 3], // filter segments beyond the bytes present
      [68, 16], // fingerprints of 16 bits
      [76, 1 << 20], // more sample hits than samples
    ];
    for (const [offset, value] of cases) {
      const bad = blob.slice();
      new DataView(bad.buffer).setUint32(offset, value, true);
      expect(codeOf(() => readBlobHeader(bad)), `offset ${offset} = ${value}`).toBe('blob.malformed');
    }
  });

  it('refuses a directory that does not run from 0 to count', () => {
    const header = readBlobHeader(blob);
    const bad = blob.slice();
    new DataView(bad.buffer).setUint32(header.dirOffset, 1, true);
    expect(codeOf(() => readBlobHeader(bad))).toBe('blob.malformed');
  });

  it('refuses meta that is not the expected JSON', () => {
    const header = readBlobHeader(blob);
    const bad = blob.slice();
    bad[FIXED_HEADER_BYTES] = 0x5b; // '[' instead of '{'
    expect(codeOf(() => readBlobHeader(bad))).toBe('blob.malformed');
    const json = JSON.stringify({ ...testMeta(), entries: 'many' });
    const bytes = new TextEncoder().encode(json.padEnd(header.metaLength, ' '));
    if (bytes.length === header.metaLength) {
      const wrongType = blob.slice();
      wrongType.set(bytes, FIXED_HEADER_BYTES);
      expect(codeOf(() => readBlobHeader(wrongType))).toBe('blob.malformed');
    }
  });
});
