import type { BlobMeta } from '../blob/header.js';
import { covers as scopeCovers, scopeKey, type CrlScope } from '../crl/scope.js';
import type { CertFacts } from '../x509/cert.js';
import { nameKey } from '../x509/name.js';

/**
 * The facts of one CRL that matching and precedence read, computed once when its index (or, in the
 * preprocessor, its verified CRL) is made. Plain data: no WASM, no bytes.
 */
export interface IndexInfo {
  /** The issuer's comparison key, from the stored name DER (so a blob never carries a key that a later,
   * corrected name comparison would disagree with). */
  readonly issuerKey: string;
  readonly issuerText: string;
  /** Hex of the CRL's authorityKeyIdentifier keyIdentifier, null when it has none. */
  readonly keyId: string | null;
  /** The same key id as bytes, so matching a certificate allocates nothing. */
  readonly keyIdBytes: Uint8Array | null;
  readonly scope: CrlScope;
  /** Issuer, key id and scope in one string: two CRLs with equal groups compete, and only one counts. */
  readonly group: string;
  readonly thisUpdate: string;
  readonly nextUpdate: string | null;
  readonly thisUpdateMs: number;
  /** Infinity for a CRL without nextUpdate (accepted only when explicitly allowed). */
  readonly nextUpdateMs: number;
  readonly crlNumber: bigint | null;
}

export function indexInfo(meta: BlobMeta): IndexInfo {
  const issuerKey = nameKey(Buffer.from(meta.issuer, 'base64'));
  return Object.freeze({
    issuerKey,
    issuerText: meta.issuerText,
    keyId: meta.authorityKeyId,
    keyIdBytes: meta.authorityKeyId === null ? null : new Uint8Array(Buffer.from(meta.authorityKeyId, 'hex')),
    scope: meta.scope,
    group: JSON.stringify([issuerKey, meta.authorityKeyId ?? '', scopeKey(meta.scope)]),
    thisUpdate: meta.thisUpdate,
    nextUpdate: meta.nextUpdate,
    thisUpdateMs: Date.parse(meta.thisUpdate),
    nextUpdateMs: meta.nextUpdate === null ? Infinity : Date.parse(meta.nextUpdate),
    crlNumber: meta.crlNumber === null ? null : BigInt(meta.crlNumber),
  });
}

/**
 * Whether a CRL with these facts speaks for the certificate: same issuer name, same key id where both sides have
 * one, and a scope that covers it (DESIGN.md "Revocation is per issuer and scope").
 */
export function covers(info: IndexInfo, cert: CertFacts): boolean {
  if (info.issuerKey !== cert.issuerKey) return false;
  const id = info.keyIdBytes;
  if (id !== null && cert.authorityKeyId !== undefined && !sameBytes(id, cert.authorityKeyId)) return false;
  return scopeCovers(info.scope, cert);
}

/** The facts precedence compares. */
export type Ranked = Pick<IndexInfo, 'group' | 'crlNumber' | 'thisUpdateMs'>;

/** Whether two CRLs are for the same issuer (name and key id) and the same scope, so that only one may count. */
export function sameIssuerAndScope(a: Pick<IndexInfo, 'group'>, b: Pick<IndexInfo, 'group'>): boolean {
  return a.group === b.group;
}

/**
 * The one precedence rule: whether CRL `a` counts instead of `b`. Only CRLs of the same issuer and scope compare
 * (otherwise neither supersedes the other). The higher CRL number wins, whatever the thisUpdates say: RFC 5280
 * 5.2.3 makes the number the CA's own order of issue, while thisUpdate is a clock reading. When either lacks a
 * number, or they are equal, the later thisUpdate wins. Equal on both counts: neither supersedes (the same CRL,
 * or a re-issue that changes nothing this comparison can see).
 *
 * A rollback is a replacement by a CRL the held one supersedes; the preprocessor, the authorizer's cache and
 * decide all ask this function.
 */
export function supersedes(a: Ranked, b: Ranked): boolean {
  if (!sameIssuerAndScope(a, b)) return false;
  if (a.crlNumber !== null && b.crlNumber !== null && a.crlNumber !== b.crlNumber) return a.crlNumber > b.crlNumber;
  return a.thisUpdateMs > b.thisUpdateMs;
}

/** One CRL named for messages: its number and thisUpdate. */
export function describeCrl(info: Pick<IndexInfo, 'crlNumber' | 'thisUpdate'>): string {
  return `CRL ${info.crlNumber === null ? '(no number)' : `number ${info.crlNumber}`} of ${info.thisUpdate}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
