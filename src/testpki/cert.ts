/**
 * Real signed X.509 certificates for tests: CAs, intermediates and leaves with the extensions revocation
 * checking looks at (SKI/AKI, keyUsage, basicConstraints, CRL distribution points).
 */
import { randomBytes } from 'node:crypto';
import {
  bitString,
  explicit,
  integer,
  integerOctets,
  integerRaw,
  name,
  octetString,
  sequence,
  time,
  type NameInput,
  type TimeEncoding,
} from './der.js';
import {
  EXT,
  authorityKeyIdValue,
  basicConstraintsValue,
  crlDistributionPointsValue,
  extensions as extensionsDer,
  generalNames,
  keyUsageValue,
  type DistributionPointSpec,
  type ExtensionSpec,
  type GeneralNameSpec,
  type KeyUsageName,
} from './extensions.js';
import {
  generateKey,
  keyIdentifier,
  sign,
  signatureAlgorithm,
  type KeyAlg,
  type SignOptions,
  type TestKey,
} from './keys.js';
import { toPem } from './pem.js';

/** What signing a certificate or CRL needs from its issuer. A TestCert is one. */
export interface Issuer {
  /** The issuer's Name DER (its certificate's subject). */
  readonly subject: Uint8Array;
  readonly key: TestKey;
  /** Its subject key identifier: the default AKI of what it signs. */
  readonly ski?: Uint8Array;
}

export interface TestCert extends Issuer {
  readonly der: Uint8Array;
  readonly pem: string;
  /** The subject's key pair. */
  readonly key: TestKey;
  readonly subject: Uint8Array;
  readonly issuer: Uint8Array;
  /** The serial's INTEGER content octets exactly as encoded. */
  readonly serial: Uint8Array;
  readonly ski?: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Fixed defaults keep generated material independent of the clock; they cover any plausible test "now". */
export const DEFAULT_NOT_BEFORE = new Date('2020-01-01T00:00:00Z');
export const DEFAULT_NOT_AFTER = new Date('2049-12-31T23:59:59Z');

export interface CertificateOptions {
  subject: NameInput;
  /** The signing CA; absent = self-signed with the subject's own key. */
  issuer?: Issuer;
  /** The subject's key; default a fresh key of `alg`. */
  key?: TestKey;
  /** @default 'ec-p256' */
  alg?: KeyAlg;
  /** A bigint/number (minimal encoding) or raw INTEGER content octets written as given. @default random 16 octets, positive */
  serial?: bigint | number | Uint8Array;
  /** @default DEFAULT_NOT_BEFORE */
  notBefore?: Date;
  /** @default DEFAULT_NOT_AFTER */
  notAfter?: Date;
  /** Force UTCTime or GeneralizedTime for validity; default the RFC 5280 rule. */
  timeEncoding?: TimeEncoding;
  /** Subject key identifier; null = no SKI extension. @default SHA-1 of the subject public key */
  ski?: Uint8Array | null;
  /** Authority key identifier; null = none. @default the issuer's SKI (self-signed: its own SKI) */
  aki?: Uint8Array | null;
  /** null = no keyUsage extension. @default CA: keyCertSign + cRLSign + digitalSignature; else digitalSignature */
  keyUsage?: readonly KeyUsageName[] | null;
  /** @default true */
  keyUsageCritical?: boolean;
  /** basicConstraints cA = TRUE (critical). @default false, and then no basicConstraints unless `basicConstraints` says */
  ca?: boolean;
  /** Overrides the basicConstraints that `ca` implies; null = none. */
  basicConstraints?: { ca: boolean; pathLen?: number; critical?: boolean } | null;
  crlDistributionPoints?: readonly DistributionPointSpec[];
  subjectAltNames?: readonly GeneralNameSpec[];
  /** Appended after the standard extensions, as given. */
  extensions?: readonly ExtensionSpec[];
  signature?: SignOptions;
  /** 1 writes no version field and no extensions. @default 3 */
  version?: 1 | 3;
  /** Write this version field value (0 = v1 written out, which DER forbids) whatever `version` says. */
  versionField?: number;
  /** Write the extensions even for `version: 1` (extensions need v3). */
  forceExtensions?: boolean;
}

const CA_KEY_USAGE: readonly KeyUsageName[] = ['digitalSignature', 'keyCertSign', 'cRLSign'];
const LEAF_KEY_USAGE: readonly KeyUsageName[] = ['digitalSignature'];

/** 16 random octets, positive and minimal: what CAs write since the CA/B Forum asked for 64 bits of entropy. */
export function randomSerial(): Uint8Array {
  const b = new Uint8Array(randomBytes(16));
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, minimal, never 16 zero octets
  return b;
}

export function makeCertificate(opts: CertificateOptions): TestCert {
  const key = opts.key ?? generateKey(opts.alg ?? 'ec-p256');
  const subject = name(opts.subject);
  const ski = opts.ski === null ? undefined : (opts.ski ?? keyIdentifier(key));
  const issuer: Issuer = opts.issuer ?? { subject, key, ...(ski ? { ski } : {}) };
  const aki = opts.aki === null ? undefined : (opts.aki ?? issuer.ski);
  const serial =
    opts.serial instanceof Uint8Array ? opts.serial : opts.serial === undefined ? randomSerial() : integerOctets(opts.serial);
  const notBefore = opts.notBefore ?? DEFAULT_NOT_BEFORE;
  const notAfter = opts.notAfter ?? DEFAULT_NOT_AFTER;
  const ca = opts.ca ?? false;

  const exts: ExtensionSpec[] = [];
  const bc = opts.basicConstraints === undefined ? (ca ? { ca: true } : null) : opts.basicConstraints;
  if (bc) {
    exts.push({ oid: EXT.basicConstraints, critical: bc.critical ?? true, value: basicConstraintsValue(bc.ca, bc.pathLen) });
  }
  const keyUsage = opts.keyUsage === undefined ? (ca ? CA_KEY_USAGE : LEAF_KEY_USAGE) : opts.keyUsage;
  if (keyUsage) exts.push({ oid: EXT.keyUsage, critical: opts.keyUsageCritical ?? true, value: keyUsageValue(keyUsage) });
  if (ski) exts.push({ oid: EXT.subjectKeyIdentifier, value: octetString(ski) });
  if (aki) exts.push({ oid: EXT.authorityKeyIdentifier, value: authorityKeyIdValue(aki) });
  if (opts.subjectAltNames) exts.push({ oid: EXT.subjectAltName, value: generalNames(opts.subjectAltNames) });
  if (opts.crlDistributionPoints) {
    exts.push({ oid: EXT.cRLDistributionPoints, value: crlDistributionPointsValue(opts.crlDistributionPoints) });
  }
  exts.push(...(opts.extensions ?? []));

  const sigAlg = signatureAlgorithm(issuer.key, opts.signature);
  const v3 = (opts.version ?? 3) === 3;
  const tbs = sequence(
    ...(opts.versionField !== undefined ? [explicit(0, integer(opts.versionField))] : v3 ? [explicit(0, integer(2))] : []),
    integerRaw(serial),
    sigAlg,
    issuer.subject,
    sequence(time(notBefore, opts.timeEncoding), time(notAfter, opts.timeEncoding)),
    subject,
    key.spki,
    ...((v3 || opts.forceExtensions) && exts.length ? [explicit(3, extensionsDer(exts))] : []),
  );
  const der = sequence(tbs, sigAlg, bitString(sign(issuer.key, tbs, opts.signature)));
  return {
    der,
    pem: toPem(der, 'CERTIFICATE'),
    key,
    subject,
    issuer: issuer.subject,
    serial,
    ...(ski ? { ski } : {}),
    notBefore,
    notAfter,
  };
}

export interface CaOptions extends Omit<CertificateOptions, 'subject' | 'ca'> {
  /** @default 'CN=Test CA,O=Test,C=US' */
  name?: NameInput;
}

/**
 * A CA certificate: basicConstraints cA (critical), keyUsage keyCertSign + cRLSign + digitalSignature, SKI.
 * Self-signed unless `issuer` is given.
 */
export function makeCa(opts: CaOptions = {}): TestCert {
  const { name: caName, ...rest } = opts;
  return makeCertificate({ ...rest, subject: caName ?? 'CN=Test CA,O=Test,C=US', ca: true });
}

export interface LeafOptions extends Omit<CertificateOptions, 'issuer' | 'subject'> {
  /** @default 'CN=Test Leaf,O=Test,C=US' */
  subject?: NameInput;
}

/** An end-entity certificate issued by `ca` (AKI = the CA's SKI, keyUsage digitalSignature, no basicConstraints). */
export function makeLeaf(ca: Issuer, opts: LeafOptions = {}): TestCert {
  return makeCertificate({ ...opts, subject: opts.subject ?? 'CN=Test Leaf,O=Test,C=US', issuer: ca });
}
