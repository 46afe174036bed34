import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../src/authorizer/index.js';
import type { AuthorizerResponse } from '../../src/authorizer/response.js';
import { run } from '../../src/cli/main.js';
import { readCrl } from '../../src/crl/parse.js';
import { createPreprocessorHandler } from '../../src/preprocessor/index.js';
import { FolderStore } from '../../src/store/index.js';
import { toPem } from '../../src/testpki/pem.js';
import { restEvent } from '../authorizer/events.js';
import { encodeKey, s3Event } from '../preprocessor/events.js';
import { CONFORMANCE_DIR, describeConformance, readManifest, statusOf } from '../support/conformance.js';

/**
 * PKITS 4.15 (delta CRLs) must each give `expected_result`, never the minimal column: through `check` with the base
 * and the delta as `--crl`, and through the preprocessor and the authorizer with both objects in a store.
 */
const PKITS = join(CONFORMANCE_DIR, 'pkits');
const AT = new Date('2011-06-01T00:00:00Z');

describeConformance('PKITS 4.15 delta CRLs give expected_result', () => {
  const rows = readManifest(join(PKITS, 'MANIFEST.tsv')).filter((r) => r.test_id!.startsWith('4.15.'));
  const load = (f: string) => new Uint8Array(readFileSync(join(PKITS, f)));

  it('has the ten rows', () => {
    expect(rows.map((r) => r.test_id)).toEqual([...Array(10).keys()].map((i) => `4.15.${i + 1}`));
  });

  for (const row of rows) {
    const expected = statusOf(row.expected_result!)!;
    const crlFiles = row.crl_files!.split(';').filter((f) => f.endsWith('.crl'));

    it(`${row.test_id} ${row.test_name} through check: ${expected}`, async () => {
      const out: string[] = [];
      const code = await run(
        ['check', '--cert', join(PKITS, row.leaf_cert!), '--ca', join(PKITS, row.issuing_ca_cert!),
          ...crlFiles.flatMap((f) => ['--crl', join(PKITS, f)]), '--at', AT.toISOString(), '--json'],
        { out: (l) => out.push(l), err: () => undefined },
      );
      const result = JSON.parse(out.join('')) as { status: string };
      expect(result.status).toBe(expected);
      expect(code).toBe(expected === 'good' ? 0 : expected === 'revoked' ? 1 : 2);
    });

    for (const order of ['base first', 'delta first'] as const) {
      it(`${row.test_id} through the preprocessor and the authorizer, ${order}: ${expected}`, async () => {
        const dir = await mkdtemp(join(tmpdir(), 'pkits-delta-'));
        try {
          const store = new FolderStore(dir);
          await store.put('ca/one.ca.pem', load(row.issuing_ca_cert!));
          // Each CRL goes where its content says: a delta at `<name>+.crl` (the key AD CS uses), a base at `<name>.crl`.
          const placed = crlFiles.map((f) => {
            const bytes = load(f);
            const key = readCrl(bytes).extensions.deltaBaseCrlNumber === undefined ? 'ca/one.crl' : 'ca/one+.crl';
            return { key, bytes };
          });
          if (order === 'delta first') placed.reverse();
          const preprocessor = createPreprocessorHandler({ store, now: () => AT, log: () => undefined });
          for (const { key, bytes } of placed) {
            await store.put(key, bytes);
            // A refused CRL fails its invocation; the store keeps whatever blob was good.
            await preprocessor(s3Event('ObjectCreated:Put', 'local', encodeKey(key))).catch(() => undefined);
          }
          const authorizer = createHandler({ store, clock: () => AT.getTime(), logSink: () => undefined, env: {} });
          const response = await authorizer(restEvent(toPem(load(row.leaf_cert!), 'CERTIFICATE')));
          expect(statusOfResponse(response)).toBe(expected);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    }
  }
});

function statusOfResponse(r: AuthorizerResponse): string {
  const allowed = 'isAuthorized' in r ? r.isAuthorized : r.policyDocument.Statement[0].Effect === 'Allow';
  if (allowed) return 'good';
  return r.context.code === 'cert.revoked' ? 'revoked' : 'unknown';
}
