/**
 * Differential test against OpenSSL (docs/conformance.md "Differential"): a seeded generator of signed CRLs,
 * structurally varied (versions, times, extension sets and order, scopes, serial shapes, reasons) with at most one
 * defect each, judged by this project (readCrl -> verifyCrlSignature -> applyCrlPolicy -> covers -> serial lookup)
 * and by `openssl verify -crl_check` on the same files. Disagreements are counted by defect class.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { covers, keyAt, verifyCrl } from '../../src/crl/index.js';
import { bytesEqual } from '../../src/der/index.js';
import { readCertificate, type CertFacts } from '../../src/x509/index.js';
import {
  ascii,
  boolean,
  crlDistributionPointsValue,
  EXT,
  enumerated,
  generalName,
  generateKey,
  implicit,
  integer,
  integerOctets,
  makeCa,
  makeCertificate,
  makeCrl,
  makeLeaf,
  sequence,
  tlv,
  toPem,
  type CrlEntry,
  type CrlOptions,
  type DistributionPointSpec,
  type ExtensionSpec,
  type IssuingDistributionPointSpec,
  type KeyAlg,
  type ReasonName,
  type TestCert,
} from '../../src/testpki/index.js';

const run = promisify(execFile);

export const AT = new Date('2026-01-01T00:00:00Z');

/** mulberry32: small, seedable, good enough to vary structures. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One defect per case at most; `none` cases must agree with OpenSSL exactly. */
export const DEFECTS = [
  'none',
  'critical-false',
  'padded-oid-crl-number',
  'padded-oid-delta',
  'generalized-before-2050',
  'fraction',
  'no-seconds',
  'version-non-minimal',
  'crl-number-non-minimal',
  'crl-number-negative',
  'crl-number-too-big',
  'crl-number-critical',
  'reason-7',
  'reason-non-minimal',
  'entry-duplicate-reason',
  'entry-unknown-critical',
  'crl-unknown-critical',
  'crl-duplicate-extension',
  'delta',
  'delta-non-critical',
  'freshest-critical',
  'idp-empty',
  'idp-empty-full-name',
  'idp-two-only-flags',
  'idp-false-flag',
  'v1-entry-extension',
  'revocation-date-generalized',
  'invalidity-date-utc',
  'aki-mismatch',
  'bad-signature',
  'expired',
  'not-yet-valid',
  'no-next-update',
  'ca-no-crl-sign',
  'ca-not-ca',
  'ca-expired',
  'ca-key-usage-padding',
  'serial-non-minimal',
  'empty-entry-extensions',
  'trailing-bytes',
  'indirect',
  'certificate-issuer-entry',
  'only-some-reasons',
  'leaf-dp-crl-issuer',
  'leaf-dp-reasons',
] as const;
export type Defect = (typeof DEFECTS)[number];

export type Verdict = 'good' | 'revoked' | 'unknown';

export interface CaseResult {
  index: number;
  defect: Defect;
  ours: Verdict;
  oursDetail: string;
  openssl: Verdict;
  opensslDetail: string;
}

interface Pki {
  alg: KeyAlg;
  ca: TestCert;
  name: string;
}

const ALGS: KeyAlg[] = ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048'];
const REASONS: ReasonName[] = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'];
const LEAF_DP = 'http://crl.example/leaf.crl';

function caFor(alg: KeyAlg, opts: Partial<Parameters<typeof makeCertificate>[0]> = {}): TestCert {
  const key = generateKey(alg, { cacheKey: `differential-${alg}` });
  return makeCertificate({ subject: `CN=Differential ${alg} CA,O=crl-authorizer,C=US`, key, ca: true, ...opts });
}

const unknownExt = (critical?: boolean): ExtensionSpec => ({ oid: '1.3.6.1.4.1.99999.7', value: Uint8Array.of(0x05, 0x00), ...(critical ? { critical } : {}) });
const padded = (arc: number): Uint8Array => Uint8Array.of(0x06, 0x04, 0x55, 0x1d, 0x80, arc);
const utc = (s: string) => tlv(0x17, ascii(s));
const gen = (s: string) => tlv(0x18, ascii(s));

function randomSerial(r: () => number): bigint {
  const octets = 1 + Math.floor(r() * 20);
  let v = 0n;
  for (let i = 0; i < octets; i++) v = (v << 8n) | BigInt(Math.floor(r() * 256));
  if (v === 0n) v = 1n;
  // mostly positive as RFC 5280 4.1.2.2 asks; a few negative ones, which users SHOULD handle gracefully
  return r() < 0.05 ? -v : v;
}

export interface GeneratedCase {
  defect: Defect;
  ca: TestCert;
  leaf: TestCert;
  crl: Uint8Array;
}

/** Case `index` of the run with `seed`: the same arguments give the same bytes' structure (keys are cached). */
export function generate(seed: number, index: number): GeneratedCase {
  const r = rng(seed * 1_000_003 + index);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const defect: Defect = r() < 0.3 ? 'none' : pick(DEFECTS);
  const alg = pick(ALGS);
  const caOpts: Partial<Parameters<typeof makeCertificate>[0]> = {};
  if (defect === 'ca-no-crl-sign') caOpts.keyUsage = ['keyCertSign', 'digitalSignature'];
  if (defect === 'ca-not-ca') Object.assign(caOpts, { ca: false, keyUsage: ['keyCertSign', 'cRLSign'] });
  if (defect === 'ca-expired') caOpts.notAfter = new Date('2025-12-01T00:00:00Z');
  if (defect === 'ca-key-usage-padding') {
    // keyCertSign only, with the cRLSign bit written into the padding (unused bits 2: bits 6, 7 are padding)
    Object.assign(caOpts, { keyUsage: null, extensions: [{ oid: EXT.keyUsage, critical: true, value: Uint8Array.of(0x03, 0x02, 0x02, 0x06) }] });
  }
  const ca = caFor(alg, caOpts);

  // the leaf: with or without a CRL distribution point
  const leafPoints: DistributionPointSpec[] | undefined =
    defect === 'leaf-dp-crl-issuer'
      ? [{ fullName: [LEAF_DP], crlIssuer: [{ dn: 'CN=Another CRL Issuer,O=crl-authorizer,C=US' }] }]
      : defect === 'leaf-dp-reasons'
        ? [{ fullName: [LEAF_DP], reasons: ['keyCompromise', 'cACompromise'] }]
        : r() < 0.4
          ? [LEAF_DP]
          : undefined;
  const leafSerial = BigInt(index + 1) * 7919n + 1n;
  const leaf = makeLeaf(ca, { serial: leafSerial, ...(leafPoints ? { crlDistributionPoints: leafPoints } : {}) });
  const listed = r() < 0.4;

  // entries: shuffled, varied serial shapes and reasons; the leaf among them when `listed`
  const entries: CrlEntry[] = [];
  const n = Math.floor(r() * 12);
  for (let i = 0; i < n; i++) {
    const e: CrlEntry = { serial: randomSerial(r), revocationDate: new Date(Date.UTC(2024, Math.floor(r() * 12), 1 + Math.floor(r() * 28))) };
    const x = r();
    if (x < 0.3) e.reason = pick(REASONS);
    else if (x < 0.35) e.reason = 'removeFromCRL';
    if (r() < 0.15) e.invalidityDate = new Date(Date.UTC(2023, Math.floor(r() * 12), 1 + Math.floor(r() * 28)));
    if (r() < 0.05) e.extensions = [unknownExt()];
    entries.push(e);
  }
  if (listed) {
    const e: CrlEntry = { serial: leafSerial };
    if (r() < 0.5) e.reason = pick(REASONS);
    entries.splice(Math.floor(r() * (entries.length + 1)), 0, e);
  }

  const exts: ExtensionSpec[] = [];
  if (r() < 0.2) exts.push(unknownExt());
  if (r() < 0.2) exts.push({ oid: EXT.authorityInfoAccess, value: sequence(sequence(tlv(0x06, Uint8Array.of(0x2b, 6, 1, 5, 5, 7, 48, 2)), generalName('http://ca.example/ca.crt'))) });
  let idp: IssuingDistributionPointSpec | undefined;
  const s = r();
  if (s < 0.15) idp = { onlyContainsUserCerts: true };
  else if (s < 0.2) idp = { onlyContainsCACerts: true };
  else if (s < 0.3 && leafPoints) idp = { fullName: [LEAF_DP] };
  else if (s < 0.35) idp = { fullName: ['http://crl.example/other.crl'] };

  const year = 2025;
  const thisUpdate = new Date(Date.UTC(year, Math.floor(r() * 11), 1 + Math.floor(r() * 28), Math.floor(r() * 24)));
  const nextUpdate = r() < 0.15 ? new Date('2055-06-01T00:00:00Z') : new Date(Date.UTC(2027, Math.floor(r() * 12), 1));
  const opts: CrlOptions = {
    issuer: ca,
    thisUpdate,
    nextUpdate,
    entries,
    crlNumber: r() < 0.9 ? BigInt(Math.floor(r() * 2 ** 32)) * (r() < 0.3 ? 2n ** 100n : 1n) : null,
    ...(r() < 0.1 ? { aki: null } : {}),
    ...(idp ? { issuingDistributionPoint: idp } : {}),
    extensions: exts,
  };
  applyDefect(defect, opts, r);
  return { defect, ca, leaf, crl: makeCrl(opts) };
}

function applyDefect(d: Defect, o: CrlOptions, r: () => number): void {
  const entries = [...(o.entries ?? [])];
  const exts = [...(o.extensions ?? [])];
  const someEntry = (): CrlEntry => {
    if (entries.length === 0) entries.push({ serial: 424242n });
    return entries[Math.floor(r() * entries.length)]!;
  };
  const replaceEntry = (e: CrlEntry, next: CrlEntry) => (entries[entries.indexOf(e)] = next);
  switch (d) {
    case 'critical-false': exts.push({ ...unknownExt(), writeCriticalFalse: true }); break;
    case 'padded-oid-crl-number': o.crlNumber = null; exts.push({ oid: EXT.cRLNumber, oidDer: padded(0x14), value: integer(7) }); break;
    case 'padded-oid-delta': exts.push({ oid: EXT.deltaCRLIndicator, oidDer: padded(0x1b), value: integer(1) }); break;
    case 'generalized-before-2050': o.thisUpdateDer = gen('20250301000000Z'); break;
    case 'fraction': o.nextUpdateDer = gen('20550601000000.25Z'); break;
    case 'no-seconds': o.thisUpdateDer = utc('2503010000Z'); break;
    case 'version-non-minimal': o.versionDer = Uint8Array.of(0x02, 0x02, 0x00, 0x01); break;
    case 'crl-number-non-minimal': o.crlNumber = Uint8Array.of(0x00, 0x05); break;
    case 'crl-number-negative': o.crlNumber = -5n; break;
    case 'crl-number-too-big': o.crlNumber = 1n << 168n; break;
    case 'crl-number-critical': o.crlNumber = null; exts.push({ oid: EXT.cRLNumber, critical: true, value: integer(9) }); break;
    case 'reason-7': { const e = someEntry(); replaceEntry(e, { ...e, reason: 7 }); break; }
    case 'reason-non-minimal': { const e = someEntry(); replaceEntry(e, { serial: e.serial, extensions: [{ oid: EXT.reasonCode, value: tlv(0x0a, Uint8Array.of(0, 1)) }] }); break; }
    case 'entry-duplicate-reason': { const e = someEntry(); replaceEntry(e, { serial: e.serial, reason: 'keyCompromise', extensions: [{ oid: EXT.reasonCode, value: enumerated(8) }] }); break; }
    case 'entry-unknown-critical': { const e = someEntry(); replaceEntry(e, { ...e, extensions: [unknownExt(true)] }); break; }
    case 'crl-unknown-critical': exts.push(unknownExt(true)); break;
    case 'crl-duplicate-extension': exts.push(unknownExt(), unknownExt()); break;
    case 'delta': o.deltaCrlIndicator = 1; break;
    case 'delta-non-critical': exts.push({ oid: EXT.deltaCRLIndicator, value: integer(1) }); break;
    case 'freshest-critical': exts.push({ oid: EXT.freshestCRL, critical: true, value: crlDistributionPointsValue(['http://crl.example/delta.crl']) }); break;
    case 'idp-empty': delete o.issuingDistributionPoint; exts.push({ oid: EXT.issuingDistributionPoint, critical: true, value: sequence() }); break;
    case 'idp-empty-full-name': o.issuingDistributionPoint = { fullName: [] }; break;
    case 'idp-two-only-flags': o.issuingDistributionPoint = { onlyContainsUserCerts: true, onlyContainsCACerts: true }; break;
    case 'idp-false-flag': delete o.issuingDistributionPoint; exts.push({ oid: EXT.issuingDistributionPoint, critical: true, value: sequence(implicit(2, boolean(false))) }); break;
    case 'v1-entry-extension': o.version = 1; o.crlNumber = null; o.aki = null; delete o.issuingDistributionPoint; exts.length = 0; { const e = someEntry(); replaceEntry(e, { serial: e.serial, reason: 'keyCompromise' }); } break;
    case 'revocation-date-generalized': { const e = someEntry(); replaceEntry(e, { ...e, revocationDateDer: gen('20240101000000Z') }); break; }
    case 'invalidity-date-utc': { const e = someEntry(); replaceEntry(e, { serial: e.serial, extensions: [{ oid: EXT.invalidityDate, value: utc('240101000000Z') }] }); break; }
    case 'aki-mismatch': o.aki = Uint8Array.of(1, 2, 3, 4); break;
    case 'bad-signature': o.corruptSignature = true; break;
    case 'expired': o.nextUpdate = new Date('2025-12-15T00:00:00Z'); break;
    case 'not-yet-valid': o.thisUpdate = new Date('2026-02-01T00:00:00Z'); break;
    case 'no-next-update': o.nextUpdate = null; break;
    case 'serial-non-minimal': { const e = someEntry(); const v = typeof e.serial === 'bigint' && e.serial > 0n ? e.serial : 77n; replaceEntry(e, { ...e, serial: Uint8Array.of(0, ...integerOctets(v)) }); break; }
    case 'empty-entry-extensions': { const e = someEntry(); replaceEntry(e, { serial: e.serial, emptyExtensions: true }); break; }
    case 'trailing-bytes': o.trailingBytes = 2; break;
    case 'indirect': o.issuingDistributionPoint = { ...(o.issuingDistributionPoint ?? {}), indirectCRL: true }; break;
    case 'certificate-issuer-entry': { const e = someEntry(); replaceEntry(e, { ...e, certificateIssuer: [{ dn: 'CN=Differential ec-p256 CA,O=crl-authorizer,C=US' }] }); break; }
    case 'only-some-reasons': o.issuingDistributionPoint = { ...(o.issuingDistributionPoint ?? {}), onlySomeReasons: ['keyCompromise'] }; break;
    default: break;
  }
  o.entries = entries;
  o.extensions = exts;
}

/** This project's answer for the leaf: through the same steps `check --crl` takes (verify, policy, scope, serial). */
export function ourVerdict(c: GeneratedCase): { verdict: Verdict; detail: string } {
  let leaf: CertFacts;
  try {
    leaf = readCertificate(c.leaf.der);
  } catch (e) {
    return { verdict: 'unknown', detail: (e as { code?: string }).code ?? String(e) };
  }
  try {
    const facts = verifyCrl(c.crl, [readCertificate(c.ca.der)], { at: AT });
    if (!covers(facts.scope, leaf)) return { verdict: 'unknown', detail: 'index.not-covered' };
    for (let i = 0; i < facts.keys.count; i++) if (bytesEqual(keyAt(facts.keys, i), leaf.serial)) return { verdict: 'revoked', detail: 'cert.revoked' };
    return { verdict: 'good', detail: 'cert.good' };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === undefined) throw e;
    return { verdict: 'unknown', detail: code };
  }
}

/** OpenSSL's answer: `openssl verify -crl_check -attime` with the CA as trust anchor and the CRL. */
export async function opensslVerdict(dir: string, c: GeneratedCase, index: number): Promise<{ verdict: Verdict; detail: string }> {
  const base = join(dir, String(index));
  writeFileSync(`${base}.ca.pem`, c.ca.pem);
  writeFileSync(`${base}.leaf.pem`, c.leaf.pem);
  writeFileSync(`${base}.crl.pem`, toPem(c.crl, 'X509 CRL'));
  const args = ['verify', '-crl_check', '-attime', String(AT.getTime() / 1000), '-CAfile', `${base}.ca.pem`, '-CRLfile', `${base}.crl.pem`, `${base}.leaf.pem`];
  let out: string;
  try {
    const r = await run('openssl', args);
    out = r.stdout + r.stderr;
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
  }
  if (/: OK\s*$/m.test(out) && !/error \d+/.test(out)) return { verdict: 'good', detail: 'OK' };
  const m = /error (\d+) at \d+ depth lookup: ([^\n]*)/.exec(out);
  if (m?.[1] === '23') return { verdict: 'revoked', detail: '23 certificate revoked' };
  if (m) return { verdict: 'unknown', detail: `${m[1]} ${m[2]}` };
  // a file OpenSSL cannot load at all (the CRL or a certificate refused by its decoder)
  return { verdict: 'unknown', detail: `load: ${out.split('\n').find((l) => /error|unable/i.test(l))?.trim().slice(0, 80) ?? out.trim().slice(0, 80)}` };
}

export interface Report {
  seed: number;
  cases: number;
  results: CaseResult[];
  /** per defect class: cases, and disagreements as "ours/openssl" -> count */
  byClass: Record<string, { cases: number; disagreements: Record<string, number> }>;
}

export async function runDifferential(opts: { seed: number; cases: number; concurrency?: number }): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'crl-differential-'));
  const results: CaseResult[] = [];
  try {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < opts.cases; i = next++) {
        const c = generate(opts.seed, i);
        const ours = ourVerdict(c);
        const theirs = await opensslVerdict(dir, c, i);
        results.push({ index: i, defect: c.defect, ours: ours.verdict, oursDetail: ours.detail, openssl: theirs.verdict, opensslDetail: theirs.detail });
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  results.sort((a, b) => a.index - b.index);
  const byClass: Report['byClass'] = {};
  for (const r of results) {
    const c = (byClass[r.defect] ??= { cases: 0, disagreements: {} });
    c.cases++;
    if (r.ours !== r.openssl) {
      const k = `${r.ours}/${r.openssl}`;
      c.disagreements[k] = (c.disagreements[k] ?? 0) + 1;
    }
  }
  return { seed: opts.seed, cases: opts.cases, results, byClass };
}
