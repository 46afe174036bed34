import { CrlAuthorizerError } from '../errors.js';
import { checkKey } from '../store/keys.js';

/** One CRL location and the object name it is written under (`<name>.crl`). */
export interface CrlSource {
  url: string;
  name: string;
}

/** The object key a source writes: the name plus `.crl`, which the preprocessor's trigger matches. */
export const FETCHED_CRL_SUFFIX = '.crl';

export function crlKeyOf(source: CrlSource): string {
  return source.name + FETCHED_CRL_SUFFIX;
}

/**
 * CRL_SOURCES (DESIGN.md "Environment"): `[{"url": "https://…", "name": "ca/issuing-1"}]`. Read once at cold
 * start; a bad value fails it loudly with the variable named, never silently fetching nothing.
 */
export function parseSources(text: string | undefined, what = 'CRL_SOURCES'): CrlSource[] {
  if (text === undefined || text.trim() === '') throw new CrlAuthorizerError('usage', `${what} is not set`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CrlAuthorizerError('usage', `${what} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new CrlAuthorizerError('usage', `${what} must be a non-empty JSON array of {"url", "name"}`);
  }
  const sources = value.map((v, i) => checkSource(v, `${what}[${i}]`));
  const names = new Set<string>();
  for (const s of sources) {
    // Two URLs writing one object would overwrite each other on every run.
    if (names.has(s.name)) throw new CrlAuthorizerError('usage', `${what}: the name "${s.name}" appears twice`);
    names.add(s.name);
  }
  return sources;
}

function checkSource(v: unknown, what: string): CrlSource {
  const o = v as Partial<CrlSource> | null;
  if (typeof o !== 'object' || o === null || typeof o.url !== 'string' || typeof o.name !== 'string') {
    throw new CrlAuthorizerError('usage', `${what} must be {"url": string, "name": string}`);
  }
  const extra = Object.keys(o).filter((k) => k !== 'url' && k !== 'name');
  if (extra.length > 0) throw new CrlAuthorizerError('usage', `${what} has unknown fields: ${extra.join(', ')}`);
  try {
    new URL(o.url);
  } catch {
    throw new CrlAuthorizerError('usage', `${what}.url ${JSON.stringify(o.url)} is not a URL`);
  }
  if (o.name.endsWith('.crl') || o.name.endsWith('.pem')) {
    throw new CrlAuthorizerError('usage', `${what}.name is the name without a suffix ("ca/issuing-1", not "${o.name}")`);
  }
  checkKey(o.name + FETCHED_CRL_SUFFIX);
  return { url: o.url, name: o.name };
}
