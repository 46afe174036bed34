/** The "as deployed" section's rows (bench/tasks/deployed.ts) and its target lines (issue #11). */

export const BACKGROUND = 'background (CRL_REVALIDATE_SECONDS=10)';
export type SteadyMode = 'per-request (CRL_REVALIDATE_SECONDS=0)' | typeof BACKGROUND;

export interface DeployedSteadyRow {
  mode: SteadyMode;
  decisions: number;
  seconds: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  s3RequestsPer1000: number;
  /** GETs of the blob (not the denylist, asked in the same round) seen at the proxy, per 10 s (the background interval). */
  getsPer10s: number;
  /** From the new blob's PUT completing to the first decision that used it; null when none did. */
  newBlobDelayMs: number | null;
  /** p99 of the CPU time a request used (user + system): the authorizer's own cost, without waits. */
  p99CpuUs?: number;
  /** The slowest 1% by cause: preempted (involuntary context switch during it), a GC pause in it, neither. */
  slowest1pc?: { requests: number; preempted: number; gc: number; neither: number };
  /** The same run's requests once the container is warm: those that began `afterSeconds` or more into the run. */
  steady?: { afterSeconds: number; decisions: number; p50Us: number; p99Us: number; p999Us: number; maxUs: number };
}

export interface DeployedColdRow {
  entries: number;
  blobBytes: number;
  method: 'ranged GETs (defaults)' | 'one GET';
  firstDecisionMs: number;
  code: string;
  peakRssBytes: number;
  s3Requests: number;
  /** CPU the container used from its start to the first decision (user + system), and its minor page faults. */
  cpuMs?: number;
  minorFaults?: number;
  /** CPU the local S3 and the shaping proxy (one process, the bench task's) used meanwhile. */
  rigCpuMs?: number;
}

export interface DeployedResults {
  latencyMs: number;
  bytesPerSecond: number;
  rate: number;
  steady: DeployedSteadyRow[];
  cold: DeployedColdRow[];
  targets: string[];
}

const MB = 1e6;
const MIB = 2 ** 20;
const us = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} ms` : `${Math.round(v)} µs`);
const mark = (ok: boolean) => (ok ? 'met    ' : 'NOT met');

/** One line per acceptance criterion of issue #11, met or not: reported, never failing the run. */
export function deployedTargets(steady: DeployedSteadyRow[], cold: DeployedColdRow[]): string[] {
  const lines: string[] = [];
  const bg = steady.find((r) => r.mode === BACKGROUND);
  if (bg) {
    // In steady state, as the criterion says; the whole run (a fresh process's first seconds included) beside it.
    const st = bg.steady;
    const p99 = st?.p99Us ?? bg.p99Us;
    const p999 = st?.p999Us ?? bg.p999Us;
    const where = st ? ` in steady state (${st.decisions} requests after the first ${st.afterSeconds} s)` : '';
    const whole = (v: number) => (st ? `; whole run ${us(v)}` : '');
    lines.push(`${mark(p99 <= 100)} background revalidation p99 ≤ 100 µs${where}: ${us(p99)}${whole(bg.p99Us)}`);
    lines.push(`${mark(p999 <= 1000)} background revalidation p99.9 ≤ 1 ms${where}: ${us(p999)}${whole(bg.p999Us)}`);
    lines.push(`${mark(bg.getsPer10s <= 1.05)} ≤ 1 S3 request per interval per blob: ${bg.getsPer10s.toFixed(2)} GETs per 10 s`);
    const d = bg.newBlobDelayMs;
    lines.push(`${mark(d !== null && d <= 11_000)} new blob used within interval + 1 s: ${d === null ? 'never' : `${(d / 1000).toFixed(2)} s`}`);
  }
  const big = Math.max(0, ...cold.map((r) => r.entries));
  const ranged = cold.find((r) => r.entries === big && r.method.startsWith('ranged'));
  const one = cold.find((r) => r.entries === big && r.method === 'one GET');
  if (ranged) {
    lines.push(`${mark(ranged.code === 'cert.good')} ${big.toExponential(0)} cold, defaults: first decision correct: ${ranged.code}`);
    const bound = ranged.blobBytes + 150 * MB;
    lines.push(
      `${mark(ranged.peakRssBytes <= bound)} ${big.toExponential(0)} cold peak RSS ≤ blob + 150 MB: ` +
        `${(ranged.peakRssBytes / MIB).toFixed(0)} MiB (bound ${(bound / MIB).toFixed(0)} MiB)`,
    );
  }
  if (ranged && one) {
    const x = one.firstDecisionMs / ranged.firstDecisionMs;
    lines.push(`${mark(x >= 2)} ${big.toExponential(0)} cold: ranged GETs ≥ 2× faster than one GET: ${x.toFixed(2)}×`);
  }
  return lines;
}
