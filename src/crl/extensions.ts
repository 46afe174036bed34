import {
  expectTlv,
  Extension,
  extensionOid,
  fail,
  hexOf,
  idCeArc,
  integerBigInt,
  isMinimalInteger,
  readNamedBits,
  readBoolean,
  readExtensionList,
  readTlv,
  TAG,
  Tlv,
  valueTlv,
} from '../der/index.js';
import { distributionPointNameKeys } from '../x509/general-name.js';
import { readAkiFields } from '../x509/extensions.js';
import type { CrlScope } from './scope.js';

const M = 'crl.malformed' as const;

/** What a CRL's crlExtensions say, read without judging whether this project consumes such a CRL. */
export interface CrlExtensionFacts {
  authorityKeyId?: Uint8Array;
  /** cRLNumber (RFC 5280 5.2.3): 0 <= n < 2^160, non-critical */
  crlNumber?: bigint;
  /** deltaCRLIndicator's BaseCRLNumber (RFC 5280 5.2.4): present only on a delta CRL */
  deltaBaseCrlNumber?: bigint;
  /** freshestCRL (RFC 5280 5.2.6): present, and whether critical (then the CRL is unusable without its delta) */
  freshestCrl?: { critical: boolean };
  scope: CrlScope;
  /** issuingDistributionPoint indirectCRL asserted */
  indirect: boolean;
  /** issuingDistributionPoint onlySomeReasons as ReasonFlags bits (bit i = `1 << i`), when present */
  onlySomeReasons?: number;
  /** dotted OIDs of critical extensions this code does not recognise */
  unknownCritical: string[];
}

const AIA = '2B06010505070101'; // 1.3.6.1.5.5.7.1.1 authorityInfoAccess

/** The largest CRL number RFC 5280 5.2.3 allows is 20 octets of value: 2^160 - 1. */
export const CRL_NUMBER_LIMIT = 1n << 160n;

/**
 * Reads crlExtensions (the SEQUENCE OF Extension TLV). Refuses only what is malformed (crl.malformed): what this
 * project does not consume (delta, indirect, reason-partitioned, unknown critical) is reported for the policy step.
 */
export function readCrlExtensions(der: Uint8Array, list: Tlv, issuerDer: Uint8Array): CrlExtensionFacts {
  const out: CrlExtensionFacts = {
    scope: { onlyUserCerts: false, onlyCaCerts: false, onlyAttributeCerts: false, distributionPoints: [] },
    indirect: false,
    unknownCritical: [],
  };
  for (const ext of readExtensionList(der, list.body, list.end, M, 'CRL crlExtensions')) {
    switch (idCeArc(der, ext)) {
      case 0x23: // authorityKeyIdentifier
        if (ext.critical) fail(M, 'CRL authorityKeyIdentifier is critical (RFC 5280 4.2.1.1: MUST be non-critical)');
        out.authorityKeyId = readAki(der, ext);
        continue;
      case 0x14: // cRLNumber
        if (ext.critical) fail(M, 'CRL cRLNumber is critical (RFC 5280 5.2.3: MUST be non-critical)');
        out.crlNumber = readCrlNumber(der, ext, 'CRL cRLNumber');
        continue;
      case 0x1b: // deltaCRLIndicator
        if (!ext.critical) fail(M, 'CRL deltaCRLIndicator is not critical (RFC 5280 5.2.4: MUST be critical)');
        out.deltaBaseCrlNumber = readCrlNumber(der, ext, 'CRL deltaCRLIndicator BaseCRLNumber');
        continue;
      case 0x1c:
        readIdp(der, ext, issuerDer, out);
        continue;
      case 0x2e: // freshestCRL: CRLDistributionPoints, not read further here
        valueTlv(der, ext, TAG.SEQUENCE, M, 'CRL freshestCRL');
        out.freshestCrl = { critical: ext.critical };
        continue;
      case 0x12: // issuerAltName
        valueTlv(der, ext, TAG.SEQUENCE, M, 'CRL issuerAltName');
        continue;
      case 0x3c: // expiredCertsOnCRL: GeneralizedTime in X.509, UTCTime in real CRLs; not read, so either is taken
        oneTlv(der, ext, 'CRL expiredCertsOnCRL');
        continue;
    }
    if (hexOf(der, ext.oidStart, ext.oidEnd) === AIA) {
      valueTlv(der, ext, TAG.SEQUENCE, M, 'CRL authorityInfoAccess');
      continue;
    }
    if (ext.critical) out.unknownCritical.push(extensionOid(der, ext));
  }
  return out;
}

function oneTlv(der: Uint8Array, ext: Extension, what: string): void {
  const v = readTlv(der, ext.valueStart, ext.valueEnd, new Tlv(), M, what);
  if (v.end !== ext.valueEnd) fail(M, `${what}: data after the value inside extnValue`);
}

/** CRLNumber / BaseCRLNumber: a minimal INTEGER, 0 <= n < 2^160 (RFC 5280 5.2.3, 5.2.4). */
function readCrlNumber(der: Uint8Array, ext: Extension, what: string): bigint {
  const n = valueTlv(der, ext, TAG.INTEGER, M, what);
  if (!isMinimalInteger(der, n.body, n.end)) fail(M, `${what}: INTEGER is not minimally encoded (X.690 8.3.2)`);
  const v = integerBigInt(der, n.body, n.end, M, what);
  if (v < 0n) fail(M, `${what} is negative (RFC 5280 5.2.3)`);
  if (v >= CRL_NUMBER_LIMIT) fail(M, `${what} is longer than 20 octets (RFC 5280 5.2.3)`);
  return v;
}

function readAki(der: Uint8Array, ext: Extension): Uint8Array | undefined {
  const seq = valueTlv(der, ext, TAG.SEQUENCE, M, 'CRL authorityKeyIdentifier');
  return readAkiFields(der, seq, M, 'CRL authorityKeyIdentifier');
}

/** issuingDistributionPoint (RFC 5280 5.2.5) into `out`: the scope, indirectCRL, onlySomeReasons. */
function readIdp(der: Uint8Array, ext: Extension, issuerDer: Uint8Array, out: CrlExtensionFacts): void {
  const what = 'CRL issuingDistributionPoint';
  const seq = valueTlv(der, ext, TAG.SEQUENCE, M, what);
  // "conforming CRL issuers MUST NOT issue CRLs where the DER encoding of the IDP extension is an empty sequence"
  if (seq.body === seq.end) fail(M, `${what}: an empty SEQUENCE (RFC 5280 5.2.5)`);
  const scope = out.scope;
  const f = new Tlv();
  let last = -1;
  for (let p = seq.body; p < seq.end; p = f.end) {
    readTlv(der, p, seq.end, f, M, what);
    const n = f.tag & 0x1f;
    if ((f.tag & 0xc0) !== 0x80 || n <= last || n > 5) fail(M, `${what}: unexpected field`);
    last = n;
    if (n === 0) {
      if (f.tag !== 0xa0) fail(M, `${what}: distributionPoint is not constructed`);
      const name = readTlv(der, f.body, f.end, new Tlv(), M, what);
      if (name.end !== f.end) fail(M, `${what}: extra data in distributionPoint`);
      if (name.tag === 0xa0 && name.body === name.end) fail(M, `${what}: fullName is an empty GeneralNames (RFC 5280 4.2.1.6)`);
      scope.distributionPoints = distributionPointNameKeys(der, name, issuerDer, M);
      continue;
    }
    if (n === 3) {
      if (f.tag !== 0x83) fail(M, `${what}: onlySomeReasons is not a primitive BIT STRING`);
      out.onlySomeReasons = readNamedBits(der, f, M, `${what} onlySomeReasons`);
      continue;
    }
    if (f.tag !== 0x80 + n) fail(M, `${what}: field [${n}] is not a primitive BOOLEAN`);
    // The four flags are BOOLEAN DEFAULT FALSE: DER writes them only when TRUE (X.690 11.5)
    if (!readBoolean(der, f, M, what)) fail(M, `${what}: field [${n}] is FALSE written out; DER omits a DEFAULT value (X.690 11.5)`);
    if (n === 1) scope.onlyUserCerts = true;
    else if (n === 2) scope.onlyCaCerts = true;
    else if (n === 4) out.indirect = true;
    else scope.onlyAttributeCerts = true;
  }
  if (Number(scope.onlyUserCerts) + Number(scope.onlyCaCerts) + Number(scope.onlyAttributeCerts) > 1) {
    fail(M, `${what}: more than one of onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts (RFC 5280 5.2.5)`);
  }
}
