import {
  expectTlv,
  fail,
  hexOf,
  integerBigInt,
  oidText,
  readBoolean,
  readTlv,
  TAG,
  Tlv,
} from '../der/index.js';
import { MAX_EXTENSIONS, overLimit } from '../limits.js';
import { distributionPointNameKeys } from '../x509/general-name.js';
import type { CrlScope } from './scope.js';

const M = 'crl.malformed' as const;

export interface CrlExtensionFacts {
  authorityKeyId?: Uint8Array;
  crlNumber?: bigint;
  scope: CrlScope;
}

const AIA = '2b06010505070101'; // 1.3.6.1.5.5.7.1.1 authorityInfoAccess

/**
 * Reads crlExtensions (the SEQUENCE OF Extension TLV) and refuses what this project does not consume:
 * delta, indirect and reason-partitioned CRLs, and any critical extension it does not know (RFC 5280 5.2).
 */
export function readCrlExtensions(der: Uint8Array, list: Tlv, issuerDer: Uint8Array): CrlExtensionFacts {
  const out: CrlExtensionFacts = {
    scope: { onlyUserCerts: false, onlyCaCerts: false, onlyAttributeCerts: false, distributionPoints: [] },
  };
  const ext = new Tlv();
  const t = new Tlv();
  const seen = new Set<string>();
  for (let p = list.body; p < list.end; p = ext.end) {
    expectTlv(der, p, list.end, TAG.SEQUENCE, ext, M, 'CRL extension');
    expectTlv(der, ext.body, ext.end, TAG.OID, t, M, 'CRL extension id');
    const oidHex = hexOf(der, t.body, t.end).toLowerCase();
    const oidStart = t.body;
    const oidEnd = t.end;
    if (seen.size >= MAX_EXTENSIONS) overLimit(M, 'CRL extensions', `over ${MAX_EXTENSIONS}`, MAX_EXTENSIONS, 'extensions');
    if (seen.has(oidHex)) fail(M, `CRL extension ${oidText(der, oidStart, oidEnd)} appears twice (RFC 5280 5.2)`);
    seen.add(oidHex);
    readTlv(der, t.end, ext.end, t, M, 'CRL extension');
    let critical = false;
    if (t.tag === TAG.BOOLEAN) {
      critical = readBoolean(der, t, M, 'CRL extension critical');
      readTlv(der, t.end, ext.end, t, M, 'CRL extension value');
    }
    if (t.tag !== TAG.OCTET_STRING || t.end !== ext.end) fail(M, 'CRL extension value is not an OCTET STRING');
    const vs = t.body;
    const ve = t.end;
    if (oidHex.length === 6 && oidHex.startsWith('551d')) {
      switch (der[oidStart + 2]) {
        case 0x23: // authorityKeyIdentifier
          out.authorityKeyId = readAki(der, vs, ve);
          continue;
        case 0x14: {
          // cRLNumber
          const n = expectTlv(der, vs, ve, TAG.INTEGER, new Tlv(), M, 'CRL cRLNumber');
          if (n.end !== ve) fail(M, 'CRL cRLNumber: extra data');
          const v = integerBigInt(der, n.body, n.end, M, 'CRL cRLNumber');
          if (v < 0n) fail(M, 'CRL cRLNumber is negative (RFC 5280 5.2.3)');
          out.crlNumber = v;
          continue;
        }
        case 0x1b:
          fail('crl.delta-unsupported', 'CRL is a delta CRL (RFC 5280 5.2.4); delta CRLs are not consumed');
        case 0x1c:
          out.scope = readIdp(der, vs, ve, issuerDer);
          continue;
        case 0x12: // issuerAltName
        case 0x2e: // freshestCRL
        case 0x3c: // expiredCertsOnCRL
          continue;
      }
    } else if (oidHex === AIA) continue;
    if (critical) {
      fail(
        'crl.unsupported-critical-extension',
        `CRL extension ${oidText(der, oidStart, oidEnd)} is critical and not recognised (RFC 5280 5.2)`,
      );
    }
  }
  return out;
}

function readAki(der: Uint8Array, vs: number, ve: number): Uint8Array | undefined {
  const seq = expectTlv(der, vs, ve, TAG.SEQUENCE, new Tlv(), M, 'CRL authorityKeyIdentifier');
  if (seq.end !== ve) fail(M, 'CRL authorityKeyIdentifier: extra data');
  if (seq.body === seq.end) return undefined;
  const k = readTlv(der, seq.body, seq.end, new Tlv(), M, 'CRL authorityKeyIdentifier');
  return k.tag === 0x80 ? der.subarray(k.body, k.end) : undefined;
}

/** issuingDistributionPoint (RFC 5280 5.2.5) as a scope. */
function readIdp(der: Uint8Array, vs: number, ve: number, issuerDer: Uint8Array): CrlScope {
  const what = 'CRL issuingDistributionPoint';
  const seq = expectTlv(der, vs, ve, TAG.SEQUENCE, new Tlv(), M, what);
  if (seq.end !== ve) fail(M, `${what}: extra data`);
  const scope: CrlScope = { onlyUserCerts: false, onlyCaCerts: false, onlyAttributeCerts: false, distributionPoints: [] };
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
      scope.distributionPoints = distributionPointNameKeys(der, name, issuerDer, M);
      continue;
    }
    if (n === 3) {
      fail(
        'crl.reasons-partition-unsupported',
        'CRL covers only some revocation reasons (issuingDistributionPoint onlySomeReasons, RFC 5280 5.2.5); ' +
          'reason-partitioned CRLs are not consumed',
      );
    }
    if (f.tag !== 0x80 + n) fail(M, `${what}: field [${n}] is not a primitive BOOLEAN`);
    const value = readBoolean(der, f, M, what);
    if (n === 1) scope.onlyUserCerts = value;
    else if (n === 2) scope.onlyCaCerts = value;
    else if (n === 5) scope.onlyAttributeCerts = value;
    else if (n === 4 && value) {
      fail(
        'crl.indirect-unsupported',
        'CRL is an indirect CRL (issuingDistributionPoint indirectCRL, RFC 5280 5.2.5); indirect CRLs are not consumed',
      );
    }
  }
  if (Number(scope.onlyUserCerts) + Number(scope.onlyCaCerts) + Number(scope.onlyAttributeCerts) > 1) {
    fail(M, `${what}: more than one of onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts (RFC 5280 5.2.5)`);
  }
  return scope;
}
