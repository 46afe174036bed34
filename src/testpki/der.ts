/**
 * A small DER writer for building test certificates and CRLs. Every function returns the complete encoding of
 * one element (tag, length, content) as a fresh Uint8Array that owns its ArrayBuffer, so callers may hand
 * `.buffer` to anything. Nothing here validates beyond what is needed to encode: negative tests need to be able
 * to write odd but well-formed TLVs (non-minimal INTEGERs, unsorted SETs via `tlv`, empty SEQUENCEs).
 */

export type Der = Uint8Array;

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Octets of a definite, minimal DER length. */
export function lengthOctets(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`DER length ${length} is not encodable`);
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Size of a TLV header (single-octet tag) for content of `length` octets. */
export function headerSize(length: number): number {
  if (length < 0x80) return 2;
  let n = 0;
  for (let l = length; l > 0; l = Math.floor(l / 256)) n++;
  return 2 + n;
}

/** Any element with a single-octet tag; contents are concatenated. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  return tlvOf(tag, contents);
}

/** `tlv` from an array of contents: one allocation, no argument spreading. */
export function tlvOf(tag: number, contents: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of contents) length += c.length;
  const out = new Uint8Array(headerSize(length) + length);
  let at = writeHeader(out, 0, tag, length);
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Writes a tag and definite length at `at`; returns the offset after them. */
export function writeHeader(out: Uint8Array, at: number, tag: number, length: number): number {
  out[at++] = tag;
  if (length < 0x80) {
    out[at++] = length;
    return at;
  }
  const n = headerSize(length) - 2;
  out[at++] = 0x80 | n;
  for (let i = n - 1; i >= 0; i--, length = Math.floor(length / 256)) out[at + i] = length % 256;
  return at + n;
}

export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, ...items);
}

/** A SEQUENCE from an array, for lists too long to spread into arguments (hundreds of thousands of entries). */
export function sequenceOf(items: readonly Uint8Array[]): Uint8Array {
  return tlvOf(TAG.SEQUENCE, items);
}

/** SET OF in DER order (elements sorted as octet strings). Use `tlv(TAG.SET, ...)` to keep a given order. */
export function set(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG.SET, ...[...items].sort(compareOctets));
}

export function compareOctets(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Minimal two's-complement content octets of an integer (0 is one 00 octet). */
export function integerOctets(value: bigint | number): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`${value} is not an integer; pass a bigint`);
  let v = BigInt(value);
  if (v < 0n) {
    // Two's complement in the fewest octets: 2^(8k) + v, where k octets hold v's magnitude with a sign bit.
    let k = 1n;
    while (-v > 1n << (8n * k - 1n)) k++;
    v += 1n << (8n * k);
  }
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const bytes = Buffer.from(hex, 'hex');
  const needsPad = value >= 0 ? bytes[0]! >= 0x80 : bytes[0]! < 0x80;
  const out = new Uint8Array(bytes.length + (needsPad ? 1 : 0));
  if (needsPad) out[0] = value >= 0 ? 0x00 : 0xff;
  out.set(bytes, needsPad ? 1 : 0);
  return out;
}

export function integer(value: bigint | number): Uint8Array {
  return tlv(TAG.INTEGER, integerOctets(value));
}

/** An INTEGER whose content octets are written exactly as given: empty or non-minimal ones included. */
export function integerRaw(contentOctets: Uint8Array): Uint8Array {
  return tlv(TAG.INTEGER, contentOctets);
}

/** An INTEGER from a bigint/number (minimal) or from raw content octets (as given). */
export function integerOf(value: bigint | number | Uint8Array): Uint8Array {
  return value instanceof Uint8Array ? integerRaw(value) : integer(value);
}

export function enumerated(value: number): Uint8Array {
  return tlv(TAG.ENUMERATED, integerOctets(value));
}

const oidCache = new Map<string, Uint8Array>();

export function oid(dotted: string): Uint8Array {
  // Cached: the same few OIDs are encoded once per extension of every entry of a CRL.
  let der = oidCache.get(dotted);
  if (!der) {
    der = encodeOid(dotted);
    oidCache.set(dotted, der);
  }
  return der.slice();
}

function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`OID ${dotted}: arc "${a}" is not a number`);
    return BigInt(a);
  });
  if (arcs.length < 2) throw new RangeError(`OID ${dotted}: needs at least two arcs`);
  const out: number[] = [];
  const push = (arc: bigint) => {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(TAG.OID, Uint8Array.from(out));
}

export function boolean(value: boolean): Uint8Array {
  return Uint8Array.of(TAG.BOOLEAN, 1, value ? 0xff : 0x00);
}

export function nullValue(): Uint8Array {
  return Uint8Array.of(TAG.NULL, 0);
}

export function octetString(content: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, content);
}

export function bitString(content: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(TAG.BIT_STRING, Uint8Array.of(unusedBits), content);
}

/**
 * A named-bit-list BIT STRING (KeyUsage, ReasonFlags) in DER form: bit 0 is the most significant bit of the
 * first octet, and trailing zero bits are dropped (X.690 11.2.2), so `[]` encodes as `03 01 00`.
 */
export function namedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return bitString(new Uint8Array(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return bitString(bytes, 7 - (highest & 7));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function timeDigits(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid Date');
  const parts = [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  return `${parts.map((n) => pad(n)).join('')}Z`;
}

/** UTCTime YYMMDDHHMMSSZ (seconds precision; milliseconds are dropped). */
export function utcTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 2049) throw new RangeError(`UTCTime cannot hold year ${y}`);
  return tlv(TAG.UTC_TIME, ascii(`${pad(y % 100)}${timeDigits(d)}`));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ, no fraction (RFC 5280 4.1.2.5.2). */
export function generalizedTime(d: Date): Uint8Array {
  return tlv(TAG.GENERALIZED_TIME, ascii(`${pad(d.getUTCFullYear(), 4)}${timeDigits(d)}`));
}

export type TimeEncoding = 'utc' | 'generalized';

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950); `force` overrides. */
export function time(d: Date, force?: TimeEncoding): Uint8Array {
  // Remember the last one: a CRL's entries often share a revocation date.
  const ms = d.getTime();
  if (lastTime && lastTime.ms === ms && lastTime.force === force) return lastTime.der.slice();
  const y = d.getUTCFullYear();
  const enc = force ?? (y >= 1950 && y <= 2049 ? 'utc' : 'generalized');
  const der = enc === 'utc' ? utcTime(d) : generalizedTime(d);
  lastTime = { ms, force, der };
  return der.slice();
}
let lastTime: { ms: number; force: TimeEncoding | undefined; der: Uint8Array } | undefined;

export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function printableString(s: string): Uint8Array {
  return tlv(TAG.PRINTABLE_STRING, ascii(s));
}

export function utf8String(s: string): Uint8Array {
  return tlv(TAG.UTF8_STRING, Uint8Array.from(Buffer.from(s, 'utf8')));
}

export function ia5String(s: string): Uint8Array {
  return tlv(TAG.IA5_STRING, ascii(s));
}

/** T61String written as Latin-1 octets, as old CAs did. */
export function teletexString(s: string): Uint8Array {
  return tlv(TAG.TELETEX_STRING, ascii(s));
}

export function bmpString(s: string): Uint8Array {
  const b = Buffer.from(s, 'utf16le').swap16();
  return tlv(TAG.BMP_STRING, Uint8Array.from(b));
}

/** [n] EXPLICIT: a constructed context tag wrapping complete elements. */
export function explicit(n: number, ...inner: Uint8Array[]): Uint8Array {
  return tlv(0xa0 | n, ...inner);
}

/**
 * [n] IMPLICIT: the element's own tag replaced by context tag n, keeping its constructed bit and its content.
 * `element` is a complete encoding such as `ia5String(uri)` or `sequence(...)`.
 */
export function implicit(n: number, element: Uint8Array): Uint8Array {
  const constructed = element[0]! & 0x20;
  const out = Uint8Array.from(element);
  out[0] = 0x80 | constructed | n;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Names

/** A string attribute value, with its ASN.1 string type when the default for the attribute is not wanted. */
export type AttrValue =
  | string
  | { value: string; type: 'printable' | 'utf8' | 'ia5' | 'teletex' | 'bmp' }
  | { der: Uint8Array };

/** RDNSequence, most significant first: `[{C:'US'},{O:'Test'},{CN:'Good CA'}]`; several keys = a multi-valued RDN. */
export type NameSpec = ReadonlyArray<Readonly<Record<string, AttrValue>>>;

/** A NameSpec, an RFC 4514 string (`CN=Good CA,O=Test,C=US`, least significant first), or a complete Name DER. */
export type NameInput = NameSpec | string | Uint8Array;

export const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  TITLE: '2.5.4.12',
  GN: '2.5.4.42',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
};

// Types X.520 / RFC 5280 fix for these attributes; everything else is UTF8String (RFC 5280 4.1.2.4).
const DEFAULT_STRING_TYPE: Readonly<Record<string, 'printable' | 'ia5'>> = {
  '2.5.4.6': 'printable',
  '2.5.4.5': 'printable',
  '0.9.2342.19200300.100.1.25': 'ia5',
  '1.2.840.113549.1.9.1': 'ia5',
};

function attributeOid(type: string): string {
  if (/^\d+(\.\d+)+$/.test(type)) return type;
  const found = ATTRIBUTE_OIDS[type.toUpperCase()];
  if (!found) throw new RangeError(`unknown name attribute type "${type}"`);
  return found;
}

function attributeValue(oidText: string, v: AttrValue): Uint8Array {
  if (typeof v !== 'string' && 'der' in v) return v.der;
  const { value, type } = typeof v === 'string' ? { value: v, type: DEFAULT_STRING_TYPE[oidText] ?? 'utf8' } : v;
  switch (type) {
    case 'printable':
      return printableString(value);
    case 'ia5':
      return ia5String(value);
    case 'teletex':
      return teletexString(value);
    case 'bmp':
      return bmpString(value);
    default:
      return utf8String(value);
  }
}

/** One RelativeDistinguishedName (a SET OF AttributeTypeAndValue) from one spec entry. */
export function rdn(attrs: Readonly<Record<string, AttrValue>>): Uint8Array {
  const atvs = Object.entries(attrs).map(([type, value]) => {
    const o = attributeOid(type);
    return sequence(oid(o), attributeValue(o, value));
  });
  if (atvs.length === 0) throw new RangeError('an RDN needs at least one attribute');
  return set(...atvs);
}

/** Parse an RFC 4514 string into a NameSpec (most significant RDN first). `\x` escapes one character. */
export function parseNameString(text: string): NameSpec {
  const rdns: Record<string, AttrValue>[] = [];
  let current: Record<string, AttrValue> = {};
  let token = '';
  let type: string | undefined;
  const finishAttr = () => {
    if (type === undefined) {
      if (token.trim() === '' && Object.keys(current).length === 0) return;
      throw new RangeError(`name "${text}": "${token}" has no "="`);
    }
    current[type.trim()] = token;
    type = undefined;
    token = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      token += text[++i];
    } else if (ch === '=' && type === undefined) {
      type = token;
      token = '';
    } else if (ch === '+') {
      finishAttr();
    } else if (ch === ',') {
      finishAttr();
      rdns.push(current);
      current = {};
    } else {
      token += ch;
    }
  }
  finishAttr();
  if (Object.keys(current).length > 0) rdns.push(current);
  return rdns.reverse();
}

/** A Name (RDNSequence) DER. An empty spec gives the empty Name `30 00`. */
export function name(input: NameInput): Uint8Array {
  if (input instanceof Uint8Array) return input;
  const spec = typeof input === 'string' ? parseNameString(input) : input;
  return sequence(...spec.map(rdn));
}
