import * as DER from '../der/index.js';
import { MAX_CRL_ENTRIES, overLimit } from '../limits.js';
import { SerialKeysBuilder, type SerialKeys } from './types.js';

// Imported bindings can compile to property getters (CommonJS interop in test runners and bundlers); the loop
// below runs millions of times, so it reads module-local copies.
const { fail, minimalIntegerStart, readTlv, Tlv } = DER;
const MAX_SERIAL_OCTETS = DER.MAX_SERIAL_OCTETS;
const MAX_ENTRIES = MAX_CRL_ENTRIES;
const SEQUENCE = DER.TAG.SEQUENCE;
const INTEGER = DER.TAG.INTEGER;
const UTC_TIME = DER.TAG.UTC_TIME;
const GENERALIZED_TIME = DER.TAG.GENERALIZED_TIME;
const OID = DER.TAG.OID;
const BOOLEAN = DER.TAG.BOOLEAN;
const OCTET_STRING = DER.TAG.OCTET_STRING;
const ENUMERATED = DER.TAG.ENUMERATED;

const M = 'crl.malformed' as const;

/** reasonCode removeFromCRL (RFC 5280 5.3.1): the entry un-does a hold and revokes nothing. */
export const REMOVE_FROM_CRL = 8;

/**
 * One pass over revokedCertificates content [start, end): every revoking entry's serial key goes into a flat
 * arena; nothing is allocated per entry. Entry extensions are checked as it goes (RFC 5280 5.3).
 */
export function streamRevoked(der: Uint8Array, start: number, end: number): { entries: number; keys: SerialKeys } {
  const len = end - start;
  // Typical entries are 30-50 octets with 8-20 octet serials; start there and let the arena double.
  const builder = new SerialKeysBuilder(Math.ceil(len / 36), Math.ceil(len / 3));
  const e = new Tlv();
  const t = new Tlv();
  const x = new Tlv();
  const v = new Tlv();
  let entries = 0;
  for (let p = start; p < end; p = e.end) {
    readTlv(der, p, end, e, M, 'CRL entry');
    if (e.tag !== SEQUENCE) fail(M, `CRL entry ${entries}: not a SEQUENCE`);
    if (++entries > MAX_ENTRIES) overLimit(M, 'CRL revokedCertificates', `over ${MAX_ENTRIES}`, MAX_ENTRIES, 'entries');
    readTlv(der, e.body, e.end, t, M, 'CRL entry userCertificate');
    if (t.tag !== INTEGER || t.end === t.body) fail(M, `CRL entry ${entries - 1}: userCertificate is not an INTEGER`);
    const ks = minimalIntegerStart(der, t.body, t.end);
    const ke = t.end;
    if (ke - ks > MAX_SERIAL_OCTETS) overLimit(M, `CRL entry ${entries - 1}: serial`, ke - ks, MAX_SERIAL_OCTETS, 'octets');
    const d = readTlv(der, ke, e.end, t, M, 'CRL entry revocationDate');
    if (!((d.tag === UTC_TIME && t.end - t.body === 13) || (d.tag === GENERALIZED_TIME && d.end - d.body >= 15))) {
      fail(M, `CRL entry ${entries - 1}: revocationDate is not a UTCTime or GeneralizedTime`);
    }
    let revokes = true;
    if (t.end < e.end) {
      const xs = readTlv(der, t.end, e.end, t, M, 'CRL entry crlEntryExtensions');
      if (xs.tag !== SEQUENCE || t.end !== e.end) fail(M, `CRL entry ${entries - 1}: bad crlEntryExtensions`);
      // An empty SEQUENCE (30 00) is not valid DER but real CAs write it; it means no extensions.
      for (let q = t.body; q < t.end; q = x.end) {
        readTlv(der, q, t.end, x, M, 'CRL entry extension');
        if (x.tag !== SEQUENCE) fail(M, `CRL entry ${entries - 1}: extension is not a SEQUENCE`);
        readTlv(der, x.body, x.end, v, M, 'CRL entry extension id');
        if (v.tag !== OID) fail(M, `CRL entry ${entries - 1}: extension id is not an OID`);
        const oidStart = v.body;
        const oidLen = v.end - v.body;
        const c = readTlv(der, v.end, x.end, v, M, 'CRL entry extension');
        let critical = false;
        if (c.tag === BOOLEAN) {
          if (v.end - v.body !== 1 || (der[v.body] !== 0 && der[v.body] !== 0xff)) {
            fail(M, `CRL entry ${entries - 1}: extension critical flag is not a DER BOOLEAN`);
          }
          critical = der[v.body] === 0xff;
          readTlv(der, v.end, x.end, v, M, 'CRL entry extension value');
        }
        if (c.tag !== OCTET_STRING || c.end !== x.end) fail(M, `CRL entry ${entries - 1}: extension value is not an OCTET STRING`);
        const idCe = oidLen === 3 && der[oidStart] === 0x55 && der[oidStart + 1] === 0x1d ? der[oidStart + 2]! : -1;
        if (idCe === 0x15) {
          // reasonCode: ENUMERATED inside the OCTET STRING
          const vb = v.body;
          if (v.end - vb !== 3 || der[vb] !== ENUMERATED || der[vb + 1] !== 1) {
            fail(M, `CRL entry ${entries - 1}: reasonCode is not a one-octet ENUMERATED`);
          }
          if (der[vb + 2] === REMOVE_FROM_CRL) revokes = false;
        } else if (idCe === 0x1d) {
          fail(
            'crl.indirect-unsupported',
            'CRL entry has a certificateIssuer extension (RFC 5280 5.3.3): an indirect CRL, which is not consumed',
          );
        } else if (idCe !== 0x18 && critical) {
          fail(
            'crl.unsupported-critical-extension',
            `CRL entry ${entries - 1} has an unrecognised critical extension (RFC 5280 5.3)`,
          );
        }
      }
    }
    if (revokes) builder.push(der, ks, ke);
  }
  return { entries, keys: builder.finish() };
}
