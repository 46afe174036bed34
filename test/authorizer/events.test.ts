import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CERT_PEM_CHARS } from '../../src/authorizer/index.js';
import { FolderStore } from '../../src/store/index.js';
import { http1Event, http2Event, METHOD_ARN, restEvent, ROUTE_ARN } from './events.js';
import { effect, harness, policy } from './harness.js';
import { makePki, type Pki } from '../support/pki.js';

let pki: Pki;
let dir: string;
let store: FolderStore;
beforeAll(async () => {
  pki = makePki();
  dir = await mkdtemp(join(tmpdir(), 'events-'));
  store = new FolderStore(dir);
  await store.put('a.cache.bin', pki.blobA1);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const shapes = [
  { name: 'REST API REQUEST authorizer', make: restEvent, arn: METHOD_ARN, requestId: 'rest-request-id' },
  { name: 'HTTP API payload 1.0', make: http1Event, arn: METHOD_ARN, requestId: 'http1-request-id' },
  { name: 'HTTP API payload 2.0', make: http2Event, arn: ROUTE_ARN, requestId: 'http2-request-id' },
];

describe.each(shapes)('$name', ({ make, arn, requestId }) => {
  it('allows a good certificate with an IAM policy for the resource, the subject as principal, and the context', async () => {
    const h = harness({ store });
    const r = policy(await h.handler(make(pki.good.pem)));
    expect(r).toEqual({
      principalId: 'CN=client-good,O=Example,C=US',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn }],
      },
      context: {
        status: 'good',
        code: 'cert.good',
        serial: Buffer.from(pki.good.serial).toString('hex').toUpperCase(),
        issuer: 'CN=Issuing CA A,O=Example,C=US',
        crlNumber: '1',
      },
    });
    expect(h.decisions()[0]).toMatchObject({ requestId, decision: 'Allow' });
  });

  it('denies a revoked certificate for the same resource', async () => {
    const r = policy(await harness({ store }).handler(make(pki.revoked.pem)));
    expect(r.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: arn });
    expect(r.context).toMatchObject({ status: 'revoked', code: 'cert.revoked' });
  });

  it('denies cert.missing when the request carries no client certificate', async () => {
    const r = policy(await harness({ store }).handler(make(undefined)));
    expect(r.principalId).toBe('unknown');
    expect(r.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: arn });
    expect(r.context).toEqual({ status: 'unknown', code: 'cert.missing', serial: '', issuer: '', crlNumber: '' });
  });

  it('denies cert.malformed for text that is not a PEM certificate, and for a broken one', async () => {
    const h = harness({ store });
    const notPem = await h.handler(make('MIIB...not a pem'));
    expect(notPem.context.code).toBe('cert.malformed');
    const body = pki.good.pem.split('\n');
    body.splice(3, 1);
    const broken = await h.handler(make(body.join('\n')));
    expect(broken.context.code).toBe('cert.malformed');
    const key = await h.handler(make('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'));
    expect(key.context.code).toBe('cert.malformed');
  });

  it('denies cert.too-large for a certificate field over the limit', async () => {
    const huge = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(MAX_CERT_PEM_CHARS)}\n-----END CERTIFICATE-----\n`;
    const r = await harness({ store }).handler(make(huge));
    expect(r.context.code).toBe('cert.too-large');
  });

  it('never reads the DN or serial fields beside the PEM', async () => {
    const r = await harness({ store }).handler(make(pki.good.pem));
    expect(r.context.serial).not.toBe('00');
    expect(r.context.issuer).not.toContain('not-the-real');
  });
});

describe('HTTP API simple responses', () => {
  it('answer payload 2.0 with {isAuthorized, context} when AUTHORIZER_RESPONSE=simple', async () => {
    const h = harness({ store, env: { AUTHORIZER_RESPONSE: 'simple' } });
    expect(await h.handler(http2Event(pki.good.pem))).toEqual({
      isAuthorized: true,
      context: expect.objectContaining({ status: 'good', code: 'cert.good' }),
    });
    expect(await h.handler(http2Event(pki.revoked.pem))).toMatchObject({
      isAuthorized: false,
      context: { code: 'cert.revoked' },
    });
    expect(await h.handler(http2Event(undefined))).toMatchObject({ isAuthorized: false, context: { code: 'cert.missing' } });
  });

  it('are not used for REST or payload 1.0 events, which only understand IAM policies', async () => {
    const h = harness({ store, env: { AUTHORIZER_RESPONSE: 'simple' } });
    expect(effect(policy(await h.handler(restEvent(pki.good.pem))))).toBe('Allow');
    expect(effect(policy(await h.handler(http1Event(pki.good.pem))))).toBe('Allow');
  });
});

describe('events that are not authorizer events', () => {
  it('deny event.malformed and never throw', async () => {
    const h = harness({ store });
    for (const event of [null, undefined, 42, 'text', [], {}, { version: '3.0' }, { requestContext: 5 }]) {
      const r = await h.handler(event);
      expect(effect(r)).toBe('Deny');
      expect(['event.malformed', 'cert.missing']).toContain(r.context.code);
    }
    const noArn = restEvent(pki.good.pem);
    delete noArn.methodArn;
    const r = policy(await h.handler(noArn));
    expect(r.context.code).toBe('event.malformed');
    expect(r.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: '*' });
  });

  it('takes the request id from the Lambda context when the event has none', async () => {
    const h = harness({ store });
    const e = restEvent(pki.good.pem);
    delete (e.requestContext as Record<string, unknown>).requestId;
    await h.handler(e, { awsRequestId: 'lambda-request-id' });
    expect(h.decisions()[0]).toMatchObject({ requestId: 'lambda-request-id' });
  });
});
