import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { CONFORMANCE_DIR, describeConformance, readManifest, statusOf } from '../support/conformance.js';

const PKITS = join(CONFORMANCE_DIR, 'pkits');
// Inside every PKITS certificate's validity and every current PKITS CRL's thisUpdate..nextUpdate.
const AT = '2011-06-01T00:00:00Z';

async function check(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['check', ...args, '--json'], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, result: JSON.parse(out.join('')) as { status: string; code: string }, err };
}

describeConformance('NIST PKITS through `crl-authorizer check`', () => {
  const rows = readManifest(join(PKITS, 'MANIFEST.tsv')).filter((r) => r.scope !== 'OUT-PATH');

  it('covers the leaf-only cases of the manifest', () => {
    expect(rows.length).toBeGreaterThan(70);
  });

  for (const row of rows) {
    const expected = statusOf(row.expected_result!);
    const minimal = statusOf(row.minimal_impl_result!, expected);
    const strict = row.scope === 'IN' || row.scope === 'IN-NAME' || row.scope === 'FEATURE-IDP';
    it(`${row.test_id} ${row.test_name} (${row.scope}): ${row.expected_result}`, async () => {
      let crlFiles = row.crl_files!.split(';').filter((f) => f.endsWith('.crl'));
      const caFiles = [row.issuing_ca_cert!];
      if (crlFiles.length === 0) {
        // "Missing CRL": give the CLI what the path offers (the trust anchor's CRL), which covers no leaf here.
        const path = row['full_path_certs(TA..intermediates)']!.split(';');
        crlFiles = path.filter((f) => f.endsWith('.crl'));
        caFiles.push(...path.filter((f) => f.endsWith('.crt')));
      }
      const { code, result } = await check([
        '--cert', join(PKITS, row.leaf_cert!),
        ...caFiles.flatMap((f) => ['--ca', join(PKITS, f)]),
        ...crlFiles.flatMap((f) => ['--crl', join(PKITS, f)]),
        '--at', AT,
      ]);
      expect(code).toBe(result.status === 'good' ? 0 : result.status === 'revoked' ? 1 : 2);
      if (strict) {
        expect(result.status).toBe(expected);
      } else {
        expect([expected, minimal]).toContain(result.status);
      }
      // The one outcome that must never happen: good where both columns say otherwise.
      if (expected !== 'good' && minimal !== 'good') expect(result.status).not.toBe('good');
    });
  }
});
