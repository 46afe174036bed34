import { createHash } from 'node:crypto';
import { CrlAuthorizerError, type Code } from '../errors.js';
import {
  bytesEqual,
  checkDer,
  expectTlv,
  fail,
  readSmallInt,
  readTime,
  readTlv,
  TAG,
  Tlv,
  toDer,
} from '../der/index.js';
import { KEY_USAGE, type CertFacts } from '../x509/cert.js';
import { nameKey, nameText } from '../x509/name.js';
import { publicKey, signatureAlgorithm, signatureVerifies } from './algorithm.js';
import { streamRevoked } from './entries.js';
import { readCrlExtensions } from './extensions.js';
import { WHOLE_CA, type CrlScope } from './scope.js';
import type { SerialKeys } from './types.js';

/** A CRL that passed every check, with its revoking serials (internals.md "Verified CRL"). */
export interface CrlFacts {
  issuerDer: Uint8Array;
  issuerKey: string;
  issuerText: string;
  authorityKeyId?: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  scope: CrlScope;
  /** SHA-256 of the CRL's DER (trailing bytes after the outer SEQUENCE excluded) */
  sha256: Uint8Array;
  /** raw entries in revokedCertificates */
  entries: number;
  /** bytes after the outer SEQUENCE (reported, ignored: they are not signed) */
  trailingBytes: number;
  /** revoking entries */
  keys: SerialKeys;
}

export interface VerifyOptions {
  at: Date;
  allowNoNextUpdate?: boolean;
}

const M = 'crl.malformed' as const;

/** Where the fields of a CertificateList lie; nothing is copied. */
interface CrlLayout {
  der: Uint8Array;
  trailingBytes: number;
  tbs: Tlv;
  sigAlg: Tlv;
  signature: Uint8Array;
  issuer: Tlv;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** revokedCertificates content range, absent when the field is */
  list?: Tlv;
  extensions?: Tlv;
}

function layout(input: Uint8Array | string): CrlLayout {
  const whole = toDer(input, M, 'CRL');
  const outer = expectTlv(whole, 0, whole.length, TAG.SEQUENCE, new Tlv(), M, 'CRL');
  const der = whole.subarray(0, outer.end);
  const tbs = expectTlv(der, outer.body, outer.end, TAG.SEQUENCE, new Tlv(), M, 'CRL tbsCertList');
  const sigAlg = expectTlv(der, tbs.end, outer.end, TAG.SEQUENCE, new Tlv(), M, 'CRL signatureAlgorithm');
  const sig = expectTlv(der, sigAlg.end, outer.end, TAG.BIT_STRING, new Tlv(), M, 'CRL signatureValue');
  if (sig.end !== outer.end) fail(M, 'CRL: data after signatureValue inside the CertificateList');
  if (sig.length < 1) fail(M, 'CRL signatureValue is empty');
  // Every signature scheme yields whole octets: a value with unused bits cannot verify.
  if (der[sig.body] !== 0) fail('crl.signature-invalid', 'CRL signatureValue has unused bits, so no key can have signed it');
  checkDer(der, sigAlg.start, sigAlg.end, M, 'CRL signatureAlgorithm');

  const end = tbs.end;
  const t = readTlv(der, tbs.body, end, new Tlv(), M, 'CRL version');
  if (t.tag === TAG.INTEGER) {
    if (readSmallInt(der, t, M, 'CRL version') !== 1) fail(M, 'CRL version must be v2 (1) when present (RFC 5280 5.1.2.1)');
    readTlv(der, t.end, end, t, M, 'CRL signature');
  }
  if (t.tag !== TAG.SEQUENCE) fail(M, 'CRL signature AlgorithmIdentifier is not a SEQUENCE');
  if (!bytesEqual(der.subarray(t.start, t.end), der.subarray(sigAlg.start, sigAlg.end))) {
    fail(
      'crl.algorithm-mismatch',
      'CRL signature algorithm in tbsCertList differs from signatureAlgorithm (RFC 5280 5.1.1.2)',
    );
  }
  const issuer = expectTlv(der, t.end, end, TAG.SEQUENCE, new Tlv(), M, 'CRL issuer');
  checkDer(der, issuer.body, issuer.end, M, 'CRL issuer');
  readTlv(der, issuer.end, end, t, M, 'CRL thisUpdate');
  const thisUpdate = readTime(der, t, M, 'CRL thisUpdate');
  const out: CrlLayout = { der, trailingBytes: whole.length - outer.end, tbs, sigAlg, signature: der.subarray(sig.body + 1, sig.end), issuer, thisUpdate };
  let p = t.end;
  if (p < end) {
    const n = readTlv(der, p, end, t, M, 'CRL nextUpdate');
    if (n.tag === TAG.UTC_TIME || n.tag === TAG.GENERALIZED_TIME) {
      out.nextUpdate = readTime(der, t, M, 'CRL nextUpdate');
      p = t.end;
    }
  }
  if (p < end) {
    const l = readTlv(der, p, end, new Tlv(), M, 'CRL revokedCertificates');
    if (l.tag === TAG.SEQUENCE) {
      out.list = l;
      p = l.end;
    }
  }
  if (p < end) {
    const x = readTlv(der, p, end, new Tlv(), M, 'CRL crlExtensions');
    if (x.tag !== 0xa0) fail(M, `CRL: unexpected field with tag 0x${x.tag.toString(16)} in tbsCertList`);
    const list = expectTlv(der, x.body, x.end, TAG.SEQUENCE, new Tlv(), M, 'CRL crlExtensions');
    if (list.end !== x.end) fail(M, 'CRL crlExtensions: extra data');
    checkDer(der, list.body, list.end, M, 'CRL crlExtensions');
    out.extensions = list;
    p = x.end;
  }
  if (p !== end) fail(M, 'CRL: data after crlExtensions');
  return out;
}

// How far a candidate CA got before it failed: the error of the furthest one is the one reported.
const PROGRESS: Partial<Record<Code, number>> = {
  'crl.key-id-mismatch': 1,
  'crl.issuer-not-crl-signer': 2,
  'crl.unsupported-algorithm': 3,
  'crl.signature-invalid': 4,
};

/** The parts of a CRL read before any check against a CA. */
interface ReadCrl {
  layout: CrlLayout;
  issuerDer: Uint8Array;
  issuerKey: string;
  issuerText: string;
  ext: { scope: CrlScope; authorityKeyId?: Uint8Array | undefined; crlNumber?: bigint | undefined };
}

function readCrl(crl: Uint8Array | string): ReadCrl {
  const l = layout(crl);
  const issuerDer = l.der.subarray(l.issuer.start, l.issuer.end);
  return {
    layout: l,
    issuerDer,
    issuerKey: nameKey(issuerDer, M),
    issuerText: nameText(issuerDer, M),
    ext: l.extensions ? readCrlExtensions(l.der, l.extensions, issuerDer) : { scope: WHOLE_CA },
  };
}

function finish(r: ReadCrl): CrlFacts {
  const l = r.layout;
  const { entries, keys } = l.list
    ? streamRevoked(l.der, l.list.body, l.list.end)
    : { entries: 0, keys: { count: 0, bytes: new Uint8Array(0), offsets: new Uint32Array(1) } };
  const facts: CrlFacts = {
    issuerDer: r.issuerDer,
    issuerKey: r.issuerKey,
    issuerText: r.issuerText,
    thisUpdate: l.thisUpdate,
    scope: r.ext.scope,
    sha256: new Uint8Array(createHash('sha256').update(l.der).digest()),
    entries,
    trailingBytes: l.trailingBytes,
    keys,
  };
  if (r.ext.authorityKeyId) facts.authorityKeyId = r.ext.authorityKeyId;
  if (l.nextUpdate) facts.nextUpdate = l.nextUpdate;
  if (r.ext.crlNumber !== undefined) facts.crlNumber = r.ext.crlNumber;
  return facts;
}

/**
 * Reads a CRL without checking it against any CA, signature or clock: structure (strict DER), extensions (delta,
 * indirect, reason-partitioned and unknown critical ones still refused) and entries. For inspection only; a CRL
 * read this way has not been verified.
 */
export function parseCrl(crl: Uint8Array | string): CrlFacts {
  return finish(readCrl(crl));
}

/**
 * Parses and verifies a CRL against its CA certificate(s) and streams its revoking serials. DER, PEM (CRLF ok) or
 * bare base64. With several CA certificates (key rollover) the CRL is accepted if one of them issued and signed it.
 * Throws CrlAuthorizerError with a `crl.*` code.
 */
export function verifyCrl(crl: Uint8Array | string, caCerts: readonly CertFacts[], opts: VerifyOptions): CrlFacts {
  const r = readCrl(crl);
  const l = r.layout;
  const alg = signatureAlgorithm(l.der, l.sigAlg);
  const candidates = caCerts.filter((ca) => ca.subjectKey === r.issuerKey);
  if (candidates.length === 0) {
    const names = [...new Set(caCerts.map((ca) => `"${ca.subjectText}"`))].join('; ') || 'none given';
    fail('crl.issuer-mismatch', `CRL issuer "${r.issuerText}" does not match the CA subject (${names}) (RFC 5280 6.3.3 (f))`);
  }
  const tbsBytes = l.der.subarray(l.tbs.start, l.tbs.end);
  let best: CrlAuthorizerError | undefined;
  let signed = false;
  for (const ca of candidates) {
    try {
      checkIssuer(ca, r.ext.authorityKeyId);
      if (!signatureVerifies(alg, publicKey(ca.spki), tbsBytes, l.signature)) {
        fail('crl.signature-invalid', `CRL signature (${alg.name}) does not verify with the CA key (RFC 5280 6.3.3 (g))`);
      }
      signed = true;
      break;
    } catch (e) {
      if (!(e instanceof CrlAuthorizerError)) throw e;
      if (!best || (PROGRESS[e.code] ?? 0) > (PROGRESS[best.code] ?? 0)) best = e;
    }
  }
  if (!signed) throw best!;

  const at = opts.at;
  if (l.thisUpdate.getTime() > at.getTime()) {
    fail('crl.not-yet-valid', `CRL thisUpdate ${l.thisUpdate.toISOString()} is after ${at.toISOString()} (RFC 5280 5.1.2.4)`);
  }
  if (l.nextUpdate === undefined) {
    if (!opts.allowNoNextUpdate) {
      fail('crl.no-next-update', 'CRL has no nextUpdate (RFC 5280 5.1.2.5 requires one); allowNoNextUpdate accepts it');
    }
  } else if (l.nextUpdate.getTime() < at.getTime()) {
    fail('crl.expired', `CRL nextUpdate ${l.nextUpdate.toISOString()} is before ${at.toISOString()} (RFC 5280 5.1.2.5)`);
  }
  return finish(r);
}

function checkIssuer(ca: CertFacts, authorityKeyId: Uint8Array | undefined): void {
  if (authorityKeyId && ca.subjectKeyId && !bytesEqual(authorityKeyId, ca.subjectKeyId)) {
    fail(
      'crl.key-id-mismatch',
      `CRL authorityKeyIdentifier does not match the subjectKeyIdentifier of CA "${ca.subjectText}" (RFC 5280 5.2.1)`,
    );
  }
  if (ca.keyUsage !== undefined && (ca.keyUsage & (1 << KEY_USAGE.cRLSign)) === 0) {
    fail(
      'crl.issuer-not-crl-signer',
      `CA "${ca.subjectText}" keyUsage does not include cRLSign (RFC 5280 4.2.1.3, 6.3.3 (f))`,
    );
  }
}
