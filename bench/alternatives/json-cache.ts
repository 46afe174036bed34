import type { SerialKeys } from '../../src/crl/types.js';
import { serialText } from '../../src/der/integer.js';

/**
 * The reference design's artefact: a JSON cache of the revoked serials as hex strings, loaded with JSON.parse into
 * a Set<string>. Its exact file layout was not given; this writes the smallest faithful one (the serials and the
 * two dates a cache needs), so its size and load time are a lower bound for the real thing.
 */
export interface JsonCache {
  thisUpdate: string;
  nextUpdate: string | null;
  serials: string[];
}

export function jsonCacheText(keys: SerialKeys, dates: { thisUpdate: string; nextUpdate: string | null }): string {
  const serials = new Array<string>(keys.count);
  for (let i = 0; i < keys.count; i++) serials[i] = serialText(keys.bytes.subarray(keys.offsets[i], keys.offsets[i + 1]));
  const cache: JsonCache = { ...dates, serials };
  return JSON.stringify(cache);
}

/** Cold load as the reference design does it: parse, then one Set of every serial. */
export function loadJsonCache(text: string): Set<string> {
  const cache = JSON.parse(text) as JsonCache;
  return new Set(cache.serials);
}
