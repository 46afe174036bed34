import Benchmark from 'benchmark';
import { median } from './stats.js';

/**
 * ns per operation with benchmark.js, for operations far below a timer tick: each call of `batch(n)` must do n
 * independent operations; benchmark.js calibrates how many calls make a sample and takes samples for `seconds`.
 * The figure is the median over samples, not the mean, so one GC pause in a sample does not move it.
 */
export function nsPerOp(name: string, batch: () => void, perBatch: number, seconds: number): { ns: number; rme: number; samples: number } {
  const bench = new Benchmark(name, batch, { maxTime: seconds, minSamples: 5, delay: 0.005 });
  bench.run({ async: false });
  if (bench.error) throw bench.error instanceof Error ? bench.error : new Error(`${name}: ${String(bench.error)}`);
  const perCall = median(bench.stats.sample);
  return { ns: (perCall * 1e9) / perBatch, rme: bench.stats.rme, samples: bench.stats.sample.length };
}

/** Wall time of each call, in microseconds, after `warmup` untimed calls. */
export async function latenciesUs(calls: number, warmup: number, fn: () => unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out = new Array<number>(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  return out;
}
