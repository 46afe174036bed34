import { CrlAuthorizerError } from '../errors.js';
import type { SerialKeys } from '../crl/types.js';
import { MAX_SERIAL_OCTETS } from '../der/integer.js';
import { checksum } from '../lookup/kernel.js';
import {
  BLOB_VERSION,
  CHECKSUMMED_FROM,
  FIXED_HEADER_BYTES,
  MAGIC,
  MAX_RECORD_WIDTH,
  MIN_RECORD_WIDTH,
  align8,
  layout,
  type BlobMeta,
} from './header.js';
import { bucketHash, dirBitsFor } from './hash.js';

/**
 * Packs revoking serial keys into a version 1 blob (docs/internals.md "The blob"). Deterministic: the output
 * depends only on the set of keys and the meta, not on the order or repetition of the keys. `meta.revoked` is
 * ignored: the encoder writes the number of distinct keys.
 *
 * Keys are read once in arena order and scattered straight into padded records grouped by bucket; everything
 * after that walks memory in order, which is what keeps 10^7 keys fast (a sort by key index would pay a cache
 * miss per comparison). Memory: the output, the records once more, and two u32 per key.
 */
export function encodeBlob(keys: SerialKeys, meta: BlobMeta): Uint8Array {
  const n = keys.count;
  if (!Number.isInteger(n) || n < 0 || keys.offsets.length < n + 1) {
    throw new CrlAuthorizerError('internal', `serial keys: ${keys.offsets.length} offsets cannot hold ${n} keys`);
  }
  const hashes = new Uint32Array(n);
  const rawLengths = new Float64Array(MAX_SERIAL_OCTETS + 2); // by record length, len + 1
  hashKeys(keys, hashes, rawLengths);
  // The width is defined over distinct keys; it is computed here over all of them and checked after folding
  // (duplicates rarely move the 99% point; when they do, the folded keys are encoded afresh).
  const width = widthFor(rawLengths);
  const words = width / 4;
  const staged = stage(keys, hashes, rawLengths, width);
  const { recs, hashOf } = staged;
  const count = foldSlots(recs, hashOf, words, staged.ends);
  const long = foldLong(keys, staged.long);

  const recs8 = new Uint8Array(recs.buffer, 0, count * width);
  const distinctLengths = new Float64Array(MAX_SERIAL_OCTETS + 2);
  countRecordLengths(recs8, width, count, distinctLengths);
  let longest = 0;
  for (const key of long) {
    const len = keys.offsets[key + 1]! - keys.offsets[key]!;
    distinctLengths[len + 1]!++;
    if (len > longest) longest = len;
  }
  if (widthFor(distinctLengths) !== width) return encodeBlob(foldedKeys(recs8, width, count, keys, long), meta);

  // Fewer directory bits than the staging grouping only merges adjacent sorted runs: re-sort the merged ones.
  const dirBits = dirBitsFor(count);
  if (dirBits < staged.bits) sortMergedBuckets(recs, hashOf, words, count, dirBits);

  const overflowWidth = long.length === 0 ? 0 : Math.ceil((longest + 1) / 4) * 4;
  const metaBytes = new TextEncoder().encode(metaJson(meta, count + long.length));
  const headerLength = align8(FIXED_HEADER_BYTES + metaBytes.length);
  const sections = layout({ headerLength, recordWidth: width, count, dirBits, overflowWidth, overflowCount: long.length });
  const out = new Uint8Array(sections.totalLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, BLOB_VERSION, true);
  view.setUint32(12, headerLength, true);
  view.setBigUint64(24, BigInt(sections.totalLength), true);
  view.setUint32(32, width, true);
  view.setUint32(36, count, true);
  view.setUint32(40, dirBits, true);
  view.setUint32(44, overflowWidth, true);
  view.setUint32(48, long.length, true);
  view.setUint32(52, metaBytes.length, true);
  out.set(metaBytes, FIXED_HEADER_BYTES);
  writeDirectory(view, sections.dirOffset, hashOf, count, dirBits);
  out.set(recs8, sections.recordsOffset);
  for (let j = 0; j < long.length; j++) {
    const start = keys.offsets[long[j]!]!;
    const len = keys.offsets[long[j]! + 1]! - start;
    const base = sections.overflowOffset + j * overflowWidth;
    out[base] = len;
    out.set(keys.bytes.subarray(start, start + len), base + 1);
  }
  view.setBigUint64(16, checksum(out.subarray(CHECKSUMMED_FROM)), true);
  return out;
}

// Each loop below is its own small function: V8 optimises a hot loop on its own, where one long function with
// many loops is optimised on stack and thrown away again at each later loop it has no feedback for.

function hashKeys(keys: SerialKeys, hashes: Uint32Array, byRecordLength: Float64Array): void {
  const { bytes, offsets } = keys;
  for (let i = 0; i < hashes.length; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    checkKey(bytes, start, end, i);
    hashes[i] = bucketHash(bytes, start, end);
    byRecordLength[end - start + 1]!++;
  }
}

/** Folds equal records in place (equal keys hash alike, so they sit side by side in one group); returns the count. */
function foldSlots(recs: Uint32Array, hashOf: Uint32Array, words: number, ends: Uint32Array): number {
  let count = 0;
  let lo = 0;
  for (let k = 0; k < ends.length; k++) {
    const hi = ends[k]!;
    const first = count;
    for (let r = lo; r < hi; r++) {
      if (count > first && compareSlots(recs, words, count - 1, r) === 0) continue;
      if (count !== r) moveSlot(recs, hashOf, words, r, count);
      count++;
    }
    lo = hi;
  }
  return count;
}

function countRecordLengths(recs8: Uint8Array, width: number, count: number, byRecordLength: Float64Array): void {
  for (let j = 0; j < count; j++) byRecordLength[recs8[j * width]! + 1]!++;
}

function sortMergedBuckets(recs: Uint32Array, hashOf: Uint32Array, words: number, count: number, dirBits: number): void {
  const shift = 32 - dirBits;
  let a = 0;
  while (a < count) {
    const bucket = dirBits === 0 ? 0 : hashOf[a]! >>> shift;
    let b = a + 1;
    while (b < count && (dirBits === 0 ? 0 : hashOf[b]! >>> shift) === bucket) b++;
    if (b - a > 1) sortSlots(recs, hashOf, words, a, b);
    a = b;
  }
}

/** Counting the records per bucket and taking prefix sums gives the directory. */
function writeDirectory(view: DataView, at: number, hashOf: Uint32Array, count: number, dirBits: number): void {
  const dir = new Uint32Array(2 ** dirBits + 1);
  const shift = 32 - dirBits;
  if (dirBits === 0) dir[1] = count;
  else for (let j = 0; j < count; j++) dir[(hashOf[j]! >>> shift) + 1]!++;
  for (let k = 1; k < dir.length; k++) dir[k]! += dir[k - 1]!;
  for (let k = 0; k < dir.length; k++) view.setUint32(at + 4 * k, dir[k]!, true);
}

/** Keys are minimal two's complement INTEGER contents of 1..64 octets: anything else would never match a lookup. */
function checkKey(bytes: Uint8Array, start: number, end: number, i: number): void {
  const len = end - start;
  if (!(len >= 1 && len <= MAX_SERIAL_OCTETS) || end > bytes.length) {
    throw new CrlAuthorizerError('internal', `serial key ${i} has ${len} octets (1..${MAX_SERIAL_OCTETS} expected)`);
  }
  if (len > 1) {
    const b0 = bytes[start]!;
    const high = bytes[start + 1]! & 0x80;
    if ((b0 === 0x00 && high === 0) || (b0 === 0xff && high !== 0)) {
      throw new CrlAuthorizerError('internal', `serial key ${i} is not in minimal two's complement form`);
    }
  }
}

/** The smallest multiple of 4 (at least 8, at most 64) that holds 99% of the keys with their length octet. */
function widthFor(byRecordLength: Float64Array): number {
  let total = 0;
  for (const c of byRecordLength) total += c;
  let fit = 0;
  let recordLen = 0;
  for (let w = MIN_RECORD_WIDTH; w <= MAX_RECORD_WIDTH; w += 4) {
    for (; recordLen <= w && recordLen < byRecordLength.length; recordLen++) fit += byRecordLength[recordLen]!;
    if (fit * 100 >= total * 99) return w;
  }
  return MAX_RECORD_WIDTH;
}

interface Staged {
  /** Padded records as u32 words (width is a multiple of 4), grouped by bucket and sorted inside each. */
  recs: Uint32Array;
  /** The bucket hash of the record in each slot. */
  hashOf: Uint32Array;
  /** Directory bits of the grouping, and where each group ends. */
  bits: number;
  ends: Uint32Array;
  /** Indexes of the keys too long for a record. */
  long: Uint32Array;
}

/** Buckets above this size are sorted once at the end rather than by insertion (no quadratic case). */
const INSERTION_LIMIT = 32;
/** Partitions of about this many bytes stay in cache while the second pass scatters records inside them. */
const PARTITION_BYTES = 1 << 17;
/** More write streams than this in the first pass would thrash the TLB. */
const MAX_PARTITION_BITS = 8;

/**
 * Places the padded record of every key that fits a record into a slot grouped by the top bits of its hash,
 * sorted inside each group. The grouping uses the directory bits of all these keys, at least as many as the
 * folded set will have, so each final bucket is a run of whole groups.
 *
 * Two passes keep every write local: the first appends records to at most 256 partitions (by the top bits of the
 * hash), the second counts and scatters each cache-sized partition into its groups, inserting in order.
 */
function stage(keys: SerialKeys, hashes: Uint32Array, byRecordLength: Float64Array, width: number): Staged {
  const n = keys.count;
  let fitting = 0;
  for (let r = 0; r <= width; r++) fitting += byRecordLength[r]!;
  const bits = dirBitsFor(fitting);
  const wanted = Math.ceil(Math.log2(Math.max(1, (fitting * width) / PARTITION_BYTES)));
  const pbits = Math.min(bits, MAX_PARTITION_BITS, wanted);

  const partStart = new Uint32Array(2 ** pbits + 1);
  countPartitions(keys, hashes, width, pbits, partStart);
  const parted8 = new Uint8Array(fitting * width);
  const partedHash = new Uint32Array(fitting);
  const long = new Uint32Array(n - fitting);
  partition(keys, hashes, width, pbits, partStart.slice(0, -1), parted8, partedHash, long);

  const words = width / 4;
  const parted = new Uint32Array(parted8.buffer);
  const recs = new Uint32Array(fitting * words);
  const hashOf = new Uint32Array(fitting);
  // starts[g] is where group g begins, placed[g] how many records it holds so far. A partition's groups are a
  // contiguous range, counted and filled while the partition is in cache.
  const starts = new Uint32Array(2 ** bits + 1);
  const placed = new Uint32Array(2 ** bits);
  const groupsPerPart = 2 ** (bits - pbits);
  for (let q = 0; q + 1 < partStart.length; q++) {
    const pa = partStart[q]!;
    const pb = partStart[q + 1]!;
    countGroups(partedHash, pa, pb, bits, q * groupsPerPart, groupsPerPart, starts);
    placeGroups(parted, partedHash, pa, pb, bits, words, starts, placed, recs, hashOf);
  }
  sortCrowdedGroups(recs, hashOf, words, starts, placed);
  return { recs, hashOf, bits, ends: starts.subarray(1), long };
}

function countPartitions(keys: SerialKeys, hashes: Uint32Array, width: number, pbits: number, partStart: Uint32Array): void {
  const offsets = keys.offsets;
  const pshift = 32 - pbits;
  for (let i = 0; i < hashes.length; i++) {
    if (offsets[i + 1]! - offsets[i]! + 1 <= width) partStart[(pbits === 0 ? 0 : hashes[i]! >>> pshift) + 1]!++;
  }
  for (let q = 1; q < partStart.length; q++) partStart[q]! += partStart[q - 1]!;
}

/** Appends each key's padded record to its partition, and collects the keys too long for a record. */
function partition(
  keys: SerialKeys,
  hashes: Uint32Array,
  width: number,
  pbits: number,
  cursor: Uint32Array,
  parted8: Uint8Array,
  partedHash: Uint32Array,
  long: Uint32Array,
): void {
  const { bytes, offsets } = keys;
  const pshift = 32 - pbits;
  let l = 0;
  for (let i = 0; i < hashes.length; i++) {
    const start = offsets[i]!;
    const len = offsets[i + 1]! - start;
    if (len + 1 > width) {
      long[l++] = i;
      continue;
    }
    const h = hashes[i]!;
    const slot = cursor[pbits === 0 ? 0 : h >>> pshift]!++;
    partedHash[slot] = h;
    const base = slot * width;
    parted8[base] = len;
    for (let j = 0; j < len; j++) parted8[base + 1 + j] = bytes[start + j]!;
  }
}

/** Counts the records of partition [pa, pb) per group, then turns groups [g0, g0 + groups) into starts from pa. */
function countGroups(
  hashes: Uint32Array,
  pa: number,
  pb: number,
  bits: number,
  g0: number,
  groups: number,
  starts: Uint32Array,
): void {
  const shift = 32 - bits;
  for (let r = pa; r < pb; r++) starts[(bits === 0 ? 0 : hashes[r]! >>> shift) + 1]!++;
  starts[g0] = pa;
  for (let g = g0 + 1; g <= g0 + groups; g++) starts[g]! += starts[g - 1]!;
}

/** Inserts the record at src[from] into the sorted run [lo, pos) of recs, which has room at pos. Past the
 * insertion limit it only appends: crowded groups are sorted once at the end. */
function insert(
  recs: Uint32Array,
  hashOf: Uint32Array,
  words: number,
  lo: number,
  pos: number,
  src: Uint32Array,
  from: number,
  h: number,
): void {
  if (pos - lo < INSERTION_LIMIT) {
    while (pos > lo && compareWords(recs, (pos - 1) * words, src, from, words) > 0) {
      for (let k = 0; k < words; k++) recs[pos * words + k] = recs[(pos - 1) * words + k]!;
      hashOf[pos] = hashOf[pos - 1]!;
      pos--;
    }
  }
  for (let k = 0; k < words; k++) recs[pos * words + k] = src[from + k]!;
  hashOf[pos] = h;
}

/** Moves one partition's records into their groups, inserting each in order among those already placed. */
function placeGroups(
  parted: Uint32Array,
  partedHash: Uint32Array,
  pa: number,
  pb: number,
  bits: number,
  words: number,
  starts: Uint32Array,
  placed: Uint32Array,
  recs: Uint32Array,
  hashOf: Uint32Array,
): void {
  const shift = 32 - bits;
  for (let r = pa; r < pb; r++) {
    const h = partedHash[r]!;
    const g = bits === 0 ? 0 : h >>> shift;
    insert(recs, hashOf, words, starts[g]!, starts[g]! + placed[g]!++, parted, r * words, h);
  }
}

function sortCrowdedGroups(
  recs: Uint32Array,
  hashOf: Uint32Array,
  words: number,
  starts: Uint32Array,
  placed: Uint32Array,
): void {
  for (let g = 0; g < placed.length; g++) {
    if (placed[g]! > INSERTION_LIMIT) sortSlots(recs, hashOf, words, starts[g]!, starts[g + 1]!);
  }
}

const bswap32 = (x: number): number =>
  ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

/** memcmp of two records: a little-endian word byte-swapped compares as its four bytes do. */
function compareWords(a: Uint32Array, pa: number, b: Uint32Array, pb: number, words: number): number {
  for (let k = 0; k < words; k++) {
    const x = a[pa + k]!;
    const y = b[pb + k]!;
    if (x !== y) return bswap32(x) < bswap32(y) ? -1 : 1;
  }
  return 0;
}

function compareSlots(recs: Uint32Array, words: number, a: number, b: number): number {
  return compareWords(recs, a * words, recs, b * words, words);
}

function moveSlot(recs: Uint32Array, hashOf: Uint32Array, words: number, from: number, to: number): void {
  for (let k = 0; k < words; k++) recs[to * words + k] = recs[from * words + k]!;
  hashOf[to] = hashOf[from]!;
}

/** One record's words, reused by every insertion (an allocation per bucket would cost more than the sort). */
const slotScratch = new Uint32Array(MAX_RECORD_WIDTH / 4);

/** Sorts slots [lo, hi) by record: insertion sort for the usual few, an index sort for a crowded bucket. */
function sortSlots(recs: Uint32Array, hashOf: Uint32Array, words: number, lo: number, hi: number): void {
  if (hi - lo > INSERTION_LIMIT) {
    const idx = new Uint32Array(hi - lo);
    for (let i = 0; i < idx.length; i++) idx[i] = lo + i;
    idx.sort((a, b) => compareSlots(recs, words, a, b));
    const tmpRecs = new Uint32Array(idx.length * words);
    const tmpHash = new Uint32Array(idx.length);
    for (let i = 0; i < idx.length; i++) {
      tmpRecs.set(recs.subarray(idx[i]! * words, idx[i]! * words + words), i * words);
      tmpHash[i] = hashOf[idx[i]!]!;
    }
    recs.set(tmpRecs, lo * words);
    hashOf.set(tmpHash, lo);
    return;
  }
  const tmp = slotScratch;
  for (let i = lo + 1; i < hi; i++) {
    if (compareSlots(recs, words, i - 1, i) <= 0) continue;
    for (let k = 0; k < words; k++) tmp[k] = recs[i * words + k]!;
    const h = hashOf[i]!;
    let j = i - 1;
    while (j >= lo && compareWords(recs, j * words, tmp, 0, words) > 0) {
      for (let k = 0; k < words; k++) recs[(j + 1) * words + k] = recs[j * words + k]!;
      hashOf[j + 1] = hashOf[j]!;
      j--;
    }
    for (let k = 0; k < words; k++) recs[(j + 1) * words + k] = tmp[k]!;
    hashOf[j + 1] = h;
  }
}

/** Record order on arena keys: a record is [len][octets][zeros], so memcmp order is by length, then octets. */
function compareKeys(bytes: Uint8Array, offsets: Uint32Array, a: number, b: number): number {
  const sa = offsets[a]!;
  const sb = offsets[b]!;
  const la = offsets[a + 1]! - sa;
  const lb = offsets[b + 1]! - sb;
  if (la !== lb) return la - lb;
  for (let i = 0; i < la; i++) {
    const d = bytes[sa + i]! - bytes[sb + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The long keys sorted in record order, duplicates folded. */
function foldLong(keys: SerialKeys, long: Uint32Array): Uint32Array {
  const sorted = long.slice().sort((a, b) => compareKeys(keys.bytes, keys.offsets, a, b));
  let m = 0;
  for (let j = 0; j < sorted.length; j++) {
    if (m > 0 && compareKeys(keys.bytes, keys.offsets, sorted[m - 1]!, sorted[j]!) === 0) continue;
    sorted[m++] = sorted[j]!;
  }
  return sorted.subarray(0, m);
}

/** The distinct keys as a fresh arena, for the rare set whose duplicates moved the width. */
function foldedKeys(recs8: Uint8Array, width: number, count: number, keys: SerialKeys, long: Uint32Array): SerialKeys {
  const total = count + long.length;
  const offsets = new Uint32Array(total + 1);
  let size = 0;
  for (let j = 0; j < count; j++) size += recs8[j * width]!;
  for (const key of long) size += keys.offsets[key + 1]! - keys.offsets[key]!;
  const bytes = new Uint8Array(size);
  let p = 0;
  for (let j = 0; j < count; j++) {
    const len = recs8[j * width]!;
    bytes.set(recs8.subarray(j * width + 1, j * width + 1 + len), p);
    p += len;
    offsets[j + 1] = p;
  }
  for (let j = 0; j < long.length; j++) {
    const key = long[j]!;
    bytes.set(keys.bytes.subarray(keys.offsets[key]!, keys.offsets[key + 1]!), p);
    p += keys.offsets[key + 1]! - keys.offsets[key]!;
    offsets[count + j + 1] = p;
  }
  return { count: total, bytes, offsets };
}

/** The meta JSON with its keys in the fixed order of the format, built afresh so no caller's key order leaks in. */
function metaJson(meta: BlobMeta, revoked: number): string {
  const ordered: BlobMeta = {
    issuer: meta.issuer,
    issuerText: meta.issuerText,
    authorityKeyId: meta.authorityKeyId,
    scope: {
      onlyUserCerts: meta.scope.onlyUserCerts,
      onlyCaCerts: meta.scope.onlyCaCerts,
      onlyAttributeCerts: meta.scope.onlyAttributeCerts,
      distributionPoints: [...meta.scope.distributionPoints],
    },
    thisUpdate: meta.thisUpdate,
    nextUpdate: meta.nextUpdate,
    crlNumber: meta.crlNumber,
    crlSha256: meta.crlSha256,
    entries: meta.entries,
    revoked,
  };
  if (meta.baseCrlNumber !== undefined) ordered.baseCrlNumber = meta.baseCrlNumber;
  if (meta.deltaCrlNumber !== undefined) ordered.deltaCrlNumber = meta.deltaCrlNumber;
  if (meta.deltaCrlSha256 !== undefined) ordered.deltaCrlSha256 = meta.deltaCrlSha256;
  return JSON.stringify(ordered);
}
