import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** One request as the server saw it. `key` is the object key without the bucket; '' for bucket-level calls. */
export interface SeenRequest {
  method: string;
  key: string;
  query: string;
  ifNoneMatch?: string;
}

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  client: S3Client;
  /** Every request the server received, in order. */
  requests: SeenRequest[];
  /** Requests with this method, and this key when given (full key in the bucket). */
  requestCount(method: string, key?: string): number;
  stop(): Promise<void>;
}

/**
 * Starts s3rver in-process on 127.0.0.1 on a free port with its own temporary directory and one bucket, and
 * counts requests at the server (a listener placed before s3rver's own), so tests can assert how many GETs the
 * code under test really sent.
 */
export async function startS3(bucket = 'crls'): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const addr = await server.run();
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const requests: SeenRequest[] = [];
  server.httpServer!.prependListener('request', (req: IncomingMessage) => {
    const u = new URL(req.url ?? '/', endpoint);
    const path = decodeURIComponent(u.pathname).replace(/^\//, '');
    const slash = path.indexOf('/');
    const header = req.headers['if-none-match'];
    requests.push({
      method: req.method ?? '',
      key: slash < 0 ? '' : path.slice(slash + 1),
      query: u.search,
      ifNoneMatch: typeof header === 'string' ? header : undefined,
    });
  });
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Tests that stop the server want one refused connection per call, not the SDK's backoff.
    maxAttempts: 1,
  });
  let stopped = false;
  return {
    endpoint,
    bucket,
    client,
    requests,
    requestCount: (method, key) =>
      requests.filter((r) => r.method === method && (key === undefined || r.key === key)).length,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.httpServer?.closeAllConnections();
      await server.close();
      client.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
