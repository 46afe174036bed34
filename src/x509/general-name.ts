import type { Code } from '../errors.js';
import { fail, hexOf, readTlv, TAG, Tlv } from '../der/index.js';
import { MAX_GENERAL_NAMES, overLimit } from '../limits.js';
import { nameKey } from './name.js';

/**
 * The dpName key of one GeneralName (internals.md "Scope"): `uri:<uri>`, `dn:<nameKey>`, else `der:<hex>`.
 * `t` is the GeneralName TLV inside `buf`.
 */
export function generalNameKey(buf: Uint8Array, t: Tlv, code: Code): string {
  if (t.tag === 0x86) return 'uri:' + uriKey(Buffer.from(buf.buffer, buf.byteOffset + t.body, t.length).toString('latin1'));
  if (t.tag === 0xa4) {
    // directoryName is EXPLICIT (Name is a CHOICE): the content is one Name SEQUENCE
    const inner = readTlv(buf, t.body, t.end, new Tlv(), code, 'directoryName');
    if (inner.tag !== TAG.SEQUENCE || inner.end !== t.end) fail(code, 'directoryName: expected one Name');
    return 'dn:' + nameKey(buf.subarray(inner.start, inner.end), code);
  }
  return 'der:' + hexOf(buf, t.start, t.end);
}

/**
 * A URI in the form RFC 5280 7.4 compares: "the scheme and host without regard to case, ... the remainder of the
 * scheme-specific-part is case sensitive". Scheme and host are lower-cased; userinfo, port, path, query stay.
 */
export function uriKey(uri: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/)?(.*)$/s.exec(uri);
  if (!m) return uri;
  const scheme = m[1]!.toLowerCase();
  if (m[2] === undefined) return `${scheme}:${m[3]}`;
  const rest = m[3]!;
  const cut = rest.search(/[/?#]/);
  const authority = cut < 0 ? rest : rest.slice(0, cut);
  const tail = cut < 0 ? '' : rest.slice(cut);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  // the port follows the last colon outside an IPv6 literal's brackets
  const colon = hostPort.lastIndexOf(':');
  const split = colon > hostPort.lastIndexOf(']') ? colon : -1;
  const host = split < 0 ? hostPort : hostPort.slice(0, split);
  const port = split < 0 ? '' : hostPort.slice(split);
  return `${scheme}://${userinfo}${host.toLowerCase()}${port}${tail}`;
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
