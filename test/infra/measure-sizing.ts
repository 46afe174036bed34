/**
 * Measures the figures infra/sizing.ts holds, on the code path a deployment runs: the bundles `cdk synth` builds,
 * each in a fresh Node process (as a cold Lambda container), against s3rver on 127.0.0.1.
 *
 *   npx tsx test/infra/measure-sizing.ts [--sizes 1e5,1e6,1e7]
 *
 * For each size: a synthetic signed CRL (src/testpki) is uploaded with its CA certificate, the bundled
 * preprocessor turns it into a blob (peak RSS and wall time of that process), then the bundled authorizer decides
 * one certificate cold (peak RSS, and the time from process start to the first decision, which includes loading
 * the blob). Peak RSS is the process's ru_maxrss (GNU time %M). Prints one JSON line per size.
 * Not part of the test suite: it takes minutes at 1e7 and its figures depend on the machine.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ExampleStack } from '../../infra/index.js';
import { makeCa, makeLeaf } from '../../src/testpki/cert.js';
import { writeLargeCrl } from '../../src/testpki/large-crl.js';
import { restEvent } from '../authorizer/events.js';
import { encodeKey, s3Event } from '../preprocessor/events.js';
import { startS3 } from '../support/s3.js';
import { runCollect } from '../support/spawn.js';

interface Run {
  peakMiB: number;
  wallSeconds: number;
  handlerSeconds: number;
  sinceStartSeconds: number;
  out: string;
}

/** Runs `handler(event)` of a bundle in a fresh process under GNU time. */
async function run(bundleDir: string, env: Record<string, string>, event: unknown): Promise<Run> {
  const script = `
    const t0 = performance.now();
    const { handler } = await import(${JSON.stringify(pathToFileURL(join(bundleDir, 'index.mjs')).href)});
    const h0 = performance.now();
    let out;
    try { out = JSON.stringify(await handler(${JSON.stringify(event)}, { awsRequestId: 'measure' })); }
    catch (e) { out = 'error ' + e.code + ' ' + e.message; }
    const h1 = performance.now();
    process.stdout.write('\\n@@RUN ' + JSON.stringify({ out: out.slice(0, 300), handler: (h1 - h0) / 1000,
      sinceStart: h1 / 1000, importSeconds: (h0 - t0) / 1000 }) + '\\n');
  `;
  const args = ['-f', '@@TIME %M %e', process.execPath, '--input-type=module', '-e', script];
  const { stdout, stderr } = await runCollect('/usr/bin/time', args, env);
  const r = /@@RUN (.*)/.exec(stdout);
  const t = /@@TIME (\d+) ([\d.]+)/.exec(stderr);
  if (!r || !t) throw new Error(`no answer:\n${stdout}\n${stderr}`);
  const parsed = JSON.parse(r[1]!) as { out: string; handler: number; sinceStart: number };
  return {
    peakMiB: Math.round(Number(t[1]) / 1024),
    wallSeconds: Number(t[2]),
    handlerSeconds: Number(parsed.handler.toFixed(2)),
    sinceStartSeconds: Number(parsed.sinceStart.toFixed(2)),
    out: parsed.out,
  };
}

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1e5,1e6,1e7' } } });
const sizes = values.sizes!.split(',').map(Number);

const s3 = await startS3();
const dir = await mkdtemp(join(tmpdir(), 'measure-sizing-'));
try {
  const app = new App({ outdir: join(dir, 'cdk.out'), context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new ExampleStack(app, 'Measure');
  app.synth();
  const template = Template.fromStack(stack);
  const fn = (prefix: string) => {
    const [, f] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix))!;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(f.Properties.Environment.Variables as Record<string, unknown>)) {
      env[k] = typeof v === 'string' ? v : '';
    }
    return { dir: join(app.outdir, f.Metadata['aws:asset:path'] as string), env };
  };
  const local = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    CRL_STORE_URL: `s3://${s3.bucket}/`,
  };
  // The seed's authorizer bounds a whole download by the store timeout; give it the most it accepts (9 s).
  const authorizerTimeouts = { CRL_STORE_TIMEOUT_MS: '9000', CRL_LOAD_TIMEOUT_MS: '9000' };
  const pre = fn('CrlPreprocessor');
  const auth = fn('CrlAuthorizer');
  for (const size of sizes) {
    const name = `size-${size}`;
    const ca = makeCa({ name: `CN=Sizing CA ${size},O=crl-authorizer,C=US` });
    const crlPath = join(dir, `${name}.crl`);
    const crl = writeLargeCrl(crlPath, { issuer: ca, count: size, seed: 1 });
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${name}.ca.pem`, Body: ca.pem }));
    // Streamed: a 378 MB CRL in one buffer made s3rver reset the connection.
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `${name}.crl`, Body: createReadStream(crlPath), ContentLength: crl.bytes }),
    );
    await rm(crlPath);
    const load = await readFile('/proc/loadavg', 'utf8');
    const p = await run(pre.dir, { ...pre.env, ...local }, s3Event('ObjectCreated:Put', s3.bucket, encodeKey(`${name}.crl`)));
    const head = await s3.client
      .send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${name}.cache.bin` }))
      .catch(() => ({ ContentLength: 0 }));
    const a = await run(auth.dir, { ...auth.env, ...local, ...authorizerTimeouts, CRL_CACHE_KEYS: `${name}.cache.bin` }, restEvent(makeLeaf(ca).pem));
    console.log(JSON.stringify({
      entries: size,
      crlMiB: Number((crl.bytes / 2 ** 20).toFixed(1)),
      blobMiB: Number(((head.ContentLength ?? 0) / 2 ** 20).toFixed(1)),
      preprocessor: { peakMiB: p.peakMiB, wallSeconds: p.wallSeconds, handlerSeconds: p.handlerSeconds, out: p.out.slice(0, 120) },
      authorizer: { peakMiB: a.peakMiB, firstDecisionSeconds: a.sinceStartSeconds, handlerSeconds: a.handlerSeconds, out: a.out.replace(/.*"context":/, '').slice(0, 200) },
      loadavg: load.trim(),
    }));
  }
} finally {
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
}
