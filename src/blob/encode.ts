import { CrlAuthorizerError } from '../errors.js';
import type { SerialKeys } from '../crl/types.js';
import { MAX_SERIAL_OCTETS } from '../der/integer.js';
import { checksum } from '../wasm/kernel.js';
import {
  BLOB_VERSION,
  CHECKSUMMED_FROM,
  MAGIC,
  MAX_RECORD_WIDTH,
  MIN_RECORD_WIDTH,
  align8,
  fixedHeaderBytes,
  layout,
  writeField,
  type BlobMeta,
  type Sections,
} from './header.js';
import { FINGERPRINT_BITS, FP_SAMPLE, buildFilterFrom, buildFilterIn, filterWorkspace, fitsWorkspace, fuseParams, type FilterWorkspace } from './filter.js';
import { bucketHash, dirBitsFor, recordHashA } from './hash.js';

export interface EncodeOptions {
  /** The format version to write: 2 (the default, with the filter) or 1 (for the bench's comparison and tests). */
  version?: 1 | 2;
}

/**
 * Packs revoking serial keys into a blob (docs/internals.md "The blob"), version 2 unless asked for 1.
 * Deterministic: the output depends only on the set of keys and the meta, not on the order or repetition of the
 * keys. `meta.revoked` is ignored: the encoder writes the number of distinct keys.
 *
 * Keys are read once in arena order and scattered straight into padded records grouped by bucket; everything
 * after that walks memory in order, which is what keeps 10^7 keys fast (a sort by key index would pay a cache
 * miss per comparison). Memory beside the keys: the output (the records are staged in place, in its record
 * section), two u32 per key, and the filter's construction (about 23 bytes per key, freed before returning).
 */
export function encodeBlob(keys: SerialKeys, meta: BlobMeta, opts: EncodeOptions = {}): Uint8Array {
  const version = opts.version ?? BLOB_VERSION;
  const n = keys.count;
  if (!Number.isInteger(n) || n < 0 || keys.offsets.length < n + 1) {
    throw new CrlAuthorizerError('internal', `serial keys: ${keys.offsets.length} offsets cannot hold ${n} keys`);
  }
  const rawLengths = new Float64Array(MAX_SERIAL_OCTETS + 2); // by record length, len + 1
  let rawLongest = countLengths(keys, rawLengths);
  // The width is defined over distinct keys; it is computed here over all of them and checked after folding
  // (duplicates rarely move the 99% point; when they do, the folded keys are encoded afresh).
  const width = widthFor(rawLengths);
  const words = width / 4;
  let fitting = 0;
  for (let r = 0; r <= width; r++) fitting += rawLengths[r]!;
  if (rawLongest + 1 <= width) rawLongest = 0;

  // The layout if no key repeats (the usual case): the records are staged in the output's record section.
  let plan = planLayout(version, meta, { width, count: fitting, longCount: n - fitting, longest: rawLongest });
  let out = new Uint8Array(plan.sections.totalLength);
  let recs = new Uint32Array(out.buffer, plan.sections.recordsOffset, fitting * words);
  // Version 2: the filter's workspace holds the per-key hashes and the records' bucket hashes from the start.
  const ws = version >= 2 ? filterWorkspace(fitting, n) : undefined;
  const staged = stage(keys, hashKeys(keys, version, ws?.hashes), width, fitting, recs, ws?.xs);
  const { hashOf } = staged;
  const count = foldSlots(recs, hashOf, words, staged.ends);
  const long = foldLong(keys, staged.long);

  let recs8 = new Uint8Array(recs.buffer, recs.byteOffset, count * width);
  const distinctLengths = new Float64Array(MAX_SERIAL_OCTETS + 2);
  countRecordLengths(recs8, width, count, distinctLengths);
  let longest = 0;
  for (const key of long) {
    const len = keys.offsets[key + 1]! - keys.offsets[key]!;
    distinctLengths[len + 1]!++;
    if (len > longest) longest = len;
  }
  if (widthFor(distinctLengths) !== width) {
    return encodeBlob(foldedKeys(recs8, width, count, keys, long), meta, opts);
  }

  // Fewer directory bits than the staging grouping only merges adjacent sorted runs: re-sort the merged ones.
  const dirBits = dirBitsFor(count);
  if (dirBits < staged.bits) sortMergedBuckets(recs, hashOf, words, count, dirBits);

  const final = planLayout(version, meta, { width, count, longCount: long.length, longest });
  if (count !== fitting || long.length !== n - fitting) {
    // Repeated keys made the blob smaller: move the records into an output of the exact size (rare).
    const moved = new Uint8Array(final.sections.totalLength);
    moved.set(recs8, final.sections.recordsOffset);
    out = moved;
    recs = new Uint32Array(out.buffer, final.sections.recordsOffset, count * words);
    recs8 = new Uint8Array(out.buffer, final.sections.recordsOffset, count * width);
  }
  plan = final;
  const { sections } = plan;
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  writeField(view, 'version', version);
  writeField(view, 'headerLength', plan.headerLength);
  writeField(view, 'totalLength', sections.totalLength);
  writeField(view, 'recordWidth', width);
  writeField(view, 'count', count);
  writeField(view, 'dirBits', dirBits);
  writeField(view, 'overflowWidth', plan.overflowWidth);
  writeField(view, 'overflowCount', long.length);
  writeField(view, 'metaLength', plan.metaBytes.length);
  out.set(plan.metaBytes, fixedHeaderBytes(version));
  writeDirectory(view, sections.dirOffset, hashOf, count, dirBits);
  for (let j = 0; j < long.length; j++) {
    const start = keys.offsets[long[j]!]!;
    const len = keys.offsets[long[j]! + 1]! - start;
    const base = sections.overflowOffset + j * plan.overflowWidth;
    out[base] = len;
    out.set(keys.bytes.subarray(start, start + len), base + 1);
  }
  if (version >= 2) writeFilter(view, out, sections.filterOffset, plan.filterLength, recs, words, hashOf, count, ws!);
  writeField(view, 'checksum', checksum(out.subarray(CHECKSUMMED_FROM)));
  return out;
}

interface Plan {
  headerLength: number;
  metaBytes: Uint8Array;
  overflowWidth: number;
  filterLength: number;
  sections: Sections;
}

function planLayout(
  version: number,
  meta: BlobMeta,
  f: { width: number; count: number; longCount: number; longest: number },
): Plan {
  const overflowWidth = f.longCount === 0 ? 0 : Math.ceil((f.longest + 1) / 4) * 4;
  const metaBytes = new TextEncoder().encode(metaJson(meta, f.count + f.longCount));
  const headerLength = align8(fixedHeaderBytes(version) + metaBytes.length);
  const filterLength = version >= 2 ? fuseParams(f.count).arrayLength : 0;
  const sections = layout({
    headerLength,
    recordWidth: f.width,
    count: f.count,
    dirBits: dirBitsFor(f.count),
    overflowWidth,
    overflowCount: f.longCount,
    filterLength,
  });
  return { headerLength, metaBytes, overflowWidth, filterLength, sections };
}

/** The binary fuse filter over the records, and its fields in the header: lane A is the bucket hash already
 * held, lane B is read off the padded records. Overflow keys are not in the filter: their lookups skip it. */
function writeFilter(
  view: DataView,
  out: Uint8Array,
  at: number,
  length: number,
  recs: Uint32Array,
  words: number,
  hashOf: Uint32Array,
  count: number,
  ws: FilterWorkspace,
): void {
  const records = { records: new Uint8Array(recs.buffer, recs.byteOffset, count * words * 4), width: words * 4 };
  const fingerprints = out.subarray(at, at + length);
  // Repeated keys leave fewer records than the workspace was made for, which it holds all the same.
  const built = fitsWorkspace(ws, count) ? buildFilterIn(ws, count, records, fingerprints) : buildFilterFrom(hashOf.subarray(0, count), records, fingerprints);
  writeField(view, 'filterSeed', built.seed);
  writeField(view, 'filterSegmentLength', built.params.segmentLength);
  writeField(view, 'filterSegmentCount', built.params.segmentCount);
  writeField(view, 'filterFingerprintBits', FINGERPRINT_BITS);
  writeField(view, 'filterSampleSize', FP_SAMPLE);
  writeField(view, 'filterSampleHits', built.sampleHits);
}

// Each loop below is its own small function: V8 optimises a hot loop on its own, where one long function with
// many loops is optimised on stack and thrown away again at each later loop it has no feedback for.

/** Checks every key; counts keys by record length (len + 1) and returns the longest key's length. */
function countLengths(keys: SerialKeys, byRecordLength: Float64Array): number {
  const { bytes, offsets } = keys;
  let longest = 0;
  for (let i = 0; i < keys.count; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    checkKey(bytes, start, end, i);
    byRecordLength[end - start + 1]!++;
    if (end - start > longest) longest = end - start;
  }
  return longest;
}

/** The bucket hash of every key: fnv1a + fmix32 for version 1, record lane A for version 2. */
function hashKeys(keys: SerialKeys, version: number, into?: Uint32Array): Uint32Array {
  const { bytes, offsets } = keys;
  const hashes = into ?? new Uint32Array(keys.count);
  if (version === 1) for (let i = 0; i < hashes.length; i++) hashes[i] = bucketHash(bytes, offsets[i]!, offsets[i + 1]!);
  else for (let i = 0; i < hashes.length; i++) hashes[i] = recordHashA(bytes, offsets[i]!, offsets[i + 1]!);
  return hashes;
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
  /** The bucket hash of the record in each slot (the records themselves are in the caller's `recs`). */
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
 * Places the padded record of each of the `fitting` keys that fit a record into a slot of `recs` grouped by the
 * top bits of its hash, sorted inside each group. The grouping uses the directory bits of all these keys, at
 * least as many as the folded set will have, so each final bucket is a run of whole groups.
 *
 * Two passes keep every write local: the first appends records to at most 256 partitions (by the top bits of the
 * hash), the second counts and scatters each cache-sized partition into its groups, inserting in order. A
 * partition's groups occupy exactly the partition's own slots, so the first pass writes into `recs` itself and
 * the second copies one partition at a time out to a small scratch buffer: no second copy of the records.
 */
function stage(keys: SerialKeys, hashes: Uint32Array, width: number, fitting: number, recs: Uint32Array, hashOfInto?: Uint32Array): Staged {
  const n = keys.count;
  const bits = dirBitsFor(fitting);
  const wanted = Math.ceil(Math.log2(Math.max(1, (fitting * width) / PARTITION_BYTES)));
  const pbits = Math.min(bits, MAX_PARTITION_BITS, wanted);

  const partStart = new Uint32Array(2 ** pbits + 1);
  countPartitions(keys, hashes, width, pbits, partStart);
  const hashOf = hashOfInto ?? new Uint32Array(fitting);
  const long = new Uint32Array(n - fitting);
  const recs8 = new Uint8Array(recs.buffer, recs.byteOffset, fitting * width);
  partition(keys, hashes, width, pbits, partStart.slice(0, -1), recs8, hashOf, long);

  const words = width / 4;
  let largest = 0;
  for (let q = 0; q + 1 < partStart.length; q++) largest = Math.max(largest, partStart[q + 1]! - partStart[q]!);
  const scratch = new Uint32Array(largest * words);
  const scratchHash = new Uint32Array(largest);
  // starts[g] is where group g begins, placed[g - g0] how many records it holds so far. A partition's groups
  // are a contiguous range from g0, counted, filled and (when crowded) sorted while the partition is in cache.
  const starts = new Uint32Array(2 ** bits + 1);
  const groupsPerPart = 2 ** (bits - pbits);
  const placed = new Uint32Array(groupsPerPart);
  for (let q = 0; q + 1 < partStart.length; q++) {
    const pa = partStart[q]!;
    const pb = partStart[q + 1]!;
    scratch.set(recs.subarray(pa * words, pb * words));
    scratchHash.set(hashOf.subarray(pa, pb));
    const g0 = q * groupsPerPart;
    countGroups(scratchHash, pb - pa, bits, pa, g0, groupsPerPart, starts);
    placed.fill(0);
    placeGroups(scratch, scratchHash, pb - pa, bits, words, starts, g0, placed, recs, hashOf);
    sortCrowdedGroups(recs, hashOf, words, starts, g0, placed);
  }
  return { hashOf, bits, ends: starts.subarray(1), long };
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

/** Counts the m records of one partition (hashes[0..m)) per group, then turns groups [g0, g0 + groups) into
 * starts from the partition's first slot pa. */
function countGroups(
  hashes: Uint32Array,
  m: number,
  bits: number,
  pa: number,
  g0: number,
  groups: number,
  starts: Uint32Array,
): void {
  const shift = 32 - bits;
  for (let r = 0; r < m; r++) starts[(bits === 0 ? 0 : hashes[r]! >>> shift) + 1]!++;
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

/** Moves one partition's m records (copied out to parted) into their groups, inserting each in order among
 * those already placed. */
function placeGroups(
  parted: Uint32Array,
  partedHash: Uint32Array,
  m: number,
  bits: number,
  words: number,
  starts: Uint32Array,
  g0: number,
  placed: Uint32Array,
  recs: Uint32Array,
  hashOf: Uint32Array,
): void {
  const shift = 32 - bits;
  for (let r = 0; r < m; r++) {
    const h = partedHash[r]!;
    const g = bits === 0 ? 0 : h >>> shift;
    insert(recs, hashOf, words, starts[g]!, starts[g]! + placed[g - g0]!++, parted, r * words, h);
  }
}

function sortCrowdedGroups(
  recs: Uint32Array,
  hashOf: Uint32Array,
  words: number,
  starts: Uint32Array,
  g0: number,
  placed: Uint32Array,
): void {
  for (let k = 0; k < placed.length; k++) {
    if (placed[k]! > INSERTION_LIMIT) sortSlots(recs, hashOf, words, starts[g0 + k]!, starts[g0 + k + 1]!);
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
