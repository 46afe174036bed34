/**
 * `node --expose-gc --import tsx test/hardening/soak.ts [--decisions 1000000] [--swap-every 50000] [--entries 20000]`
 * Prints start, peak and end memory; exits 1 if any decision was wrong.
 */
import { parseArgs } from 'node:util';
import { soak, type MemorySample } from './soak-run.js';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '1000000' },
    'swap-every': { type: 'string', default: '50000' },
    entries: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
  },
});
const r = await soak({
  decisions: Number(values.decisions),
  swapEvery: Number(values['swap-every']),
  entries: Number(values.entries),
  seed: Number(values.seed),
});
const mib = (n: number) => (n / 2 ** 20).toFixed(1).padStart(7);
const row = (name: string, m: MemorySample) =>
  `${name.padEnd(6)} heapUsed ${mib(m.heapUsed)} MiB  external ${mib(m.external)} MiB  arrayBuffers ${mib(m.arrayBuffers)} MiB  rss ${mib(m.rss)} MiB`;
console.log(`soak: ${r.decisions} decisions, ${r.swaps} blob swaps, ${r.allows} allowed, ${r.denies} denied, in ${r.seconds.toFixed(1)} s`);
console.log(`wrong decisions: ${r.wrong}`);
console.log(row('start', r.start));
console.log(row('peak', r.peak));
console.log(row('end', r.end));
process.exit(r.wrong > 0 ? 1 : 0);
