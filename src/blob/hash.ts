/**
 * The bucket hash of format version 1 over a key's record prefix [len, octets...]: fnv1a32, then murmur3's fmix32
 * finaliser so that the top bits, which pick the bucket, depend on every octet. Must agree with assembly/index.ts.
 */
export function bucketHash(bytes: Uint8Array, start: number, end: number): number {
  let h = Math.imul(0x811c9dc5 ^ (end - start), 0x01000193);
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return fmix32(h);
}

/** Directory bits for `count` records: b = max(0, floor(log2(count)) - 1), so buckets average 2 to 4 records. */
export function dirBitsFor(count: number): number {
  return count < 4 ? 0 : 30 - Math.clz32(count);
}

// ---- format version 2 (must agree with assembly/index.ts laneA / laneB / filterPasses) ----

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const rotl32 = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** One word of murmur3_32's body. */
const murmurStep = (h: number, w: number): number =>
  (Math.imul(rotl32(h ^ Math.imul(rotl32(Math.imul(w, 0xcc9e2d51), 15), 0x1b873593), 13), 5) + 0xe6546b64) | 0;

/**
 * Lane A of version 2 from a key in an arena: murmur3_32's body (seed 0, no length: the record carries it) over
 * the (len + 4) / 4 little-endian words of the record [len][octets][zeros], then fmix32. The directory bucket is
 * its top bits and the filter's first position its high part, so it is computed once per key.
 */
export function recordHashA(bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  const words = (len + 4) >>> 2;
  let h = 0;
  for (let k = 0; k < words; k++) {
    // Word k holds record bytes 4k..4k+3; record byte 0 is len, byte i is octet i - 1.
    let w = 0;
    for (let j = 3; j >= 0; j--) {
      const r = 4 * k + j;
      w = (w << 8) | (r === 0 ? len : r <= len ? bytes[start + r - 1]! : 0);
    }
    h = murmurStep(h, w);
  }
  return fmix32(h);
}

/** Lane B of version 2 over a padded record's words (recs[at..], little-endian u32): xxh32's round, then fmix32. */
export function recordHashB(recs: Uint32Array, at: number): number {
  const words = ((recs[at]! & 0xff) + 4) >>> 2;
  let g = 0x9e3779b1;
  for (let k = 0; k < words; k++) g = Math.imul(rotl32((g + Math.imul(recs[at + k]!, 0x85ebca77)) | 0, 13), 0x9e3779b1);
  return fmix32(g);
}

/** floor(x * m / 2^32) for u32 x and m, exactly (x * m can exceed 2^53, so it is split at 16 bits). */
export function mulhi32(x: number, m: number): number {
  const low = Math.floor(((x & 0xffff) * m) / 65536);
  return Math.floor(((x >>> 16) * m + low) / 65536);
}
