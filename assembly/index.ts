// Search over the fixed-width records of a blob (docs/internals.md, "The blob", versions 1 and 2) placed in this
// instance's linear memory. The module has no imports and allocates nothing: JavaScript writes a key into the
// scratch area, calls has(), and reads one i32 back. Each index owns its own instance, so the layout below lives
// in globals set once by init().

// Scratch layout: a record area of 128 bytes, 8-aligned so that record words load aligned. JavaScript writes the
// key at record + 1 (scratch()), has() writes the length octet in front of it, searches, and zeroes the area
// again, so that the padding of the next record is already zero: no copy and no fill on the hot path. The widest
// record is 68 bytes; the area is kept zero up to 72.
const SCRATCH_BYTES: usize = 256;
const MAX_KEY: u32 = 64;

let dirPtr: usize = 0;
let recPtr: usize = 0;
let ovPtr: usize = 0;
let width: u32 = 0;
let count: u32 = 0;
let dirBits: u64 = 0;
let ovWidth: u32 = 0;
let ovCount: u32 = 0;
// Version 2: the binary fuse filter's section and parameters.
let version: u32 = 0;
let filterPtr: usize = 0;
let filterSeed: u32 = 0;
let segLen: u32 = 0;
let segMask: u32 = 0;
let segCountLen: u64 = 0;

@inline function scratchBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** First byte past the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** Where JavaScript writes a key before calling has() / hasPlain(): octet 1 of the record area. */
export function scratch(): usize {
  return scratchBase() + 1;
}

/** First free byte after the scratch area, 64-aligned: JavaScript places the blob here. */
export function dataBase(): usize {
  return scratchBase() + SCRATCH_BYTES;
}

// ---- xxHash64 (seed 0) ----

const P1: u64 = 11400714785074694791;
const P2: u64 = 14029467366897019727;
const P3: u64 = 1609587929392839161;
const P4: u64 = 9650029242287828579;
const P5: u64 = 2870177450012600261;

@inline function round(acc: u64, input: u64): u64 {
  return rotl<u64>(acc + input * P2, 31) * P1;
}

@inline function mergeRound(acc: u64, val: u64): u64 {
  return (acc ^ round(0, val)) * P1 + P4;
}

// The four lanes of a running hash, so that JavaScript can hash a buffer that is not in this memory by copying
// it through a small window (xxh64Begin, xxh64Stripes per window, xxh64End) instead of growing the memory to
// hold all of it.
let v1: u64 = 0;
let v2: u64 = 0;
let v3: u64 = 0;
let v4: u64 = 0;

export function xxh64Begin(): void {
  v1 = P1 + P2;
  v2 = P2;
  v3 = 0;
  v4 = 0 - P1;
}

/** Folds whole 32-byte stripes of [ptr, ptr + len) into the lanes; len must be a multiple of 32. */
export function xxh64Stripes(ptr: usize, len: usize): void {
  let a = v1, b = v2, c = v3, d = v4;
  for (let rest = len; rest >= 32; rest -= 32) {
    a = round(a, load<u64>(ptr));
    b = round(b, load<u64>(ptr, 8));
    c = round(c, load<u64>(ptr, 16));
    d = round(d, load<u64>(ptr, 24));
    ptr += 32;
  }
  v1 = a;
  v2 = b;
  v3 = c;
  v4 = d;
}

/** Finishes a hash of `total` bytes whose last `total % 32` bytes are at [ptr, ptr + total % 32). */
export function xxh64End(ptr: usize, total: u64): u64 {
  let h: u64;
  if (total >= 32) {
    h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h += total;
  let rest = <usize>(total & 31);
  while (rest >= 8) {
    h ^= round(0, load<u64>(ptr));
    h = rotl<u64>(h, 27) * P1 + P4;
    ptr += 8;
    rest -= 8;
  }
  if (rest >= 4) {
    h ^= <u64>load<u32>(ptr) * P1;
    h = rotl<u64>(h, 23) * P2 + P3;
    ptr += 4;
    rest -= 4;
  }
  while (rest > 0) {
    h ^= <u64>load<u8>(ptr) * P5;
    h = rotl<u64>(h, 11) * P1;
    ptr++;
    rest--;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

/** xxHash64 with seed 0 of [ptr, ptr + len) in this memory. */
export function xxh64(ptr: usize, len: usize): u64 {
  const whole = len & ~(<usize>31);
  xxh64Begin();
  xxh64Stripes(ptr, whole);
  return xxh64End(ptr + whole, <u64>len);
}

// ---- records ----

/** Completes the record [len][key][zeros] in the record area: the key is copied in unless JavaScript wrote it
 * there already, and the padding is zero because clearRecord() ran after the previous search. */
@inline function buildRecord(keyPtr: usize, keyLen: u32): usize {
  const rec = scratchBase();
  if (keyPtr != rec + 1) memory.copy(rec + 1, keyPtr, keyLen);
  store<u8>(rec, <u8>keyLen);
  return rec;
}

@inline function clearRecord(): void {
  const rec = scratchBase();
  store<u64>(rec, 0, 0);
  store<u64>(rec, 0, 8);
  store<u64>(rec, 0, 16);
  store<u64>(rec, 0, 24);
  store<u64>(rec, 0, 32);
  store<u64>(rec, 0, 40);
  store<u64>(rec, 0, 48);
  store<u64>(rec, 0, 56);
  store<u64>(rec, 0, 64);
}

/** memcmp of two records of width w (a multiple of 4): byte-swapped words compare as unsigned byte strings. */
@inline function compare(a: usize, b: usize, w: u32): i32 {
  let i: usize = 0;
  const end = <usize>w;
  for (; i + 8 <= end; i += 8) {
    let x = load<u64>(a + i);
    let y = load<u64>(b + i);
    if (x != y) return bswap<u64>(x) < bswap<u64>(y) ? -1 : 1;
  }
  if (i < end) {
    let x = load<u32>(a + i);
    let y = load<u32>(b + i);
    if (x != y) return bswap<u32>(x) < bswap<u32>(y) ? -1 : 1;
  }
  return 0;
}

function search(base: usize, w: u32, lo: u32, hi: u32, rec: usize): i32 {
  while (lo < hi) {
    const mid = lo + ((hi - lo) >>> 1);
    const c = compare(rec, base + <usize>mid * <usize>w, w);
    if (c == 0) return 1;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return 0;
}

/** fnv1a32 over the record's [len, key octets], then murmur3 fmix32 (the bucket hash of format version 1). */
@inline function bucketHash(rec: usize, n: u32): u32 {
  let h: u32 = 2166136261;
  for (let i: usize = 0; i < <usize>n; i++) {
    h = (h ^ <u32>load<u8>(rec + i)) * 16777619;
  }
  return fmix32(h);
}

/**
 * Takes the layout of a blob already in this memory: JavaScript has parsed and validated the header
 * (src/blob/header.ts holds the only table of its fields) and verified the checksum, and passes the section
 * addresses and parameters here, so this module reads no header field itself. Checks the one thing whose
 * violation would send a search outside its section: a directory that is not monotonic (or does not end at
 * count). Returns 0 when the directory is sound, 1 otherwise.
 */
export function init(
  blobVersion: u32,
  directory: usize,
  records: usize,
  recordWidth: u32,
  recordCount: u32,
  directoryBits: u32,
  overflow: usize,
  overflowRecordWidth: u32,
  overflowRecordCount: u32,
  filter: usize,
  seed: u32,
  segmentLength: u32,
  segmentCount: u32,
): i32 {
  version = blobVersion;
  dirPtr = directory;
  recPtr = records;
  width = recordWidth;
  count = recordCount;
  dirBits = <u64>directoryBits;
  ovPtr = overflow;
  ovWidth = overflowRecordWidth;
  ovCount = overflowRecordCount;
  filterPtr = filter;
  filterSeed = seed;
  segLen = segmentLength;
  segMask = segmentLength - 1;
  segCountLen = <u64>segmentCount * <u64>segmentLength;
  const entries: usize = (<usize>1 << <usize>directoryBits) + 1;
  let prev: u32 = 0;
  if (load<u32>(dirPtr) != 0) return 1;
  for (let i: usize = 0; i < entries; i++) {
    const v = load<u32>(dirPtr + (i << 2));
    if (v < prev) return 1;
    prev = v;
  }
  return prev == count ? 0 : 1;
}

/** 1 if the key at [keyPtr, keyPtr + keyLen) is in the blob given to init(), else 0. */
export function has(keyPtr: usize, keyLen: u32): i32 {
  const found = keyLen - 1 < MAX_KEY ? find(keyPtr, keyLen) : 0; // 0 or longer than any key a blob holds
  clearRecord();
  return found;
}

/** 1 if the filter of a version 2 blob lets the key through (present, or a false positive), else 0; keys
 * that go to the overflow section, and every key of a version 1 blob, pass. For tests and the bench. */
export function probe(keyPtr: usize, keyLen: u32): i32 {
  let pass = 1;
  if (keyLen - 1 < MAX_KEY && keyLen + 1 <= width && version == 2) {
    const rec = buildRecord(keyPtr, keyLen);
    pass = filterPasses(laneA(rec, keyLen), laneB(rec, keyLen)) ? 1 : 0;
  }
  clearRecord();
  return pass;
}

// ---- version 2: the record hash (two 32-bit lanes over the record's words) and the binary fuse 8 filter ----
// Must agree with src/blob/hash.ts (recordHashA / recordHashB / fusePositions).

@inline function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** murmur3_32's body over the (keyLen + 4) / 4 little-endian words of the record [len][key][zeros], then fmix32. */
@inline function laneA(rec: usize, keyLen: u32): u32 {
  const end = rec + (<usize>((keyLen + 4) >>> 2) << 2);
  let h: u32 = 0;
  for (let p = rec; p < end; p += 4) {
    let k = load<u32>(p) * 0xcc9e2d51;
    k = rotl<u32>(k, 15) * 0x1b873593;
    h = rotl<u32>(h ^ k, 13) * 5 + 0xe6546b64;
  }
  return fmix32(h);
}

/** xxh32's round over the same words, then fmix32: a second, independent 32 bits. */
@inline function laneB(rec: usize, keyLen: u32): u32 {
  const end = rec + (<usize>((keyLen + 4) >>> 2) << 2);
  let g: u32 = 0x9e3779b1;
  for (let p = rec; p < end; p += 4) g = rotl<u32>(g + load<u32>(p) * 0x85ebca77, 13) * 0x9e3779b1;
  return fmix32(g);
}

/** The three fingerprints of the key (x = lane A, y = mixed lane B) XOR to its own fingerprint. */
@inline function filterPasses(x: u32, b: u32): bool {
  const y = fmix32(b ^ filterSeed);
  const h0 = <u32>((<u64>x * segCountLen) >>> 32);
  const h1 = (h0 + segLen) ^ (((y >>> 18) | (x << 14)) & segMask);
  const h2 = (h0 + 2 * segLen) ^ (y & segMask);
  const f = load<u8>(filterPtr + <usize>h0) ^ load<u8>(filterPtr + <usize>h1) ^ load<u8>(filterPtr + <usize>h2);
  return f == <u8>(x ^ y);
}

@inline function find(keyPtr: usize, keyLen: u32): i32 {
  const w = keyLen + 1;
  const rec = buildRecord(keyPtr, keyLen);
  if (w > width) {
    if (w > ovWidth) return 0;
    return search(ovPtr, ovWidth, 0, ovCount, rec);
  }
  let h: u32;
  if (version == 2) {
    // The filter answers almost every absent key here, from a section small enough to stay in cache.
    h = laneA(rec, keyLen);
    if (!filterPasses(h, laneB(rec, keyLen))) return 0;
  } else {
    h = bucketHash(rec, w);
  }
  // The top dirBits bits of h; shifting a u64 keeps dirBits = 0 (one bucket) free of a branch.
  const bucket = <usize>((<u64>h << dirBits) >>> 32);
  const slot = dirPtr + (bucket << 2);
  const lo = load<u32>(slot);
  const hi = load<u32>(slot, 4);
  // A bucket holds a few records on average: a scan whose loads do not depend on one another lets the processor
  // fetch the bucket's cache lines in parallel, where a binary search waits for each probe in turn.
  if (hi - lo <= SCAN_MAX) return scan(recPtr + <usize>lo * <usize>width, width, hi - lo, rec);
  return search(recPtr, width, lo, hi, rec);
}

const SCAN_MAX: u32 = 8;

/** 1 if one of the n records of width w at base equals rec. The first word decides almost every record. */
@inline function scan(base: usize, w: u32, n: u32, rec: usize): i32 {
  const first = load<u64>(rec);
  for (let i: u32 = 0; i < n; i++) {
    const p = base + <usize>i * <usize>w;
    if (load<u64>(p) == first && compare(rec, p, w) == 0) return 1;
  }
  return 0;
}

/** Binary search of a plain sorted array of n records of width w, ignoring any directory. For the bench, which
 * compares it with the directory search. */
export function hasPlain(base: usize, w: u32, n: u32, keyPtr: usize, keyLen: u32): i32 {
  let found = 0;
  if (keyLen - 1 < MAX_KEY && keyLen + 1 <= w) found = search(base, w, 0, n, buildRecord(keyPtr, keyLen));
  clearRecord();
  return found;
}

// ---- version 2: building the binary fuse 8 filter (the encoder's path; buildFilterReference in
// src/blob/filter.ts is the same construction in JavaScript, step for step, and must give the same bytes) ----
// JavaScript lays out the arrays in this memory and drives the three phases in windows (fuseAdd, fusePeel,
// fuseAssign over a range each): V8 swaps optimised WASM code in only between calls, so one call over 10^7 keys
// would run in the baseline tier to the end.

let bXs: usize = 0; // u32 lane A per key
let bBs: usize = 0; // u32 lane B per key
let bSkip: usize = 0; // u8 per key, 1 = left out (a repeated hash pair); 0 = no such array
let bCnt: usize = 0; // u8 per slot: (keys << 2) | XOR of the position numbers of those keys
let bXor: usize = 0; // u32 per slot: XOR of the key indexes
let bOrder: usize = 0; // u32 per peeled key, in peeling order: (key index << 2) | position of its free slot
let bWork: usize = 0; // u32 stack of slots left with one key
let bFp: usize = 0; // u8 per slot: the fingerprints (JavaScript passes the count array, all 0 after a full peel)
let bSeed: u32 = 0;
let bLen: u32 = 0;
let bMask: u32 = 0;
let bM: u64 = 0;
let bKept: u32 = 0;
let bSize: u32 = 0;
let bWrapped: bool = false;

/** Starts one construction attempt with `seed`: clears the slot arrays and the counters. */
export function fuseBegin(
  xs: usize,
  bs: usize,
  skip: usize,
  cnt: usize,
  xor: usize,
  order: usize,
  work: usize,
  fp: usize,
  seed: u32,
  segmentLength: u32,
  segmentCount: u32,
): void {
  bXs = xs;
  bBs = bs;
  bSkip = skip;
  bCnt = cnt;
  bXor = xor;
  bOrder = order;
  bWork = work;
  bFp = fp;
  bSeed = seed;
  bLen = segmentLength;
  bMask = segmentLength - 1;
  bM = <u64>segmentCount * <u64>segmentLength;
  const cap = <usize>(segmentCount + 2) * <usize>segmentLength;
  memory.fill(cnt, 0, cap);
  memory.fill(xor, 0, cap << 2);
  bKept = 0;
  bSize = 0;
  bWrapped = false;
}

@inline function keyY(i: usize): u32 {
  return fmix32(load<u32>(bBs + (i << 2)) ^ bSeed);
}
@inline function pos0(x: u32): u32 {
  return <u32>((<u64>x * bM) >>> 32);
}
@inline function pos1(h0: u32, x: u32, y: u32): u32 {
  return (h0 + bLen) ^ (((y >>> 18) | (x << 14)) & bMask);
}
@inline function pos2(h0: u32, y: u32): u32 {
  return (h0 + 2 * bLen) ^ (y & bMask);
}

/** Adds keys [from, to) to their three slots. */
export function fuseAdd(from: u32, to: u32): void {
  let kept = bKept;
  let wrapped = bWrapped;
  for (let i = <usize>from; i < <usize>to; i++) {
    if (bSkip != 0 && load<u8>(bSkip + i) != 0) continue;
    const x = load<u32>(bXs + (i << 2));
    const y = keyY(i);
    const h0 = pos0(x);
    const h1 = pos1(h0, x, y);
    const h2 = pos2(h0, y);
    const c0 = <u32>load<u8>(bCnt + h0) + 4;
    const c1 = (<u32>load<u8>(bCnt + h1) + 4) ^ 1;
    const c2 = (<u32>load<u8>(bCnt + h2) + 4) ^ 2;
    store<u8>(bCnt + h0, <u8>c0);
    store<u8>(bCnt + h1, <u8>c1);
    store<u8>(bCnt + h2, <u8>c2);
    const k = <u32>i;
    store<u32>(bXor + (<usize>h0 << 2), load<u32>(bXor + (<usize>h0 << 2)) ^ k);
    store<u32>(bXor + (<usize>h1 << 2), load<u32>(bXor + (<usize>h1 << 2)) ^ k);
    store<u32>(bXor + (<usize>h2 << 2), load<u32>(bXor + (<usize>h2 << 2)) ^ k);
    wrapped = wrapped || c0 > 255 || c1 > 255 || c2 > 255;
    kept++;
  }
  bKept = kept;
  bWrapped = wrapped;
}

/** Keys added so far, or -1 when a slot's count wrapped (the attempt cannot succeed). */
export function fuseKept(): i32 {
  return bWrapped ? -1 : <i32>bKept;
}

// Every peel unlinks the key from all three of its slots, the peeled one included (its count drops to 0 and its
// XOR to 0): no branch on which position the slot is, and a push that is a store plus an add, since which slots
// are left with one key is a coin toss the processor cannot predict. The peeled key goes into the order as
// (index << 2) | position, which is all assign needs. After a peel that took every key, every count is 0 again.
/** Takes key i out of slot h (its position number there is `position`) and pushes h when one key is left
 * there: the push is a store plus an add, since which slots are left with one key is a coin toss the processor
 * cannot predict. */
@inline function unlink(h: u32, i: u32, position: u32, w: usize): usize {
  const k = ((<u32>load<u8>(bCnt + h) - 4) ^ position) & 0xff;
  store<u8>(bCnt + h, <u8>k);
  store<u32>(bXor + (<usize>h << 2), load<u32>(bXor + (<usize>h << 2)) ^ i);
  store<u32>(bWork + (w << 2), h);
  return w + <usize>(k >>> 2 == 1);
}

/** Peels from the slots [from, to) in order, following each peel's new single-key slots at once; returns the
 * number of keys peeled so far. A slot is pushed once at most (when its count reaches 1), so the work stack
 * needs one u32 per slot. The peeled key goes into the order as (index << 2) | position of its free slot, and
 * that slot's count to 0, so after a peel that took every key every count is 0 again. */
export function fusePeel(from: u32, to: u32): u32 {
  let size = bSize;
  for (let start = from; start < to; start++) {
    if (<u32>load<u8>(bCnt + start) >>> 2 != 1) continue;
    store<u32>(bWork, start);
    let w: usize = 1;
    while (w > 0) {
      w--;
      const h = load<u32>(bWork + (w << 2));
      const c = <u32>load<u8>(bCnt + h);
      if (c >>> 2 != 1) continue;
      const i = load<u32>(bXor + (<usize>h << 2));
      const found = c & 3;
      store<u32>(bOrder + (<usize>size << 2), (i << 2) | found);
      size++;
      store<u8>(bCnt + h, 0);
      const x = load<u32>(bXs + (<usize>i << 2));
      const y = keyY(<usize>i);
      const h0 = pos0(x);
      const h1 = pos1(h0, x, y);
      const h2 = pos2(h0, y);
      // The two other slots in position order (as the JS reference unlinks them: the same pushes, same bytes).
      const firstIsH0 = found != 0;
      const secondIsH1 = found == 2;
      w = unlink(select<u32>(h0, h1, firstIsH0), i, select<u32>(0, 1, firstIsH0), w);
      w = unlink(select<u32>(h1, h2, secondIsH1), i, select<u32>(1, 2, secondIsH1), w);
    }
  }
  bSize = size;
  return size;
}

/** Sets the fingerprints of peeled keys [to, from) in reverse peeling order (from > to): each key's free slot
 * (zero until now) makes its three XOR to its fingerprint. */
export function fuseAssign(from: u32, to: u32): void {
  for (let s = from; s > to; ) {
    s--;
    const e = load<u32>(bOrder + (<usize>s << 2));
    const i = e >>> 2;
    const position = e & 3;
    const x = load<u32>(bXs + (<usize>i << 2));
    const y = keyY(<usize>i);
    const h0 = pos0(x);
    const h1 = pos1(h0, x, y);
    const h2 = pos2(h0, y);
    const h = select<u32>(h0, select<u32>(h1, h2, position == 1), position == 0);
    const f = x ^ y ^ <u32>load<u8>(bFp + h0) ^ <u32>load<u8>(bFp + h1) ^ <u32>load<u8>(bFp + h2);
    store<u8>(bFp + h, <u8>f);
  }
}

/** Lane B of the n padded records of width w at `records`, written as u32 to `out` (the encoder's filter input;
 * src/blob/hash.ts recordHashB is the same function in JavaScript). */
export function fuseLaneB(records: usize, w: u32, n: u32, out: usize): void {
  for (let j: usize = 0; j < <usize>n; j++) {
    const rec = records + j * <usize>w;
    store<u32>(out + (j << 2), laneB(rec, <u32>load<u8>(rec)));
  }
}

/** How many of `sample` pseudo-random hash pairs (the fixed sequence of sampleHits in src/blob/filter.ts) the
 * filter of the last fuseBegin lets through, its fingerprints at `fp`: the false-positive rate in the header. */
export function fuseSample(fp: usize, sample: u32): u32 {
  let s: u32 = 0x2545f491;
  let hits: u32 = 0;
  for (let i: u32 = 0; i < sample; i++) {
    s += 0x6d2b79f5;
    const x = fmix32(s);
    const b = fmix32(s ^ 0x5bd1e995);
    const y = fmix32(b ^ bSeed);
    const h0 = pos0(x);
    const f = load<u8>(fp + h0) ^ load<u8>(fp + pos1(h0, x, y)) ^ load<u8>(fp + pos2(h0, y));
    hits += <u32>(f == <u8>(x ^ y));
  }
  return hits;
}
