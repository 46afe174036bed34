import { readFileSync, writeFileSync } from 'node:fs';
import { preprocessPair } from '../../src/preprocessor/delta.js';
import { main, nowMs, taskArgs } from './io.js';

/** Preprocess a base CRL alone, or with its delta (one blob for the pair), as the preprocessor does. */
interface Args {
  crl: string;
  delta?: string;
  ca: string;
  out: string;
  at: string;
}

main(() => {
  const args = taskArgs<Args>();
  const t0 = nowMs();
  const base = readFileSync(args.crl);
  const delta = args.delta ? readFileSync(args.delta) : undefined;
  const { blob, meta, deltaProblem } = preprocessPair(base, delta, [readFileSync(args.ca)], { at: new Date(args.at) });
  if (deltaProblem) throw deltaProblem;
  writeFileSync(args.out, blob);
  return { opMs: nowMs() - t0, revoked: meta.revoked, blobBytes: blob.length };
});
