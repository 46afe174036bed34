import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared/conformance` beside the clone: CI provides it; elsewhere its suites skip unless it is required. */
export const CONFORMANCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance');

export function conformanceAvailable(): boolean {
  if (existsSync(CONFORMANCE_DIR)) return true;
  if (process.env.CONFORMANCE_REQUIRED === '1') {
    throw new Error(`CONFORMANCE_REQUIRED=1 but ${CONFORMANCE_DIR} is missing`);
  }
  console.warn(`skipping conformance suites: ${CONFORMANCE_DIR} is missing`);
  return false;
}

/** Reads a TSV manifest into one record per row, keyed by the header line's column names. */
export function readManifest(path: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = head!.split('\t');
  return rows.map((row) => {
    const cells = row.split('\t');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

export type ExpectedStatus = 'good' | 'revoked' | 'unknown';

/** The first words of an expected_result / minimal_impl_result cell, as a status (`=` is the expected one). */
export function statusOf(cell: string, expected?: ExpectedStatus): ExpectedStatus | undefined {
  const text = cell.trim().toLowerCase();
  if (text.startsWith('=')) return expected;
  if (text.startsWith('not revoked')) return 'good';
  if (text.startsWith('revoked')) return 'revoked';
  if (text.startsWith('crl must be rejected') || text.startsWith('no usable crl')) return 'unknown';
  return undefined;
}
