import type { Code } from '../errors.js';
import { fail, hexOf, oidText, readTlv, TAG, Tlv } from '../der/index.js';
import { MAX_NAME_ATTRIBUTES, MAX_NAME_BYTES, overLimit } from '../limits.js';

/** One AttributeTypeAndValue of a Name. `text` is undefined when the value is not a string type we decode. */
export interface NameAttribute {
  oid: string;
  /** the whole value TLV */
  value: Uint8Array;
  text?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function ucs4(b: Uint8Array): string | undefined {
  if (b.length % 4 !== 0) return undefined;
  let s = '';
  for (let i = 0; i < b.length; i += 4) {
    const cp = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    if (cp > 0x10ffff) return undefined;
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** The string a DirectoryString-like value holds, or undefined for non-string or undecodable values. */
function decodeString(tag: number, b: Uint8Array): string | undefined {
  try {
    switch (tag) {
      case TAG.UTF8_STRING:
        return utf8.decode(b);
      case TAG.PRINTABLE_STRING:
      case TAG.IA5_STRING:
      case 0x12: // NumericString
      case 0x1a: // VisibleString
      case TAG.TELETEX_STRING: // T.61 in theory; latin1 in practice
        return latin1(b);
      case TAG.BMP_STRING:
        return b.length % 2 === 0 ? utf16be.decode(b) : undefined;
      case TAG.UNIVERSAL_STRING:
        return ucs4(b);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** The RDNs of a Name (the full Name TLV), each a list of attributes in encoded order. */
export function readName(der: Uint8Array, code: Code = 'cert.malformed'): NameAttribute[][] {
  const t = new Tlv();
  const r = new Tlv();
  const a = new Tlv();
  const v = new Tlv();
  if (der.length > MAX_NAME_BYTES) overLimit(code, 'Name', der.length, MAX_NAME_BYTES, 'bytes');
  readTlv(der, 0, der.length, t, code, 'Name');
  if (t.tag !== TAG.SEQUENCE || t.end !== der.length) fail(code, 'Name: expected one SEQUENCE');
  const rdns: NameAttribute[][] = [];
  let attributes = 0;
  for (let p = t.body; p < t.end; p = r.end) {
    readTlv(der, p, t.end, r, code, 'Name RDN');
    if (r.tag !== TAG.SET) fail(code, 'Name: RDN is not a SET');
    const atvs: NameAttribute[] = [];
    for (let q = r.body; q < r.end; q = a.end) {
      readTlv(der, q, r.end, a, code, 'Name attribute');
      if (a.tag !== TAG.SEQUENCE) fail(code, 'Name: attribute is not a SEQUENCE');
      if (++attributes > MAX_NAME_ATTRIBUTES) overLimit(code, 'Name', `over ${MAX_NAME_ATTRIBUTES}`, MAX_NAME_ATTRIBUTES, 'attributes');
      readTlv(der, a.body, a.end, v, code, 'Name attribute type');
      if (v.tag !== TAG.OID) fail(code, 'Name: attribute type is not an OID');
      const oid = oidText(der, v.body, v.end, code);
      readTlv(der, v.end, a.end, v, code, 'Name attribute value');
      if (v.end !== a.end) fail(code, 'Name: extra data after attribute value');
      const value = der.subarray(v.start, v.end);
      atvs.push({ oid, value, text: decodeString(v.tag, der.subarray(v.body, v.end)) });
    }
    if (atvs.length === 0) fail(code, 'Name: empty RDN');
    rdns.push(atvs);
  }
  return rdns;
}

// RFC 4518 "mapped to nothing" characters, and the whitespace it maps to SPACE.
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200b\u2060\ufe00-\ufe0f\ufeff]/g;
const WHITESPACE_RUN = /[\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

function foldString(s: string): string {
  return s.replace(MAPPED_TO_NOTHING, '').normalize('NFKC').toLowerCase().replace(WHITESPACE_RUN, ' ').trim();
}

/**
 * The RFC 5280 section 7.1 comparison key of a Name: string values decoded whatever their string type,
 * case-folded, trimmed, internal whitespace collapsed; attributes within an RDN sorted; non-string values as hex of
 * their DER. Two names match iff their keys are equal.
 */
export function nameKey(der: Uint8Array, code: Code = 'cert.malformed'): string {
  return memoized(keyMemo, der, () => computeNameKey(der, code));
}

function computeNameKey(der: Uint8Array, code: Code): string {
  return readName(der, code)
    .map((rdn) =>
      rdn
        .map((a) => `${a.oid}=` + (a.text !== undefined ? 's' + JSON.stringify(foldString(a.text)) : 'h' + hexOf(a.value)))
        .sort()
        .join('+'),
    )
    .join(',');
}

/** Printed names of attribute types: RFC 4514's keywords, then RFC 5280 Appendix A and CA/B Forum EV types. */
export const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '2.5.4.5': 'serialNumber',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

function escapeValue(s: string): string {
  let out = s.replace(/["+,;<>\\]/g, (c) => '\\' + c).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = '\\' + out;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = out.slice(0, -1) + '\\ ';
  return out;
}

/** The RFC 4514 string of a Name: last RDN first, short names for the common types, dotted OIDs with #hex else. */
export function nameText(der: Uint8Array, code: Code = 'cert.malformed'): string {
  return memoized(textMemo, der, () => computeNameText(der, code));
}

function computeNameText(der: Uint8Array, code: Code): string {
  return readName(der, code)
    .reverse()
    .map((rdn) =>
      rdn
        .map((a) => {
          const short = SHORT_NAMES[a.oid];
          if (short !== undefined && a.text !== undefined) return `${short}=${escapeValue(a.text)}`;
          return `${short ?? a.oid}=#${hexOf(a.value)}`;
        })
        .join('+'),
    )
    .join(',');
}

// Names repeat across requests (a handful of issuers, returning clients), and decoding, NFKC folding and escaping
// cost microseconds each: both forms are remembered by the exact DER, in maps cleared when full so they stay
// bounded. Only successes are remembered; a malformed name throws every time.
const MEMO_LIMIT = 4096;
const keyMemo = new Map<string, string>();
const textMemo = new Map<string, string>();

function memoized(memo: Map<string, string>, der: Uint8Array, compute: () => string): string {
  if (der.length > MAX_NAME_BYTES) return compute();
  const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  let value = memo.get(id);
  if (value === undefined) {
    value = compute();
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(id, value);
  }
  return value;
}
