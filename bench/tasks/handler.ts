import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHandler } from '../../src/authorizer/handler.js';
import type { PolicyResponse } from '../../src/authorizer/response.js';
import { FolderStore } from '../../src/store/folder.js';
import { loadJsonCache } from '../alternatives/json-cache.js';
import { referenceHandler } from '../alternatives/reference-handler.js';
import { latenciesUs } from '../measure.js';
import { quantile } from '../stats.js';
import type { HandlerRow } from '../results.js';
import { main, taskArgs } from './io.js';

/**
 * The warm handler end to end: a REST API REQUEST authorizer event carrying a real client certificate, through
 * event parsing, certificate reading, the decision and the IAM policy, with the index already loaded and no
 * revalidation due. Log lines are built as in production and handed to a sink that drops them.
 */
interface Args {
  entries: number;
  blob: string;
  json: string;
  leafPem: string;
  at: string;
  requests: number;
}

main(async () => {
  const args = taskArgs<Args>();
  const now = Date.parse(args.at);
  const event = {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/items',
    resource: '/items',
    path: '/items',
    httpMethod: 'GET',
    headers: {},
    requestContext: {
      requestId: 'bench',
      identity: {
        sourceIp: '192.0.2.1',
        clientCert: {
          clientCertPem: args.leafPem,
          subjectDN: 'CN=bench client',
          issuerDN: 'CN=Bench CA',
          serialNumber: 'unused',
          validity: { notBefore: 'unused', notAfter: 'unused' },
        },
      },
    },
  };
  let logged = 0;
  const handler = createHandler({
    store: new FolderStore(path.dirname(args.blob)),
    config: { cacheKeys: [path.basename(args.blob)], revalidateSeconds: 86_400, maxStaleSeconds: 7 * 86_400 },
    env: {},
    clock: () => now,
    logSink: (line) => {
      logged += line.length;
    },
  });
  const warmup = Math.max(200, args.requests >> 2);
  const ours = await latenciesUs(args.requests, warmup, () => handler(event));
  const oursDecision = effectOf((await handler(event)) as PolicyResponse);

  const reference = referenceHandler(loadJsonCache(readFileSync(args.json, 'utf8')));
  const theirs = await latenciesUs(args.requests, warmup, () => reference(event));
  const theirsDecision = effectOf(reference(event));
  if (logged === 0) throw new Error('handler: no decision was logged');

  const row = (method: HandlerRow['method'], us: number[], decision: string): HandlerRow => ({
    entries: args.entries,
    method,
    requests: us.length,
    p50Us: quantile(us, 0.5),
    p99Us: quantile(us, 0.99),
    decision,
  });
  return {
    rows: [row('this project (handler)', ours, oursDecision), row('reference (X509Certificate + Set)', theirs, theirsDecision)],
  };
});

function effectOf(r: { policyDocument?: { Statement: { Effect: string }[] } }): string {
  return r.policyDocument?.Statement[0]?.Effect ?? 'none';
}
