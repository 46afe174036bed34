import type { DeployedResults } from './deployed.js';
import type { MachineInfo } from './machine.js';

/** The shape of bench/results/<date>.json. Times in milliseconds unless a field says ns/us; sizes in bytes. */

export interface ProcessRun {
  wallMs: number;
  peakRssBytes: number | null;
  /** The measured work inside a node child (read input, do it, write output), without node's own start-up. */
  opMs?: number;
}

export interface PreprocessRow {
  entries: number;
  alg: CaAlg;
  method: 'this project' | 'this project, v1 blob (no filter)' | 'pkijs' | 'openssl';
  runs: ProcessRun[];
  medianWallMs: number | null;
  medianPeakRssBytes: number | null;
  medianOpMs?: number | null;
  /** Why the method did not run at this size, when it did not. */
  skipped?: string;
}

export interface ArtefactRow {
  entries: number;
  crlBytes: number;
  blobBytes: number;
  jsonBytes: number;
  recordWidth: number;
  revoked: number;
  /** The same keys as a version 1 blob (no filter), from the lookup task: the filter's share of the size. */
  blobV1Bytes?: number;
}

export interface ColdLoadRow {
  entries: number;
  /** Issue #17: the same keys as a version 1 blob (no filter), for "cold load unchanged within noise". */
  method: 'blob -> WASM index' | 'v1 blob (no filter) -> WASM index' | 'JSON.parse + Set';
  runsMs: number[];
  medianMs: number;
  /** Latency of the first lookup after the load, median over the runs (no target). */
  firstLookupNs: number;
  /** The child's: for the two blob rows, the one process that loaded both in turns (and encoded the v1 blob). */
  peakRssBytes: number | null;
}

export type LookupMethod =
  | 'WASM directory index'
  | 'WASM plain binary search'
  | 'JS Set<string>'
  | 'JS binary search over the blob'
  | 'memory floor (dependent random load)'
  // Issue #17: absent and present keys apart, the version 1 blob (no filter) as "today's has()", the Set with the
  // key's text made per lookup, and a floor that stays in L2.
  | 'WASM index, absent keys'
  | 'WASM index, present keys'
  | 'WASM index v1 (no filter), absent keys'
  | 'WASM index v1 (no filter), present keys'
  | 'JS Set<string>, absent keys (pre-built strings)'
  | 'JS Set<string>, present keys (pre-built strings)'
  | 'JS Set<string>, absent keys (string made per lookup)'
  | 'JS Set<string>, present keys (string made per lookup)'
  | 'L2-resident floor (dependent random load)';

export interface LookupRow {
  entries: number;
  method: LookupMethod;
  /** Median over benchmark.js samples of ns per lookup (a sample is a batch of lookups). */
  nsPerOp: number;
  rme: number;
  samples: number;
  /** Buffer size the floor chain walks, for the memory floor row. */
  bufferBytes?: number;
}

export interface HandlerRow {
  entries: number;
  method:
    | 'this project (handler)'
    | 'reference (X509Certificate + Set)'
    // Issue #15: the same handler without and with a 10,000-entry denylist, requests interleaved.
    | 'this project (handler), interleaved, no denylist'
    | 'this project (handler), interleaved, 10,000-entry denylist'
    | 'this project (handler), interleaved, 10,000-entry denylist without fingerprints';
  requests: number;
  p50Us: number;
  p99Us: number;
  decision: string;
}

export interface RevalidationRow {
  case: 'unchanged' | 'changed';
  method: 'conditional GET (If-None-Match)' | 'HEAD then GET';
  requests: number;
  p50Ms: number;
  p99Ms: number;
  objectBytes: number;
}

export interface TableRow {
  section: string;
  entries: number | null;
  what: string;
  ours: number | null;
  alternative: string;
  theirs: number | null;
  unit: string;
  /** ours / theirs: below 1 is better for every unit the bench reports (time, bytes). */
  ratio: number | null;
  note?: string;
}

export interface TargetLine {
  target: string;
  measured: string;
  pass: boolean | null;
  note?: string;
}

export interface CrlInfo {
  entries: number;
  alg: CaAlg;
  bytes: number;
  file: string;
}

export type CaAlg = 'ec-p256' | 'rsa-2048';

export interface BenchResults {
  schema: 1;
  date: string;
  command: string;
  options: { sizes: number[]; quick: boolean; repeats: number };
  machine: MachineInfo;
  durationSeconds: number;
  crls: CrlInfo[];
  preprocess: PreprocessRow[];
  artefact: ArtefactRow[];
  coldLoad: ColdLoadRow[];
  lookup: LookupRow[];
  handler: HandlerRow[];
  revalidation: RevalidationRow[];
  /** OCSP source rows (bench/tasks/ocsp.ts); absent in results written before it existed. */
  ocsp?: import('./tasks/ocsp.js').OcspBenchRow[];
  /** Issue #11's "as deployed" section. */
  deployed?: DeployedResults;
  /** Issue #17: lookups of absent and present keys apart, v1 blob (no filter), Set variants, the L2 floor. */
  lookupSplit?: LookupRow[];
  /** Issue #15: the warm handler without and with a 10,000-entry denylist, requests interleaved. */
  denylist?: HandlerRow[];
  /** The target lines of issues #17 and #15 (apart from issue #5's `targets`). */
  issueTargets?: TargetLine[];
  table: TableRow[];
  targets: TargetLine[];
  notes: string[];
  errors: string[];
}
