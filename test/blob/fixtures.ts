import type { BlobMeta } from '../../src/blob/header.js';
import type { SerialKeys } from '../../src/crl/types.js';

/** A serial key arena from keys given as byte arrays (duplicates and order kept as given). */
export function arena(keys: readonly (Uint8Array | readonly number[])[]): SerialKeys {
  const offsets = new Uint32Array(keys.length + 1);
  let size = 0;
  keys.forEach((k, i) => {
    size += k.length;
    offsets[i + 1] = size;
  });
  const bytes = new Uint8Array(size);
  keys.forEach((k, i) => bytes.set(k, offsets[i]!));
  return { count: keys.length, bytes, offsets };
}

/** Minimal two's complement form (the serial key of internals.md): drop redundant leading 00 / FF octets. */
export function minimal(octets: Uint8Array): Uint8Array {
  let i = 0;
  while (
    octets.length - i > 1 &&
    ((octets[i] === 0x00 && (octets[i + 1]! & 0x80) === 0) || (octets[i] === 0xff && (octets[i + 1]! & 0x80) !== 0))
  ) {
    i++;
  }
  return octets.slice(i);
}

export const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');

export function testMeta(overrides: Partial<BlobMeta> = {}): BlobMeta {
  return {
    issuer: Buffer.from('issuer DER').toString('base64'),
    issuerText: 'CN=Test CA,O=Example,C=US',
    authorityKeyId: '0a0b0c',
    scope: { onlyUserCerts: false, onlyCaCerts: false, onlyAttributeCerts: false, distributionPoints: [] },
    thisUpdate: '2025-01-01T00:00:00.000Z',
    nextUpdate: '2025-01-08T00:00:00.000Z',
    crlNumber: '18446744073709551617',
    crlSha256: 'ab'.repeat(32),
    entries: 0,
    revoked: 0,
    ...overrides,
  };
}

/** Deterministic pseudo-random minimal keys with lengths in [minLen, maxLen]. */
export function randomKeys(n: number, minLen: number, maxLen: number, seed = 1): Uint8Array[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = minLen + (next() % (maxLen - minLen + 1));
    const k = new Uint8Array(len);
    for (let j = 0; j < len; j++) k[j] = next() & 0xff;
    if (len > 1 && k[0] === 0x00 && k[1]! < 0x80) k[0] = 0x01;
    if (len > 1 && k[0] === 0xff && k[1]! >= 0x80) k[0] = 0xfe;
    out.push(k);
  }
  return out;
}
