/**
 * The one object-store interface the preprocessor and the authorizer share. Keys are relative to the store's
 * prefix (or folder). Every call fails with a coded error: `store.not-found` for a missing object,
 * `store.timeout` when the call's time budget runs out, `store.unavailable` for anything else.
 */
export interface ObjectStore {
  /** With `ifNoneMatch`, an unchanged object answers `not-modified` without its body. */
  get(key: string, opts?: GetOptions): Promise<GetResult>;
  put(key: string, body: Uint8Array, opts?: PutOptions): Promise<{ etag: string }>;
  /** `undefined` when the object does not exist. */
  head(key: string): Promise<HeadResult | undefined>;
  /** Keys under `prefix` (relative to the store's own prefix), sorted. */
  list(prefix?: string): Promise<string[]>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** A human description for logs: `s3://bucket/prefix` or `file:///path`. */
  readonly url: string;
}

export interface GetOptions {
  ifNoneMatch?: string;
  /** Only this ETag: a changed object fails with `store.precondition-failed` (ranged GETs of one version). */
  ifMatch?: string;
  /** Bytes [start, end) of the object; the result's `size` is then the whole object's size. */
  range?: { start: number; end: number };
  /** Write the body here (its length must be the bytes expected), e.g. straight into an index's memory. */
  into?: Uint8Array;
  /** Ends the call early (a whole load's budget, an abandoned round): `store.timeout`. */
  signal?: AbortSignal;
}

export type GetResult =
  | { status: 'ok'; body: Uint8Array; etag: string; size?: number }
  | { status: 'not-modified' };

export interface PutOptions {
  metadata?: Record<string, string>;
  /** Write only over this ETag (S3 conditional write; a folder compares before an atomic replace). */
  ifMatch?: string;
  /** `'*'`: write only when no object exists at the key. A failed condition is `store.precondition-failed`. */
  ifNoneMatch?: '*';
}

export interface HeadResult {
  etag: string;
  size: number;
  metadata: Record<string, string>;
}

export interface StoreOptions {
  /**
   * The longest silence of each call, in milliseconds: time to first byte, then the longest stall while a body
   * streams, never a whole download. @default 2000 (DESIGN.md: CRL_STORE_TIMEOUT_MS)
   */
  timeoutMs?: number;
}

export const DEFAULT_STORE_TIMEOUT_MS = 2000;
