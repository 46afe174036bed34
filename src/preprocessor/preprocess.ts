import { CrlAuthorizerError } from '../errors.js';
import { encodeBlob } from '../blob/encode.js';
import { readBlobHeader, type BlobMeta } from '../blob/header.js';
import { verifyCrl, type CrlFacts } from '../crl/verify.js';
import { pemBlocks } from '../der/input.js';
import { readCertificate, type CertFacts } from '../x509/cert.js';

export interface PreprocessOptions {
  /** The evaluation time for every check (one clock: nothing below reads Date.now()). */
  at: Date;
  allowNoNextUpdate?: boolean;
  /** What the blob this one would replace says: a lower CRL number or an older thisUpdate is a rollback. */
  previous?: PreviousBlob;
}

/** The facts of the current blob that rollback protection compares (its meta, or its object metadata). */
export type PreviousBlob = Pick<BlobMeta, 'crlNumber' | 'thisUpdate' | 'baseCrlNumber'>;

export interface PreprocessResult {
  blob: Uint8Array;
  facts: CrlFacts;
  meta: BlobMeta;
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
  if (opts.previous) refuseRollback(facts, opts.previous);
  const blob = encodeBlob(facts.keys, blobMeta(facts));
  // The encoder completes the meta (the folded count), so report what the blob itself says.
  return { blob, facts, meta: readBlobHeader(blob).meta };
}

/** Replaying an old CRL must never un-revoke a certificate (DESIGN.md "Revocation is per issuer and scope"). */
export function refuseRollback(facts: Pick<CrlFacts, 'crlNumber' | 'thisUpdate'>, previous: PreviousBlob): void {
  if (previous.crlNumber !== null && facts.crlNumber !== undefined && facts.crlNumber < BigInt(previous.crlNumber)) {
    throw new CrlAuthorizerError(
      'crl.rollback',
      `CRL number ${facts.crlNumber} is lower than the current blob's ${previous.crlNumber}`,
    );
  }
  if (facts.thisUpdate.getTime() < Date.parse(previous.thisUpdate)) {
    throw new CrlAuthorizerError(
      'crl.rollback',
      `CRL thisUpdate ${facts.thisUpdate.toISOString()} is older than the current blob's ${previous.thisUpdate}`,
    );
  }
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
