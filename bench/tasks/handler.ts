import { readFileSync, writeFileSync } from 'node:fs';
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

  // Issue #15: what a request pays for a denylist of 10,000 entries (none matching, the usual case): the same
  // handler without one, with one of every kind (fingerprints included: then every request hashes its
  // certificate) and with one without fingerprints; one request of each in turn, so drift hits all alike.
  const loaded: string[] = [];
  const withDenylist = (name: string, fingerprints: boolean) => {
    const denylistKey = `bench-denylist-${name}-${args.entries}.cache.json`;
    writeFileSync(path.join(path.dirname(args.blob), denylistKey), JSON.stringify(benchDenylist(DENYLIST_ENTRIES, fingerprints)));
    return createHandler({
      store: new FolderStore(path.dirname(args.blob)),
      config: { cacheKeys: [path.basename(args.blob)], denylistKey, revalidateSeconds: 86_400, maxStaleSeconds: 7 * 86_400 },
      env: {},
      clock: () => now,
      logSink: (line) => {
        if (line.includes('denylist loaded')) loaded.push(line);
      },
    });
  };
  const variants = [
    { method: 'this project (handler), interleaved, no denylist', h: handler, us: [] as number[] },
    { method: 'this project (handler), interleaved, 10,000-entry denylist', h: withDenylist('mixed', true), us: [] as number[] },
    { method: 'this project (handler), interleaved, 10,000-entry denylist without fingerprints', h: withDenylist('serials', false), us: [] as number[] },
  ] as const;
  for (let i = 0; i < warmup; i++) for (const v of variants) await v.h(event);
  for (let i = 0; i < args.requests; i++) {
    for (let j = 0; j < variants.length; j++) {
      const v = variants[(i + j) % variants.length]!;
      const t0 = process.hrtime.bigint();
      await v.h(event);
      v.us.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
  }
  const decisions = await Promise.all(variants.map(async (v) => effectOf((await v.h(event)) as PolicyResponse)));
  if (loaded.length !== 2 || !loaded.every((l) => l.includes(String(DENYLIST_ENTRIES)))) {
    throw new Error(`handler: the denylists did not load (${loaded.join('; ') || 'no line'})`);
  }

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
    // Issue #15's rows go apart (results.denylist), so issue #5's handler rows stay as they were.
    denylist: variants.map((v, i) => row(v.method, v.us, decisions[i]!)),
  };
});

function effectOf(r: { policyDocument?: { Statement: { Effect: string }[] } }): string {
  return r.policyDocument?.Statement[0]?.Effect ?? 'none';
}

const DENYLIST_ENTRIES = 10_000;

/**
 * A denylist of n entries that match no bench certificate, as many of each kind (issuer key id + serial, issuer
 * name + serial, subject, and SHA-256 fingerprint unless left out): with fingerprint entries present every
 * request also hashes its certificate, the dearest case a real list can make.
 */
function benchDenylist(n: number, fingerprints: boolean): { version: 1; entries: Record<string, string>[] } {
  const hex = (i: number, octets: number): string => (i + 1).toString(16).toUpperCase().padStart(2 * octets, '0').slice(-2 * octets).replace(/^0/, '1');
  const common = { reason: 'bench', addedBy: 'bench', addedAt: '2025-01-01T00:00:00Z' };
  const entries = Array.from({ length: n }, (_, i) => {
    switch (i % (fingerprints ? 4 : 3)) {
      case 0:
        return { issuerKeyId: 'AB'.repeat(20), serial: hex(i, 16), ...common };
      case 1:
        return { issuer: 'CN=Denylisted CA,O=bench', serial: hex(i, 16), ...common };
      case 2:
        return { subject: `CN=denylisted client ${i},O=bench`, ...common };
      default:
        return { sha256: hex(i, 32).toLowerCase(), ...common };
    }
  });
  return { version: 1, entries };
}
