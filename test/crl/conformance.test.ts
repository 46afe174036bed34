import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCrl, verifyCrl } from '../../src/crl/index.js';
import { readCertificate } from '../../src/x509/index.js';
import { CONFORMANCE_DIR, describeConformance, readManifest } from '../support/conformance.js';
import { acceptedStatuses, inScope, readPkitsManifest, runPkitsRow } from '../support/pkits.js';
import { codeOf as codeOfCall } from '../support/codes.js';

const rejection = (fn: () => unknown) => codeOfCall(fn, 'accepted');

describeConformance('real CRLs (conformance/real/MANIFEST.tsv)', () => {
  const dir = path.join(CONFORMANCE_DIR, 'real');
  const rows = readManifest(path.join(dir, 'MANIFEST.tsv'));
  const load = (f: string) => new Uint8Array(readFileSync(path.join(dir, f)));

  it.each(rows.map((r) => [r.file!, r] as const))('%s parses with the manifest entry count', (file, row) => {
    if (row.signature_alg === 'dsaWithSHA1') {
      // DSA is valid but not handled: the verifier says so before anything else
      expect(rejection(() => verifyCrl(load(file), [], { at: new Date() }))).toBe('crl.unsupported-algorithm');
    }
    const facts = parseCrl(load(file));
    expect(facts.entries).toBe(Number(row.openssl_entry_count));
    expect(facts.keys.count).toBeLessThanOrEqual(facts.entries);
    expect(facts.trailingBytes).toBe(row.notes!.includes('2 trailing bytes') ? 2 : 0);
  });

  const withIssuer = rows.filter((r) => /^\S+ -> /.test(r['issuer_cert_in_repo / signature check']!));
  it.each(withIssuer.map((r) => [r.file!, r] as const))('%s verifies against its issuer at its thisUpdate, or is rejected as noted', (file, row) => {
    const check = row['issuer_cert_in_repo / signature check']!;
    const ca = readCertificate(load(check.split(' -> ')[0]!));
    const crl = load(file);
    const at = parseCrl(crl).thisUpdate;
    if (/CRL must be rejected/.test(check)) {
      expect(['crl.signature-invalid', 'crl.key-id-mismatch']).toContain(rejection(() => verifyCrl(crl, [ca], { at })));
    } else {
      const facts = verifyCrl(crl, [ca], { at, allowNoNextUpdate: true });
      expect(facts.entries).toBe(Number(row.openssl_entry_count));
    }
  });

  it('counts certificateHold as revoking and drops removeFromCRL entries', () => {
    const r = parseCrl(load('esig_dss/CA-5358AA45-Full.crl'));
    expect([r.entries, r.keys.count]).toEqual([246, 242]); // 4 removeFromCRL
    const gs = parseCrl(load('esig_dss/http___crl.globalsign.com_gs_gspersonalsign2sha2g2.crl'));
    expect(gs.keys.count).toBe(10337); // 9465 certificateHold included
  });

  it("reads the Let's Encrypt shard's scope and 64-bit CRL number", () => {
    const le = parseCrl(load('letsencrypt/letsencrypt_R3_shard105.pem'));
    expect(le.crlNumber).toBe(0x182a0986be3a1b05n);
    expect(le.scope).toEqual({
      onlyUserCerts: true,
      onlyCaCerts: false,
      onlyAttributeCerts: false,
      distributionPoints: ['uri:http://r3.c.lencr.org/105.crl'],
    });
  });
});

describeConformance('PKITS leaf-only decisions (conformance/pkits/MANIFEST.tsv)', () => {
  const dir = path.join(CONFORMANCE_DIR, 'pkits');
  const rows = readPkitsManifest(dir).filter(inScope);

  it.each(rows.map((r) => [`${r.id} ${r.name} (${r.scope})`, r] as const))('%s', (_, row) => {
    const outcome = runPkitsRow(dir, row);
    const accepted = acceptedStatuses(row);
    expect(accepted.length, 'manifest gives a status').toBeGreaterThan(0);
    expect(accepted, JSON.stringify(outcome.crls)).toContain(outcome.status);
    if (outcome.status === 'good') expect(accepted).toContain('good');
  });
});
