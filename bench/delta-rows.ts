import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readCrl } from '../src/crl/parse.js';
import { makeCrl } from '../src/testpki/crl.js';
import type { Children } from './children.js';
import { fmtEntries } from './report/format.js';
import { median } from './stats.js';
import { AT, type BenchCrl } from './synthetic.js';

export const DELTA_ENTRIES = 10_000;

/**
 * Preprocessing a base CRL with a 1e4-entry delta against the base alone (fresh processes, alternating), written
 * as a note. The delta is generated first, untimed: random serials, half of them removeFromCRL.
 */
export async function deltaNote(children: Children, crl: BenchCrl, dir: string, repeats: number): Promise<string> {
  const baseNumber = readCrl(new Uint8Array(readFileSync(crl.file))).extensions.crlNumber ?? 0n;
  const at = new Date(AT);
  const entries = Array.from({ length: DELTA_ENTRIES }, (_, i) => ({
    serial: BigInt(0x7a000000 + i) * 1_000_003n,
    ...(i % 2 === 1 && { reason: 'removeFromCRL' as const }),
  }));
  const delta = makeCrl({
    issuer: crl.ca.cert,
    crlNumber: baseNumber + 1n,
    deltaCrlIndicator: baseNumber,
    entries,
    thisUpdate: new Date(at.getTime() - 3_600_000),
    nextUpdate: new Date(at.getTime() + 86_400_000),
  });
  const deltaFile = path.join(dir, `delta-${crl.entries}.crl`);
  writeFileSync(deltaFile, delta);
  const out = path.join(dir, `scratch-delta-${crl.entries}.cache.bin`);
  const args = { crl: crl.file, ca: crl.ca.pemPath, out, at: AT };
  await children.task('delta', args); // warm the page cache, untimed
  const alone: number[] = [];
  const pair: number[] = [];
  for (let i = 0; i < repeats; i++) {
    alone.push((await children.task<{ opMs: number }>('delta', args)).result.opMs);
    pair.push((await children.task<{ opMs: number }>('delta', { ...args, delta: deltaFile })).result.opMs);
  }
  const a = median(alone);
  const p = median(pair);
  return (
    `Delta CRLs (${crl.alg}): preprocessing a ${fmtEntries(crl.entries)}-entry base with a ${fmtEntries(DELTA_ENTRIES)}-entry ` +
    `delta took ${p.toFixed(0)} ms (median of ${repeats}) against ${a.toFixed(0)} ms for the base alone (+${(((p - a) / a) * 100).toFixed(0)}%).`
  );
}
