import { readFileSync } from 'node:fs';
import { RevocationIndex } from '../../src/lookup/index.js';
import { loadJsonCache } from '../alternatives/json-cache.js';
import { collect, main, taskArgs } from './io.js';

/**
 * From the artefact on disk (in the page cache) to an index ready to answer, then the latency of the very first
 * lookup on it. Repeated in one process with a full GC between runs; the parent starts a process per method so
 * that the heaps never meet.
 */
interface Args {
  method: 'blob' | 'json';
  path: string;
  repeats: number;
  /** A serial key (hex octets) that is not revoked, as a good client's. */
  probe: string;
  probeText: string;
}

main(() => {
  const args = taskArgs<Args>();
  const probe = new Uint8Array(Buffer.from(args.probe, 'hex'));
  const runsMs: number[] = [];
  const firstLookupNs: number[] = [];
  let answer = false;
  let firstRunMs = 0;
  for (let r = 0; r < args.repeats + 1; r++) {
    collect();
    const t0 = process.hrtime.bigint();
    let has: () => boolean;
    if (args.method === 'blob') {
      const index = RevocationIndex.fromFile(args.path);
      has = () => index.has(probe);
    } else {
      const set = loadJsonCache(readFileSync(args.path, 'utf8'));
      has = () => set.has(args.probeText);
    }
    const t1 = process.hrtime.bigint();
    answer = has();
    const t2 = process.hrtime.bigint();
    // The first run compiles the code paths and warms the page cache: not counted.
    if (r === 0) {
      firstRunMs = Number(t1 - t0) / 1e6;
      continue;
    }
    runsMs.push(Number(t1 - t0) / 1e6);
    firstLookupNs.push(Number(t2 - t1));
  }
  if (answer) throw new Error('cold load: the probe serial was reported revoked');
  return { runsMs, firstLookupNs, firstRunMs };
});
