import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXPLAINED, unexplained } from './explained.js';
import { DEFECTS, runDifferential } from './harness.js';

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// A fixed seed and a budget of well under a minute; `npm run differential -- --cases 10000` runs the long one.
const CASES = 600;

describe.runIf(opensslAvailable())('differential against openssl verify -crl_check (seed 1)', () => {
  it(`${CASES} generated CRLs: conforming ones agree exactly, every disagreement is an explained class`, async () => {
    const report = await runDifferential({ seed: 1, cases: CASES });
    // conforming cases: same answer as OpenSSL, and the generator reached every answer
    const none = report.results.filter((r) => r.defect === 'none');
    expect(none.filter((r) => r.ours !== r.openssl)).toEqual([]);
    expect(new Set(none.map((r) => r.ours))).toEqual(new Set(['good', 'revoked', 'unknown']));
    expect(unexplained(report)).toEqual([]);
    // the run exercised most defect classes, and every defect case was refused or not trusted to say good by us
    expect(Object.keys(report.byClass).length).toBeGreaterThan(DEFECTS.length * 0.8);
    for (const r of report.results) {
      if (r.defect !== 'none' && EXPLAINED[r.defect]?.pairs.some((p) => p.ours === 'unknown')) expect([r.defect, r.ours]).toEqual([r.defect, 'unknown']);
    }
  }, 120_000);
});
