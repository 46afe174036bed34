import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { encodeBlob } from '../../src/blob/encode.js';
import { readBlobHeader } from '../../src/blob/header.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import { generatedSerialKeys } from '../../src/testpki/large-crl.js';
import { loadJsonCache } from '../alternatives/json-cache.js';
import { collect, main, taskArgs } from './io.js';

/**
 * From the artefact on disk (in the page cache) to an index ready to answer, then the latency of the very first
 * lookup on it. Repeated in one process with a full GC between runs; the parent starts a process per method so
 * that the heaps never meet.
 */
interface Args {
  /** `blob-v1`: the blob at `path` made again as a version 1 blob (no filter) from the same keys, then loaded. */
  method: 'blob' | 'blob-v1' | 'json';
  path: string;
  /** For `blob-v1`: the synthetic CRL's size and seed, and where to write the version 1 blob. */
  entries?: number;
  seed?: number;
  v1Path?: string;
  repeats: number;
  /** A serial key (hex octets) that is not revoked, as a good client's. */
  probe: string;
  probeText: string;
}

main(() => {
  const args = taskArgs<Args>();
  let path = args.path;
  if (args.method === 'blob-v1') {
    const v2 = readBlobHeader(new Uint8Array(readFileSync(args.path)));
    const v1 = encodeBlob(generatedSerialKeys({ count: args.entries!, seed: args.seed! }), v2.meta, { version: 1 });
    if (readBlobHeader(v1).count !== v2.count) throw new Error('cold load: the version 1 blob holds other keys');
    writeFileSync(args.v1Path!, v1);
    path = args.v1Path!;
  }
  try {
    return timedLoads(args, path);
  } finally {
    if (args.method === 'blob-v1') rmSync(path, { force: true });
  }
});

function timedLoads(args: Args, path: string): { runsMs: number[]; firstLookupNs: number[]; firstRunMs: number } {
  const probe = new Uint8Array(Buffer.from(args.probe, 'hex'));
  const runsMs: number[] = [];
  const firstLookupNs: number[] = [];
  let answer = false;
  let firstRunMs = 0;
  for (let r = 0; r < args.repeats + 1; r++) {
    collect();
    const t0 = process.hrtime.bigint();
    let has: () => boolean;
    if (args.method !== 'json') {
      const index = RevocationIndex.fromFile(path);
      has = () => index.has(probe);
    } else {
      const set = loadJsonCache(readFileSync(path, 'utf8'));
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
}
