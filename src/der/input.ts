import type { Code } from '../errors.js';
import { fail } from './reader.js';

const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

/**
 * DER bytes from DER, PEM (any line ends, text around the armour ignored) or bare base64 text.
 * DER is recognised by its leading SEQUENCE octet (0x30), so large DER input is never turned into a string.
 * DER input is returned as is, not copied.
 */
export function toDer(input: Uint8Array | string, code: Code, what: string): Uint8Array {
  if (typeof input !== 'string') {
    if (input.length === 0) fail(code, `${what}: input is empty`);
    if (input[0] === 0x30) return input;
  }
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.length).toString('latin1');
  const blocks = pemBlocks(text);
  let der: Uint8Array;
  if (blocks.length > 0) der = blocks[0]!.der;
  else {
    const trimmed = text.trim();
    if (trimmed.length === 0 || !BASE64_TEXT.test(trimmed)) fail(code, `${what}: neither DER, PEM nor base64`);
    der = base64Bytes(trimmed);
  }
  if (der.length === 0 || der[0] !== 0x30) fail(code, `${what}: decoded content is not a DER SEQUENCE`);
  return der;
}

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Every `-----BEGIN x-----` ... `-----END x-----` block in a text, in order (a CA bundle holds several). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([^-\r\n]*)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ label: m[1]!, der: base64Bytes(m[2]!) });
  }
  return out;
}

function base64Bytes(b64: string): Uint8Array {
  const buf = Buffer.from(b64, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}
