import { CrlAuthorizerError } from '../errors.js';
import type { CrlScope } from '../crl/scope.js';
import { checksum } from '../lookup/kernel.js';

/** `CRLBLOB\0` */
export const MAGIC = Uint8Array.of(0x43, 0x52, 0x4c, 0x42, 0x4c, 0x4f, 0x42, 0x00);
export const BLOB_VERSION = 1;
/** Fixed header fields end here; the meta JSON follows. */
export const FIXED_HEADER_BYTES = 56;
/** The checksum covers [CHECKSUMMED_FROM, totalLength): everything after the checksum field itself. */
export const CHECKSUMMED_FROM = 24;
export const MIN_RECORD_WIDTH = 8;
export const MAX_RECORD_WIDTH = 64;
/** The widest overflow record: a 64-octet key plus its length octet, rounded up to 4. */
export const MAX_OVERFLOW_WIDTH = 68;
/** 2^30 buckets already needs more than 2^31 records; anything above is not a blob this encoder wrote. */
export const MAX_DIR_BITS = 30;

/** What the blob says about the CRL it came from (docs/internals.md, meta JSON; this key order is the byte order). */
export interface BlobMeta {
  /** base64 of the issuer Name DER */
  issuer: string;
  issuerText: string;
  authorityKeyId: string | null;
  scope: CrlScope;
  thisUpdate: string;
  nextUpdate: string | null;
  crlNumber: string | null;
  crlSha256: string;
  /** raw entries in the CRL's revokedCertificates */
  entries: number;
  /** distinct revoking serials in the blob (written by the encoder) */
  revoked: number;
  /**
   * Only in a blob made from a complete CRL and its delta (internals.md "Delta CRLs"): the two CRL numbers
   * (`crlNumber` is then the delta's) and the delta's SHA-256 (`crlSha256` is the base's). Absent otherwise, so
   * blobs of a lone CRL are byte for byte what they were.
   */
  baseCrlNumber?: string;
  deltaCrlNumber?: string;
  deltaCrlSha256?: string;
}

export interface BlobHeader {
  version: number;
  headerLength: number;
  checksum: bigint;
  totalLength: number;
  recordWidth: number;
  count: number;
  dirBits: number;
  overflowWidth: number;
  overflowCount: number;
  metaLength: number;
  meta: BlobMeta;
  /** Derived section offsets, from the start of the blob. */
  dirOffset: number;
  recordsOffset: number;
  overflowOffset: number;
}

export const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Section offsets and the total length implied by the layout fields; the encoder and the reader share it. */
export function layout(f: {
  headerLength: number;
  recordWidth: number;
  count: number;
  dirBits: number;
  overflowWidth: number;
  overflowCount: number;
}): { dirOffset: number; recordsOffset: number; overflowOffset: number; totalLength: number } {
  const dirOffset = f.headerLength;
  const recordsOffset = align8(dirOffset + 4 * (2 ** f.dirBits + 1));
  const recordsEnd = recordsOffset + f.recordWidth * f.count;
  if (f.overflowCount === 0) return { dirOffset, recordsOffset, overflowOffset: recordsEnd, totalLength: recordsEnd };
  const overflowOffset = align8(recordsEnd);
  return { dirOffset, recordsOffset, overflowOffset, totalLength: overflowOffset + f.overflowWidth * f.overflowCount };
}

function malformed(sentence: string): never {
  throw new CrlAuthorizerError('blob.malformed', `blob: ${sentence}`);
}

/**
 * Reads and validates the header of a blob: magic, version, every length and offset against totalLength and the
 * buffer, the directory's first and last entries, and the meta JSON. Does not check the checksum (verifyBlob).
 */
export function readBlobHeader(bytes: Uint8Array): BlobHeader {
  return readHeader(bytes);
}

/** readBlobHeader plus the xxHash64 of [24, totalLength). */
export function verifyBlob(bytes: Uint8Array): BlobHeader {
  return readHeader(bytes, () => checksum(bytes.subarray(CHECKSUMMED_FROM)));
}

/**
 * verifyBlob with the checksum of [24, totalLength) computed by the caller (the lookup hashes the copy already in
 * its WASM memory). The checksum is compared right after the length check, before any other field is trusted,
 * so a corrupted blob is reported as corrupted rather than as whatever its damaged fields happen to look like.
 */
export function verifyBlobWith(bytes: Uint8Array, checksumOfBody: () => bigint): BlobHeader {
  return readHeader(bytes, checksumOfBody);
}

function readHeader(bytes: Uint8Array, checksumOfBody?: () => bigint): BlobHeader {
  if (bytes.length < 12) malformed(`${bytes.length} bytes is too short for a blob header`);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) malformed('magic is not CRLBLOB');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  // Checked before any other field: a later version may lay out everything after it differently.
  if (version !== BLOB_VERSION) {
    throw new CrlAuthorizerError('blob.unsupported-version', `blob: version ${version} is not supported (expected ${BLOB_VERSION})`);
  }
  if (bytes.length < FIXED_HEADER_BYTES) malformed(`${bytes.length} bytes is too short for a version 1 header`);
  const headerLength = view.getUint32(12, true);
  const checksumValue = view.getBigUint64(16, true);
  const total = view.getBigUint64(24, true);
  const recordWidth = view.getUint32(32, true);
  const count = view.getUint32(36, true);
  const dirBits = view.getUint32(40, true);
  const overflowWidth = view.getUint32(44, true);
  const overflowCount = view.getUint32(48, true);
  const metaLength = view.getUint32(52, true);

  if (total !== BigInt(bytes.length)) {
    malformed(`totalLength ${total} does not match the ${bytes.length} bytes present (truncated or padded)`);
  }
  const totalLength = bytes.length;
  if (checksumOfBody) {
    const actual = checksumOfBody();
    if (actual !== checksumValue) {
      throw new CrlAuthorizerError(
        'blob.checksum-mismatch',
        `blob: checksum ${hex64(actual)} does not match the header's ${hex64(checksumValue)} (corrupted)`,
      );
    }
  }
  if (headerLength % 8 !== 0 || headerLength < FIXED_HEADER_BYTES + metaLength || headerLength > totalLength) {
    malformed(`headerLength ${headerLength} does not fit the ${metaLength}-byte meta and the blob`);
  }
  if (recordWidth % 4 !== 0 || recordWidth < MIN_RECORD_WIDTH || recordWidth > MAX_RECORD_WIDTH) {
    malformed(`recordWidth ${recordWidth} is not a multiple of 4 in ${MIN_RECORD_WIDTH}..${MAX_RECORD_WIDTH}`);
  }
  if (dirBits > MAX_DIR_BITS) malformed(`dirBits ${dirBits} exceeds ${MAX_DIR_BITS}`);
  if ((overflowWidth === 0) !== (overflowCount === 0)) {
    malformed(`overflowWidth ${overflowWidth} and overflowCount ${overflowCount} disagree`);
  }
  if (overflowCount !== 0 && (overflowWidth % 4 !== 0 || overflowWidth <= recordWidth || overflowWidth > MAX_OVERFLOW_WIDTH)) {
    malformed(`overflowWidth ${overflowWidth} is not a multiple of 4 in ${recordWidth + 4}..${MAX_OVERFLOW_WIDTH}`);
  }
  const sections = layout({ headerLength, recordWidth, count, dirBits, overflowWidth, overflowCount });
  if (sections.totalLength !== totalLength) {
    malformed(`sections end at ${sections.totalLength}, totalLength is ${totalLength}`);
  }
  const dirLast = sections.dirOffset + 4 * 2 ** dirBits;
  if (view.getUint32(sections.dirOffset, true) !== 0 || view.getUint32(dirLast, true) !== count) {
    malformed(`directory does not run from 0 to count ${count}`);
  }
  for (let p = headerLength - 1; p >= FIXED_HEADER_BYTES + metaLength; p--) {
    if (bytes[p] !== 0) malformed('header padding is not zero');
  }
  const meta = parseMeta(bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + metaLength));
  return {
    version,
    headerLength,
    checksum: checksumValue,
    totalLength,
    recordWidth,
    count,
    dirBits,
    overflowWidth,
    overflowCount,
    metaLength,
    meta,
    dirOffset: sections.dirOffset,
    recordsOffset: sections.recordsOffset,
    overflowOffset: sections.overflowOffset,
  };
}

const hex64 = (v: bigint): string => v.toString(16).padStart(16, '0');

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseMeta(bytes: Uint8Array): BlobMeta {
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    malformed('meta is not UTF-8 JSON');
  }
  if (typeof m !== 'object' || m === null) malformed('meta is not a JSON object');
  const o = m as Record<string, unknown>;
  const s = o['scope'] as Record<string, unknown> | null | undefined;
  const scopeOk =
    typeof s === 'object' &&
    s !== null &&
    typeof s['onlyUserCerts'] === 'boolean' &&
    typeof s['onlyCaCerts'] === 'boolean' &&
    typeof s['onlyAttributeCerts'] === 'boolean' &&
    Array.isArray(s['distributionPoints']) &&
    s['distributionPoints'].every(isStr);
  const ok =
    isStr(o['issuer']) &&
    isStr(o['issuerText']) &&
    isStrOrNull(o['authorityKeyId']) &&
    scopeOk &&
    isStr(o['thisUpdate']) &&
    !Number.isNaN(Date.parse(o['thisUpdate'])) &&
    isStrOrNull(o['nextUpdate']) &&
    (o['nextUpdate'] === null || !Number.isNaN(Date.parse(o['nextUpdate']))) &&
    isStrOrNull(o['crlNumber']) &&
    (o['crlNumber'] === null || /^[0-9]+$/.test(o['crlNumber'])) &&
    isStr(o['crlSha256']) &&
    isCount(o['entries']) &&
    isCount(o['revoked']) &&
    [o['baseCrlNumber'], o['deltaCrlNumber']].every((v) => v === undefined || (isStr(v) && /^[0-9]+$/.test(v))) &&
    (o['deltaCrlSha256'] === undefined || isStr(o['deltaCrlSha256']));
  if (!ok) malformed('meta JSON lacks a field or has one of the wrong type');
  return m as BlobMeta;
}
