import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { CrlAuthorizerError } from '../errors.js';
import { MAX_CRL_BYTES } from '../limits.js';

/** Defaults for one CRL download (DESIGN.md `fetch.*` codes): each bound has its own code. */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REDIRECTS = 5;

export interface FetchLimits {
  /** The whole download, every redirect and the body included. @default 30000 */
  timeoutMs?: number;
  /** Body bytes, checked against Content-Length first and again while streaming. @default MAX_CRL_BYTES */
  maxBytes?: number;
  /** Redirects followed before `fetch.redirect`. @default 5 */
  maxRedirects?: number;
  /** Extra TLS trust (PEM) for https URLs, beside the system roots: a private CA's web server, a test server. */
  ca?: string | Buffer;
}

/** What the previous download answered, sent back as If-None-Match / If-Modified-Since. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export type HttpFetchResult =
  | { status: 'not-modified' }
  | { status: 'ok'; body: Uint8Array; url: string; etag?: string; lastModified?: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One conditional GET of a CRL over http(s). Refuses what a CRL distribution point has no business doing:
 * another scheme (LDAP is the common one: `fetch.unsupported-scheme`), a redirect from https to http (a
 * downgrade anyone on the path could forge), more than `maxRedirects` hops, a body over the CRL size limit,
 * and a download longer than the time bound. The body is returned as fetched: the preprocessor judges it.
 */
export async function httpGetCrl(url: string, validators: Validators = {}, limits: FetchLimits = {}): Promise<HttpFetchResult> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxRedirects = limits.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBytes = limits.maxBytes ?? MAX_CRL_BYTES;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let current = parseUrl(url);
    for (let hop = 0; ; hop++) {
      const res = await get(current, validators, limits.ca, controller.signal, timeoutMs);
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        res.resume();
        const location = res.headers.location;
        if (!location) throw new CrlAuthorizerError('fetch.redirect', `${current.href}: ${status} without a Location`);
        if (hop >= maxRedirects) {
          throw new CrlAuthorizerError('fetch.redirect', `${url}: more than ${maxRedirects} redirects (last to ${location})`);
        }
        const next = parseUrl(new URL(location, current).href);
        if (current.protocol === 'https:' && next.protocol === 'http:') {
          throw new CrlAuthorizerError('fetch.redirect', `${current.href} redirects from https to http (${next.href}): refused`);
        }
        current = next;
        continue;
      }
      if (status === 304 && (validators.etag || validators.lastModified)) {
        res.resume();
        return { status: 'not-modified' };
      }
      if (status !== 200) {
        res.resume();
        throw new CrlAuthorizerError('fetch.http-status', `${current.href} answered HTTP ${status}`);
      }
      const body = await readBody(res, maxBytes, current.href);
      return {
        status: 'ok',
        body,
        url: current.href,
        ...header(res, 'etag', 'etag'),
        ...header(res, 'last-modified', 'lastModified'),
      };
    }
  } catch (e) {
    if (controller.signal.aborted) {
      throw new CrlAuthorizerError('fetch.timeout', `${url}: no complete answer within ${timeoutMs} ms`, { cause: e });
    }
    if (e instanceof CrlAuthorizerError) throw e;
    // A socket reset while the body streams.
    throw new CrlAuthorizerError('fetch.unavailable', `${url}: ${(e as Error).message}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

function parseUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new CrlAuthorizerError('fetch.unsupported-scheme', `${JSON.stringify(text)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new CrlAuthorizerError(
      'fetch.unsupported-scheme',
      `${u.href}: only http and https CRL locations are fetched (${u.protocol.replace(':', '')} is not supported)`,
    );
  }
  return u;
}

function get(u: URL, v: Validators, ca: string | Buffer | undefined, signal: AbortSignal, timeoutMs: number) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/pkix-crl, */*', 'user-agent': 'crl-authorizer' };
    if (v.etag) headers['if-none-match'] = v.etag;
    if (v.lastModified) headers['if-modified-since'] = v.lastModified;
    const opts: RequestOptions = { method: 'GET', headers, signal, timeout: timeoutMs };
    if (ca !== undefined && u.protocol === 'https:') opts.ca = ca;
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, opts, resolve);
    req.on('timeout', () => req.destroy(new Error('socket idle')));
    req.on('error', (e) =>
      reject(signal.aborted ? e : new CrlAuthorizerError('fetch.unavailable', `${u.href}: ${e.message}`, { cause: e })),
    );
    req.end();
  });
}

async function readBody(res: IncomingMessage, maxBytes: number, url: string): Promise<Uint8Array> {
  const declared = Number(res.headers['content-length']);
  const tooLarge = (n: number | string) =>
    new CrlAuthorizerError('fetch.too-large', `${url}: ${n} bytes is over the limit of ${maxBytes} bytes`);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      res.destroy();
      throw tooLarge(`more than ${total}`);
    }
    chunks.push(chunk);
  }
  if (!res.complete) throw new CrlAuthorizerError('fetch.unavailable', `${url}: the connection closed mid-body`);
  const body = Buffer.concat(chunks, total);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

function header<K extends string>(res: IncomingMessage, name: string, key: K): Partial<Record<K, string>> {
  const v = res.headers[name];
  return typeof v === 'string' && v !== '' ? ({ [key]: v } as Record<K, string>) : {};
}
