/**
 * Key pairs and signatures for test certificates and CRLs: node:crypto keys, the signature AlgorithmIdentifier
 * that matches each, and a sign function over raw TBS bytes.
 */
import { createHash, generateKeyPairSync, sign as cryptoSign, constants, type KeyObject } from 'node:crypto';
import { nullValue, oid, sequence, explicit, integer } from './der.js';

export type KeyAlg = 'ec-p256' | 'ec-p384' | 'ec-p521' | 'rsa-2048' | 'rsa-pss' | 'ed25519';
export type HashAlg = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface TestKey {
  readonly alg: KeyAlg;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
}

/** How to sign: the hash (RSA and ECDSA only) and, for an rsaEncryption key, PSS padding instead of PKCS#1 v1.5. */
export interface SignOptions {
  /** Default: sha256 for RSA and RSA-PSS; the curve's hash for ECDSA (P-256 sha256, P-384 sha384, P-521 sha512). */
  hash?: HashAlg;
  /** Sign an 'rsa-2048' key with RSASSA-PSS (the key stays rsaEncryption). 'rsa-pss' keys always use PSS. */
  pss?: boolean;
}

export const OIDS = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

const HASH_OCTETS: Record<HashAlg, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

const RSA_SIG_OID: Record<HashAlg, string> = {
  sha1: OIDS.sha1WithRSAEncryption,
  sha256: OIDS.sha256WithRSAEncryption,
  sha384: OIDS.sha384WithRSAEncryption,
  sha512: OIDS.sha512WithRSAEncryption,
};

const ECDSA_SIG_OID: Record<HashAlg, string> = {
  sha1: OIDS.ecdsaWithSha1,
  sha256: OIDS.ecdsaWithSha256,
  sha384: OIDS.ecdsaWithSha384,
  sha512: OIDS.ecdsaWithSha512,
};

const CURVE_HASH: Partial<Record<KeyAlg, HashAlg>> = { 'ec-p256': 'sha256', 'ec-p384': 'sha384', 'ec-p521': 'sha512' };

function newKeyPair(alg: KeyAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ec-p521':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'rsa-pss':
      // Unrestricted id-RSASSA-PSS key: its SPKI carries no parameters; each signature states its own.
      return generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
  }
}

const cache = new Map<string, TestKey>();

/**
 * A fresh key pair. With `cacheKey`, the pair made for the same (alg, cacheKey) earlier in this process is
 * returned instead: RSA generation takes tens of milliseconds, and suites that build many CAs need not pay it
 * each time. Two different cacheKeys always give two different keys.
 */
export function generateKey(alg: KeyAlg, opts: { cacheKey?: string } = {}): TestKey {
  const slot = opts.cacheKey === undefined ? undefined : `${alg}\0${opts.cacheKey}`;
  if (slot !== undefined) {
    const hit = cache.get(slot);
    if (hit) return hit;
  }
  const { privateKey, publicKey } = newKeyPair(alg);
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const key: TestKey = { alg, privateKey, publicKey, spki };
  if (slot !== undefined) cache.set(slot, key);
  return key;
}

export function isRsa(alg: KeyAlg): boolean {
  return alg === 'rsa-2048' || alg === 'rsa-pss';
}

function usesPss(key: TestKey, opts: SignOptions): boolean {
  return key.alg === 'rsa-pss' || (key.alg === 'rsa-2048' && opts.pss === true);
}

function hashOf(key: TestKey, opts: SignOptions): HashAlg | undefined {
  if (key.alg === 'ed25519') return undefined;
  return opts.hash ?? CURVE_HASH[key.alg] ?? 'sha256';
}

function hashAlgorithmId(hash: HashAlg): Uint8Array {
  // NULL parameters, as OpenSSL and most CAs write them inside RSASSA-PSS-params (RFC 4055 accepts both).
  return sequence(oid(OIDS[hash]), nullValue());
}

/** RSASSA-PSS-params with every field explicit: hash, MGF1 with the same hash, salt = hash length, trailer 1 default. */
export function pssAlgorithmIdentifier(hash: HashAlg): Uint8Array {
  return sequence(
    oid(OIDS.rsassaPss),
    sequence(
      explicit(0, hashAlgorithmId(hash)),
      explicit(1, sequence(oid(OIDS.mgf1), hashAlgorithmId(hash))),
      explicit(2, integer(HASH_OCTETS[hash])),
    ),
  );
}

/** The signature AlgorithmIdentifier DER that `sign(key, data, opts)` produces. */
export function signatureAlgorithm(key: TestKey, opts: SignOptions = {}): Uint8Array {
  const hash = hashOf(key, opts);
  if (key.alg === 'ed25519') return sequence(oid(OIDS.ed25519));
  if (usesPss(key, opts)) return pssAlgorithmIdentifier(hash!);
  if (key.alg === 'rsa-2048') return sequence(oid(RSA_SIG_OID[hash!]), nullValue());
  return sequence(oid(ECDSA_SIG_OID[hash!]));
}

/** Signature value octets (the BIT STRING content without its unused-bits octet): ECDSA as DER Ecdsa-Sig-Value. */
export function sign(key: TestKey, data: Uint8Array, opts: SignOptions = {}): Uint8Array {
  const hash = hashOf(key, opts);
  if (key.alg === 'ed25519') return new Uint8Array(cryptoSign(null, data, key.privateKey));
  if (usesPss(key, opts)) {
    return new Uint8Array(
      cryptoSign(hash!, data, {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: HASH_OCTETS[hash!],
      }),
    );
  }
  if (key.alg === 'rsa-2048') {
    return new Uint8Array(cryptoSign(hash!, data, { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING }));
  }
  return new Uint8Array(cryptoSign(hash!, data, { key: key.privateKey, dsaEncoding: 'der' }));
}

/** The subjectPublicKey BIT STRING content (without its unused-bits octet) of a SubjectPublicKeyInfo. */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  // SPKI = SEQUENCE { AlgorithmIdentifier SEQUENCE, BIT STRING }: skip two headers and the algorithm.
  let at = skipHeader(spki, 0).contentStart;
  const alg = skipHeader(spki, at);
  at = alg.contentStart + alg.length;
  const bits = skipHeader(spki, at);
  return spki.subarray(bits.contentStart + 1, bits.contentStart + bits.length);
}

function skipHeader(der: Uint8Array, at: number): { contentStart: number; length: number } {
  const first = der[at + 1]!;
  if (first < 0x80) return { contentStart: at + 2, length: first };
  const n = first & 0x7f;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + der[at + 2 + i]!;
  return { contentStart: at + 2 + n, length };
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. The default SKI / AKI of test certificates. */
export function keyIdentifier(key: TestKey | Uint8Array): Uint8Array {
  const spki = key instanceof Uint8Array ? key : key.spki;
  return new Uint8Array(createHash('sha1').update(subjectPublicKeyBits(spki)).digest());
}
