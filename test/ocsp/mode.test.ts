import { describe, expect, it } from 'vitest';
import { ocspNeeded, OCSP_MODES, type Answer } from '../../src/ocsp/mode.js';

// When OCSP is asked; how the answers then combine is tested end to end in test/authorizer/ocsp.test.ts.
const crlGood: Answer = { status: 'good', code: 'cert.good', reason: 'not revoked' };
const crlRevoked: Answer = { status: 'revoked', code: 'cert.revoked', reason: 'serial 01 is revoked' };
const notCovered: Answer = { status: 'unknown', code: 'index.not-covered', reason: 'no CRL covers' };
const expired: Answer = { status: 'unknown', code: 'crl.expired', reason: 'the CRL expired' };

describe('when OCSP_MODE asks OCSP', () => {
  it('off never; fallback only where no usable CRL answered; prefer and require unless the CRL revokes', () => {
    const table = OCSP_MODES.map((m) => [m, ...[crlGood, crlRevoked, notCovered, expired].map((a) => ocspNeeded(m, a))]);
    expect(table).toEqual([
      ['off', false, false, false, false],
      ['fallback', false, false, true, true],
      ['prefer', true, false, true, true],
      ['require', true, false, true, true],
    ]);
  });
});
