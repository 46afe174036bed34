import { readFileSync } from 'node:fs';
import { encodeBlob } from '../../src/blob/encode.js';
import { readBlobHeader } from '../../src/blob/header.js';
import { generatedSerialKeys } from '../../src/testpki/large-crl.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import { loadJsonCache } from '../alternatives/json-cache.js';
import { jsBlobSearcher } from '../alternatives/js-blob-search.js';
import { L2_FLOOR_BYTES, floorChain, walk } from '../alternatives/memory-floor.js';
import { serialTextPerLookup } from '../alternatives/serial-text.js';
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
  // Issue #17's rows go apart (results.lookupSplit), so issue #5's lookup rows and chart stay as they were.
  const split: Omit<LookupRow, 'entries'>[] = [];
  let into = rows;

  /** A full pass: the warm-up, and a check that the method answers what the CRL says. */
  const verify = <K>(method: LookupMethod, has: (k: K) => boolean, keys: K[], present: number): void => {
    let hits = 0;
    for (const k of keys) if (has(k)) hits++;
    if (hits !== present) throw new Error(`${method}: ${hits} of ${keys.length} keys found, expected ${present}`);
  };
  const time = <K>(method: LookupMethod, has: (k: K) => boolean, keys: K[], seconds: number) => {
    let at = 0;
    let sink = 0;
    const r = nsPerOp(method, () => {
      if (at + BATCH > keys.length) at = 0;
      for (let i = at, end = at + BATCH; i < end; i++) if (has(keys[i]!)) sink++;
      at += BATCH;
    }, BATCH, seconds);
    if (sink < 0) throw new Error('unreachable');
    return r;
  };
  const measure = <K>(method: LookupMethod, has: (k: K) => boolean, keys: K[], present = q.present): void => {
    verify(method, has, keys, present);
    collect();
    const r = time(method, has, keys, args.seconds);
    into.push({ method, nsPerOp: r.ns, rme: r.rme, samples: r.samples });
    collect();
  };
  /**
   * Methods whose figures are compared as ratios (issue #17's lines), timed in turns: ROUNDS rounds, each method
   * for a share of the time in every round, the median round kept. A drift of the machine during the section
   * (another process, the host) then moves every method of a ratio alike, instead of whichever ran during it.
   */
  const ROUNDS = 5;
  const interleaved = (methods: { method: LookupMethod; has: (k: never) => boolean; keys: unknown[]; present: number }[]): void => {
    for (const m of methods) verify(m.method, m.has as (k: unknown) => boolean, m.keys, m.present);
    const rounds = methods.map(() => [] as { ns: number; rme: number; samples: number }[]);
    for (let r = 0; r < ROUNDS; r++) {
      methods.forEach((m, i) => {
        collect();
        rounds[i]!.push(time(m.method, m.has as (k: unknown) => boolean, m.keys, args.seconds / ROUNDS));
      });
    }
    methods.forEach((m, i) => {
      const byNs = [...rounds[i]!].sort((a, b) => a.ns - b.ns);
      const mid = byNs[Math.floor(byNs.length / 2)]!;
      into.push({ method: m.method, nsPerOp: mid.ns, rme: mid.rme, samples: byNs.reduce((n, x) => n + x.samples, 0) });
    });
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

  // The floors: one dependent load per step over a buffer the size of the blob, and over one that stays in L2
  // (what a lookup costs at best once its lines are cached: the filter's probe of a small blob).
  const floor = (method: LookupMethod, bytes: number): void => {
    const chain = floorChain(bytes);
    let p = 0;
    const STEPS = 1024;
    walk(chain, 0, Math.min(chain.words.length / 16, 1 << 20));
    const r = nsPerOp(method, () => {
      p = walk(chain, p, STEPS);
    }, STEPS, args.seconds);
    into.push({ method, nsPerOp: r.ns, rme: r.rme, samples: r.samples, bufferBytes: chain.bytes });
    collect();
  };
  floor('memory floor (dependent random load)', blob.length);

  const set = loadJsonCache(readFileSync(args.json, 'utf8'));
  measure('JS Set<string>', (t: string) => set.has(t), q.texts);

  into = split;
  floor('L2-resident floor (dependent random load)', L2_FLOOR_BYTES);

  // Issue #17: absent and present keys apart, each over its own keys in the same order as above. Which are
  // present is the JSON cache's answer (an independent truth), not the index's.
  const absent = { keys: [] as Uint8Array[], texts: [] as string[] };
  const present = { keys: [] as Uint8Array[], texts: [] as string[] };
  q.texts.forEach((t, i) => {
    const side = set.has(t) ? present : absent;
    side.keys.push(q.keys[i]!);
    side.texts.push(t);
  });
  const none = 0;
  const all = present.keys.length;
  // Today's has() without the filter: the same keys encoded as a version 1 blob, in this process.
  const v2 = readBlobHeader(blob);
  const v1Blob = encodeBlob(generatedSerialKeys({ count: args.entries, seed: args.seed }), v2.meta, { version: 1 });
  const blobV1Bytes = v1Blob.length;
  const v1 = RevocationIndex.fromBytes(v1Blob);
  if (v1.count !== v2.count) throw new Error(`the version 1 blob holds ${v1.count} records, the version 2 blob ${v2.count}`);
  interleaved([
    { method: 'WASM index, absent keys', has: (k: Uint8Array) => index.has(k), keys: absent.keys, present: none },
    { method: 'JS Set<string>, absent keys (pre-built strings)', has: (t: string) => set.has(t), keys: absent.texts, present: none },
    { method: 'WASM index v1 (no filter), absent keys', has: (k: Uint8Array) => v1.has(k), keys: absent.keys, present: none },
  ]);
  interleaved([
    { method: 'WASM index, present keys', has: (k: Uint8Array) => index.has(k), keys: present.keys, present: all },
    { method: 'WASM index v1 (no filter), present keys', has: (k: Uint8Array) => v1.has(k), keys: present.keys, present: all },
    { method: 'JS Set<string>, present keys (pre-built strings)', has: (t: string) => set.has(t), keys: present.texts, present: all },
  ]);
  // What an authorizer without this design does: the Set's text made from the certificate's serial bytes.
  measure('JS Set<string>, absent keys (string made per lookup)', (k: Uint8Array) => set.has(serialTextPerLookup(k)), absent.keys, none);
  measure('JS Set<string>, present keys (string made per lookup)', (k: Uint8Array) => set.has(serialTextPerLookup(k)), present.keys, all);
  const sized = (list: Omit<LookupRow, 'entries'>[]): LookupRow[] => list.map((r) => ({ entries: args.entries, ...r }));
  return { rows: sized(rows), split: sized(split), blobBytes: blob.length, blobV1Bytes, queries: q.keys.length };
});
