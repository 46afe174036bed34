/**
 * PKITS leaf-only revocation decisions (conformance/pkits/MANIFEST.tsv), as plain functions so the same logic can
 * be driven through the library (here) or through the CLI later.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { covers, verifyCrl, type CrlFacts } from '../../src/crl/index.js';
import { codeOf, messageOf } from '../../src/errors.js';
import { readCertificate, type CertFacts } from '../../src/x509/index.js';
import { bytesEqual } from '../../src/der/index.js';
import { statusOf, type ExpectedStatus } from './conformance.js';

export type PkitsStatus = ExpectedStatus;

export interface PkitsRow {
  id: string;
  name: string;
  scope: string;
  leaf: string;
  issuingCa: string;
  crls: string[];
  expected: string;
  minimal: string;
}

/** A date inside every PKITS certificate's and current CRL's validity (they run 2010-01-01 to 2030-12-31). */
export const PKITS_AT = new Date('2011-06-01T00:00:00Z');

export function readPkitsManifest(dir: string): PkitsRow[] {
  const [header, ...lines] = readFileSync(path.join(dir, 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n');
  const cols = header!.split('\t');
  const col = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`PKITS manifest has no column ${name}`);
    return i;
  };
  const c = {
    id: col('test_id'),
    name: col('test_name'),
    scope: col('scope'),
    leaf: col('leaf_cert'),
    ca: col('issuing_ca_cert'),
    crls: col('crl_files'),
    expected: col('expected_result'),
    minimal: col('minimal_impl_result'),
  };
  return lines.map((line) => {
    const f = line.split('\t');
    return {
      id: f[c.id]!,
      name: f[c.name]!,
      scope: f[c.scope]!,
      leaf: f[c.leaf]!,
      issuingCa: f[c.ca]!,
      crls: f[c.crls]!.split(';').filter((x) => x !== '' && x !== '(none)'),
      expected: f[c.expected]!,
      minimal: f[c.minimal]!,
    };
  });
}

/** The answers a row accepts: expected only for core rows, expected or minimal for optional features. */
export function acceptedStatuses(row: PkitsRow): PkitsStatus[] {
  const expected = statusOf(row.expected);
  const minimal = statusOf(row.minimal, expected);
  const strict = row.scope === 'IN' || row.scope === 'IN-NAME' || row.scope === 'FEATURE-IDP';
  const out = new Set<PkitsStatus>();
  if (expected) out.add(expected);
  if (!strict && minimal) out.add(minimal);
  return [...out];
}

/** Rows this project answers (path validation is API Gateway's job). */
export function inScope(row: PkitsRow): boolean {
  return row.scope !== 'OUT-PATH';
}

/**
 * The leaf-only decision: of the verified CRLs, those whose issuer (name, and key id where both have one) is the
 * leaf's issuer and whose scope covers the leaf count; none -> unknown; the serial in any -> revoked.
 */
export function decideLeaf(leaf: CertFacts, verified: readonly CrlFacts[]): PkitsStatus {
  const counting = verified.filter(
    (crl) =>
      crl.issuerKey === leaf.issuerKey &&
      !(crl.authorityKeyId && leaf.authorityKeyId && !bytesEqual(crl.authorityKeyId, leaf.authorityKeyId)) &&
      covers(crl.scope, leaf),
  );
  if (counting.length === 0) return 'unknown';
  for (const crl of counting) {
    const { keys } = crl;
    for (let i = 0; i < keys.count; i++) {
      if (bytesEqual(keys.bytes.subarray(keys.offsets[i]!, keys.offsets[i + 1]!), leaf.serial)) return 'revoked';
    }
  }
  return 'good';
}

export interface PkitsOutcome {
  status: PkitsStatus;
  /** per CRL file: `ok` or the rejection code and sentence */
  crls: { file: string; result: string }[];
}

/** Loads the row's leaf, issuing CA and CRLs, verifies each CRL with the library and decides the leaf. */
export function runPkitsRow(dir: string, row: PkitsRow, at: Date = PKITS_AT): PkitsOutcome {
  const load = (f: string): Uint8Array => new Uint8Array(readFileSync(path.join(dir, f)));
  const leaf = readCertificate(load(row.leaf));
  const ca = readCertificate(load(row.issuingCa));
  const verified: CrlFacts[] = [];
  const crls = row.crls.map((file) => {
    try {
      verified.push(verifyCrl(load(file), [ca], { at }));
      return { file, result: 'ok' };
    } catch (e) {
      return { file, result: `${codeOf(e)}: ${messageOf(e)}` };
    }
  });
  return { status: decideLeaf(leaf, verified), crls };
}
