import { createHash } from 'node:crypto';
import { codeOf, messageOf, type Code } from '../errors.js';
import type { ObjectStore } from '../store/types.js';
import { httpGetCrl, type FetchLimits, type Validators } from './http.js';
import { crlKeyOf, type CrlSource } from './sources.js';

/**
 * What the fetcher remembers about a download, in the object metadata of the CRL it wrote: the validators for the
 * next conditional GET and the SHA-256 of the bytes, so an unchanged CRL served with a new ETag is not rewritten.
 */
export const META = { etag: 'fetch-etag', lastModified: 'fetch-last-modified', sha256: 'fetch-sha256', url: 'fetch-url' } as const;

export type FetchOutcome =
  | { name: string; url: string; key: string; action: 'written'; bytes: number; sha256: string }
  /** The server said 304, or sent the bytes already in the store. */
  | { name: string; url: string; key: string; action: 'unchanged'; reason: 'not-modified' | 'same-bytes' }
  | { name: string; url: string; key: string; action: 'failed'; code: Code; message: string };

/**
 * One source: a conditional GET with what the stored CRL's metadata remembers, and a put of `<name>.crl` only
 * when the bytes differ from it (the put is what triggers the preprocessor). A failure is an outcome, never a
 * throw, and touches nothing in the store: the CRL and the blob in use stay as they were.
 */
export async function fetchSource(store: ObjectStore, source: CrlSource, limits: FetchLimits = {}): Promise<FetchOutcome> {
  const key = crlKeyOf(source);
  const base = { name: source.name, url: source.url, key };
  try {
    const head = await store.head(key);
    const md = head?.metadata ?? {};
    // Validators only count for the URL they came from: a source moved to another URL starts afresh.
    const validators: Validators =
      md[META.url] === source.url ? { etag: md[META.etag], lastModified: md[META.lastModified] } : {};
    const got = await httpGetCrl(source.url, validators, limits);
    if (got.status === 'not-modified') return { ...base, action: 'unchanged', reason: 'not-modified' };
    const sha256 = createHash('sha256').update(got.body).digest('hex');
    if (head && (md[META.sha256] ?? (await storedSha256(store, key))) === sha256) {
      return { ...base, action: 'unchanged', reason: 'same-bytes' };
    }
    const metadata: Record<string, string> = { [META.sha256]: sha256, [META.url]: source.url };
    if (got.etag) metadata[META.etag] = got.etag;
    if (got.lastModified) metadata[META.lastModified] = got.lastModified;
    await store.put(key, got.body, { metadata });
    return { ...base, action: 'written', bytes: got.body.byteLength, sha256 };
  } catch (e) {
    return { ...base, action: 'failed', code: codeOf(e), message: messageOf(e) };
  }
}

/** A CRL uploaded by hand has no fetch metadata: compare against its bytes. */
async function storedSha256(store: ObjectStore, key: string): Promise<string | undefined> {
  const res = await store.get(key);
  return res.status === 'ok' ? createHash('sha256').update(res.body).digest('hex') : undefined;
}
