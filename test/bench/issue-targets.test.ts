import { describe, expect, it } from 'vitest';
import { judgeIssueTargets } from '../../bench/report/targets.js';
import type { ArtefactRow, ColdLoadRow, HandlerRow, LookupMethod, LookupRow, PreprocessRow } from '../../bench/results.js';

const lookup = (entries: number, method: LookupMethod, nsPerOp: number): LookupRow => ({ entries, method, nsPerOp, rme: 1, samples: 10 });
const handler = (method: HandlerRow['method'], p50Us: number): HandlerRow => ({ entries: 1e6, method, requests: 100, p50Us, p99Us: p50Us * 2, decision: 'Allow' });
const preprocess = (method: PreprocessRow['method'], ms: number): PreprocessRow => ({
  entries: 1e6,
  alg: 'ec-p256',
  method,
  runs: [],
  medianWallMs: ms,
  medianPeakRssBytes: null,
});
const artefact = (blobBytes: number, blobV1Bytes: number): ArtefactRow => ({
  entries: 1e6,
  crlBytes: 1,
  blobBytes,
  jsonBytes: 1,
  recordWidth: 24,
  revoked: 1,
  blobV1Bytes,
});

const cold = (method: ColdLoadRow['method'], runsMs: number[], medianMs: number): ColdLoadRow => ({
  entries: 1e6,
  method,
  runsMs,
  medianMs,
  firstLookupNs: 1,
  peakRssBytes: null,
});

type Over = {
  absent: number;
  setAbsent: number;
  present: number;
  v1Present: number;
  v2Ms: number;
  v1Ms: number;
  v2Bytes: number;
  denylistUs: number;
  /** The version 2 blob's median cold load; the version 1 runs are 95, 100 and 105 ms. */
  coldV2Ms?: number;
};

function judgeIssueTargetsFor(over: Over) {
  return judgeIssueTargets({
    lookupSplit: [
      lookup(1e6, 'WASM index, absent keys', over.absent),
      lookup(1e6, 'JS Set<string>, absent keys (pre-built strings)', over.setAbsent),
      lookup(1e6, 'WASM index, present keys', over.present),
      lookup(1e6, 'WASM index v1 (no filter), present keys', over.v1Present),
    ],
    preprocess: [preprocess('this project', over.v2Ms), preprocess('this project, v1 blob (no filter)', over.v1Ms)],
    artefact: [artefact(over.v2Bytes, 1000)],
    coldLoad: [
      cold('blob -> WASM index', [over.coldV2Ms ?? 100], over.coldV2Ms ?? 100),
      cold('v1 blob (no filter) -> WASM index', [95, 100, 105], 100),
    ],
    denylist: [
      handler('this project (handler), interleaved, no denylist', 10),
      handler('this project (handler), interleaved, 10,000-entry denylist', over.denylistUs),
    ],
  });
}

function judge(over: Over) {
  return new Map(judgeIssueTargetsFor(over).map((l) => [l.target, l.pass]));
}

// The target lines judge the issues' limits on the figures given; a size not run is "not judged", never a pass.
describe('issue #17 and #15 target lines', () => {
  const good = { absent: 90, setAbsent: 200, present: 110, v1Present: 100, v2Ms: 110, v1Ms: 100, v2Bytes: 1050, denylistUs: 10.5, coldV2Ms: 104 };
  const bad = { absent: 120, setAbsent: 200, present: 120, v1Present: 100, v2Ms: 120, v1Ms: 100, v2Bytes: 1150, denylistUs: 11.5, coldV2Ms: 106 };

  it('pass within every limit and fail past each one', () => {
    const g = judge(good);
    const b = judge(bad);
    for (const key of [
      '#17 absent keys <= 100 ns at 1e6 entries',
      "#17 present keys <= 1.15x today's has() (v1 blob, same keys, same run) at 1e6 entries",
      '#17 blob grows by <= 10% with the filter at 1e6 entries',
      '#17 preprocess at 1e6 entries (ec-p256) grows by <= 15% with the filter (process wall time, same run)',
      '#17 cold load unchanged within noise at 1e6 entries (v2 median <= slowest v1 run)',
      '#15 a 10,000-entry denylist adds <= 1 us per request at p50 (handler at 1e6 entries)',
    ]) {
      expect(g.get(key), key).toBe(true);
      expect(b.get(key), key).toBe(false);
    }
    expect(g.get('#17 absent keys <= 0.5x the JS Set (pre-built strings, same keys) at 1e6 entries')).toBe(true);
    expect(judge({ ...good, setAbsent: 170 }).get('#17 absent keys <= 0.5x the JS Set (pre-built strings, same keys) at 1e6 entries')).toBe(false);
  });

  it('print a shrink with its own sign', () => {
    const lines = judgeIssueTargetsFor({ ...{ absent: 90, setAbsent: 200, present: 110, v1Present: 100, v2Bytes: 1050, denylistUs: 10.5 }, v2Ms: 90, v1Ms: 100 });
    const pp = lines.find((l) => l.target.startsWith('#17 preprocess'))!;
    expect(pp.measured).toMatch(/^-10(\.0+)?% \(/);
    expect(lines.find((l) => l.target.startsWith('#17 blob grows'))!.measured).toMatch(/^\+5(\.0+)?% \(/);
  });

  it('leave a size that was not run unjudged', () => {
    const g = judge(good);
    expect(g.get('#17 absent keys <= 250 ns at 1e7 entries')).toBeNull();
  });
});
