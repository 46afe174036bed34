import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type LocalS3 } from '../support/s3.js';
import { http2Event, restEvent } from './events.js';
import { effect } from './harness.js';
import { makePki, type Pki } from '../support/pki.js';

/**
 * The exported `handler`, configured only by the environment, as Lambda runs it: CRL_STORE_URL names an s3://
 * prefix and the SDK's standard AWS_ENDPOINT_URL_S3 points it at s3rver.
 */
let s3: LocalS3;
let pki: Pki;
const saved = { ...process.env };
const lines: string[] = [];
const write = process.stdout.write;

beforeAll(async () => {
  pki = makePki();
  s3 = await startS3('env-bucket');
  const { S3Store } = await import('../../src/store/index.js');
  await new S3Store(s3.bucket, 'pki', { client: s3.client }).put('issuing-a.cache.bin', pki.blobA1);
  Object.assign(process.env, {
    CRL_STORE_URL: `s3://${s3.bucket}/pki`,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AUTHORIZER_RESPONSE: 'simple',
    // Per-request confirmation: the two requests below send two GETs.
    CRL_REVALIDATE_SECONDS: '0',
  });
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{')) {
      lines.push(chunk);
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  }) as typeof process.stdout.write;
});
afterAll(async () => {
  process.stdout.write = write;
  process.env = saved;
  await s3.stop();
});

describe('the exported handler', () => {
  it('reads its configuration from the environment and its blobs from S3 through AWS_ENDPOINT_URL_S3', async () => {
    const { handler } = await import('../../src/authorizer/index.js');
    expect(await handler(http2Event(pki.good.pem))).toMatchObject({ isAuthorized: true, context: { code: 'cert.good' } });
    expect(effect(await handler(restEvent(pki.revoked.pem)))).toBe('Deny');
    expect(s3.requestCount('GET', 'pki/issuing-a.cache.bin')).toBe(2);
    // Decision lines reach stdout after the response (src/authorizer/stdout.ts): on the next turn of the loop.
    await new Promise((r) => setImmediate(r));
    const decisions = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === 'decision');
    expect(decisions.map((d) => d.code)).toEqual(['cert.good', 'cert.revoked']);
  });
});
