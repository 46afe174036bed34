/**
 * X.509 v3 extensions and GeneralNames shared by certificates and CRLs (RFC 5280 4.2, 5.2, 5.3).
 */
import {
  boolean,
  enumerated,
  explicit,
  ia5String,
  implicit,
  integerOf,
  name,
  namedBits,
  octetString,
  oid,
  rdn,
  sequence,
  time,
  type AttrValue,
  type NameInput,
} from './der.js';

export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  certificateIssuer: '2.5.29.29',
  cRLDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  freshestCRL: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** An extension written as given: `value` is the extnValue content (the DER inside the OCTET STRING). */
export interface ExtensionSpec {
  oid: string;
  critical?: boolean;
  value: Uint8Array;
  /** Write this complete extnID TLV instead of `oid`'s encoding (a padded, non-minimal OID). */
  oidDer?: Uint8Array;
  /** Write `critical FALSE` out, which DER forbids (X.690 11.5: a DEFAULT value is omitted). */
  writeCriticalFalse?: boolean;
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (omitted when false), extnValue }. */
export function extension(spec: ExtensionSpec): Uint8Array {
  const critical = spec.critical ? [boolean(true)] : spec.writeCriticalFalse ? [boolean(false)] : [];
  return sequence(spec.oidDer ?? oid(spec.oid), ...critical, octetString(spec.value));
}

/** Extensions ::= SEQUENCE OF Extension; an empty list gives the empty SEQUENCE `30 00`. */
export function extensions(specs: readonly ExtensionSpec[]): Uint8Array {
  return sequence(...specs.map(extension));
}

export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KEY_USAGE_BITS;

export function keyUsageValue(usages: readonly KeyUsageName[]): Uint8Array {
  return namedBits(usages.map((u) => KEY_USAGE_BITS[u]));
}

export function basicConstraintsValue(ca: boolean, pathLen?: number): Uint8Array {
  return sequence(...(ca ? [boolean(true)] : []), ...(pathLen === undefined ? [] : [integerOf(pathLen)]));
}

/** AuthorityKeyIdentifier with only [0] keyIdentifier, the form RFC 5280 requires of conforming CAs. */
export function authorityKeyIdValue(keyId: Uint8Array): Uint8Array {
  return sequence(implicit(0, octetString(keyId)));
}

export const REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type ReasonName = keyof typeof REASONS;

/** ReasonFlags bit positions (RFC 5280 4.2.1.13); they differ from CRLReason values above 6. */
export const REASON_FLAG_BITS = {
  unused: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 7,
  aACompromise: 8,
} as const;
export type ReasonFlagName = keyof typeof REASON_FLAG_BITS;

export function reasonFlags(reasons: readonly ReasonFlagName[]): Uint8Array {
  return namedBits(reasons.map((r) => REASON_FLAG_BITS[r]));
}

export function reasonCodeValue(reason: ReasonName | number): Uint8Array {
  return enumerated(typeof reason === 'number' ? reason : REASONS[reason]);
}

export function invalidityDateValue(d: Date): Uint8Array {
  return time(d, 'generalized');
}

/**
 * A GeneralName: a bare string is a URI; `{dn}` a directoryName; `{dns}` a dNSName; `{der}` a complete
 * GeneralName encoding written as given.
 */
export type GeneralNameSpec = string | { uri: string } | { dn: NameInput } | { dns: string } | { der: Uint8Array };

export function generalName(spec: GeneralNameSpec): Uint8Array {
  if (typeof spec === 'string') return implicit(6, ia5String(spec));
  if ('uri' in spec) return implicit(6, ia5String(spec.uri));
  if ('dns' in spec) return implicit(2, ia5String(spec.dns));
  if ('dn' in spec) return explicit(4, name(spec.dn)); // Name is a CHOICE, so its tag stays explicit.
  return spec.der;
}

export function generalNames(specs: readonly GeneralNameSpec[]): Uint8Array {
  return sequence(...specs.map(generalName));
}

/** DistributionPointName: fullName [0] GeneralNames, or nameRelativeToCRLIssuer [1] one RDN. */
export type DistributionPointNameSpec =
  | { fullName: readonly GeneralNameSpec[] }
  | { relativeName: Readonly<Record<string, AttrValue>> };

function distributionPointName(spec: DistributionPointNameSpec): Uint8Array {
  // DistributionPointName is a CHOICE, so the enclosing [0] is explicit; its alternatives are implicit.
  const inner = 'fullName' in spec ? implicit(0, generalNames(spec.fullName)) : implicit(1, rdn(spec.relativeName));
  return explicit(0, inner);
}

/** One DistributionPoint of a certificate: a bare string is one fullName URI. */
export type DistributionPointSpec =
  | string
  | {
      fullName?: readonly GeneralNameSpec[];
      relativeName?: Readonly<Record<string, AttrValue>>;
      reasons?: readonly ReasonFlagName[];
      crlIssuer?: readonly GeneralNameSpec[];
    };

export function crlDistributionPointsValue(points: readonly DistributionPointSpec[]): Uint8Array {
  return sequence(
    ...points.map((p) => {
      if (typeof p === 'string') return sequence(distributionPointName({ fullName: [p] }));
      const parts: Uint8Array[] = [];
      if (p.fullName) parts.push(distributionPointName({ fullName: p.fullName }));
      else if (p.relativeName) parts.push(distributionPointName({ relativeName: p.relativeName }));
      if (p.reasons) parts.push(implicit(1, reasonFlags(p.reasons)));
      if (p.crlIssuer) parts.push(implicit(2, generalNames(p.crlIssuer)));
      return sequence(...parts);
    }),
  );
}

/** IssuingDistributionPoint contents (RFC 5280 5.2.5); booleans are written only when true (DEFAULT FALSE). */
export interface IssuingDistributionPointSpec {
  /** fullName URIs (bare strings) or other GeneralNames. */
  fullName?: readonly GeneralNameSpec[];
  relativeName?: Readonly<Record<string, AttrValue>>;
  onlyContainsUserCerts?: boolean;
  onlyContainsCACerts?: boolean;
  onlySomeReasons?: readonly ReasonFlagName[];
  indirectCRL?: boolean;
  onlyContainsAttributeCerts?: boolean;
  /** RFC 5280 says critical; default true. */
  critical?: boolean;
}

export function issuingDistributionPointValue(spec: IssuingDistributionPointSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  if (spec.fullName) parts.push(distributionPointName({ fullName: spec.fullName }));
  else if (spec.relativeName) parts.push(distributionPointName({ relativeName: spec.relativeName }));
  const flag = (n: number, on: boolean | undefined) => {
    if (on) parts.push(implicit(n, boolean(true)));
  };
  flag(1, spec.onlyContainsUserCerts);
  flag(2, spec.onlyContainsCACerts);
  if (spec.onlySomeReasons) parts.push(implicit(3, reasonFlags(spec.onlySomeReasons)));
  flag(4, spec.indirectCRL);
  flag(5, spec.onlyContainsAttributeCerts);
  return sequence(...parts);
}
