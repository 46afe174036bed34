import { verifyBlob, type BlobHeader } from '../blob/header.js';
import { EXIT, UsageError, parse, parseTime } from './args.js';
import { readInput } from './files.js';
import type { Io } from './io.js';

export function inspectCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, at: { type: 'string' } }, 'FILE');
  if (positionals.length === 0) throw new UsageError('give one or more blob files');
  const at = parseTime(values.at);
  positionals.forEach((path, i) => {
    const bytes = readInput(path, 'blob');
    const header = verifyBlob(bytes);
    const summary = summaryOf(path, bytes.length, header, at);
    if (values.json) io.out(JSON.stringify(summary));
    else {
      if (i > 0) io.out('');
      io.out(describe(summary, header));
    }
  });
  // Inspect describes; `status` is the command whose exit code says a blob needs a human.
  return EXIT.good;
}

export function summaryOf(path: string, size: number, header: BlobHeader, at: Date) {
  const { meta } = header;
  const expired = meta.nextUpdate !== null && Date.parse(meta.nextUpdate) <= at.getTime();
  return {
    file: path,
    version: header.version,
    issuer: meta.issuerText,
    authorityKeyId: meta.authorityKeyId,
    scope: meta.scope,
    thisUpdate: meta.thisUpdate,
    nextUpdate: meta.nextUpdate,
    expired,
    crlNumber: meta.crlNumber,
    entries: meta.entries,
    revoked: meta.revoked,
    recordWidth: header.recordWidth,
    overflow: header.overflowCount,
    bytes: size,
    crlSha256: meta.crlSha256,
    filter: filterOf(header),
  };
}

/**
 * The version 2 filter as the header states it (docs/blob-format.md), or null for a version 1 blob. Bits per key
 * count the records the filter covers (overflow keys skip it); the false-positive rate is the one the encoder
 * measured on its fixed sample of hash pairs when it built the filter, not recomputed here.
 */
export function filterOf(header: BlobHeader) {
  const f = header.filter;
  if (f === undefined) return null;
  return {
    kind: `binary fuse ${f.fingerprintBits}`,
    fingerprintBits: f.fingerprintBits,
    bytes: f.arrayLength,
    bitsPerKey: header.count === 0 ? null : (8 * f.arrayLength) / header.count,
    seed: f.seed,
    segmentLength: f.segmentLength,
    segmentCount: f.segmentCount,
    sampleSize: f.sampleSize,
    sampleHits: f.sampleHits,
    falsePositiveRate: f.sampleSize === 0 ? null : f.sampleHits / f.sampleSize,
  };
}

export function filterText(f: ReturnType<typeof filterOf>): string {
  if (f === null) return 'no filter (v1)';
  const bits = f.bitsPerKey === null ? 'no keys' : `${f.bitsPerKey.toFixed(2)} bits per key`;
  const rate = f.falsePositiveRate === null ? 'not measured' : `${(100 * f.falsePositiveRate).toFixed(3)}% (${f.sampleHits} of ${f.sampleSize} sampled)`;
  return (
    `${f.kind}, ${f.fingerprintBits}-bit fingerprints, ${bits} (${f.bytes} bytes), seed 0x${f.seed.toString(16).padStart(8, '0')}; ` +
    `false positives measured at build ${rate}`
  );
}

export function scopeText(scope: BlobHeader['meta']['scope']): string {
  return (
    [
      scope.onlyUserCerts && 'end-entity certificates only',
      scope.onlyCaCerts && 'CA certificates only',
      scope.onlyAttributeCerts && 'attribute certificates only',
      scope.distributionPoints.length > 0 && `distribution points ${scope.distributionPoints.join(', ')}`,
    ]
      .filter(Boolean)
      .join('; ') || 'the whole CA'
  );
}

function describe(s: ReturnType<typeof summaryOf>, header: BlobHeader): string {
  return [
    `file:          ${s.file} (${s.bytes} bytes, blob version ${s.version}, checksum ok)`,
    `issuer:        ${s.issuer}`,
    `key id:        ${s.authorityKeyId ?? '(none)'}`,
    `scope:         ${scopeText(header.meta.scope)}`,
    `this update:   ${s.thisUpdate}`,
    `next update:   ${s.nextUpdate ?? '(none)'}${s.expired ? '   EXPIRED' : ''}`,
    `CRL number:    ${s.crlNumber ?? '(none)'}`,
    `revoked:       ${s.revoked} serials (${s.entries} entries in the CRL)`,
    `record width:  ${s.recordWidth} bytes (${s.overflow} in overflow)`,
    `filter:        ${filterText(s.filter)}`,
    `source sha256: ${s.crlSha256}`,
  ].join('\n');
}
