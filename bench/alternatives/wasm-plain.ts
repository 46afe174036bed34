import { readBlobHeader } from '../../src/blob/header.js';
import { instantiate, reserve, type KernelExports } from '../../src/lookup/kernel.js';

/**
 * The design the blob's directory replaced: one plain binary search over all records in memcmp order, with the
 * same WASM record compare (the module's hasPlain). Built from a blob by re-sorting its records (the approach of
 * bench/lookup-micro.ts), so both rows search exactly the same keys.
 */
export class PlainIndex {
  private readonly k: KernelExports;
  private readonly base: number;
  private readonly overflowBase: number;
  private readonly keyPtr: number;
  private readonly keyArea: Uint8Array;
  private readonly width: number;
  private readonly count: number;
  private readonly overflowWidth: number;
  private readonly overflowCount: number;

  constructor(blob: Uint8Array) {
    const h = readBlobHeader(blob);
    const records = plainRecords(blob.subarray(h.recordsOffset, h.recordsOffset + h.recordWidth * h.count), h.recordWidth);
    // The overflow section is already in plain order.
    const overflow = blob.subarray(h.overflowOffset, h.overflowOffset + h.overflowWidth * h.overflowCount);
    this.k = instantiate();
    this.base = reserve(this.k, records.length + overflow.length);
    this.overflowBase = this.base + records.length;
    const mem = new Uint8Array(this.k.memory.buffer);
    mem.set(records, this.base);
    mem.set(overflow, this.overflowBase);
    this.keyPtr = this.k.scratch() >>> 0;
    this.keyArea = new Uint8Array(this.k.memory.buffer, this.keyPtr, 64);
    this.width = h.recordWidth;
    this.count = h.count;
    this.overflowWidth = h.overflowWidth;
    this.overflowCount = h.overflowCount;
  }

  has(key: Uint8Array): boolean {
    const len = key.length;
    if (len === 0 || len > 64) return false;
    this.keyArea.set(key);
    if (len + 1 <= this.width) return this.k.hasPlain(this.base, this.width, this.count, this.keyPtr, len) !== 0;
    if (len + 1 > this.overflowWidth) return false;
    return this.k.hasPlain(this.overflowBase, this.overflowWidth, this.overflowCount, this.keyPtr, len) !== 0;
  }
}

/** Records of width w re-sorted in memcmp order: an LSD radix sort on 16-bit digits (w is a multiple of 4). */
export function plainRecords(src: Uint8Array, w: number): Uint8Array {
  const n = src.length / w;
  let order = new Uint32Array(n);
  let tmp = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(65537);
  for (let d = w - 2; d >= 0; d -= 2) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((src[i * w + d]! << 8) | src[i * w + d + 1]!) + 1]!++;
    // A digit every record shares (the zero padding of short keys) cannot reorder anything.
    if (counts.some((c) => c === n)) continue;
    for (let k = 1; k < counts.length; k++) counts[k]! += counts[k - 1]!;
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      tmp[counts[(src[i * w + d]! << 8) | src[i * w + d + 1]!]!++] = i;
    }
    [order, tmp] = [tmp, order];
  }
  const records = new Uint8Array(w * n);
  for (let j = 0; j < n; j++) records.set(src.subarray(order[j]! * w, order[j]! * w + w), j * w);
  return records;
}
