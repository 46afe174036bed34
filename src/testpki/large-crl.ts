/**
 * Signed CRLs with millions of entries, for benchmarks and scale tests.
 *
 * Entries come from a seeded generator, so the CRL never has to be held as objects and a test can re-run the
 * same generator to learn which serials are in it. The DER is written straight into one preallocated buffer:
 * entries go after a fixed headroom, and once their total length is known the headers are written backwards
 * in front of them, so nothing is copied or encoded twice. Memory is about the CRL's own size.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { bitString, explicit, headerSize, lengthOctets, sequence, TAG, utcTime } from './der.js';
import { extension } from './extensions.js';
import { signatureAlgorithm } from './keys.js';
import {
  DEFAULT_THIS_UPDATE,
  crlExtensionList,
  crlSignature,
  crlTbsPrefix,
  trailingOctets,
  type CrlOptions,
} from './crl.js';

/** The generator's parameters: the same values always give the same entries in the same order. */
export interface EntryGeneratorOptions {
  count: number;
  /** @default 1 */
  seed?: number;
  /** Share of entries carrying a reasonCode extension. @default 0.25 */
  reasonShare?: number;
  /** Share of entries whose reasonCode is removeFromCRL (8), which revokes nothing. @default 0 */
  removeFromCrlShare?: number;
}

export interface LargeCrlOptions
  extends EntryGeneratorOptions,
    Omit<CrlOptions, 'entries' | 'emptyRevokedList' | 'timeEncoding'> {}

export interface LargeCrlResult {
  /** Size of the CRL file in octets (trailing bytes included). */
  bytes: number;
  entries: number;
  /** Entries with a reasonCode extension. */
  withReason: number;
  /** Entries with reasonCode removeFromCRL. */
  removeFromCrl: number;
}

/** Longest serial the generator writes: 20 content octets, the RFC 5280 limit. */
export const MAX_GENERATED_SERIAL_OCTETS = 20;
// SEQUENCE hdr 2 + INTEGER hdr 2 + 20 + UTCTime 15 + reasonCode extensions 14.
const MAX_ENTRY_OCTETS = 2 + 2 + MAX_GENERATED_SERIAL_OCTETS + 15 + 14;
const REVOCATION_DATES = 1024;
const REVOCATION_DATE_STEP_SECONDS = 3637; // odd, so the table spreads over seconds, minutes and hours
// Reasons that revoke, drawn uniformly when an entry has a reasonCode (certificateHold included).
const REVOKING_REASONS = Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 9, 10, 1, 1, 4, 4, 5, 5, 6);
// reasonCode extension inside crlEntryExtensions, reason octet last: 30 0C 30 0A 06 03 55 1D 15 04 03 0A 01 rr.
const REASON_EXTENSIONS = Uint8Array.of(0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0);

/**
 * The seeded entry generator. `next()` fills `serial[0..length)` with the INTEGER content octets of the next
 * entry (positive, minimal DER: 1..20 octets, about half of those of 2 octets or more starting with 00 because
 * the next octet has its high bit set) and sets `reason` (-1 for no reasonCode) and `dateIndex`.
 * Serials are in no order; short ones can repeat, as in a CRL with duplicate entries.
 */
export class EntryGenerator {
  readonly serial = new Uint8Array(MAX_GENERATED_SERIAL_OCTETS);
  length = 0;
  reason = -1;
  dateIndex = 0;
  private state: number;
  private readonly reasonLimit: number;
  private readonly removeLimit: number;

  constructor(opts: EntryGeneratorOptions) {
    this.state = (opts.seed ?? 1) >>> 0;
    const share = (s: number | undefined, d: number) => Math.floor(Math.min(1, Math.max(0, s ?? d)) * 2 ** 32);
    this.removeLimit = share(opts.removeFromCrlShare, 0);
    this.reasonLimit = Math.max(this.removeLimit, share(opts.reasonShare, 0.25));
  }

  // mulberry32: a fast 32-bit generator; statistical quality is ample for test data.
  private nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  next(): number {
    const r = this.nextU32();
    // Length mix: 70% 16..20 octets (today's CAs), 20% 8..15, 10% 1..7 (old CAs, small counters).
    const bucket = r % 10;
    const len = bucket < 7 ? 16 + ((r >>> 8) % 5) : bucket < 9 ? 8 + ((r >>> 8) % 8) : 1 + ((r >>> 8) % 7);
    const s = this.serial;
    for (let i = 0; i < len; i += 4) {
      const v = this.nextU32();
      s[i] = v;
      if (i + 1 < len) s[i + 1] = v >>> 8;
      if (i + 2 < len) s[i + 2] = v >>> 16;
      if (i + 3 < len) s[i + 3] = v >>> 24;
    }
    if (len >= 2 && r & 0x10000) {
      s[0] = 0; // a positive value whose top octet has the high bit set needs a leading 00
      s[1]! |= 0x80;
    } else {
      s[0] = (s[0]! & 0x7f) || 1;
    }
    this.length = len;
    const q = this.nextU32();
    this.dateIndex = q & (REVOCATION_DATES - 1);
    const p = this.nextU32();
    this.reason = p < this.removeLimit ? 8 : p < this.reasonLimit ? REVOKING_REASONS[q >>> 28]! : -1;
    return len;
  }
}

/** Calls `fn` for each generated entry; `serial` is a view into scratch space, valid only during the call. */
export function forEachGeneratedEntry(
  opts: EntryGeneratorOptions,
  fn: (serial: Uint8Array, reason: number, index: number) => void,
): void {
  const g = new EntryGenerator(opts);
  for (let i = 0; i < opts.count; i++) {
    const len = g.next();
    fn(g.serial.subarray(0, len), g.reason, i);
  }
}

/**
 * The serials that revoke (every entry but removeFromCRL ones), in generation order, as one flat arena with the
 * shape of `SerialKeys` (docs/internals.md). Keys are minimal INTEGER content octets, so they are also the
 * serial keys the CRL reader produces. Duplicates are kept.
 */
export function generatedSerialKeys(opts: EntryGeneratorOptions): { count: number; bytes: Uint8Array; offsets: Uint32Array } {
  const g = new EntryGenerator(opts);
  const bytes = new Uint8Array(opts.count * MAX_GENERATED_SERIAL_OCTETS);
  const offsets = new Uint32Array(opts.count + 1);
  let count = 0;
  let at = 0;
  for (let i = 0; i < opts.count; i++) {
    const len = g.next();
    if (g.reason === 8) continue;
    bytes.set(g.serial.subarray(0, len), at);
    at += len;
    offsets[++count] = at;
  }
  return { count, bytes: bytes.slice(0, at), offsets: offsets.slice(0, count + 1) };
}

function revocationDateTable(thisUpdate: Date): Uint8Array {
  const table = new Uint8Array(REVOCATION_DATES * 13);
  for (let i = 0; i < REVOCATION_DATES; i++) {
    const d = new Date(thisUpdate.getTime() - (i + 1) * REVOCATION_DATE_STEP_SECONDS * 1000);
    table.set(utcTime(d).subarray(2), i * 13);
  }
  return table;
}

/**
 * A large signed CRL in memory. The result is a view of a larger preallocated buffer; copy it if you keep
 * it alongside other large allocations.
 */
export function buildLargeCrl(opts: LargeCrlOptions): { der: Buffer } & LargeCrlResult {
  const count = opts.count;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`entry count ${count} is not valid`);
  const key = opts.signingKey ?? opts.issuer.key;
  const sigAlg = signatureAlgorithm(key, opts.signature);
  const prefix = crlTbsPrefix(opts, sigAlg);
  const exts = crlExtensionList(opts);
  const extsDer = exts.length ? explicit(0, sequence(...exts.map(extension))) : new Uint8Array(0);
  const trailing = trailingOctets(opts.trailingBytes);
  const outerAlg = opts.outerSignatureAlgorithm ?? sigAlg;
  // Headroom: outer + TBS + revokedCertificates headers (6 octets each at most) and the prefix.
  const head = prefix.length + 3 * 6;
  // Tail: extensions, algorithm, signature BIT STRING (RSA-4096 size bound), trailing bytes.
  const tail = extsDer.length + outerAlg.length + 16 + 1024 + trailing.length;
  const buf = Buffer.allocUnsafe(head + count * MAX_ENTRY_OCTETS + tail);

  const dates = revocationDateTable(opts.thisUpdate ?? DEFAULT_THIS_UPDATE);
  const g = new EntryGenerator(opts);
  const s = g.serial;
  let at = head;
  let withReason = 0;
  let removeFromCrl = 0;
  for (let i = 0; i < count; i++) {
    const len = g.next();
    const reason = g.reason;
    buf[at] = TAG.SEQUENCE;
    buf[at + 1] = 2 + len + 15 + (reason >= 0 ? 14 : 0);
    buf[at + 2] = TAG.INTEGER;
    buf[at + 3] = len;
    at += 4;
    for (let k = 0; k < len; k++) buf[at + k] = s[k]!;
    at += len;
    buf[at] = TAG.UTC_TIME;
    buf[at + 1] = 13;
    const d = g.dateIndex * 13;
    for (let k = 0; k < 13; k++) buf[at + 2 + k] = dates[d + k]!;
    at += 15;
    if (reason >= 0) {
      buf.set(REASON_EXTENSIONS, at);
      buf[at + 13] = reason;
      at += 14;
      withReason++;
      if (reason === 8) removeFromCrl++;
    }
  }
  const revokedLength = at - head;

  // Headers, written backwards in front of the entries.
  let start = head;
  const writeBefore = (bytes: Uint8Array) => {
    start -= bytes.length;
    buf.set(bytes, start);
  };
  if (count > 0) {
    writeBefore(lengthOctets(revokedLength));
    writeBefore(Uint8Array.of(TAG.SEQUENCE));
  }
  writeBefore(prefix);
  buf.set(extsDer, at);
  at += extsDer.length;
  const tbsContentLength = at - start;
  writeBefore(lengthOctets(tbsContentLength));
  writeBefore(Uint8Array.of(TAG.SEQUENCE));
  const tbsStart = start;
  const tbsEnd = at;

  const sig = bitString(crlSignature(opts, buf.subarray(tbsStart, tbsEnd)));
  buf.set(outerAlg, at);
  at += outerAlg.length;
  buf.set(sig, at);
  at += sig.length;
  const outerContent = at - tbsStart;
  if (headerSize(outerContent) > start) throw new Error('large CRL: headroom too small'); // cannot happen: head reserves it
  writeBefore(lengthOctets(outerContent));
  writeBefore(Uint8Array.of(TAG.SEQUENCE));
  buf.set(trailing, at);
  at += trailing.length;
  return { der: buf.subarray(start, at), bytes: at - start, entries: count, withReason, removeFromCrl };
}

/**
 * Generates a large signed CRL and writes it (DER) to `path`. With `serialsPath`, also writes the serials of
 * all entries, one per line in the DESIGN.md text form (uppercase hex, even digit count), in generation order.
 */
export function writeLargeCrl(path: string, opts: LargeCrlOptions & { serialsPath?: string }): LargeCrlResult {
  const { der, ...result } = buildLargeCrl(opts);
  writeFileSync(path, der);
  if (opts.serialsPath) writeSerialList(opts.serialsPath, opts);
  return result;
}

const HEX_DIGITS = Uint8Array.from(Buffer.from('0123456789ABCDEF', 'latin1'));

/** One serial per line (uppercase hex of the value, leading 00 dropped), generation order, every entry. */
export function writeSerialList(path: string, opts: EntryGeneratorOptions): void {
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let at = 0;
    const g = new EntryGenerator(opts);
    const serial = g.serial;
    for (let i = 0; i < opts.count; i++) {
      const len = g.next();
      if (at + 2 * MAX_GENERATED_SERIAL_OCTETS + 1 > chunk.length) {
        writeSync(fd, chunk, 0, at);
        at = 0;
      }
      for (let k = serial[0] === 0 && len > 1 ? 1 : 0; k < len; k++) {
        chunk[at++] = HEX_DIGITS[serial[k]! >> 4]!;
        chunk[at++] = HEX_DIGITS[serial[k]! & 15]!;
      }
      chunk[at++] = 0x0a;
    }
    writeSync(fd, chunk, 0, at);
  } finally {
    closeSync(fd);
  }
}
