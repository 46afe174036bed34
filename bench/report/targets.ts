import type { BenchResults, LookupMethod, TargetLine } from '../results.js';
import { fmtBytes, fmtEntries, sig } from './format.js';

/**
 * The targets of issue #5, judged on this run's figures. A target whose size was not measured in this run is
 * reported as not judged (pass: null), never as passed; and no target line ever fails the run.
 */
export function judgeTargets(r: Pick<BenchResults, 'lookup' | 'coldLoad' | 'preprocess'>): TargetLine[] {
  const lines: TargetLine[] = [];
  const notRun = (target: string, size: string): void => {
    lines.push({ target, measured: `not measured (${size} entries not in --sizes, or its section not in --only)`, pass: null });
  };

  for (const [entries, limit] of [[1e6, 100], [1e7, 300]] as const) {
    const target = `lookup through the JS API <= ${limit} ns at ${entries.toExponential(0).replace('+', '')} entries`;
    const row = r.lookup.find((l) => l.entries === entries && l.method === 'WASM directory index');
    if (!row) notRun(target, entries.toExponential(0).replace('+', ''));
    else lines.push({ target, measured: `${sig(row.nsPerOp)} ns`, pass: row.nsPerOp <= limit });
  }

  const blob = r.coldLoad.find((c) => c.entries === 1e7 && c.method === 'blob -> WASM index');
  const json = r.coldLoad.find((c) => c.entries === 1e7 && c.method === 'JSON.parse + Set');
  if (!blob) {
    notRun('cold load at 1e7 entries <= 250 ms', '1e7');
    notRun('cold load at 1e7 entries >= 20x faster than JSON.parse + Set', '1e7');
  } else {
    lines.push({ target: 'cold load at 1e7 entries <= 250 ms', measured: `${sig(blob.medianMs)} ms`, pass: blob.medianMs <= 250 });
    const speedup = json ? json.medianMs / blob.medianMs : null;
    lines.push({
      target: 'cold load at 1e7 entries >= 20x faster than JSON.parse + Set',
      measured: speedup === null ? 'JSON.parse + Set not measured' : `${sig(speedup)}x (${sig(json!.medianMs)} ms vs ${sig(blob.medianMs)} ms)`,
      pass: speedup === null ? null : speedup >= 20,
    });
  }

  for (const alg of ['ec-p256', 'rsa-2048'] as const) {
    const speedTarget = `preprocess at 1e6 entries (${alg} CRL) >= 2x faster than openssl (same run)`;
    const rssTarget = `preprocess at 1e6 entries (${alg} CRL) <= 256 MB peak RSS`;
    const p = r.preprocess.find((x) => x.entries === 1e6 && x.alg === alg && x.method === 'this project');
    if (!p) {
      notRun(speedTarget, '1e6');
      notRun(rssTarget, '1e6');
      continue;
    }
    const ssl = r.preprocess.find((x) => x.entries === 1e6 && x.alg === alg && x.method === 'openssl');
    if (!ssl || ssl.medianWallMs === null || p.medianWallMs === null) {
      lines.push({ target: speedTarget, measured: ssl?.skipped ?? 'openssl not measured', pass: null });
    } else {
      const speedup = ssl.medianWallMs / p.medianWallMs;
      lines.push({
        target: speedTarget,
        measured: `${sig(speedup)}x (${sig(p.medianWallMs)} ms vs ${sig(ssl.medianWallMs)} ms, process wall time)`,
        pass: speedup >= 2,
      });
    }
    const rss = p.medianPeakRssBytes;
    lines.push({
      target: rssTarget,
      measured: rss === null ? 'peak RSS not available' : `${fmtBytes(rss)} (${sig(rss / 1e6)} MB)`,
      // MB read as MiB (RSS is counted in KiB pages): 256 * 2^20 bytes.
      pass: rss === null ? null : rss <= 256 * 2 ** 20,
    });
  }
  return lines;
}

/** The target lines of issues #17 (the filter) and #15 (the denylist), apart from issue #5's. */
export function judgeIssueTargets(r: Pick<BenchResults, 'lookupSplit' | 'preprocess' | 'artefact' | 'denylist' | 'coldLoad'>): TargetLine[] {
  return [...filterTargets(r), ...denylistTargets(r)];
}

/** Issue #15: a 10,000-entry denylist adds <= 1 us per request at p50 (the interleaved pair, every size run). */
export function denylistTargets(r: Pick<BenchResults, 'denylist'>): TargetLine[] {
  const lines: TargetLine[] = [];
  const rows = r.denylist ?? [];
  for (const d of rows.filter((h) => h.method.includes('10,000-entry denylist'))) {
    const plain = rows.find((h) => h.entries === d.entries && h.method === 'this project (handler), interleaved, no denylist');
    if (!plain) continue;
    const added = d.p50Us - plain.p50Us;
    lines.push({
      target: `#15 a ${d.method.replace('this project (handler), interleaved, ', '')} adds <= 1 us per request at p50 (handler at ${fmtEntries(d.entries)} entries)`,
      measured: `${added >= 0 ? '+' : ''}${sig(added)} us (${sig(d.p50Us)} us vs ${sig(plain.p50Us)} us, ${d.requests} requests each, interleaved)`,
      pass: added <= 1,
    });
  }
  return lines;
}

/** A relative change as text: `+4.51%`, `-12.3%`. */
const signedPct = (r: number): string => `${r >= 0 ? '+' : ''}${sig(100 * r)}%`;

const sizeLabel = (entries: number): string => entries.toExponential(0).replace('+', '');

/** Issue #17's acceptance lines: the filter in front of the index, judged on this run's figures. */
export function filterTargets(r: Pick<BenchResults, 'lookupSplit' | 'preprocess' | 'artefact' | 'coldLoad'>): TargetLine[] {
  const lines: TargetLine[] = [];
  const ns = (entries: number, method: LookupMethod): number | undefined =>
    r.lookupSplit?.find((l) => l.entries === entries && l.method === method)?.nsPerOp;
  for (const [entries, limit] of [[1e6, 100], [1e7, 250]] as const) {
    const at = sizeLabel(entries);
    const absent = ns(entries, 'WASM index, absent keys');
    const setAbsent = ns(entries, 'JS Set<string>, absent keys (pre-built strings)');
    const present = ns(entries, 'WASM index, present keys');
    const v1Present = ns(entries, 'WASM index v1 (no filter), present keys');
    const limitLine = `#17 absent keys <= ${limit} ns at ${at} entries`;
    const setLine = `#17 absent keys <= 0.5x the JS Set (pre-built strings, same keys) at ${at} entries`;
    const presentLine = `#17 present keys <= 1.15x today's has() (v1 blob, same keys, same run) at ${at} entries`;
    if (absent === undefined) {
      for (const t of [limitLine, setLine, presentLine]) lines.push({ target: t, measured: `not measured (${at} entries not in --sizes, or its section not in --only)`, pass: null });
      continue;
    }
    lines.push({ target: limitLine, measured: `${sig(absent)} ns`, pass: absent <= limit });
    lines.push({
      target: setLine,
      measured: setAbsent === undefined ? 'JS Set not measured' : `${sig(absent / setAbsent)}x (${sig(absent)} ns vs ${sig(setAbsent)} ns)`,
      pass: setAbsent === undefined ? null : absent <= 0.5 * setAbsent,
    });
    lines.push({
      target: presentLine,
      measured:
        present === undefined || v1Present === undefined
          ? 'not measured'
          : `${sig(present / v1Present)}x (${sig(present)} ns vs ${sig(v1Present)} ns)`,
      pass: present === undefined || v1Present === undefined ? null : present <= 1.15 * v1Present,
    });
  }
  for (const a of r.artefact) {
    if (a.blobV1Bytes === undefined) continue;
    const growth = a.blobBytes / a.blobV1Bytes - 1;
    lines.push({
      target: `#17 blob grows by <= 10% with the filter at ${fmtEntries(a.entries)} entries`,
      measured: `${signedPct(growth)} (${fmtBytes(a.blobBytes)} vs ${fmtBytes(a.blobV1Bytes)})`,
      pass: growth <= 0.1,
    });
  }
  // "Cold load unchanged within noise": the version 2 blob's median load no slower than the slowest load of the
  // same keys as a version 1 blob, in the same run (the v1 runs' own spread is the noise).
  for (const v2 of (r.coldLoad ?? []).filter((c) => c.method === 'blob -> WASM index')) {
    const v1 = r.coldLoad.find((c) => c.entries === v2.entries && c.method === 'v1 blob (no filter) -> WASM index');
    if (!v1) continue;
    const slowest = Math.max(...v1.runsMs);
    lines.push({
      target: `#17 cold load unchanged within noise at ${sizeLabel(v2.entries)} entries (v2 median <= slowest v1 run)`,
      measured:
        `${signedPct(v2.medianMs / v1.medianMs - 1)} (median ${sig(v2.medianMs)} ms vs ${sig(v1.medianMs)} ms; ` +
        `v1 runs ${sig(Math.min(...v1.runsMs))}-${sig(slowest)} ms)`,
      pass: v2.medianMs <= slowest,
    });
  }
  const ours = r.preprocess.find((x) => x.entries === 1e6 && x.alg === 'ec-p256' && x.method === 'this project');
  const v1 = r.preprocess.find((x) => x.entries === 1e6 && x.alg === 'ec-p256' && x.method === 'this project, v1 blob (no filter)');
  const ppLine = '#17 preprocess at 1e6 entries (ec-p256) grows by <= 15% with the filter (process wall time, same run)';
  if (!ours?.medianWallMs || !v1?.medianWallMs) {
    lines.push({ target: ppLine, measured: 'not measured (1e6 entries not in --sizes, or its section not in --only)', pass: null });
  } else {
    const growth = ours.medianWallMs / v1.medianWallMs - 1;
    const op = ours.medianOpMs && v1.medianOpMs ? `; in-process work ${signedPct(ours.medianOpMs / v1.medianOpMs - 1)}` : '';
    lines.push({
      target: ppLine,
      measured: `${signedPct(growth)} (${sig(ours.medianWallMs)} ms vs ${sig(v1.medianWallMs)} ms${op})`,
      pass: growth <= 0.15,
    });
  }
  return lines;
}

export function formatTargets(lines: readonly TargetLine[]): string {
  return lines
    .map((l) => `${l.pass === null ? 'n/a ' : l.pass ? 'PASS' : 'FAIL'}  ${l.target}: ${l.measured}`)
    .join('\n');
}
