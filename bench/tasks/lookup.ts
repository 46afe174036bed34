import { readFileSync } from 'node:fs';
import { RevocationIndex } from '../../src/lookup/index.js';
import { loadJsonCache } from '../alternatives/json-cache.js';
import { jsBlobSearcher } from '../alternatives/js-blob-search.js';
import { floorChain, walk } from '../alternatives/memory-floor.js';
import { PlainIndex } from '../alternatives/wasm-plain.js';
import { nsPerOp } from '../measure.js';
import { makeQueries } from '../queries.js';
import type { LookupMethod, LookupRow } from '../results.js';
import { collect, main, taskArgs } from './io.js';

/**
 * ns per lookup through each method's JS API, over the same random keys (half revoked). The key set is far larger
 * than the caches at big sizes, so each lookup pays for its own misses, as a lambda serving many clients does.
 */
interface Args {
  entries: number;
  seed: number;
  blob: string;
  json: string;
  queries: number;
  seconds: number;
}

const BATCH = 1024;

main(() => {
  const args = taskArgs<Args>();
  const q = makeQueries(args.entries, args.seed, args.queries);
  const rows: Omit<LookupRow, 'entries'>[] = [];

  const measure = <K>(method: LookupMethod, has: (k: K) => boolean, keys: K[]): void => {
    // A full pass first: the warm-up, and a check that the method answers what the CRL says.
    let hits = 0;
    for (const k of keys) if (has(k)) hits++;
    if (hits !== q.present) throw new Error(`${method}: ${hits} of ${keys.length} keys found, expected ${q.present}`);
    collect();
    let at = 0;
    let sink = 0;
    const r = nsPerOp(method, () => {
      if (at + BATCH > keys.length) at = 0;
      for (let i = at, end = at + BATCH; i < end; i++) if (has(keys[i]!)) sink++;
      at += BATCH;
    }, BATCH, args.seconds);
    if (sink < 0) throw new Error('unreachable');
    rows.push({ method, nsPerOp: r.ns, rme: r.rme, samples: r.samples });
    collect();
  };

  const index = RevocationIndex.fromFile(args.blob);
  measure('WASM directory index', (k: Uint8Array) => index.has(k), q.keys);
  const blob = new Uint8Array(readFileSync(args.blob));
  {
    const plain = new PlainIndex(blob);
    measure('WASM plain binary search', (k: Uint8Array) => plain.has(k), q.keys);
  }
  measure('JS binary search over the blob', jsBlobSearcher(blob), q.keys);
  collect();

  // The floor: one dependent load per step over a buffer the size of the blob.
  const chain = floorChain(blob.length);
  let p = 0;
  const STEPS = 1024;
  walk(chain, 0, Math.min(chain.words.length / 16, 1 << 20));
  const floor = nsPerOp('memory floor', () => {
    p = walk(chain, p, STEPS);
  }, STEPS, args.seconds);
  rows.push({ method: 'memory floor (dependent random load)', nsPerOp: floor.ns, rme: floor.rme, samples: floor.samples, bufferBytes: chain.bytes });
  collect();

  const set = loadJsonCache(readFileSync(args.json, 'utf8'));
  measure('JS Set<string>', (t: string) => set.has(t), q.texts);
  return { rows: rows.map((r) => ({ entries: args.entries, ...r })), blobBytes: blob.length, queries: q.keys.length };
});
