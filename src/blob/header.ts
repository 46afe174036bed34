import { CrlAuthorizerError } from '../errors.js';
import type { CrlScope } from '../crl/scope.js';
import { checksum } from '../wasm/kernel.js';
import { FINGERPRINT_BITS, MAX_SEGMENT_LENGTH } from './filter.js';

/** `CRLBLOB\0` */
export const MAGIC = Uint8Array.of(0x43, 0x52, 0x4c, 0x42, 0x4c, 0x4f, 0x42, 0x00);
/** The version the encoder writes; the reader reads every version in READ_VERSIONS. */
export const BLOB_VERSION = 2;
export const READ_VERSIONS: readonly number[] = [1, 2];

/**
 * The fixed header fields, the one table of their offsets: the encoder writes through it, the reader reads
 * through it, and the WASM module gets the values from the reader (init) instead of reading them itself.
 * `since` is the first version with the field. All little-endian.
 */
export const FIELDS = {
  version: { offset: 8, size: 4, since: 1 },
  headerLength: { offset: 12, size: 4, since: 1 },
  checksum: { offset: 16, size: 8, since: 1 },
  totalLength: { offset: 24, size: 8, since: 1 },
  recordWidth: { offset: 32, size: 4, since: 1 },
  count: { offset: 36, size: 4, since: 1 },
  dirBits: { offset: 40, size: 4, since: 1 },
  overflowWidth: { offset: 44, size: 4, since: 1 },
  overflowCount: { offset: 48, size: 4, since: 1 },
  metaLength: { offset: 52, size: 4, since: 1 },
  filterSeed: { offset: 56, size: 4, since: 2 },
  filterSegmentLength: { offset: 60, size: 4, since: 2 },
  filterSegmentCount: { offset: 64, size: 4, since: 2 },
  filterFingerprintBits: { offset: 68, size: 4, since: 2 },
  filterSampleSize: { offset: 72, size: 4, since: 2 },
  filterSampleHits: { offset: 76, size: 4, since: 2 },
} as const;
export type FieldName = keyof typeof FIELDS;

/** Where the fixed fields of a version end and the meta JSON starts. */
export const fixedHeaderBytes = (version: number): number => (version >= 2 ? 80 : 56);
/** Fixed header bytes of the version written (the meta JSON follows). */
export const FIXED_HEADER_BYTES = fixedHeaderBytes(BLOB_VERSION);

export function readField(view: DataView, name: FieldName): number {
  const f = FIELDS[name];
  return f.size === 8 ? Number(view.getBigUint64(f.offset, true)) : view.getUint32(f.offset, true);
}

export function writeField(view: DataView, name: FieldName, value: number | bigint): void {
  const f = FIELDS[name];
  if (f.size === 8) view.setBigUint64(f.offset, BigInt(value), true);
  else view.setUint32(f.offset, Number(value), true);
}
/** The checksum covers [CHECKSUMMED_FROM, totalLength): everything after the checksum field itself. */
export const CHECKSUMMED_FROM = FIELDS.checksum.offset + FIELDS.checksum.size;
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

/** The filter section of a version 2 blob (docs/internals.md "The blob"); absent from version 1. */
export interface BlobFilter {
  seed: number;
  segmentLength: number;
  segmentCount: number;
  fingerprintBits: number;
  /** Bytes of the fingerprint array: (segmentCount + 2) * segmentLength. */
  arrayLength: number;
  /** Pseudo-random hash pairs probed at build time, and how many passed: the measured false-positive rate. */
  sampleSize: number;
  sampleHits: number;
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
  /** Version 2: where the fingerprints start (8-aligned, after the last record section), and the filter fields. */
  filterOffset?: number;
  filter?: BlobFilter;
}

export const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export interface LayoutFields {
  headerLength: number;
  recordWidth: number;
  count: number;
  dirBits: number;
  overflowWidth: number;
  overflowCount: number;
  /** Bytes of the filter's fingerprint array (version 2); 0 or absent for version 1. */
  filterLength?: number;
}

export interface Sections {
  dirOffset: number;
  recordsOffset: number;
  overflowOffset: number;
  filterOffset: number;
  totalLength: number;
}

/** Section offsets and the total length implied by the layout fields; the encoder and the reader share it. */
export function layout(f: LayoutFields): Sections {
  const dirOffset = f.headerLength;
  const recordsOffset = align8(dirOffset + 4 * (2 ** f.dirBits + 1));
  const recordsEnd = recordsOffset + f.recordWidth * f.count;
  const overflowOffset = f.overflowCount === 0 ? recordsEnd : align8(recordsEnd);
  const end = overflowOffset + f.overflowWidth * f.overflowCount;
  if (!f.filterLength) return { dirOffset, recordsOffset, overflowOffset, filterOffset: end, totalLength: end };
  const filterOffset = align8(end);
  return { dirOffset, recordsOffset, overflowOffset, filterOffset, totalLength: filterOffset + f.filterLength };
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
  const version = readField(view, 'version');
  // Checked before any other field: a later version may lay out everything after it differently.
  if (!READ_VERSIONS.includes(version)) {
    throw new CrlAuthorizerError(
      'blob.unsupported-version',
      `blob: version ${version} is not supported (expected ${READ_VERSIONS.join(' or ')})`,
    );
  }
  const fixed = fixedHeaderBytes(version);
  if (bytes.length < fixed) malformed(`${bytes.length} bytes is too short for a version ${version} header`);
  const field = (name: FieldName): number => readField(view, name);
  const checksumValue = view.getBigUint64(FIELDS.checksum.offset, true);
  const total = view.getBigUint64(FIELDS.totalLength.offset, true);
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
  const headerLength = field('headerLength');
  const recordWidth = field('recordWidth');
  const count = field('count');
  const dirBits = field('dirBits');
  const overflowWidth = field('overflowWidth');
  const overflowCount = field('overflowCount');
  const metaLength = field('metaLength');
  if (headerLength % 8 !== 0 || headerLength < fixed + metaLength || headerLength > totalLength) {
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
  const filter = version >= 2 ? readFilterFields(field) : undefined;
  const sections = layout({
    headerLength,
    recordWidth,
    count,
    dirBits,
    overflowWidth,
    overflowCount,
    filterLength: filter?.arrayLength ?? 0,
  });
  if (sections.totalLength !== totalLength) {
    malformed(`sections end at ${sections.totalLength}, totalLength is ${totalLength}`);
  }
  const dirLast = sections.dirOffset + 4 * 2 ** dirBits;
  if (view.getUint32(sections.dirOffset, true) !== 0 || view.getUint32(dirLast, true) !== count) {
    malformed(`directory does not run from 0 to count ${count}`);
  }
  for (let p = headerLength - 1; p >= fixed + metaLength; p--) {
    if (bytes[p] !== 0) malformed('header padding is not zero');
  }
  const meta = parseMeta(bytes.subarray(fixed, fixed + metaLength));
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
    ...(filter ? { filterOffset: sections.filterOffset, filter } : {}),
  };
}

/**
 * The filter fields of a version 2 header. Checked for shape only (what keeps every probe inside the section: a
 * power-of-two segment length, at least one segment, a fingerprint array under 4 GiB); whether the fingerprints
 * are right is the checksum's business, as it is for the records.
 */
function readFilterFields(field: (name: FieldName) => number): BlobFilter {
  const segmentLength = field('filterSegmentLength');
  const segmentCount = field('filterSegmentCount');
  const fingerprintBits = field('filterFingerprintBits');
  const sampleSize = field('filterSampleSize');
  const sampleHits = field('filterSampleHits');
  const pow2 = segmentLength >= 4 && segmentLength <= MAX_SEGMENT_LENGTH && (segmentLength & (segmentLength - 1)) === 0;
  const arrayLength = (segmentCount + 2) * segmentLength;
  if (!pow2 || segmentCount < 1 || arrayLength >= 2 ** 32) {
    malformed(`filter of ${segmentCount} segments of ${segmentLength} bytes is not a binary fuse layout`);
  }
  if (fingerprintBits !== FINGERPRINT_BITS) malformed(`filter fingerprints of ${fingerprintBits} bits (expected ${FINGERPRINT_BITS})`);
  if (sampleHits > sampleSize) malformed(`filter sample of ${sampleSize} with ${sampleHits} hits`);
  return { seed: field('filterSeed'), segmentLength, segmentCount, fingerprintBits, arrayLength, sampleSize, sampleHits };
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
