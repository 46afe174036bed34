import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeSerial } from '../../src/der/integer.js';
import { RevocationIndex, referenceHas } from '../../src/lookup/index.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
import { makeCa, makeCrl } from '../../src/testpki/index.js';

const AT = new Date('2025-06-01T00:00:00Z');
const ca = makeCa({ name: 'CN=Round Trip CA,O=crl-authorizer', alg: 'ec-p256' });

/** The integer whose two's complement encoding is these octets (negative when the high bit is set). */
function valueOf(octets: Uint8Array): bigint {
  return BigInt.asIntN(octets.length * 8, BigInt('0x' + Buffer.from(octets).toString('hex')));
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const octets = fc.uint8Array({ minLength: 1, maxLength: 31 });
/** 1-32 octets, with sign-extension padding (`00 ..`, `FF ..`) often enough that the value is not its encoding. */
const serialOctets = fc.oneof(
  octets,
  octets.map((o) => Uint8Array.of(0x00, ...o)),
  octets.map((o) => Uint8Array.of(0xff, ...o)),
);

describe('serials survive CRL -> preprocess -> blob -> WASM lookup', () => {
  it('finds every revoked serial, and answers random serials as a JS Set and the reference search do', () => {
    fc.assert(
      fc.property(
        fc.array(serialOctets, { maxLength: 200, size: 'max' }),
        fc.array(serialOctets, { maxLength: 200, size: 'max' }),
        (revokedOctets, otherOctets) => {
          const revoked = revokedOctets.map(valueOf);
          const crl = makeCrl({ issuer: ca, thisUpdate: new Date('2025-01-01T00:00:00Z'), nextUpdate: new Date('2026-01-01T00:00:00Z'), crlNumber: 1n, entries: revoked.map((serial) => ({ serial })) });
          const { blob, meta } = preprocess(crl, [ca.der], { at: AT });
          const index = RevocationIndex.fromBytes(blob);
          const expected = new Set(revokedOctets.map((o) => hex(normalizeSerial(o))));
          expect(meta.revoked).toBe(expected.size);
          for (const octets of [...revokedOctets, ...otherOctets]) {
            const key = normalizeSerial(octets);
            const want = expected.has(hex(key));
            expect(index.has(key)).toBe(want);
            expect(referenceHas(blob, key)).toBe(want);
          }
        },
      ),
      { numRuns: 40, seed: 20261127 },
    );
  });

  it('keeps 255 (00 FF) and -1 (FF) apart, and matches a serial however long', () => {
    const serials = [255n, -1n, 0n, -(2n ** 200n), 2n ** 255n - 1n];
    const crl = makeCrl({ issuer: ca, thisUpdate: new Date('2025-01-01T00:00:00Z'), nextUpdate: new Date('2026-01-01T00:00:00Z'), entries: [{ serial: 255n }, { serial: -(2n ** 200n) }, { serial: 2n ** 255n - 1n }] });
    const index = RevocationIndex.fromBytes(preprocess(crl, [ca.der], { at: AT }).blob);
    const asKey = (v: bigint) => {
      const bytes = Math.max(1, Math.ceil((v < 0n ? -v - 1n : v).toString(2).length / 8) + (v === 0n ? 0 : 1));
      const octets = Buffer.from(BigInt.asUintN(bytes * 8, v).toString(16).padStart(bytes * 2, '0'), 'hex');
      return normalizeSerial(octets);
    };
    expect(serials.map((v) => index.has(asKey(v)))).toEqual([true, false, false, true, true]);
  });
});
