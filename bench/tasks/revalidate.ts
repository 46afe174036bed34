import { readFileSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Store } from '../../src/store/s3.js';
import { startS3 } from '../../test/support/s3.js';
import { latenciesUs } from '../measure.js';
import type { RevalidationRow } from '../results.js';
import { quantile } from '../stats.js';
import { main, taskArgs } from './io.js';

/**
 * Revalidating a cached blob against an S3-compatible server on 127.0.0.1, as the warm authorizer does:
 * this project's conditional GET (If-None-Match: one round trip, 304 when unchanged) against the reference
 * design's HEAD to compare the ETag, then a GET when it changed. "changed" alternates between two versions of
 * the object so that every request sees a new ETag.
 */
interface Args {
  blob: string;
  requests: number;
}

main(async () => {
  const args = taskArgs<Args>();
  const body = new Uint8Array(readFileSync(args.blob));
  // A second version of the object: same size, different bytes (and so a different ETag).
  const other = body.slice();
  other[other.length - 1]! ^= 0xff;
  const s3 = await startS3('bench');
  try {
    const key = 'ca/bench.cache.bin';
    const store = new S3Store(s3.bucket, '', { client: s3.client });
    const { client } = s3;
    const etagOf = async () =>
      (await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).ETag ?? '';
    const put = (b: Uint8Array) =>
      client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from(b), ContentLength: b.length }));
    await put(other);
    const otherEtag = await etagOf();
    await put(body);
    const etag = await etagOf();
    const rows: RevalidationRow[] = [];
    const row = (c: RevalidationRow['case'], method: RevalidationRow['method'], us: number[]): void => {
      rows.push({ case: c, method, requests: us.length, p50Ms: quantile(us, 0.5) / 1e3, p99Ms: quantile(us, 0.99) / 1e3, objectBytes: body.length });
    };
    const warmup = Math.min(50, args.requests);

    // Unchanged: what almost every revalidation is.
    row('unchanged', 'conditional GET (If-None-Match)', await latenciesUs(args.requests, warmup, async () => {
      const r = await store.get(key, { ifNoneMatch: etag });
      if (r.status !== 'not-modified') throw new Error('expected 304');
    }));
    row('unchanged', 'HEAD then GET', await latenciesUs(args.requests, warmup, async () => {
      const h = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      if (h.ETag !== etag) throw new Error('expected the same ETag');
    }));

    // Changed: a new blob was published since the last look. The put is outside the timed part.
    const changedRequests = Math.max(10, args.requests >> 3);
    const timeChanged = async (fetch: (known: string) => Promise<void>): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < changedRequests + 5; i++) {
        const known = await etagOf();
        await put(known === otherEtag ? body : other);
        const t0 = process.hrtime.bigint();
        await fetch(known);
        if (i >= 5) out.push(Number(process.hrtime.bigint() - t0) / 1e3);
      }
      return out;
    };
    row('changed', 'conditional GET (If-None-Match)', await timeChanged(async (known) => {
      const r = await store.get(key, { ifNoneMatch: known });
      if (r.status !== 'ok' || r.body.length !== body.length) throw new Error('expected 200 with the new body');
    }));
    row('changed', 'HEAD then GET', await timeChanged(async (known) => {
      const h = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      if (h.ETag === known) throw new Error('expected a new ETag');
      const g = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      const b = await g.Body!.transformToByteArray();
      if (b.length !== body.length) throw new Error('short body');
    }));
    return { rows };
  } finally {
    await s3.stop();
  }
});
