import { CrlAuthorizerError } from '../errors.js';
import { instantiate, reserve, type KernelExports } from '../wasm/kernel.js';
import { fmix32, mulhi32 } from './hash.js';

/**
 * The binary fuse 8 filter of blob format version 2 (Graf & Lemire, "Binary Fuse Filters", 2022; the layout and
 * construction of the reference C library, binaryfusefilter.h, with 3 positions per key). A key's 64-bit hash is
 * the pair (x, y): x is lane A of the record hash (which also picks the directory bucket), y = fmix32(laneB ^ seed).
 * Its positions are h0 = x * (segmentCount * segmentLength) / 2^32, h1 = (h0 + S) ^ (bits 18..35 of y:x & mask),
 * h2 = (h0 + 2S) ^ (y & mask), and the fingerprints at the three XOR to (x ^ y) & 0xff for every key in the set.
 * An absent key passes with probability about 1/256.
 */
export interface FuseParams {
  segmentLength: number;
  segmentCount: number;
  /** Bytes of the fingerprint array: (segmentCount + 2) * segmentLength. */
  arrayLength: number;
}

export const FINGERPRINT_BITS = 8;
export const MAX_SEGMENT_LENGTH = 1 << 18;
/** Seeds tried before giving up; a failure at the standard sizing happens for a few percent of seeds at most. */
const MAX_ATTEMPTS = 64;
/** After this many failed attempts the key set is checked for hash pairs that collide (they never peel). */
const DUPLICATE_CHECK_AFTER = 3;
/** Pseudo-random hash pairs probed at build time to measure the false-positive rate written in the header. */
export const FP_SAMPLE = 1 << 16;

/** The sizing of the reference library for `size` keys (segment length a power of two, capacity >= 1.125 size). */
export function fuseParams(size: number): FuseParams {
  let segmentLength = size === 0 ? 4 : 2 ** Math.floor(Math.log(size) / Math.log(3.33) + 2.25);
  segmentLength = Math.min(Math.max(segmentLength, 4), MAX_SEGMENT_LENGTH);
  const sizeFactor = size <= 1 ? 0 : Math.max(1.125, 0.875 + (0.25 * Math.log(1e6)) / Math.log(size));
  const capacity = size <= 1 ? 0 : Math.round(size * sizeFactor);
  const segmentCount = Math.max(1, Math.ceil(capacity / segmentLength) - 2);
  return { segmentLength, segmentCount, arrayLength: (segmentCount + 2) * segmentLength };
}

/** The seed of construction attempt i (0, then a fixed sequence), so that the same keys give the same filter. */
export const attemptSeed = (attempt: number): number => Math.imul(attempt, 0x9e3779b9) >>> 0;

/** Writes h0, h1, h2 of the pair (x, y) into out[0..2]. */
export function fusePositions(p: FuseParams, x: number, y: number, out: Uint32Array): void {
  const mask = p.segmentLength - 1;
  const h0 = mulhi32(x, p.segmentCount * p.segmentLength);
  out[0] = h0;
  out[1] = ((h0 + p.segmentLength) ^ (((y >>> 18) | (x << 14)) & mask)) >>> 0;
  out[2] = ((h0 + 2 * p.segmentLength) ^ (y & mask)) >>> 0;
}

/** Whether the filter lets the pair (x, lane B value b) through. */
export function fusePasses(p: FuseParams, fingerprints: Uint8Array, seed: number, x: number, b: number): boolean {
  const y = fmix32((b ^ seed) >>> 0);
  const at = positions;
  fusePositions(p, x, y, at);
  return (fingerprints[at[0]!]! ^ fingerprints[at[1]!]! ^ fingerprints[at[2]!]!) === ((x ^ y) & 0xff);
}

const positions = new Uint32Array(3);

export interface BuiltFilter {
  params: FuseParams;
  seed: number;
  /** Of FP_SAMPLE pseudo-random hash pairs, how many the filter let through. */
  sampleHits: number;
}

/** Keys (or slots) per WASM call: V8 swaps optimised code in only between calls. */
const WINDOW = 1 << 16;
/** The peeling order packs (key index << 2) | position into a u32. */
const MAX_FILTER_KEYS = 2 ** 30;

/** Where the lane B values come from: given, or hashed from the padded records (the encoder's case). */
export type LaneB = { values: Uint32Array } | { records: Uint8Array; width: number };
/** Bytes of records copied into the instance per lane B call: a window that stays in L2 and is reused. */
const RECORD_WINDOW = 1 << 16;

/** buildFilter with the lanes in hand (tests, the bench): see buildFilterFrom. */
export function buildFilter(xs: Uint32Array, bs: Uint32Array, fingerprints: Uint8Array): BuiltFilter {
  return buildFilterFrom(xs, { values: bs }, fingerprints);
}

/**
 * The working memory of one filter construction: a fresh WebAssembly instance that is garbage once dropped.
 *
 * Why it is shaped so: on this machine (and on Lambda, also a Firecracker VM) the first touch of fresh memory
 * costs about 3.5 ms per MB, as much as the construction's arithmetic at 10^6 keys. So the instance holds only
 * what the construction needs: 12 bytes per key (the lanes and the peeling order) and 5 per slot (counts, XOR of
 * key indexes); the counts, all zero again after a full peel, then hold the fingerprints; the work stack is
 * reserved at 4 bytes per slot but only its first pages are written.
 *
 * The encoder makes it before it hashes the keys and keeps two of its own arrays in it, so that their pages are
 * touched once, not once by the encoder and again by the filter (measured at 10^6 keys: about 8 MB, 30 ms):
 * `xs`, lane A of each record in record order (the encoder's bucket hashes), which the filter reads in place, and
 * `hashes`, the encoder's per-key hashes in input order, dead once the records are staged, whose first entries
 * the filter's lane B values then overwrite.
 */
export interface FilterWorkspace {
  /** Lane A of up to `keys` records: a filter of n keys reads xs[0..n). */
  readonly xs: Uint32Array;
  /** Scratch for the caller until buildFilterIn, which overwrites its first entries with lane B values. */
  readonly hashes: Uint32Array;
  readonly keys: number;
  /** Slots reserved: fuseParams(keys).arrayLength, enough for any n <= keys (the sizing grows with n). */
  readonly slots: number;
  readonly k: KernelExports;
  readonly base: number;
  readonly layout: { bsAt: number; orderAt: number; xorAt: number; cntAt: number; skipAt: number; windowAt: number; workAt: number };
}

/** A workspace for a filter of up to `keys` keys, whose `hashes` scratch holds `hashes` (>= keys) values. */
export function filterWorkspace(keys: number, hashes = keys): FilterWorkspace {
  if (keys >= MAX_FILTER_KEYS || hashes < keys) {
    throw new CrlAuthorizerError('internal', `filter: a workspace for ${keys} keys with ${hashes} hashes`);
  }
  const cap = fuseParams(keys).arrayLength;
  const k = instantiate();
  // The u32 arrays first (4-aligned from the 64-aligned base), then the counts; the work stack and the rarely
  // needed array of keys left out go last, so their pages stay untouched unless used.
  const bsAt = 4 * keys;
  const orderAt = bsAt + 4 * hashes;
  const xorAt = orderAt + 4 * keys;
  const cntAt = xorAt + 4 * cap;
  const skipAt = cntAt + cap;
  const windowAt = Math.ceil((skipAt + keys) / 8) * 8;
  const workAt = windowAt + RECORD_WINDOW;
  const base = reserve(k, workAt + 4 * (cap + 1));
  const mem = k.memory.buffer;
  return {
    xs: new Uint32Array(mem, base, keys),
    hashes: new Uint32Array(mem, base + bsAt, hashes),
    keys,
    slots: cap,
    k,
    base,
    layout: { bsAt, orderAt, xorAt, cntAt, skipAt, windowAt, workAt },
  };
}

/**
 * Fills `fingerprints` (params.arrayLength bytes, zero) with the filter of the n keys whose lane A values are
 * xs[0..n) and whose lane B values `laneB` gives, or hashes (recordHashB) from the n padded records it holds: the
 * records pass through a small window of the instance, so their lane B values are computed in WebAssembly and
 * land where the construction reads them, with no array of their own to fill and copy. The construction of
 * buildFilterReference, step for step (same seeds, same peeling order, same bytes), in a fresh workspace.
 */
export function buildFilterFrom(xs: Uint32Array, laneB: LaneB, fingerprints: Uint8Array): BuiltFilter {
  const ws = filterWorkspace(xs.length);
  ws.xs.set(xs);
  return buildFilterIn(ws, xs.length, laneB, fingerprints);
}

/** Whether a filter of n keys fits the workspace. */
export const fitsWorkspace = (ws: FilterWorkspace, n: number): boolean => n <= ws.keys && fuseParams(n).arrayLength <= ws.slots;

/** buildFilterFrom over the workspace's own lane A values, ws.xs[0..n). */
export function buildFilterIn(ws: FilterWorkspace, n: number, laneB: LaneB, fingerprints: Uint8Array): BuiltFilter {
  const params = fuseParams(n);
  const cap = params.arrayLength;
  const lanes = 'values' in laneB ? laneB.values.length : laneB.records.length / laneB.width;
  if (fingerprints.length !== cap || lanes !== n || !fitsWorkspace(ws, n)) {
    throw new CrlAuthorizerError('internal', `filter: ${fingerprints.length} bytes given for ${cap}, ${lanes} lane B values for ${n} keys, a workspace for ${ws.keys}`);
  }
  const { k, base } = ws;
  const xs = ws.xs.subarray(0, n);
  const { bsAt, orderAt, xorAt, cntAt, skipAt, windowAt, workAt } = ws.layout;
  const mem = k.memory.buffer;
  const bs = new Uint32Array(mem, base + bsAt, n);
  if ('values' in laneB) bs.set(laneB.values);
  else {
    const { records, width } = laneB;
    const per = Math.max(1, Math.floor(RECORD_WINDOW / width));
    const window = new Uint8Array(mem, base + windowAt, per * width);
    for (let j = 0; j < n; j += per) {
      const m = Math.min(per, n - j);
      window.set(records.subarray(j * width, (j + m) * width));
      k.fuseLaneB(base + windowAt, width, m, base + bsAt + 4 * j);
    }
  }
  let skip = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seed = attemptSeed(attempt);
    if (attempt === DUPLICATE_CHECK_AFTER) {
      new Uint8Array(mem, base + skipAt, n).set(collidingPairs(xs, bs));
      skip = base + skipAt;
    }
    const cnt = base + cntAt;
    k.fuseBegin(base, base + bsAt, skip, cnt, base + xorAt, base + orderAt, base + workAt, cnt, seed, params.segmentLength, params.segmentCount);
    for (let i = 0; i < n; i += WINDOW) k.fuseAdd(i, Math.min(n, i + WINDOW));
    const kept = k.fuseKept();
    if (kept < 0) continue;
    let peeled = 0;
    for (let s = 0; s < cap; s += WINDOW) peeled = k.fusePeel(s, Math.min(cap, s + WINDOW));
    if (peeled !== kept) continue;
    for (let s = peeled; s > 0; s -= WINDOW) k.fuseAssign(s, Math.max(0, s - WINDOW));
    fingerprints.set(new Uint8Array(mem, cnt, cap));
    return { params, seed, sampleHits: k.fuseSample(cnt, FP_SAMPLE) };
  }
  throw new CrlAuthorizerError('internal', `filter: no seed of ${MAX_ATTEMPTS} built a filter for ${n} keys`);
}

/**
 * Fills `fingerprints` (params.arrayLength bytes, zero) with the filter of the n keys whose lane A values are
 * xs[0..n) and lane B values bs[0..n). Keys in order of x keep the construction's writes local: the encoder's
 * records are grouped by the top bits of x already, which is why it passes them in record order.
 *
 * Memory: 5 bytes per slot (a u8 count and a u32 XOR of key indexes) and 4 bytes per key for the peeling order.
 * The reference construction in JavaScript: buildFilter() runs the same steps in WebAssembly and must give the
 * same bytes (test/lookup/filter.test.ts checks both). The three loops compute positions inline (no helper call, no array for them): at 10^6 keys that took this
 * function from about 250-300 ms to about 130 ms here, against a shared position helper.
 */
export function buildFilterReference(xs: Uint32Array, bs: Uint32Array, fingerprints: Uint8Array): BuiltFilter {
  const n = xs.length;
  const params = fuseParams(n);
  if (fingerprints.length !== params.arrayLength || bs.length !== n) {
    throw new CrlAuthorizerError('internal', `filter: ${fingerprints.length} bytes given for ${params.arrayLength}`);
  }
  const cap = params.arrayLength;
  const count = new Uint8Array(cap);
  const xorIdx = new Uint32Array(cap);
  const order = new Uint32Array(n);
  let skip: Uint8Array | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seed = attemptSeed(attempt);
    if (attempt > 0) {
      count.fill(0);
      xorIdx.fill(0);
    }
    if (attempt === DUPLICATE_CHECK_AFTER) skip = collidingPairs(xs, bs);
    const kept = addKeys(params, xs, bs, seed, skip, count, xorIdx);
    const peeled = kept < 0 ? -1 : peel(params, xs, bs, seed, count, xorIdx, order);
    if (peeled === kept) {
      assign(params, xs, bs, seed, count, xorIdx, order, peeled, fingerprints);
      return { params, seed, sampleHits: sampleHits(params, fingerprints, seed) };
    }
  }
  throw new CrlAuthorizerError('internal', `filter: no seed of ${MAX_ATTEMPTS} built a filter for ${n} keys`);
}

/** Adds every key to its three slots; returns the number added, or -1 when a slot's count overflowed. */
function addKeys(
  p: FuseParams,
  xs: Uint32Array,
  bs: Uint32Array,
  seed: number,
  skip: Uint8Array | undefined,
  count: Uint8Array,
  xorIdx: Uint32Array,
): number {
  const len = p.segmentLength;
  const mask = len - 1;
  const m = p.segmentCount * len;
  let kept = 0;
  let wrapped = false;
  for (let i = 0; i < xs.length; i++) {
    if (skip !== undefined && skip[i] === 1) continue;
    const x = xs[i]!;
    const y = fmix32((bs[i]! ^ seed) >>> 0);
    const h0 = mulhi32(x, m);
    const h1 = ((h0 + len) ^ (((y >>> 18) | (x << 14)) & mask)) >>> 0;
    const h2 = ((h0 + 2 * len) ^ (y & mask)) >>> 0;
    // count holds (keys << 2) | (XOR of the position numbers 0..2 of those keys), as in the reference library:
    // when one key is left, the low bits say which of its positions this slot is. 64 keys in a slot wrap it.
    const c0 = count[h0]! + 4;
    const c1 = (count[h1]! + 4) ^ 1;
    const c2 = (count[h2]! + 4) ^ 2;
    count[h0] = c0;
    count[h1] = c1;
    count[h2] = c2;
    xorIdx[h0] = (xorIdx[h0]! ^ i) >>> 0;
    xorIdx[h1] = (xorIdx[h1]! ^ i) >>> 0;
    xorIdx[h2] = (xorIdx[h2]! ^ i) >>> 0;
    wrapped ||= c0 > 255 || c1 > 255 || c2 > 255;
    kept++;
  }
  return wrapped ? -1 : kept;
}

/**
 * Peels slots holding one key, recording each peeled slot in `order`; returns how many were peeled. A peeled
 * slot keeps its key index and the position number (its count drops to 0): no other key maps there, so `order`
 * alone gives assign() both. Slots are scanned in order and those left with one key by a peel are followed at
 * once from a small work list, instead of a queue as long as the array.
 */
function peel(
  p: FuseParams,
  xs: Uint32Array,
  bs: Uint32Array,
  seed: number,
  count: Uint8Array,
  xorIdx: Uint32Array,
  order: Uint32Array,
): number {
  const len = p.segmentLength;
  const mask = len - 1;
  const m = p.segmentCount * len;
  let work = new Uint32Array(1024);
  let size = 0;
  for (let start = 0; start < count.length; start++) {
    if (count[start]! >>> 2 !== 1) continue;
    let w = 0;
    work[w++] = start;
    while (w > 0) {
      const h = work[--w]!;
      const c = count[h]!;
      if (c >>> 2 !== 1) continue;
      const i = xorIdx[h]!;
      const found = c & 3;
      order[size++] = h;
      count[h] = found; // no key left here; the position number stays for assign()
      const x = xs[i]!;
      const y = fmix32((bs[i]! ^ seed) >>> 0);
      const h0 = mulhi32(x, m);
      const h1 = ((h0 + len) ^ (((y >>> 18) | (x << 14)) & mask)) >>> 0;
      const h2 = ((h0 + 2 * len) ^ (y & mask)) >>> 0;
      if (w + 2 > work.length) {
        const grown = new Uint32Array(work.length * 2);
        grown.set(work);
        work = grown;
      }
      if (found !== 0) {
        const k = (count[h0]! - 4) & 0xff;
        count[h0] = k;
        xorIdx[h0] = (xorIdx[h0]! ^ i) >>> 0;
        if (k >>> 2 === 1) work[w++] = h0;
      }
      if (found !== 1) {
        const k = ((count[h1]! - 4) ^ 1) & 0xff;
        count[h1] = k;
        xorIdx[h1] = (xorIdx[h1]! ^ i) >>> 0;
        if (k >>> 2 === 1) work[w++] = h1;
      }
      if (found !== 2) {
        const k = ((count[h2]! - 4) ^ 2) & 0xff;
        count[h2] = k;
        xorIdx[h2] = (xorIdx[h2]! ^ i) >>> 0;
        if (k >>> 2 === 1) work[w++] = h2;
      }
    }
  }
  return size;
}

/** Sets fingerprints in reverse peeling order: each key's free slot makes its three XOR to its fingerprint. */
function assign(
  p: FuseParams,
  xs: Uint32Array,
  bs: Uint32Array,
  seed: number,
  count: Uint8Array,
  xorIdx: Uint32Array,
  order: Uint32Array,
  size: number,
  fingerprints: Uint8Array,
): void {
  const len = p.segmentLength;
  const mask = len - 1;
  const m = p.segmentCount * len;
  for (let s = size - 1; s >= 0; s--) {
    const h = order[s]!;
    const i = xorIdx[h]!;
    const x = xs[i]!;
    const y = fmix32((bs[i]! ^ seed) >>> 0);
    const h0 = mulhi32(x, m);
    const h1 = ((h0 + len) ^ (((y >>> 18) | (x << 14)) & mask)) >>> 0;
    const h2 = ((h0 + 2 * len) ^ (y & mask)) >>> 0;
    // The three XOR to the fingerprint; the free slot h is one of them and is still zero.
    fingerprints[h] = (x ^ y ^ fingerprints[h0]! ^ fingerprints[h1]! ^ fingerprints[h2]!) & 0xff;
  }
}

/**
 * Marks every key whose (x, b) pair equals an earlier key's: two keys with one hash share all three slots under
 * every seed and never peel. Leaving the later one out is exact: it probes exactly the slots of the one kept.
 * Reached only after repeated failures (a 64-bit collision, or a filter too small to peel), so a sort is fine.
 */
function collidingPairs(xs: Uint32Array, bs: Uint32Array): Uint8Array {
  const n = xs.length;
  const byHash = new Uint32Array(n);
  for (let i = 0; i < n; i++) byHash[i] = i;
  byHash.sort((a, b) => xs[a]! - xs[b]! || bs[a]! - bs[b]! || a - b);
  const skip = new Uint8Array(n);
  for (let k = 1; k < n; k++) {
    const a = byHash[k - 1]!;
    const b = byHash[k]!;
    if (xs[a] === xs[b] && bs[a] === bs[b]) skip[b] = 1;
  }
  return skip;
}

/** How many of FP_SAMPLE pseudo-random pairs (a fixed sequence) the filter lets through. */
function sampleHits(p: FuseParams, fingerprints: Uint8Array, seed: number): number {
  let s = 0x2545f491;
  let hits = 0;
  for (let i = 0; i < FP_SAMPLE; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    const x = fmix32(s);
    const b = fmix32((s ^ 0x5bd1e995) >>> 0);
    if (fusePasses(p, fingerprints, seed, x, b)) hits++;
  }
  return hits;
}
