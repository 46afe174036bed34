import type { Code } from '../errors.js';
import { MAX_CERT_BYTES, MAX_CRL_BYTES, MAX_CRL_TEXT_BYTES, overLimit } from '../limits.js';
import { declaredLength, fail } from './reader.js';

const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

/** The size caps of the artefact a code names (src/limits.ts): certificates are small, CRLs may be huge. */
function capsFor(code: Code): { der: number; text: number } {
  return code.startsWith('cert.')
    ? { der: MAX_CERT_BYTES, text: MAX_CERT_BYTES }
    : { der: MAX_CRL_BYTES, text: MAX_CRL_TEXT_BYTES };
}

/**
 * DER bytes from DER, PEM (any line ends, text around the armour ignored) or bare base64 text.
 * DER is recognised by its leading SEQUENCE octet (0x30), so large DER input is never turned into a string.
 * DER input is returned as is, not copied. Sizes are checked before anything is decoded: the input's own, and
 * the length the outer SEQUENCE declares (a header claiming gigabytes is refused without reading on).
 */
export function toDer(input: Uint8Array | string, code: Code, what: string): Uint8Array {
  const caps = capsFor(code);
  if (typeof input !== 'string') {
    if (input.length === 0) fail(code, `${what}: input is empty`);
    if (input[0] === 0x30) {
      checkDeclared(input, caps.der, code, what);
      if (input.length > caps.der) overLimit(code, what, input.length, caps.der, 'bytes');
      return input;
    }
  }
  if (input.length > caps.text) overLimit(code, `${what} (PEM or base64 text)`, input.length, caps.text, 'bytes');
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.length).toString('latin1');
  const first = firstPemBlock(text);
  let der: Uint8Array;
  if (first !== undefined) der = first.der;
  else {
    const trimmed = text.trim();
    if (trimmed.length === 0 || !BASE64_TEXT.test(trimmed)) fail(code, `${what}: neither DER, PEM nor base64`);
    der = base64Bytes(trimmed);
  }
  if (der.length === 0 || der[0] !== 0x30) fail(code, `${what}: decoded content is not a DER SEQUENCE`);
  checkDeclared(der, caps.der, code, what);
  return der;
}

function checkDeclared(der: Uint8Array, cap: number, code: Code, what: string): void {
  const declared = declaredLength(der, 0);
  if (declared > cap) overLimit(code, `${what}: outer SEQUENCE declares`, declared, cap, 'bytes');
}

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';

/**
 * Every `-----BEGIN x-----` ... `-----END x-----` block in a text, in order (a CA bundle holds several).
 * A scan with indexOf, linear in the text: a regular expression with a back-reference takes quadratic time on
 * hostile text full of BEGIN lines without an END.
 */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (let from = 0; ; ) {
    const block = nextPemBlock(text, from);
    if (block === undefined) return out;
    out.push(block.block);
    from = block.next;
  }
}

function firstPemBlock(text: string): PemBlock | undefined {
  return nextPemBlock(text, 0)?.block;
}

function nextPemBlock(text: string, from: number): { block: PemBlock; next: number } | undefined {
  // A label with no END after some BEGIN has none after any later BEGIN either: each is searched for once, and
  // only a few are, so text full of unmatched BEGIN lines costs linear time, not quadratic.
  const unmatched = new Set<string>();
  for (let begin = text.indexOf(BEGIN, from); begin >= 0; begin = text.indexOf(BEGIN, begin + 1)) {
    const labelStart = begin + BEGIN.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    if (labelEnd < 0) return undefined;
    const label = text.slice(labelStart, labelEnd);
    if (/[-\r\n]/.test(label) || unmatched.has(label)) continue;
    const end = `-----END ${label}-----`;
    const bodyStart = labelEnd + DASHES.length;
    const endAt = text.indexOf(end, bodyStart);
    if (endAt >= 0) return { block: { label, der: base64Bytes(text.slice(bodyStart, endAt)) }, next: endAt + end.length };
    unmatched.add(label);
    if (unmatched.size > MAX_UNMATCHED_LABELS) return undefined;
  }
  return undefined;
}

const MAX_UNMATCHED_LABELS = 8;

function base64Bytes(b64: string): Uint8Array {
  const buf = Buffer.from(b64, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}
