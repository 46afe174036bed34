import { readFileSync } from 'node:fs';
import { pkijsVerify } from '../alternatives/pkijs-crl.js';
import { main, nowMs, taskArgs } from './io.js';

/** The general-purpose alternative: read CRL and CA, parse both into pkijs objects, verify the signature. */
main(async () => {
  const args = taskArgs<{ crl: string; caDer: string }>();
  const t0 = nowMs();
  const crl = new Uint8Array(readFileSync(args.crl));
  const ca = new Uint8Array(readFileSync(args.caDer));
  const { entries, verified } = await pkijsVerify(crl, ca);
  const opMs = nowMs() - t0;
  if (!verified) throw new Error('pkijs: the CRL signature did not verify');
  return { opMs, entries };
});
