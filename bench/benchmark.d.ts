// The slice of benchmark.js (2.1.4, no bundled types) that the bench uses.
declare module 'benchmark' {
  interface Stats {
    /** Seconds per call of the benchmarked function, one value per sample. */
    sample: number[];
    mean: number;
    rme: number;
  }
  interface Options {
    maxTime?: number;
    minTime?: number;
    minSamples?: number;
    initCount?: number;
    delay?: number;
  }
  class Benchmark {
    constructor(name: string, fn: () => void, options?: Options);
    name: string;
    stats: Stats;
    count: number;
    error?: unknown;
    aborted: boolean;
    run(options?: { async?: boolean }): Benchmark;
  }
  export default Benchmark;
}
