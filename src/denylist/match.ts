import * as crypto from 'node:crypto';
import { hexOf } from '../der/index.js';
import type { CertFacts } from '../x509/cert.js';
import type { Denylist, DenylistEntry } from './format.js';
import { nameKeyOfText } from './rfc4514.js';

/**
 * A denylist compiled for lookups: one small map per selector kind, so a request costs a probe keyed by its short
 * serial text, one by its subject name key only when some entry names a subject, and a SHA-256 of the certificate
 * only when some entry is a fingerprint. Issuer checks run only on a serial hit, so the common request (no entry for
 * its serial) builds no string. Names compare by RFC 5280 §7.1 rules (`nameKey`). Expiry is checked at the time of
 * the request, so an expired entry stops matching without a reload.
 */
export class CompiledDenylist {
  readonly size: number;
  /** serial → entries that name that serial, key-id entries before issuer-name entries (the order they match in). */
  private readonly bySerial = new Map<string, SerialEntry[]>();
  private readonly bySubject = new Map<string, DenylistEntry[]>();
  private readonly byFingerprint = new Map<string, DenylistEntry[]>();

  constructor(readonly list: Denylist) {
    this.size = list.entries.length;
    for (const entry of list.entries) {
      if (entry.serial !== undefined) {
        const issuerKey = entry.issuerKeyId === undefined ? nameKeyOfText(entry.issuer!) : undefined;
        push(this.bySerial, entry.serial, { entry, issuerKey });
      } else if (entry.subject !== undefined) push(this.bySubject, nameKeyOfText(entry.subject), entry);
      else push(this.byFingerprint, entry.sha256!, entry);
    }
    for (const list of this.bySerial.values()) list.sort((a, b) => Number(a.entry.issuerKeyId === undefined) - Number(b.entry.issuerKeyId === undefined));
  }

  /** The first live entry that matches the certificate, or undefined. */
  match(cert: CertFacts, at: Date): DenylistEntry | undefined {
    if (this.size === 0) return undefined;
    const ms = at.getTime();
    return (
      this.serialMatch(cert, ms) ||
      (this.bySubject.size > 0 ? firstLive(this.bySubject.get(cert.subjectKey), ms) : undefined) ||
      (this.byFingerprint.size > 0 ? firstLive(this.byFingerprint.get(fingerprintOf(cert)), ms) : undefined)
    );
  }

  private serialMatch(cert: CertFacts, ms: number): DenylistEntry | undefined {
    const candidates = this.bySerial.get(cert.serialText);
    if (!candidates) return undefined;
    const keyId = cert.authorityKeyId ? hexOf(cert.authorityKeyId) : undefined;
    for (const c of candidates) {
      const sameIssuer = c.entry.issuerKeyId !== undefined ? c.entry.issuerKeyId === keyId : c.issuerKey === cert.issuerKey;
      if (sameIssuer && isLive(c.entry, ms)) return c.entry;
    }
    return undefined;
  }
}

interface SerialEntry {
  entry: DenylistEntry;
  /** For an entry that names its issuer by name: that name's key, computed once here rather than per request. */
  issuerKey: string | undefined;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const same = map.get(key);
  if (same) same.push(value);
  else map.set(key, [value]);
}

function isLive(e: DenylistEntry, ms: number): boolean {
  return e.expires === undefined || Date.parse(e.expires) > ms;
}

function firstLive(entries: DenylistEntry[] | undefined, ms: number): DenylistEntry | undefined {
  if (entries) for (const e of entries) if (isLive(e, ms)) return e;
  return undefined;
}

/**
 * The certificate's SHA-256, remembered per `CertFacts` object: the authorizer's certificate cache hands the same
 * frozen facts to every request of a returning client, so that client pays for the hash once, not per request.
 */
const fingerprints = new WeakMap<CertFacts, string>();
function fingerprintOf(cert: CertFacts): string {
  let fp = fingerprints.get(cert);
  if (fp === undefined) fingerprints.set(cert, (fp = sha256Hex(cert.der)));
  return fp;
}

/** `crypto.hash` (Node 20.12+) is the one-shot digest, about twice as fast as createHash on a certificate. */
const sha256Hex: (der: Uint8Array) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (der) => (crypto as unknown as { hash(alg: string, data: Uint8Array, enc: 'hex'): string }).hash('sha256', der, 'hex')
    : (der) => crypto.createHash('sha256').update(der).digest('hex');

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
