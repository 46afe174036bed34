/** The parts of an S3 event notification record this handler reads (AWS's documented shape). */
export interface S3EventRecord {
  eventVersion?: string;
  eventSource?: string;
  eventName: string;
  s3: {
    bucket: { name: string };
    object: { key: string; eTag?: string; versionId?: string; sequencer?: string };
  };
}

export interface S3Event {
  Records?: S3EventRecord[];
}

/** Which bucket and key prefix events must name, and which suffixes make a key a CRL. */
export interface Location {
  bucket?: string;
  prefix: string;
  /** Longest first, so `.crl.pem` wins over `.crl`. */
  suffixes: readonly string[];
}

/** What one record asks for: a CRL created or removed, or nothing this handler does (with why). */
export type Target =
  | { kind: 'created' | 'removed'; key: string; name: string }
  | { kind: 'skipped'; key: string; reason: string };

export function locationOf(url: string, suffixes: readonly string[]): Location {
  const sorted = [...suffixes].sort((a, b) => b.length - a.length);
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  // A folder store takes any bucket.
  if (!m) return { prefix: '', suffixes: sorted };
  const p = decodeURIComponent(m[2]!).replace(/^\/+/, '');
  return { bucket: m[1]!, prefix: p === '' || p.endsWith('/') ? p : `${p}/`, suffixes: sorted };
}

/** The record's key relative to the prefix (or whole, outside it), and what to do with it. */
export function targetOf(record: S3EventRecord, at: Location): Target {
  const fullKey = decodeKey(record.s3?.object?.key ?? '');
  if (at.bucket !== undefined && record.s3?.bucket?.name !== at.bucket) {
    return { kind: 'skipped', key: fullKey, reason: `bucket ${record.s3?.bucket?.name} is not ${at.bucket}` };
  }
  if (!fullKey.startsWith(at.prefix)) return { kind: 'skipped', key: fullKey, reason: `not under ${at.prefix}` };
  const key = fullKey.slice(at.prefix.length);
  const suffix = at.suffixes.find((s) => key.endsWith(s) && key.length > s.length);
  if (!suffix) return { kind: 'skipped', key, reason: 'not a CRL key' };
  const name = key.slice(0, -suffix.length);
  const kind = String(record.eventName ?? '');
  if (kind.startsWith('ObjectCreated:')) return { kind: 'created', key, name };
  if (kind.startsWith('ObjectRemoved:')) return { kind: 'removed', key, name };
  return { kind: 'skipped', key, reason: `event ${kind} is not handled` };
}

/** S3 event keys are URL-encoded with `+` for a space (AWS: "the s3 key provided in the event is URL encoded"). */
export function decodeKey(key: string): string {
  const plus = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}
