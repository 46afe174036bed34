// Micro-benchmark of the blob layout: encode, load and lookup at 1e6 and 1e7 random serials of 1..20 octets.
// Compares the directory search (format version 2, the filter in front of it) with a plain binary search over the
// same records (same WASM record compare), the plain-JS reference search, and a JS Set of hex strings; then
// absent and present keys apart, against the same keys in a version 1 blob (no filter).
//
//   npx tsx bench/lookup-micro.ts [--sizes 1000000,10000000] [--probes 1000000]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeBlob } from '../src/blob/encode.js';
import { readBlobHeader, type BlobMeta } from '../src/blob/header.js';
import type { SerialKeys } from '../src/crl/types.js';
import { RevocationIndex, referenceSearcher } from '../src/lookup/index.js';
import { PlainIndex } from './alternatives/wasm-plain.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '1000000,10000000' }, probes: { type: 'string', default: '1000000' } },
});
const sizes = values.sizes.split(',').map(Number);
const probeCount = Number(values.probes);
const cacheDir = join(dirname(fileURLToPath(import.meta.url)), '.cache');

/** xorshift32: the same keys on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

/** n random minimal serial keys of 1..20 octets, plus `extra` more for absent probes. */
function randomKeys(n: number, seed: number): SerialKeys {
  const next = rng(seed);
  const offsets = new Uint32Array(n + 1);
  const bytes = new Uint8Array(n * 20);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const len = 1 + (next() % 20);
    for (let j = 0; j < len; j++) bytes[p + j] = next() & 0xff;
    if (len > 1 && bytes[p] === 0x00 && bytes[p + 1]! < 0x80) bytes[p] = 0x01;
    if (len > 1 && bytes[p] === 0xff && bytes[p + 1]! >= 0x80) bytes[p] = 0xfe;
    p += len;
    offsets[i + 1] = p;
  }
  return { count: n, bytes: bytes.subarray(0, p), offsets };
}

const meta: BlobMeta = {
  issuer: '',
  issuerText: 'CN=Bench CA',
  authorityKeyId: null,
  scope: { onlyUserCerts: false, onlyCaCerts: false, onlyAttributeCerts: false, distributionPoints: [] },
  thisUpdate: '2025-01-01T00:00:00.000Z',
  nextUpdate: '2025-01-08T00:00:00.000Z',
  crlNumber: '1',
  crlSha256: '',
  entries: 0,
  revoked: 0,
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hexOf(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += HEX[key[i]!];
  return s;
}

function ms(t0: number): number {
  return performance.now() - t0;
}

/** ns per lookup over all probes (a warm-up pass first); checks that the answer count is what it should be. */
function perLookup(name: string, has: (k: Uint8Array) => boolean, probes: Uint8Array[], expect: number): number {
  let hits = 0;
  for (let i = 0; i < Math.min(probes.length, 100_000); i++) if (has(probes[i]!)) hits++;
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    hits = 0;
    const t0 = performance.now();
    for (let i = 0; i < probes.length; i++) if (has(probes[i]!)) hits++;
    runs.push(((performance.now() - t0) * 1e6) / probes.length);
  }
  if (hits !== expect) throw new Error(`${name}: ${hits} hits, expected ${expect}`);
  return Math.min(...runs);
}

const fmt = (v: number, d = 1): string => v.toFixed(d);
const lines: string[] = [];
const report = (s: string): void => {
  console.log(s);
  lines.push(s);
};

mkdirSync(cacheDir, { recursive: true });
for (const n of sizes) {
  report(`\n== ${n.toExponential(0)} keys (1..20 octets, uniform length) ==`);
  const all = randomKeys(n + probeCount, 0x9e3779b9 ^ n);
  const keys: SerialKeys = { count: n, bytes: all.bytes, offsets: all.offsets };

  const encodeRuns: number[] = [];
  let blob: Uint8Array = new Uint8Array(0);
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    blob = encodeBlob(keys, meta);
    encodeRuns.push(ms(t0));
  }
  const h = readBlobHeader(blob);
  report(`encode:        ${fmt(Math.min(...encodeRuns))} ms (best of 2)`);
  report(
    `blob:          ${blob.length} bytes (${fmt(blob.length / 2 ** 20)} MiB); W=${h.recordWidth} count=${h.count} ` +
      `dirBits=${h.dirBits} (${fmt(h.count / 2 ** h.dirBits, 2)} records/bucket) overflow=${h.overflowCount}`,
  );

  const file = join(cacheDir, `micro-${n}.cache.bin`);
  writeFileSync(file, blob);
  const loads = (load: () => RevocationIndex): number => {
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      load();
      runs.push(ms(t0));
    }
    runs.sort((a, b) => a - b);
    return runs[2]!;
  };
  report(`load fromBytes: ${fmt(loads(() => RevocationIndex.fromBytes(blob)))} ms (median of 5, incl. checksum)`);
  report(`load fromFile:  ${fmt(loads(() => RevocationIndex.fromFile(file)))} ms (median of 5, page cache warm)`);

  const index = RevocationIndex.fromFile(file);
  // Half present (keys of the set), half absent (further keys from the same generator).
  const next = rng(12345);
  // Probe keys are copied into one arena in probe order and handed over as views, as the authorizer hands over
  // a view of the certificate it parsed.
  const picks = Array.from({ length: probeCount }, (_, i) => (i % 2 === 0 ? next() % n : n + (next() % probeCount)));
  const probeArena = new Uint8Array(picks.reduce((s, k) => s + all.offsets[k + 1]! - all.offsets[k]!, 0));
  const probes: Uint8Array[] = [];
  let at = 0;
  for (const k of picks) {
    const key = all.bytes.subarray(all.offsets[k]!, all.offsets[k + 1]!);
    probeArena.set(key, at);
    probes.push(probeArena.subarray(at, at + key.length));
    at += key.length;
  }
  // Absent probes may collide with present keys by chance: count the truth with the index itself.
  let expect = 0;
  for (const p of probes) if (index.has(p)) expect++;

  const t0 = performance.now();
  const cold = RevocationIndex.fromBytes(blob);
  const coldLoad = ms(t0);
  const t1 = performance.now();
  cold.has(probes[1]!);
  report(`first lookup after a load: ${fmt((performance.now() - t1) * 1000, 0)} us (load ${fmt(coldLoad)} ms)`);

  report(`ns/lookup, ${probeCount} random probes (half present), best of 3:`);
  report(`  WASM directory (RevocationIndex.has): ${fmt(perLookup('wasm-dir', (k) => index.has(k), probes, expect))}`);
  const plain = new PlainIndex(blob);
  report(`  WASM plain binary search:             ${fmt(perLookup('wasm-plain', (k) => plain.has(k), probes, expect))}`);
  const ref = referenceSearcher(blob);
  report(`  JS referenceHas:                      ${fmt(perLookup('js-ref', ref, probes, expect))}`);
  const set = new Set<string>();
  for (let i = 0; i < n; i++) set.add(hexOf(all.bytes.subarray(all.offsets[i]!, all.offsets[i + 1]!)));
  report(`  JS Set<string> (hex per lookup):      ${fmt(perLookup('js-set', (k) => set.has(hexOf(k)), probes, expect))}`);

  // Absent and present apart: the filter answers absent keys from a section small enough to stay in cache.
  const present = probes.filter((p) => index.has(p));
  const absent = probes.filter((p) => !index.has(p));
  const v1Blob = encodeBlob(keys, meta, { version: 1 });
  const v1 = RevocationIndex.fromBytes(v1Blob);
  report(`blob v2 ${blob.length} bytes vs v1 ${v1Blob.length} bytes (+${fmt((100 * blob.length) / v1Blob.length - 100, 1)}%)`);
  report(`ns/lookup, ${absent.length} absent and ${present.length} present probes, best of 3:`);
  report(`  v2 (filter) absent:  ${fmt(perLookup('v2-absent', (k) => index.has(k), absent, 0))}`);
  report(`  v1 (no filter) absent: ${fmt(perLookup('v1-absent', (k) => v1.has(k), absent, 0))}`);
  report(`  v2 (filter) present: ${fmt(perLookup('v2-present', (k) => index.has(k), present, present.length))}`);
  report(`  v1 (no filter) present: ${fmt(perLookup('v1-present', (k) => v1.has(k), present, present.length))}`);
  rmSync(file);
}
