import { createHash } from 'node:crypto';
import {
  bytesEqual,
  checkDer,
  expectTlv,
  fail,
  readRfc5280Time,
  readSmallInt,
  readTlv,
  TAG,
  Tlv,
  toDer,
} from '../der/index.js';
import { nameKey, nameText } from '../x509/name.js';
import { streamRevoked, type CrlEntries } from './entries.js';
import { readCrlExtensions, type CrlExtensionFacts } from './extensions.js';

const M = 'crl.malformed' as const;

/**
 * A CRL as read (RFC 5280 5.1): every field, extension and entry, well formed to the letter of DER and the RFC's
 * MUSTs on structure, and nothing judged. A delta CRL, an indirect one, one with unknown critical extensions or a
 * stale one all parse; `verifyCrlSignature` and `applyCrlPolicy` decide whether it is used.
 */
export interface ParsedCrl {
  /** the CertificateList DER (bytes after the outer SEQUENCE excluded) */
  der: Uint8Array;
  /** bytes after the outer SEQUENCE (reported, ignored: they are not signed) */
  trailingBytes: number;
  /** 2 when the version field is present (it must say v2), else 1 */
  version: 1 | 2;
  /** tbsCertList, the signed bytes */
  tbs: Uint8Array;
  /** signatureAlgorithm AlgorithmIdentifier DER (equal to tbsCertList's `signature`) */
  signatureAlgorithm: Uint8Array;
  /** signatureValue octets */
  signature: Uint8Array;
  issuerDer: Uint8Array;
  issuerKey: string;
  issuerText: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  extensions: CrlExtensionFacts;
  entries: CrlEntries;
  /** SHA-256 of `der` */
  sha256: Uint8Array;
}

/**
 * Reads a CRL: DER, PEM (CRLF ok) or bare base64. Throws CrlAuthorizerError `crl.malformed` (or `crl.too-large`)
 * for anything not well formed; applies no policy, checks no signature, reads no clock.
 */
export function readCrl(input: Uint8Array | string): ParsedCrl {
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
  let version: 1 | 2 = 1;
  if (t.tag === TAG.INTEGER) {
    if (readSmallInt(der, t, M, 'CRL version') !== 1) fail(M, 'CRL version must be v2 (1) when present (RFC 5280 5.1.2.1)');
    version = 2;
    readTlv(der, t.end, end, t, M, 'CRL signature');
  }
  if (t.tag !== TAG.SEQUENCE) fail(M, 'CRL signature AlgorithmIdentifier is not a SEQUENCE');
  if (!bytesEqual(der.subarray(t.start, t.end), der.subarray(sigAlg.start, sigAlg.end))) {
    fail('crl.algorithm-mismatch', 'CRL signature algorithm in tbsCertList differs from signatureAlgorithm (RFC 5280 5.1.1.2)');
  }
  const issuer = expectTlv(der, t.end, end, TAG.SEQUENCE, new Tlv(), M, 'CRL issuer');
  if (issuer.body === issuer.end) fail(M, 'CRL issuer is an empty Name (RFC 5280 5.1.2.3: MUST be non-empty)');
  checkDer(der, issuer.body, issuer.end, M, 'CRL issuer');
  // Copied, as is the AKI below: the facts outlive the CRL's bytes, and a view would keep every byte of a
  // 360 MB CRL alive while its blob is encoded (issue #11).
  const issuerDer = copyOf(der.subarray(issuer.start, issuer.end));
  readTlv(der, issuer.end, end, t, M, 'CRL thisUpdate');
  const thisUpdate = readRfc5280Time(der, t, M, 'CRL thisUpdate');
  let nextUpdate: Date | undefined;
  let p = t.end;
  if (p < end) {
    const n = readTlv(der, p, end, t, M, 'CRL nextUpdate');
    if (n.tag === TAG.UTC_TIME || n.tag === TAG.GENERALIZED_TIME) {
      nextUpdate = readRfc5280Time(der, t, M, 'CRL nextUpdate');
      p = t.end;
    }
  }
  let list: Tlv | undefined;
  if (p < end) {
    const l = readTlv(der, p, end, new Tlv(), M, 'CRL revokedCertificates');
    if (l.tag === TAG.SEQUENCE) {
      list = l;
      p = l.end;
    }
  }
  let extensions: CrlExtensionFacts = {
    scope: { onlyUserCerts: false, onlyCaCerts: false, onlyAttributeCerts: false, distributionPoints: [] },
    indirect: false,
    unknownCritical: [],
  };
  if (p < end) {
    const x = readTlv(der, p, end, new Tlv(), M, 'CRL crlExtensions');
    if (x.tag !== 0xa0) fail(M, `CRL: unexpected field with tag 0x${x.tag.toString(16)} in tbsCertList`);
    if (version !== 2) fail(M, 'CRL has crlExtensions but no version field (RFC 5280 5.1.2.1: extensions need v2)');
    const l = expectTlv(der, x.body, x.end, TAG.SEQUENCE, new Tlv(), M, 'CRL crlExtensions');
    if (l.end !== x.end) fail(M, 'CRL crlExtensions: extra data');
    checkDer(der, l.body, l.end, M, 'CRL crlExtensions');
    extensions = readCrlExtensions(der, l, issuerDer);
    if (extensions.authorityKeyId) extensions.authorityKeyId = copyOf(extensions.authorityKeyId);
    p = x.end;
  }
  if (p !== end) fail(M, 'CRL: data after crlExtensions');
  const entries = list
    ? streamRevoked(der, list.body, list.end, version === 2)
    : streamRevoked(der, 0, 0, version === 2);
  const parsed: ParsedCrl = {
    der,
    trailingBytes: whole.length - outer.end,
    version,
    tbs: der.subarray(tbs.start, tbs.end),
    signatureAlgorithm: der.subarray(sigAlg.start, sigAlg.end),
    signature: der.subarray(sig.body + 1, sig.end),
    issuerDer,
    issuerKey: nameKey(issuerDer, M),
    issuerText: nameText(issuerDer, M),
    thisUpdate,
    extensions,
    entries,
    sha256: new Uint8Array(createHash('sha256').update(der).digest()),
  };
  if (nextUpdate) parsed.nextUpdate = nextUpdate;
  return parsed;
}

/** A copy with its own buffer (a Buffer's `slice` is a view, so it cannot be used for this). */
function copyOf(view: Uint8Array): Uint8Array {
  const c = new Uint8Array(view.length);
  c.set(view);
  return c;
}
