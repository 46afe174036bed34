import { readFileSync } from 'node:fs';
import { describe } from 'vitest';
import { SKIP_HINT, conformanceAvailable } from './conformance-dir.js';

export { CONFORMANCE_DIR, conformanceAvailable } from './conformance-dir.js';

/**
 * `describe` for a suite that reads the conformance data: registered only when the data is there (vitest runs a
 * skipped suite's body to collect it, which would read the missing files), else one line saying why and how.
 */
export function describeConformance(name: string, body: () => void): void {
  if (conformanceAvailable()) {
    describe(name, body);
    return;
  }
  console.warn(`skipping conformance suite "${name}": ${SKIP_HINT}`);
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
