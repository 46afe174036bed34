import { describe, expect, it } from 'vitest';
import { combine, ocspNeeded, OCSP_MODES, type Answer } from '../../src/ocsp/mode.js';
import type { SourceAnswer } from '../../src/sources/types.js';

const crlGood: Answer = { status: 'good', code: 'cert.good', reason: 'not revoked' };
const crlRevoked: Answer = { status: 'revoked', code: 'cert.revoked', reason: 'serial 01 is revoked' };
const notCovered: Answer = { status: 'unknown', code: 'index.not-covered', reason: 'no CRL covers' };
const expired: Answer = { status: 'unknown', code: 'crl.expired', reason: 'the CRL expired' };
const ocspGood: SourceAnswer = { status: 'good', code: 'cert.good', reason: 'OCSP: good' };
const ocspRevoked: SourceAnswer = { status: 'revoked', code: 'cert.revoked', reason: 'OCSP: revoked' };
const ocspDown: SourceAnswer = { status: 'unknown', code: 'ocsp.timeout', reason: 'OCSP: no answer' };
const ocspUnknown: SourceAnswer = { status: 'unknown', code: 'ocsp.unknown', reason: 'OCSP: unknown' };

const decide = (mode: (typeof OCSP_MODES)[number], crl: Answer, ocsp?: SourceAnswer) => {
  const c = combine(mode, crl, ocspNeeded(mode, crl) ? ocsp : undefined);
  return `${c.status} ${c.code} by ${c.source}`;
};

describe('OCSP_MODE', () => {
  it('off: the CRL alone, OCSP never asked', () => {
    expect(ocspNeeded('off', notCovered)).toBe(false);
    expect(decide('off', crlGood, ocspRevoked)).toBe('good cert.good by crl');
  });
  it('fallback: OCSP only where no usable CRL answered', () => {
    expect(ocspNeeded('fallback', crlGood)).toBe(false);
    expect(ocspNeeded('fallback', notCovered)).toBe(true);
    expect(ocspNeeded('fallback', expired)).toBe(true);
    expect(decide('fallback', notCovered, ocspGood)).toBe('good cert.good by ocsp');
    expect(decide('fallback', notCovered, ocspRevoked)).toBe('revoked cert.revoked by ocsp');
    expect(decide('fallback', notCovered, ocspDown)).toBe('unknown ocsp.timeout by ocsp');
    expect(decide('fallback', expired, ocspUnknown)).toBe('unknown ocsp.unknown by ocsp');
  });
  it('prefer: OCSP decides when it answers; the CRL when it cannot', () => {
    expect(decide('prefer', crlGood, ocspRevoked)).toBe('revoked cert.revoked by ocsp');
    expect(decide('prefer', crlGood, ocspGood)).toBe('good cert.good by ocsp');
    expect(decide('prefer', crlGood, ocspDown)).toBe('good cert.good by crl');
    expect(decide('prefer', crlGood, ocspUnknown)).toBe('good cert.good by crl');
    expect(decide('prefer', notCovered, ocspGood)).toBe('good cert.good by ocsp');
    expect(decide('prefer', notCovered, ocspDown)).toBe('unknown ocsp.timeout by ocsp');
  });
  it('require: only OCSP good allows', () => {
    expect(decide('require', crlGood, ocspDown)).toBe('unknown ocsp.timeout by ocsp');
    expect(decide('require', crlGood, ocspUnknown)).toBe('unknown ocsp.unknown by ocsp');
    expect(decide('require', crlGood, ocspGood)).toBe('good cert.good by ocsp');
    expect(decide('require', notCovered, ocspGood)).toBe('good cert.good by ocsp');
  });
  it('every mode: a CRL revocation is final and never asks OCSP; nothing unknown allows', () => {
    for (const mode of OCSP_MODES) {
      expect(ocspNeeded(mode, crlRevoked)).toBe(false);
      expect(decide(mode, crlRevoked, ocspGood)).toBe('revoked cert.revoked by crl');
      for (const crl of [crlGood, notCovered, expired]) {
        expect(decide(mode, crl, ocspRevoked)).toMatch(mode === 'off' || (mode === 'fallback' && crl === crlGood) ? /by crl/ : /^revoked/);
        // OCSP that cannot answer never allows: a good decision then is the CRL's own good
        for (const o of [ocspDown, ocspUnknown]) {
          const allowed = decide(mode, crl, o).startsWith('good');
          expect(allowed && crl.status !== 'good', `${mode} ${crl.code} ${o.code}`).toBe(false);
        }
      }
    }
  });
});
