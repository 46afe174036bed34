import type { BenchResults, TargetLine } from '../results.js';
import { fmtBytes, sig } from './format.js';

/**
 * The targets of issue #5, judged on this run's figures. A target whose size was not measured in this run is
 * reported as not judged (pass: null), never as passed; and no target line ever fails the run.
 */
export function judgeTargets(r: Pick<BenchResults, 'lookup' | 'coldLoad' | 'preprocess'>): TargetLine[] {
  const lines: TargetLine[] = [];
  const notRun = (target: string, size: string): void => {
    lines.push({ target, measured: `not measured (${size} entries not in --sizes)`, pass: null });
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

export function formatTargets(lines: readonly TargetLine[]): string {
  return lines
    .map((l) => `${l.pass === null ? 'n/a ' : l.pass ? 'PASS' : 'FAIL'}  ${l.target}: ${l.measured}`)
    .join('\n');
}
