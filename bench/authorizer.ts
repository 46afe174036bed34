/**
 * The authorizer's own benchmark (issue 3): `npx tsx bench/authorizer.ts [--quick]`.
 *
 * Warm: a REST API event with a real client certificate, a 1,000,000-entry index in memory, no revalidation due
 * (CRL_REVALIDATE_SECONDS = 86400): handler latency p50/p99, with the decision log line written to /dev/null
 * (a real write per request, as on Lambda); beside it, the same with the certificate parsed on every request
 * (the parsed-facts cache off: a new client each time), and with a discarding log sink.
 * Cold: the handler bundled by esbuild as CDK's NodejsFunction does (ESM, @aws-sdk/* external), in a fresh Node
 * process per run: module import, then the first invocation (listing the folder, reading and hashing the 1M blob,
 * WASM instantiation, copying the blob into linear memory and checking it, the decision).
 * Targets (issue 3): warm p50 <= 25 us, p99 <= 100 us; cold start <= 150 ms. Target lines never fail anything.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createHandler } from '../src/authorizer/index.js';
import { preprocess } from '../src/preprocessor/preprocess.js';
import { FolderStore } from '../src/store/index.js';
import { buildLargeCrl, generatedSerialKeys, makeCa, makeLeaf } from '../src/testpki/index.js';
import { latenciesUs } from './measure.js';
import { median, quantile, round } from './stats.js';

const quick = process.argv.includes('--quick');
const ENTRIES = quick ? 100_000 : 1_000_000;
const WARM_CALLS = quick ? 20_000 : 200_000;
const COLD_RUNS = quick ? 3 : 9;
const AT = new Date('2025-06-01T00:00:00Z');
const SEED = 7;

function restEvent(pem: string) {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders',
    resource: '/orders',
    path: '/orders',
    httpMethod: 'GET',
    headers: { accept: '*/*', host: 'api.example.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef123',
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: { sourceIp: '192.0.2.1', clientCert: { clientCertPem: pem } },
      resourcePath: '/orders',
      httpMethod: 'GET',
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-authorizer-'));
  try {
    // --- setup, untimed: a CA, a 1M-entry signed CRL, its blob, a good and a revoked client certificate.
    const ca = makeCa({ name: 'CN=Bench Issuing CA,O=Example,C=US', alg: 'ec-p256' });
    const crl = buildLargeCrl({ issuer: ca, count: ENTRIES, seed: SEED, crlNumber: 1, thisUpdate: new Date('2025-05-01T00:00:00Z') });
    const { blob } = preprocess(Buffer.from(crl.der), [ca.der], { at: AT });
    const keys = generatedSerialKeys({ count: 1, seed: SEED });
    const revokedSerial = keys.bytes.slice(keys.offsets[0], keys.offsets[1]);
    const good = makeLeaf(ca, { subject: 'CN=bench-client,O=Example,C=US' });
    const revoked = makeLeaf(ca, { subject: 'CN=bench-revoked,O=Example,C=US', serial: revokedSerial });
    const storeDir = join(dir, 'store');
    await new FolderStore(storeDir).put('bench.cache.bin', blob);

    // --- warm
    const devnull = openSync('/dev/null', 'w');
    const run = async (label: string, sink: (line: string) => void, certCacheEntries?: number) => {
      const handler = createHandler({
        certCacheEntries,
        store: new FolderStore(storeDir),
        config: { revalidateSeconds: 86_400 },
        clock: () => AT.getTime(),
        logSink: sink,
      });
      const goodEvent = restEvent(good.pem);
      const first = await handler(goodEvent);
      const second = await handler(restEvent(revoked.pem));
      if (first.context.code !== 'cert.good' || second.context.code !== 'cert.revoked') {
        throw new Error(`unexpected decisions ${first.context.code} / ${second.context.code}`);
      }
      const us = await latenciesUs(WARM_CALLS, WARM_CALLS / 10, () => handler(goodEvent));
      return { label, p50: round(median(us), 2), p99: round(quantile(us, 0.99), 2), p999: round(quantile(us, 0.999), 2) };
    };
    const toDevNull = (line: string) => void writeSync(devnull, line + '\n');
    const warm = [
      await run('repeat client, log line to /dev/null', toDevNull),
      await run('certificate parsed every request (cert cache off), log line to /dev/null', toDevNull, 0),
      await run('repeat client, log line discarded', () => undefined),
    ];
    closeSync(devnull);

    // --- cold, in fresh processes on the bundled handler
    const bundle = join(dir, 'handler.mjs');
    await build({
      entryPoints: [new URL('../src/authorizer/index.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: bundle,
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    const child = `
      const t0 = performance.now();
      const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      const t1 = performance.now();
      const r = await m.handler(${JSON.stringify(restEvent(good.pem))});
      const t2 = performance.now();
      if (r.context.code !== 'cert.good') throw new Error(r.context.code);
      process.stderr.write(JSON.stringify({ importMs: t1 - t0, firstInvocationMs: t2 - t1, totalMs: t2 - t0 }));`;
    // The handler's own "index loaded" line says how the first invocation split: store read vs. WASM load.
    const cold: { importMs: number; firstInvocationMs: number; totalMs: number; fetchMs: number; loadMs: number }[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
        env: { PATH: process.env.PATH, CRL_STORE_URL: pathToFileURL(storeDir).href, CRL_REVALIDATE_SECONDS: '86400' },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`cold run failed: ${r.stderr}`);
      const loaded = r.stdout
        .split('\n')
        .filter((l) => l.includes('"index loaded"'))
        .map((l) => JSON.parse(l) as { fetchMs: number; loadMs: number })[0]!;
      cold.push({ ...(JSON.parse(r.stderr) as (typeof cold)[number]), fetchMs: loaded.fetchMs, loadMs: loaded.loadMs });
    }
    const med = (k: keyof (typeof cold)[number]) => round(median(cold.map((c) => c[k])), 1);
    const max = (k: keyof (typeof cold)[number]) => round(Math.max(...cold.map((c) => c[k])), 1);

    const result = {
      entries: ENTRIES,
      blobBytes: blob.length,
      warm: { calls: WARM_CALLS, runs: warm, targetP50Us: 25, targetP99Us: 100 },
      cold: {
        runs: COLD_RUNS,
        medianImportMs: med('importMs'),
        medianFirstInvocationMs: med('firstInvocationMs'),
        medianStoreGetMs: med('fetchMs'),
        medianIndexLoadMs: med('loadMs'),
        medianTotalMs: med('totalMs'),
        maxTotalMs: max('totalMs'),
        targetMs: 150,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    for (const w of warm) {
      console.log(`warm (${w.label}): p50 ${w.p50} us, p99 ${w.p99} us (targets 25 / 100)`);
    }
    console.log(
      `cold: import ${result.cold.medianImportMs} ms + first invocation ${result.cold.medianFirstInvocationMs} ms = ` +
        `${result.cold.medianTotalMs} ms median of ${COLD_RUNS} (max ${result.cold.maxTotalMs}; target 150); ` +
        `of the first invocation: store get ${result.cold.medianStoreGetMs} ms, WASM index load ${result.cold.medianIndexLoadMs} ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
