import { randomBytes } from 'node:crypto';
import { serialText } from '../src/der/integer.js';
import { generatedSerialKeys } from '../src/testpki/large-crl.js';

/**
 * Lookup keys for a synthetic CRL: half drawn from its revoked serials, half random 16-octet serials that are not
 * on it (as a good client certificate's would be), shuffled. Keys are views into one arena, made before timing.
 */
export interface Queries {
  keys: Uint8Array[];
  /** The same keys in the reference design's text form (uppercase hex), for the Set<string> row. */
  texts: string[];
  present: number;
}

export function makeQueries(entries: number, seed: number, count: number, rng: () => number = mulberry32(7)): Queries {
  const crl = generatedSerialKeys({ count: entries, seed });
  const half = count >> 1;
  // Pick and shuffle first, then lay the keys (and their view objects) out in lookup order: walking the keys must
  // read memory sequentially, or every lookup would also pay for cache misses on its own key.
  const picks = new Int32Array(count);
  for (let i = 0; i < half; i++) picks[i] = Math.floor(rng() * crl.count);
  for (let i = half; i < count; i++) picks[i] = -1 - (i - half);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = picks[i]!;
    picks[i] = picks[j]!;
    picks[j] = t;
  }
  const random = randomBytes(16 * (count - half));
  const arena = new Uint8Array(count * 20);
  const keys = new Array<Uint8Array>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const p = picks[i]!;
    let key: Uint8Array;
    if (p >= 0) {
      key = crl.bytes.subarray(crl.offsets[p]!, crl.offsets[p + 1]!);
    } else {
      key = random.subarray(16 * (-1 - p), 16 * (-p));
      key[0] = (key[0]! & 0x7f) | 0x01; // positive and minimal; 16-octet keys never collide with the CRL's by chance
    }
    arena.set(key, at);
    keys[i] = arena.subarray(at, at + key.length);
    at += key.length;
  }
  return { keys, texts: keys.map((k) => serialText(k)), present: half };
}

export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
