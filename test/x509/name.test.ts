import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { name, oid, sequence, set, tlv } from '../../src/testpki/index.js';
import { nameKey, nameText } from '../../src/x509/index.js';
import { readCertificate } from '../../src/x509/index.js';
import { CONFORMANCE_DIR, describeConformance } from '../support/conformance.js';
import { expectCode } from '../support/codes.js';

const CN = '2.5.4.3';
const atv = (type: string, value: Uint8Array): Uint8Array => sequence(oid(type), value);
const universal = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length * 4);
  [...s].forEach((ch, i) => new DataView(out.buffer).setUint32(i * 4, ch.codePointAt(0)!));
  return tlv(0x1c, out);
};

describe('nameKey (RFC 5280 7.1)', () => {
  it('ignores case, leading/trailing spaces and runs of internal whitespace', () => {
    const a = nameKey(name('CN=Good CA,O=Test Certificates 2011,C=US'));
    expect(nameKey(name('CN=  good    ca ,O=TEST CERTIFICATES\t2011,C=us'))).toBe(a);
    expect(nameKey(name('CN=Good C A,O=Test Certificates 2011,C=US'))).not.toBe(a);
  });

  it('compares string values whatever their string type', () => {
    const expected = nameKey(name([{ C: 'US' }, { CN: { value: 'Straße CA', type: 'utf8' } }]));
    for (const type of ['bmp', 'teletex'] as const) {
      expect(nameKey(name([{ C: 'US' }, { CN: { value: 'Straße CA', type } }])), type).toBe(expected);
    }
    const countryRdn = name([{ C: 'US' }]).subarray(2);
    expect(nameKey(sequence(countryRdn, set(atv(CN, universal('Straße CA')))))).toBe(expected);
    const printable = nameKey(name([{ C: 'US' }, { CN: { value: 'Good CA', type: 'printable' } }]));
    expect(nameKey(name([{ C: 'US' }, { CN: { value: 'GOOD ca', type: 'utf8' } }]))).toBe(printable);
  });

  it('sorts attributes inside an RDN but keeps RDN order significant', () => {
    const ab = nameKey(name([{ C: 'US' }, { O: 'Org', OU: 'Unit' }]));
    const ba = nameKey(name([{ C: 'US' }, { OU: 'Unit', O: 'Org' }]));
    expect(ba).toBe(ab);
    expect(nameKey(name([{ O: 'Org' }, { C: 'US' }]))).not.toBe(nameKey(name([{ C: 'US' }, { O: 'Org' }])));
    expect(nameKey(name([{ C: 'US' }, { O: 'Org' }, { OU: 'Unit' }]))).not.toBe(ab);
  });

  it('keys non-string values by their DER', () => {
    const withInt = sequence(set(atv('2.5.4.45', Uint8Array.of(0x02, 0x01, 0x05))));
    const other = sequence(set(atv('2.5.4.45', Uint8Array.of(0x02, 0x01, 0x06))));
    expect(nameKey(withInt)).not.toBe(nameKey(other));
    expect(nameText(withInt)).toBe('2.5.4.45=#020105');
  });

  it('refuses a Name that is not a SEQUENCE of SETs', () => {
    expectCode(() => nameKey(Uint8Array.of(0x31, 0x00)), 'cert.malformed');
    expectCode(() => nameKey(sequence(sequence()), 'crl.malformed'), 'crl.malformed');
  });
});

describe('nameText (RFC 4514)', () => {
  it('writes the last RDN first with short names', () => {
    expect(nameText(name([{ C: 'US' }, { O: 'Test Certificates 2011' }, { CN: 'Good CA' }]))).toBe(
      'CN=Good CA,O=Test Certificates 2011,C=US',
    );
    expect(
      nameText(
        name([
          { DC: 'com' },
          { DC: 'example' },
          { UID: 'jsmith' },
          { STREET: '1 Main St' },
          { L: 'Town' },
          { ST: 'State' },
          { OU: 'Unit' },
          { emailAddress: 'a@example.com' },
          { serialNumber: '42' },
        ]),
      ),
    ).toBe('serialNumber=42,emailAddress=a@example.com,OU=Unit,ST=State,L=Town,STREET=1 Main St,UID=jsmith,DC=example,DC=com');
  });

  it('escapes special characters, leading # and space, trailing space', () => {
    expect(nameText(name([{ O: 'DocuSign, Inc.' }]))).toBe('O=DocuSign\\, Inc.');
    expect(nameText(name([{ CN: 'a+b="c";<d>\\' }]))).toBe('CN=a\\+b=\\"c\\"\\;\\<d\\>\\\\');
    expect(nameText(name([{ CN: '#1 ' }]))).toBe('CN=\\#1\\ ');
    expect(nameText(name([{ CN: ' x' }]))).toBe('CN=\\ x');
  });

  it('joins a multi-valued RDN with +', () => {
    expect(nameText(name([{ C: 'US' }, { O: 'Org', OU: 'Unit' }]))).toBe('O=Org+OU=Unit,C=US');
  });
});

describeConformance('PKITS 4.3 name chaining', () => {
  const certs = path.join(CONFORMANCE_DIR, 'pkits/certs');
  const cert = (f: string) => readCertificate(new Uint8Array(readFileSync(path.join(certs, f))));
  const cases: [string, string, boolean][] = [
    ['ValidNameChainingWhitespaceTest3EE.crt', 'GoodCACert.crt', true],
    ['ValidNameChainingWhitespaceTest4EE.crt', 'GoodCACert.crt', true],
    ['ValidNameChainingCapitalizationTest5EE.crt', 'GoodCACert.crt', true],
    ['ValidNameUIDsTest6EE.crt', 'UIDCACert.crt', true],
    ['ValidRFC3280MandatoryAttributeTypesTest7EE.crt', 'RFC3280MandatoryAttributeTypesCACert.crt', true],
    ['ValidRFC3280OptionalAttributeTypesTest8EE.crt', 'RFC3280OptionalAttributeTypesCACert.crt', true],
    ['ValidUTF8StringEncodedNamesTest9EE.crt', 'UTF8StringEncodedNamesCACert.crt', true],
    ['ValidRolloverfromPrintableStringtoUTF8StringTest10EE.crt', 'RolloverfromPrintableStringtoUTF8StringCACert.crt', true],
    ['ValidUTF8StringCaseInsensitiveMatchTest11EE.crt', 'UTF8StringCaseInsensitiveMatchCACert.crt', true],
    ['InvalidNameChainingTest1EE.crt', 'GoodCACert.crt', false],
    ['InvalidNameChainingOrderTest2EE.crt', 'NameOrderingCACert.crt', false],
  ];
  it.each(cases)('%s issuer vs %s subject', (leaf, ca, match) => {
    expect(cert(leaf).issuerKey === cert(ca).subjectKey).toBe(match);
  });
});
