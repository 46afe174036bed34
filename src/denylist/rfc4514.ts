import { CrlAuthorizerError } from '../errors.js';
import { SHORT_NAMES as ATTRIBUTE_NAMES, nameKey } from '../x509/name.js';

/**
 * RFC 4514 text to the RFC 5280 §7.1 comparison key of the Name it writes. The text is turned into a Name's DER
 * (string values as UTF8String, `#hex` values as the DER they give) and keyed by `nameKey`, the very function
 * certificates are keyed by: a subject typed by an operator and one read from a certificate compare by one rule,
 * whatever string types the CA chose.
 */
export function nameKeyOfText(text: string): string {
  return nameKey(nameDerOfText(text), 'denylist.malformed');
}

const KEYWORDS = new Map(Object.entries(ATTRIBUTE_NAMES).map(([oid, name]) => [name.toLowerCase(), oid]));
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const SPECIAL = new Set([...' "#+,;<=>\\']);

function bad(text: string, why: string): never {
  throw new CrlAuthorizerError('denylist.malformed', `name "${text}": ${why} (RFC 4514, e.g. "CN=client,O=Example")`);
}

/** The DER of the Name an RFC 4514 string writes (the string lists the last RDN first). */
export function nameDerOfText(text: string): Uint8Array {
  if (text.length > 4096) bad(text.slice(0, 40) + '…', 'longer than 4096 characters');
  const rdns: Uint8Array[] = [];
  let i = 0;
  let atvs: Uint8Array[] = [];
  while (i < text.length) {
    // attributeType
    const eq = text.indexOf('=', i);
    if (eq < 0) bad(text, `no "=" after "${text.slice(i)}"`);
    const type = text.slice(i, eq).trim();
    const oid = oidOfType(text, type);
    i = eq + 1;
    let value: Uint8Array;
    if (text[i] === '#') {
      let j = i + 1;
      while (j < text.length && /[0-9a-fA-F]/.test(text[j]!)) j++;
      const hex = text.slice(i + 1, j);
      if (hex.length === 0 || hex.length % 2) bad(text, `"#${hex}" is not an even number of hex digits`);
      value = Buffer.from(hex, 'hex');
      if (!isOneTlv(value)) bad(text, `"#${hex}" is not one DER value`);
      i = j;
    } else {
      const bytes: number[] = [];
      for (; i < text.length && text[i] !== ',' && text[i] !== '+'; i++) {
        const c = text[i]!;
        if (c === '\\') {
          const pair = text.slice(i + 1, i + 3);
          if (HEX_PAIR.test(pair)) {
            bytes.push(parseInt(pair, 16));
            i += 2;
          } else if (SPECIAL.has(text[i + 1] ?? '')) {
            bytes.push(text.charCodeAt(++i));
          } else bad(text, `"\\${text[i + 1] ?? ''}" is not an escape`);
        } else if (c === '"' || c === ';' || c === '<' || c === '>') {
          bad(text, `"${c}" must be escaped`);
        } else bytes.push(...Buffer.from(c, 'utf8'));
      }
      const utf8 = Buffer.from(bytes);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(utf8);
      } catch {
        bad(text, 'escaped bytes are not UTF-8');
      }
      value = tlv(0x0c, utf8);
    }
    atvs.push(tlv(0x30, concat([tlv(0x06, oidBytes(oid)), value])));
    if (i < text.length && text[i] !== ',' && text[i] !== '+') bad(text, `unexpected "${text[i]}"`);
    if (i >= text.length || text[i] === ',') {
      rdns.push(tlv(0x31, concat(atvs)));
      atvs = [];
    }
    if (i < text.length) {
      i++;
      if (i === text.length) bad(text, 'ends with a separator');
    }
  }
  if (rdns.length === 0) bad(text, 'empty');
  return tlv(0x30, concat(rdns.reverse()));
}

function oidOfType(text: string, type: string): string {
  const dotted = type.replace(/^oid\./i, '');
  if (/^[0-2](\.(0|[1-9]\d*))+$/.test(dotted)) return dotted;
  const oid = KEYWORDS.get(type.toLowerCase());
  if (oid === undefined) bad(text, `unknown attribute type "${type}"`);
  return oid;
}

function isOneTlv(b: Uint8Array): boolean {
  if (b.length < 2) return false;
  let len = b[1]!;
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || b.length < 2 + n) return false;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + b[2 + k]!;
    off += n;
  }
  return off + len === b.length;
}

function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >> 8, n & 0xff];
  return concat([Uint8Array.from(head), content]);
}

function oidBytes(oid: string): Uint8Array {
  const arcs = oid.split('.').map(BigInt);
  const out: number[] = [];
  const first = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  for (let arc of first) {
    const group = [Number(arc & 0x7fn)];
    for (arc >>= 7n; arc > 0n; arc >>= 7n) group.unshift(Number(arc & 0x7fn) | 0x80);
    out.push(...group);
  }
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
