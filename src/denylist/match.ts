import { createHash } from 'node:crypto';
import { hexOf } from '../der/index.js';
import type { CertFacts } from '../x509/cert.js';
import type { Denylist, DenylistEntry } from './format.js';
import { nameKeyOfText } from './rfc4514.js';

/**
 * A denylist compiled for lookups: one map keyed by what a certificate presents, so a request costs at most four
 * map probes (issuer key id + serial, issuer name + serial, subject, and the SHA-256 fingerprint, the last hashed
 * only when some entry is a fingerprint). Names are keyed by RFC 5280 §7.1 rules (`nameKey`). Expiry is checked at
 * the time of the request, so an expired entry stops matching without a reload.
 */
export class CompiledDenylist {
  readonly size: number;
  private readonly byKey = new Map<string, DenylistEntry[]>();
  private readonly hasFingerprints: boolean;

  constructor(readonly list: Denylist) {
    this.size = list.entries.length;
    let fingerprints = false;
    for (const entry of list.entries) {
      const key = keyOfEntry(entry);
      fingerprints ||= entry.sha256 !== undefined;
      const same = this.byKey.get(key);
      if (same) same.push(entry);
      else this.byKey.set(key, [entry]);
    }
    this.hasFingerprints = fingerprints;
  }

  /** The first live entry that matches the certificate, or undefined. */
  match(cert: CertFacts, at: Date): DenylistEntry | undefined {
    if (this.size === 0) return undefined;
    const ms = at.getTime();
    return (
      (cert.authorityKeyId && this.live(`k:${hexOf(cert.authorityKeyId)}:${cert.serialText}`, ms)) ||
      this.live(`i:${cert.issuerKey}:${cert.serialText}`, ms) ||
      this.live(`s:${cert.subjectKey}`, ms) ||
      (this.hasFingerprints ? this.live(`f:${createHash('sha256').update(cert.der).digest('hex')}`, ms) : undefined)
    );
  }

  private live(key: string, ms: number): DenylistEntry | undefined {
    const entries = this.byKey.get(key);
    if (!entries) return undefined;
    for (const e of entries) if (e.expires === undefined || Date.parse(e.expires) > ms) return e;
    return undefined;
  }
}

/** The map key of an entry; the key a certificate would be looked up by for the same selector. */
export function keyOfEntry(entry: DenylistEntry): string {
  if (entry.serial !== undefined && entry.issuerKeyId !== undefined) return `k:${entry.issuerKeyId}:${entry.serial}`;
  if (entry.serial !== undefined && entry.issuer !== undefined) return `i:${nameKeyOfText(entry.issuer)}:${entry.serial}`;
  if (entry.subject !== undefined) return `s:${nameKeyOfText(entry.subject)}`;
  return `f:${entry.sha256}`;
}


export function describeEntry(e: DenylistEntry): string {
  if (e.sha256 !== undefined) return `sha256 ${e.sha256}`;
  if (e.subject !== undefined) return `subject ${e.subject}`;
  return `serial ${e.serial} of ${e.issuerKeyId !== undefined ? `key id ${e.issuerKeyId}` : e.issuer}`;
}
