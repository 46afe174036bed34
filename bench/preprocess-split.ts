// Where preprocessing time goes: verify + stream (src/crl) against encode (src/blob), in one process, for the
// bench's cached 1e6-entry CRLs (run `npm run bench` once first to generate them). Encodes each CRL as format
// version 1 (no filter) and version 2 (with the filter), alternating, so that the filter's share of preprocess
// time is measured in the same run: the ratio printed is (verify + encode v2) / (verify + encode v1).
//
//   npx esbuild bench/preprocess-split.ts --bundle --platform=node --format=esm --outfile=.tmp/split.mjs && node .tmp/split.mjs [cache dir] [runs]
import { readFileSync } from 'node:fs';
import { encodeBlob } from '../src/blob/encode.js';
import { verifyCrl } from '../src/crl/verify.js';
import { blobMeta } from '../src/preprocessor/preprocess.js';
import { readCertificate } from '../src/x509/cert.js';
import { median } from './stats.js';

const dir = process.argv[2] ?? 'bench/.cache/v1';
const runs = Number(process.argv[3] ?? 5);
for (const alg of ['ec-p256', 'rsa-2048']) {
  const crl = readFileSync(`${dir}/crl-${alg}-1000000.der`);
  const ca = readCertificate(readFileSync(`${dir}/ca-${alg}.der`));
  const verify: number[] = [];
  const encode = { 1: [] as number[], 2: [] as number[] };
  const bytes = { 1: 0, 2: 0 };
  for (let run = 1; run <= runs; run++) {
    for (const version of run % 2 ? ([1, 2] as const) : ([2, 1] as const)) {
      const t0 = performance.now();
      const facts = verifyCrl(crl, [ca], { at: new Date('2025-06-01T00:00:00Z') });
      const t1 = performance.now();
      const blob = encodeBlob(facts.keys, blobMeta(facts), { version });
      const t2 = performance.now();
      verify.push(t1 - t0);
      encode[version].push(t2 - t1);
      bytes[version] = blob.length;
      console.log(`${alg} run ${run} v${version}: verify+stream ${(t1 - t0).toFixed(0)} ms, encode ${(t2 - t1).toFixed(0)} ms (${blob.length} bytes)`);
    }
  }
  const v = median(verify);
  const [e1, e2] = [median(encode[1]), median(encode[2])];
  console.log(
    `${alg} medians: verify+stream ${v.toFixed(0)} ms; encode v1 ${e1.toFixed(0)} ms, v2 ${e2.toFixed(0)} ms; ` +
      `preprocess v2/v1 = ${((v + e2) / (v + e1)).toFixed(3)}; blob v2/v1 = ${(bytes[2] / bytes[1]).toFixed(3)}`,
  );
}
