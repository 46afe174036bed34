import { readBlobHeader, type BlobFilter } from '../blob/header.js';

/**
 * A plain JavaScript search of a version 1 or 2 blob, written apart from the WASM module and the encoder so that
 * differential tests compare two implementations of the format. Parses the header once per searcher. For version
 * 2 it probes the filter first, as the module does, so a filter that dropped a key shows up as a disagreement
 * with a Set, not only with the module.
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
    let hash: number;
    if (h.filter) {
      const [a, b] = lanes(record);
      if (!filterPasses(blob, h.filterOffset!, h.filter, a, b)) return false;
      hash = a;
    } else {
      hash = 0x811c9dc5;
      for (const octet of record) hash = Math.imul(hash ^ octet, 0x01000193) >>> 0;
      hash = fmix(hash);
    }
    const bucket = h.dirBits === 0 ? 0 : Math.floor(hash / 2 ** (32 - h.dirBits));
    const entry = (k: number): number => {
      const p = h.dirOffset + 4 * k;
      return blob[p]! + blob[p + 1]! * 2 ** 8 + blob[p + 2]! * 2 ** 16 + blob[p + 3]! * 2 ** 24;
    };
    return search(blob, h.recordsOffset, h.recordWidth, entry(bucket), entry(bucket + 1), pad(record, h.recordWidth));
  };
}

/** Whether a version 2 blob's filter lets the key through (true for version 1 and overflow-length keys). */
export function referenceFilter(blob: Uint8Array): (serialKey: Uint8Array) => boolean {
  const h = readBlobHeader(blob);
  return (key) => {
    if (!h.filter || key.length < 1 || key.length > 64 || key.length + 1 > h.recordWidth) return true;
    const [a, b] = lanes([key.length, ...key]);
    return filterPasses(blob, h.filterOffset!, h.filter, a, b);
  };
}

const fmix = (v: number): number => {
  v = Math.imul(v ^ (v >>> 16), 0x85ebca6b) >>> 0;
  v = Math.imul(v ^ (v >>> 13), 0xc2b2ae35) >>> 0;
  return (v ^ (v >>> 16)) >>> 0;
};
const rotl = (v: number, r: number): number => ((v << r) | (v >>> (32 - r))) >>> 0;

/** Lanes A and B of version 2 over the record's words ([len, key...] zero-padded to a multiple of 4 bytes). */
function lanes(record: number[]): [number, number] {
  let a = 0;
  let b = 0x9e3779b1;
  for (let i = 0; i < record.length; i += 4) {
    const w = ((record[i] ?? 0) + (record[i + 1] ?? 0) * 2 ** 8 + (record[i + 2] ?? 0) * 2 ** 16 + (record[i + 3] ?? 0) * 2 ** 24) >>> 0;
    const k = Math.imul(rotl(Math.imul(w, 0xcc9e2d51) >>> 0, 15), 0x1b873593) >>> 0;
    a = (Math.imul(rotl((a ^ k) >>> 0, 13), 5) + 0xe6546b64) >>> 0;
    b = Math.imul(rotl((b + Math.imul(w, 0x85ebca77)) >>> 0, 13), 0x9e3779b1) >>> 0;
  }
  return [fmix(a), fmix(b)];
}

/** The binary fuse 8 probe, with BigInt for the 32x32 multiply so it shares no arithmetic trick with the encoder. */
function filterPasses(blob: Uint8Array, at: number, f: BlobFilter, x: number, b: number): boolean {
  const y = fmix((b ^ f.seed) >>> 0);
  const mask = f.segmentLength - 1;
  const h0 = Number((BigInt(x) * BigInt(f.segmentCount * f.segmentLength)) >> 32n);
  const h1 = ((h0 + f.segmentLength) ^ ((Math.floor(y / 2 ** 18) + (x % 2 ** 18) * 2 ** 14) & mask)) >>> 0;
  const h2 = ((h0 + 2 * f.segmentLength) ^ (y & mask)) >>> 0;
  return (blob[at + h0]! ^ blob[at + h1]! ^ blob[at + h2]!) === ((x ^ y) & 0xff);
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
