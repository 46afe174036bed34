import { readBlobHeader } from '../blob/header.js';

/**
 * A plain JavaScript search of a version 1 blob, written apart from the WASM module and the encoder so that
 * differential tests compare two implementations of the format. Parses the header once per searcher.
 */
export function referenceSearcher(blob: Uint8Array): (serialKey: Uint8Array) => boolean {
  const h = readBlobHeader(blob);
  return (key) => {
    const len = key.length;
    if (len < 1 || len > 64) return false;
    const record = [len, ...key];
    if (len + 1 > h.recordWidth) {
      if (len + 1 > h.overflowWidth) return false;
      return search(blob, h.overflowOffset, h.overflowWidth, 0, h.overflowCount, pad(record, h.overflowWidth));
    }
    let hash = 0x811c9dc5;
    for (const octet of record) hash = Math.imul(hash ^ octet, 0x01000193) >>> 0;
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b) >>> 0;
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35) >>> 0;
    hash = (hash ^ (hash >>> 16)) >>> 0;
    const bucket = h.dirBits === 0 ? 0 : Math.floor(hash / 2 ** (32 - h.dirBits));
    const entry = (k: number): number => {
      const p = h.dirOffset + 4 * k;
      return blob[p]! + blob[p + 1]! * 2 ** 8 + blob[p + 2]! * 2 ** 16 + blob[p + 3]! * 2 ** 24;
    };
    return search(blob, h.recordsOffset, h.recordWidth, entry(bucket), entry(bucket + 1), pad(record, h.recordWidth));
  };
}

/** One lookup in a blob: parses the header every time; use referenceSearcher for many. */
export function referenceHas(blob: Uint8Array, serialKey: Uint8Array): boolean {
  return referenceSearcher(blob)(serialKey);
}

function pad(record: number[], width: number): number[] {
  while (record.length < width) record.push(0);
  return record;
}

function search(blob: Uint8Array, base: number, width: number, lo: number, hi: number, record: number[]): boolean {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let c = 0;
    for (let i = 0; i < width && c === 0; i++) c = record[i]! - blob[base + mid * width + i]!;
    if (c === 0) return true;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return false;
}
