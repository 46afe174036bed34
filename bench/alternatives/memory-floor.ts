/**
 * The memory floor: the latency of one dependent random load in a buffer as large as the blob. A lookup cannot
 * beat one such load once the blob outgrows the caches, so it is the scale against which ns/lookup is read.
 *
 * The buffer holds one random cycle through cache-line-spaced slots (Sattolo's shuffle), so every load's address
 * depends on the previous load and the hardware prefetcher cannot guess it.
 */
const LINE_WORDS = 16; // 64-byte lines of u32
/**
 * The L2-resident floor's buffer: 256 KiB, past every current L1 data cache and inside every L2 of the last
 * decade's server cores (512 KiB to 2 MiB). What one dependent load costs once its line is cached.
 */
export const L2_FLOOR_BYTES = 256 * 1024;

export interface FloorChain {
  words: Uint32Array;
  bytes: number;
}

export function floorChain(bytes: number, random: () => number = Math.random): FloorChain {
  const slots = Math.max(2, Math.floor(bytes / (4 * LINE_WORDS)));
  const words = new Uint32Array(slots * LINE_WORDS);
  const order = new Uint32Array(slots);
  for (let i = 0; i < slots; i++) order[i] = i;
  for (let i = slots - 1; i > 0; i--) {
    const j = Math.floor(random() * i);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  // order[] is a permutation with one cycle; slot order[k] points to slot order[k + 1].
  for (let k = 0; k < slots; k++) words[order[k]! * LINE_WORDS] = order[(k + 1) % slots]! * LINE_WORDS;
  return { words, bytes: words.byteLength };
}

/** Walks `steps` links from `start`; returns where it stopped so that the loop cannot be optimised away. */
export function walk(chain: FloorChain, start: number, steps: number): number {
  const w = chain.words;
  let p = start;
  for (let i = 0; i < steps; i++) p = w[p]!;
  return p;
}
