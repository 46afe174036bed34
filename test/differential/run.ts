/**
 * `npm run differential -- [--seed N] [--cases N] [--json]`: the OpenSSL differential (harness.ts). Prints the
 * disagreement counts by defect class; exits 1 when a class disagrees in a way docs/conformance.md does not explain.
 */
import { parseArgs } from 'node:util';
import { unexplained } from './explained.js';
import { runDifferential } from './harness.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, cases: { type: 'string', default: '10000' }, json: { type: 'boolean' } },
});
const seed = Number(values.seed);
const cases = Number(values.cases);
if (!Number.isInteger(seed) || !Number.isInteger(cases) || cases <= 0) {
  console.error('usage: npm run differential -- [--seed N] [--cases N] [--json]');
  process.exit(64);
}
const started = performance.now();
const report = await runDifferential({ seed, cases });
const seconds = (performance.now() - started) / 1000;
const bad = unexplained(report);
if (values.json) console.log(JSON.stringify({ seed, cases, seconds, byClass: report.byClass, unexplained: bad }, null, 2));
else {
  console.log(`differential: seed ${seed}, ${cases} cases in ${seconds.toFixed(1)} s`);
  const rows = Object.entries(report.byClass).sort(([a], [b]) => a.localeCompare(b));
  let total = 0;
  for (const [cls, c] of rows) {
    const d = Object.entries(c.disagreements).map(([k, n]) => `${k} ${n}`).join(', ');
    total += Object.values(c.disagreements).reduce((a, b) => a + b, 0);
    console.log(`  ${cls.padEnd(28)} ${String(c.cases).padStart(6)} cases   ${d || 'agree'}`);
  }
  console.log(`disagreements: ${total}; unexplained: ${bad.length}`);
  for (const b of bad.slice(0, 20)) console.log(`  UNEXPLAINED case ${b.index} ${b.defect}: ours ${b.ours} (${b.oursDetail}), openssl ${b.openssl} (${b.opensslDetail})`);
}
process.exit(bad.length ? 1 : 0);
