import { createHash } from 'node:crypto';
import { CrlAuthorizerError } from '../errors.js';
import { encodeBlob } from '../blob/encode.js';
import { readBlobHeader, type BlobMeta } from '../blob/header.js';
import { verifyCrl, type CrlFacts } from '../crl/verify.js';
import { pemBlocks } from '../der/input.js';
import { describeCrl, indexInfo, sameIssuerAndScope, supersedes, type IndexInfo, type Ranked } from '../lookup/info.js';
import { readCertificate, type CertFacts } from '../x509/cert.js';

export interface PreprocessOptions {
  /** The evaluation time for every check (one clock: nothing below reads Date.now()). */
  at: Date;
  allowNoNextUpdate?: boolean;
  /** What the blob this one would replace says: replacing it by a CRL it supersedes is a rollback. */
  previous?: PreviousBlob;
}

/**
 * The facts of the current blob that rollback protection compares: its meta (from its header), or what its object
 * metadata carries (`groupId` is `groupIdOf` of its issuer and scope).
 */
export type PreviousBlob = (BlobMeta | { crlNumber: string | null; thisUpdate: string; groupId: string }) & {
  /** A delta pair's base CRL number: a new pair's base must not be older. */
  baseCrlNumber?: string;
};

export interface PreprocessResult {
  blob: Uint8Array;
  facts: CrlFacts;
  meta: BlobMeta;
  /** Set when the blob replaced is for a different issuer or scope: not a rollback, but worth saying. */
  replaces?: string;
}

/**
 * The core the CLI and the preprocessor Lambda share: verify a CRL against its CA certificate(s), refuse a
 * rollback, and encode the packed blob. Throws CrlAuthorizerError; returns a blob only for a CRL that passed
 * every check.
 */
export function preprocess(
  crl: Uint8Array | string,
  caCerts: readonly (Uint8Array | string | CertFacts)[],
  opts: PreprocessOptions,
): PreprocessResult {
  const cas = caCerts.flatMap((c) => (isFacts(c) ? [c] : readCertificates(c)));
  if (cas.length === 0) throw new CrlAuthorizerError('crl.ca-missing', 'no CA certificate was given for the CRL');
  const facts = verifyCrl(crl, cas, {
    at: opts.at,
    ...(opts.allowNoNextUpdate !== undefined && { allowNoNextUpdate: opts.allowNoNextUpdate }),
  });
  const next = indexInfo(blobMeta(facts));
  const replaces = opts.previous && refuseRollback(next, opts.previous);
  const blob = encodeBlob(facts.keys, blobMeta(facts));
  // The encoder completes the meta (the folded count), so report what the blob itself says.
  return { blob, facts, meta: readBlobHeader(blob).meta, ...(replaces && { replaces }) };
}

/** A short, ASCII id of a CRL's issuer and scope, for object metadata: equal ids = `sameIssuerAndScope`. */
export function groupIdOf(info: Pick<IndexInfo, 'group'>): string {
  return createHash('sha256').update(info.group).digest('hex').slice(0, 32);
}

/**
 * Replaying an old CRL must never un-revoke a certificate (DESIGN.md "Revocation is per issuer and scope"): the
 * CRL is refused when the current blob supersedes it. A current blob for another issuer or scope is not
 * comparable; the CRL replaces it, and the returned sentence says so.
 */
export function refuseRollback(next: IndexInfo, previous: PreviousBlob): string | undefined {
  const held = rankOf(previous);
  const rival = { ...next, group: groupIdOf(next) };
  if (!sameIssuerAndScope(held, rival)) return `replaces the blob of ${describeCrl(held)} for a different issuer or scope`;
  if (supersedes(held, rival)) {
    throw new CrlAuthorizerError('crl.rollback', `${describeCrl(next)} is older than the current blob's ${describeCrl(held)}`);
  }
  return undefined;
}

/** Precedence facts of the current blob, with its issuer and scope as a group id either way. */
function rankOf(p: PreviousBlob): Ranked & { thisUpdate: string } {
  if (!('groupId' in p)) {
    const info = indexInfo(p);
    return { ...info, group: groupIdOf(info) };
  }
  const crlNumber = p.crlNumber === null ? null : BigInt(p.crlNumber);
  return { group: p.groupId, crlNumber, thisUpdate: p.thisUpdate, thisUpdateMs: Date.parse(p.thisUpdate) };
}

export function blobMeta(facts: CrlFacts): BlobMeta {
  return {
    issuer: Buffer.from(facts.issuerDer).toString('base64'),
    issuerText: facts.issuerText,
    authorityKeyId: facts.authorityKeyId ? Buffer.from(facts.authorityKeyId).toString('hex') : null,
    scope: facts.scope,
    thisUpdate: facts.thisUpdate.toISOString(),
    nextUpdate: facts.nextUpdate ? facts.nextUpdate.toISOString() : null,
    crlNumber: facts.crlNumber === undefined ? null : facts.crlNumber.toString(10),
    crlSha256: Buffer.from(facts.sha256).toString('hex'),
    entries: facts.entries,
    // Filled in by the encoder, which is where duplicates fold.
    revoked: 0,
  };
}

/** A CA file may hold several certificates (key rollover): PEM blocks in order, or one DER certificate. */
export function readCertificates(input: Uint8Array | string): CertFacts[] {
  const text = typeof input === 'string' ? input : looksLikeText(input) ? Buffer.from(input).toString('latin1') : null;
  const blocks = text === null ? [] : pemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length > 0) return blocks.map((b) => readCertificate(b.der));
  return [readCertificate(input)];
}

function looksLikeText(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] !== 0x30;
}

function isFacts(c: Uint8Array | string | CertFacts): c is CertFacts {
  return typeof c === 'object' && !(c instanceof Uint8Array) && 'serialText' in c;
}
