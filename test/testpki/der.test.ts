import { describe, expect, it } from 'vitest';
import * as asn1js from 'asn1js';
import {
  bitString,
  bmpString,
  boolean,
  enumerated,
  explicit,
  generalizedTime,
  ia5String,
  implicit,
  integer,
  integerRaw,
  name,
  namedBits,
  nullValue,
  octetString,
  oid,
  parseNameString,
  printableString,
  sequence,
  set,
  time,
  tlv,
  utcTime,
  utf8String,
} from '../../src/testpki/der.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Decode with asn1js, an independent BER/DER reader, and insist the whole input was one element. */
function decode(der: Uint8Array): asn1js.AsnType {
  const r = asn1js.fromBER(der);
  expect(r.offset).toBe(der.length);
  expect(r.result.error).toBe('');
  return r.result;
}

describe('INTEGER', () => {
  it('encodes values in minimal two’s complement', () => {
    expect(hex(integer(0))).toBe('020100');
    expect(hex(integer(127))).toBe('02017f');
    expect(hex(integer(128))).toBe('02020080');
    expect(hex(integer(255n))).toBe('020200ff');
    expect(hex(integer(-1))).toBe('0201ff');
    expect(hex(integer(-128))).toBe('020180');
    expect(hex(integer(-129))).toBe('0202ff7f');
    expect(hex(integer(-32768))).toBe('02028000');
    expect(hex(integer(2 ** 31 - 1))).toBe('02047fffffff');
    expect(hex(integer(2 ** 53 - 1))).toBe('02071fffffffffffff');
    expect(() => integer(1.5)).toThrow(/pass a bigint/);
  });

  it('round-trips large values through asn1js', () => {
    for (const v of [2n ** 159n + 12345n, -(2n ** 200n), 2n ** 64n - 1n]) {
      expect((decode(integer(v)) as asn1js.Integer).toBigInt()).toBe(v);
    }
  });

  it('writes raw content octets as given, non-minimal and empty ones included', () => {
    expect(hex(integerRaw(Uint8Array.of(0, 0, 1)))).toBe('0203000001');
    expect(hex(integerRaw(Uint8Array.of(0xff, 0xff)))).toBe('0202ffff');
    expect(hex(integerRaw(new Uint8Array(0)))).toBe('0200');
  });

  it('writes ENUMERATED like an INTEGER with its own tag', () => {
    expect(hex(enumerated(1))).toBe('0a0101');
  });
});

describe('OBJECT IDENTIFIER', () => {
  it('encodes known OIDs and long arcs', () => {
    expect(hex(oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(hex(oid('2.5.29.20'))).toBe('0603551d14');
    // The X.667 UUID OID; `openssl asn1parse` reads these octets back as the same dotted text.
    expect(hex(oid('2.25.329800735698586629295641978511506172918'))).toBe(
      '06146983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776',
    );
  });

  it('refuses text that is not an OID', () => {
    expect(() => oid('1.2.x')).toThrow(/not a number/);
    expect(() => oid('1')).toThrow(/two arcs/);
  });
});

describe('simple types', () => {
  it('encodes BOOLEAN, NULL, OCTET STRING and BIT STRING', () => {
    expect(hex(boolean(true))).toBe('0101ff');
    expect(hex(boolean(false))).toBe('010100');
    expect(hex(nullValue())).toBe('0500');
    expect(hex(octetString(Uint8Array.of(1, 2)))).toBe('04020102');
    expect(hex(bitString(Uint8Array.of(0xa0), 5))).toBe('030205a0');
  });

  it('encodes named bit lists without trailing zero bits', () => {
    // keyUsage digitalSignature + keyCertSign + cRLSign, as every CA certificate carries it.
    expect(hex(namedBits([0, 5, 6]))).toBe('03020186');
    expect(hex(namedBits([8]))).toBe('0303070080');
    expect(hex(namedBits([]))).toBe('030100');
  });

  it('encodes strings with their own tags', () => {
    expect(hex(printableString('US'))).toBe('13025553');
    expect(hex(ia5String('a@b'))).toBe('1603614062');
    expect(hex(utf8String('é'))).toBe('0c02c3a9');
    expect(hex(bmpString('A'))).toBe('1e020041');
  });

  it('uses long-form lengths above 127 octets', () => {
    expect(hex(octetString(new Uint8Array(200)).subarray(0, 3))).toBe('0481c8');
    expect(hex(octetString(new Uint8Array(300)).subarray(0, 4))).toBe('0482012c');
    expect(decode(octetString(new Uint8Array(70000)))).toBeInstanceOf(asn1js.OctetString);
  });

  it('builds SEQUENCEs, DER-sorted SETs and context tags', () => {
    expect(hex(sequence())).toBe('3000');
    expect(hex(set(integer(2), integer(1)))).toBe('3106020101020102');
    expect(hex(tlv(0x31, integer(2), integer(1)))).toBe('3106020102020101');
    expect(hex(explicit(0, integer(1)))).toBe('a003020101');
    expect(hex(implicit(6, ia5String('u')))).toBe('860175');
    expect(hex(implicit(0, sequence(integer(1))))).toBe('a003020101');
  });
});

describe('time', () => {
  it('follows RFC 5280: UTCTime through 2049, GeneralizedTime from 2050', () => {
    const d2049 = new Date('2049-12-31T23:59:59Z');
    const d2050 = new Date('2050-01-01T00:00:00Z');
    expect(Buffer.from(time(d2049)).toString('latin1', 2)).toBe('491231235959Z');
    expect(time(d2049)[0]).toBe(0x17);
    expect(Buffer.from(time(d2050)).toString('latin1', 2)).toBe('20500101000000Z');
    expect(time(d2050)[0]).toBe(0x18);
    expect(time(new Date('1949-06-01T00:00:00Z'))[0]).toBe(0x18);
  });

  it('can force either encoding within its range', () => {
    const d = new Date('2025-03-04T05:06:07.890Z');
    expect(time(d, 'generalized')[0]).toBe(0x18);
    expect((decode(time(d, 'generalized')) as asn1js.GeneralizedTime).toDate().toISOString()).toBe('2025-03-04T05:06:07.000Z');
    expect((decode(utcTime(d)) as asn1js.UTCTime).toDate().toISOString()).toBe('2025-03-04T05:06:07.000Z');
    expect(Buffer.from(generalizedTime(d)).toString('latin1', 2)).toBe('20250304050607Z');
    expect(() => time(new Date('2050-01-01T00:00:00Z'), 'utc')).toThrow(/UTCTime cannot hold year 2050/);
  });
});

describe('Name', () => {
  it('gives the same DER from a spec and from an RFC 4514 string', () => {
    const spec = name([{ C: 'US' }, { O: 'Test' }, { CN: 'Good CA' }]);
    expect(hex(name('CN=Good CA,O=Test,C=US'))).toBe(hex(spec));
  });

  it('uses PrintableString for C, IA5String for DC and email, UTF8String otherwise', () => {
    const der = name([{ C: 'US' }, { DC: 'example' }, { CN: 'Ünïcode' }]);
    const rdns = (decode(der) as asn1js.Sequence).valueBlock.value as asn1js.Set[];
    const valueTag = (i: number) =>
      ((rdns[i]!.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[1] as asn1js.BaseBlock).idBlock.tagNumber;
    expect([valueTag(0), valueTag(1), valueTag(2)]).toEqual([19, 22, 12]);
  });

  it('parses escapes and multi-valued RDNs', () => {
    expect(parseNameString('CN=a\\,b+UID=x,O=T')).toEqual([{ O: 'T' }, { CN: 'a,b', UID: 'x' }]);
    const multi = (decode(name('CN=a+O=b')) as asn1js.Sequence).valueBlock.value[0] as asn1js.Set;
    expect(multi.valueBlock.value).toHaveLength(2);
  });

  it('accepts explicit string types, raw values, dotted OIDs and the empty name', () => {
    const der = name([{ CN: { value: 'x', type: 'printable' } }, { '2.5.4.97': 'VAT' }, { O: { der: utf8String('raw') } }]);
    expect(hex(der)).toContain(hex(printableString('x')));
    expect(hex(der)).toContain(hex(oid('2.5.4.97')));
    expect(hex(name([]))).toBe('3000');
    expect(() => name('XX=1')).toThrow(/unknown name attribute type "XX"/);
  });
});
