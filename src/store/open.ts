import { fileURLToPath } from 'node:url';
import { CrlAuthorizerError } from '../errors.js';
import { FolderStore } from './folder.js';
import { S3Store, type S3StoreOptions } from './s3.js';
import type { ObjectStore } from './types.js';

/**
 * The store named by a URL (DESIGN.md: CRL_STORE_URL): `s3://bucket/prefix` or `file:///absolute/path`.
 * Keys given to the store are relative to the prefix or folder.
 */
export function openStore(url: string, opts: S3StoreOptions = {}): ObjectStore {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CrlAuthorizerError('usage', `store URL ${JSON.stringify(url)} is not a URL (s3://bucket/prefix or file:///path)`);
  }
  if (u.protocol === 's3:') {
    if (!u.hostname) throw new CrlAuthorizerError('usage', `store URL ${JSON.stringify(url)} names no bucket`);
    return new S3Store(u.hostname, decodeURIComponent(u.pathname.replace(/^\//, '')), opts);
  }
  if (u.protocol === 'file:') {
    return new FolderStore(fileURLToPath(u), { timeoutMs: opts.timeoutMs });
  }
  throw new CrlAuthorizerError(
    'usage',
    `store URL ${JSON.stringify(url)}: scheme ${u.protocol} is not supported (s3://bucket/prefix or file:///path)`,
  );
}
