import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkDer,
  integerBigInt,
  MAX_DEPTH,
  namedBits,
  normalizeSerial,
  oidText,
  readBitString,
  readBoolean,
  readTime,
  readTlv,
  serialText,
  Tlv,
  tlvAt,
  toDer,
} from '../../src/der/index.js';
import { CrlAuthorizerError } from '../../src/errors.js';

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

function codeOfCall(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CrlAuthorizerError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('TLV reader', () => {
  it('reads short and long definite lengths by offset', () => {
    const long = new Uint8Array(3 + 200);
    long.set([0x04, 0x81, 200]);
    const t = tlvAt(long, 0, long.length, 'crl.malformed', 'x');
    expect([t.tag, t.start, t.body, t.end, t.length]).toEqual([0x04, 0, 3, 203, 200]);
    const s = tlvAt(b(0x30, 0x03, 0x02, 0x01, 0x05), 0, 5, 'crl.malformed', 'x');
    expect([s.tag, s.body, s.end]).toEqual([0x30, 2, 5]);
  });

  it('refuses what DER forbids, with the code the caller passes', () => {
    const bad = {
      indefinite: b(0x30, 0x80, 0x00, 0x00),
      'long form for a short length': b(0x04, 0x81, 0x01, 0xaa),
      'leading zero length octet': b(0x04, 0x82, 0x00, 0x81, ...new Array(0x81).fill(0)),
      truncated: b(0x04, 0x05, 0x01),
      'high tag number': b(0x1f, 0x81, 0x01, 0x00),
      'header only half there': b(0x30),
    };
    for (const [what, bytes] of Object.entries(bad)) {
      expect(codeOfCall(() => tlvAt(bytes, 0, bytes.length, 'cert.malformed', what)), what).toBe('cert.malformed');
      expect(codeOfCall(() => tlvAt(bytes, 0, bytes.length, 'crl.malformed', what)), what).toBe('crl.malformed');
    }
  });

  it('keeps content inside its container', () => {
    const outer = b(0x30, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00);
    const t = new Tlv();
    readTlv(outer, 0, outer.length, t, 'crl.malformed', 'outer');
    expect(codeOfCall(() => readTlv(outer, t.body, t.end, new Tlv(), 'crl.malformed', 'inner'))).toBe('crl.malformed');
  });

  it('caps nesting depth', () => {
    let nested = b(0x05, 0x00);
    for (let i = 0; i < MAX_DEPTH + 2; i++) nested = Uint8Array.from([0x30, nested.length, ...nested]);
    expect(codeOfCall(() => checkDer(nested, 0, nested.length, 'crl.malformed', 'deep'))).toBe('crl.too-large');
    let ok = b(0x05, 0x00);
    for (let i = 0; i < 10; i++) ok = Uint8Array.from([0x30, ok.length, ...ok]);
    expect(() => checkDer(ok, 0, ok.length, 'crl.malformed', 'shallow')).not.toThrow();
  });
});

describe('serial keys', () => {
  it('255 and -1 differ; non-minimal encodings of one value share a key', () => {
    expect(normalizeSerial(b(0x00, 0xff))).toEqual(b(0x00, 0xff));
    expect(normalizeSerial(b(0xff))).toEqual(b(0xff));
    expect(normalizeSerial(b(0x00, 0x00, 0x7f))).toEqual(b(0x7f));
    expect(normalizeSerial(b(0xff, 0xff, 0x80))).toEqual(b(0x80));
    expect(normalizeSerial(b(0xff, 0x7f))).toEqual(b(0xff, 0x7f));
    expect(normalizeSerial(b(0x00, 0x00))).toEqual(b(0x00));
  });

  it('returns a view, not a copy', () => {
    const content = b(0x00, 0x00, 0x7f);
    const key = normalizeSerial(content);
    expect(key.buffer).toBe(content.buffer);
    expect(key.byteOffset).toBe(2);
  });

  it('keeps serials longer than 20 octets and refuses empty or absurd ones', () => {
    const long = new Uint8Array(30).fill(0x11);
    expect(normalizeSerial(long)).toEqual(long);
    expect(codeOfCall(() => normalizeSerial(new Uint8Array(0)))).toBe('cert.malformed');
    expect(codeOfCall(() => normalizeSerial(new Uint8Array(65).fill(1), 'crl.malformed'))).toBe('crl.too-large');
  });

  it('prints the DESIGN.md text form', () => {
    expect(serialText(b(0x00, 0xff))).toBe('FF');
    expect(serialText(b(0xff))).toBe('-01');
    expect(serialText(b(0x80))).toBe('-80');
    expect(serialText(b(0xff, 0x7f))).toBe('-81');
    expect(serialText(b(0xff, 0x00))).toBe('-0100');
    expect(serialText(b(0x00))).toBe('00');
    expect(serialText(b(0x01, 0x00))).toBe('0100');
    expect(serialText(b(0x0b))).toBe('0B');
  });

  it('normalizes every padded encoding of any integer to its minimal form, and prints its value', () => {
    const minimal = (v: bigint): Uint8Array => {
      let n = 1;
      while (v < -(1n << BigInt(8 * n - 1)) || v >= 1n << BigInt(8 * n - 1)) n++;
      const u = v < 0n ? (1n << BigInt(8 * n)) + v : v;
      return hex(u.toString(16).padStart(2 * n, '0'));
    };
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 256n), max: 1n << 256n }), fc.nat(5), (v, pad) => {
        const m = minimal(v);
        const padded = Uint8Array.from([...new Array(pad).fill(v < 0n ? 0xff : 0x00), ...m]);
        const key = normalizeSerial(padded);
        expect(key).toEqual(m);
        expect(integerBigInt(key, 0, key.length, 'crl.malformed', 'v')).toBe(v);
        const abs = (v < 0n ? -v : v).toString(16).toUpperCase();
        expect(serialText(key)).toBe((v < 0n ? '-' : '') + (abs.length % 2 ? '0' + abs : abs));
      }),
    );
  });

  it('reads CRL numbers beyond 2^53 as bigint', () => {
    const n = hex('182A0986BE3A1B05');
    expect(integerBigInt(n, 0, n.length, 'crl.malformed', 'n')).toBe(0x182a0986be3a1b05n);
  });
});

describe('OIDs, times, BOOLEAN, BIT STRING', () => {
  it('prints OIDs dotted', () => {
    const o = hex('2a864886f70d01010b');
    expect(oidText(o, 0, o.length)).toBe('1.2.840.113549.1.1.11');
    const ce = hex('551d1c');
    expect(oidText(ce, 0, ce.length)).toBe('2.5.29.28');
    const big = hex('883703'); // 2.999.3
    expect(oidText(big, 0, big.length)).toBe('2.999.3');
    expect(codeOfCall(() => oidText(hex('2a86'), 0, 2))).toBe('crl.malformed');
  });

  const time = (tag: number, s: string): Date => {
    const bytes = Uint8Array.from([tag, s.length, ...Buffer.from(s, 'latin1')]);
    return readTime(bytes, tlvAt(bytes, 0, bytes.length, 'crl.malformed', 't'), 'crl.malformed', 't');
  };

  it('reads UTCTime with the 1950-2049 window and GeneralizedTime', () => {
    expect(time(0x17, '491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(time(0x17, '500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(time(0x17, '990101120100Z').toISOString()).toBe('1999-01-01T12:01:00.000Z');
    expect(time(0x18, '21200318113820Z').toISOString()).toBe('2120-03-18T11:38:20.000Z');
    expect(time(0x18, '20240101000000.5Z').toISOString()).toBe('2024-01-01T00:00:00.500Z');
  });

  it('refuses times RFC 5280 does not allow', () => {
    for (const [tag, s] of [
      [0x17, '4912312359Z'],
      [0x17, '491231235959+0100'],
      [0x17, '491331235959Z'],
      [0x17, '490230235959Z'],
      [0x18, '2024010100000Z'],
      [0x04, '491231235959Z'],
    ] as const) {
      expect(codeOfCall(() => time(tag, s)), s).toBe('crl.malformed');
    }
  });

  it('reads DER BOOLEANs only', () => {
    const t = (v: number[]): boolean => {
      const bytes = Uint8Array.from([0x01, v.length, ...v]);
      return readBoolean(bytes, tlvAt(bytes, 0, bytes.length, 'crl.malformed', 'b'), 'crl.malformed', 'b');
    };
    expect(t([0xff])).toBe(true);
    expect(t([0x00])).toBe(false);
    expect(codeOfCall(() => t([0x01]))).toBe('crl.malformed');
    expect(codeOfCall(() => t([0xff, 0xff]))).toBe('crl.malformed');
  });

  it('reads named bits: keyUsage digitalSignature + keyCertSign + cRLSign', () => {
    const bytes = hex('03020186');
    const bits = readBitString(bytes, tlvAt(bytes, 0, bytes.length, 'cert.malformed', 'ku'), 'cert.malformed', 'ku');
    expect(bits.unusedBits).toBe(1);
    expect(namedBits(bits.bytes)).toBe((1 << 0) | (1 << 5) | (1 << 6));
    const bad = hex('030108');
    expect(codeOfCall(() => readBitString(bad, tlvAt(bad, 0, 3, 'cert.malformed', 'x'), 'cert.malformed', 'x'))).toBe(
      'cert.malformed',
    );
  });
});

describe('toDer', () => {
  const der = hex('300602010102010a');
  const b64 = Buffer.from(der).toString('base64');

  it('passes DER through without copying', () => {
    expect(toDer(der, 'crl.malformed', 'CRL')).toBe(der);
  });

  it('decodes PEM with CRLF line ends and text around it', () => {
    const pem = `issuer: someone\r\n-----BEGIN X509 CRL-----\r\n${b64}\r\n-----END X509 CRL-----\r\n`;
    expect(toDer(pem, 'crl.malformed', 'CRL')).toEqual(der);
    expect(toDer(new Uint8Array(Buffer.from(pem)), 'crl.malformed', 'CRL')).toEqual(der);
  });

  it('decodes bare base64 with line breaks', () => {
    expect(toDer(`${b64.slice(0, 4)}\n${b64.slice(4)}\n`, 'crl.malformed', 'CRL')).toEqual(der);
    expect(toDer(new Uint8Array(Buffer.from(b64)), 'crl.malformed', 'CRL')).toEqual(der);
  });

  it('refuses anything else with the caller code', () => {
    expect(codeOfCall(() => toDer('hello, world', 'cert.malformed', 'certificate'))).toBe('cert.malformed');
    expect(codeOfCall(() => toDer(new Uint8Array(0), 'crl.malformed', 'CRL'))).toBe('crl.malformed');
    expect(codeOfCall(() => toDer(Buffer.from([1, 2, 3]).toString('base64'), 'crl.malformed', 'CRL'))).toBe(
      'crl.malformed',
    );
  });
});
