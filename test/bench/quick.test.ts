import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/results.js';

const run = promisify(execFile);

// `npm run bench -- --quick` as a user runs it, with results and synthetic CRLs in temporary directories so that
// the test leaves the repository as it found it. It checks that every section is measured and written; the
// figures themselves are not judged here (benchmarks measure, tests do not time things).
describe('npm run bench -- --quick', () => {
  let dir: string;
  let stdout = '';
  let results: BenchResults;
  let svg = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-quick-'));
    const out = path.join(dir, 'results');
    const res = await run('npm', ['run', 'bench', '--', '--quick', '--out', out, '--cache', path.join(dir, 'cache')], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      maxBuffer: 16 * 2 ** 20,
    });
    stdout = res.stdout;
    const files = await readdir(out);
    const json = files.filter((f) => f.endsWith('.json'));
    expect(json).toHaveLength(1);
    results = JSON.parse(await readFile(path.join(out, json[0]!), 'utf8')) as BenchResults;
    svg = await readFile(path.join(out, json[0]!.replace(/\.json$/, '.svg')), 'utf8');
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records the machine it ran on and no failed section', () => {
    expect(results.errors).toEqual([]);
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.memoryBytes).toBeGreaterThan(0);
    expect(results.machine.cpuModel).not.toBe('');
    expect(results.machine.node).toBe(process.version);
    expect(results.options.quick).toBe(true);
  });

  it('generates a signed CRL per size for each CA algorithm', () => {
    const sizes = results.options.sizes;
    expect(sizes.length).toBeGreaterThan(0);
    for (const alg of ['ec-p256', 'rsa-2048']) {
      expect(results.crls.filter((c) => c.alg === alg).map((c) => c.entries)).toEqual(sizes);
    }
  });

  it('measures preprocess for this project, openssl and pkijs with wall time and peak RSS', () => {
    const ours = results.preprocess.filter((p) => p.method === 'this project');
    expect(ours.length).toBe(2 * results.options.sizes.length);
    for (const p of ours) {
      expect(p.medianWallMs).toBeGreaterThan(0);
      expect(p.medianPeakRssBytes).toBeGreaterThan(0);
    }
    const openssl = results.preprocess.filter((p) => p.method === 'openssl');
    if (results.machine.openssl) expect(openssl.every((p) => p.medianWallMs! > 0)).toBe(true);
    else expect(openssl.every((p) => p.skipped)).toBe(true);
    // pkijs runs at the smallest size at least; where it does not run, the row says why.
    const pkijs = results.preprocess.filter((p) => p.method === 'pkijs');
    expect(pkijs.some((p) => p.medianWallMs! > 0)).toBe(true);
    expect(pkijs.every((p) => p.medianWallMs !== null || p.skipped)).toBe(true);
  });

  it('compares the blob with the JSON cache on size and cold load', () => {
    for (const entries of results.options.sizes) {
      const a = results.artefact.find((x) => x.entries === entries)!;
      expect(a.blobBytes).toBeGreaterThan(0);
      expect(a.jsonBytes).toBeGreaterThan(0);
      for (const method of ['blob -> WASM index', 'JSON.parse + Set']) {
        const c = results.coldLoad.find((x) => x.entries === entries && x.method === method)!;
        expect(c.medianMs).toBeGreaterThan(0);
        expect(c.firstLookupNs).toBeGreaterThan(0);
      }
    }
  });

  it('measures ns per lookup for every method and the memory floor at every size', () => {
    for (const entries of results.options.sizes) {
      const methods = results.lookup.filter((l) => l.entries === entries).map((l) => l.method).sort();
      expect(methods).toEqual(
        [
          'JS Set<string>',
          'JS binary search over the blob',
          'WASM directory index',
          'WASM plain binary search',
          'memory floor (dependent random load)',
        ].sort(),
      );
      expect(results.lookup.every((l) => l.nsPerOp > 0)).toBe(true);
    }
  });

  it('runs the warm handler end to end and allows the good client certificate', () => {
    for (const entries of results.options.sizes) {
      const rows = results.handler.filter((h) => h.entries === entries);
      expect(rows.map((h) => h.method).sort()).toEqual(['reference (X509Certificate + Set)', 'this project (handler)']);
      for (const h of rows) {
        expect(h.decision).toBe('Allow');
        expect(h.p99Us).toBeGreaterThanOrEqual(h.p50Us);
      }
    }
  });

  it('measures revalidation against s3rver both ways, unchanged and changed', () => {
    const seen = results.revalidation.map((r) => `${r.case}/${r.method}`).sort();
    expect(seen).toEqual([
      'changed/HEAD then GET',
      'changed/conditional GET (If-None-Match)',
      'unchanged/HEAD then GET',
      'unchanged/conditional GET (If-None-Match)',
    ]);
  });

  it('prints the side-by-side table with ratios and a line for every target', () => {
    expect(results.table.length).toBeGreaterThan(0);
    expect(results.table.some((r) => r.ratio !== null)).toBe(true);
    expect(results.targets).toHaveLength(8); // lookup x2, cold load x2, preprocess x2 for each CA algorithm
    expect(stdout).toMatch(/ratio = this project ÷ alternative/);
    for (const t of results.targets) expect(stdout).toContain(t.target);
  });

  it('draws the chart with one line per method', () => {
    expect(svg.startsWith('<svg')).toBe(true);
    const lines = svg.match(/<polyline /g) ?? [];
    expect(lines.length).toBe(5 + 2);
  });

  it('measures OCSP: a cached answer, an uncached one against openssl ocsp, and the hit rate of a repeat-client mix', () => {
    const cases = (results.ocsp ?? []).map((r) => r.case);
    expect(cases).toEqual(['uncached (openssl ocsp on 127.0.0.1)', 'cached answer (source.check hit)', 'repeat-client mix', 'repeat-client mix']);
    for (const r of results.ocsp!.filter((x) => x.case === 'repeat-client mix')) expect(r.hitRate).toBeGreaterThan(0);
    expect(stdout).toMatch(/target: cached answer adds ≤ 5 µs at p50/);
  });
});
