import { describe, expect, it } from 'vitest';
import type { BlobMeta } from '../../src/blob/header.js';
import { WHOLE_CA } from '../../src/crl/scope.js';
import { allows, decide, verdictOf, type Answered, type Verdict } from '../../src/lookup/decide.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import { indexInfo, sameIssuerAndScope, supersedes } from '../../src/lookup/info.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
import type { SourceAnswer } from '../../src/sources/types.js';
import { makeCa, makeCrl, makeLeaf } from '../../src/testpki/index.js';
import { readCertificate } from '../../src/x509/cert.js';

/** The decision rules alone: precedence between CRLs, the CRL source's rules, and how answers combine. */

const AT = new Date('2026-03-01T12:00:00Z');
const caA = makeCa({ name: 'CN=Decide CA A,O=Example,C=US' });
const caB = makeCa({ name: 'CN=Decide CA B,O=Example,C=US' });
const good = readCertificate(makeLeaf(caA, { subject: 'CN=good' }).der);
const revoked = readCertificate(makeLeaf(caA, { subject: 'CN=revoked' }).der);
const ofB = readCertificate(makeLeaf(caB, { subject: 'CN=of-b' }).der);

function meta(over: Partial<BlobMeta> & { ca?: typeof caA } = {}): BlobMeta {
  const { ca = caA, ...rest } = over;
  return {
    issuer: Buffer.from(readCertificate(ca.der).subjectDer).toString('base64'),
    issuerText: readCertificate(ca.der).subjectText,
    authorityKeyId: 'aa',
    scope: WHOLE_CA,
    thisUpdate: '2026-02-01T00:00:00.000Z',
    nextUpdate: '2026-04-01T00:00:00.000Z',
    crlNumber: '5',
    crlSha256: '00',
    entries: 0,
    revoked: 0,
    ...rest,
  };
}

describe('supersedes: which of two CRLs of one issuer and scope counts', () => {
  it('a higher CRL number wins even with an older thisUpdate', () => {
    const newer = indexInfo(meta({ crlNumber: '6', thisUpdate: '2026-01-01T00:00:00.000Z' }));
    const older = indexInfo(meta({ crlNumber: '5', thisUpdate: '2026-02-01T00:00:00.000Z' }));
    expect(supersedes(newer, older)).toBe(true);
    expect(supersedes(older, newer)).toBe(false);
  });

  it('compares numbers as integers past 2^53', () => {
    const big = indexInfo(meta({ crlNumber: '9007199254740993' }));
    const less = indexInfo(meta({ crlNumber: '9007199254740992' }));
    expect(supersedes(big, less)).toBe(true);
    expect(supersedes(less, big)).toBe(false);
  });

  it('without a CRL number on either side, the later thisUpdate wins', () => {
    const numbered = indexInfo(meta({ crlNumber: '5', thisUpdate: '2026-01-01T00:00:00.000Z' }));
    const unnumbered = indexInfo(meta({ crlNumber: null, thisUpdate: '2026-02-01T00:00:00.000Z' }));
    expect(supersedes(unnumbered, numbered)).toBe(true);
    expect(supersedes(numbered, unnumbered)).toBe(false);
  });

  it('with equal numbers, the later thisUpdate wins; equal on both counts, neither does', () => {
    const early = indexInfo(meta({ thisUpdate: '2026-01-01T00:00:00.000Z' }));
    const late = indexInfo(meta({ thisUpdate: '2026-01-02T00:00:00.000Z' }));
    expect(supersedes(late, early)).toBe(true);
    expect(supersedes(early, late)).toBe(false);
    expect(supersedes(early, indexInfo(meta({ thisUpdate: '2026-01-01T00:00:00.000Z' })))).toBe(false);
  });

  it('CRLs of a different issuer, key id or scope are not comparable: neither supersedes', () => {
    const a = indexInfo(meta({ crlNumber: '9' }));
    const others = [
      indexInfo(meta({ ca: caB, crlNumber: '1' })),
      indexInfo(meta({ authorityKeyId: 'bb', crlNumber: '1' })),
      indexInfo(meta({ scope: { ...WHOLE_CA, onlyUserCerts: true }, crlNumber: '1' })),
    ];
    for (const b of others) {
      expect(sameIssuerAndScope(a, b)).toBe(false);
      expect(supersedes(a, b)).toBe(false);
      expect(supersedes(b, a)).toBe(false);
    }
    expect(sameIssuerAndScope(a, indexInfo(meta({ crlNumber: '1' })))).toBe(true);
  });
});

const index = (crl: Parameters<typeof makeCrl>[0] & { issuer: typeof caA }) =>
  RevocationIndex.fromBytes(preprocess(makeCrl(crl), [crl.issuer.der], { at: AT }).blob);

describe('the CRL source (decide over indexes)', () => {
  const a1 = index({ issuer: caA, crlNumber: 1, entries: [{ serial: revoked.serial }] });
  const a2Clean = index({ issuer: caA, crlNumber: 2, thisUpdate: new Date('2025-06-01T00:00:00Z'), entries: [] });

  it('revoked, good, and not covered for another issuer', () => {
    expect(decide(revoked, [a1], { at: AT })).toMatchObject({ status: 'revoked', code: 'cert.revoked' });
    const v = decide(good, [a1], { at: AT });
    expect(v).toMatchObject({ status: 'good', code: 'cert.good', summary: { source: 'crl', crlNumber: '1' } });
    expect(allows(v)).toBe(true);
    expect(decide(ofB, [a1], { at: AT })).toMatchObject({ status: 'unknown', code: 'index.not-covered' });
  });

  it('among CRLs of one issuer and scope only the superseding one counts, in any order', () => {
    // CRL 2 no longer lists the serial (and has an older thisUpdate): the number decides.
    expect(decide(revoked, [a1, a2Clean], { at: AT }).code).toBe('cert.good');
    expect(decide(revoked, [a2Clean, a1], { at: AT }).code).toBe('cert.good');
  });

  it('a CRL past nextUpdate (plus grace) or before thisUpdate answers unknown', () => {
    const late = new Date('2036-01-01T00:00:00Z');
    expect(decide(good, [a1], { at: late }).code).toBe('crl.expired');
    expect(decide(good, [a1], { at: new Date('2020-01-01T00:00:00Z') }).code).toBe('crl.not-yet-valid');
    expect(decide(good, [a1], { at: late, graceSeconds: 366 * 86400 }).code).toBe('cert.good');
  });
});

describe('verdictOf: combining the answers of several sources', () => {
  const ans = (status: SourceAnswer['status'], code: SourceAnswer['code']): SourceAnswer => ({ status, code, reason: code });
  const crlGood: Answered = { source: 'crl', answer: ans('good', 'cert.good') };
  const crlUnknown: Answered = { source: 'crl', answer: ans('unknown', 'index.not-covered') };
  const ocspGood: Answered = { source: 'ocsp', answer: ans('good', 'cert.good') };
  const ocspUnknown: Answered = { source: 'ocsp', answer: ans('unknown', 'ocsp.timeout') };
  const listed: Answered = { source: 'denylist', answer: ans('revoked', 'denylist.matched') };
  const notListed: Answered = { source: 'denylist', answer: ans('good', 'cert.good') };
  const denylistBroken: Answered = { source: 'denylist', answer: ans('unknown', 'denylist.malformed') };

  it('any revoked denies, whatever else said good', () => {
    expect(verdictOf([notListed, ocspGood, { source: 'crl', answer: ans('revoked', 'cert.revoked') }]).code).toBe(
      'cert.revoked',
    );
    expect(verdictOf([listed, crlGood]).code).toBe('denylist.matched');
  });

  it('the denylist only vetoes: not listed is not good, and a denylist that cannot answer denies', () => {
    expect(verdictOf([notListed]).status).toBe('unknown');
    expect(verdictOf([notListed, crlGood]).status).toBe('good');
    expect(verdictOf([denylistBroken, crlGood]).code).toBe('denylist.malformed');
  });

  it('one vouching good allows (prefer, fallback); a required source must itself say good (require)', () => {
    expect(verdictOf([ocspUnknown, crlGood]).code).toBe('cert.good');
    expect(verdictOf([crlUnknown, ocspGood]).code).toBe('cert.good');
    expect(verdictOf([crlGood, ocspUnknown], { require: ['ocsp'] }).code).toBe('ocsp.timeout');
    expect(verdictOf([crlGood], { require: ['ocsp'] }).status).toBe('unknown');
    expect(verdictOf([crlGood, ocspGood], { require: ['ocsp'] }).status).toBe('good');
  });

  it('no good: the first vouching unknown says why; no answer at all is not covered', () => {
    expect(verdictOf([crlUnknown, ocspUnknown]).code).toBe('index.not-covered');
    expect(verdictOf([]).code).toBe('index.not-covered');
  });

  it('only a verdict made by the deciding module allows', () => {
    const forged = { status: 'good', code: 'cert.good', reason: 'forged' } as unknown as Verdict;
    expect(allows(forged)).toBe(false);
    expect(allows(verdictOf([crlGood]))).toBe(true);
  });
});
