import { serialText } from '../../src/der/integer.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/**
 * The JSON cache's text of a serial (serialText: uppercase hex, leading zero octets dropped) made from the
 * serial's bytes, as an authorizer that keys a Set by text must do for every request. A table per octet, the
 * fastest plain-JS form; a negative serial (no real CA issues one) takes serialText itself.
 */
export function serialTextPerLookup(key: Uint8Array): string {
  if (key.length === 0 || (key[0]! & 0x80) !== 0) return serialText(key);
  let i = 0;
  while (i < key.length - 1 && key[i] === 0) i++;
  let s = '';
  for (; i < key.length; i++) s += HEX[key[i]!];
  return s;
}
