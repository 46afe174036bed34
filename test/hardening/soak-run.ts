/**
 * Sustained load on the authorizer handler: a long loop of decisions while new CRL blobs are published, every
 * decision checked against a plain JS Set of the serials the current CRL revokes, memory sampled as it goes.
 * `test/hardening/soak.ts` is the command; soak.test.ts runs a short version.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandler } from '../../src/authorizer/index.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
import { FolderStore } from '../../src/store/folder.js';
import { makeCa, makeCrl, makeLeaf, toPem } from '../../src/testpki/index.js';
import { readCertificate } from '../../src/x509/index.js';
import { T0 } from '../support/pki.js';

export interface SoakOptions {
  decisions: number;
  /** A new CRL blob is put every this many decisions. */
  swapEvery: number;
  /** Entries of each CRL (revoked pool members plus random fillers). */
  entries: number;
  /** Distinct client certificates. @default 64 */
  clients?: number;
  /** Deterministic choices. @default 1 */
  seed?: number;
}

export interface MemorySample {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

export interface SoakResult {
  decisions: number;
  swaps: number;
  wrong: number;
  allows: number;
  denies: number;
  start: MemorySample;
  peak: MemorySample;
  end: MemorySample;
  seconds: number;
}

function sample(): MemorySample {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

const gc = (globalThis as { gc?: () => void }).gc;

/** A small seeded PRNG (mulberry32): the run is the same every time for a seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function soak(opts: SoakOptions): Promise<SoakResult> {
  const random = rng(opts.seed ?? 1);
  const ca = makeCa({ name: 'CN=Soak CA,O=Example,C=US' });
  const clients = Array.from({ length: opts.clients ?? 64 }, (_, i) => makeLeaf(ca, { subject: `CN=client-${i},O=Example,C=US` }));
  const events = clients.map((c) => ({
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/x',
    requestContext: { identity: { clientCert: { clientCertPem: toPem(c.der, 'CERTIFICATE') } } },
  }));
  const serialTexts = clients.map((c) => readCertificate(c.der).serialText);
  const dir = mkdtempSync(join(tmpdir(), 'crl-soak-'));
  const store = new FolderStore(dir);
  let now = T0;
  let crlNumber = 0;
  let revoked = new Set<string>();

  async function publish(): Promise<void> {
    crlNumber++;
    const chosen = clients.filter(() => random() < 0.5);
    revoked = new Set(chosen.map((c) => readCertificate(c.der).serialText));
    const fillers = Array.from({ length: Math.max(0, opts.entries - chosen.length) }, () => ({ serial: randomBytes(16) }));
    const crl = makeCrl({
      issuer: ca,
      crlNumber,
      thisUpdate: new Date(Date.parse('2026-01-01T00:00:00Z') + crlNumber * 1000),
      entries: [...chosen.map((c) => ({ serial: c.serial })), ...fillers],
    });
    await store.put('soak.cache.bin', preprocess(crl, [ca.der], { at: new Date(now) }).blob);
  }

  const handler = createHandler({
    store,
    env: {},
    config: { cacheKeys: ['soak.cache.bin'], revalidateSeconds: 1, freshSeconds: 1, maxStaleSeconds: 300 },
    clock: () => now,
    logSink: () => undefined,
  });

  await publish();
  let swaps = 0;
  let wrong = 0;
  let allows = 0;
  const started = performance.now();
  // Warm up, then take the starting figures.
  await handler(events[0]);
  gc?.();
  const start = sample();
  const peak = { ...start };
  try {
    for (let i = 0; i < opts.decisions; i++) {
      if (i > 0 && i % opts.swapEvery === 0) {
        await publish();
        swaps++;
        // Due for revalidation at the next request, which awaits the round before it decides.
        now += 1000;
      }
      const k = Math.floor(random() * clients.length);
      const r = await handler(events[k]);
      const allow = 'isAuthorized' in r ? r.isAuthorized : r.policyDocument.Statement[0].Effect === 'Allow';
      if (allow) allows++;
      const expected = !revoked.has(serialTexts[k]!);
      if (allow !== expected || (!allow && r.context.code !== 'cert.revoked')) wrong++;
      if (i % 10_000 === 0) {
        const m = sample();
        for (const key of Object.keys(m) as (keyof MemorySample)[]) peak[key] = Math.max(peak[key], m[key]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  gc?.();
  const end = sample();
  for (const key of Object.keys(end) as (keyof MemorySample)[]) peak[key] = Math.max(peak[key], end[key]);
  return {
    decisions: opts.decisions,
    swaps,
    wrong,
    allows,
    denies: opts.decisions - allows,
    start,
    peak,
    end,
    seconds: (performance.now() - started) / 1000,
  };
}
