import { readCertificate, type CertFacts } from '../x509/cert.js';

/**
 * Certificate facts by PEM text, for the few clients a warm container keeps seeing. Reading a certificate
 * (base64, DER walk, two RFC 5280 name keys and two RFC 4514 texts) is the largest cost of a warm request; the
 * facts depend on the PEM text alone, so a repeat client pays a Map lookup instead. The verdict is still
 * computed per request. Bounded: the oldest entry goes first. Failures are not cached.
 */
export class CertCache {
  private readonly map = new Map<string, CertFacts>();

  constructor(private readonly max = DEFAULT_CERT_CACHE_ENTRIES) {}

  facts(pem: string): CertFacts {
    let f = this.map.get(pem);
    if (f !== undefined) return f;
    // Shared between requests (and hooks): frozen so that no caller can change what the next request sees.
    f = Object.freeze(readCertificate(pem));
    if (this.max <= 0) return f;
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(pem, f);
    return f;
  }
}

/** A few hundred certificates of a few kilobytes each: well under a megabyte. */
export const DEFAULT_CERT_CACHE_ENTRIES = 256;
