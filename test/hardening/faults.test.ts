/**
 * The authorizer in front of an S3 that misbehaves: s3rver on 127.0.0.1 behind a proxy that injects one fault
 * per test. Invariants: fail closed (no store, no index: Deny), bounded staleness (a held index answers only up
 * to CRL_MAX_STALE_SECONDS after the store last confirmed it), no half-loaded index (a broken transfer never
 * replaces the held index, and the complete object is loaded once the store recovers), and every store call
 * ends within its own timeout, which is below API Gateway's.
 */
import { BACKOFF_CAP_MS } from '../../src/authorizer/cache.js';
import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, DEFAULTS, readConfig, type AuthorizerHandler } from '../../src/authorizer/index.js';
import { MAX_STORE_TIMEOUT_MS } from '../../src/authorizer/config.js';
import type { AuthorizerResponse } from '../../src/authorizer/response.js';
import { S3Store } from '../../src/store/index.js';
import { startS3, type LocalS3 } from '../support/s3.js';
import { startFaultProxy, type Fault, type FaultProxy } from './fault-proxy.js';
import { certEvent, makeHardeningPki, T0 } from '../support/pki.js';
import { expectCode } from '../support/codes.js';

/** API Gateway's own limit on a Lambda authorizer's answer. */
const API_GATEWAY_AUTHORIZER_TIMEOUT_MS = 10_000;
const STORE_TIMEOUT_MS = 300;
const MAX_STALE_SECONDS = 60;
const KEY = 'a.cache.bin';

const pki = makeHardeningPki();

let s3: LocalS3;
let proxy: FaultProxy;
let client: S3Client;
let writer: S3Store;
let reader: S3Store;
let now: number;
let lines: Record<string, unknown>[];

beforeEach(async () => {
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint);
  client = new S3Client({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
  });
  writer = new S3Store(s3.bucket, 'crls', { client: s3.client });
  reader = new S3Store(s3.bucket, 'crls', { client, timeoutMs: STORE_TIMEOUT_MS });
  await writer.put(KEY, pki.blob1);
  now = T0;
  lines = [];
});

afterEach(async () => {
  client.destroy();
  await proxy.stop();
  await s3.stop();
});

function handler(): AuthorizerHandler {
  return createHandler({
    store: reader,
    env: {},
    config: { cacheKeys: [KEY], revalidateSeconds: 0, maxStaleSeconds: MAX_STALE_SECONDS, storeTimeoutMs: STORE_TIMEOUT_MS },
    clock: () => now,
    logSink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
  });
}

function outcome(r: AuthorizerResponse): string {
  const allow = 'isAuthorized' in r ? r.isAuthorized : r.policyDocument.Statement[0].Effect === 'Allow';
  return `${allow ? 'Allow' : 'Deny'} ${String(r.context.code)}`;
}

const warned = (code: string) => lines.some((l) => l.message === 'revalidation failed' && l.code === code);

/** The faults a broken transfer of a changed object can meet; each must leave CRL 1 in place, then load CRL 2. */
// The SDK retries 5xx and resets with a backoff, so a failure may surface as the call's timeout instead.
const STORE_CODES = ['store.timeout', 'store.unavailable'];
const FAULTS: { fault: Fault; codes: string[] }[] = [
  { fault: 'timeout', codes: ['store.timeout'] },
  { fault: '500', codes: STORE_CODES },
  // S3's 503 is SlowDown: throttling, answered with backoff (issue #11).
  { fault: '503', codes: [...STORE_CODES, 'store.throttled'] },
  { fault: 'reset', codes: STORE_CODES },
  { fault: 'truncate', codes: STORE_CODES },
  { fault: 'long-length', codes: STORE_CODES },
  { fault: 'short-length', codes: STORE_CODES },
];

describe('an S3 that fails while a new CRL is published', () => {
  for (const { fault, codes } of FAULTS) {
    it(`${fault}: keeps the held index within the stale bound, then denies, then loads the whole new CRL`, async () => {
      const h = handler();
      expect(outcome(await h(certEvent(pki.good)))).toBe('Allow cert.good');
      expect(outcome(await h(certEvent(pki.revoked)))).toBe('Deny cert.revoked');

      await writer.put(KEY, pki.blob2);
      proxy.fault = fault;
      now += 10_000;
      // The store is broken: CRL 1 still answers, whole; `later` is revoked only by CRL 2, not yet loaded.
      expect(outcome(await h(certEvent(pki.good)))).toBe('Allow cert.good');
      expect(outcome(await h(certEvent(pki.revoked)))).toBe('Deny cert.revoked');
      expect(outcome(await h(certEvent(pki.later)))).toBe('Allow cert.good');
      expect(h.cache!.held().map((x) => x.index.meta.crlNumber)).toEqual(['1']);
      expect(proxy.faulted).toBeGreaterThan(0);
      // Either the transfer failed (a store code), or the short body was refused as a blob: never loaded.
      const refused = lines.some((l) => l.message === 'blob refused: keeping the index held' && l.code === 'blob.malformed');
      expect(codes.some(warned) || refused, JSON.stringify(lines.filter((l) => l.level === 'WARN'))).toBe(true);

      // Past the bound, a certificate the unconfirmed index would answer for is denied: fail closed.
      now += MAX_STALE_SECONDS * 1000;
      expect(outcome(await h(certEvent(pki.good)))).toBe('Deny index.stale');

      // The store recovers: the next round (after a throttled store's backoff, at most BACKOFF_CAP_MS) loads CRL 2.
      proxy.fault = 'none';
      now += BACKOFF_CAP_MS + 1000;
      expect(outcome(await h(certEvent(pki.later)))).toBe('Deny cert.revoked');
      expect(outcome(await h(certEvent(pki.good)))).toBe('Allow cert.good');
      expect(h.cache!.held().map((x) => x.index.meta.crlNumber)).toEqual(['2']);
    });
  }

  for (const { fault, codes } of FAULTS.filter((f) => ['timeout', '503', 'reset'].includes(f.fault))) {
    it(`${fault} at cold start: denies every request with the store's code (fail closed)`, async () => {
      proxy.fault = fault;
      const h = handler();
      const r = outcome(await h(certEvent(pki.good)));
      expect(codes.map((c) => `Deny ${c}`)).toContain(r);
      expect(outcome(await h(certEvent(pki.revoked)))).toMatch(/^Deny /);
    });
  }
});

describe('an object that changes between HEAD and GET', () => {
  it('loads the object the GET returned, whole, with that object\'s ETag', async () => {
    const h = handler();
    expect(outcome(await h(certEvent(pki.later)))).toBe('Allow cert.good');
    const before = await reader.head(KEY);
    let swapped = false;
    proxy.beforeGet = async (path) => {
      // The blob's GET only: the denylist's GET of the same round runs beside it.
      if (swapped || !path.includes('.cache.bin')) return;
      swapped = true;
      await writer.put(KEY, pki.blob2);
    };
    now += 1000;
    expect(outcome(await h(certEvent(pki.later)))).toBe('Deny cert.revoked');
    const held = h.cache!.held();
    expect(held.map((x) => x.index.meta.crlNumber)).toEqual(['2']);
    const after = await reader.head(KEY);
    expect(after!.etag).not.toBe(before!.etag);
    expect(held[0]!.etag).toBe(after!.etag);
    // s3rver's ETag of a single-part object is the MD5 of its bytes: the body and the ETag belong together.
    const got = await reader.get(KEY);
    expect(got.status === 'ok' && `"${createHash('md5').update(got.body).digest('hex')}"`).toBe(after!.etag);
  });
});

describe('store call budget', () => {
  it('is below API Gateway\'s authorizer timeout by default and at its maximum', () => {
    expect(DEFAULTS.storeTimeoutMs).toBeLessThan(API_GATEWAY_AUTHORIZER_TIMEOUT_MS);
    expect(MAX_STORE_TIMEOUT_MS).toBeLessThan(API_GATEWAY_AUTHORIZER_TIMEOUT_MS);
    expect(() => readConfig({ CRL_STORE_TIMEOUT_MS: String(API_GATEWAY_AUTHORIZER_TIMEOUT_MS) })).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
  });

  it('a GET that never answers ends as store.timeout', async () => {
    proxy.fault = 'timeout';
    await expectCode(reader.get(KEY), 'store.timeout');
    await expectCode(reader.head(KEY), 'store.timeout');
  });
});
