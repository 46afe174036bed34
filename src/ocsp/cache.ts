/**
 * Verified OCSP answers kept until their nextUpdate, bounded in entries and in (estimated) bytes, least recently
 * used first out. Keyed by (issuer key hash, serial): the CertID without its hash algorithm, which is always SHA-1.
 */
import type { SourceAnswer } from '../sources/types.js';

export interface CachedAnswer {
  /** What a cache hit returns: built once, shared by every hit. */
  answer: SourceAnswer;
  thisUpdateMs: number;
  nextUpdateMs: number;
  bytes: number;
}

export const DEFAULT_OCSP_CACHE_ENTRIES = 10_000;
export const DEFAULT_OCSP_CACHE_BYTES = 8 * 1024 * 1024;

/** A rough per-entry cost: the Map slot, the answer and summary objects, their strings (2 bytes a character). */
export function estimatedBytes(key: string, answer: SourceAnswer): number {
  const s = answer.summary;
  const text = key.length + answer.reason.length + (s?.id?.length ?? 0) + (s?.issuer?.length ?? 0) + 48;
  return 320 + 2 * text;
}

export class OcspCache {
  private readonly map = new Map<string, CachedAnswer>();
  private used = 0;
  constructor(
    readonly maxEntries = DEFAULT_OCSP_CACHE_ENTRIES,
    readonly maxBytes = DEFAULT_OCSP_CACHE_BYTES,
  ) {}

  get size(): number {
    return this.map.size;
  }
  get bytes(): number {
    return this.used;
  }

  /** The answer for `key` if it is current at `atMs`; an expired one is dropped. */
  get(key: string, atMs: number): SourceAnswer | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (atMs > e.nextUpdateMs || atMs < e.thisUpdateMs) {
      this.delete(key, e);
      return undefined;
    }
    // Refresh recency: Map iteration order is insertion order, so the first key is the least recently used.
    this.map.delete(key);
    this.map.set(key, e);
    return e.answer;
  }

  set(key: string, entry: Omit<CachedAnswer, 'bytes'>): void {
    const bytes = estimatedBytes(key, entry.answer);
    if (this.maxEntries === 0 || bytes > this.maxBytes) return;
    const held = this.map.get(key);
    if (held) this.delete(key, held);
    this.map.set(key, { ...entry, bytes });
    this.used += bytes;
    for (const [k, e] of this.map) {
      if (this.map.size <= this.maxEntries && this.used <= this.maxBytes) break;
      this.delete(k, e);
    }
  }

  private delete(key: string, e: CachedAnswer): void {
    this.map.delete(key);
    this.used -= e.bytes;
  }
}
