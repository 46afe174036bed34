/**
 * The bucket hash of format version 1 over a key's record prefix [len, octets...]: fnv1a32, then murmur3's fmix32
 * finaliser so that the top bits, which pick the bucket, depend on every octet. Must agree with assembly/index.ts.
 */
export function bucketHash(bytes: Uint8Array, start: number, end: number): number {
  let h = Math.imul(0x811c9dc5 ^ (end - start), 0x01000193);
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Directory bits for `count` records: b = max(0, floor(log2(count)) - 1), so buckets average 2 to 4 records. */
export function dirBitsFor(count: number): number {
  return count < 4 ? 0 : 30 - Math.clz32(count);
}
