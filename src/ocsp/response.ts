/**
 * Reading and verifying an OCSP response (RFC 6960 4.2, 4.2.2.2, 3.2; RFC 5019 2.2). pkijs/asn1js read the
 * structure; the signature is checked over the raw `tbsResponseData` bytes, never a re-encoding. Every failure is
 * thrown as a CrlAuthorizerError with its own `ocsp.*` code; parsing reads no clock, `verifyResponse` takes one.
 */
import { createHash, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { publicKey, signatureAlgorithm, signatureVerifies } from '../crl/algorithm.js';
import { bytesEqual, expectTlv, fail, normalizeSerial, readBitString, TAG, Tlv } from '../der/index.js';
import { CrlAuthorizerError, isCoded, messageOf, type Code } from '../errors.js';
import { readCertificate, type CertFacts } from '../x509/cert.js';
import { nameKey } from '../x509/name.js';
import { hasExtendedKeyUsage, KP_OCSP_SIGNING } from './cert-extensions.js';
import { SHA1_OID, subjectPublicKeyBits, type CertId } from './request.js';

const M: Code = 'ocsp.malformed';
const BASIC = '1.3.6.1.5.5.7.48.1.1';

/** OCSPResponseStatus names (RFC 6960 4.2.1); 4 is not used. */
const RESPONSE_STATUS: Record<number, string> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

/**
 * How far a response's thisUpdate may be ahead of our clock. A responder that signs on demand sets thisUpdate to
 * its own "now", which is after the request's time by the round trip and by the two clocks' skew; one minute
 * covers both without accepting a response dated meaningfully in the future (openssl allows five).
 */
export const OCSP_CLOCK_SKEW_MS = 60_000;

/** A verified answer about one certificate. */
export interface OcspResult {
  status: 'good' | 'revoked' | 'unknown';
  code: Code;
  reason: string;
  thisUpdate: Date;
  nextUpdate: Date;
  producedAt: Date;
  /** For a revoked certificate. */
  revocationTime?: Date;
  /** RFC 4514 text of who signed: the CA or its delegated responder. */
  signer: string;
}

export interface VerifyOptions {
  /** The CertID the request asked about. */
  certId: CertId;
  /** The CA that issued the certificate. */
  issuer: CertFacts;
  at: Date;
  /** Seconds past nextUpdate a response still counts (the CRL grace setting). @default 0 */
  graceSeconds?: number;
}

/** A signed structure split into the raw pieces a signature check needs. */
interface Signed {
  tbs: Uint8Array;
  alg: Tlv;
  signature: Uint8Array;
  /** the element after the signature, if any (a BasicOCSPResponse's [0] certs) */
  rest?: Tlv;
}

function splitSigned(der: Uint8Array, code: Code, what: string): Signed {
  const outer = expectTlv(der, 0, der.length, TAG.SEQUENCE, new Tlv(), code, what);
  if (outer.end !== der.length) fail(code, `${what}: data after the outer SEQUENCE`);
  const tbs = expectTlv(der, outer.body, outer.end, TAG.SEQUENCE, new Tlv(), code, what);
  const alg = expectTlv(der, tbs.end, outer.end, TAG.SEQUENCE, new Tlv(), code, `${what}: signatureAlgorithm`);
  const sig = expectTlv(der, alg.end, outer.end, TAG.BIT_STRING, new Tlv(), code, `${what}: signature`);
  const signature = readBitString(der, sig, code, `${what}: signature`).bytes;
  const rest = sig.end < outer.end ? expectTlv(der, sig.end, outer.end, 0xa0, new Tlv(), code, `${what}: certs`) : undefined;
  return { tbs: der.subarray(tbs.start, tbs.end), alg, signature, ...(rest && { rest }) };
}

function verifies(der: Uint8Array, s: Signed, key: KeyObject): boolean {
  let alg;
  try {
    alg = signatureAlgorithm(der, s.alg);
  } catch (e) {
    throw new CrlAuthorizerError(M, `OCSP signature algorithm: ${messageOf(e)}`);
  }
  return signatureVerifies(alg, key, s.tbs, s.signature);
}

function parse<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // A certificate inside a response that does not parse makes the response malformed, whatever the reader says.
    if (isCoded(e) && e.code.startsWith('ocsp.')) throw e;
    throw new CrlAuthorizerError(M, `${what}: ${messageOf(e)}`);
  }
}

function asn1(bytes: Uint8Array, what: string): asn1js.AsnType {
  const r = asn1js.fromBER(bytes);
  if (r.offset === -1) fail(M, `${what}: ${r.result.error || 'not BER'}`);
  if (r.offset !== bytes.length) fail(M, `${what}: data after the outer SEQUENCE`);
  return r.result;
}

/** The basic response inside an OCSPResponse, after checking responseStatus (a non-successful one is `ocsp.responder-error`). */
function basicResponseDer(der: Uint8Array): Uint8Array {
  const outer = parse('OCSPResponse', () => new pkijs.OCSPResponse({ schema: asn1(der, 'OCSPResponse') }));
  const status = outer.responseStatus.valueBlock.valueDec;
  if (status !== 0) {
    fail('ocsp.responder-error', `OCSP responder answered ${RESPONSE_STATUS[status] ?? `status ${status}`} (RFC 6960 4.2.1)`);
  }
  const bytes = outer.responseBytes;
  if (!bytes) fail(M, 'OCSPResponse: successful but without responseBytes');
  if (bytes.responseType !== BASIC) fail(M, `OCSPResponse: responseType ${bytes.responseType} is not id-pkix-ocsp-basic`);
  return new Uint8Array(bytes.response.valueBlock.valueHexView);
}

interface Parsed {
  signed: Signed;
  der: Uint8Array;
  data: pkijs.ResponseData;
  /** the DER of each certificate in `certs` */
  certs: Uint8Array[];
}

function parseBasic(der: Uint8Array): Parsed {
  const basicDer = basicResponseDer(der);
  const signed = splitSigned(basicDer, M, 'BasicOCSPResponse');
  const data = parse('ResponseData', () => new pkijs.ResponseData({ schema: asn1(signed.tbs, 'ResponseData') }));
  const certs: Uint8Array[] = [];
  if (signed.rest) {
    const list = expectTlv(basicDer, signed.rest.body, signed.rest.end, TAG.SEQUENCE, new Tlv(), M, 'BasicOCSPResponse: certs');
    const c = new Tlv();
    for (let p = list.body; p < list.end; p = c.end) {
      expectTlv(basicDer, p, list.end, TAG.SEQUENCE, c, M, 'BasicOCSPResponse: certificate');
      certs.push(basicDer.subarray(c.start, c.end));
    }
  }
  return { signed, der: basicDer, data, certs };
}

function sha1(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(b).digest());
}

/** Whether a responderID (byName [1] or byKey [2], RFC 6960 4.2.2.3) names the certificate `c`. */
function responderIs(data: pkijs.ResponseData, c: CertFacts): boolean {
  const id = data.responderID;
  if (id instanceof pkijs.RelativeDistinguishedNames) {
    try {
      return nameKey(new Uint8Array(id.valueBeforeDecode)) === c.subjectKey;
    } catch {
      return false;
    }
  }
  const key = new Uint8Array((id as asn1js.OctetString).valueBlock.valueHexView);
  return bytesEqual(key, sha1(subjectPublicKeyBits(c.spki)));
}

/**
 * Who may sign (RFC 6960 4.2.2.2): the CA itself, or a certificate the CA issued for this purpose
 * (id-kp-OCSPSigning), valid at the time. Returns the signer's facts, or throws `ocsp.unauthorized-signer`.
 */
function authorizedSigner(p: Parsed, issuer: CertFacts, issuerKey: KeyObject, at: Date): CertFacts {
  if (responderIs(p.data, issuer)) return issuer;
  const why: string[] = [];
  for (const der of p.certs) {
    const c = parse('BasicOCSPResponse certificate', () => readCertificate(der));
    if (!responderIs(p.data, c)) continue;
    if (c.issuerKey !== issuer.subjectKey) {
      why.push(`"${c.subjectText}" is issued by "${c.issuerText}", not the certificate's CA`);
      continue;
    }
    if (!verifies(der, splitSigned(der, M, 'responder certificate'), issuerKey)) {
      why.push(`"${c.subjectText}" is not signed by the CA's key`);
      continue;
    }
    if (!hasExtendedKeyUsage(der, KP_OCSP_SIGNING)) {
      why.push(`"${c.subjectText}" lacks id-kp-OCSPSigning`);
      continue;
    }
    if (at < c.notBefore || at > c.notAfter) {
      why.push(`"${c.subjectText}" is not valid at ${at.toISOString()}`);
      continue;
    }
    return c;
  }
  return fail(
    'ocsp.unauthorized-signer',
    `OCSP response is signed neither by CA "${issuer.subjectText}" nor by a responder it authorised` +
      (why.length ? ` (${why.join('; ')})` : ' (no matching responder certificate included)') +
      ' (RFC 6960 4.2.2.2)',
  );
}

function matches(single: pkijs.SingleResponse, id: CertId): boolean {
  const c = single.certID;
  if (c.hashAlgorithm.algorithmId !== SHA1_OID) return false;
  if (!bytesEqual(new Uint8Array(c.issuerNameHash.valueBlock.valueHexView), id.issuerNameHash)) return false;
  if (!bytesEqual(new Uint8Array(c.issuerKeyHash.valueBlock.valueHexView), id.issuerKeyHash)) return false;
  let serial: Uint8Array;
  try {
    serial = normalizeSerial(new Uint8Array(c.serialNumber.valueBlock.valueHexView), M);
  } catch {
    return false;
  }
  return bytesEqual(serial, id.serial);
}

/**
 * Parses `der` (an OCSPResponse) and verifies it answers for `opts.certId`, signed by an authorised signer,
 * current at `opts.at`. `unknown` is returned as status `unknown` with `ocsp.unknown`, never as `good`.
 */
export function verifyResponse(der: Uint8Array, opts: VerifyOptions): OcspResult {
  const p = parseBasic(der);
  const issuerKey = publicKey(opts.issuer.spki);
  const signer = authorizedSigner(p, opts.issuer, issuerKey, opts.at);
  const signerKey = signer === opts.issuer ? issuerKey : publicKey(signer.spki);
  if (!verifies(p.der, p.signed, signerKey)) {
    fail('ocsp.signature-invalid', `OCSP response signature does not verify with the key of "${signer.subjectText}" (RFC 6960 3.2)`);
  }
  const single = p.data.responses.find((r) => matches(r, opts.certId));
  if (!single) {
    fail('ocsp.cert-id-mismatch', 'OCSP response does not answer for the certificate asked about (RFC 6960 3.2 (1))');
  }
  const at = opts.at.getTime();
  if (single.thisUpdate.getTime() > at + OCSP_CLOCK_SKEW_MS) {
    fail('ocsp.not-yet-valid', `OCSP thisUpdate ${single.thisUpdate.toISOString()} is after ${opts.at.toISOString()} (RFC 6960 3.2 (4))`);
  }
  if (!single.nextUpdate) fail('ocsp.stale', 'OCSP response has no nextUpdate (RFC 5019 2.2.4 requires the client to reject it)');
  if (single.nextUpdate.getTime() + (opts.graceSeconds ?? 0) * 1000 < at) {
    fail('ocsp.stale', `OCSP nextUpdate ${single.nextUpdate.toISOString()} is before ${opts.at.toISOString()} (RFC 6960 3.2 (5))`);
  }
  const base = {
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
    producedAt: p.data.producedAt,
    signer: signer.subjectText,
  };
  const tag = (single.certStatus as asn1js.BaseBlock).idBlock.tagNumber;
  if (tag === 0) return { ...base, status: 'good', code: 'cert.good', reason: 'OCSP: good' };
  if (tag === 1) {
    const time = (single.certStatus as asn1js.Constructed).valueBlock.value[0];
    const revocationTime = time instanceof asn1js.GeneralizedTime ? time.toDate() : undefined;
    return {
      ...base,
      status: 'revoked',
      code: 'cert.revoked',
      reason: `OCSP: revoked${revocationTime ? ` at ${revocationTime.toISOString()}` : ''}`,
      ...(revocationTime && { revocationTime }),
    };
  }
  return { ...base, status: 'unknown', code: 'ocsp.unknown', reason: 'OCSP: the responder does not know this certificate (unknown)' };
}
