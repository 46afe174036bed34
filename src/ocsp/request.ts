/**
 * OCSP requests (RFC 6960 4.1) in RFC 5019's lightweight profile: one certificate, SHA-1 CertID, no nonce, no
 * signature, so identical requests are byte-identical and a CDN in front of the responder can cache the GET.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { expectTlv, TAG, Tlv } from '../der/index.js';
import type { CertFacts } from '../x509/cert.js';

/** 1.3.14.3.2.26 */
export const SHA1_OID = '1.3.14.3.2.26';

/** What identifies one certificate to a responder (RFC 6960 4.1.1), with SHA-1 as RFC 5019 2.1.1 requires. */
export interface CertId {
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  /** minimal two's complement content octets, as `CertFacts.serial` */
  serial: Uint8Array;
}

/** The issuer's part of every CertID it issues: computed once per CA. */
export interface IssuerHashes {
  nameHash: Uint8Array;
  keyHash: Uint8Array;
  /** hex of keyHash: the cache's issuer key */
  keyHashHex: string;
}

function sha1(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(data).digest());
}

/** SHA-1 of the issuer's Name DER and of its subjectPublicKey BIT STRING value (without the unused-bits octet). */
export function issuerHashes(issuer: CertFacts): IssuerHashes {
  const keyHash = sha1(subjectPublicKeyBits(issuer.spki));
  return { nameHash: sha1(issuer.subjectDer), keyHash, keyHashHex: Buffer.from(keyHash).toString('hex') };
}

export function certIdOf(cert: CertFacts, issuer: IssuerHashes): CertId {
  return { issuerNameHash: issuer.nameHash, issuerKeyHash: issuer.keyHash, serial: cert.serial };
}

/** subjectPublicKey bits of a SubjectPublicKeyInfo DER. */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const what = 'subjectPublicKeyInfo';
  const seq = expectTlv(spki, 0, spki.length, TAG.SEQUENCE, new Tlv(), 'cert.malformed', what);
  const alg = expectTlv(spki, seq.body, seq.end, TAG.SEQUENCE, new Tlv(), 'cert.malformed', what);
  const bits = expectTlv(spki, alg.end, seq.end, TAG.BIT_STRING, new Tlv(), 'cert.malformed', what);
  return spki.subarray(bits.body + 1, bits.end);
}

function view(b: Uint8Array): Uint8Array {
  // asn1js keeps the view it is given; hand it a copy it alone owns.
  return new Uint8Array(b);
}

/** The DER of an unsigned OCSPRequest for one CertID. */
export function requestDer(id: CertId): Uint8Array {
  const certId = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA1_OID, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: view(id.issuerNameHash) }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: view(id.issuerKeyHash) }),
    serialNumber: new asn1js.Integer({ valueHex: view(id.serial) }),
  });
  const req = new pkijs.OCSPRequest();
  req.tbsRequest.requestList = [new pkijs.Request({ reqCert: certId })];
  return new Uint8Array(req.toSchema(true).toBER(false));
}

/** RFC 5019 5: GET when the encoded request fits in 255 bytes, so responders and CDNs can cache it. */
export const MAX_GET_REQUEST_BYTES = 255;

/** How to send `der` to `responder`: a GET URL when short enough, else a POST body. */
export function httpRequestFor(responder: string, der: Uint8Array): { method: 'GET'; url: string } | { method: 'POST'; url: string; body: Uint8Array } {
  // RFC 6960 A.1: {url}/{url-encoding of base-64 encoding of the DER encoding of the OCSPRequest}
  const encoded = encodeURIComponent(Buffer.from(der).toString('base64'));
  if (encoded.length <= MAX_GET_REQUEST_BYTES) {
    return { method: 'GET', url: responder.replace(/\/+$/, '') + '/' + encoded };
  }
  return { method: 'POST', url: responder, body: der };
}
