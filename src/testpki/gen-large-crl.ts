/**
 * Writes a synthetic signed CRL and its CA certificate, for the benchmark and by hand:
 *   npx tsx src/testpki/gen-large-crl.ts --count 1000000 --out /tmp/big.crl [--seed 1] [--alg ec-p256]
 *       [--serials /tmp/big.serials.txt]
 * The CA certificate goes to `<out>.ca.pem` (the object name DESIGN.md expects beside `<name>.crl`).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { makeCa } from './cert.js';
import { generateKey, type KeyAlg } from './keys.js';
import { writeLargeCrl } from './large-crl.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    alg: { type: 'string', default: 'ec-p256' },
    serials: { type: 'string' },
  },
});
if (!values.out) {
  console.error('usage: gen-large-crl --count N --out file.crl [--seed S] [--alg ec-p256] [--serials file.txt]');
  process.exit(64);
}
const count = Number(values.count);
const ca = makeCa({ name: 'CN=Synthetic Large CRL CA,O=crl-authorizer test,C=US', key: generateKey(values.alg as KeyAlg) });
const caPath = values.out.replace(/\.crl$/, '') + '.ca.pem';
writeFileSync(caPath, ca.pem);
const started = process.hrtime.bigint();
const result = writeLargeCrl(values.out, {
  issuer: ca,
  count,
  seed: Number(values.seed),
  ...(values.serials ? { serialsPath: values.serials } : {}),
});
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(
  JSON.stringify({
    ...result,
    out: values.out,
    ca: caPath,
    ms: Math.round(ms),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  }),
);
