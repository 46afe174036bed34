// Where preprocessing time goes: verify + stream (src/crl) against encode (src/blob), in one process, for the
// bench's cached 1e6-entry CRLs (run `npm run bench` once first to generate them).
//
//   npx esbuild bench/preprocess-split.ts --bundle --platform=node --format=esm --outfile=.tmp/split.mjs && node .tmp/split.mjs
import { readFileSync } from 'node:fs';
import { encodeBlob } from '../src/blob/encode.js';
import { verifyCrl } from '../src/crl/verify.js';
import { blobMeta } from '../src/preprocessor/preprocess.js';
import { readCertificate } from '../src/x509/cert.js';

const dir = process.argv[2] ?? 'bench/.cache/v1';
for (const alg of ['ec-p256', 'rsa-2048']) {
  const crl = readFileSync(`${dir}/crl-${alg}-1000000.der`);
  const ca = readCertificate(readFileSync(`${dir}/ca-${alg}.der`));
  for (let run = 1; run <= 3; run++) {
    const t0 = performance.now();
    const facts = verifyCrl(crl, [ca], { at: new Date('2025-06-01T00:00:00Z') });
    const t1 = performance.now();
    const blob = encodeBlob(facts.keys, blobMeta(facts));
    const t2 = performance.now();
    console.log(`${alg} run ${run}: verify+stream ${(t1 - t0).toFixed(0)} ms, encode ${(t2 - t1).toFixed(0)} ms (${blob.length} bytes)`);
  }
}
