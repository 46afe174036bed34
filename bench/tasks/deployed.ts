import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { S3Store } from '../../src/store/s3.js';
import { restEvent } from '../../test/authorizer/events.js';
import { makePki } from '../../test/authorizer/pki.js';
import { startS3, type LocalS3 } from '../../test/support/s3.js';
import { BACKGROUND, type DeployedColdRow, type DeployedSteadyRow, type SteadyMode } from '../deployed.js';
import { startShapingProxy, type ShapingProxy } from '../shaping-proxy.js';
import { quantile } from '../stats.js';
import { main, taskArgs } from './io.js';

/**
 * The authorizer as deployed (issue #11): the Lambda bundle (esbuild, ESM, SDK inside, as the construct builds it)
 * in a process of its own per "container", against s3rver behind a shaping proxy (latency per request, bandwidth
 * per connection), one request at a time.
 *
 * - steady: requests offered at `rate` per second with per-request confirmation (CRL_REVALIDATE_SECONDS=0) and
 *   with background revalidation (the default 10 s); a new blob lands part-way and the delay until the first
 *   decision that uses it is recorded.
 * - cold: from spawning the process to its first decision, and its peak RSS, for each large blob with the default
 *   ranged GETs and with one GET (CRL_RANGE_BYTES at its maximum).
 */
interface Args {
  repo: string;
  latencyMs: number;
  bytesPerSecond: number;
  rate: number;
  steadySeconds: number;
  /** The background row's steady state: requests after this many seconds of the run. */
  warmupSeconds: number;
  cold: { entries: number; blob: string; leafPem: string }[];
}

/** The container: imports the bundle (INIT, which loads the blobs), then answers requests one at a time. */
const CONTAINER = `
const args = JSON.parse(process.env.BENCH_CONTAINER);
const { handler } = await import(args.bundle);
const events = args.events;
const out = { latUs: [], cpuUs: [], preempted: [], gcs: [], startedAt: [], firstNewAt: null, codes: {}, firstAt: 0, firstCode: '' };
// Why a request is slow: the CPU it used (process.cpuUsage), whether the kernel took the CPU away during it
// (involuntary context switches, getrusage), and the GC pauses (perf_hooks) that overlap it.
const { PerformanceObserver } = await import('node:perf_hooks');
new PerformanceObserver((l) => { for (const e of l.getEntries()) out.gcs.push([e.startTime, e.duration]); }).observe({ entryTypes: ['gc'] });
const ask = async (i) => {
  const ivcs = process.resourceUsage().involuntaryContextSwitches;
  const cpu = process.cpuUsage();
  const t = performance.now();
  const r = await handler(events[i % events.length]);
  const wall = (performance.now() - t) * 1000;
  const used = process.cpuUsage(cpu);
  out.latUs.push(wall);
  out.startedAt.push(t);
  out.cpuUs.push(used.user + used.system);
  out.preempted.push(process.resourceUsage().involuntaryContextSwitches - ivcs);
  const c = r.context;
  out.codes[c.code] = (out.codes[c.code] ?? 0) + 1;
  if (out.firstNewAt === null && args.newCrlNumber && c.crlNumber === args.newCrlNumber) out.firstNewAt = Date.now();
  return c.code;
};
out.firstCode = await ask(0);
out.firstAt = Date.now();
const ru = process.resourceUsage();
out.firstCpuMs = (ru.userCPUTime + ru.systemCPUTime) / 1000;
out.firstFaults = ru.minorPageFault;
process.stderr.write('ready\\n');
const start = (out.loopStart = performance.now());
for (let i = 1; performance.now() - start < args.seconds * 1000; i++) {
  const wait = start + (i * 1000) / args.rate - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  await ask(i);
}
out.seconds = (performance.now() - start) / 1000;
out.peakRssBytes = Number(/VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
require('node:fs').writeFileSync(args.result, JSON.stringify(out));
process.exit(0);
`;

interface ContainerOut {
  latUs: number[];
  cpuUs: number[];
  preempted: number[];
  startedAt: number[];
  /** When the timed loop began (after the first request), on the same clock as startedAt. */
  loopStart: number;
  /** GC pauses: [start, duration] in ms on the container's performance clock. */
  gcs: [number, number][];
  firstNewAt: number | null;
  codes: Record<string, number>;
  firstAt: number;
  firstCode: string;
  firstCpuMs: number;
  firstFaults: number;
  seconds: number;
  peakRssBytes: number;
}

main(async () => {
  const args = taskArgs<Args>();
  const dir = path.join(args.repo, 'bench', '.cache', `deployed-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bundle = path.join(dir, 'index.mjs');
  await build({
    entryPoints: [path.join(args.repo, 'src', 'authorizer', 'lambda.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: bundle,
    // As infra/crl-authorizer.ts bundles it: the SDK inside, and require() for CommonJS dependencies.
    banner: { js: "import { createRequire as __crlCreateRequire } from 'node:module'; const require = __crlCreateRequire(import.meta.url);" },
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  const s3 = await startS3('bench');
  const proxy = await startShapingProxy(s3.endpoint, { latencyMs: args.latencyMs, bytesPerSecond: args.bytesPerSecond });
  try {
    const steady = await steadyRows(args, s3, proxy, bundle, dir);
    const cold = await coldRows(args, s3, proxy, bundle, dir);
    return { steady, cold };
  } finally {
    await proxy.stop();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

function container(
  bundle: string,
  dir: string,
  proxy: ShapingProxy,
  env: Record<string, string>,
  spec: { events: unknown[]; seconds: number; rate: number; newCrlNumber?: string },
  onReady?: () => void,
): Promise<ContainerOut & { spawnedAt: number }> {
  const result = path.join(dir, `result-${Math.random().toString(16).slice(2)}.json`);
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${CONTAINER}`], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_FUNCTION_NAME: 'bench-authorizer',
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      ...env,
      BENCH_CONTAINER: JSON.stringify({ bundle: pathToFileURL(bundle).href, result, ...spec }),
    },
    // The decision lines go where Lambda's stdout would: written, not kept.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    if (text.includes('ready') && !stderr.includes('ready')) onReady?.();
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`container exited ${code}: ${stderr.slice(-2000)}`));
      resolve({ ...(JSON.parse(readFileSync(result, 'utf8')) as ContainerOut), spawnedAt });
    });
  });
}

const objectRequests = (p: ShapingProxy) => (p.requests.get('GET') ?? 0) + (p.requests.get('HEAD') ?? 0) + (p.requests.get('PUT') ?? 0);

async function steadyRows(args: Args, s3: LocalS3, proxy: ShapingProxy, bundle: string, dir: string): Promise<DeployedSteadyRow[]> {
  const pki = makePki();
  const writer = new S3Store(s3.bucket, 'pki', { client: s3.client });
  const events = [restEvent(pki.good.pem), restEvent(pki.later.pem), restEvent(pki.revoked.pem)];
  const rows: DeployedSteadyRow[] = [];
  const runs: { mode: SteadyMode; interval: number }[] = [
    { mode: 'per-request (CRL_REVALIDATE_SECONDS=0)', interval: 0 },
    { mode: BACKGROUND, interval: 10 },
  ];
  for (const { mode, interval } of runs) {
    await writer.put('a.cache.bin', pki.blobA1);
    const before = objectRequests(proxy);
    // The blob's GETs alone: the same round also asks for the denylist, which is another object.
    const gets = () => [...proxy.byObject].reduce((n, [k, c]) => (k.startsWith('GET ') && k.endsWith('/a.cache.bin') ? n + c : n), 0);
    let getsAtReady = 0;
    let landedAt: number | undefined;
    let landing: Promise<void> | undefined;
    // Per-request mode cannot reach the rate (each request waits for S3); the run is shorter.
    const seconds = mode === BACKGROUND ? args.steadySeconds : Math.min(10, args.steadySeconds);
    const out = await container(
      bundle,
      dir,
      proxy,
      { CRL_STORE_URL: `s3://${s3.bucket}/pki`, CRL_CACHE_KEYS: 'a.cache.bin', CRL_REVALIDATE_SECONDS: String(interval) },
      { events, seconds, rate: args.rate, newCrlNumber: '2' },
      () => {
        getsAtReady = gets();
        // The new CRL lands a quarter of the way in.
        landing = new Promise((r) => setTimeout(r, (seconds * 1000) / 4)).then(async () => {
          await writer.put('a.cache.bin', pki.blobA2);
          landedAt = Date.now();
        });
      },
    );
    await landing;
    const lat = out.latUs.slice(1);
    const slow = slowest(out);
    rows.push({
      mode,
      seconds: out.seconds,
      ...latencies(lat),
      // The writer's PUT goes straight to s3rver, not through the proxy: every request counted is the container's.
      s3RequestsPer1000: ((objectRequests(proxy) - before) / out.latUs.length) * 1000,
      getsPer10s: ((gets() - getsAtReady) / out.seconds) * 10,
      newBlobDelayMs: out.firstNewAt !== null && landedAt !== undefined ? out.firstNewAt - landedAt : null,
      ...slow,
      ...(mode === BACKGROUND && { steady: steadyWindow(out, args.warmupSeconds) }),
    });
  }
  return rows;
}

/**
 * The requests that began once the container had served `warmupSeconds` of them: a fresh process runs its request
 * path unoptimised at first (V8 compiles it as it gets hot) and touches its young heap for the first time, and in
 * the whole run the first seconds' requests are most of the slowest 1% (measured by tenths of the run: p99 377 µs
 * in the first, 88–130 µs from the third on).
 */
function steadyWindow(out: ContainerOut, warmupSeconds: number): NonNullable<DeployedSteadyRow['steady']> {
  const from = out.loopStart + warmupSeconds * 1000;
  const lat = out.latUs.filter((_, i) => i > 0 && out.startedAt[i]! >= from);
  return { afterSeconds: warmupSeconds, ...latencies(lat) };
}

/** How many requests, and their latency quantiles: the figures a steady row and its steady window both give. */
function latencies(lat: number[]): Pick<DeployedSteadyRow, 'decisions' | 'p50Us' | 'p99Us' | 'p999Us' | 'maxUs'> {
  return {
    decisions: lat.length,
    p50Us: quantile(lat, 0.5),
    p99Us: quantile(lat, 0.99),
    p999Us: quantile(lat, 0.999),
    maxUs: Math.max(...lat),
  };
}

/**
 * The slowest 1% of requests (after the first), by cause: taken off the CPU by the kernel during the request, a GC
 * pause inside it, or neither; and p99 of the CPU time the requests used (what the authorizer itself costs).
 */
function slowest(out: ContainerOut): Pick<DeployedSteadyRow, 'p99CpuUs' | 'slowest1pc'> {
  const idx = out.latUs.map((_, i) => i).slice(1);
  idx.sort((a, b) => out.latUs[b]! - out.latUs[a]!);
  const top = idx.slice(0, Math.max(1, Math.floor(idx.length / 100)));
  const gcIn = (i: number) => {
    const t0 = out.startedAt[i]!;
    const t1 = t0 + out.latUs[i]! / 1000;
    return out.gcs.some(([s, d]) => s < t1 && s + d > t0);
  };
  const counts = { requests: top.length, preempted: 0, gc: 0, neither: 0 };
  for (const i of top) {
    if (out.preempted[i]! > 0) counts.preempted++;
    else if (gcIn(i)) counts.gc++;
    else counts.neither++;
  }
  return { p99CpuUs: quantile(out.cpuUs.slice(1), 0.99), slowest1pc: counts };
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

async function coldRows(args: Args, s3: LocalS3, proxy: ShapingProxy, bundle: string, dir: string): Promise<DeployedColdRow[]> {
  const rows: DeployedColdRow[] = [];
  for (const c of args.cold) {
    const body = new Uint8Array(readFileSync(c.blob));
    const prefix = `cold-${c.entries}`;
    await new S3Store(s3.bucket, prefix, { client: s3.client, timeoutMs: 60_000 }).put('big.cache.bin', body);
    const leaf = readFileSync(c.leafPem, 'utf8');
    for (const method of ['ranged GETs (defaults)', 'one GET'] as const) {
      const before = objectRequests(proxy);
      const rigCpu = process.cpuUsage();
      const out = await container(
        bundle,
        dir,
        proxy,
        {
          CRL_STORE_URL: `s3://${s3.bucket}/${prefix}`,
          CRL_CACHE_KEYS: 'big.cache.bin',
          ...(method === 'one GET' ? { CRL_RANGE_BYTES: String(1024 * 1024 * 1024) } : {}),
        },
        { events: [restEvent(leaf)], seconds: 0, rate: 1 },
      );
      rows.push({
        entries: c.entries,
        blobBytes: body.length,
        method,
        firstDecisionMs: out.firstAt - out.spawnedAt,
        code: out.firstCode,
        peakRssBytes: out.peakRssBytes,
        s3Requests: objectRequests(proxy) - before,
        cpuMs: out.firstCpuMs,
        minorFaults: out.firstFaults,
        rigCpuMs: cpuMs(process.cpuUsage(rigCpu)),
      });
    }
  }
  return rows;
}
