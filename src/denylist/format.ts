import { CrlAuthorizerError } from '../errors.js';
import { MAX_DENYLIST_BYTES, MAX_DENYLIST_ENTRIES, MAX_DENYLIST_TEXT } from '../limits.js';

/**
 * The break-glass denylist object (DESIGN.md "Denylist"): `{"version": 1, "entries": [...]}`. Read strictly: an
 * unknown field, a second selector or a malformed value is `denylist.malformed` naming the entry, because a typo
 * in an emergency edit must be refused loudly, not read as "blocks nothing".
 */
export interface DenylistEntry {
  /** With `serial`: the issuing CA's key id (uppercase hex), as the certificate's authorityKeyIdentifier gives it. */
  issuerKeyId?: string;
  /** With `serial`: the issuer's RFC 4514 name, compared by RFC 5280 §7.1 rules. */
  issuer?: string;
  /** Serial in the DESIGN.md text form: uppercase hex of the absolute value, even digits, `-` if negative. */
  serial?: string;
  /** Lowercase hex SHA-256 of the certificate's DER. */
  sha256?: string;
  /** RFC 4514 subject name, compared by RFC 5280 §7.1 rules. */
  subject?: string;
  reason: string;
  addedBy: string;
  /** ISO-8601 UTC. */
  addedAt: string;
  /** ISO-8601 UTC; from this instant on the entry no longer matches. */
  expires?: string;
}

export interface Denylist {
  version: 1;
  entries: DenylistEntry[];
}

/** The limits live with the others in src/limits.ts. */
export { MAX_DENYLIST_BYTES, MAX_DENYLIST_ENTRIES, MAX_DENYLIST_TEXT };

export const EMPTY_DENYLIST: Denylist = Object.freeze({ version: 1, entries: [] }) as unknown as Denylist;

const FIELDS = new Set(['issuerKeyId', 'issuer', 'serial', 'sha256', 'subject', 'reason', 'addedBy', 'addedAt', 'expires']);

function malformed(message: string): never {
  throw new CrlAuthorizerError('denylist.malformed', `denylist: ${message}`);
}

/** Parses and checks the denylist object's bytes. Throws `denylist.malformed`. */
export function parseDenylist(bytes: Uint8Array): Denylist {
  if (bytes.length > MAX_DENYLIST_BYTES) malformed(`${bytes.length} bytes is over the limit of ${MAX_DENYLIST_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    malformed(`not JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) malformed('not a JSON object');
  for (const k of Object.keys(doc)) if (k !== 'version' && k !== 'entries') malformed(`unknown field "${k}"`);
  if (doc.version !== 1) malformed(`version ${JSON.stringify(doc.version)} is not supported (only 1)`);
  if (!Array.isArray(doc.entries)) malformed('"entries" is not an array');
  if (doc.entries.length > MAX_DENYLIST_ENTRIES) {
    malformed(`${doc.entries.length} entries is over the limit of ${MAX_DENYLIST_ENTRIES}`);
  }
  return { version: 1, entries: doc.entries.map((e, i) => checkEntry(e, `entries[${i}]`)) };
}

/** Checks one entry (also what `deny add` builds), returning it with its hex fields in canonical form. */
export function checkEntry(raw: unknown, where = 'entry'): DenylistEntry {
  if (!isObject(raw)) malformed(`${where} is not an object`);
  for (const k of Object.keys(raw)) if (!FIELDS.has(k)) malformed(`${where}: unknown field "${k}"`);
  const text = (k: string, required: boolean): string | undefined => {
    const v = raw[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.trim() === '') malformed(`${where}: "${k}" must be a non-empty string`);
    if (v.length > MAX_DENYLIST_TEXT) malformed(`${where}: "${k}" is over ${MAX_DENYLIST_TEXT} characters`);
    return v;
  };
  const entry: DenylistEntry = { reason: text('reason', true)!, addedBy: text('addedBy', true)!, addedAt: checkTime(text('addedAt', true)!, `${where}: addedAt`) };
  const expires = text('expires', false);
  if (expires !== undefined) entry.expires = checkTime(expires, `${where}: expires`);
  const serial = text('serial', false);
  const issuerKeyId = text('issuerKeyId', false);
  const issuer = text('issuer', false);
  const sha256 = text('sha256', false);
  const subject = text('subject', false);
  const selectors = [serial !== undefined, sha256 !== undefined, subject !== undefined].filter(Boolean).length;
  if (selectors !== 1) malformed(`${where}: give exactly one of serial (with issuer or issuerKeyId), sha256 or subject`);
  if (serial !== undefined) {
    if ((issuerKeyId === undefined) === (issuer === undefined)) {
      malformed(`${where}: a serial needs exactly one of issuerKeyId or issuer`);
    }
    entry.serial = canonicalSerial(serial, where);
    if (issuerKeyId !== undefined) entry.issuerKeyId = canonicalHex(issuerKeyId.replace(/:/g, ''), `${where}: issuerKeyId`).toUpperCase();
    if (issuer !== undefined) entry.issuer = issuer;
  } else if (issuerKeyId !== undefined || issuer !== undefined) {
    malformed(`${where}: issuer and issuerKeyId go only with a serial`);
  }
  if (sha256 !== undefined) {
    const hex = canonicalHex(sha256.replace(/:/g, ''), `${where}: sha256`);
    if (hex.length !== 64) malformed(`${where}: sha256 must be 32 bytes (64 hex digits), not ${hex.length / 2}`);
    entry.sha256 = hex;
  }
  if (subject !== undefined) entry.subject = subject;
  return entry;
}

/** The serial's DESIGN.md text form from hex of either case, with or without leading zeros. */
export function canonicalSerial(text: string, where = 'serial'): string {
  const m = /^(-?)(?:0x)?([0-9a-fA-F]+)$/.exec(text.replace(/:/g, ''));
  if (!m) malformed(`${where}: serial "${text}" is not hex`);
  const value = BigInt('0x' + m[2]!);
  let hex = value.toString(16).toUpperCase();
  if (hex.length % 2) hex = '0' + hex;
  return m[1] && value !== 0n ? '-' + hex : hex;
}

function canonicalHex(text: string, where: string): string {
  if (!/^([0-9a-fA-F]{2})+$/.test(text)) malformed(`${where}: "${text}" is not an even number of hex digits`);
  return text.toLowerCase();
}

/** Times as `Date.prototype.toISOString` writes them (milliseconds optional): one unambiguous UTC form. */
function checkTime(text: string, where: string): string {
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().replace('.000Z', 'Z') !== text.replace('.000Z', 'Z')) {
    malformed(`${where}: "${text}" is not an ISO-8601 UTC time (YYYY-MM-DDTHH:MM:SSZ)`);
  }
  return text;
}

export function serializeDenylist(list: Denylist): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ version: 1, entries: list.entries }, null, 2) + '\n');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
