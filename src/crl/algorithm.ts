import { constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { expectTlv, fail, oidText, readSmallInt, readTlv, TAG, Tlv } from '../der/index.js';

/** How to check a signature with node:crypto. */
export interface SignatureAlgorithm {
  name: string;
  /** digest for crypto.verify; null for EdDSA */
  hash: string | null;
  family: 'rsa' | 'rsa-pss' | 'ec' | 'eddsa';
  saltLength?: number;
}

const M = 'crl.malformed' as const;
const U = 'crl.unsupported-algorithm' as const;

const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const EDDSA: Record<string, string> = { '1.3.101.112': 'Ed25519', '1.3.101.113': 'Ed448' };

/** Parses a signature AlgorithmIdentifier (the full SEQUENCE TLV at `alg`). */
export function signatureAlgorithm(buf: Uint8Array, alg: Tlv): SignatureAlgorithm {
  const t = expectTlv(buf, alg.body, alg.end, TAG.OID, new Tlv(), M, 'signatureAlgorithm');
  const oid = oidText(buf, t.body, t.end, M);
  const paramsStart = t.end;
  const hasParams = paramsStart < alg.end;
  const nullOrAbsent = (): void => {
    if (!hasParams) return;
    const p = readTlv(buf, paramsStart, alg.end, new Tlv(), M, 'signatureAlgorithm parameters');
    if (p.tag !== TAG.NULL || p.length !== 0 || p.end !== alg.end) {
      fail(M, `signatureAlgorithm ${oid}: parameters must be NULL or absent`);
    }
  };
  const rsaHash = RSA_PKCS1[oid];
  if (rsaHash) {
    nullOrAbsent();
    return { name: `${rsaHash}WithRSAEncryption`, hash: rsaHash, family: 'rsa' };
  }
  const ecHash = ECDSA[oid];
  if (ecHash) {
    if (hasParams) fail(M, `signatureAlgorithm ${oid}: ECDSA takes no parameters`);
    return { name: `ecdsa-with-${ecHash.toUpperCase()}`, hash: ecHash, family: 'ec' };
  }
  const ed = EDDSA[oid];
  if (ed) {
    if (hasParams) fail(M, `signatureAlgorithm ${oid}: EdDSA takes no parameters`);
    return { name: ed, hash: null, family: 'eddsa' };
  }
  if (oid === RSA_PSS) return pssAlgorithm(buf, paramsStart, alg.end);
  return fail(U, `signature algorithm ${oid} is not supported (RSA, RSASSA-PSS, ECDSA, EdDSA are)`);
}

/** RSASSA-PSS-params (RFC 4055): hash, MGF1 with the same hash, salt length, trailer field 1. */
function pssAlgorithm(buf: Uint8Array, start: number, end: number): SignatureAlgorithm {
  const what = 'RSASSA-PSS parameters';
  if (start >= end) fail(M, `${what}: missing`);
  const seq = expectTlv(buf, start, end, TAG.SEQUENCE, new Tlv(), M, what);
  if (seq.end !== end) fail(M, `${what}: extra data`);
  let hash = 'sha1';
  let mgfHash = 'sha1';
  let saltLength = 20;
  const f = new Tlv();
  for (let p = seq.body; p < seq.end; p = f.end) {
    readTlv(buf, p, seq.end, f, M, what);
    const inner = readTlv(buf, f.body, f.end, new Tlv(), M, what);
    if (inner.end !== f.end) fail(M, `${what}: extra data in a field`);
    if (f.tag === 0xa0) hash = hashAlgorithm(buf, inner);
    else if (f.tag === 0xa1) {
      if (inner.tag !== TAG.SEQUENCE) fail(M, `${what}: maskGenAlgorithm`);
      const o = expectTlv(buf, inner.body, inner.end, TAG.OID, new Tlv(), M, what);
      const mgf = oidText(buf, o.body, o.end, M);
      if (mgf !== MGF1) fail(U, `RSASSA-PSS mask generation ${mgf} is not supported (MGF1 is)`);
      const h = readTlv(buf, o.end, inner.end, new Tlv(), M, what);
      if (h.tag !== TAG.SEQUENCE) fail(M, `${what}: MGF1 hash`);
      mgfHash = hashAlgorithm(buf, h);
    } else if (f.tag === 0xa2) {
      if (inner.tag !== TAG.INTEGER) fail(M, `${what}: saltLength`);
      saltLength = readSmallInt(buf, inner, M, `${what}: saltLength`);
    } else if (f.tag === 0xa3) {
      if (inner.tag !== TAG.INTEGER || readSmallInt(buf, inner, M, what) !== 1) {
        fail(U, 'RSASSA-PSS trailerField other than 1 is not supported');
      }
    } else fail(M, `${what}: unknown field`);
  }
  if (mgfHash !== hash) fail(U, `RSASSA-PSS with MGF1 hash ${mgfHash} differing from hash ${hash} is not supported`);
  return { name: `RSASSA-PSS(${hash}, salt ${saltLength})`, hash, family: 'rsa-pss', saltLength };
}

function hashAlgorithm(buf: Uint8Array, alg: Tlv): string {
  if (alg.tag !== TAG.SEQUENCE) fail(M, 'hash AlgorithmIdentifier is not a SEQUENCE');
  const o = expectTlv(buf, alg.body, alg.end, TAG.OID, new Tlv(), M, 'hash algorithm');
  const oid = oidText(buf, o.body, o.end, M);
  const h = HASHES[oid];
  if (!h) fail(U, `hash algorithm ${oid} is not supported`);
  return h;
}

const KEY_FAMILIES: Record<SignatureAlgorithm['family'], readonly string[]> = {
  rsa: ['rsa'],
  'rsa-pss': ['rsa', 'rsa-pss'],
  ec: ['ec'],
  eddsa: ['ed25519', 'ed448'],
};

/** The CA key as a KeyObject; a key node:crypto cannot read is a key this CRL cannot be checked with. */
export function publicKey(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.length), format: 'der', type: 'spki' });
  } catch (e) {
    return fail(U, `CA public key is not supported: ${(e as Error).message}`);
  }
}

/** Whether `signature` over `data` verifies with `key` under `alg`. Never throws for a wrong key or signature. */
export function signatureVerifies(
  alg: SignatureAlgorithm,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const type = key.asymmetricKeyType ?? '';
  if (!KEY_FAMILIES[alg.family].includes(type)) return false;
  if (alg.family === 'eddsa' && type !== alg.name.toLowerCase()) return false;
  try {
    if (alg.family === 'rsa-pss') {
      return cryptoVerify(
        alg.hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength! },
        signature,
      );
    }
    return cryptoVerify(alg.hash, data, key, signature);
  } catch {
    return false;
  }
}
