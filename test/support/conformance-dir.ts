import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The conformance data (NIST PKITS and real-world CRLs/certificates, `MANIFEST.tsv` in each): `CONFORMANCE_DIR` when
 * set, else `../shared/conformance` beside the clone (CI provides it). No vitest import: vitest.config.ts reads it.
 */
export const CONFORMANCE_DIR = process.env.CONFORMANCE_DIR
  ? resolve(process.env.CONFORMANCE_DIR)
  : resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance');

/** Whether the data is there; `CONFORMANCE_REQUIRED=1` (CI) makes its absence an error rather than a skip. */
export function conformanceAvailable(): boolean {
  if (existsSync(CONFORMANCE_DIR)) return true;
  if (process.env.CONFORMANCE_REQUIRED === '1') {
    throw new Error(`CONFORMANCE_REQUIRED=1 but ${CONFORMANCE_DIR} is missing`);
  }
  return false;
}

/** Test files that hold only conformance suites: left out of the run without the data (one line each). */
export const CONFORMANCE_ONLY_FILES = ['test/cli/pkits.test.ts', 'test/cli/pkits-delta.test.ts', 'test/crl/conformance.test.ts'];

export const SKIP_HINT = `no data at ${CONFORMANCE_DIR} (set CONFORMANCE_DIR; see README "Conformance data")`;
