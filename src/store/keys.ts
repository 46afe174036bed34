import { CrlAuthorizerError } from '../errors.js';

/**
 * A key is a relative, '/'-separated path: no empty, '.' or '..' segment, no leading '/', no backslash or NUL.
 * The same rule on both backends keeps a key that works on a folder working on S3 and the other way round,
 * and keeps a folder store inside its folder.
 */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw new CrlAuthorizerError('usage', `object key must be 1..1024 characters, got ${JSON.stringify(key)}`);
  }
  if (key.includes('\\') || key.includes('\0')) {
    throw new CrlAuthorizerError('usage', `object key ${JSON.stringify(key)} contains a backslash or NUL`);
  }
  for (const part of key.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new CrlAuthorizerError('usage', `object key ${JSON.stringify(key)} has an empty, "." or ".." segment`);
    }
  }
  return key;
}

/** `a/b/` from `a/b`, `''` from `''` or `/`: a prefix always ends in '/' unless empty. */
export function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
