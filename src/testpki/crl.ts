/**
 * Real signed CRLs for tests (RFC 5280 5): every field and extension a CRL check looks at, each settable, plus
 * the defects a verifier must refuse (bad signature, inner/outer algorithm mismatch, trailing bytes). For CRLs
 * of millions of entries use `large-crl.ts`, which writes straight into one buffer.
 */
import {
  bitString,
  concat,
  integer,
  integerOf,
  name,
  sequence,
  sequenceOf,
  explicit,
  time,
  type NameInput,
  type TimeEncoding,
} from './der.js';
import {
  EXT,
  authorityKeyIdValue,
  extension,
  extensions as extensionsDer,
  generalNames,
  invalidityDateValue,
  issuingDistributionPointValue,
  reasonCodeValue,
  type ExtensionSpec,
  type GeneralNameSpec,
  type IssuingDistributionPointSpec,
  type ReasonName,
} from './extensions.js';
import { sign, signatureAlgorithm, type SignOptions, type TestKey } from './keys.js';
import type { Issuer } from './cert.js';

export { toPem } from './pem.js';

/** Fixed defaults keep CRLs independent of the clock; pass real times for freshness tests. */
export const DEFAULT_THIS_UPDATE = new Date('2025-01-01T00:00:00Z');
export const DEFAULT_NEXT_UPDATE = new Date('2035-01-01T00:00:00Z');

export interface CrlEntry {
  /** A bigint/number (minimal encoding) or raw INTEGER content octets written as given (empty, non-minimal, long). */
  serial: bigint | number | Uint8Array;
  /** @default the CRL's thisUpdate */
  revocationDate?: Date;
  /** Write this complete time TLV as revocationDate (malformed-time tests). */
  revocationDateDer?: Uint8Array;
  reason?: ReasonName | number;
  invalidityDate?: Date;
  /** certificateIssuer GeneralNames (indirect CRLs), critical as RFC 5280 5.3.3 requires unless said otherwise. */
  certificateIssuer?: readonly GeneralNameSpec[];
  certificateIssuerCritical?: boolean;
  /** Write crlEntryExtensions even when there are none: an empty SEQUENCE (seen in the wild, invalid DER-wise). */
  emptyExtensions?: boolean;
  /** Appended after the standard entry extensions, as given. */
  extensions?: readonly ExtensionSpec[];
}

export interface CrlOptions {
  /** The CA: its name is the CRL issuer, its key signs, its SKI is the default AKI. */
  issuer: Issuer;
  /** Write this issuer Name instead of the CA's (issuer-mismatch tests). */
  issuerName?: NameInput;
  /** Sign with this key instead of the CA's (wrong-key tests). The algorithm identifier follows this key. */
  signingKey?: TestKey;
  /** 1 omits the version field and, unless asked for, every extension. @default 2 */
  version?: 1 | 2;
  /** Write this complete version INTEGER TLV instead (non-minimal, v1 written out, v3). */
  versionDer?: Uint8Array;
  /** @default DEFAULT_THIS_UPDATE */
  thisUpdate?: Date;
  /** null = no nextUpdate. @default DEFAULT_NEXT_UPDATE */
  nextUpdate?: Date | null;
  /** Write these complete time TLVs as thisUpdate / nextUpdate (malformed-time tests). */
  thisUpdateDer?: Uint8Array;
  nextUpdateDer?: Uint8Array;
  /** Force UTCTime or GeneralizedTime for thisUpdate, nextUpdate and revocation dates. */
  timeEncoding?: TimeEncoding;
  /** null = no cRLNumber. @default 1 for v2, none for v1 */
  crlNumber?: bigint | number | Uint8Array | null;
  /** null = no AKI. @default the CA's SKI (none for v1 or a CA without SKI) */
  aki?: Uint8Array | null;
  entries?: readonly CrlEntry[];
  /** With no entries, still write revokedCertificates as an empty SEQUENCE (RFC 5280 says omit it). */
  emptyRevokedList?: boolean;
  /** deltaCRLIndicator (critical) with this BaseCRLNumber. */
  deltaCrlIndicator?: bigint | number;
  issuingDistributionPoint?: IssuingDistributionPointSpec;
  /** CRL extensions appended after the standard ones, as given. */
  extensions?: readonly ExtensionSpec[];
  signature?: SignOptions;
  /** Outer signatureAlgorithm DER differing from the TBS one (algorithm-mismatch tests). */
  outerSignatureAlgorithm?: Uint8Array;
  /** Flip a bit of the signature value, leaving the structure intact. */
  corruptSignature?: boolean;
  /** Bytes after the outer SEQUENCE: given octets, or that many zero octets. */
  trailingBytes?: Uint8Array | number;
}

export function crlEntry(entry: CrlEntry, defaultDate: Date, timeEncoding?: TimeEncoding): Uint8Array {
  const exts: ExtensionSpec[] = [];
  if (entry.reason !== undefined) exts.push({ oid: EXT.reasonCode, value: reasonCodeValue(entry.reason) });
  if (entry.invalidityDate) exts.push({ oid: EXT.invalidityDate, value: invalidityDateValue(entry.invalidityDate) });
  if (entry.certificateIssuer) {
    exts.push({
      oid: EXT.certificateIssuer,
      critical: entry.certificateIssuerCritical ?? true,
      value: generalNames(entry.certificateIssuer),
    });
  }
  exts.push(...(entry.extensions ?? []));
  return sequence(
    integerOf(entry.serial),
    entry.revocationDateDer ?? time(entry.revocationDate ?? defaultDate, timeEncoding),
    ...(exts.length || entry.emptyExtensions ? [extensionsDer(exts)] : []),
  );
}

/** The standard CRL extensions in the order CAs write them, then `extensions`. */
export function crlExtensionList(opts: CrlOptions): ExtensionSpec[] {
  const v2 = (opts.version ?? 2) === 2;
  const exts: ExtensionSpec[] = [];
  const aki = opts.aki === null ? undefined : (opts.aki ?? (v2 ? opts.issuer.ski : undefined));
  if (aki) exts.push({ oid: EXT.authorityKeyIdentifier, value: authorityKeyIdValue(aki) });
  const crlNumber = opts.crlNumber === null ? undefined : (opts.crlNumber ?? (v2 ? 1n : undefined));
  if (crlNumber !== undefined) exts.push({ oid: EXT.cRLNumber, value: integerOf(crlNumber) });
  if (opts.deltaCrlIndicator !== undefined) {
    exts.push({ oid: EXT.deltaCRLIndicator, critical: true, value: integer(opts.deltaCrlIndicator) });
  }
  if (opts.issuingDistributionPoint) {
    exts.push({
      oid: EXT.issuingDistributionPoint,
      critical: opts.issuingDistributionPoint.critical ?? true,
      value: issuingDistributionPointValue(opts.issuingDistributionPoint),
    });
  }
  exts.push(...(opts.extensions ?? []));
  return exts;
}

/** The CRL fields before revokedCertificates: version, signature, issuer, thisUpdate, nextUpdate. */
export function crlTbsPrefix(opts: CrlOptions, sigAlg: Uint8Array): Uint8Array {
  const v2 = (opts.version ?? 2) === 2;
  const nextUpdate = opts.nextUpdate === null ? undefined : (opts.nextUpdate ?? DEFAULT_NEXT_UPDATE);
  return concat([
    ...(opts.versionDer ? [opts.versionDer] : v2 ? [integer(1)] : []),
    sigAlg,
    opts.issuerName === undefined ? opts.issuer.subject : name(opts.issuerName),
    opts.thisUpdateDer ?? time(opts.thisUpdate ?? DEFAULT_THIS_UPDATE, opts.timeEncoding),
    ...(opts.nextUpdateDer ? [opts.nextUpdateDer] : nextUpdate ? [time(nextUpdate, opts.timeEncoding)] : []),
  ]);
}

/** Signature value for a TBS, flipped in its last octet when corruption is asked for. */
export function crlSignature(opts: CrlOptions, tbs: Uint8Array): Uint8Array {
  const key = opts.signingKey ?? opts.issuer.key;
  const sig = sign(key, tbs, opts.signature);
  if (opts.corruptSignature) sig[sig.length - 1]! ^= 0x01;
  return sig;
}

export function trailingOctets(t: Uint8Array | number | undefined): Uint8Array {
  return t === undefined ? new Uint8Array(0) : typeof t === 'number' ? new Uint8Array(t) : t;
}

/** A signed CertificateList DER. */
export function makeCrl(opts: CrlOptions): Uint8Array {
  const key = opts.signingKey ?? opts.issuer.key;
  const sigAlg = signatureAlgorithm(key, opts.signature);
  const thisUpdate = opts.thisUpdate ?? DEFAULT_THIS_UPDATE;
  const entries = opts.entries ?? [];
  const exts = crlExtensionList(opts);
  const tbs = sequence(
    crlTbsPrefix(opts, sigAlg),
    ...(entries.length || opts.emptyRevokedList
      ? [sequenceOf(entries.map((e) => crlEntry(e, thisUpdate, opts.timeEncoding)))]
      : []),
    ...(exts.length ? [explicit(0, sequence(...exts.map(extension)))] : []),
  );
  const der = sequence(tbs, opts.outerSignatureAlgorithm ?? sigAlg, bitString(crlSignature(opts, tbs)));
  return opts.trailingBytes === undefined ? der : concat([der, trailingOctets(opts.trailingBytes)]);
}
