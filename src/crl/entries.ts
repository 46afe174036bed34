import * as DER from '../der/index.js';
import { MAX_CRL_ENTRIES, MAX_EXTENSIONS, overLimit } from '../limits.js';
import { SerialKeysBuilder, type SerialKeys } from './types.js';

// Imported bindings can compile to property getters (CommonJS interop in test runners and bundlers); the loop
// below runs millions of times, so it reads module-local copies.
const { fail, minimalIntegerStart, readTlv, Tlv, readExtension, Extension, isRfc5280Time, isGeneralizedTimeZ, isMinimalOid } = DER;
const MAX_SERIAL_OCTETS = DER.MAX_SERIAL_OCTETS;
const MAX_ENTRIES = MAX_CRL_ENTRIES;
const SEQUENCE = DER.TAG.SEQUENCE;
const INTEGER = DER.TAG.INTEGER;
const ENUMERATED = DER.TAG.ENUMERATED;
const GENERALIZED_TIME = DER.TAG.GENERALIZED_TIME;
const OID = DER.TAG.OID;

const M = 'crl.malformed' as const;

/** reasonCode removeFromCRL (RFC 5280 5.3.1): the entry un-does a hold and revokes nothing. */
export const REMOVE_FROM_CRL = 8;
/** reasonCode certificateHold (RFC 5280 5.3.1): revoked for now; a later delta may remove it. */
export const CERTIFICATE_HOLD = 6;
/** In `CrlEntries.reasons`: the entry has no reasonCode. */
export const NO_REASON = 0xff;

/** The revokedCertificates list as read: nothing judged but well-formedness (internals.md "Serial key arena"). */
export interface CrlEntries {
  /** raw entries */
  count: number;
  /** serial keys of the entries that revoke: every entry but those whose reasonCode is removeFromCRL */
  keys: SerialKeys;
  /** reasonCode of keys[i] (CRLReason value), NO_REASON when absent; CERTIFICATE_HOLD marks a hold */
  reasons: Uint8Array;
  /**
   * serial keys of the entries whose reasonCode is removeFromCRL (a delta's "no longer on hold"). A serial may be
   * both here and in `keys` (listed twice): the revoking entry stands.
   */
  removed: SerialKeys;
  /** some entry has a certificateIssuer extension (RFC 5280 5.3.3): entries may belong to another issuer */
  certificateIssuer: boolean;
  /** dotted OID of the first critical entry extension not recognised */
  unknownCritical?: string;
}

/** id-ce arcs of the entry extensions read here (RFC 5280 5.3). */
const REASON_CODE = 0x15;
const HOLD_INSTRUCTION = 0x17;
const INVALIDITY_DATE = 0x18;
const CERTIFICATE_ISSUER = 0x1d;

/** Valid CRLReason values (RFC 5280 5.3.1): 0-6 and 8-10; 7 is unused. */
const VALID_REASON = (v: number): boolean => v <= 10 && v !== 7;

/**
 * One pass over revokedCertificates content [start, end): every entry's serial key goes into a flat arena; nothing
 * is allocated per entry. `v2` is whether the CRL has a version field: a v1 CRL has no entry extensions
 * (RFC 5280 5.1.2.1).
 */
export function streamRevoked(der: Uint8Array, start: number, end: number, v2: boolean): CrlEntries {
  const len = end - start;
  // Typical entries are 30-50 octets with 8-20 octet serials: an entry is its serial plus at least 19 octets
  // (two headers and a UTCTime), so 16-octet serials are at most 0.46 of the list. Starting the arena there means
  // a typical CRL never grows it: at 1e7 entries a doubling held the old and new arenas (126 + 252 MB) beside the
  // CRL, and left 94 MB unused until the blob was written (issue #11).
  const builder = new SerialKeysBuilder(Math.ceil(len / 36), Math.ceil(len * 0.46));
  const removed = new SerialKeysBuilder(0, 0);
  let reasons = new Uint8Array(Math.max(16, Math.ceil(len / 36)));
  const e = new Tlv();
  const t = new Tlv();
  const x = new Extension();
  const xt = new Tlv();
  // OID ranges of the current entry's extensions, for the duplicate test
  const seen = new Int32Array(2 * MAX_EXTENSIONS);
  let certificateIssuer = false;
  let unknownCritical: string | undefined;
  let entries = 0;
  for (let p = start; p < end; p = e.end) {
    readTlv(der, p, end, e, M, 'CRL entry');
    const n = entries;
    if (e.tag !== SEQUENCE) fail(M, `CRL entry ${n}: not a SEQUENCE`);
    if (++entries > MAX_ENTRIES) overLimit(M, 'CRL revokedCertificates', `over ${MAX_ENTRIES}`, MAX_ENTRIES, 'entries');
    readTlv(der, e.body, e.end, t, M, 'CRL entry userCertificate');
    if (t.tag !== INTEGER || t.end === t.body) fail(M, `CRL entry ${n}: userCertificate is not an INTEGER`);
    const ks = minimalIntegerStart(der, t.body, t.end);
    const ke = t.end;
    if (ke - ks > MAX_SERIAL_OCTETS) overLimit(M, `CRL entry ${n}: serial`, ke - ks, MAX_SERIAL_OCTETS, 'octets');
    readTlv(der, ke, e.end, t, M, 'CRL entry revocationDate');
    if (!isRfc5280Time(der, t.tag, t.body, t.end)) {
      fail(M, `CRL entry ${n}: revocationDate is not an RFC 5280 time (RFC 5280 5.1.2.6, 4.1.2.5)`);
    }
    let reason = NO_REASON;
    if (t.end < e.end) {
      const xs = readTlv(der, t.end, e.end, t, M, 'CRL entry crlEntryExtensions');
      if (xs.tag !== SEQUENCE || t.end !== e.end) fail(M, `CRL entry ${n}: bad crlEntryExtensions`);
      if (!v2) fail(M, `CRL entry ${n} has extensions in a v1 CRL (RFC 5280 5.1.2.1: extensions need version 2)`);
      // An empty SEQUENCE (30 00) breaks SIZE (1..MAX), but real CAs write it (test/crl/conformance.test.ts); it
      // says nothing, so the entry revokes as one without extensions would: read as none (docs/conformance.md).
      let count = 0;
      for (let q = t.body; q < t.end; q = x.end) {
        readExtension(der, q, t.end, x, xt, M, `CRL entry ${n} extension`);
        if (count >= MAX_EXTENSIONS) overLimit(M, `CRL entry ${n} extensions`, `over ${MAX_EXTENSIONS}`, MAX_EXTENSIONS, 'extensions');
        const ol = x.oidEnd - x.oidStart;
        for (let i = 0; i < count; i++) {
          const s = seen[2 * i]!;
          if (seen[2 * i + 1]! - s !== ol) continue;
          let same = true;
          for (let j = 0; j < ol; j++) if (der[s + j] !== der[x.oidStart + j]) same = false;
          if (same) fail(M, `CRL entry ${n}: extension ${DER.oidText(der, x.oidStart, x.oidEnd)} appears twice (RFC 5280 5.3)`);
        }
        seen[2 * count] = x.oidStart;
        seen[2 * count + 1] = x.oidEnd;
        count++;
        const idCe = ol === 3 && der[x.oidStart] === 0x55 && der[x.oidStart + 1] === 0x1d ? der[x.oidStart + 2]! : -1;
        const vb = x.valueStart;
        const vl = x.valueEnd - vb;
        if (idCe === REASON_CODE) {
          // one ENUMERATED, one octet (every CRLReason fits), nothing else: an entry's reason is one value
          if (vl !== 3 || der[vb] !== ENUMERATED || der[vb + 1] !== 1 || !VALID_REASON(der[vb + 2]!)) {
            fail(M, `CRL entry ${n}: reasonCode is not one CRLReason value (RFC 5280 5.3.1)`);
          }
          reason = der[vb + 2]!;
          continue;
        }
        if (idCe === INVALIDITY_DATE) {
          // GeneralizedTime always, seconds and Z, no fraction (RFC 5280 5.3.2)
          if (vl !== 17 || der[vb] !== GENERALIZED_TIME || der[vb + 1] !== 15 || !isGeneralizedTimeZ(der, vb + 2, x.valueEnd)) {
            fail(M, `CRL entry ${n}: invalidityDate is not a GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 5.3.2)`);
          }
        } else if (idCe === HOLD_INSTRUCTION) {
          if (der[vb] !== OID || vl < 3 || der[vb + 1] !== vl - 2 || !isMinimalOid(der, vb + 2, x.valueEnd)) {
            fail(M, `CRL entry ${n}: holdInstructionCode is not one OID (RFC 5280 5.3)`);
          }
        } else if (idCe === CERTIFICATE_ISSUER) {
          const g = readTlv(der, vb, x.valueEnd, new Tlv(), M, 'CRL entry certificateIssuer');
          if (g.tag !== SEQUENCE || g.end !== x.valueEnd || g.body === g.end) {
            fail(M, `CRL entry ${n}: certificateIssuer is not a non-empty GeneralNames (RFC 5280 5.3.3)`);
          }
          certificateIssuer = true;
        } else if (x.critical && unknownCritical === undefined) {
          unknownCritical = DER.oidText(der, x.oidStart, x.oidEnd);
        }
      }
    }
    // removeFromCRL revokes nothing (RFC 5280 5.3.1). It cannot hide a revocation: a second reasonCode in the entry
    // is refused above, and the same serial in another, revoking entry stays in `keys`.
    if (reason === REMOVE_FROM_CRL) {
      removed.push(der, ks, ke);
      continue;
    }
    if (builder.count >= reasons.length) {
      const grown = new Uint8Array(reasons.length * 2);
      grown.set(reasons);
      reasons = grown;
    }
    reasons[builder.count] = reason;
    builder.push(der, ks, ke);
  }
  const keys = builder.finish();
  const out: CrlEntries = {
    count: entries,
    keys,
    reasons: reasons.subarray(0, keys.count),
    removed: removed.finish(),
    certificateIssuer,
  };
  if (unknownCritical !== undefined) out.unknownCritical = unknownCritical;
  return out;
}

