import { describe, expect, it } from 'vitest';
import { covers, scopeKey, verifyCrl, type CrlScope } from '../../src/crl/index.js';
import { generateKey, makeCa, makeCrl, makeLeaf, type IssuingDistributionPointSpec } from '../../src/testpki/index.js';
import { readCertificate } from '../../src/x509/index.js';

const AT = new Date('2026-01-01T00:00:00Z');
const ca = makeCa({ name: 'CN=Scope CA,O=crl-authorizer,C=US', key: generateKey('ec-p256', { cacheKey: 'scope-ca' }) });
const caFacts = readCertificate(ca.der);
const scopeOf = (idp?: IssuingDistributionPointSpec): CrlScope =>
  verifyCrl(makeCrl({ issuer: ca, ...(idp ? { issuingDistributionPoint: idp } : {}) }), [caFacts], { at: AT }).scope;

const leaf = readCertificate(makeLeaf(ca).der);
const subCa = readCertificate(makeCa({ name: 'CN=Sub CA', issuer: ca }).der);
const shard1 = readCertificate(makeLeaf(ca, { crlDistributionPoints: ['http://crl.example/1.crl'] }).der);
const shard2 = readCertificate(makeLeaf(ca, { crlDistributionPoints: ['http://crl.example/2.crl'] }).der);

describe('CRL scope (RFC 5280 5.2.5, 6.3.3 (b)(2))', () => {
  it('a CRL without issuingDistributionPoint covers every certificate of its CA', () => {
    const s = scopeOf();
    expect(s).toEqual({ onlyUserCerts: false, onlyCaCerts: false, onlyAttributeCerts: false, distributionPoints: [] });
    for (const c of [leaf, subCa, shard1]) expect(covers(s, c)).toBe(true);
  });

  it('onlyContainsUserCerts excludes CA certificates; onlyContainsCACerts only includes them', () => {
    const users = scopeOf({ onlyContainsUserCerts: true });
    expect([covers(users, leaf), covers(users, subCa)]).toEqual([true, false]);
    const cas = scopeOf({ onlyContainsCACerts: true });
    expect([covers(cas, leaf), covers(cas, subCa)]).toEqual([false, true]);
  });

  it('onlyContainsAttributeCerts covers no public-key certificate', () => {
    const attrs = scopeOf({ onlyContainsAttributeCerts: true });
    expect([covers(attrs, leaf), covers(attrs, subCa)]).toEqual([false, false]);
  });

  it('a partitioned CRL covers the certificates whose distribution point it names (sharded CRLs)', () => {
    const s = scopeOf({ fullName: ['http://crl.example/1.crl'], onlyContainsUserCerts: true });
    expect(s.distributionPoints).toEqual(['uri:http://crl.example/1.crl']);
    expect([covers(s, shard1), covers(s, shard2), covers(s, leaf)]).toEqual([true, false, false]);
  });

  it('a distribution point named by the CA name covers certificates without a CRL DP (the implicit point)', () => {
    const s = scopeOf({ fullName: [{ dn: 'CN=scope  ca,O=crl-authorizer,C=US' }] });
    expect([covers(s, leaf), covers(s, shard1)]).toEqual([true, true]);
  });

  it('resolves nameRelativeToCRLIssuer against the CRL issuer, on both sides', () => {
    const s = scopeOf({ relativeName: { CN: 'Part 1' } });
    const inPart = readCertificate(makeLeaf(ca, { crlDistributionPoints: [{ fullName: [{ dn: 'CN=Part 1,CN=Scope CA,O=crl-authorizer,C=US' }] }] }).der);
    const relative = readCertificate(makeLeaf(ca, { crlDistributionPoints: [{ relativeName: { CN: 'part 1' } }] }).der);
    const otherPart = readCertificate(makeLeaf(ca, { crlDistributionPoints: [{ relativeName: { CN: 'Part 2' } }] }).der);
    expect([covers(s, inPart), covers(s, relative), covers(s, otherPart), covers(s, leaf)]).toEqual([true, true, false, false]);
  });

  it('scopeKey is stable: equal scopes compete, different ones do not', () => {
    const a = scopeOf({ fullName: ['http://a', 'http://b'] });
    const b = scopeOf({ fullName: ['http://b', 'http://a'] });
    expect(scopeKey(a)).toBe(scopeKey(b));
    expect(scopeKey(a)).not.toBe(scopeKey(scopeOf({ fullName: ['http://a'] })));
    expect(scopeKey(scopeOf())).not.toBe(scopeKey(scopeOf({ onlyContainsUserCerts: true })));
  });
});
