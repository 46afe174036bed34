/**
 * `npm run fuzz -- --seed N --cases 100000`: a seeded fuzz run over the DER reader, readCertificate, verifyCrl
 * (mutants of real signed CRLs), the blob loader and the authorizer's event handling. Prints the figures and
 * exits 1 on any crash or wrong accept.
 */
import { parseArgs } from 'node:util';
import { fuzz } from './engine.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, cases: { type: 'string', default: '100000' }, json: { type: 'boolean' } },
});
const seed = Number(values.seed);
const cases = Number(values.cases);
if (!Number.isInteger(seed) || !Number.isInteger(cases) || cases <= 0) {
  console.error('usage: npm run fuzz -- [--seed N] [--cases N] [--json]');
  process.exit(64);
}

const started = performance.now();
const f = await fuzz({ seed, cases });
const seconds = (performance.now() - started) / 1000;

if (values.json) console.log(JSON.stringify({ ...f, seconds }, null, 2));
else {
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(`fuzz: seed ${f.seed}, ${f.cases} cases in ${seconds.toFixed(1)} s`);
  console.log(
    `corpus: ${f.corpus.certs} certificates, ${f.corpus.crls} CRLs (${f.corpus.signedCrls} signed seeds), ` +
      `${f.corpus.blobs} blobs; ${f.corpus.conformanceFiles} conformance files`,
  );
  console.log(`cases by target: ${Object.entries(f.byTarget).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`ended in a value: ${f.values} (signed-CRL mutants accepted, all with unchanged signed bytes: ${f.signedMutantsAccepted})`);
  console.log('rejections by code:');
  for (const [code, n] of Object.entries(f.rejections).sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(36)} ${n}`);
  console.log(`crashes: ${f.crashes}`);
  console.log(`wrong accepts: ${f.wrongAccepts}`);
  console.log(`slowest case: ${f.slowestCaseMs.toFixed(1)} ms (${f.slowestTarget}); peak RSS ${mib(f.peakRssBytes)} MiB`);
  for (const x of f.failures) console.log(`\n${x.kind} in ${x.target}: ${x.detail}\n  case: ${x.input}`);
}
process.exit(f.crashes > 0 || f.wrongAccepts > 0 ? 1 : 0);
