import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { checkKey, normalizePrefix } from './keys.js';
import { CrlAuthorizerError, type Code } from '../errors.js';
import { collectBody, storeCall, timeoutOf, type StoreWork } from './timeout.js';
import {
  DEFAULT_STORE_TIMEOUT_MS,
  type GetOptions,
  type GetResult,
  type HeadResult,
  type ObjectStore,
  type PutOptions,
  type StoreOptions,
} from './types.js';

type S3Module = typeof import('@aws-sdk/client-s3');

/** The bound on importing and constructing the SDK client once per container. */
export const SDK_LOAD_TIMEOUT_MS = 5000;

export interface S3StoreOptions extends StoreOptions {
  /** A ready client (tests, or a caller with its own credentials); otherwise one is built on first use. */
  client?: S3Client;
  /** Extra configuration for the client built on first use. */
  clientConfig?: S3ClientConfig;
}

/**
 * An object store over an S3 bucket and prefix. The SDK is imported on the first call, so a handler that uses
 * a folder store never loads it. The endpoint can be overridden with the SDK's standard `AWS_ENDPOINT_URL_S3`
 * (or `AWS_ENDPOINT_URL`); with an override the client uses path-style addressing, which S3-compatible servers
 * on a bare host:port need.
 */
export class S3Store implements ObjectStore {
  readonly url: string;
  readonly prefix: string;
  private readonly timeoutMs: number;
  private ready = false;
  private loaded?: Promise<{ sdk: S3Module; client: S3Client }>;

  constructor(
    readonly bucket: string,
    prefix = '',
    private readonly opts: S3StoreOptions = {},
  ) {
    this.prefix = normalizePrefix(prefix);
    this.url = `s3://${bucket}/${this.prefix}`;
    this.timeoutMs = timeoutOf(opts, DEFAULT_STORE_TIMEOUT_MS);
  }

  get(key: string, opts?: GetOptions): Promise<GetResult> {
    const Key = this.keyOf(key);
    const range = opts?.range;
    const what = range ? `get ${key} bytes ${range.start}-${range.end - 1}` : `get ${key}`;
    return this.call(
      what,
      async (signal, alive) => {
        const { sdk, client } = await this.sdk();
        try {
          const res = await client.send(
            new sdk.GetObjectCommand({
              Bucket: this.bucket,
              Key,
              IfNoneMatch: opts?.ifNoneMatch,
              IfMatch: opts?.ifMatch,
              Range: range ? `bytes=${range.start}-${range.end - 1}` : undefined,
            }),
            { abortSignal: signal },
          );
          alive();
          if (!res.Body) throw new Error('response has no body');
          const etag = res.ETag ?? '';
          // S3-compatible servers without If-Match (s3rver) still name the version they answered with.
          if (opts?.ifMatch !== undefined && etag !== opts.ifMatch) throw preconditionFailed(what, opts.ifMatch, etag);
          const body = await collectBody(res.Body as AsyncIterable<Uint8Array>, res.ContentLength, opts?.into, alive);
          const size = (range && totalOf(res.ContentRange)) ?? body.length;
          return { status: 'ok', body, etag, size };
        } catch (e) {
          if (statusOf(e) === 304) return { status: 'not-modified' };
          throw e;
        }
      },
      opts?.signal,
    );
  }

  put(key: string, body: Uint8Array, opts?: PutOptions): Promise<{ etag: string }> {
    const Key = this.keyOf(key);
    return this.call(`put ${key}`, async (signal) => {
      const { sdk, client } = await this.sdk();
      const res = await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key,
          // A Buffer with a known length: no streaming checksum trailer, which S3-compatible servers refuse.
          Body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          ContentLength: body.byteLength,
          ContentType: 'application/octet-stream',
          Metadata: opts?.metadata,
          IfMatch: opts?.ifMatch,
          IfNoneMatch: opts?.ifNoneMatch,
        }),
        { abortSignal: signal },
      ).catch((e: unknown) => {
        // A failed condition is the caller's to handle (read the new ETag, retry), not an unavailable store.
        throw conditionFailed(e, key, opts) ?? e;
      });
      return { etag: res.ETag ?? '' };
    });
  }

  async head(key: string): Promise<HeadResult | undefined> {
    const Key = this.keyOf(key);
    try {
      return await this.call(`head ${key}`, async (signal) => {
        const { sdk, client } = await this.sdk();
        const res = await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key }), {
          abortSignal: signal,
        });
        return { etag: res.ETag ?? '', size: res.ContentLength ?? 0, metadata: res.Metadata ?? {} };
      });
    } catch (e) {
      if ((e as { code?: unknown }).code === 'store.not-found') return undefined;
      throw e;
    }
  }

  list(prefix = ''): Promise<string[]> {
    const full = this.prefix + prefix.replace(/^\/+/, '');
    return this.call(`list ${prefix || '/'}`, async (signal) => {
      const { sdk, client } = await this.sdk();
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const res = await client.send(
          new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken }),
          { abortSignal: signal },
        );
        for (const o of res.Contents ?? []) {
          if (o.Key !== undefined && o.Key.startsWith(this.prefix)) keys.push(o.Key.slice(this.prefix.length));
        }
        ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    });
  }

  delete(key: string): Promise<void> {
    const Key = this.keyOf(key);
    return this.call(`delete ${key}`, async (signal) => {
      const { sdk, client } = await this.sdk();
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: signal });
    });
  }

  private keyOf(key: string): string {
    return this.prefix + checkKey(key);
  }

  private async call<T>(what: string, work: StoreWork<T>, outer?: AbortSignal): Promise<T> {
    // Loading the SDK on first use is start-up work, not a store round trip: the store timeout bounds the request
    // alone, so a slow cold import cannot turn the first call into store.timeout.
    if (!this.ready) {
      await storeCall(`${this.url} loading the S3 client`, SDK_LOAD_TIMEOUT_MS, () => this.sdk(), classify, outer);
      this.ready = true;
    }
    return storeCall(`${this.url} ${what}`, this.timeoutMs, work, classify, outer);
  }

  private sdk(): Promise<{ sdk: S3Module; client: S3Client }> {
    this.loaded ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: this.opts.client ?? new sdk.S3Client(defaultClientConfig(this.opts.clientConfig)),
    }));
    // A failed import (a bundle without the SDK) must not stick: the next call tries again.
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }
}

function defaultClientConfig(extra: S3ClientConfig | undefined): S3ClientConfig {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
  return {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { forcePathStyle: true, region: process.env.AWS_REGION || 'us-east-1' } : {}),
    ...extra,
  };
}

/**
 * A PUT whose condition failed is `store.precondition-failed`: 412, or 409 when S3 saw a concurrent conditional
 * write to the same key (its advice: retry, which for us means read the new ETag first).
 */
function conditionFailed(e: unknown, key: string, opts: PutOptions | undefined): CrlAuthorizerError | undefined {
  const status = statusOf(e);
  if (opts?.ifMatch === undefined && opts?.ifNoneMatch === undefined) return undefined;
  if (status !== 412 && status !== 409) return undefined;
  return new CrlAuthorizerError('store.precondition-failed', `put ${key}: the condition failed (HTTP ${status})`, { cause: e });
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(e) === 404;
}

/** The error names S3 (and the SDK's own retry strategy) treat as "slow down", besides HTTP 429. */
const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestLimitExceeded']);

function classify(e: unknown): Code | undefined {
  if (isNotFound(e)) return 'store.not-found';
  const name = (e as { name?: unknown; Code?: unknown } | null)?.name;
  if (statusOf(e) === 412 || name === 'PreconditionFailed') return 'store.precondition-failed';
  if (statusOf(e) === 429 || (typeof name === 'string' && THROTTLING.has(name))) return 'store.throttled';
  return undefined;
}

function preconditionFailed(what: string, wanted: string, got: string): CrlAuthorizerError {
  return new CrlAuthorizerError('store.precondition-failed', `${what}: the object changed (ETag ${got}, expected ${wanted})`);
}

/** The whole object's size from `Content-Range: bytes 0-99/1234`. */
function totalOf(contentRange: string | undefined): number | undefined {
  const m = /\/(\d+)$/.exec(contentRange ?? '');
  return m ? Number(m[1]) : undefined;
}
