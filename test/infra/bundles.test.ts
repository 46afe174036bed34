import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleStack } from '../../infra/index.js';
import { makeCa, makeLeaf, type TestCert } from '../../src/testpki/cert.js';
import { makeCrl } from '../../src/testpki/crl.js';
import { http2Event, restEvent } from '../authorizer/events.js';
import { encodeKey, s3Event } from '../preprocessor/events.js';
import { startS3, type LocalS3 } from '../support/s3.js';
import { runCollect } from '../support/spawn.js';

const PREFIX = 'pki/';

interface Invocation {
  result?: unknown;
  error?: { name: string; code?: string; message: string };
  logs: Record<string, unknown>[];
}

/**
 * Runs a bundle as Lambda would: a fresh Node process that imports the bundle's index.mjs and calls its `handler`
 * export with the event, in the environment the template gives the function.
 */
async function invoke(bundleDir: string, env: Record<string, string>, event: unknown): Promise<Invocation> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(join(bundleDir, 'index.mjs')).href)});
    process.stdout.write(JSON.stringify({ message: '@@imported' }) + '\\n');
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    let out;
    try { out = { result: await handler(JSON.parse(input), { awsRequestId: 'bundle-test' }) }; }
    catch (e) { out = { error: { name: e.name, code: e.code, message: e.message } }; }
    process.stdout.write('\\n@@INVOCATION ' + JSON.stringify(out) + '\\n');
  `;
  const { stdout, stderr } = await runCollect(process.execPath, ['--input-type=module', '-e', script], env, JSON.stringify(event));
  const lines = stdout.split('\n');
  const marker = lines.find((l) => l.startsWith('@@INVOCATION '));
  if (!marker) throw new Error(`bundle did not answer:\n${stdout}\n${stderr}`);
  const logs = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...(JSON.parse(marker.slice('@@INVOCATION '.length)) as Invocation), logs };
}

/** The function's environment from the template, with the bucket reference resolved to the local server. */
function environmentOf(template: Template, logicalIdPrefix: string, bucket: string): Record<string, string> {
  const fns = template.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => id.startsWith(logicalIdPrefix))!;
  const vars = fn.Properties.Environment.Variables as Record<string, unknown>;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) env[k] = typeof v === 'string' ? v : '';
  env.CRL_STORE_URL = `s3://${bucket}/${PREFIX}`;
  return env;
}

function assetDirOf(template: Template, logicalIdPrefix: string, outdir: string): string {
  const fns = template.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => id.startsWith(logicalIdPrefix))!;
  return join(outdir, fn.Metadata['aws:asset:path'] as string);
}

const decision = (r: Invocation) => {
  const res = r.result as { policyDocument?: { Statement: { Effect: string }[] }; isAuthorized?: boolean; context: { code: string } };
  const effect = res.policyDocument ? res.policyDocument.Statement[0]!.Effect : res.isAuthorized ? 'Allow' : 'Deny';
  return `${effect} ${res.context.code}`;
};

describe('the bundles synth produces, run against s3rver (issue #4 end to end)', () => {
  let s3: LocalS3;
  let outdir: string;
  let preprocessorDir: string;
  let authorizerDir: string;
  let preprocessorEnv: Record<string, string>;
  let authorizerEnv: Record<string, string>;
  let ca: TestCert;
  let good: TestCert;
  let revoked: TestCert;

  const put = (key: string, body: Uint8Array | string) =>
    s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: PREFIX + key, Body: body }));
  const preprocess = (key: string) =>
    invoke(preprocessorDir, preprocessorEnv, s3Event('ObjectCreated:Put', s3.bucket, encodeKey(PREFIX + key)));
  const authorize = (cert: TestCert, shape: 'rest' | 'http2' = 'rest') =>
    invoke(authorizerDir, authorizerEnv, shape === 'rest' ? restEvent(cert.pem) : http2Event(cert.pem)).then(decision);

  beforeAll(async () => {
    s3 = await startS3();
    outdir = await mkdtemp(join(tmpdir(), 'cdk-bundles-'));
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new ExampleStack(app, 'Bundles', { crl: { prefix: PREFIX } });
    app.synth();
    const template = Template.fromStack(stack);
    const local = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      // The first store call of a fresh process includes importing the bundled SDK; on a shared test machine
      // that can exceed the 2 s production budget, which is not what this test is about.
      CRL_STORE_TIMEOUT_MS: '9000',
    };
    preprocessorDir = assetDirOf(template, 'CrlPreprocessor', outdir);
    authorizerDir = assetDirOf(template, 'CrlAuthorizer', outdir);
    preprocessorEnv = { ...environmentOf(template, 'CrlPreprocessor', s3.bucket), ...local };
    authorizerEnv = { ...environmentOf(template, 'CrlAuthorizer', s3.bucket), ...local };

    ca = makeCa({ name: 'CN=Bundle CA,O=Test,C=US' });
    good = makeLeaf(ca, { subject: 'CN=good client' });
    revoked = makeLeaf(ca, { subject: 'CN=revoked client' });
  });
  afterAll(async () => {
    await s3?.stop();
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('denies everything before any CRL is published (no index covers the certificate)', async () => {
    expect(await authorize(good)).toBe('Deny index.not-covered');
  });

  it('publishes a CRL: the preprocessor writes the blob, the authorizer denies the revoked and allows the good', async () => {
    await put('issuing.ca.pem', ca.pem);
    await put('issuing.crl', makeCrl({ issuer: ca, crlNumber: 2, entries: [{ serial: revoked.serial }] }));

    const run = await preprocess('issuing.crl');
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ outcomes: [{ action: 'written', blobKey: 'issuing.cache.bin', crlNumber: '2' }] });
    expect(s3.requestCount('PUT', `${PREFIX}issuing.cache.bin`)).toBe(1);

    expect(await authorize(revoked)).toBe('Deny cert.revoked');
    expect(await authorize(good)).toBe('Allow cert.good');
    expect(await authorize(revoked, 'http2')).toBe('Deny cert.revoked');
    expect(await authorize(good, 'http2')).toBe('Allow cert.good');
  });

  it('the authorizer bundle is the ESM entry: in Lambda, INIT (the import) finishes only after the blob is loaded', async () => {
    const before = s3.requestCount('GET', `${PREFIX}issuing.cache.bin`);
    const run = await invoke(authorizerDir, { ...authorizerEnv, AWS_LAMBDA_FUNCTION_NAME: 'CrlAuthorizer' }, restEvent(revoked.pem));
    expect(decision(run)).toBe('Deny cert.revoked');
    const order = run.logs.map((l) => l.message).filter((m) => ['index loaded', '@@imported', 'decision'].includes(m as string));
    expect(order).toEqual(['index loaded', '@@imported', 'decision']);
    // The request was answered from what INIT loaded: one blob GET in all, made during the import.
    expect(s3.requestCount('GET', `${PREFIX}issuing.cache.bin`) - before).toBe(1);
  });

  it('rejects an older CRL (crl.rollback): the invocation fails, is logged with its code, decisions stay', async () => {
    await put('issuing.crl', makeCrl({ issuer: ca, crlNumber: 1, entries: [] }));
    const run = await preprocess('issuing.crl');
    expect(run.error).toMatchObject({ code: 'crl.rollback' });
    expect(run.logs).toContainEqual(expect.objectContaining({ code: 'crl.rollback', CrlRejected: 1 }));
    expect(s3.requestCount('PUT', `${PREFIX}issuing.cache.bin`)).toBe(1);

    expect(await authorize(revoked)).toBe('Deny cert.revoked');
    expect(await authorize(good)).toBe('Allow cert.good');
  });

  it('rejects a CRL with a bad signature (crl.signature-invalid): decisions stay', async () => {
    const forged = makeCrl({
      issuer: ca,
      crlNumber: 3,
      entries: [{ serial: revoked.serial }, { serial: good.serial }],
      corruptSignature: true,
    });
    await put('issuing.crl', forged);
    const run = await preprocess('issuing.crl');
    expect(run.error).toMatchObject({ code: 'crl.signature-invalid' });
    expect(s3.requestCount('PUT', `${PREFIX}issuing.cache.bin`)).toBe(1);

    expect(await authorize(revoked)).toBe('Deny cert.revoked');
    expect(await authorize(good)).toBe('Allow cert.good');
  });
});
