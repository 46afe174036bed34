/**
 * Memory and timeouts for the largest CRL a deployment expects, from measured figures (issue #11 item 4).
 *
 * The figures are measured, never estimated: update a row by re-running the command below and copying its
 * output; docs/deploy.md shows the same table ("Sizing for the CRL"), and test/infra/aws-constraints.test.ts
 * checks that the construct's defaults are the largest row.
 *
 *   npx tsx test/infra/measure-sizing.ts --sizes 1e5,1e6,1e7
 *
 * (the bundles `cdk synth` builds, each run as a cold Lambda container would be: a fresh Node process, against
 * s3rver on 127.0.0.1; peak RSS is the process's ru_maxrss). Measured 2026-12-02 on main with the ranged-GET
 * loader and the leaner preprocessor, x86-64, 2 cores: see `loadavg`.
 */

export interface SizingRow {
  /** Revoked entries in the CRL. */
  readonly entries: number;
  /** Size of the DER CRL and of the blob the preprocessor writes, MiB. */
  readonly crlMiB: number;
  readonly blobMiB: number;
  /** Peak RSS of the preprocessor turning that CRL into its blob, MiB, and its wall time, s. */
  readonly preprocessorPeakMiB: number;
  readonly preprocessorSeconds: number;
  /** Peak RSS of a cold authorizer up to its first decision, MiB, and the time from process start to it, s. */
  readonly authorizerPeakMiB: number;
  readonly coldLoadSeconds: number;
  /** `cat /proc/loadavg` when the row was measured. */
  readonly loadavg: string;
}

/**
 * Measured rows, smallest first, each from one run of the command above on 2026-12-02 at the load average it
 * gives: 1e5 and 1e6 in one run; 1e7 alone (in the same run as 1e5 and 1e6, s3rver reset the connection while the
 * 378 MB CRL was uploaded, before anything was measured). The authorizer loads with ranged GETs (its defaults),
 * straight from s3rver; the preprocessor verifies, drops the CRL, then encodes.
 */
export const SIZING: readonly SizingRow[] = [
  {
    entries: 1e5, crlMiB: 3.6, blobMiB: 2.5, preprocessorPeakMiB: 91, preprocessorSeconds: 1.42,
    authorizerPeakMiB: 71, coldLoadSeconds: 0.4, loadavg: '1.22 1.46 1.44',
  },
  {
    entries: 1e6, crlMiB: 36, blobMiB: 24.4, preprocessorPeakMiB: 160, preprocessorSeconds: 2.56,
    authorizerPeakMiB: 127, coldLoadSeconds: 0.92, loadavg: '1.50 1.51 1.46',
  },
  {
    entries: 1e7, crlMiB: 360.5, blobMiB: 248.5, preprocessorPeakMiB: 847, preprocessorSeconds: 15.1,
    authorizerPeakMiB: 358, coldLoadSeconds: 3.47, loadavg: '0.82 0.63 1.03',
  },
];

/** The construct's default `maxCrlEntries`: a 1e7-entry CRL deploys with no sizing prop. */
export const DEFAULT_MAX_CRL_ENTRIES = 1e7;

/** Lambda's memory range and the point at which a function has one full vCPU (Lambda developer guide). */
export const LAMBDA_MIN_MEMORY_MB = 128;
export const LAMBDA_MAX_MEMORY_MB = 10240;
export const ONE_VCPU_MEMORY_MB = 1769;
/** Lambda's longest timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** API Gateway waits at most 10 s for a Lambda authorizer; the whole blob load must fit under it. */
export const AUTHORIZER_TIMEOUT_SECONDS = 10;
export const DEFAULT_LOAD_TIMEOUT_MS = 8000;

/** Memory headroom over the measured peak (issue #11: 25%). */
const HEADROOM = 1.25;
/** The preprocessor's timeout is this many times its (CPU-scaled) wall time, and never under a minute. */
const TIMEOUT_MARGIN = 10;
const MIN_PREPROCESSOR_TIMEOUT_SECONDS = 60;
/**
 * Lambda gives CPU in proportion to memory (one vCPU at 1769 MB), and the figures were measured with at most one
 * core: the authorizer gets enough memory for its cold load to take no more than this on Lambda, half the
 * default load budget. Above one vCPU a single-threaded load gets no faster, so that is the most this asks for.
 */
const COLD_LOAD_TARGET_SECONDS = 4;
/** CRL parsing and signature checks are CPU-bound: the preprocessor never gets less than about 0.3 vCPU. */
const MIN_PREPROCESSOR_MEMORY_MB = 512;

export interface Sizing {
  readonly row: SizingRow;
  readonly authorizerMemoryMb: number;
  readonly preprocessorMemoryMb: number;
  readonly preprocessorTimeoutSeconds: number;
  /** CRL_LOAD_TIMEOUT_MS: the whole load of one blob. */
  readonly loadTimeoutMs: number;
  /** The measured cold load scaled to the CPU share `authorizerMemoryMb` gets. */
  readonly expectedColdLoadSeconds: number;
}

/** The smallest measured row that holds `entries`, or undefined above the largest measured size. */
export function sizingRow(entries: number): SizingRow | undefined {
  return SIZING.find((r) => r.entries >= entries);
}

/** How much slower than on one full core a function with this memory runs. */
export function cpuSlowdown(memoryMb: number): number {
  return ONE_VCPU_MEMORY_MB / Math.min(memoryMb, ONE_VCPU_MEMORY_MB);
}

const steps64 = (mb: number) => Math.max(LAMBDA_MIN_MEMORY_MB, Math.ceil(mb / 64) * 64);

/**
 * Memory: the measured peak plus 25%, in 64 MB steps (the preprocessor at least 512 MB); the authorizer at least what keeps its cold load within
 * COLD_LOAD_TARGET_SECONDS (capped at one vCPU). The preprocessor's timeout: ten times its wall time at its CPU share.
 */
export function sizeFor(entries: number): Sizing | undefined {
  const row = sizingRow(entries);
  if (!row) return undefined;
  const forCpu = Math.min(ONE_VCPU_MEMORY_MB, (ONE_VCPU_MEMORY_MB * row.coldLoadSeconds) / COLD_LOAD_TARGET_SECONDS);
  const authorizerMemoryMb = Math.max(steps64(row.authorizerPeakMiB * HEADROOM), forCpu === ONE_VCPU_MEMORY_MB ? forCpu : steps64(forCpu));
  const preprocessorMemoryMb = Math.max(MIN_PREPROCESSOR_MEMORY_MB, steps64(row.preprocessorPeakMiB * HEADROOM));
  const preprocessorSeconds = row.preprocessorSeconds * cpuSlowdown(preprocessorMemoryMb);
  return {
    row,
    authorizerMemoryMb,
    preprocessorMemoryMb,
    preprocessorTimeoutSeconds: Math.min(
      LAMBDA_MAX_TIMEOUT_SECONDS,
      Math.max(MIN_PREPROCESSOR_TIMEOUT_SECONDS, Math.ceil(preprocessorSeconds * TIMEOUT_MARGIN)),
    ),
    loadTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
    expectedColdLoadSeconds: Number((row.coldLoadSeconds * cpuSlowdown(authorizerMemoryMb)).toFixed(1)),
  };
}

/** Above the largest measured size (memory then given by the user), the largest row with Lambda's longest timeout. */
export function sizeForOrLargest(entries: number): Sizing {
  const sized = sizeFor(entries);
  if (sized) return sized;
  const largest = sizeFor(SIZING[SIZING.length - 1]!.entries)!;
  return { ...largest, preprocessorTimeoutSeconds: LAMBDA_MAX_TIMEOUT_SECONDS };
}
