import { bucketHash, recordHashA } from '../../src/blob/hash.js';
import { readBlobHeader } from '../../src/blob/header.js';

/**
 * The same search as the WASM module (bucket directory, then a binary search inside the bucket), written as
 * plain, allocation-free JavaScript over the blob bytes. It answers "what does WebAssembly buy over JS on the
 * same layout?". (src/lookup/reference.ts is the readable reference for tests and allocates per call.)
 */
export function jsBlobSearcher(blob: Uint8Array): (key: Uint8Array) => boolean {
  const h = readBlobHeader(blob);
  const dir = new DataView(blob.buffer, blob.byteOffset + h.dirOffset, 4 * (2 ** h.dirBits + 1));
  const shift = 32 - h.dirBits;
  const { recordsOffset, recordWidth, overflowOffset, overflowWidth, overflowCount, dirBits } = h;
  // Version 2 buckets by lane A of its record hash; version 1 by fnv1a + fmix32. The filter is not probed here:
  // this is the directory search alone, for comparison with the WASM kernel's.
  const hash = h.version >= 2 ? recordHashA : bucketHash;
  return (key) => {
    const len = key.length;
    if (len === 0 || len > 64) return false;
    if (len + 1 > recordWidth) {
      return len + 1 <= overflowWidth && search(blob, overflowOffset, overflowWidth, 0, overflowCount, key);
    }
    const bucket = dirBits === 0 ? 0 : hash(key, 0, len) >>> shift;
    return search(blob, recordsOffset, recordWidth, dir.getUint32(4 * bucket, true), dir.getUint32(4 * bucket + 4, true), key);
  };
}

/** Binary search of records [len][key][zeros]; equal lengths mean equal padding, so comparing stops at the key. */
function search(blob: Uint8Array, base: number, width: number, lo: number, hi: number, key: Uint8Array): boolean {
  const len = key.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = base + mid * width;
    let c = len - blob[p]!;
    for (let i = 0; c === 0 && i < len; i++) c = key[i]! - blob[p + 1 + i]!;
    if (c === 0) return true;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return false;
}
