import { CrlAuthorizerError, type Code } from '../errors.js';
import { bytesEqual, fail, readTlv, Tlv } from '../der/index.js';
import { KEY_USAGE, type CertFacts } from '../x509/cert.js';
import { publicKey, signatureAlgorithm, signatureVerifies } from './algorithm.js';
import { readCrl, type ParsedCrl } from './parse.js';
import { acceptedFacts, applyCrlPolicy, checkExtensionPolicy, type AcceptedCrl, type CrlFacts, type CrlPolicy } from './policy.js';

export type { CrlFacts, AcceptedCrl, CrlPolicy } from './policy.js';

declare const VERIFIED: unique symbol;

/**
 * A parsed CRL whose signature verified with the key of a CA certificate that may sign CRLs for its issuer
 * (RFC 5280 6.3.3 (f), (g)). Only `verifyCrlSignature` makes one, so a parsed CRL cannot pass for a verified one.
 */
export interface VerifiedCrl {
  readonly crl: ParsedCrl;
  /** the CA certificate whose key verified the signature */
  readonly signer: CertFacts;
  readonly [VERIFIED]: true;
}

/** The options of the whole check: the clock and the policy (see CrlPolicy). */
export type VerifyOptions = CrlPolicy;

// How far a candidate CA got before it failed: the error of the furthest one is the one reported.
const PROGRESS: Partial<Record<Code, number>> = {
  'crl.key-id-mismatch': 1,
  'crl.issuer-not-crl-signer': 2,
  'crl.unsupported-algorithm': 3,
  'crl.signature-invalid': 4,
};

/**
 * Verification: the CRL issuer is the subject of one of `caCerts`, that certificate may sign CRLs at `at` (a CA,
 * within its validity, cRLSign if it has keyUsage), its key id matches the CRL's AKI, and its key verifies the
 * signature. With several CA certificates (key rollover) one of them must pass. Throws `crl.*`.
 */
export function verifyCrlSignature(crl: ParsedCrl, caCerts: readonly CertFacts[], opts: { at: Date }): VerifiedCrl {
  const alg = signatureAlgorithm(crl.signatureAlgorithm, readTlv(crl.signatureAlgorithm, 0, crl.signatureAlgorithm.length, new Tlv(), 'crl.malformed', 'CRL signatureAlgorithm'));
  const candidates = caCerts.filter((ca) => ca.subjectKey === crl.issuerKey);
  if (candidates.length === 0) {
    const names = [...new Set(caCerts.map((ca) => `"${ca.subjectText}"`))].join('; ') || 'none given';
    fail('crl.issuer-mismatch', `CRL issuer "${crl.issuerText}" does not match the CA subject (${names}) (RFC 5280 6.3.3 (f))`);
  }
  let best: CrlAuthorizerError | undefined;
  for (const ca of candidates) {
    try {
      checkCrlSigner(ca, crl.extensions.authorityKeyId, opts.at);
      if (!signatureVerifies(alg, publicKey(ca.spki), crl.tbs, crl.signature)) {
        fail('crl.signature-invalid', `CRL signature (${alg.name}) does not verify with the CA key (RFC 5280 6.3.3 (g))`);
      }
      return { crl, signer: ca } as VerifiedCrl;
    } catch (e) {
      if (!(e instanceof CrlAuthorizerError)) throw e;
      if (!best || (PROGRESS[e.code] ?? 0) > (PROGRESS[best.code] ?? 0)) best = e;
    }
  }
  throw best!;
}

/**
 * May `ca` sign CRLs at `at`? RFC 5280 6.3.3 (f): its key id is the one the CRL names (5.2.1), it is a CA
 * (basicConstraints cA TRUE for a v3 certificate, 4.2.1.9; a v1/v2 certificate is a CA only by being configured as
 * one, 6.1.4 (k)), it is valid at the judged time (4.1.2.5), and where it has keyUsage, cRLSign is set (4.2.1.3).
 */
export function checkCrlSigner(ca: CertFacts, authorityKeyId: Uint8Array | undefined, at: Date): void {
  if (authorityKeyId && ca.subjectKeyId && !bytesEqual(authorityKeyId, ca.subjectKeyId)) {
    fail(
      'crl.key-id-mismatch',
      `CRL authorityKeyIdentifier does not match the subjectKeyIdentifier of CA "${ca.subjectText}" (RFC 5280 5.2.1)`,
    );
  }
  if (ca.version === 3 && !ca.isCA) {
    fail(
      'crl.issuer-not-crl-signer',
      `certificate "${ca.subjectText}" is not a CA: no basicConstraints with cA TRUE (RFC 5280 4.2.1.9, 6.3.3 (f))`,
    );
  }
  if (at.getTime() < ca.notBefore.getTime() || at.getTime() > ca.notAfter.getTime()) {
    fail(
      'crl.issuer-not-crl-signer',
      `CA "${ca.subjectText}" is not valid at ${at.toISOString()} (${ca.notBefore.toISOString()} to ` +
        `${ca.notAfter.toISOString()}; RFC 5280 6.3.3 (f))`,
    );
  }
  if (ca.keyUsage !== undefined && (ca.keyUsage & (1 << KEY_USAGE.cRLSign)) === 0) {
    fail('crl.issuer-not-crl-signer', `CA "${ca.subjectText}" keyUsage does not include cRLSign (RFC 5280 4.2.1.3, 6.3.3 (f))`);
  }
}

/**
 * Reads a CRL and applies the extension policy, without any CA, signature or clock: what `inspect` shows. The
 * result has not been verified (it is a plain CrlFacts, never an AcceptedCrl).
 */
export function parseCrl(crl: Uint8Array | string, policy: Omit<CrlPolicy, 'at' | 'allowNoNextUpdate'> = {}): CrlFacts {
  const parsed = readCrl(crl);
  checkExtensionPolicy(parsed, policy);
  return acceptedFacts(parsed);
}

/**
 * The whole check, as callers use it: read (`readCrl`), verify (`verifyCrlSignature`), apply the policy
 * (`applyCrlPolicy`). DER, PEM (CRLF ok) or bare base64. Throws CrlAuthorizerError with a `crl.*` code.
 */
export function verifyCrl(crl: Uint8Array | string, caCerts: readonly CertFacts[], opts: VerifyOptions): AcceptedCrl {
  return applyCrlPolicy(verifyCrlSignature(readCrl(crl), caCerts, opts), opts);
}
