import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { encodeBlob } from '../../src/blob/encode.js';
import { readBlobHeader } from '../../src/blob/header.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import { generatedSerialKeys } from '../../src/testpki/large-crl.js';
import { loadJsonCache } from '../alternatives/json-cache.js';
import { collect, main, taskArgs } from './io.js';

/**
 * From the artefact on disk (in the page cache) to an index ready to answer, then the latency of the very first
 * lookup on it. Repeated in one process with a full GC between runs; the parent starts one process for the JSON
 * cache and one for the blob, so that their heaps never meet. The blob's process (`blob-pair`) also loads the same
 * keys as a version 1 blob, in turns with version 2, so that neither version gets a process (or a moment of the
 * machine) of its own: issue #17 compares the two. Timed in two
 * processes, version 1 was loaded after the encoder had run in its process, and measured 130-138 ms against
 * 155-166 ms for version 2 at 1e6, in one run where the blobs differ by 1.1 MB.
 */
interface Args {
  /**
   * `blob-pair`: the blob at `path` (version 2) and the same keys made again as a version 1 blob (no filter), loaded
   * in turns; its result has `runsMs` for version 2 and `v1RunsMs`.
   */
  method: 'blob-pair' | 'json';
  path: string;
  /** For `blob-pair`: the synthetic CRL's size and seed, and where to write the version 1 blob. */
  entries?: number;
  seed?: number;
  v1Path?: string;
  repeats: number;
  /** A serial key (hex octets) that is not revoked, as a good client's. */
  probe: string;
  probeText: string;
}

interface Loads {
  runsMs: number[];
  firstLookupNs: number[];
  firstRunMs: number;
}

main(() => {
  const args = taskArgs<Args>();
  if (args.method === 'json') return timedLoads(args, [args.path])[0]!;
  const v2 = readBlobHeader(new Uint8Array(readFileSync(args.path)));
  const v1 = encodeBlob(generatedSerialKeys({ count: args.entries!, seed: args.seed! }), v2.meta, { version: 1 });
  if (readBlobHeader(v1).count !== v2.count) throw new Error('cold load: the version 1 blob holds other keys');
  writeFileSync(args.v1Path!, v1);
  try {
    const [ofV2, ofV1] = timedLoads(args, [args.path, args.v1Path!]);
    return { ...ofV2!, v1RunsMs: ofV1!.runsMs, v1FirstLookupNs: ofV1!.firstLookupNs };
  } finally {
    rmSync(args.v1Path!, { force: true });
  }
});

/** Each of `paths` loaded `repeats` times (after one untimed run each), in turns: in round r, path i goes first when r % n = i. */
function timedLoads(args: Args, paths: string[]): Loads[] {
  const probe = new Uint8Array(Buffer.from(args.probe, 'hex'));
  const out: Loads[] = paths.map(() => ({ runsMs: [], firstLookupNs: [], firstRunMs: 0 }));
  let answer = false;
  for (let r = 0; r < args.repeats + 1; r++) {
    for (let j = 0; j < paths.length; j++) {
      const i = (r + j) % paths.length;
      collect();
      const t0 = process.hrtime.bigint();
      let has: () => boolean;
      if (args.method !== 'json') {
        const index = RevocationIndex.fromFile(paths[i]!);
        has = () => index.has(probe);
      } else {
        const set = loadJsonCache(readFileSync(paths[i]!, 'utf8'));
        has = () => set.has(args.probeText);
      }
      const t1 = process.hrtime.bigint();
      answer ||= has();
      const t2 = process.hrtime.bigint();
      // The first run compiles the code paths and warms the page cache: not counted.
      if (r === 0) {
        out[i]!.firstRunMs = Number(t1 - t0) / 1e6;
        continue;
      }
      out[i]!.runsMs.push(Number(t1 - t0) / 1e6);
      out[i]!.firstLookupNs.push(Number(t2 - t1));
    }
  }
  if (answer) throw new Error('cold load: the probe serial was reported revoked');
  return out;
}
