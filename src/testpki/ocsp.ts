/**
 * OCSP responses (RFC 6960 4.2.1) built field by field, for what `openssl ocsp` will not produce: a wrong signer,
 * stale or future times, another certificate's answer, a non-successful status, broken bytes.
 * Independent of the code under test: CertIDs are hashed here from the issuer's own name and key.
 */
import { createHash } from 'node:crypto';
import type { Issuer } from './cert.js';
import {
  bitString,
  enumerated,
  explicit,
  generalizedTime,
  implicit,
  integerOf,
  nullValue,
  octetString,
  oid,
  sequence,
} from './der.js';
import { REASONS, type ReasonName } from './extensions.js';
import { OIDS, sign, signatureAlgorithm, subjectPublicKeyBits, type SignOptions } from './keys.js';

const BASIC = '1.3.6.1.5.5.7.48.1.1';

export const OCSP_STATUS = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;

export interface SingleResponseSpec {
  /** The CA that issued the certificate: its name and key give the CertID hashes. */
  issuer: Issuer;
  serial: bigint | number | Uint8Array;
  status: 'good' | 'revoked' | 'unknown';
  revocationTime?: Date;
  revocationReason?: ReasonName;
  thisUpdate: Date;
  /** null: no nextUpdate. */
  nextUpdate: Date | null;
}

export interface OcspResponseOptions {
  /** Who signs: its key signs, and its name (or key hash) is the responderID. */
  signer: Issuer;
  /** @default 'name' */
  responderId?: 'name' | 'key';
  responses: readonly SingleResponseSpec[];
  /** @default the first response's thisUpdate */
  producedAt?: Date;
  /** Certificates to include (a delegated responder's). */
  certs?: readonly Uint8Array[];
  signature?: SignOptions;
  /** Flip a bit of the signature. */
  corruptSignature?: boolean;
}

function sha1(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(b).digest());
}

export function certIdDer(issuer: Issuer, serial: bigint | number | Uint8Array): Uint8Array {
  return sequence(
    sequence(oid(OIDS.sha1), nullValue()),
    octetString(sha1(issuer.subject)),
    octetString(sha1(subjectPublicKeyBits(issuer.key.spki))),
    integerOf(serial),
  );
}

function singleResponse(r: SingleResponseSpec): Uint8Array {
  let status: Uint8Array;
  if (r.status === 'good') status = implicit(0, nullValue());
  else if (r.status === 'unknown') status = implicit(2, nullValue());
  else {
    const info = sequence(
      generalizedTime(r.revocationTime ?? r.thisUpdate),
      ...(r.revocationReason ? [explicit(0, enumerated(REASONS[r.revocationReason]))] : []),
    );
    status = implicit(1, info);
  }
  return sequence(
    certIdDer(r.issuer, r.serial),
    status,
    generalizedTime(r.thisUpdate),
    ...(r.nextUpdate ? [explicit(0, generalizedTime(r.nextUpdate))] : []),
  );
}

/** A signed, successful OCSPResponse with a BasicOCSPResponse. */
export function makeOcspResponse(opts: OcspResponseOptions): Uint8Array {
  const responderId =
    (opts.responderId ?? 'name') === 'name'
      ? explicit(1, opts.signer.subject)
      : explicit(2, octetString(sha1(subjectPublicKeyBits(opts.signer.key.spki))));
  const producedAt = opts.producedAt ?? opts.responses[0]?.thisUpdate ?? new Date('2025-01-01T00:00:00Z');
  const tbs = sequence(responderId, generalizedTime(producedAt), sequence(...opts.responses.map(singleResponse)));
  const sigAlg = signatureAlgorithm(opts.signer.key, opts.signature);
  const sig = sign(opts.signer.key, tbs, opts.signature);
  if (opts.corruptSignature) sig[sig.length - 1]! ^= 1;
  const basic = sequence(
    tbs,
    sigAlg,
    bitString(sig),
    ...(opts.certs?.length ? [explicit(0, sequence(...opts.certs))] : []),
  );
  return sequence(enumerated(OCSP_STATUS.successful), explicit(0, sequence(oid(BASIC), octetString(basic))));
}

/** An OCSPResponse with only a non-successful status (tryLater, internalError, ...). */
export function ocspStatusResponse(status: keyof typeof OCSP_STATUS): Uint8Array {
  return sequence(enumerated(OCSP_STATUS[status]));
}
