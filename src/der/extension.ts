import type { Code } from '../errors.js';
import { MAX_EXTENSIONS, overLimit } from '../limits.js';
import { isMinimalOid, oidText } from './oid.js';
import { bytesEqual, checkDer, fail, readBoolean, readTlv, TAG, Tlv } from './reader.js';

/**
 * One Extension (RFC 5280 4.1): `SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`,
 * read into a caller-owned instance so a loop over many entries allocates nothing.
 */
export class Extension {
  oidStart = 0;
  oidEnd = 0;
  critical = false;
  /** extnValue content range: the DER of the extension's own value */
  valueStart = 0;
  valueEnd = 0;
  /** offset just past the Extension */
  end = 0;
}

/**
 * Reads the Extension at `pos`. DER to the letter: the OID minimal (X.690 8.19.2; a padded OID would make a known
 * extension look unknown), `critical` written only when TRUE (X.690 11.5: a DEFAULT value is never encoded), and
 * nothing after extnValue.
 */
export function readExtension(buf: Uint8Array, pos: number, limit: number, out: Extension, t: Tlv, code: Code, what: string): Extension {
  const seq = readTlv(buf, pos, limit, t, code, what);
  if (seq.tag !== TAG.SEQUENCE) fail(code, `${what}: not a SEQUENCE`);
  const end = t.end;
  const id: Tlv = readTlv(buf, t.body, end, t, code, `${what} id`);
  if (id.tag !== TAG.OID) fail(code, `${what}: extnID is not an OID`);
  if (!isMinimalOid(buf, t.body, t.end)) fail(code, `${what}: extnID is not a minimal OID (X.690 8.19.2)`);
  out.oidStart = t.body;
  out.oidEnd = t.end;
  readTlv(buf, t.end, end, t, code, what);
  out.critical = false;
  if (t.tag === TAG.BOOLEAN) {
    if (!readBoolean(buf, t, code, `${what} critical`)) {
      fail(code, `${what}: critical FALSE is written out, but DER omits a DEFAULT value (X.690 11.5)`);
    }
    out.critical = true;
    readTlv(buf, t.end, end, t, code, `${what} value`);
  }
  if (t.tag !== TAG.OCTET_STRING || t.end !== end) fail(code, `${what}: extnValue is not one OCTET STRING`);
  out.valueStart = t.body;
  out.valueEnd = t.end;
  out.end = end;
  return out;
}

/** The x of an id-ce OID 2.5.29.x (one-octet arcs), else -1. */
export function idCeArc(buf: Uint8Array, ext: Extension): number {
  return ext.oidEnd - ext.oidStart === 3 && buf[ext.oidStart] === 0x55 && buf[ext.oidStart + 1] === 0x1d
    ? buf[ext.oidStart + 2]!
    : -1;
}

export function extensionOid(buf: Uint8Array, ext: Extension): string {
  return oidText(buf, ext.oidStart, ext.oidEnd);
}

/**
 * Every Extension of an `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` content range [start, end): at least
 * one (RFC 5280 4.1), at most MAX_EXTENSIONS, no OID twice (RFC 5280 4.2, 5.2, 5.3).
 */
export function readExtensionList(buf: Uint8Array, start: number, end: number, code: Code, what: string): Extension[] {
  if (start === end) fail(code, `${what}: an empty SEQUENCE, but Extensions is SIZE (1..MAX) (RFC 5280 4.1)`);
  const out: Extension[] = [];
  const t = new Tlv();
  for (let p = start; p < end; ) {
    if (out.length >= MAX_EXTENSIONS) overLimit(code, what, `over ${MAX_EXTENSIONS}`, MAX_EXTENSIONS, 'extensions');
    const ext = readExtension(buf, p, end, new Extension(), t, code, `${what}: extension`);
    const oid = buf.subarray(ext.oidStart, ext.oidEnd);
    if (out.some((e) => bytesEqual(buf.subarray(e.oidStart, e.oidEnd), oid))) {
      fail(code, `${what}: extension ${extensionOid(buf, ext)} appears twice (RFC 5280 4.2)`);
    }
    out.push(ext);
    p = ext.end;
  }
  return out;
}

/** extnValue holds exactly one DER TLV with `tag`, well formed all the way down, nothing left over; returns it. */
export function valueTlv(buf: Uint8Array, ext: Extension, tag: number, code: Code, what: string): Tlv {
  const v = readTlv(buf, ext.valueStart, ext.valueEnd, new Tlv(), code, what);
  if (v.tag !== tag) fail(code, `${what}: unexpected tag 0x${v.tag.toString(16)} in extnValue`);
  if (v.end !== ext.valueEnd) fail(code, `${what}: data after the value inside extnValue`);
  if (v.tag & 0x20) checkDer(buf, v.body, v.end, code, what);
  return v;
}
