import { fail } from '../der/index.js';
import type { ParsedCrl } from './parse.js';
import type { CrlScope } from './scope.js';
import type { SerialKeys } from './types.js';
import type { VerifiedCrl } from './verify.js';

/** What a verified CRL must also satisfy to be used (the policy step). */
export interface CrlPolicy {
  /** the judged time: thisUpdate <= at <= nextUpdate, and the CA valid at it */
  at: Date;
  /** accept a CRL without nextUpdate (RFC 5280 5.1.2.5 requires one). @default false */
  allowNoNextUpdate?: boolean;
  /** a delta CRL (deltaCRLIndicator, RFC 5280 5.2.4): refused (`crl.delta-unsupported`) unless 'accept'. */
  delta?: 'refuse' | 'accept';
  /**
   * A CRL with a critical freshestCRL (RFC 5280 5.2.6) is unusable without its delta: refused
   * (`crl.delta-unsupported`) unless 'accept', which only a caller that applies the delta should say.
   */
  freshestCritical?: 'refuse' | 'accept';
}

/** A CRL's facts (internals.md "Verified CRL"): what a verified, accepted CRL says, with its revoking serials. */
export interface CrlFacts {
  issuerDer: Uint8Array;
  issuerKey: string;
  issuerText: string;
  authorityKeyId?: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  /** BaseCRLNumber: set only on a delta CRL (accepted only under `delta: 'accept'`) */
  deltaBaseCrlNumber?: bigint;
  /** freshestCRL present (and critical?) */
  freshestCrl?: { critical: boolean };
  scope: CrlScope;
  /** SHA-256 of the CRL's DER (trailing bytes after the outer SEQUENCE excluded) */
  sha256: Uint8Array;
  /** raw entries in revokedCertificates */
  entries: number;
  /** bytes after the outer SEQUENCE (reported, ignored: they are not signed) */
  trailingBytes: number;
  /** revoking entries */
  keys: SerialKeys;
  /** reasonCode per key (NO_REASON when absent) */
  reasons: Uint8Array;
  /** entries whose reasonCode is removeFromCRL */
  removed: SerialKeys;
}

declare const ACCEPTED: unique symbol;
/** CrlFacts of a CRL that was verified and passed the policy; only `applyCrlPolicy` makes one. */
export type AcceptedCrl = CrlFacts & { readonly [ACCEPTED]: true };

/**
 * The policy step: the CRL kinds this project does not consume (delta unless accepted, indirect, reason-partitioned,
 * unknown critical extensions, a critical freshestCRL unless accepted) and time (RFC 5280 5.1.2.4, 5.1.2.5).
 */
export function applyCrlPolicy(v: VerifiedCrl, policy: CrlPolicy): AcceptedCrl {
  const crl = v.crl;
  checkExtensionPolicy(crl, policy);
  const at = policy.at;
  if (crl.thisUpdate.getTime() > at.getTime()) {
    fail('crl.not-yet-valid', `CRL thisUpdate ${crl.thisUpdate.toISOString()} is after ${at.toISOString()} (RFC 5280 5.1.2.4)`);
  }
  if (crl.nextUpdate === undefined) {
    if (!policy.allowNoNextUpdate) {
      fail('crl.no-next-update', 'CRL has no nextUpdate (RFC 5280 5.1.2.5 requires one); allowNoNextUpdate accepts it');
    }
  } else if (crl.nextUpdate.getTime() < at.getTime()) {
    fail('crl.expired', `CRL nextUpdate ${crl.nextUpdate.toISOString()} is before ${at.toISOString()} (RFC 5280 5.1.2.5)`);
  }
  return acceptedFacts(crl) as AcceptedCrl;
}

/** The extension half of the policy (no clock): what kinds of CRL are consumed. */
export function checkExtensionPolicy(crl: ParsedCrl, policy: Pick<CrlPolicy, 'delta' | 'freshestCritical'>): void {
  const x = crl.extensions;
  if (x.deltaBaseCrlNumber !== undefined && policy.delta !== 'accept') {
    fail('crl.delta-unsupported', 'CRL is a delta CRL (RFC 5280 5.2.4); delta CRLs are not consumed');
  }
  if (x.indirect) {
    fail('crl.indirect-unsupported', 'CRL is an indirect CRL (issuingDistributionPoint indirectCRL, RFC 5280 5.2.5); indirect CRLs are not consumed');
  }
  if (crl.entries.certificateIssuer) {
    fail('crl.indirect-unsupported', 'CRL entry has a certificateIssuer extension (RFC 5280 5.3.3): an indirect CRL, which is not consumed');
  }
  if (x.onlySomeReasons !== undefined) {
    fail(
      'crl.reasons-partition-unsupported',
      'CRL covers only some revocation reasons (issuingDistributionPoint onlySomeReasons, RFC 5280 5.2.5); ' +
        'reason-partitioned CRLs are not consumed',
    );
  }
  if (x.unknownCritical.length > 0) {
    fail('crl.unsupported-critical-extension', `CRL extension ${x.unknownCritical[0]} is critical and not recognised (RFC 5280 5.2)`);
  }
  if (crl.entries.unknownCritical !== undefined) {
    fail('crl.unsupported-critical-extension', `CRL entry extension ${crl.entries.unknownCritical} is critical and not recognised (RFC 5280 5.3)`);
  }
  if (x.freshestCrl?.critical && policy.freshestCritical !== 'accept') {
    fail(
      'crl.delta-unsupported',
      'CRL has a critical freshestCRL (RFC 5280 5.2.6): it may not be used without its delta CRL, which is not consumed',
    );
  }
}

/** The flat facts callers use (the preprocessor's blob meta, the CLI). */
export function acceptedFacts(crl: ParsedCrl): CrlFacts {
  const x = crl.extensions;
  const facts: CrlFacts = {
    issuerDer: crl.issuerDer,
    issuerKey: crl.issuerKey,
    issuerText: crl.issuerText,
    thisUpdate: crl.thisUpdate,
    scope: x.scope,
    sha256: crl.sha256,
    entries: crl.entries.count,
    trailingBytes: crl.trailingBytes,
    keys: crl.entries.keys,
    reasons: crl.entries.reasons,
    removed: crl.entries.removed,
  };
  if (x.authorityKeyId) facts.authorityKeyId = x.authorityKeyId;
  if (crl.nextUpdate) facts.nextUpdate = crl.nextUpdate;
  if (x.crlNumber !== undefined) facts.crlNumber = x.crlNumber;
  if (x.deltaBaseCrlNumber !== undefined) facts.deltaBaseCrlNumber = x.deltaBaseCrlNumber;
  if (x.freshestCrl) facts.freshestCrl = x.freshestCrl;
  return facts;
}
