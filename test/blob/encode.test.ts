import { describe, expect, it } from 'vitest';
import { encodeBlob } from '../../src/blob/encode.js';
import { FIXED_HEADER_BYTES, readBlobHeader, verifyBlob } from '../../src/blob/header.js';
import { RevocationIndex, referenceSearcher } from '../../src/lookup/index.js';
import { arena, randomKeys, testMeta } from './fixtures.js';
import { codeOf } from '../support/codes.js';

describe('encodeBlob', () => {
  it('gives the same bytes for the same keys in any order', () => {
    const keys = randomKeys(5000, 1, 20, 7);
    const shuffled = [...keys].reverse();
    shuffled.push(shuffled.shift()!);
    const a = encodeBlob(arena(keys), testMeta());
    const b = encodeBlob(arena(shuffled), testMeta());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('folds duplicate keys: the blob holds each serial once', () => {
    const keys = randomKeys(1000, 1, 16, 3);
    const withDuplicates = [...keys, ...keys.slice(0, 400), ...keys.slice(0, 10)];
    const once = encodeBlob(arena(keys), testMeta());
    const twice = encodeBlob(arena(withDuplicates), testMeta());
    expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
    const distinct = new Set(keys.map((k) => Buffer.from(k).toString('hex'))).size;
    const header = verifyBlob(twice);
    expect(header.count + header.overflowCount).toBe(distinct);
    expect(header.meta.revoked).toBe(distinct);
  });

  it('folds duplicates even when they would move the record width', () => {
    // 10 distinct keys of 12 octets and 1000 copies of one 4-octet key: over raw entries 99% fit in 8 bytes, over
    // distinct keys only 1 of 11 does.
    const long = randomKeys(10, 12, 12, 5);
    const short = [1, 2, 3, 4];
    const blob = encodeBlob(arena([...long, ...Array.from({ length: 1000 }, () => short)]), testMeta());
    const header = verifyBlob(blob);
    expect(header.recordWidth).toBe(16);
    expect(header.count).toBe(11);
    expect(header.overflowCount).toBe(0);
    const index = RevocationIndex.fromBytes(blob);
    for (const k of [...long, Uint8Array.from(short)]) expect(index.has(k)).toBe(true);
  });

  it('keeps 00 FF (255) and FF (-1) apart', () => {
    const blob = encodeBlob(arena([[0xff]]), testMeta());
    const index = RevocationIndex.fromBytes(blob);
    expect(index.has(Uint8Array.of(0xff))).toBe(true);
    expect(index.has(Uint8Array.of(0x00, 0xff))).toBe(false);
    const both = RevocationIndex.fromBytes(encodeBlob(arena([[0x00, 0xff], [0xff]]), testMeta()));
    expect(both.count).toBe(2);
    expect(both.has(Uint8Array.of(0x00, 0xff))).toBe(true);
    expect(both.has(Uint8Array.of(0xff))).toBe(true);
    expect(both.has(Uint8Array.of(0x7f))).toBe(false);
  });

  it('puts keys longer than the record width in the overflow section', () => {
    const short = randomKeys(2000, 8, 15, 11);
    const long = [21, 33, 40, 63, 64].map((len, i) => randomKeys(1, len, len, 100 + i)[0]!);
    const blob = encodeBlob(arena([...short, ...long]), testMeta());
    const header = verifyBlob(blob);
    expect(header.recordWidth).toBe(16);
    expect(header.overflowCount).toBe(5);
    expect(header.overflowWidth).toBe(68);
    const index = RevocationIndex.fromBytes(blob);
    const referenceHas = referenceSearcher(blob);
    for (const k of [...short, ...long]) {
      expect(index.has(k)).toBe(true);
      expect(referenceHas(k)).toBe(true);
    }
    const absentLong = Uint8Array.from(long[3]!);
    absentLong[10]! ^= 1;
    expect(index.has(absentLong)).toBe(false);
    expect(referenceHas(absentLong)).toBe(false);
  });

  it('sizes the record width to hold 99% of the keys', () => {
    const keys = [...randomKeys(990, 11, 11, 1), ...randomKeys(10, 19, 19, 2)];
    expect(readBlobHeader(encodeBlob(arena(keys), testMeta())).recordWidth).toBe(12);
    const more = [...randomKeys(980, 11, 11, 1), ...randomKeys(20, 19, 19, 2)];
    expect(readBlobHeader(encodeBlob(arena(more), testMeta())).recordWidth).toBe(20);
  });

  it('encodes an empty key set', () => {
    const blob = encodeBlob(arena([]), testMeta());
    const header = verifyBlob(blob);
    expect(header).toMatchObject({ count: 0, overflowCount: 0, dirBits: 0, recordWidth: 8 });
    expect(header.meta.revoked).toBe(0);
    const index = RevocationIndex.fromBytes(blob);
    expect(index.count).toBe(0);
    expect(index.has(Uint8Array.of(1))).toBe(false);
  });

  it('writes the meta JSON with the fixed key order whatever order the caller used', () => {
    const meta = testMeta({ entries: 3 });
    const reordered = Object.fromEntries(Object.entries(meta).reverse()) as unknown as typeof meta;
    const a = encodeBlob(arena([[1], [2], [2]]), meta);
    const b = encodeBlob(arena([[2], [1], [2]]), reordered);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const header = readBlobHeader(a);
    const json = Buffer.from(a.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + header.metaLength)).toString('utf8');
    expect(Object.keys(JSON.parse(json))).toEqual([
      'issuer', 'issuerText', 'authorityKeyId', 'scope', 'thisUpdate', 'nextUpdate', 'crlNumber', 'crlSha256',
      'entries', 'revoked',
    ]);
    expect(header.meta).toEqual({ ...meta, revoked: 2 });
  });

  it('refuses keys that no lookup could match', () => {
    expect(codeOf(() => encodeBlob(arena([[]]), testMeta()))).toBe('internal');
    expect(codeOf(() => encodeBlob(arena([new Uint8Array(65).fill(1)]), testMeta()))).toBe('internal');
    expect(codeOf(() => encodeBlob(arena([[0x00, 0x01]]), testMeta()))).toBe('internal');
    expect(codeOf(() => encodeBlob(arena([[0xff, 0x80]]), testMeta()))).toBe('internal');
  });
});
