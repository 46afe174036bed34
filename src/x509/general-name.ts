import type { Code } from '../errors.js';
import { fail, hexOf, readTlv, TAG, Tlv } from '../der/index.js';
import { MAX_GENERAL_NAMES, overLimit } from '../limits.js';
import { nameKey } from './name.js';

/**
 * The dpName key of one GeneralName (internals.md "Scope"): `uri:<uri>`, `dn:<nameKey>`, else `der:<hex>`.
 * `t` is the GeneralName TLV inside `buf`.
 */
export function generalNameKey(buf: Uint8Array, t: Tlv, code: Code): string {
  if (t.tag === 0x86) return 'uri:' + Buffer.from(buf.buffer, buf.byteOffset + t.body, t.length).toString('latin1');
  if (t.tag === 0xa4) {
    // directoryName is EXPLICIT (Name is a CHOICE): the content is one Name SEQUENCE
    const inner = readTlv(buf, t.body, t.end, new Tlv(), code, 'directoryName');
    if (inner.tag !== TAG.SEQUENCE || inner.end !== t.end) fail(code, 'directoryName: expected one Name');
    return 'dn:' + nameKey(buf.subarray(inner.start, inner.end), code);
  }
  return 'der:' + hexOf(buf, t.start, t.end);
}

/** The keys of a GeneralNames content range. */
export function generalNamesKeys(buf: Uint8Array, start: number, end: number, code: Code): string[] {
  const out: string[] = [];
  const t = new Tlv();
  for (let p = start; p < end; p = t.end) {
    readTlv(buf, p, end, t, code, 'GeneralName');
    if (out.length >= MAX_GENERAL_NAMES) overLimit(code, 'GeneralNames', `over ${MAX_GENERAL_NAMES}`, MAX_GENERAL_NAMES, 'names');
    out.push(generalNameKey(buf, t, code));
  }
  return out;
}

/**
 * The Name formed by appending one RDN (a SET TLV) to a Name (a SEQUENCE TLV): how RFC 5280 resolves
 * nameRelativeToCRLIssuer.
 */
export function appendRdn(name: Uint8Array, rdnSet: Uint8Array, code: Code): Uint8Array {
  const t = readTlv(name, 0, name.length, new Tlv(), code, 'Name');
  const content = new Uint8Array(t.length + rdnSet.length);
  content.set(name.subarray(t.body, t.end), 0);
  content.set(rdnSet, t.length);
  return tlvBytes(TAG.SEQUENCE, content);
}

function tlvBytes(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len: number[] = [];
  if (n < 0x80) len.push(n);
  else {
    const b: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
    len.push(0x80 | b.length, ...b);
  }
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

/**
 * dpName keys of a DistributionPointName (the TLV inside the explicit [0] of a DistributionPoint or IDP):
 * fullName [0] GeneralNames, or nameRelativeToCRLIssuer [1] RDN resolved against `relativeTo`.
 */
export function distributionPointNameKeys(buf: Uint8Array, t: Tlv, relativeTo: Uint8Array, code: Code): string[] {
  if (t.tag === 0xa0) return generalNamesKeys(buf, t.body, t.end, code);
  if (t.tag === 0xa1) {
    const set = new Uint8Array(buf.subarray(t.start, t.end));
    set[0] = TAG.SET;
    return ['dn:' + nameKey(appendRdn(relativeTo, set, code), code)];
  }
  return fail(code, 'DistributionPointName: unknown choice');
}
